"""Today, the readiness screen, check-ins, goals and the plan."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.api.conftest import API, error


def test_today_without_a_screen_or_plan(client: TestClient) -> None:
    body = client.get(f"{API}/today", params={"date": "2026-03-02"}).json()
    assert body["screen"]["due"] is True
    assert body["screen"]["latest"] is None
    assert body["plan"] is None
    assert body["no_plan_hint"]
    assert error(client.get(f"{API}/today", params={"date": "March"}), 422)["field"] == "date"


def test_screen_questions_then_take_it(client: TestClient) -> None:
    form = client.get(f"{API}/screen/questions").json()
    top = [q for q in form["questions"] if not q["follows"]]
    assert top
    assert all(q["prompt"] for q in top)
    answers = {q["id"]: False for q in top} | {"fai": True}
    taken = client.post(f"{API}/screen", json={"answers": answers})
    assert taken.status_code == 201, taken.text
    assert taken.json()["status"] == "caution"
    status = client.get(f"{API}/screen").json()
    assert status["due"] is False
    assert status["latest"]["status"] == "caution"
    assert client.get(f"{API}/today").json()["screen"]["status"] == "caution"


def test_screen_refuses_bad_answers_and_stores_nothing(client: TestClient) -> None:
    body = error(client.post(f"{API}/screen", json={"answers": {"trauma": "maybe"}}), 422)
    assert body["field"].startswith("answers")
    error(client.post(f"{API}/screen", json={"answers": {}, "extra": 1}), 422)
    assert client.get(f"{API}/screen").json()["latest"] is None


def test_checkin_between_sessions(screened: TestClient) -> None:
    response = screened.post(f"{API}/checkins", json={"pain": 2, "symptoms": ["pinch"]})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["checkin"]["pain"] == 2
    assert body["symptom_rules"] == ["symptom.pinch"]
    assert body["next_session"]["verdict"]
    assert (
        error(screened.post(f"{API}/checkins", json={"symptoms": ["itch"]}), 422)["field"]
        == "symptoms.0"
    )
    assert error(screened.post(f"{API}/checkins", json={"pain": 11}), 422)["field"] == "pain"
    error(screened.post(f"{API}/checkins", json={}), 422)


def test_plan_lifecycle(screened: TestClient) -> None:
    goals = {g["id"] for g in screened.get(f"{API}/goals").json()}
    goal = "jammed-hips"
    assert goal in goals
    error(screened.get(f"{API}/plan"), 404)
    error(screened.get(f"{API}/plan.ics"), 404)
    made = screened.post(
        f"{API}/plan", json={"goal": goal, "days": "mon,wed,fri", "time": "18:30", "weeks": 4}
    )
    assert made.status_code == 201, made.text
    assert made.json()["goal"]["id"] == goal
    assert screened.get(f"{API}/plan").json()["weeks"] == 4
    paused = screened.post(f"{API}/plan/pause", json={"reason": "seeing a physio"}).json()
    assert (paused["status"], paused["status_reason"]) == ("paused", "seeing a physio")
    assert screened.post(f"{API}/plan/resume").json()["status"] == "active"
    ics = screened.get(f"{API}/plan.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    import icalendar

    calendar = icalendar.Calendar.from_ical(ics.content)
    assert len(calendar.walk("VEVENT")) == 12
    today = screened.get(f"{API}/today").json()
    assert today["plan"]["goal"] == goal
    assert today["no_plan_hint"] is None


def test_plan_refusals_name_the_field(screened: TestClient) -> None:
    assert error(screened.post(f"{API}/plan", json={"goal": "fly"}), 422)["field"] == "goal"
    goal = screened.get(f"{API}/goals").json()[0]["id"]
    assert (
        error(screened.post(f"{API}/plan", json={"goal": goal, "weeks": 0}), 422)["field"]
        == "weeks"
    )
    error(screened.post(f"{API}/plan", json={"goal": goal, "days": "someday"}), 422)
    error(screened.get(f"{API}/plan"), 404)  # nothing was stored
