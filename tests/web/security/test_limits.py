"""Body limits: 64 KB for a page or API payload, 50 MB for an import, counted as it streams."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient

from hipcoach.web.gate import IMPORT_PATH, MAX_BODY_BYTES, MAX_IMPORT_BYTES, size_text
from tests.web.security.apps import app_client, store_fingerprint

API = "/api/v1"


def chunks(total: int, size: int = 16 * 1024) -> Iterator[bytes]:
    """A body sent without its length (chunked), `total` bytes of JSON-ish padding."""
    sent = 0
    yield b'{"pad": "'
    while sent < total:
        step = min(size, total - sent)
        sent += step
        yield b"x" * step
    yield b'"}'


def test_the_limits_read_as_documented() -> None:
    assert MAX_BODY_BYTES == 64 * 1024
    assert size_text(MAX_BODY_BYTES) == "64 KB"
    assert MAX_IMPORT_BYTES == 50 * 1024 * 1024
    assert size_text(MAX_IMPORT_BYTES) == "50 MB"


def test_a_payload_over_64_kb_is_413_by_its_length(screened: TestClient) -> None:
    before = screened.get(f"{API}/history").json()
    body = json.dumps({"routine_id": "morning-pry", "pad": "x" * MAX_BODY_BYTES})
    response = screened.post(
        f"{API}/sessions", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "64 KB" in response.json()["error"]
    assert screened.get(f"{API}/history").json() == before


def test_a_payload_over_64_kb_without_a_length_is_413_too(screened: TestClient) -> None:
    before = screened.get(f"{API}/history").json()
    response = screened.post(
        f"{API}/sessions",
        content=chunks(MAX_BODY_BYTES + 1),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert screened.get(f"{API}/history").json() == before


def test_a_form_over_64_kb_is_413(screened: TestClient) -> None:
    response = screened.post("/measure", data={"note": "x" * MAX_BODY_BYTES})
    assert response.status_code == 413


def test_a_payload_just_under_the_limit_is_read(screened: TestClient) -> None:
    body = json.dumps({"routine_id": "morning-pry"}).encode()
    body = body[:-1] + b", " + b'"pad": "' + b"x" * (MAX_BODY_BYTES - len(body) - 12) + b'"}'
    assert len(body) <= MAX_BODY_BYTES
    response = screened.post(
        f"{API}/sessions", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422  # read, and refused for the unknown field
    assert response.json()["field"] == "pad"


def test_an_import_over_its_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    with app_client(tmp_path / "data") as client:
        client.get("/")
        before = store_fingerprint(tmp_path / "data")
        response = client.post(
            f"{API}/import",
            content=b"{}",
            headers={
                "Content-Type": "application/json",
                "Content-Length": str(MAX_IMPORT_BYTES + 1),
            },
        )
        assert response.status_code == 413
        assert "50 MB" in response.json()["error"]
        assert store_fingerprint(tmp_path / "data") == before


def test_an_import_streamed_past_its_limit_is_refused(tmp_path: Path) -> None:
    with app_client(tmp_path / "data") as client:
        client.app.state.gate.limits[IMPORT_PATH] = 256 * 1024  # type: ignore[attr-defined]
        client.get("/")
        before = store_fingerprint(tmp_path / "data")
        response = client.post(
            f"{API}/import",
            content=chunks(300 * 1024),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 413
        assert "256 KB" in response.json()["error"]
        assert store_fingerprint(tmp_path / "data") == before


def test_an_import_under_its_limit_but_over_64_kb_is_taken(
    screened: TestClient, tmp_path: Path
) -> None:
    document = screened.get(f"{API}/export").json()
    text = json.dumps(document, indent=1) + " " * (MAX_BODY_BYTES + 10)
    with app_client(tmp_path / "empty") as empty:
        response = empty.post(
            f"{API}/import", content=text, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["counts"]["screens"] == 1


def test_an_import_of_another_type_is_415(screened: TestClient) -> None:
    response = screened.post(
        f"{API}/import", content=b"<xml/>", headers={"Content-Type": "application/xml"}
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["error"]
