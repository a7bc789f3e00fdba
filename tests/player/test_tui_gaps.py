"""The full-screen player after time it did not run through: paused, saying why."""

from __future__ import annotations

import os
import signal

import pytest

from hipcoach.player.clock import FakeClock
from hipcoach.player.events import PlayerEvent, SegmentEnded
from hipcoach.player.runner import SessionRunner
from hipcoach.player.sound import RecordingCues
from hipcoach.player.tui import PausedScreen, PlayerApp
from tests.player.support import tiny_timeline

SIZE = (100, 30)


def make_app(clock: FakeClock) -> tuple[PlayerApp, list[PlayerEvent]]:
    events: list[PlayerEvent] = []
    runner = SessionRunner(tiny_timeline(), clock)
    return PlayerApp(runner, RecordingCues(), events.append, "Tiny routine"), events


def box_text(app: PlayerApp) -> str:
    screen = app.screen
    assert isinstance(screen, PausedScreen)
    return str(screen.query_one("#paused-box").render())


async def test_a_long_stop_shows_the_pause_screen_with_the_reason() -> None:
    clock = FakeClock(real=True)
    app, events = make_app(clock)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(4):  # on time, second by second, into the first hold (3 s to 8 s)
            clock.advance(1)
            app.pump()
        clock.advance(40)  # stopped for 40 s: past its end, the rest and the next hold
        app.pump()
        await pilot.pause()
        assert app.runner.is_paused
        text = box_text(app)
        assert "PAUSED" in text
        assert "the player was not running for 40 s" in text
        assert "That time was not counted." in text
        assert "Press space to carry on" in text
        assert app.countdown.value == "4"  # where the hold stood before the stop
        assert [e.segment.index for e in events if isinstance(e, SegmentEnded)] == [0]
        await pilot.press("space")
        assert not app.runner.is_paused
        assert not isinstance(app.screen, PausedScreen)
        # A pause by hand afterwards gives no reason: it was the person's own.
        await pilot.press("space")
        assert "not running" not in box_text(app)
        assert "That time" not in box_text(app)


async def test_coming_back_from_ctrl_z_pauses_even_after_a_short_stop() -> None:
    clock = FakeClock()
    app, _ = make_app(clock)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(1)
        app.pump()
        clock.advance(0.5)
        app.runner.mark_continued()  # what the SIGCONT handler does on `fg`
        app.pump()
        await pilot.pause()
        assert "the program was suspended" in box_text(app)


@pytest.mark.skipif(not hasattr(signal, "SIGCONT"), reason="no SIGCONT on this system")
async def test_the_app_listens_for_the_continue_signal_while_it_runs() -> None:
    clock = FakeClock()
    app, _ = make_app(clock)
    before = signal.getsignal(signal.SIGCONT)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(1)
        app.pump()
        os.kill(os.getpid(), signal.SIGCONT)
        await pilot.pause()
        app.pump()
        await pilot.pause()
        assert "the program was suspended" in box_text(app)
    assert signal.getsignal(signal.SIGCONT) == before


def test_ctrl_z_is_bound_to_suspending_the_program() -> None:
    bindings = {b.key: b.action for b in PlayerApp.BINDINGS if not isinstance(b, tuple)}
    assert bindings["ctrl+z"] == "suspend_process"
