"""What the screen and the symptom rules decide, as values every surface can show.

Each decision names the rule that made it and says why in plain words, so a
person always knows what changed in their session and for what reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    """The overall call for a session or a program, from mildest to strongest."""

    PROCEED = "proceed"  # nothing to change
    PROGRESS = "progress"  # ready for the next step of the program
    HOLD = "hold"  # keep today's dose
    REGRESS = "regress"  # make it easier
    PAUSE = "pause"  # pause the program and see a clinician
    STOP = "stop"  # no session; seek care

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def blocks_session(self) -> bool:
        return self in (Verdict.PAUSE, Verdict.STOP)


_RANK = {v: n for n, v in enumerate(Verdict)}


class AdjustmentKind(StrEnum):
    """How a rule changes a session."""

    FORBID_DEMANDS = "forbid_demands"  # leave out every exercise making one of `demands`
    DROP_EXERCISES = "drop_exercises"  # leave these exercises out (older stored decisions)
    SUBSTITUTE = "substitute"  # do `replacement` wherever `exercise_ids` stood
    CAP_EFFORT = "cap_effort"  # no contraction above `effort_percent`
    BLOCK_SESSION = "block_session"  # no session at all
    REST_THEN_RETRY = "rest_then_retry"  # mid-session: rest, then go on lighter
    NOTE = "note"  # nothing changes; something to know


@dataclass(frozen=True)
class Adjustment:
    """One change to a session, with the rule that asked for it and the reason."""

    rule_id: str
    reason: str
    kind: AdjustmentKind
    exercise_ids: tuple[str, ...] = ()
    replacement: str | None = None
    effort_percent: int | None = None
    demands: tuple[str, ...] = ()  # FORBID_DEMANDS: ids from the demand vocabulary

    def describe(self) -> str:
        """The change in a few words, without the reason."""
        if self.kind is AdjustmentKind.FORBID_DEMANDS:
            # Without the vocabulary at hand the ids are the words ("lean-over-front-leg").
            return "leaves out " + ", ".join(d.replace("-", " ") for d in self.demands)
        if self.kind is AdjustmentKind.DROP_EXERCISES:
            return "leaves out " + ", ".join(self.exercise_ids)
        if self.kind is AdjustmentKind.SUBSTITUTE:
            return f"does {self.replacement} instead of " + ", ".join(self.exercise_ids)
        if self.kind is AdjustmentKind.CAP_EFFORT:
            return f"caps effort at {self.effort_percent}%"
        if self.kind is AdjustmentKind.BLOCK_SESSION:
            return "no session"
        if self.kind is AdjustmentKind.REST_THEN_RETRY:
            return "rest, then carry on lighter"
        return "note"


@dataclass(frozen=True)
class Decision:
    """The verdict and every adjustment behind it, strongest rule first."""

    verdict: Verdict
    adjustments: tuple[Adjustment, ...] = ()

    @property
    def blocked(self) -> bool:
        return self.verdict.blocks_session or any(
            a.kind is AdjustmentKind.BLOCK_SESSION for a in self.adjustments
        )

    @property
    def effort_cap(self) -> int | None:
        caps = [a.effort_percent for a in self.adjustments if a.effort_percent is not None]
        return min(caps) if caps else None

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(a.rule_id for a in self.adjustments)
