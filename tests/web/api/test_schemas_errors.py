"""The error answers the OpenAPI document lists, and that real refusals have their shape."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from hipcoach.web.api.schemas_errors import ErrorOut, InvalidOut, errors
from tests.web.api.conftest import API

REF = "#/components/schemas/"


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        if path.startswith(API)
        for method, operation in item.items()
    ]


def test_every_api_route_lists_the_refusals_it_can_give(client: TestClient) -> None:
    document: dict[str, Any] = client.app.openapi()  # type: ignore[attr-defined]
    missing = []
    for method, path, operation in _operations(document):
        listed = set(operation["responses"])
        wanted = {"400", "401"} | ({"403", "413"} if method == "POST" else set())
        if operation.get("parameters") or operation.get("requestBody"):
            wanted.add("422")
        if not wanted <= listed:
            missing.append(f"{method} {path}: {sorted(wanted - listed)}")
        for status, answer in operation["responses"].items():
            if int(status) < 400:
                continue
            schema = answer["content"]["application/json"]["schema"]
            shape = "InvalidOut" if status == "422" else "ErrorOut"
            assert schema == {"$ref": REF + shape}, f"{method} {path} {status}"
    assert not missing, missing


def test_the_shapes_say_what_refusals_hold(client: TestClient) -> None:
    shapes = client.app.openapi()["components"]["schemas"]  # type: ignore[attr-defined]
    assert set(shapes["ErrorOut"]["required"]) == {"error", "field"}
    assert set(shapes["InvalidOut"]["required"]) == {"error", "field"}
    assert "problems" in shapes["InvalidOut"]["properties"]
    # FastAPI's own validation shape is not what this app answers: it is gone.
    assert "HTTPValidationError" not in shapes


def test_real_refusals_fit_the_shapes(screened: TestClient) -> None:
    invalid = screened.post(f"{API}/checkins", json={"pain": 11})
    assert invalid.status_code == 422
    assert InvalidOut.model_validate(invalid.json()).problems[0].field == "pain"
    missing = screened.get(f"{API}/sessions/nope")
    assert missing.status_code == 404
    assert ErrorOut.model_validate(missing.json()).field == "session_id"
    unreadable = screened.post(
        f"{API}/checkins", content=b"\xff\xfe", headers={"content-type": "application/json"}
    )
    assert unreadable.status_code in (400, 422)
    ErrorOut.model_validate(unreadable.json())


def test_errors_adds_the_gates_refusals() -> None:
    assert set(errors()) == {400, 401}
    assert set(errors(404, changes=True)) == {400, 401, 403, 404, 413}
    routed = errors(404, about={404: "No session with this id."})
    assert routed[404]["description"] == "No session with this id."
    assert routed[404]["model"] is ErrorOut
    assert errors(422)[422]["model"] is InvalidOut


def test_errors_refuses_what_it_cannot_describe() -> None:
    with pytest.raises(ValueError, match="418"):
        errors(418)
    with pytest.raises(ValueError, match="404"):
        errors(409, about={404: "Not answered by this route."})
