"""The session state machine: which segment is playing and what is due, against a Clock.

Everything is scheduled from one number, `base`: the clock time at which the
session's offset 0 falls. Segment i plays from base + start to base + end, and
second k of it is due at base + start + k. A late wake-up therefore delays
only the events it finds due; it never pushes later deadlines back, so a long
session does not drift. Pausing moves base forward by the length of the pause,
and skip / back move it so that the chosen segment starts now.

The runner never sleeps and never prints. A driver loops: poll(), hand the
events to whoever needs them, then wait for next_deadline().

Time the player did not run through is never credited. Every poll() and
command looks at the clock; when the look finds a gap since the one before
(player/gaps.py: the computer slept, the program was stopped, a clock jumped),
the session pauses itself at the moment of the earlier look, with the gap in
its Paused event, and goes on from there when the person resumes. A driver
calls measure_gaps_from_now() once its own work on the events is done, so that
only its waits are judged, not a slow journal write.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hipcoach.domain.errors import SessionStateError
from hipcoach.domain.timeline import Segment, SessionTimeline
from hipcoach.player.clock import Clock
from hipcoach.player.events import (
    Adapted,
    Beep,
    Outcome,
    Paused,
    PlayerEvent,
    Resumed,
    SegmentEnded,
    SegmentStarted,
    SessionFinished,
    Tick,
)
from hipcoach.player.gaps import GAP_SECONDS, Look, find_gap

__all__ = ["BACK_RESTART_SECONDS", "OWN_WORK_SECONDS", "Progress", "SessionRunner"]

# Going back within this many seconds of a segment's start goes to the one
# before it, as on a music player; later it restarts the current segment.
BACK_RESTART_SECONDS = 2.0
# Float tolerance when comparing a clock reading with a deadline, so that a
# clock standing exactly on a deadline counts as having reached it.
_EPSILON = 1e-6
# Real seconds the driver's own work between poll() and its wait may take without
# being judged a gap (see measure_gaps_from_now): a journal write may wait out
# SQLite's 5 s busy timeout while another program holds the lock, and a symptom's
# change writes more than once. A stop or a sleep longer than this still counts.
OWN_WORK_SECONDS = 20.0


@dataclass(frozen=True)
class Progress:
    """How far through the session's plan the runner is, in seconds."""

    elapsed: float
    total: float

    @property
    def fraction(self) -> float:
        """Share of the session done, 0.0 to 1.0."""
        return min(1.0, self.elapsed / self.total) if self.total > 0 else 1.0

    @property
    def remaining(self) -> float:
        """Seconds of the plan still to play."""
        return max(0.0, self.total - self.elapsed)


class SessionRunner:
    """Plays a SessionTimeline against a Clock, one poll() at a time."""

    def __init__(
        self,
        timeline: SessionTimeline,
        clock: Clock,
        start_index: int = 0,
        *,
        gap_seconds: float = GAP_SECONDS,
    ) -> None:
        count = len(timeline.segments)
        if not (0 <= start_index < count or start_index == count == 0):
            raise SessionStateError(
                f"cannot start at segment {start_index}: the session has {count} segments"
            )
        self.timeline = timeline
        self.clock = clock
        self.start_index = start_index
        self._segments = timeline.segments
        self._index: int | None = None  # None before start() and after the end
        self._base = 0.0  # clock time of session offset 0
        self._second = 0  # next whole second of the segment to report; == duration: its end
        self._announced = False  # SegmentStarted emitted for the current segment
        self._paused_at: float | None = None
        self._pending: list[PlayerEvent] = []
        self._started = False
        self._completed: bool | None = None
        self._final_at = 0.0
        self.gap_seconds = gap_seconds  # real seconds between looks that count as a gap
        self._gap_limit = gap_seconds  # the same, raised for a clock slower than real time
        self._last_look: Look | None = None
        self._continued = False  # set from a signal handler: see mark_continued()

    # ---- driving -------------------------------------------------------------------------

    def start(self) -> None:
        """Begin the session now, at `start_index`; events follow from poll()."""
        if self._started:
            raise SessionStateError("this session has already been started")
        self._started = True
        if not self._segments:
            self._finish(completed=True, at=0.0)
            return
        # Two ticks of real time at least: a demo clock slower than real time
        # ticks further apart than GAP_SECONDS without anything being wrong.
        now = self.clock.now()
        self._gap_limit = max(self.gap_seconds, 2 * self.clock.delay_until(now + 1.0))
        self._enter(self.start_index, self._look().now)

    def poll(self) -> list[PlayerEvent]:
        """Everything that has happened up to clock.now(), in order; [] when nothing has."""
        self._look()
        self._catch_up(self._now())
        events, self._pending = self._pending, []
        return events

    def next_deadline(self) -> float | None:
        """Clock time at which poll() next has something to say; None while paused or over."""
        if self._pending:
            return self.clock.now()
        if self._index is None or self._paused_at is not None:
            return None
        segment = self._segments[self._index]
        offset = 0 if not self._announced else self._second
        return self._base + segment.start + offset

    # ---- commands ------------------------------------------------------------------------

    def pause(self) -> None:
        """Freeze the session where it is; nothing is due until resume()."""
        if self._index is None or self._paused_at is not None:
            return
        now = self._look().now
        if self._paused_at is not None:
            return  # the look found a gap and paused already
        self._catch_up(now)
        if self._index is None:
            return
        self._paused_at = now
        self._pending.append(Paused(self._segments[self._index], at=self.position))

    def resume(self) -> None:
        """Carry on from where pause() stopped; every later deadline moves by the pause."""
        if self._index is None or self._paused_at is None:
            return
        # Looked at while paused, so the pause itself is never taken for a gap.
        now = self._look().now
        # Moved by the raw difference: after a clock that went back it is negative,
        # and the session still goes on from where it stood.
        self._base += now - self._paused_at
        paused_for = max(0.0, now - self._paused_at)
        self._paused_at = None
        segment = self._segments[self._index]
        self._pending.append(Resumed(segment, at=self.position, paused_for=paused_for))

    def toggle_pause(self) -> None:
        """Pause when playing, resume when paused."""
        if self._paused_at is None:
            self.pause()
        else:
            self.resume()

    def skip(self) -> None:
        """End the current segment as skipped and start the next one now."""
        self._look()
        now = self._now()
        self._catch_up(now)
        if self._index is None:
            return
        segment = self._segments[self._index]
        elapsed = min(float(segment.duration), max(0.0, now - self._base - segment.start))
        self._pending.append(
            SegmentEnded(segment, Outcome.SKIPPED, elapsed=elapsed, at=segment.start + elapsed)
        )
        if self._index + 1 < len(self._segments):
            self._enter(self._index + 1, now)
        else:
            self._finish(completed=True, at=float(self.timeline.total_seconds))

    def back(self) -> None:
        """Restart the current segment, or go to the previous one when just into this one."""
        self._look()
        now = self._now()
        self._catch_up(now)
        if self._index is None:
            return
        into = now - self._base - self._segments[self._index].start
        if into > BACK_RESTART_SECONDS or self._index == 0:
            self._enter(self._index, now)
        else:
            self._enter(self._index - 1, now)

    def replace_timeline(self, timeline: SessionTimeline, message: str = "") -> None:
        """Play `timeline` from the current index on: the current segment restarts now in
        its new form (an Adapted event, then SegmentStarted; no SegmentEnded for the one
        it replaces). Everything before the current index must be unchanged. A timeline
        that ends before the current index ends the session, as completed.
        """
        # Looked at first: after a gap (a stop while the change was being worked out)
        # the session pauses where the gap began, and the new segment is timed from
        # there, not from the later reading, so it starts when the person resumes.
        self._look()
        if self._index is None:
            raise SessionStateError("no segment is playing, so there is nothing to change")
        index = self._index
        if timeline.segments[:index] != self._segments[:index]:
            raise SessionStateError("a new timeline must keep every segment already played")
        # _now() stands still while paused, so a change made during a pause starts the
        # new segment when the pause ends, and every deadline stays base + offset.
        now = self._now()
        self.timeline = timeline
        self._segments = timeline.segments
        if index >= len(self._segments):
            self._finish(completed=True, at=float(timeline.total_seconds))
            return
        self._enter(index, now)
        segment = self._segments[index]
        self._pending.append(Adapted(segment, at=float(segment.start), message=message))

    def quit(self) -> None:
        """Stop here: SessionFinished(completed=False); the current segment is not recorded."""
        if self._completed is not None:
            return
        if self._started:
            # A quit right after a gap must not credit the gap first.
            self._look()
            self._catch_up(self._now())
            if self._index is None:
                return
        self._finish(completed=False, at=self.position)

    def measure_gaps_from_now(self) -> None:
        """The driver's own work is done: measure the next gap from here, not from poll().

        A driver calls it after handing out poll()'s events (and drawing them), just
        before it waits, so that only the wait is judged: a journal write that took a
        few seconds is not time away. A stop or a sleep during that work still counts:
        a continue signal stays noted, a clock that went back, or a step longer than
        any such work could take, is left for the next look to judge.
        """
        if self._last_look is None:
            return
        look = Look(self.clock.now(), self.clock.real_readings())
        limit = max(self._gap_limit, OWN_WORK_SECONDS)
        if find_gap(self._last_look, look, limit) is None:
            self._last_look = look

    def mark_continued(self) -> None:
        """The program was continued after a stop (SIGCONT): pause at the last look before it.

        Only sets a flag, so a signal handler may call it; the next poll() or
        command pauses the session, however short the stop was.
        """
        self._continued = True

    # ---- state ---------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        """Whether start() has been called."""
        return self._started

    @property
    def finished(self) -> bool:
        """Whether the session is over (completed or quit)."""
        return self._completed is not None

    @property
    def completed(self) -> bool | None:
        """True when it reached the end, False when quit, None while it runs."""
        return self._completed

    @property
    def is_paused(self) -> bool:
        """Whether the session is paused."""
        return self._paused_at is not None

    @property
    def current(self) -> Segment | None:
        """The segment playing now; None before start() and after the end."""
        return self._segments[self._index] if self._index is not None else None

    def upcoming(self) -> Segment | None:
        """The segment that plays after the current one (the first one, before start())."""
        if not self._started:
            return self._segments[self.start_index] if self._segments else None
        if self._index is None or self._index + 1 >= len(self._segments):
            return None
        return self._segments[self._index + 1]

    @property
    def position(self) -> float:
        """Session time: seconds into the plan, pauses excluded."""
        if self._completed is not None:
            return self._final_at
        if self._index is None:
            return float(self._segments[self.start_index].start) if self._segments else 0.0
        segment = self._segments[self._index]
        # Clamped to the current segment: until poll() moves on, the display stays put.
        return min(float(segment.end), max(float(segment.start), self._now() - self._base))

    @property
    def remaining(self) -> int:
        """Whole seconds left in the current segment, as a countdown shows them."""
        segment = self.current
        if segment is None:
            return 0
        return max(0, math.ceil(segment.end - self.position - _EPSILON))

    @property
    def progress(self) -> Progress:
        """Seconds elapsed of the whole plan, and the fraction they make."""
        return Progress(elapsed=self.position, total=float(self.timeline.total_seconds))

    # ---- internals -----------------------------------------------------------------------

    def _now(self) -> float:
        # While paused, session time stands at the moment of the pause.
        return self._paused_at if self._paused_at is not None else self.clock.now()

    def _look(self) -> Look:
        """Read the clock; after a gap, pause where the previous look stood instead of
        crediting the time in between."""
        look = Look(self.clock.now(), self.clock.real_readings())
        before, self._last_look = self._last_look, look
        continued, self._continued = self._continued, False
        if before is None or self._index is None or self._paused_at is not None:
            return look
        gap = find_gap(before, look, self._gap_limit, continued=continued)
        if gap is None:
            return look
        # Everything up to the previous look was played; nothing after it was. Caught up
        # to it first (a no-op unless it was start()'s), so the events keep their order.
        self._catch_up(before.now)
        if self._index is None:
            return look
        self._paused_at = before.now
        self._pending.append(Paused(self._segments[self._index], at=self.position, gap=gap))
        return look

    def _enter(self, index: int, now: float) -> None:
        self._index = index
        self._base = now - self._segments[index].start
        self._second = 0
        self._announced = False

    def _finish(self, *, completed: bool, at: float) -> None:
        self._final_at = at
        self._index = None
        self._completed = completed
        self._paused_at = None
        self._pending.append(SessionFinished(completed=completed, at=at))

    def _catch_up(self, now: float) -> None:
        """Move every event due by `now` into the pending list, in order."""
        now += _EPSILON
        while self._index is not None:
            segment = self._segments[self._index]
            start_due = self._base + segment.start
            if start_due > now:
                return
            if not self._announced:
                self._announced = True
                self._pending.append(SegmentStarted(segment, at=float(segment.start)))
                continue
            k = self._second
            if start_due + k > now:
                return
            if k < segment.duration:
                self._second += 1
                if start_due + k + 1 <= now:
                    # The next second is due too: a late wake-up must not replay a
                    # burst of stale ticks and beeps, only the latest counts.
                    continue
                remaining = segment.duration - k
                at = float(segment.start + k)
                self._pending.append(Tick(segment, remaining, at=at))
                if remaining <= segment.beep_seconds:
                    self._pending.append(Beep(segment, remaining, at=at))
                continue
            duration = float(segment.duration)
            self._pending.append(
                SegmentEnded(segment, Outcome.COMPLETED, elapsed=duration, at=float(segment.end))
            )
            if self._index + 1 < len(self._segments):
                # The next segment starts at its planned offset from the same base,
                # not "now": this is what keeps a session free of drift.
                self._index += 1
                self._second = 0
                self._announced = False
            else:
                self._finish(completed=True, at=float(segment.end))
