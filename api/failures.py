"""How the services' failures reach a client, in one place for every router.

- bad input (a malformed project, an unreadable layer or plan file, rules that do not apply): 422;
- the role may not do this (:class:`assistant.access.AccessDenied`): 403;
- a backend that cannot be reached (layers, graph), the CJK font missing, the audit trail not
  writable: 503, with the service's one-line reason.

:func:`audited` writes the audit record of a result before it is returned: a result that cannot be
recorded is not delivered (503), as the CLI exits 1 then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from api.errors import ApiError
from api.uploads import without_folder

T = TypeVar("T")


@contextmanager
def service_errors(paths: Sequence[Path] = ()) -> Iterator[None]:
    """Map the services' errors to API errors (messages without the upload folder of ``paths``)."""
    from assistant.access import AccessDenied
    from assistant.extraction import ExtractionError
    from assistant.reports.fonts import FontError
    from spatial.errors import BackendError, SpatialError

    try:
        yield
    except AccessDenied as exc:
        raise ApiError(403, str(exc)) from None
    except BackendError as exc:
        raise ApiError(503, f"the layer backend cannot be reached: {without_folder(str(exc), paths)}") from None
    except (SpatialError, ExtractionError) as exc:
        raise ApiError(422, without_folder(str(exc), paths)) from None
    except FontError as exc:
        raise ApiError(503, f"reports cannot be rendered: {exc}") from None


def audited(container: Any, recorder: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """``recorder(container.audit, *args, **kwargs)`` (an :mod:`assistant.audit_records` function); 503 if it fails."""
    from assistant.audit import AuditError

    try:
        recorder(container.audit, *args, **kwargs)
    except AuditError as exc:
        raise ApiError(503, f"the audit trail cannot be written, so the result is withheld: {exc}") from None
