"""web.hot answers the hot requests byte for byte as FastAPI would, and hands on the rest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hipcoach.library.loader import load_library
from hipcoach.settings import Settings
from hipcoach.web import create_app
from tests.web.conftest import _top_questions, form_token, local_client

API = "/api/v1"


class FrameworkCalls:
    """Counts the requests that reach FastAPI (those web.hot did not answer)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[str] = []
        through = FastAPI.__call__

        async def counted(app: FastAPI, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                self.paths.append(scope["path"])
            await through(app, scope, receive, send)

        monkeypatch.setattr(FastAPI, "__call__", counted)


@pytest.fixture
def framework(monkeypatch: pytest.MonkeyPatch) -> FrameworkCalls:
    return FrameworkCalls(monkeypatch)


def screened_client(data: Path) -> TestClient:
    from hipcoach.services.screening import take_screen

    client = local_client(create_app(Settings.from_env({"HIPCOACH_DATA_DIR": str(data)})))
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    take_screen(ctx, {q.id: False for q in _top_questions(ctx)})
    return client


@pytest.fixture
def twins(tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps on data folders of their own: the first with web.hot, the second without."""
    load_library.cache_clear()
    hot, plain = screened_client(tmp_path / "hot"), screened_client(tmp_path / "plain")
    plain.app.hot_routes = None  # type: ignore[attr-defined]
    with hot, plain:
        yield hot, plain
    load_library.cache_clear()


def same(first: Any, second: Any) -> None:
    assert first.status_code == second.status_code, (first.text, second.text)
    assert first.headers.items() == second.headers.items()
    assert first.content == second.content


def start(client: TestClient) -> tuple[str, int]:
    response = client.post(f"{API}/sessions", json={"routine_id": "morning-pry"})
    assert response.status_code == 201, response.text
    body = response.json()
    return body["session_id"], len(body["timeline"]["segments"])


def test_every_save_answer_is_fastapis_own(
    twins: tuple[TestClient, TestClient], framework: FrameworkCalls
) -> None:
    hot, plain = twins
    (hot_id, total), (plain_id, _) = start(hot), start(plain)
    framework.paths.clear()

    def body(index: int, outcome: str = "completed", **more: Any) -> dict[str, Any]:
        return {"json": {"index": index, "outcome": outcome, "elapsed_seconds": 1, **more}}

    json_type = {"content-type": "application/json"}
    cases: list[tuple[str, dict[str, Any]]] = [
        ("plain", body(0, elapsed_seconds=12.5)),
        ("again", body(0, "skipped")),
        ("skipped", body(1, "skipped", elapsed_seconds=0)),
        ("outcome", body(2, "done")),
        ("extra", body(2, x=1)),
        ("outside", body(total)),
        ("malformed", {"content": b'{"index": 2,', "headers": json_type}),
        ("form", {"data": {"index": "2", "outcome": "completed", "elapsed_seconds": "1"}}),
        ("large", body(2, pad="x" * 5000)),
    ]
    for name, request in cases:
        answers = [
            client.post(f"{API}/sessions/{sid}/segments", **request)
            for client, sid in ((hot, hot_id), (plain, plain_id))
        ]
        assert answers[0].status_code < 500, name
        same(*answers)
    unknown = [client.post(f"{API}/sessions/nope/segments", **cases[0][1]) for client in twins]
    assert unknown[0].status_code == 404
    same(*unknown)
    # The hot path answered the saves that went through, FastAPI only the others
    # (and the plain app's every request). The form post reaches neither: the security
    # gate refuses it first, as a cross-site form could send one (web.gate).
    form = dict(cases)["form"]
    assert hot.post(f"{API}/sessions/{hot_id}/segments", **form).status_code == 403
    framework.paths.clear()
    for _name, request in cases:
        hot.post(f"{API}/sessions/{hot_id}/segments", **request)
    reached = framework.paths.count(f"{API}/sessions/{hot_id}/segments")
    assert len(cases) - 1 - reached == 3, framework.paths
    assert hot.get(f"{API}/sessions/{hot_id}").json()["done_indices"] == [0, 1]


def test_the_today_page_and_progress_are_fastapis_own(
    twins: tuple[TestClient, TestClient], framework: FrameworkCalls
) -> None:
    hot, _ = twins
    sid, _ = start(hot)
    saved = {"index": 0, "outcome": "completed", "elapsed_seconds": 3}
    assert hot.post(f"{API}/sessions/{sid}/segments", json=saved).status_code == 200
    app = hot.app
    paths = ["/", f"{API}/progress", "/?pain_now=3", "/?pain_now=eleven", f"{API}/progress?x=1"]
    for path in paths:
        framework.paths.clear()
        fast = hot.get(path)
        answered_here = not framework.paths
        app.hot_routes, kept = None, app.hot_routes  # type: ignore[attr-defined]
        try:
            slow = hot.get(path)
        finally:
            app.hot_routes = kept  # type: ignore[attr-defined]
        assert fast.status_code == 200, path
        same(fast, slow)
        assert answered_here == ("?" not in path), path
    assert "1 of" in hot.get("/").text  # the live resume offer is in the page it answers


def test_what_is_not_ours_goes_to_fastapi(
    twins: tuple[TestClient, TestClient], framework: FrameworkCalls
) -> None:
    hot, _ = twins
    sid, _ = start(hot)
    token = form_token(hot)  # a page post needs its form token (web.gate)
    framework.paths.clear()
    assert hot.head("/").status_code in (200, 405)
    assert hot.post("/", data={"csrf_token": token}).status_code == 405
    assert hot.put(f"{API}/sessions/{sid}/segments", json={}).status_code == 405
    assert hot.get(f"{API}/sessions/{sid}/segments").status_code == 405
    assert hot.get(f"{API}/progress/", follow_redirects=False).status_code in (307, 404)
    assert len(framework.paths) == 5
