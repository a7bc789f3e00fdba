"""The app builds, serves its OpenAPI document and its static files, and errors as JSON."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_openapi_document_is_served(client: TestClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "hipcoach"


def test_unknown_api_path_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert "error" in response.json()
