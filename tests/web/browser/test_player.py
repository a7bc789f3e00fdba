"""The player in Chromium: a whole session, a pinch, a reload, and keyboard-only play.

The flows run on private servers whose session clock is accelerated (HIPCOACH_TIME_SCALE),
so a four-minute routine plays in seconds; what the page did is checked through the API.
"""

from __future__ import annotations

import time
from typing import Any

from tests.web.browser.helpers import goto, wait_until

ROUTINE = "morning-pry"

# Records every text the player shows in its words and its live region, surviving reloads.
RECORDER = """
window.__seen = [];
const watch = () => {
    const ids = ['play-text', 'play-next', 'player-live', 'play-message'];
    const observer = new MutationObserver(() => {
        for (const id of ids) {
            const el = document.getElementById(id);
            if (!el) continue;
            const text = el.textContent;
            const last = window.__seen.filter(s => s.id === id).pop();
            if (text && (!last || last.text !== text)) {
                window.__seen.push({id, text, at: performance.now()});
            }
        }
    });
    observer.observe(document.body, {subtree: true, childList: true, characterData: true});
};
document.addEventListener('DOMContentLoaded', watch);
"""


def seen(page: Any, element_id: str) -> list[str]:
    return [s["text"] for s in page.evaluate("() => window.__seen") if s["id"] == element_id]


def start_from_player(page: Any, server: Any, routine: str = ROUTINE) -> dict[str, Any]:
    """Open /player, start and begin the routine by clicking; returns the API's session."""
    goto(page, server.url(f"/player?routine={routine}"))
    page.locator("#view-start").wait_for(state="visible")
    page.select_option("#start-routine", routine)
    page.click("#start-button")
    page.locator("#view-ready").wait_for(state="visible")
    page.click("#begin-button")
    page.locator("#view-play").wait_for(state="visible")
    with server.api() as api:
        response = api.get("/api/v1/sessions/current")
    assert response.status_code == 200, response.text
    return response.json()


def session_now(server: Any, session_id: str) -> dict[str, Any]:
    with server.api() as api:
        response = api.get(f"/api/v1/sessions/{session_id}")
    assert response.status_code == 200, response.text
    return response.json()


def ir_exercises(server: Any) -> dict[str, str]:
    """Exercises that turn the back hip inwards: id -> name (what a pinch takes out)."""
    from hipcoach.domain.exercise import Rotation

    exercises = server.ctx.library.exercises.values()
    return {e.id: e.name for e in exercises if e.back_hip is Rotation.INTERNAL}


def test_a_full_session_plays_to_the_summary_and_is_saved(fresh_server: Any, phone: Any) -> None:
    phone.add_init_script(RECORDER)
    began = time.monotonic()
    session = start_from_player(phone, fresh_server)
    timeline = session["timeline"]
    phone.locator("#view-checkout").wait_for(state="visible", timeout=60_000)
    played = time.monotonic() - began
    # The page honours the server's time scale: four minutes play in seconds.
    assert session["time_scale"] == 50
    assert played < timeline["total_seconds"] / 10

    phone.fill("#checkout-pain", "1")
    phone.fill("#checkout-effort", "6")
    phone.click("#checkout-form button[type=submit]")
    phone.locator("#view-summary").wait_for(state="visible")
    assert phone.text_content("#summary-title") == "Session complete"

    with fresh_server.api() as api:
        rows = api.get("/api/v1/history").json()
    row = next(r for r in rows if r["session_id"] == session["session_id"])
    total = len(timeline["segments"])
    assert row["status"] == "completed"
    assert (row["segments_done"], row["segments_completed"], row["segments_total"]) == (
        total,
        total,
        total,
    )
    # The live region announced every segment, in order, as it started.
    announced = seen(phone, "player-live")
    texts = [s["text"] for s in timeline["segments"]]
    heard = [next((t for t in texts if a.startswith(t)), None) for a in announced]
    assert [t for t in heard if t] == texts, announced
    assert not phone.errors


def test_a_pinch_mid_session_shows_the_regression_and_drops_ir_work(
    fresh_server: Any, phone: Any
) -> None:
    phone.add_init_script(RECORDER)
    session = start_from_player(phone, fresh_server)
    ir = ir_exercises(fresh_server)
    assert {s["exercise_id"] for s in session["timeline"]["segments"]} & set(ir)

    phone.keyboard.press("p")
    message = phone.locator("#play-message")
    message.wait_for(state="visible")
    assert "pinch" in message.text_content().lower()
    at = phone.evaluate("() => window.__seen.find(s => s.id === 'play-message').at")

    after = session_now(fresh_server, session["session_id"])
    spliced = [s for s in after["timeline"]["segments"] if s["text"].startswith("Pinch")]
    assert spliced, "the timeline has no pinch rest"
    first = spliced[0]["index"]
    rest = after["timeline"]["segments"][first:]
    assert not {s["exercise_id"] for s in rest} & set(ir), "IR work left after a pinch"

    phone.locator("#view-checkout").wait_for(state="visible", timeout=60_000)
    shown_after = [
        s["text"]
        for s in phone.evaluate("() => window.__seen")
        if s["id"] in ("play-text", "play-next") and s["at"] >= at
    ]
    assert shown_after, "nothing was shown after the pinch"
    for text in shown_after:
        for name in ir.values():
            assert name not in text, f"{name!r} shown after the pinch: {text!r}"
    assert not phone.errors


def test_a_reload_mid_session_resumes_at_the_first_unsaved_segment(
    fresh_server: Any, phone: Any
) -> None:
    phone.add_init_script(RECORDER)
    session = start_from_player(phone, fresh_server)
    wait_until(lambda: len(session_now(fresh_server, session["session_id"])["done_indices"]) >= 3)
    phone.keyboard.press(" ")  # pause, so nothing ends between reading the journal and reload
    phone.wait_for_load_state("networkidle")
    saved = session_now(fresh_server, session["session_id"])
    first_unsaved = saved["start_index"]
    assert 3 <= first_unsaved < len(saved["timeline"]["segments"])

    phone.reload()
    phone.locator("#view-resume").wait_for(state="visible")
    phone.click("#resume-button")
    # Carrying on passes the same check-in as starting, then restarts the step it was in.
    phone.locator("#view-start").wait_for(state="visible")
    assert phone.text_content("#start-button") == "Carry on"
    phone.click("#start-button")
    phone.locator("#view-ready").wait_for(state="visible")
    resumed = session_now(fresh_server, session["session_id"])
    start = resumed["start_index"]
    assert start == first_unsaved
    assert resumed["timeline"]["segments"][:start] == saved["timeline"]["segments"][:start]
    stopped_in = saved["timeline"]["segments"][first_unsaved]
    restart = resumed["timeline"]["segments"][start]
    assert restart["exercise_id"] == stopped_in["exercise_id"]
    assert restart["kind"] in ("transition", "setup", "get_ready", "rest"), restart
    phone.click("#begin-button")
    phone.locator("#view-play").wait_for(state="visible")
    texts = wait_until(lambda: seen(phone, "play-text"))
    assert texts[0] == restart["text"]

    phone.locator("#view-checkout").wait_for(state="visible", timeout=60_000)
    with fresh_server.api() as api:
        row = next(
            r for r in api.get("/api/v1/history").json() if r["session_id"] == session["session_id"]
        )
    assert row["segments_done"] == row["segments_total"]
    assert not phone.errors


def tab_to(page: Any, element_id: str, limit: int = 40) -> None:
    """Press Tab until the element has focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def test_the_player_works_by_keyboard_alone_and_announces_each_cue(
    server_factory: Any, phone: Any
) -> None:
    # Real time: each key's effect must be seen before the segment ends by itself.
    server = server_factory(time_scale="1")
    phone.add_init_script(RECORDER)
    goto(phone, server.url(f"/player?routine={ROUTINE}"))
    phone.locator("#view-start").wait_for(state="visible")
    tab_to(phone, "start-button")
    phone.keyboard.press("Enter")
    phone.locator("#view-ready").wait_for(state="visible")
    tab_to(phone, "begin-button")
    phone.keyboard.press("Enter")
    phone.locator("#view-play").wait_for(state="visible")
    with server.api() as api:
        session = api.get("/api/v1/sessions/current").json()
    segments = session["timeline"]["segments"]
    text = phone.locator("#play-text")
    live = phone.locator("#player-live")
    assert text.text_content() == segments[0]["text"]
    assert live.text_content().startswith(segments[0]["text"])

    phone.keyboard.press(" ")
    wait_until(lambda: phone.get_attribute("#player", "data-state") == "paused")
    assert phone.get_attribute("#btn-pause", "aria-pressed") == "true"
    phone.keyboard.press(" ")
    wait_until(lambda: phone.get_attribute("#player", "data-state") != "paused")

    phone.keyboard.press("n")
    wait_until(lambda: text.text_content() == segments[1]["text"])
    wait_until(lambda: live.text_content().startswith(segments[1]["text"]))
    wait_until(lambda: 0 in session_now(server, session["session_id"])["done_indices"])
    phone.keyboard.press("n")
    wait_until(lambda: text.text_content() == segments[2]["text"])
    phone.keyboard.press("b")
    wait_until(lambda: text.text_content() == segments[1]["text"])
    announced = seen(phone, "player-live")
    for index in (0, 1, 2):
        assert any(a.startswith(segments[index]["text"]) for a in announced), (index, announced)

    phone.keyboard.press("p")
    message = phone.locator("#play-message")
    message.wait_for(state="visible")
    assert "pinch" in message.text_content().lower()
    # The live region carries the rule's message together with the spliced rest's cue,
    # so the next cue does not overwrite the message before it is read out.
    rule_message = message.text_content()
    wait_until(
        lambda: any(
            a.startswith(rule_message) and "Pinch:" in a for a in seen(phone, "player-live")
        )
    )
    phone.keyboard.press("q")
    phone.locator("#view-checkout").wait_for(state="visible")
    assert not phone.errors


def test_nothing_to_resume_is_no_error_in_the_console(fresh_server: Any, phone: Any) -> None:
    console: list[str] = []
    phone.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    with phone.expect_response(lambda r: r.url.endswith("/api/v1/sessions/current")) as asked:
        goto(phone, fresh_server.url("/player"))
    assert asked.value.status == 204
    phone.locator("#view-start").wait_for(state="visible")
    assert not [line for line in console if line.startswith(("error", "warning"))], console
    assert not phone.errors
