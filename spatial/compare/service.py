"""Comparing two plan files with the layers they are checked against: what ``onemap compare`` and
``POST /compare`` both call.

The control lines and the units' floor-area caps come from a folder of layer files named by kind
(:func:`layers_from_folder`) or from the layers imported into the workspace that a role may read
(:func:`layers_from_backend`); :func:`compare_files` reads both versions and compares them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.access import Role, readable_levels
from assistant.settings import SpatialSettings
from spatial.backend import LayerBackend
from spatial.compare.engine import CONTROL_LINES, caps_from_layer, compare_plans
from spatial.compare.errors import CompareError
from spatial.compare.models import CompareOptions, PlanComparison
from spatial.compare.read import read_plan
from spatial.errors import SpatialError
from spatial.kinds import LayerKind
from spatial.layers import Layer, read_layer

LAYER_FILE_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")


@dataclass(frozen=True)
class CompareLayers:
    """The control-line layers (a kind absent is None) and each unit's floor-area cap."""

    lines: dict[LayerKind, Layer | None] = field(default_factory=dict)
    caps: dict[str, float | None] = field(default_factory=dict)


def layers_from_folder(folder: Path) -> CompareLayers:
    """Control-line layers and unit caps from files named by kind in ``folder`` (e.g. ``demo/layers``).

    Raises
    ------
    CompareError
        ``folder`` is not a folder, or a layer file in it cannot be read.
    """
    if not folder.is_dir():
        raise CompareError(f"{folder}：不是文件夹")
    found: dict[LayerKind, Layer] = {}
    for kind in (*CONTROL_LINES, LayerKind.MANAGEMENT_UNITS):
        path = next((folder / f"{kind.value}{s}" for s in LAYER_FILE_SUFFIXES
                     if (folder / f"{kind.value}{s}").is_file()), None)
        if path is None:
            continue
        try:
            found[kind] = read_layer(kind, path)
        except SpatialError as exc:
            raise CompareError(f"无法读取{kind.label}图层 {path.name}：{exc}") from None
    return CompareLayers({k: found.get(k) for k in CONTROL_LINES},
                         caps_from_layer(found.get(LayerKind.MANAGEMENT_UNITS)))


def layers_from_backend(backend: LayerBackend, role: Role) -> CompareLayers:
    """The control-line layers and unit caps imported into the workspace that ``role`` may read.

    Raises :class:`spatial.errors.BackendError` when the layer backend cannot be reached.
    """
    readable = set(readable_levels(role))
    available = {i.kind for i in backend.layers() if i.access in readable}
    lines = {k: backend.load(k) if k in available else None for k in CONTROL_LINES}
    units = backend.load(LayerKind.MANAGEMENT_UNITS) if LayerKind.MANAGEMENT_UNITS in available else None
    return CompareLayers(lines, caps_from_layer(units))


def compare_files(old: Path, new: Path, *, settings: SpatialSettings,
                  layers: CompareLayers | Callable[[], CompareLayers] | None = None,
                  area_tolerance_m2: float = 10.0, names: tuple[str, str] | None = None) -> PlanComparison:
    """Read both plan versions (parcel layers or plan texts) and compare them against ``layers``
    (or what ``layers()`` gives, called once both files have been read).

    ``names`` are what the result and its report call the two versions (default: their paths).

    Raises
    ------
    CompareError, SpatialError
        A file is missing, unreadable or has no parcels; the rules table is malformed.
    """
    from spatial.rules import load_rules

    before = read_plan(old)
    after = read_plan(new)
    rules = load_rules(settings.rules_file or None)
    if callable(layers):
        layers = layers()
    layers = layers or CompareLayers()
    options = CompareOptions(geometry_tolerance_m2=area_tolerance_m2,
                             sliver_tolerance_m2=settings.sliver_tolerance_m2)
    result = compare_plans(before, after, caps=layers.caps or None, lines=layers.lines, options=options,
                           is_urban=rules.urban_development_boundary.is_urban)
    if names is not None:
        result = result.model_copy(update={"old_source": names[0], "new_source": names[1]})
    return result
