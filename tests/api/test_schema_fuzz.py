"""Schemathesis against the app's OpenAPI document, in process (ASGI), as admin with the fake model:
generated requests for every operation must never get a 5xx.

The document is read from an app around an empty workspace when this module is collected (the routes do not
depend on the data); the requests go to an app around the shared world. Bounded: a few derandomised examples
per operation, so the module stays well under a minute once the shared world is built. Its own app, so the
evaluation runs the fuzzer starts are stopped at the end.
"""

from __future__ import annotations

import tempfile

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from assistant.access import Role  # noqa: E402

EXAMPLES_PER_OPERATION = 15


def openapi() -> dict:
    from api.app import create_app
    from assistant.container import Container
    from assistant.settings import load_settings

    with tempfile.TemporaryDirectory() as ws:
        container = Container(load_settings("test", environ={"ONEMAP_HOME": ws}))
        app = create_app(container)
        try:
            return app.openapi()
        finally:
            app.state.eval_runs.close()
            container.close()


schema = schemathesis.openapi.from_dict(openapi())


@pytest.fixture(scope="module")
def fuzz_app(api):
    from api.app import create_app

    app = create_app(api.container)
    yield app
    app.state.eval_runs.close()  # queued and running suites stop here, not at interpreter exit


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_with_a_server_error(case, api, fuzz_app) -> None:
    case.headers = {**(case.headers or {}), "X-API-Key": api.keys[Role.ADMIN]}
    case.headers.pop("authorization", None)
    response = case.call(app=fuzz_app)
    case.validate_response(response, checks=[not_a_server_error])
