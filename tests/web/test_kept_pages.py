"""Kept pages are never stale, whoever writes.

The web app keeps Today, progress and their JSON between requests while the
profile's change counters stay put (web.cache, store DataVersion). Here the
writes come from a second Context on the same data folder, as `hipcoach
measure`, `hipcoach plan new` or the terminal player in another process would
make them, and from the app's own API; every read after a write must show it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hipcoach.services import checkins, measurements, programs
from hipcoach.services.context import Context
from hipcoach.services.screening import screening_form, take_screen
from hipcoach.settings import Settings
from hipcoach.web.cache import ComputedCache

API = "/api/v1"


@pytest.fixture
def other(client: TestClient, settings: Settings) -> Iterator[Context]:
    """A second context on the app's data folder: another process, as far as the app knows."""
    ctx = Context(settings)
    yield ctx
    ctx.close()


@pytest.fixture
def cache(client: TestClient) -> ComputedCache:
    kept: ComputedCache = client.app.state.computed  # type: ignore[attr-defined]
    return kept


class CountingTodayView:
    """Wraps services.programs.today_view, which the kept Today page and JSON compute with."""

    def __init__(self, wrapped: Callable[..., Any]) -> None:
        self.wrapped = wrapped
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.wrapped(*args, **kwargs)


@pytest.fixture
def today_view_calls(monkeypatch: pytest.MonkeyPatch) -> CountingTodayView:
    counting = CountingTodayView(programs.today_view)
    # The pages and routes import it from the module at call time, so this reaches them.
    monkeypatch.setattr(programs, "today_view", counting)
    return counting


def screen_clear(ctx: Context) -> None:
    take_screen(ctx, {q.id: False for q in screening_form(ctx).questions if not q.follows})


def measure(ctx: Context, left_ir: int, right_ir: int) -> None:
    given = measurements.MeasureInput(angles=(("left", "ir", left_ir), ("right", "ir", right_ir)))
    measurements.record_measurements(ctx, given)


def latest_ir(progress: dict[str, Any]) -> dict[str, float]:
    return {
        row["side"]: row["band"]["value"]
        for row in progress["rom"]["latest"]
        if row["movement"] == "internal_rotation"
    }


def section(html: str, title_id: str) -> str:
    """The text of the <section> labelled by `title_id`, whitespace collapsed ('' if none)."""
    found = re.search(rf'<section[^>]*aria-labelledby="{title_id}".*?</section>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split()) if found else ""


def lede(html: str) -> str:
    found = re.search(r'<p class="lede">([^<]*)</p>', html)
    assert found, "the page has no lede"
    return found.group(1)


def test_progress_json_shows_measurements_written_by_another_process(
    client: TestClient, other: Context, cache: ComputedCache
) -> None:
    before = client.get(f"{API}/progress")
    assert before.status_code == 200
    assert latest_ir(before.json()) == {}
    measure(other, 31, 27)
    after = client.get(f"{API}/progress")
    assert after.status_code == 200
    assert latest_ir(after.json()) == {"left": 31.0, "right": 27.0}
    misses = cache.misses
    measure(other, 36, 29)
    again = client.get(f"{API}/progress").json()
    assert latest_ir(again) == {"left": 36.0, "right": 29.0}
    assert cache.misses == misses + 1
    left = next(t for t in again["rom"]["trends"] if t["side"] == "left")
    assert (left["first"], left["last"]) == (31.0, 36.0)


def test_progress_page_shows_measurements_written_by_another_process(
    client: TestClient, other: Context
) -> None:
    before = client.get("/progress")
    assert before.status_code == 200
    assert "31°" not in before.text
    measure(other, 31, 27)
    after = client.get("/progress").text
    assert '<td class="num">31°</td>' in after
    assert '<td class="num">27°</td>' in after
    measure(other, 35, 33)
    latest = client.get("/progress").text
    assert '<td class="num">35°</td>' in latest
    assert '<td class="num">33°</td>' in latest


def test_today_follows_a_screen_a_plan_and_a_checkin_made_elsewhere(
    client: TestClient, other: Context
) -> None:
    today = client.get(f"{API}/today").json()
    page = client.get("/").text
    assert today["screen"]["status"] is None
    assert today["plan"] is None
    assert "Take the screen" in section(page, "screen-title")
    assert "No session can start today" in section(page, "session-title")
    assert "screen.needed" in section(page, "session-title")

    screen_clear(other)
    today = client.get(f"{API}/today").json()
    page = client.get("/").text
    assert today["screen"]["status"] == "clear"
    assert today["screen"]["due"] is False
    assert "Clear" in section(page, "screen-title")
    assert "Take the screen" not in section(page, "screen-title")
    assert "screen.needed" not in section(page, "session-title")
    assert "No plan yet" in section(page, "session-title")

    programs.new_plan(other, "unlock-stiff-hips")
    today = client.get(f"{API}/today").json()
    page = client.get("/").text
    assert today["plan"] is not None
    assert today["plan"]["goal"] == "unlock-stiff-hips"
    assert today["plan"]["routine_name"] == "Morning pry"
    session = section(page, "session-title")
    assert session.startswith("Morning pry")
    assert "No plan yet" not in session
    assert "Week 1" in session

    # `hipcoach checkin --pain 8` in another process: today's session gets easier.
    assert "pain.regress.high" not in page
    checkins.report_outside_session(other, programs.local_today(), pain_now=8)
    today = client.get(f"{API}/today").json()
    page = client.get("/").text
    rule_ids = {a["rule_id"] for a in today["plan"]["adjustments"]}
    assert "pain.regress.high" in rule_ids
    assert "pain.regress.high" in section(page, "session-title")

    # An update (not an insert) moves the counters too: the plan paused elsewhere.
    programs.set_plan_status(other, "paused", "travelling")
    paused = client.get(f"{API}/today").json()
    assert paused != today
    assert client.get("/").text != page


def test_recent_sessions_and_the_resume_offer_move_with_every_saved_segment(
    client: TestClient,
    other: Context,
    cache: ComputedCache,
    today_view_calls: CountingTodayView,
) -> None:
    screen_clear(other)
    started = client.post(f"{API}/sessions", json={"routine_id": "morning-pry"})
    assert started.status_code == 201, started.text
    session_id = started.json()["session_id"]
    segments = started.json()["timeline"]["segments"]
    total = len(segments)
    assert total > 4

    page = client.get("/").text
    assert f"0/{total} steps" in section(page, "history-title")
    assert f"Morning pry: 0 of {total} steps done" in section(page, "resume-title")
    computed = today_view_calls.calls
    assert computed >= 1  # the main page was computed after the session began

    def save(index: int, outcome: str) -> None:
        saved = client.post(
            f"{API}/sessions/{session_id}/segments",
            json={"index": index, "outcome": outcome, "elapsed_seconds": 1.0},
        )
        assert saved.status_code == 200, saved.text
        assert saved.json() == {"done": index + 1, "total": total}

    for index in range(3):
        save(index, "completed")
        misses = cache.misses
        page = client.get("/").text
        history = section(page, "history-title")
        assert f"{index + 1}/{total} steps" in history
        assert "partial, can resume" in history
        resume = section(page, "resume-title")
        assert "Pick up where you stopped" in resume
        assert f"{index + 1} of {total} steps done" in resume
        # Only the live part was computed again; the kept page was filled in.
        assert cache.misses == misses + 1
        assert today_view_calls.calls == computed

    # A skipped step counts as saved (the offer) but not as done (the history).
    save(3, "skipped")
    page = client.get("/").text
    assert f"3/{total} steps" in section(page, "history-title")
    assert f"4 of {total} steps done" in section(page, "resume-title")
    assert today_view_calls.calls == computed

    # The terminal player in another process saves the next one.
    segment = segments[4]
    other.journal.record_segment(
        session_id,
        segment_index=4,
        kind=segment["kind"],
        exercise_id=segment["exercise_id"],
        side=segment["side"],
        outcome="completed",
        planned_seconds=segment["duration"],
        elapsed_seconds=2.0,
    )
    page = client.get("/").text
    assert f"4/{total} steps" in section(page, "history-title")
    assert f"5 of {total} steps done" in section(page, "resume-title")
    assert today_view_calls.calls == computed

    # Finishing is a change of record: the offer goes and the page is computed again.
    finished = client.post(f"{API}/sessions/{session_id}/finish", json={"completed": True})
    assert finished.status_code == 200, finished.text
    page = client.get("/").text
    history = section(page, "history-title")
    assert "completed" in history
    assert "can resume" not in history
    assert section(page, "resume-title") == ""
    assert "Pick up where you stopped" not in page
    assert today_view_calls.calls > computed


def test_a_second_request_with_nothing_changed_is_a_hit(
    client: TestClient,
    other: Context,
    cache: ComputedCache,
    today_view_calls: CountingTodayView,
) -> None:
    screen_clear(other)
    programs.new_plan(other, "unlock-stiff-hips")
    measure(other, 31, 27)
    for url in (f"{API}/today", f"{API}/progress", "/progress"):
        first = client.get(url)
        hits, misses = cache.hits, cache.misses
        second = client.get(url)
        assert second.status_code == first.status_code == 200
        assert second.content == first.content, url
        assert second.headers["content-type"] == first.headers["content-type"]
        assert (cache.hits, cache.misses) == (hits + 1, misses), url
    first = client.get("/")
    calls, hits = today_view_calls.calls, cache.hits
    second = client.get("/")
    assert second.content == first.content
    assert today_view_calls.calls == calls
    # The main page is a hit; the live part too, unless the minute turned in between.
    assert cache.hits >= hits + 1


def test_the_local_date_is_part_of_the_stamp(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, cache: ComputedCache
) -> None:
    today = programs.local_today()
    assert client.get(f"{API}/today").json()["date"] == today.isoformat()
    assert client.get(f"{API}/progress").json()["today"] == today.isoformat()
    assert lede(client.get("/").text) == f"{today:%A %-d %B %Y}"

    tomorrow = today + timedelta(days=1)

    def next_day() -> date:
        return tomorrow

    monkeypatch.setattr(programs, "local_today", next_day)
    misses = cache.misses
    assert client.get(f"{API}/today").json()["date"] == tomorrow.isoformat()
    assert client.get(f"{API}/progress").json()["today"] == tomorrow.isoformat()
    assert lede(client.get("/").text) == f"{tomorrow:%A %-d %B %Y}"
    assert cache.misses >= misses + 3


def test_checkin_previews_are_kept_apart_from_the_plain_page(
    client: TestClient, other: Context
) -> None:
    screen_clear(other)
    plain = client.get("/").text
    preview = client.get("/", params={"pain_now": "8"}).text
    assert "pain.regress.high" in preview
    assert "pain.regress.high" not in plain
    assert client.get("/").text == plain
    assert client.get("/", params={"pain_now": "8"}).text == preview
