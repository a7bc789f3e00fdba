"""In Chromium: a warning sign ticked in the player's check-in pauses the program, Today and the
Plan page say so, and the clearance form on the Warning signs page lifts it.

Part of the scenarios of tests/scenarios/test_pauses.py (issue 11, point 2), here for the
live server and browser fixtures of this package.
"""

from __future__ import annotations

from typing import Any

from tests.web.browser.helpers import goto


def test_a_sign_in_the_player_pauses_until_the_all_clear(fresh_server: Any, phone: Any) -> None:
    goto(phone, fresh_server.url("/player?routine=morning-pry"))
    phone.locator("#view-start").wait_for(state="visible")
    phone.click("#start-signs summary")
    phone.check("input[name=warning_sign][value=numbness]")
    phone.click("#start-button")
    error = phone.locator("#start-error")
    error.wait_for(state="visible")
    text = error.text_content() or ""
    assert "screen.clinician.numbness" in text, text
    assert "program.pause.red-flag" in text, text
    assert phone.locator("#view-ready").is_hidden()

    goto(phone, fresh_server.url("/"))
    notice = phone.locator(".notice--stop").first.text_content() or ""
    assert "Paused for your safety" in notice
    assert "screen.clinician.numbness" in notice
    phone.click("text=Record a clinician's all-clear")
    phone.fill("#by", "Dr Ngô")
    phone.fill("#note", "fine to train <again>")
    phone.click("button:has-text('Record the all-clear')")
    phone.wait_for_selector(".notice--ok")
    assert "Sessions can start again" in (phone.text_content(".notice--ok") or "")
    assert "fine to train <again>" in (phone.text_content("body") or "")  # shown, as text
    goto(phone, fresh_server.url("/"))
    assert phone.locator("text=Paused for your safety").count() == 0
    assert not phone.errors
