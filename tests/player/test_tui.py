"""The Textual player, headless: what it shows, and what its keys do to the session."""

from __future__ import annotations

import asyncio

from hipcoach.player.clock import FakeClock, ScaledClock
from hipcoach.player.events import Outcome, PlayerEvent, SegmentEnded, SessionFinished
from hipcoach.player.runner import SessionRunner
from hipcoach.player.sound import RecordingCues
from hipcoach.player.tui import PausedScreen, PlayerApp, countdown_text
from tests.player.support import tiny_timeline

SIZE = (100, 30)


def make_app(
    clock: FakeClock | ScaledClock, start_index: int = 0
) -> tuple[PlayerApp, list[PlayerEvent], RecordingCues]:
    events: list[PlayerEvent] = []
    cues = RecordingCues()
    runner = SessionRunner(tiny_timeline(), clock, start_index=start_index)
    return PlayerApp(runner, cues, events.append, "Tiny routine"), events, cues


def shown(app: PlayerApp) -> dict[str, str]:
    """The text of every widget that carries session state."""
    return {
        "kind": str(app.kind_label.content),
        "side": str(app.side_label.content),
        "countdown": app.countdown.value,
        "instruction": str(app.instruction.content),
        "cue": str(app.cue.content),
        "counters": str(app.counters.content),
        "next": str(app.next_label.content),
        "clock": str(app.clock_label.content),
    }


async def test_get_ready_state_then_the_countdown_follows_the_clock() -> None:
    clock = FakeClock()
    app, _, cues = make_app(clock)
    async with app.run_test(size=SIZE) as pilot:
        assert shown(app) == {
            "kind": "GET READY",
            "side": "RIGHT leg in front",
            "countdown": "3",
            "instruction": "Get ready: ER press",
            "cue": "ER press: the cue.",
            "counters": "Round 1 of 2",
            "next": "Next: ER press: hold, round 1 of 2 (5 s)",
            "clock": "00:00 / 01:00",
        }
        assert app.stage.has_class("-get-ready")
        clock.advance(1)
        app.pump()
        assert app.countdown.value == "2"
        clock.advance(2)
        app.pump()
        await pilot.pause()
        assert app.stage.has_class("-hold")
        assert not app.stage.has_class("-get-ready")
        assert shown(app)["kind"] == "HOLD"
        assert shown(app)["countdown"] == "5"
        assert shown(app)["clock"] == "00:03 / 01:00"
        assert app.progress_bar.progress == 3
        assert cues.said == ["Get ready. ER press, round 1 of 2.", "ER press, go."]


async def test_switch_sides_has_its_own_state() -> None:
    app, _, _ = make_app(FakeClock(), start_index=9)
    async with app.run_test(size=SIZE):
        assert app.stage.has_class("-switch-sides")
        view = shown(app)
        assert view["kind"] == "SWITCH SIDES"
        assert view["side"] == "LEFT leg in front"
        assert view["instruction"] == "Switch sides: left leg in front"
        assert view["countdown"] == "4"


async def test_space_pauses_and_resumes() -> None:
    clock = FakeClock()
    app, events, _ = make_app(clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        assert app.runner.is_paused
        assert isinstance(app.screen, PausedScreen)
        assert app.stage.has_class("-paused")
        assert shown(app)["kind"] == "PAUSED · GET READY"
        clock.advance(30)
        app.pump()
        assert app.countdown.value == "3"  # frozen
        await pilot.press("space")
        assert not app.runner.is_paused
        assert not isinstance(app.screen, PausedScreen)
        clock.advance(1)
        app.pump()
        assert app.countdown.value == "2"
    assert not any(isinstance(e, SegmentEnded) for e in events)


async def test_n_skips_and_b_goes_back() -> None:
    clock = FakeClock()
    app, events, _ = make_app(clock)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(1)
        await pilot.press("n")
        skipped = [e for e in events if isinstance(e, SegmentEnded)]
        assert [(e.segment.index, e.outcome, e.elapsed) for e in skipped] == [
            (0, Outcome.SKIPPED, 1.0)
        ]
        assert shown(app)["instruction"] == "ER press: hold, round 1 of 2"
        await pilot.press("b")  # just into the hold: back to the get-ready
        assert shown(app)["instruction"] == "Get ready: ER press"
        assert len([e for e in events if isinstance(e, SegmentEnded)]) == 1


async def test_q_quits_with_progress_kept_and_returns_not_completed() -> None:
    clock = FakeClock()
    app, events, _ = make_app(clock)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(4)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value is False
    assert [e.segment.index for e in events if isinstance(e, SegmentEnded)] == [0]
    assert events[-1] == SessionFinished(completed=False, at=4.0)


async def test_q_quits_while_paused_too() -> None:
    app, events, _ = make_app(FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value is False
    assert isinstance(events[-1], SessionFinished)


async def test_the_timer_alone_plays_a_whole_session_to_completion() -> None:
    # 60 session seconds at 100x: 0.6 s, driven only by the app's own wake-ups.
    app, events, cues = make_app(ScaledClock(100))
    async with app.run_test(size=SIZE):
        for _ in range(250):
            if app.return_value is not None:
                break
            await asyncio.sleep(0.02)
    assert app.return_value is True
    ended = [e for e in events if isinstance(e, SegmentEnded)]
    assert [e.segment.index for e in ended] == list(range(19))
    assert all(e.outcome is Outcome.COMPLETED for e in ended)
    assert len(cues.said) == 19  # a slow frame may drop a stale beep, never a segment


def test_countdown_text_switches_to_minutes_from_sixty_seconds() -> None:
    assert countdown_text(59) == "59"
    assert countdown_text(60) == "1:00"
    assert countdown_text(125) == "2:05"
    assert countdown_text(-1) == "0"
