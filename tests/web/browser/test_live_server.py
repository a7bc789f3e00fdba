"""The browser harness itself: the live server answers and Chromium renders what it serves."""

from __future__ import annotations

from typing import Any


def test_chromium_reaches_the_live_server(live_server: Any, phone: Any) -> None:
    response = phone.goto(live_server.url("/api/v1/openapi.json"))
    assert response is not None
    assert response.ok
    assert response.json()["info"]["title"] == "hipcoach"
    assert phone.viewport_size == {"width": 390, "height": 844}


def test_the_server_clock_is_accelerated_for_tests(fresh_server: Any) -> None:
    assert fresh_server.ctx.settings.time_scale == 50
