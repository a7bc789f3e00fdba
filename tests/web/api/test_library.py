"""The library endpoints: exercises, routines and the timeline a dose compiles to."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.api.conftest import API, error


def test_exercises_list_and_detail(client: TestClient) -> None:
    items = client.get(f"{API}/exercises").json()
    ids = [e["id"] for e in items]
    assert "contralateral-pry" in ids
    detail = client.get(f"{API}/exercises/contralateral-pry").json()
    assert detail["id"] == "contralateral-pry"
    assert detail["name"]


def test_unknown_exercise_is_404(client: TestClient) -> None:
    body = error(client.get(f"{API}/exercises/no-such-move"), 404)
    assert "no-such-move" in body["error"]


def test_routines_have_their_total_time(client: TestClient) -> None:
    routines = {r["id"]: r for r in client.get(f"{API}/routines").json()}
    assert routines["morning-pry"]["total_seconds"] > 0


def test_timeline_follows_the_dose(client: TestClient) -> None:
    url = f"{API}/routines/rotation-circuit/timeline"
    plain = client.get(url).json()
    longer = client.get(url, params={"hold": 60, "sides": "left"}).json()
    assert {s["side"] for s in longer["segments"]} == {"left"}
    assert plain["total_seconds"] != longer["total_seconds"]
    assert [s["index"] for s in plain["segments"]] == list(range(len(plain["segments"])))


def test_timeline_refuses_a_dose_outside_the_limits(client: TestClient) -> None:
    url = f"{API}/routines/morning-pry/timeline"
    assert error(client.get(url, params={"hold": 0}), 422)["field"] == "hold"
    assert error(client.get(url, params={"rounds": 50}), 422)["field"] == "rounds"
    assert error(client.get(url, params={"sides": "up"}), 422)["field"] == "sides"
    assert "once" in error(client.get(url, params={"sides": "left,left"}), 422)["error"]


def test_timeline_of_unknown_routine_is_404(client: TestClient) -> None:
    error(client.get(f"{API}/routines/nope/timeline"), 404)
