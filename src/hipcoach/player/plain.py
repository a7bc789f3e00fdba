"""The session as plain lines of text: for screen readers, pipes and logs.

One line per cue, nothing redrawn, no colours or escape codes:

    [00:00] Right leg in front. Get ready: ER press (5 s)
            Press the front knee into the floor.
    [00:05] ER press: hold (30 s)
    3
    2
    1
    [00:35] Switch sides: left leg in front (10 s)

Timestamps are session time (the plan's clock, pauses excluded). Ctrl-C stops
the session cleanly: every segment that had ended is passed on first.

With a keyboard (`commands`), Enter (or p and Enter) pauses and goes on. The
session also pauses itself after time it did not run through (Ctrl-Z, a
sleeping computer) and says so in a line; Enter goes on from there.
"""

from __future__ import annotations

import os
import select
from collections import deque
from collections.abc import Callable
from typing import Protocol, TextIO

from hipcoach.domain.timeline import Segment, SegmentKind
from hipcoach.player.clock import MAX_NAP_SECONDS, Clock
from hipcoach.player.events import (
    Beep,
    Outcome,
    Paused,
    PlayerEvent,
    Resumed,
    SegmentEnded,
    SegmentStarted,
    SessionFinished,
)
from hipcoach.player.gaps import ContinueSignal, gap_text
from hipcoach.player.runner import SessionRunner
from hipcoach.player.sound import Cues

__all__ = [
    "PLAIN_HELP",
    "PlainCommands",
    "TerminalCommands",
    "clock_text",
    "play_plain",
    "started_line",
]

PLAIN_HELP = "Press Enter to pause, and Enter again to go on. Ctrl-C stops; what you did is kept."
# Words typed (then Enter) that pause or go on; an empty line does too.
_PAUSE_WORDS = frozenset({"", "p", "pause"})
# select() hands over to the clock's precise sleep this long before a deadline.
_HAND_OVER_SECONDS = 0.005

# These segments begin a new piece of work, so the line says which leg is in
# front; the others (holds, reps, rests) carry on in the same position.
# Set-up and switch-sides texts already name the side themselves.
_SAY_SIDE = frozenset({SegmentKind.GET_READY})
_CUE_INDENT = " " * len("[00:00] ")


def clock_text(seconds: float) -> str:
    """Seconds as MM:SS (H:MM:SS past an hour), rounded down."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def started_line(segment: Segment, *, first: bool = False) -> str:
    """The line announcing a segment, e.g. "[00:05] Right leg in front. Rest (20 s)"."""
    text = segment.text
    names_side = segment.kind in (SegmentKind.SETUP, SegmentKind.SWITCH_SIDES)
    if (first or segment.kind in _SAY_SIDE) and not names_side:
        text = f"{segment.side.value.capitalize()} leg in front. {text}"
    return f"[{clock_text(segment.start)}] {text} ({segment.duration} s)"


class PlainCommands(Protocol):
    """Where plain mode's typed commands come from, and how it waits for them."""

    def wait(self, clock: Clock, deadline: float | None) -> list[str] | None:
        """Wait for `deadline` on `clock` (None: for a line) or a typed line.

        Returns the lines typed, [] when the wait ended without one, and None
        once the input has closed (no line can come any more).
        """
        ...


class TerminalCommands:
    """Lines typed on a file descriptor (stdin), read without blocking the session.

    select() waits for a line or the deadline, whichever comes first; the clock's
    own sleep does the last few milliseconds so cues stay on time. In a terminal
    a line arrives when Enter is pressed.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._partial = b""

    def wait(self, clock: Clock, deadline: float | None) -> list[str] | None:
        """Wait for a line or the deadline (see PlainCommands.wait)."""
        timeout: float | None = None
        if deadline is not None:
            timeout = min(
                MAX_NAP_SECONDS, max(0.0, clock.delay_until(deadline) - _HAND_OVER_SECONDS)
            )
        try:
            readable, _, _ = select.select([self.fd], [], [], timeout)
            data = os.read(self.fd, 4096) if readable else None
        except (OSError, ValueError):
            return None  # closed, or not something select() can watch
        if data is None:
            if deadline is not None and clock.delay_until(deadline) <= _HAND_OVER_SECONDS:
                clock.sleep_until(deadline)
            return []
        if not data:
            return None
        *lines, self._partial = (self._partial + data).split(b"\n")
        return [line.decode(errors="replace").strip() for line in lines]


class _PlainView:
    """Turns events into lines and cues, remembering just enough to keep lines short."""

    def __init__(self, runner: SessionRunner, out: TextIO, cues: Cues) -> None:
        self.runner = runner
        self.out = out
        self.cues = cues
        self.last_cue: str | None = None
        self.first = True
        self.done = 0
        self.skipped = 0
        self.can_resume = False  # whether a typed line can end a pause

    def write(self, line: str) -> None:
        self.out.write(line + "\n")
        # Flushed per line: someone reading a pipe or a log wants the cue on time.
        self.out.flush()

    def show(self, event: PlayerEvent) -> None:
        if isinstance(event, SegmentStarted):
            segment = event.segment
            self.write(started_line(segment, first=self.first))
            self.first = False
            # A repeated cue (every rep of a set) is noise when read aloud.
            if segment.cue and segment.cue != self.last_cue:
                self.write(_CUE_INDENT + segment.cue)
            self.last_cue = segment.cue
            self.cues.say(segment.spoken)
        elif isinstance(event, Beep):
            self.write(str(event.remaining))
            self.cues.beep()
        elif isinstance(event, SegmentEnded):
            self.count(event)
        elif isinstance(event, SessionFinished):
            self.write(self.summary(event))
        elif isinstance(event, Paused):
            when = f"[{clock_text(event.at)}]"
            reason = f" {gap_text(event.gap)}" if event.gap is not None else ""
            self.write(f"{when} Paused.{reason} {self.resume_hint}")
        elif isinstance(event, Resumed):
            self.write(f"[{clock_text(event.at)}] Going on.")

    @property
    def resume_hint(self) -> str:
        if self.can_resume:
            return "Press Enter to go on."
        return "With no keyboard to go on from, the session stops here."

    def count(self, event: SegmentEnded) -> None:
        if event.outcome is Outcome.SKIPPED:
            self.skipped += 1
        else:
            self.done += 1

    def summary(self, event: SessionFinished) -> str:
        total = self.runner.timeline.total_seconds
        segments = len(self.runner.timeline.segments)
        # A resumed session only plays its tail; what came before was done earlier.
        earlier = self.runner.start_index
        counts = f"{self.done + earlier} of {segments} segments done"
        if earlier:
            counts += f" ({earlier} in an earlier sitting)"
        if self.skipped:
            counts += f", {self.skipped} skipped"
        when = f"[{clock_text(event.at)}]"
        if event.completed:
            return f"{when} Session complete: {clock_text(total)}, {counts}."
        return f"{when} Session stopped at {clock_text(event.at)} of {clock_text(total)}: {counts}."


def play_plain(
    runner: SessionRunner,
    out: TextIO,
    cues: Cues,
    on_event: Callable[[PlayerEvent], None],
    commands: PlainCommands | None = None,
) -> bool:
    """Play the session as plain lines on `out`; True when it completed, False when stopped.

    With `commands`, a typed line pauses and goes on; without, a pause stops the session.
    """
    with ContinueSignal(runner.mark_continued):
        return _play(runner, _PlainView(runner, out, cues), on_event, commands)


def _play(
    runner: SessionRunner,
    view: _PlainView,
    on_event: Callable[[PlayerEvent], None],
    commands: PlainCommands | None,
) -> bool:
    queue: deque[PlayerEvent] = deque()
    view.can_resume = commands is not None
    try:
        if commands is not None:
            view.write(PLAIN_HELP)
        if not runner.started:
            runner.start()
        while True:
            queue.extend(runner.poll())
            while queue:
                event = queue.popleft()
                on_event(event)
                view.show(event)
                if isinstance(event, SessionFinished):
                    return event.completed
            # Writing the events down is our own work, not time away: only the wait is judged.
            runner.measure_gaps_from_now()
            deadline = runner.next_deadline()
            if commands is None:
                if deadline is None:
                    # Only a pause leaves nothing due, and nothing here can resume it.
                    runner.quit()
                    continue
                runner.clock.sleep_until(deadline)
                continue
            lines = commands.wait(runner.clock, deadline)
            if lines is None:
                # The input closed (end of a pipe): play on without it.
                commands = None
                view.can_resume = False
                if runner.is_paused:
                    view.write("The input closed during the pause, so the session stops here.")
                continue
            for line in lines:
                if line.lower() in _PAUSE_WORDS:
                    runner.toggle_pause()
                else:
                    view.write(PLAIN_HELP)
    except KeyboardInterrupt:
        runner.quit()
        queue.extend(runner.poll())
        # Segments that had ended before Ctrl-C still reach the journal; what had
        # only just started is passed on too, but not shown or spoken any more.
        while queue:
            event = queue.popleft()
            on_event(event)
            if isinstance(event, SegmentEnded):
                view.count(event)
            elif isinstance(event, SessionFinished):
                view.write(view.summary(event))
        return False
