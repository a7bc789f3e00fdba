"""Web tests call the app in-process (TestClient) against a private data folder."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hipcoach.library.loader import load_library
from hipcoach.settings import Settings
from hipcoach.web import create_app


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({"HIPCOACH_DATA_DIR": str(tmp_path / "data")})


# The app answers only the names it knows (web.hosts), and shows some things only to
# this computer's own browser: tests talk to it as a browser on loopback does.
LOCAL_BASE_URL = "http://127.0.0.1"
LOCAL_CLIENT = ("127.0.0.1", 50000)


def local_client(app: Any, **options: Any) -> TestClient:
    """A TestClient that reaches the app as a browser on this computer does."""
    return TestClient(app, base_url=LOCAL_BASE_URL, client=LOCAL_CLIENT, **options)


def form_token(client: TestClient, page: str = "/screen") -> str:
    """The form token a page gives this client (and the cookie it belongs to, kept by the
    client), for posting forms as the page itself would (see web.csrf)."""
    html = client.get(page).text
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, f"no form token on {page}"
    return found.group(1)


def post_form(client: TestClient, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    """POST a form with its token, as a browser does from the page that holds it."""
    return client.post(path, data={**(data or {}), "csrf_token": form_token(client)}, **kw)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    load_library.cache_clear()
    with local_client(create_app(settings)) as test_client:
        yield test_client
    load_library.cache_clear()


@pytest.fixture
def screened(client: TestClient) -> TestClient:
    """A client whose profile has a clear readiness screen, so sessions may start."""
    from hipcoach.services.screening import take_screen

    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    take_screen(ctx, {q.id: False for q in _top_questions(ctx)})
    return client


def _top_questions(ctx):  # type: ignore[no-untyped-def]
    from hipcoach.services.screening import screening_form

    return [q for q in screening_form(ctx).questions if not q.follows]
