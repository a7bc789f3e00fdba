"""The browser player obeys the same gate as every other path: the check-in Today gathered,
and symptom reports, the finish and the check-out while the server cannot be reached.

Offline is the page's network cut by Playwright (every /api/v1 request fails as a dropped
connection does); the server itself keeps running, so what it stored can be checked.
"""

from __future__ import annotations

from typing import Any

from tests.web.browser.helpers import goto, wait_until
from tests.web.browser.test_player import RECORDER, ir_exercises, session_now

API = "**/api/v1/**"


def go_offline(page: Any) -> None:
    page.route(API, lambda route: route.abort("internetdisconnected"))


def go_online(page: Any) -> None:
    page.unroute(API)


def current(server: Any) -> dict[str, Any]:
    with server.api() as api:
        response = api.get("/api/v1/sessions/current")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_player_plays_what_today_promised_without_asking_again(
    fresh_server: Any, phone: Any
) -> None:
    goto(phone, fresh_server.url("/?pain_now=7&morning_after=worse"))
    promised = set(phone.locator("code.rule-id").all_text_contents())
    assert {"pain.regress.high", "pain.regress.worse-morning"} <= promised, promised
    phone.click("a[aria-label='Start Morning pry']")
    phone.locator("#view-start").wait_for(state="visible")
    # The check-in is shown as given, and not asked a second time.
    assert phone.locator("#start-checkin").is_hidden()
    given = phone.text_content("#start-checkin-given") or ""
    assert "pain 7 of 10" in given, given
    assert "worse" in given, given
    phone.click("#start-button")
    phone.locator("#view-ready").wait_for(state="visible")
    changes = phone.text_content("#ready-changes") or ""
    for rule_id in ("pain.regress.high", "pain.regress.worse-morning"):
        assert rule_id in changes, changes
    assert "Nothing in your recent check-ins" not in changes
    phone.click("#begin-button")
    phone.locator("#view-play").wait_for(state="visible")
    session = current(fresh_server)
    played = {s["exercise_id"] for s in session["timeline"]["segments"]}
    assert not played & set(ir_exercises(fresh_server)), "IR work in a regressed session"
    assert {c["rule_id"] for c in session["changes"]} >= {"pain.regress.high"}
    assert not phone.errors


def test_a_bad_check_in_in_the_link_is_asked_instead(fresh_server: Any, phone: Any) -> None:
    goto(phone, fresh_server.url("/player?pain_now=77&morning_after=<b>x</b>"))
    phone.locator("#view-start").wait_for(state="visible")
    assert phone.locator("#start-checkin").is_visible()
    assert phone.locator("#start-checkin-given").is_hidden()


def test_a_pinch_pressed_offline_changes_the_session_at_once_and_is_sent_later(
    server_factory: Any, phone: Any
) -> None:
    server = server_factory(time_scale="4")
    phone.add_init_script(RECORDER)
    goto(phone, server.url("/player?routine=rotation-circuit"))
    phone.locator("#view-start").wait_for(state="visible")
    phone.select_option("#start-routine", "rotation-circuit")
    phone.click("#start-button")
    phone.locator("#view-ready").wait_for(state="visible")
    phone.click("#begin-button")
    phone.locator("#view-play").wait_for(state="visible")
    session = current(server)
    ir = set(ir_exercises(server))
    assert {s["exercise_id"] for s in session["timeline"]["segments"]} & ir

    go_offline(phone)
    phone.keyboard.press("p")
    message = phone.locator("#play-message")
    message.wait_for(state="visible")
    said = (message.text_content() or "").lower()
    assert "pinch" in said, said
    assert "offline" in said, said
    # On the device at once: the pinch rest plays, and no IR exercise is shown after it.
    at = phone.evaluate("() => window.__seen.find(s => s.id === 'play-message').at")
    wait_until(lambda: (phone.text_content("#play-text") or "").startswith("Pinch"))
    phone.wait_for_timeout(1500)
    names = ir_exercises(server).values()
    for seen in phone.evaluate("() => window.__seen"):
        if seen["id"] in ("play-text", "play-next") and seen["at"] >= at:
            assert not any(n in seen["text"] for n in names), seen
    # Nothing reached the server yet.
    assert len(session_now(server, session["session_id"])["timeline"]["segments"]) == len(
        session["timeline"]["segments"]
    )

    go_online(phone)
    phone.evaluate("() => window.dispatchEvent(new Event('online'))")

    def spliced() -> Any:
        after = session_now(server, session["session_id"])
        return after if after["fingerprint"] != session["fingerprint"] else None

    after = wait_until(spliced, timeout=20)
    segments = after["timeline"]["segments"]
    first = next(s["index"] for s in segments if s["text"].startswith("Pinch"))
    assert not {s["exercise_id"] for s in segments[first:]} & ir
    assert "symptom.pinch" in {c["rule_id"] for c in after["changes"]}
    assert not phone.errors


def test_a_session_finished_and_checked_out_offline_is_sent_from_another_page(
    fresh_server: Any, phone: Any
) -> None:
    goto(phone, fresh_server.url("/player?routine=desk-break"))
    phone.locator("#view-start").wait_for(state="visible")
    phone.select_option("#start-routine", "desk-break")
    phone.click("#start-button")
    phone.locator("#view-ready").wait_for(state="visible")
    phone.click("#begin-button")
    session = current(fresh_server)
    go_offline(phone)
    phone.locator("#view-checkout").wait_for(state="visible", timeout=60_000)
    assert "sent when hipcoach can be reached" in (phone.text_content("#checkout-lead") or "")
    phone.fill("#checkout-pain", "2")
    phone.fill("#checkout-effort", "5")
    phone.click("#checkout-form button[type=submit]")
    phone.locator("#view-summary").wait_for(state="visible")
    with fresh_server.api() as api:
        row = next(
            r for r in api.get("/api/v1/history").json() if r["session_id"] == session["session_id"]
        )
    assert row["status"] != "completed"  # nothing has reached the server

    go_online(phone)
    goto(phone, fresh_server.url("/progress"))  # any page sends what waits

    def stored() -> Any:
        with fresh_server.api() as api:
            rows = api.get("/api/v1/history").json()
        found = next(r for r in rows if r["session_id"] == session["session_id"])
        return found if found["status"] == "completed" else None

    row = wait_until(stored, timeout=20)
    assert row["segments_done"] == row["segments_total"]
    note = phone.locator("#outbox-note")
    wait_until(lambda: "Sent" in (note.text_content() or ""))
    assert phone.evaluate("() => localStorage.getItem('hipcoach.player.pending')") == "[]"
    assert not phone.errors
