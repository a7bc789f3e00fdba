"""What the API takes in: dates only as ISO text, JSON's own types, whole numbers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.api.conftest import API, error

NOT_ISO_DATES = ["0", "0.0", "1700000000", "2025-3-1", "20250301", "2025-02-30", "2025-W10-1"]


@pytest.mark.parametrize("path", ["/today", "/plan"])
@pytest.mark.parametrize("value", NOT_ISO_DATES)
def test_a_date_in_a_query_is_iso_text_only(screened: TestClient, path: str, value: str) -> None:
    body = error(screened.get(f"{API}{path}", params={"date": value}), 422)
    assert body["field"] == "date"
    assert "YYYY-MM-DD" in body["error"]


def test_an_iso_date_in_a_query_is_read(client: TestClient) -> None:
    response = client.get(f"{API}/today", params={"date": "2026-03-02"})
    assert response.status_code == 200, response.text
    assert response.json()["date"] == "2026-03-02"


@pytest.mark.parametrize("value", [0, 1700000000, 0.0, "2025-3-1", True, [2025, 3, 1]])
def test_a_date_in_a_body_is_iso_text_only(screened: TestClient, value: Any) -> None:
    plan = {"goal": "jammed-hips", "start": value}
    assert error(screened.post(f"{API}/plan", json=plan), 422)["field"] == "start"
    error(screened.get(f"{API}/plan"), 404)  # nothing was stored


def test_an_iso_date_in_a_body_is_read(screened: TestClient) -> None:
    plan = {"goal": "jammed-hips", "start": "2026-03-02"}
    response = screened.post(f"{API}/plan", json=plan)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "value", ["0", "yesterday", "2025-03-14T25:00", "2025-02-30", "14/03/2025"]
)
def test_a_measurement_time_is_iso_text_only(client: TestClient, value: str) -> None:
    body = error(client.post(f"{API}/measurements", json={"left_ir": 30, "at": value}), 422)
    assert body["field"] == "at"


@pytest.mark.parametrize("value", ["2025-03-14", "2025-03-14T07:30", "2025-03-14 07:30:15+01:00"])
def test_a_measurement_time_may_be_a_date_or_a_moment(client: TestClient, value: str) -> None:
    response = client.post(f"{API}/measurements", json={"left_ir": 30, "at": value})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pain": False}, "pain"),
        ({"pain": "3"}, "pain"),
        ({"pain": 3.5}, "pain"),
        ({"morning_after": 1}, "morning_after"),
    ],
)
def test_a_body_value_has_its_json_type(screened: TestClient, body: Any, field: str) -> None:
    assert error(screened.post(f"{API}/checkins", json=body), 422)["field"] == field


def test_a_whole_number_may_be_written_with_a_point(screened: TestClient) -> None:
    response = screened.post(f"{API}/checkins", json={"pain": 3.0})
    assert response.status_code == 201, response.text
    assert response.json()["checkin"]["pain"] == 3


def test_a_flag_is_true_or_false(started: dict[str, Any], screened: TestClient) -> None:
    url = f"{API}/sessions/{started['session_id']}/finish"
    for value in (0, 1, "true", None):
        assert error(screened.post(url, json={"completed": value}), 422)["field"] == "completed"


def test_a_number_of_degrees_is_a_number(client: TestClient) -> None:
    for value in (True, "30"):
        body = {"left_ir": value}
        assert error(client.post(f"{API}/measurements", json=body), 422)["field"] == "left_ir"


def test_screen_answers_are_true_false_or_a_choice(client: TestClient) -> None:
    body = error(client.post(f"{API}/screen", json={"answers": {"trauma": 0}}), 422)
    assert body["field"].startswith("answers")


def test_a_side_is_given_once(screened: TestClient) -> None:
    dose = {"routine_id": "morning-pry", "options": {"sides": ["left", "left"]}}
    body = error(screened.post(f"{API}/sessions", json=dose), 422)
    assert body["field"] == "options.sides"
    assert "once" in body["error"]


def test_a_body_with_nothing_to_record_is_refused(
    started: dict[str, Any], screened: TestClient
) -> None:
    for path, body in (("/checkins", {"symptoms": []}), ("/measurements", {"note": "x"})):
        refused = error(screened.post(f"{API}{path}", json=body), 422)
        assert refused["field"] == "body"
        assert "nothing to record" in refused["error"]
    checkout = f"{API}/sessions/{started['session_id']}/checkout"
    assert error(screened.post(checkout, json={"pain": None}), 422)["field"] == "body"
    sitting = {"left_ir": 30, "sit_tall": {}}
    assert error(screened.post(f"{API}/measurements", json=sitting), 422)["field"] == "sit_tall"
