"""The player's endpoints: a whole session, symptoms, resume after a reload, and refusals."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.web.api.conftest import API, error
from tests.web.conftest import local_client

IR_WORK = {"ir-ankle-lift", "ir-ankle-lift-lean", "ir-stretch", "active-ir", "active-ir-lean"}
IR_WORK |= {"contralateral-pry"}


def _save(client: TestClient, session_id: str, index: int, outcome: str = "completed") -> Any:
    return client.post(
        f"{API}/sessions/{session_id}/segments",
        json={"index": index, "outcome": outcome, "elapsed_seconds": 1.5},
    )


def test_start_returns_the_contract_shape(started: dict[str, Any]) -> None:
    assert set(started) >= {
        "session_id",
        "timeline",
        "start_index",
        "done_indices",
        "changes",
        "notes",
        "time_scale",
    }
    assert started["start_index"] == 0
    assert started["done_indices"] == []
    assert started["timeline"]["routine"] == "morning-pry"
    assert started["time_scale"] == 1.0


def test_a_whole_session_through_the_api(screened: TestClient, started: dict[str, Any]) -> None:
    sid = started["session_id"]
    total = len(started["timeline"]["segments"])
    for index in range(total):
        saved = _save(screened, sid, index).json()
        assert saved == {"done": index + 1, "total": total}
    finished = screened.post(f"{API}/sessions/{sid}/finish", json={"completed": True})
    assert finished.status_code == 200
    assert finished.json()["status"] == "completed"
    out = screened.post(f"{API}/sessions/{sid}/checkout", json={"pain": 1, "effort": 6})
    assert out.status_code == 201
    assert out.json()["effort"] == 6
    row = screened.get(f"{API}/history").json()[0]
    assert row["session_id"] == sid
    assert row["status"] == "completed"
    assert row["segments_completed"] == row["segments_total"] == total
    nothing = screened.get(f"{API}/sessions/current")
    assert nothing.status_code == 204
    assert nothing.content == b""


def test_resume_after_a_reload_starts_at_the_first_unsaved(
    screened: TestClient, started: dict[str, Any]
) -> None:
    sid = started["session_id"]
    for index in (0, 1, 2):
        _save(screened, sid, index, "skipped" if index == 1 else "completed")
    current = screened.get(f"{API}/sessions/current").json()
    assert current["session_id"] == sid
    assert current["resumable"] is True
    assert current["start_index"] == 3
    assert current["done_indices"] == [0, 1, 2]
    assert current["timeline"] == started["timeline"]
    assert screened.get(f"{API}/sessions/{sid}").json()["start_index"] == 3


def test_a_pinch_drops_the_inner_rotation_work(
    screened: TestClient, started: dict[str, Any]
) -> None:
    sid = started["session_id"]
    segments = started["timeline"]["segments"]
    at = next(s["index"] for s in segments if s["exercise_id"] in IR_WORK)
    for index in range(at):
        _save(screened, sid, index)
    response = screened.post(
        f"{API}/sessions/{sid}/symptoms", json={"symptom": "pinch", "segment_index": at}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["end_session"] is False
    assert "symptom.pinch" in body["rule_ids"]
    assert body["message"]
    rest = body["timeline"]["segments"][at:]
    assert rest
    assert not {s["exercise_id"] for s in rest} & (IR_WORK - {"contralateral-pry"})
    assert all(s["exercise_id"] != "contralateral-pry" for s in rest)
    assert body["timeline"]["segments"][:at] == segments[:at]
    current = screened.get(f"{API}/sessions/current").json()
    assert current["timeline"] == body["timeline"]
    assert current["start_index"] == at
    assert any(c["rule_id"] == "symptom.pinch" for c in current["changes"])
    # The spliced timeline is the one segments are now checked against.
    last = len(body["timeline"]["segments"]) - 1
    assert _save(screened, sid, last).status_code == 200


def test_session_blocked_without_a_screen(client: TestClient) -> None:
    body = error(client.post(f"{API}/sessions", json={}), 403)
    assert any("screen.needed" in r for r in body["reasons"])


def test_a_high_pain_checkin_refuses_or_eases(screened: TestClient) -> None:
    response = screened.post(f"{API}/sessions", json={"checkin": {"pain_now": 9}})
    assert response.status_code in (201, 403)
    if response.status_code == 201:
        assert response.json()["changes"]


def test_bad_payloads_name_the_field(screened: TestClient, started: dict[str, Any]) -> None:
    sid = started["session_id"]
    start = f"{API}/sessions"
    assert error(screened.post(start, json={"options": {"hold": 0}}), 422)["field"] == (
        "options.hold"
    )
    assert error(screened.post(start, json={"checkin": {"pain_now": 11}}), 422)["field"] == (
        "checkin.pain_now"
    )
    assert error(screened.post(start, json={"colour": "red"}), 422)["field"] == "colour"
    error(screened.post(start, json={"routine_id": "no-such-routine"}), 404)
    symptom = screened.post(f"{start}/{sid}/symptoms", json={"symptom": "itch", "segment_index": 0})
    assert error(symptom, 422)["field"] == "symptom"
    checkout = screened.post(f"{start}/{sid}/checkout", json={"pain": 11})
    assert error(checkout, 422)["field"] == "pain"
    error(screened.post(f"{start}/{sid}/checkout", json={}), 422)
    bad = screened.post(
        f"{start}/{sid}/segments", json={"index": 0, "outcome": "done", "elapsed_seconds": 1}
    )
    assert error(bad, 422)["field"] == "outcome"


def test_segment_outside_the_timeline_is_409(screened: TestClient, started: dict[str, Any]) -> None:
    sid = started["session_id"]
    total = len(started["timeline"]["segments"])
    body = error(_save(screened, sid, total), 409)
    assert str(total) in body["error"]
    assert screened.get(f"{API}/sessions/{sid}").json()["done_indices"] == []


def test_unknown_session_is_404(screened: TestClient) -> None:
    assert error(screened.get(f"{API}/sessions/nope"), 404)["field"] == "session_id"
    error(_save(screened, "nope", 0), 404)
    error(screened.post(f"{API}/sessions/nope/finish", json={"completed": True}), 404)


def test_time_scale_is_the_servers(settings: Any, tmp_path: Any) -> None:
    from hipcoach.library.loader import load_library
    from hipcoach.settings import Settings
    from hipcoach.web import create_app

    fast = Settings.from_env(
        {"HIPCOACH_DATA_DIR": str(tmp_path / "fast"), "HIPCOACH_TIME_SCALE": "20"}
    )
    load_library.cache_clear()
    with local_client(create_app(fast)) as client:
        from hipcoach.services.screening import screening_form, take_screen

        ctx = client.app.state.ctx  # type: ignore[attr-defined]
        take_screen(ctx, {q.id: False for q in screening_form(ctx).questions if not q.follows})
        body = client.post(f"{API}/sessions", json={"routine_id": "desk-break"}).json()
    assert body["time_scale"] == 20.0


def test_a_second_pinch_ends_the_session(screened: TestClient, started: dict[str, Any]) -> None:
    sid = started["session_id"]
    url = f"{API}/sessions/{sid}/symptoms"
    first = screened.post(url, json={"symptom": "pinch", "segment_index": 0}).json()
    assert first["end_session"] is False
    second = screened.post(url, json={"symptom": "pinch", "segment_index": 1}).json()
    assert second["end_session"] is True
    assert "symptom.pinch-again" in second["rule_ids"]
    assert len(second["timeline"]["segments"]) == 1
    row = screened.get(f"{API}/history").json()[0]
    assert row["status"] == "ended_for_safety"
    assert row["ended_by_rule"] == "symptom.pinch-again"
    assert row["resumable"] is False
    assert "pinch" in row["ended_why"].lower()
    assert screened.get(f"{API}/sessions/current").status_code == 204
    # Neither a late finish nor a resume can relabel it.
    finished = screened.post(f"{API}/sessions/{sid}/finish", json={"completed": True})
    assert finished.json()["status"] == "ended_for_safety"
    resumed = screened.post(f"{API}/sessions/{sid}/resume", json={})
    assert resumed.status_code == 409
    assert screened.get(f"{API}/history").json()[0]["status"] == "ended_for_safety"
