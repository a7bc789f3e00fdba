"""The player in Chromium, when a save is made but its reply never arrives.

Playwright hands the first saves to the server and then cuts the page's
connection before the reply, so the player keeps them and sends them again
with its next save: each must go out with the key it was made with, and the
journal must count each step's time once.
"""

from __future__ import annotations

from typing import Any

from tests.web.browser.test_player import start_from_player

SAVES = "**/api/v1/sessions/*/segments"
LOST = 3  # the first saves whose replies are lost


def test_saves_resent_after_lost_replies_carry_their_key_and_count_once(
    fresh_server: Any, phone: Any
) -> None:
    sent: list[dict[str, Any]] = []

    def lose_the_first_replies(route: Any) -> None:
        body = route.request.post_data_json
        sent.append(body)
        if len({b["save_key"] for b in sent}) <= LOST and sent.count(body) == 1:
            route.fetch()  # the server saves it...
            route.abort("connectionreset")  # ...and the page never hears so
        else:
            route.continue_()

    phone.route(SAVES, lose_the_first_replies)
    session = start_from_player(phone, fresh_server)
    phone.locator("#view-checkout").wait_for(state="visible", timeout=60_000)
    total = len(session["timeline"]["segments"])

    keys = [body["save_key"] for body in sent]
    first = list(dict.fromkeys(keys))
    assert len(first) == total  # one key per step
    assert all(keys.count(key) == 2 for key in first[:LOST])  # resent, same key
    for key in first:  # every send of a save is the same save
        copies = [body for body in sent if body["save_key"] == key]
        assert all(copy == copies[0] for copy in copies)

    with fresh_server.api() as api:
        rows = api.get("/api/v1/history").json()
    row = next(r for r in rows if r["session_id"] == session["session_id"])
    assert row["segments_done"] == total
    once = sum(body["elapsed_seconds"] for body in {b["save_key"]: b for b in sent}.values())
    assert row["time_spent_seconds"] == round(once, 1)
    assert not phone.errors
