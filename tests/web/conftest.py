"""The web page in headless Chromium: a real uvicorn server on a free loopback port, in a thread, around
``create_app(container)`` for the demo world with the fake model (:mod:`tests.support.api_world`).

The browser is Debian's Chromium (``/usr/bin/chromium``, or ``ONEMAP_CHROMIUM``), driven by Python Playwright;
Playwright never downloads a browser of its own. Without Playwright or Chromium the tests are skipped, or fail when
``ONEMAP_REQUIRE_BROWSER=1`` (as ``make test`` sets it, after installing both).

Screenshots go to ``test-artifacts/web/`` at the repository root (git-ignored).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assistant.access import Role

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
CHROMIUM = Path(os.environ.get("ONEMAP_CHROMIUM", "/usr/bin/chromium"))
# Debian's Chromium, offline: no first-run, no background or component traffic, no QUIC.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python Playwright is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.is_file():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


def _required() -> bool:
    return os.environ.get("ONEMAP_REQUIRE_BROWSER", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium shared by the session (skipped, or failed under ONEMAP_REQUIRE_BROWSER=1, without one)."""
    reason = _missing()
    if reason:
        if _required():
            pytest.fail(f"ONEMAP_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Site:
    url: str
    app: object
    container: object
    keys: dict[Role, str] = field(default_factory=dict)


def _serve(app) -> tuple[object, threading.Thread, int]:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="web-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return server, thread, port


@pytest.fixture(scope="package")
def site(chromium, tmp_path_factory) -> Iterator[Site]:
    """The app for the demo world, served on 127.0.0.1:<free port>, with one key per role."""
    from api.app import WEB_DIR, create_app
    from tests.support.api_world import build_world

    assert (WEB_DIR / "index.html").is_file(), "web/index.html is missing"
    c, _ = build_world(tmp_path_factory)
    keys = {role: c.keys.add(f"web-{role.value}", role)[1] for role in Role}
    app = create_app(c)
    server, thread, port = _serve(app)
    try:
        yield Site(url=f"http://127.0.0.1:{port}", app=app, container=c, keys=keys)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        c.close()


def fresh_public_limit(site: Site) -> None:
    """Fresh per-client limits on the key-less routes (questions; browsing the map and library), at the configured
    rates and bursts: the page opens without a key and loads the public map, so each test starts as a new visitor
    would rather than with the buckets the tests before it spent (every test's browser is the same client,
    127.0.0.1)."""
    from api.ratelimit import RateLimiter

    cfg = site.container.settings.api
    site.app.state.public_limiter = RateLimiter(cfg.public_rate_per_minute, cfg.public_burst)
    site.app.state.public_browse_limiter = RateLimiter(cfg.public_browse_rate_per_minute, cfg.public_browse_burst)


@pytest.fixture
def page(chromium, site):
    """A fresh page (own storage, 1280x800, Chinese locale, a new visitor's public rate limit) whose console errors
    fail the test."""
    fresh_public_limit(site)
    context = chromium.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}")
            if msg.type == "error" and "Failed to load resource" not in msg.text else None)
    page.goto(site.url + "/")
    page.wait_for_selector("body[data-ready='true']")
    yield page
    context.close()
    assert not errors, errors


def use_key(page, key: str) -> None:
    """Type an API key into the header's key box and save it (as a user would)."""
    page.get_by_label("API 密钥").fill(key)
    page.get_by_role("button", name="保存", exact=True).click()


def screenshot(page, name: str) -> Path:
    """A full-page screenshot under test-artifacts/web/ (kept after the run; the directory is git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path
