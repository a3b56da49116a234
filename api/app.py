"""The FastAPI app: one container, the routers, JSON errors, the body limit and the web page at ``/``."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from fastapi import FastAPI

from api import errors
from api.limits import BodyLimit
from api.ratelimit import RateLimiter
from assistant.container import Container
from assistant.settings import Settings, load_settings

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

DESCRIPTION = """\
一张图智审助手 OneMap Copilot: cited answers over planning law and policy, deterministic
spatial and indicator checks, review reports and plan comparison.

Authenticate with an API key (`onemap keys add NAME --role officer`) in the `X-API-Key`
header (or `Authorization: Bearer`). Roles: admin, officer, reviewer, public; what a role may
read is filtered inside the services. `/public/*` needs no key, acts as the public role and is
rate-limited per client. Errors are JSON: `{"error": code, "message": text}`.
"""


def _version() -> str:
    try:
        return version("onemap-copilot")
    except PackageNotFoundError:
        return "0"


def create_app(container: Container | None = None, *, settings: Settings | None = None,
               container_factory: Callable[[Settings], Container] = Container) -> FastAPI:
    """The app around ``container`` (built from ``settings``, or the loaded settings, when not given).

    A container passed in is the caller's to close; one built here is closed at shutdown.
    """
    owned = container is None
    if container is None:
        container = container_factory(settings or load_settings())
    cfg = container.settings.api

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        app.state.eval_runs.close()
        if owned:
            container.close()

    app = FastAPI(title="OneMap Copilot API", version=_version(), description=DESCRIPTION, lifespan=lifespan)
    app.state.container = container
    app.state.public_limiter = RateLimiter(cfg.public_rate_per_minute, cfg.public_burst)
    app.state.public_browse_limiter = RateLimiter(cfg.public_browse_rate_per_minute, cfg.public_browse_burst)
    app.state.eval_runs = _eval_runs(container)
    errors.install(app)
    app.add_middleware(BodyLimit, max_bytes=int(cfg.max_upload_mb * 1024 * 1024))

    from api.routers import ROUTERS

    for router in ROUTERS:
        app.include_router(router)
    _mount_web(app, Path(cfg.web_dir) if cfg.web_dir else WEB_DIR)
    return app


def _eval_runs(container: Container):
    """Evaluation runs of this app (``POST /eval/runs``): the suites of ``onemap eval run`` over its container."""
    from eval.runs import EvalRunService

    return EvalRunService(container.settings.workspace / "eval_runs", container=lambda: container,
                          settings=container.settings)


def _mount_web(app: FastAPI, folder: Path) -> None:
    if not (folder / "index.html").is_file():
        return
    from fastapi.staticfiles import StaticFiles

    app.mount("/", StaticFiles(directory=folder, html=True), name="web")
