"""Web tests call the app in-process (TestClient) against a private data folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hipcoach.library.loader import load_library
from hipcoach.settings import Settings
from hipcoach.web import create_app


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({"HIPCOACH_DATA_DIR": str(tmp_path / "data")})


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    load_library.cache_clear()
    with TestClient(create_app(settings)) as test_client:
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
