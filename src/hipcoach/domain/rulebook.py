"""The rule book as values: symptoms, check-in scales, rules and their precedence.

Loaded from `library/rules.toml`; the engine in `rules` gives each rule id its
meaning and combines the rules that fire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from hipcoach.domain.decisions import Adjustment, AdjustmentKind, Decision, Verdict
from hipcoach.domain.errors import CheckinError
from hipcoach.domain.timeline import SegmentKind


class Symptom(StrEnum):
    """What a person can report during (or between) sessions."""

    PINCH = "pinch"  # front of the back hip, as the angle closes: the joint, not a muscle
    CRAMP = "cramp"
    KNEE = "knee"
    PAIN = "pain"  # above the acceptable level
    CANNOT_SIT_TALL = "cannot_sit_tall"

    @property
    def label(self) -> str:
        """The name as typed on a command line: 'cannot-sit-tall'."""
        return self.value.replace("_", "-")


class MorningAfter(StrEnum):
    """How the hip felt the morning after a session, compared with before it."""

    BETTER = "better"
    SAME = "same"
    WORSE = "worse"


def check_scale(value: object, what: str = "pain") -> int:
    """`value` as a 0-10 rating, or CheckinError saying what was wrong with it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise CheckinError(f"{what} must be a whole number from 0 to 10, got {value!r}")
    if not 0 <= value <= 10:
        raise CheckinError(f"{what} must be from 0 to 10, got {value}")
    return value


def parse_symptom(value: str | Symptom) -> Symptom:
    """A symptom from its name ('cannot-sit-tall' and 'cannot_sit_tall' both work)."""
    if isinstance(value, Symptom):
        return value
    key = str(value).strip().lower().replace("-", "_")
    try:
        return Symptom(key)
    except ValueError:
        known = ", ".join(s.label for s in Symptom)
        raise CheckinError(f"unknown symptom '{value}'; expected one of {known}") from None


def parse_morning_after(value: str | MorningAfter | None) -> MorningAfter | None:
    """A morning-after report from 'better', 'same' or 'worse' (None: not asked)."""
    if value is None or isinstance(value, MorningAfter):
        return value
    try:
        return MorningAfter(str(value).strip().lower())
    except ValueError:
        raise CheckinError(
            f"unknown morning-after report '{value}'; expected better, same or worse"
        ) from None


# ---- the rule book (loaded from data) ---------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """The pain-monitoring numbers. Defaults a clinician can change in rules.toml."""

    pain_safe_max: int = 3  # 0-3/10 during or after: safe
    pain_acceptable_max: int = 5  # 4-5/10: acceptable if it settles; above: too much
    progress_after_sessions: int = 2  # sessions in a row at or below safe before a step up
    pause_after_regressions: int = 2  # regressions within the window that pause the program
    regression_window_days: int = 7
    # A session counts towards lifting a carried restriction only with at least this share
    # of its steps done: three sessions quit after one step each are not three sessions.
    session_counts_from_percent: int = 50


@dataclass(frozen=True)
class Progression:
    """How big one step up is, when pain.progress fires (the programs apply it)."""

    hold_seconds: int = 5
    rounds: int = 1


@dataclass(frozen=True)
class Interlude:
    """What plays first when a mid-session symptom changes the rest of the session."""

    kind: SegmentKind  # REST (let it settle) or SETUP (re-set the position)
    seconds: int
    text: str  # the screen's title for it
    spoken: str


@dataclass(frozen=True)
class Rule:
    """One rule: its verdict, its reason in plain words, and what it changes."""

    id: str
    verdict: Verdict
    reason: str
    adjustments: tuple[Adjustment, ...] = ()  # each already carries this rule's id and reason
    symptom: Symptom | None = None  # symptom rules: the report that fires it
    while_regressed: bool = False  # fires instead of the base rule once the session is eased
    carry_sessions: int = 0  # sessions the rule stays on after the report (0: this one only)
    interlude: Interlude | None = None
    # A return stage: fires once the carried rule named here lifts, for `carry_sessions`
    # counted sessions, so the work that rule removed comes back gently, and says so.
    returns_after: str | None = None

    def decision(self, detail: str = "") -> Decision:
        """This rule alone, fired; a rule that changes nothing still leaves a note."""
        changes = self.adjustments or (Adjustment(self.id, self.reason, AdjustmentKind.NOTE),)
        if detail:
            changes = tuple(replace(a, reason=f"{a.reason} ({detail})") for a in changes)
        return Decision(self.verdict, changes)


@dataclass(frozen=True)
class RuleBook:
    """Every rule by id, the precedence between them, and the tunable numbers."""

    rules: Mapping[str, Rule]
    precedence: tuple[str, ...]
    limits: Limits = field(default_factory=Limits)
    progression: Progression = field(default_factory=Progression)

    def rule(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def symptom_rule(self, symptom: Symptom, regressed: bool = False) -> Rule:
        """The rule a report fires: the escalation while the session is already eased."""
        base = [r for r in self.rules.values() if r.symptom is symptom]
        if regressed:
            again = [r for r in base if r.while_regressed]
            if again:
                return again[0]
        return next(r for r in base if not r.while_regressed)

    def return_stage(self, rule_id: str) -> Rule | None:
        """The rule that brings back what `rule_id` removed, once it lifts (None: no stage)."""
        return next((r for r in self.rules.values() if r.returns_after == rule_id), None)
