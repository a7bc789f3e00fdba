"""Plain mode's pause: Enter pauses and goes on, and a stop pauses it with a line saying why."""

from __future__ import annotations

import contextlib
import io
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from hipcoach.player.clock import Clock, FakeClock
from hipcoach.player.events import (
    GapKind,
    Outcome,
    Paused,
    PlayerEvent,
    Resumed,
    SegmentEnded,
    SessionFinished,
)
from hipcoach.player.plain import PLAIN_HELP, TerminalCommands, play_plain
from hipcoach.player.runner import SessionRunner
from hipcoach.player.sound import RecordingCues
from tests.player.support import tiny_timeline


@dataclass(frozen=True)
class Typed:
    line: str


@dataclass(frozen=True)
class Stopped:
    """The program is stopped for `seconds` (nothing runs, time goes on)."""

    seconds: float
    continued: bool = False  # whether a SIGCONT follows, as after Ctrl-Z and fg


@dataclass(frozen=True)
class Closed:
    pass


Action = Typed | Stopped | Closed


class ScriptedCommands:
    """Commands at set times on a FakeClock: lines typed, stops, the input closing."""

    def __init__(self, runner: SessionRunner, script: list[tuple[float, Action]]) -> None:
        self.runner = runner
        self.script = list(script)

    def wait(self, clock: Clock, deadline: float | None) -> list[str] | None:
        assert isinstance(clock, FakeClock)
        if not self.script:
            if deadline is None:
                return None
            clock.sleep_until(deadline)
            return []
        at, action = self.script[0]
        if at > clock.now():
            # Time passes up to the action, and the player looks then, as a real one would.
            clock.sleep_until(at if deadline is None else min(at, deadline))
            return []
        self.script.pop(0)
        if isinstance(action, Typed):
            return [action.line]
        if isinstance(action, Stopped):
            clock.advance(action.seconds)
            if action.continued:
                self.runner.mark_continued()
            return []
        return None


T0 = 100.0


def play(script: list[tuple[float, Action]] | None) -> tuple[bool, list[str], list[PlayerEvent]]:
    clock = FakeClock(T0, real=True)
    runner = SessionRunner(tiny_timeline(), clock)
    out = io.StringIO()
    events: list[PlayerEvent] = []
    commands = None if script is None else ScriptedCommands(runner, script)
    completed = play_plain(runner, out, RecordingCues(), events.append, commands)
    return completed, out.getvalue().splitlines(), events


def ended(events: list[PlayerEvent]) -> list[int]:
    return [e.segment.index for e in events if isinstance(e, SegmentEnded)]


def test_the_help_line_comes_first_when_there_is_a_keyboard() -> None:
    _, lines, _ = play([])
    assert lines[0] == PLAIN_HELP
    assert "Enter to pause" in PLAIN_HELP
    _, without, _ = play(None)
    assert PLAIN_HELP not in without


@pytest.mark.parametrize("word", ["", "p", "P", "pause"])
def test_enter_pauses_and_enter_again_goes_on(word: str) -> None:
    completed, lines, events = play([(T0 + 4.5, Typed(word)), (T0 + 40, Typed(""))])
    assert completed is True
    paused = lines.index("[00:04] Paused. Press Enter to go on.")
    assert lines[paused + 1] == "[00:04] Going on."
    [resumed] = [e for e in events if isinstance(e, Resumed)]
    assert resumed.paused_for == pytest.approx(35.5)
    # Every step is played in full: the first hold's end moved by the pause.
    ends = [e for e in events if isinstance(e, SegmentEnded)]
    assert [e.outcome for e in ends] == [Outcome.COMPLETED] * 19
    assert all(e.elapsed == e.segment.duration for e in ends)
    assert lines[-1] == "[01:00] Session complete: 01:00, 19 of 19 segments done."


def test_other_words_get_the_help_line_again() -> None:
    _, lines, events = play([(T0 + 2, Typed("what?"))])
    assert lines.count(PLAIN_HELP) == 2
    assert not any(isinstance(e, Paused) for e in events)


def test_a_long_stop_pauses_with_a_line_and_saves_nothing_until_enter() -> None:
    # Stopped 1 s into the first hold (3 s to 8 s) for 25 s: on the plan's clock that
    # would reach the switch of sides at 30 s, and none of it may count.
    seen: list[tuple[str, list[int]]] = []
    clock = FakeClock(T0, real=True)
    runner = SessionRunner(tiny_timeline(), clock)
    out = io.StringIO()
    events: list[PlayerEvent] = []

    def observe(event: PlayerEvent) -> None:
        events.append(event)
        seen.append((type(event).__name__, ended(events)))

    script: list[tuple[float, Action]] = [(T0 + 4.0, Stopped(25)), (T0 + 29 + 10, Typed(""))]
    completed = play_plain(runner, out, RecordingCues(), observe, ScriptedCommands(runner, script))
    assert completed is True
    lines = out.getvalue().splitlines()
    paused_line = next(line for line in lines if "Paused." in line)
    assert paused_line == (
        "[00:04] Paused. The session paused itself: the player was not running for 25 s "
        "(the computer slept, the program was suspended, or the clock jumped). That time "
        "was not counted. Press Enter to go on."
    )
    assert lines[lines.index(paused_line) + 1] == "[00:04] Going on."
    names = [name for name, _ in seen]
    at_pause = seen[names.index("Paused")][1]
    at_resume = seen[names.index("Resumed")][1]
    # Only the get-ready before the hold had ended; nothing more until the person went on.
    assert at_pause == at_resume == [0]


def test_ctrl_z_and_fg_pause_even_a_short_stop() -> None:
    completed, lines, events = play(
        [(T0 + 9.0, Stopped(0.8, continued=True)), (T0 + 20, Typed(""))]
    )
    assert completed is True
    [paused] = [e for e in events if isinstance(e, Paused)]
    assert paused.at == 9.0
    assert any(
        "the program was suspended for 1 s (Ctrl-Z or a stop signal)" in line for line in lines
    )


@pytest.mark.skipif(not hasattr(signal, "SIGCONT"), reason="no SIGCONT on this system")
def test_the_plain_player_listens_for_the_continue_signal_while_it_plays() -> None:
    clock = FakeClock(T0)
    runner = SessionRunner(tiny_timeline(), clock)
    before = signal.getsignal(signal.SIGCONT)
    events: list[PlayerEvent] = []

    def observe(event: PlayerEvent) -> None:
        events.append(event)
        if isinstance(event, SegmentEnded) and event.segment.index == 0:
            os.kill(os.getpid(), signal.SIGCONT)  # as `fg` after Ctrl-Z sends it

    script: list[tuple[float, Action]] = [(T0 + 10, Typed(""))]
    completed = play_plain(
        runner, io.StringIO(), RecordingCues(), observe, ScriptedCommands(runner, script)
    )
    assert completed is True
    [paused] = [e for e in events if isinstance(e, Paused)]
    assert paused.gap is not None
    assert paused.gap.kind is GapKind.STOPPED
    assert paused.at == 3.0
    assert signal.getsignal(signal.SIGCONT) == before


def test_a_stop_with_no_keyboard_stops_the_session_and_keeps_what_was_done() -> None:
    clock = FakeClock(T0, real=True)
    runner = SessionRunner(tiny_timeline(), clock)

    out = io.StringIO()
    events: list[PlayerEvent] = []

    def observe(event: PlayerEvent) -> None:
        events.append(event)
        if isinstance(event, SegmentEnded) and event.segment.index == 1:
            clock.advance(40)  # stopped right after the first hold was saved

    completed = play_plain(runner, out, RecordingCues(), observe)
    assert completed is False
    assert ended(events) == [0, 1]
    assert events[-1] == SessionFinished(completed=False, at=8.0)
    lines = out.getvalue().splitlines()
    assert lines[-2].endswith(
        "That time was not counted. With no keyboard to go on from, the session stops here."
    )
    assert lines[-1] == "[00:08] Session stopped at 00:08 of 01:00: 2 of 19 segments done."


def test_the_input_closing_during_a_pause_stops_the_session() -> None:
    completed, lines, events = play([(T0 + 4.5, Typed("")), (T0 + 5, Closed())])
    assert completed is False
    assert "The input closed during the pause, so the session stops here." in lines
    assert events[-1] == SessionFinished(completed=False, at=4.5)


def test_the_input_closing_while_playing_changes_nothing() -> None:
    completed, lines, _ = play([(T0 + 4.5, Closed())])
    assert completed is True
    assert lines[-1] == "[01:00] Session complete: 01:00, 19 of 19 segments done."


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    read_end, write_end = os.pipe()
    yield read_end, write_end
    for fd in (read_end, write_end):
        with contextlib.suppress(OSError):
            os.close(fd)


def test_terminal_commands_read_whole_lines_from_a_pipe(pipe: tuple[int, int]) -> None:
    read_end, write_end = pipe
    commands = TerminalCommands(read_end)
    clock = FakeClock(5.0)
    os.write(write_end, b"p\n\nhal")
    assert commands.wait(clock, deadline=5.0) == ["p", ""]
    os.write(write_end, b"f\n")
    assert commands.wait(clock, deadline=5.0) == ["half"]
    # Nothing typed: the wait ends at the deadline (now) with no lines.
    assert commands.wait(clock, deadline=5.0) == []
    os.close(write_end)
    assert commands.wait(clock, deadline=5.0) is None


def test_terminal_commands_give_up_on_a_closed_descriptor(pipe: tuple[int, int]) -> None:
    read_end, _ = pipe
    os.close(read_end)
    assert TerminalCommands(read_end).wait(FakeClock(), deadline=0.0) is None
