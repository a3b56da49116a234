"""An API over one demo workspace (documents, layers, planted internal and confidential texts), a scripted model,
and one key per role.

``api.client`` is a TestClient; ``api.keys[role]`` the role's secret; ``api.headers(role)`` its header.
The model is a fake at the model boundary (a unit of the API needs determinism); everything else is real.
The world itself is built by :mod:`tests.support.api_world`, shared with the web-page tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.access import Role
from tests.support.api_world import (  # noqa: F401  (re-exported for the API tests)
    CONFIDENTIAL_DOC,
    CONFIDENTIAL_MARK,
    INTERNAL_DOC,
    INTERNAL_MARK,
    FakeModel,
    build_world,
    copy_first,
)


@dataclass
class Api:
    container: Any
    client: TestClient
    model: FakeModel
    keys: dict[Role, str] = field(default_factory=dict)

    def headers(self, role: Role) -> dict[str, str]:
        return {"X-API-Key": self.keys[role]}


class FakeLLM:
    """The container's model component around a FakeModel, as a server endpoint that is always up: reports,
    extraction and evaluation runs that ask for the model get the scripted one."""

    embedded = False

    def __init__(self, model: FakeModel) -> None:
        self.model = model

    def chat(self, messages, *, max_tokens: int | None = None, tools=None, on_token=None, stop=None):
        return self.model(messages, max_tokens=max_tokens or 256, tools=tools, on_token=on_token)

    def reachable_chat(self):
        return self.chat

    def alias(self) -> str:
        return "fake"

    model_name = alias

    def tool_calling(self) -> str:
        return "router"

    def close(self) -> None:
        pass


@pytest.fixture(scope="package")
def api(tmp_path_factory):
    from api.app import create_app

    c, model = build_world(tmp_path_factory)
    c.__dict__["llm"] = FakeLLM(model)
    keys = {role: c.keys.add(f"test-{role.value}", role)[1] for role in Role}
    with TestClient(create_app(c)) as client:
        yield Api(container=c, client=client, model=model, keys=keys)
    workspace = c.settings.workspace
    c.close()
    verify_trail_after_the_tests(workspace)


def verify_trail_after_the_tests(workspace) -> None:
    """`onemap audit verify` on the trail the whole API test package wrote: every answer, verdict, report,
    extraction and comparison of the tests was recorded, and the chain still holds (a failure here is
    reported as an error of the last test using the fixture)."""
    import json

    from typer.testing import CliRunner

    from assistant.cli import app

    env = {"ONEMAP_HOME": str(workspace), "ONEMAP_PROFILE": "test"}
    result = CliRunner().invoke(app, ["audit", "verify", "--json"], env=env)
    assert result.exit_code == 0, result.output
    verified = json.loads(result.output)
    assert verified["ok"], verified  # records: every audited request of the tests that ran (none for eval runs alone)


@pytest.fixture
def public_limit(api):
    """Fresh per-client limits on the key-less routes for one test (questions and searches; browsing the map and
    the library), at the configured rates and bursts (the shared app's buckets are spent by the tests before); the
    app's own limiters are put back after."""
    from api.ratelimit import RateLimiter

    app = api.client.app
    cfg = api.container.settings.api
    saved = app.state.public_limiter, app.state.public_browse_limiter
    app.state.public_limiter = RateLimiter(cfg.public_rate_per_minute, cfg.public_burst)
    app.state.public_browse_limiter = RateLimiter(cfg.public_browse_rate_per_minute, cfg.public_browse_burst)
    try:
        yield
    finally:
        app.state.public_limiter, app.state.public_browse_limiter = saved


@pytest.fixture(scope="package")
def small_api(tmp_path_factory):
    """A second, empty app for what the shared one cannot show: a 10 kB body limit and a graph that
    cannot be reached (graph.mode neo4j with no uri). Nothing heavy is built."""
    from api.app import create_app
    from assistant.container import Container
    from assistant.settings import load_settings

    ws = tmp_path_factory.mktemp("small") / "workspace"
    c = Container(load_settings("test", environ={"ONEMAP_HOME": str(ws)},
                                overrides={"api": {"max_upload_mb": 0.01}, "graph": {"mode": "neo4j", "uri": ""}}))
    keys = {role: c.keys.add(f"small-{role.value}", role)[1] for role in Role}
    with TestClient(create_app(c)) as client:
        yield Api(container=c, client=client, model=FakeModel(), keys=keys)
    c.close()
