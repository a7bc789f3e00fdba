"""What a running session reports: plain frozen values, in the order things happen.

A driver (the plain-text player, the Textual app) polls the runner and hands
every event to an observer; the journal persists each SegmentEnded as it
arrives. `at` is always session time: seconds into the timeline's plan, so
pauses do not move it and a skip jumps it to where the next segment begins.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hipcoach.domain.timeline import Segment, SessionTimeline

__all__ = [
    "Adapted",
    "Beep",
    "Gap",
    "GapKind",
    "Outcome",
    "Paused",
    "PlayerEvent",
    "Resumed",
    "SegmentEnded",
    "SegmentStarted",
    "SessionFinished",
    "SymptomResult",
    "Tick",
]


class Outcome(StrEnum):
    """How a segment ended: it ran its full time, or the person moved on early."""

    COMPLETED = "completed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class SegmentStarted:
    """A segment began; show its instruction and speak its prompt."""

    segment: Segment
    at: float


@dataclass(frozen=True)
class Tick:
    """A whole second began in the current segment; `remaining` seconds are left in it."""

    segment: Segment
    remaining: int
    at: float


@dataclass(frozen=True)
class Beep:
    """A countdown beep near the end of a hold; `remaining` is 3, 2 or 1 (by default)."""

    segment: Segment
    remaining: int
    at: float


@dataclass(frozen=True)
class SegmentEnded:
    """A segment is over. `elapsed` is the time spent in it, pauses excluded."""

    segment: Segment
    outcome: Outcome
    elapsed: float
    at: float


class GapKind(StrEnum):
    """What the player saw when it noticed time it had not been running for."""

    STOPPED = "stopped"  # the program was continued after a stop (Ctrl-Z then fg, kill -CONT)
    AWAY = "away"  # the real clocks moved far on between two looks (sleep, a stop, a jump)
    CLOCK_BACK = "clock-back"  # a clock went back


@dataclass(frozen=True)
class Gap:
    """Time the player did not run through, so it paused instead of crediting it.

    `seconds` is how long it was away in real seconds (or how far the clock went back),
    as far as its clocks could tell.
    """

    kind: GapKind
    seconds: float


@dataclass(frozen=True)
class Paused:
    """The session paused during `segment`: by the person, or by itself after a `gap`."""

    segment: Segment
    at: float
    gap: Gap | None = None


@dataclass(frozen=True)
class Resumed:
    """The session carries on after `paused_for` seconds of pause."""

    segment: Segment
    at: float
    paused_for: float


@dataclass(frozen=True)
class SessionFinished:
    """The session is over: `completed` when it reached the end, False when quit."""

    completed: bool
    at: float


@dataclass(frozen=True)
class Adapted:
    """The rest of the session changed (a symptom was reported): `segment` restarts now in
    its new form. The interrupted segment is not reported as ended; it is replaced."""

    segment: Segment
    at: float
    message: str


@dataclass(frozen=True)
class SymptomResult:
    """What the app's symptom callback answers: the new timeline (None: no change), the
    message to show, and whether the session should stop here."""

    timeline: SessionTimeline | None
    message: str
    end_session: bool = False


PlayerEvent = (
    SegmentStarted | Tick | Beep | SegmentEnded | Paused | Resumed | SessionFinished | Adapted
)
