"""Real-browser fixtures: a live uvicorn server in a thread and Debian's Chromium via Playwright.

The server runs `create_app` on a private data folder with an accelerated session clock, so a
whole session plays in seconds. Without Chromium or axe-core the browser tests skip with the
reason, except in CI, where a missing browser is a hole in the suite and fails the run.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from hipcoach.settings import Settings
from hipcoach.web import create_app

CHROMIUM = Path(os.environ.get("HIPCOACH_CHROMIUM", "/usr/bin/chromium"))
AXE_JS = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Fast enough that a routine plays in seconds, slow enough that each segment still renders.
TIME_SCALE = "50"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def missing(reason: str) -> None:
    """Skip for a missing tool, except in CI where the hole must fail the run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI runs scripts/test.sh, which installs it)")
    pytest.skip(f"{reason}: run scripts/test.sh to install it")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives a real browser: mark them all `browser`."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    """A uvicorn server on a loopback port; `ctx` is the app's shared services context."""

    base_url: str
    app: Any
    server: uvicorn.Server
    thread: threading.Thread
    data_dir: Path

    @property
    def ctx(self) -> Any:
        return self.app.state.ctx

    def url(self, path: str) -> str:
        return self.base_url + path

    def api(self) -> httpx.Client:
        """A plain HTTP client on the server, for checking what the pages did."""
        return httpx.Client(base_url=self.base_url, timeout=10)

    def screen_clear(self) -> None:
        """Seed a clear readiness screen through the service, so sessions may start."""
        from hipcoach.services.screening import screening_form, take_screen

        questions = [q for q in screening_form(self.ctx).questions if not q.follows]
        take_screen(self.ctx, {q.id: False for q in questions})

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, time_scale: str = TIME_SCALE, **env: str) -> LiveServer:
    """Start the app in a background thread and wait until it answers; `env` adds settings
    (the socket stays on loopback whatever HIPCOACH_HOST says)."""
    from hipcoach.library.loader import load_library

    load_library.cache_clear()
    settings = Settings.from_env(
        {"HIPCOACH_DATA_DIR": str(data_dir), "HIPCOACH_TIME_SCALE": time_scale, **env}
    )
    app = create_app(settings)
    port = free_port()
    # ws="none": no websocket stack (and its deprecation warnings) for a plain HTTP app.
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", app, server, thread, data_dir)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the read-mostly tests (screenshots, axe, keyboard), screened clear."""
    # Real time: screenshots and keyboard tests want the player to hold still.
    server = start_server(tmp_path_factory.mktemp("live") / "data", time_scale="1")
    server.screen_clear()
    yield server
    server.stop()


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Fresh servers on private data folders, for flows that must not see each other's rows."""
    started: list[LiveServer] = []

    def make(name: str = "data", screened: bool = True, time_scale: str = TIME_SCALE) -> LiveServer:
        server = start_server(tmp_path / name, time_scale=time_scale)
        if screened:
            server.screen_clear()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def fresh_server(server_factory: Callable[..., LiveServer]) -> LiveServer:
    """A private, screened server for one flow."""
    return server_factory()


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, started once for the browser tests.

    Package scope, not session: Playwright's sync API marks an asyncio loop as
    running on the main thread while it lives, and the async tests after these
    could not start theirs.
    """
    if not CHROMIUM.exists():
        missing(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_js() -> Path:
    if not AXE_JS.exists():
        missing(f"axe-core not found at {AXE_JS} (npm ci --prefix tests/web)")
    return AXE_JS


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[[str], Any]]:
    """Open a page at a named viewport size; each gets its own context (storage, cookies)."""
    contexts: list[Any] = []

    def make(size: str = "phone") -> Any:
        context = browser.new_context(viewport=VIEWPORTS[size], device_scale_factor=1)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []  # uncaught page errors, checked by the tests
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def phone(open_page: Callable[[str], Any]) -> Any:
    return open_page("phone")


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $HIPCOACH_SCREENSHOTS, else a temporary folder."""
    chosen = os.environ.get("HIPCOACH_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
