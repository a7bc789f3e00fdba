"""Data through the pages in Chromium: a measurement reaches the progress page, and an
export downloaded from /settings restores everything on a fresh server through its import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.web.browser.helpers import goto


def measure(page: Any, server: Any, readings: dict[str, str]) -> None:
    """Fill the guided measurement form and save it; the page confirms."""
    goto(page, server.url("/measure"))
    for name, value in readings.items():
        page.fill(f"#{name}", value)
    page.get_by_role("button", name="Save readings").click()
    page.locator("#saved").wait_for(state="visible")
    assert not page.locator("#form-error").count()


def latest_degrees(server: Any) -> dict[tuple[str, str], float]:
    with server.api() as api:
        body = api.get("/api/v1/progress").json()
    return {(x["side"], x["movement"]): x["band"]["value"] for x in body["rom"]["latest"]}


def chart_bytes(page: Any) -> bytes:
    """The chart image the progress page shows, checked as loaded in the page."""
    chart = page.locator("img.chart")
    chart.wait_for(state="visible")
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0"), "the chart did not load"
    response = page.request.get(chart.evaluate("img => img.src"))
    assert response.ok
    assert response.headers["content-type"] == "image/png"
    return response.body()


def test_a_measurement_entered_shows_in_the_progress_page(fresh_server: Any, phone: Any) -> None:
    goto(phone, fresh_server.url("/progress"))
    assert phone.locator("img.chart").count() == 0  # nothing measured: no chart yet

    measure(phone, fresh_server, {"left_ir": "31", "right_ir": "28", "left_er": "40"})
    assert latest_degrees(fresh_server)[("left", "internal_rotation")] == 31
    goto(phone, fresh_server.url("/progress"))
    first_chart = chart_bytes(phone)
    rows = phone.locator("table.data tbody tr").all_inner_texts()
    assert any(r.startswith("Left") and "31°" in r for r in rows), rows

    measure(phone, fresh_server, {"left_ir": "36"})
    assert latest_degrees(fresh_server)[("left", "internal_rotation")] == 36
    goto(phone, fresh_server.url("/progress"))
    rows = phone.locator("table.data tbody tr").all_inner_texts()
    left_ir = next(r for r in rows if r.startswith("Left") and "36°" in r)
    assert "+5°" in left_ir, left_ir
    assert chart_bytes(phone) != first_chart, "the chart did not change with a new reading"
    assert not phone.errors


def play_a_session(server: Any) -> str:
    """A whole session through the API, as the player would save it."""
    with server.api() as api:
        started = api.post("/api/v1/sessions", json={"routine_id": "desk-break"})
        assert started.status_code == 201, started.text
        session = started.json()
        sid = session["session_id"]
        for segment in session["timeline"]["segments"]:
            body = {"index": segment["index"], "outcome": "completed", "elapsed_seconds": 5}
            assert api.post(f"/api/v1/sessions/{sid}/segments", json=body).status_code == 200
        assert api.post(f"/api/v1/sessions/{sid}/finish", json={"completed": True}).is_success
        checkout = api.post(f"/api/v1/sessions/{sid}/checkout", json={"pain": 1, "effort": 5})
        assert checkout.status_code == 201, checkout.text
    return sid


def snapshot(server: Any) -> tuple[Any, Any]:
    with server.api() as api:
        return api.get("/api/v1/history").json(), api.get("/api/v1/measurements").json()


def test_export_then_import_on_a_fresh_server_restores_the_data(
    server_factory: Any, open_page: Any, tmp_path: Path
) -> None:
    first = server_factory("first")
    page = open_page("desktop")
    measure(page, first, {"left_ir": "30", "right_ir": "33"})
    play_a_session(first)
    before = snapshot(first)
    assert before[0]
    assert before[1]["measurements"]

    goto(page, first.url("/settings"))
    with page.expect_download() as info:
        page.get_by_role("link", name="Download JSON").click()
    exported = tmp_path / "export.json"
    info.value.save_as(exported)
    assert exported.stat().st_size > 0

    second = server_factory("second", screened=False)
    history, measured = snapshot(second)
    assert history == []
    assert not measured["measurements"]
    goto(page, second.url("/settings"))
    page.set_input_files("#import-file", str(exported))
    page.get_by_role("button", name="Import").click()
    result = page.locator("#import-result .notice--ok")
    result.wait_for(state="visible")
    assert snapshot(second) == before
    assert not page.errors
