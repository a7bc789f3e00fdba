"""The compiled session: every second of it, as ordered, non-overlapping segments."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from hipcoach.domain.routine import Side

__all__ = ["Segment", "SegmentKind", "SessionTimeline", "Side"]


class SegmentKind(StrEnum):
    GET_READY = "get_ready"
    SETUP = "setup"
    HOLD = "hold"
    REP = "rep"
    REST = "rest"
    SWITCH_SIDES = "switch_sides"
    TRANSITION = "transition"

    @property
    def is_work(self) -> bool:
        """Work segments are the ones a person does; the rest is getting there."""
        return self in (SegmentKind.SETUP, SegmentKind.HOLD, SegmentKind.REP)


@dataclass(frozen=True)
class Segment:
    """A stretch of the session with one instruction on screen.

    `exercise_id` is the exercise the segment serves: the one being held, rested
    between, or about to start (for get-ready, transition and switch-sides).
    """

    index: int
    start: int
    duration: int
    kind: SegmentKind
    exercise_id: str
    exercise_name: str
    side: Side
    text: str
    cue: str
    spoken: str
    round: int | None = None
    rounds: int | None = None
    rep: int | None = None
    reps: int | None = None
    beep_seconds: int = 0  # beep once a second for this many seconds before the end
    # The step of the routine (as written) this segment belongs to; -1 for the
    # switch between sides, which comes before the first step of its side.
    step: int = 0
    effort_cap: int | None = None  # percent of maximal effort, when a rule caps it

    @property
    def end(self) -> int:
        return self.start + self.duration

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "start": self.start,
            "duration": self.duration,
            "end": self.end,
            "kind": self.kind.value,
            "exercise_id": self.exercise_id,
            "exercise_name": self.exercise_name,
            "side": self.side.value,
            "round": self.round,
            "rounds": self.rounds,
            "rep": self.rep,
            "reps": self.reps,
            "text": self.text,
            "cue": self.cue,
            "spoken": self.spoken,
            "beep_seconds": self.beep_seconds,
            "step": self.step,
            "effort_cap": self.effort_cap,
        }


@dataclass(frozen=True)
class SessionTimeline:
    """A routine compiled for one session: what the player plays, second by second."""

    routine_id: str
    routine_name: str
    sides: tuple[Side, ...]
    segments: tuple[Segment, ...]

    @property
    def total_seconds(self) -> int:
        return self.segments[-1].end if self.segments else 0

    @property
    def work_seconds(self) -> int:
        return sum(s.duration for s in self.segments if s.kind.is_work)

    def fingerprint(self) -> str:
        """A short hash of the session's shape: what runs when, on which side.

        A resumed session checks it is unchanged. Wording is left out on purpose,
        so a reworded cue after an upgrade does not strand an unfinished session.
        """
        shape = [
            (s.kind.value, s.exercise_id, s.side.value, s.start, s.duration, s.round, s.rep)
            for s in self.segments
        ]
        import hashlib
        import json

        payload = json.dumps(shape)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def splice(self, at_index: int, adapted: SessionTimeline) -> SessionTimeline:
        """This timeline up to `at_index`, then `adapted` from the same step onwards.

        Used when a rule changes a session mid-way: what was done stays as it
        was, and the rest comes from the adapted routine, starting again at
        the step that was playing (or the next one that survived).
        """
        if not 0 <= at_index < len(self.segments):
            raise ValueError(f"cannot splice at segment {at_index} of {len(self.segments)}")
        order = {side: n for n, side in enumerate(self.sides)}
        anchor = self.segments[at_index]
        key = (order[anchor.side], anchor.step)
        tail = [s for s in adapted.segments if (order.get(s.side, -1), s.step) >= key]
        prefix = list(self.segments[:at_index])
        clock = prefix[-1].end if prefix else 0
        for segment in tail:
            prefix.append(replace(segment, index=len(prefix), start=clock))
            clock += segment.duration
        return replace(self, segments=tuple(prefix))

    def segment_at(self, offset: float) -> Segment | None:
        """The segment playing `offset` seconds into the session, if any."""
        for segment in self.segments:
            if segment.start <= offset < segment.end:
                return segment
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "routine": self.routine_id,
            "routine_name": self.routine_name,
            "sides": [s.value for s in self.sides],
            "total_seconds": self.total_seconds,
            "work_seconds": self.work_seconds,
            "segment_count": len(self.segments),
            "segments": [s.to_dict() for s in self.segments],
        }
