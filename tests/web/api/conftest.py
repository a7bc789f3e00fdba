"""Helpers for the API tests: the JSON error shape and a started session."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

API = "/api/v1"


def error(response: Any, status: int) -> dict[str, Any]:
    """The JSON error body, after checking the status."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"]
    return body


@pytest.fixture
def started(screened: TestClient) -> dict[str, Any]:
    """A morning-pry session begun through the API."""
    response = screened.post(f"{API}/sessions", json={"routine_id": "morning-pry"})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
