"""Services the CLI and the API call: layer import/list/qc and project checks."""

from __future__ import annotations

from pathlib import Path

from assistant.settings import Settings, SpatialSettings
from ingest.models import Access
from spatial.backend import LayerBackend, LayerInfo
from spatial.errors import BackendError
from spatial.kinds import LayerKind
from spatial.layers import read_layer


def build_backend(settings: Settings) -> LayerBackend:
    """The layer backend chosen by ``settings.spatial.backend`` (imported lazily)."""
    sp: SpatialSettings = settings.spatial
    match sp.backend:
        case "memory":
            from spatial.memory import MemoryBackend

            return MemoryBackend(settings.workspace / sp.layers_path)
        case "postgis":
            if not sp.postgis_dsn:
                raise BackendError("spatial.backend is 'postgis' but spatial.postgis_dsn is empty; "
                                   "set ONEMAP__SPATIAL__POSTGIS_DSN=postgresql://user@host:5432/db")
            try:
                from spatial.postgis import PostGISBackend
            except ImportError as exc:  # pragma: no cover - psycopg is a base dependency
                raise BackendError(f"the postgis backend needs psycopg: pip install 'psycopg[binary]' ({exc})") from None
            return PostGISBackend(sp.postgis_dsn, schema=sp.postgis_schema)
    raise BackendError(f"unknown spatial backend {sp.backend!r}")  # pragma: no cover - settings validate it


class LayerService:
    """Import, list and quality-check the layers of the one map."""

    def __init__(self, backend: LayerBackend, settings: SpatialSettings) -> None:
        self.backend = backend
        self.settings = settings

    def import_file(self, kind: LayerKind | str, path: Path, access: Access = Access.PUBLIC,
                    *, layer_name: str | None = None) -> LayerInfo:
        """Read ``path`` as ``kind`` and replace that kind's layer atomically."""
        kind = LayerKind.parse(kind) if isinstance(kind, str) else kind
        layer = read_layer(kind, path, layer_name=layer_name)
        return self.backend.import_layer(layer, access)

    def list(self) -> list[LayerInfo]:
        return self.backend.layers()


def build_checks(backend: LayerBackend, settings: SpatialSettings):
    """A :class:`spatial.engine.CheckService` with the rule tables the settings name."""
    from spatial.engine import CheckService
    from spatial.rules import load_rules

    return CheckService(backend, load_rules(settings.rules_file or None), settings)
