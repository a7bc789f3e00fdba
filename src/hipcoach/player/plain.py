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
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TextIO

from hipcoach.domain.timeline import Segment, SegmentKind
from hipcoach.player.events import (
    Beep,
    Outcome,
    PlayerEvent,
    SegmentEnded,
    SegmentStarted,
    SessionFinished,
)
from hipcoach.player.runner import SessionRunner
from hipcoach.player.sound import Cues

__all__ = ["clock_text", "play_plain", "started_line"]

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
) -> bool:
    """Play the session as plain lines on `out`; True when it completed, False when stopped."""
    view = _PlainView(runner, out, cues)
    queue: deque[PlayerEvent] = deque()
    try:
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
            deadline = runner.next_deadline()
            if deadline is None:
                # Only a pause leaves nothing due, and nothing here can resume it.
                runner.quit()
                continue
            runner.clock.sleep_until(deadline)
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
