"""Clinical pauses ("holds"): what stops every session until something lifts it.

A hold begins when a check-in reports one of the screen's warning signs (new
numbness, a fall, a hot swollen hip, ...) or when the rules see a pattern that
needs a clinician's look (the hip needing an easier session again and again).
It never runs out by itself: it lasts until the person records that a clinician
cleared them (who, on which day, a note), or until a new screen comes out
without a stop. A stop on the latest screen holds in the same way; it is read
from the screen itself, and a new screen is what lifts it.

Pure: values in, values out. The services store holds and clearances.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from hipcoach.domain.decisions import Adjustment, AdjustmentKind, Decision, Verdict
from hipcoach.domain.errors import HipcoachError
from hipcoach.domain.screening import FlagLevel, ScreenFlag, ScreenForm, ScreenQuestion

__all__ = [
    "Clearance",
    "ClearanceError",
    "Hold",
    "HoldKind",
    "WarningSignError",
    "check_clearance",
    "hold_decision",
    "sign_flags",
    "warning_sign_hold",
    "warning_signs",
]

NOTE_MAX = 500
NAME_MAX = 100
STOP_LEVELS = (FlagLevel.URGENT, FlagLevel.CLINICIAN)


class HoldKind(StrEnum):
    """Where a hold came from, which also says what lifts it."""

    WARNING_SIGN = "warning-sign"  # a check-in reported a warning sign
    REGRESSIONS = "regressions"  # easier sessions again and again
    SCREEN = "screen"  # the latest screen says stop (lifted by a new screen only)


class WarningSignError(HipcoachError):
    """A warning sign the screen does not know."""


class ClearanceError(HipcoachError):
    """A clearance that cannot be recorded as given."""


@dataclass(frozen=True)
class Clearance:
    """A clinician's all-clear, as the person records it."""

    by: str  # who cleared them: "Dr Patel", "my physio"
    on: date  # the day of the all-clear
    note: str | None = None


@dataclass(frozen=True)
class Hold:
    """One clinical pause: since when, why (rule ids and reasons), and how it was lifted."""

    kind: HoldKind
    level: FlagLevel  # urgent (seek care today) or clinician (see one before going on)
    since: datetime
    rule_ids: tuple[str, ...]
    reasons: tuple[str, ...]  # one per rule id, in the same order
    what_to_do: str
    signs: tuple[str, ...] = ()  # warning-sign ids, for a hold a check-in began
    id: int | None = None
    lifted_at: datetime | None = None
    lifted_how: str | None = None  # "clearance" or "screen"
    clearance: Clearance | None = None

    @property
    def is_open(self) -> bool:
        return self.lifted_at is None

    @property
    def verdict(self) -> Verdict:
        return Verdict.STOP if self.level is FlagLevel.URGENT else Verdict.PAUSE

    def decision(self) -> Decision:
        """The hold as a decision that blocks every session, one line per rule."""
        return Decision(
            self.verdict,
            tuple(
                Adjustment(rule_id, reason, AdjustmentKind.BLOCK_SESSION)
                for rule_id, reason in zip(self.rule_ids, self.reasons, strict=True)
            ),
        )

    def lifted_by(self) -> str:
        """What lifts this hold, in words."""
        if self.kind is HoldKind.SCREEN:
            return "a new screen that no longer says stop (hipcoach screen, or the Screen page)"
        return (
            "recording that a clinician cleared you (hipcoach plan clear --by NAME, or the "
            "form on the Warning signs page), or a new screen that no longer says stop"
        )


def warning_signs(form: ScreenForm) -> tuple[ScreenQuestion, ...]:
    """The screen's questions that a check-in may report at any time, in the screen's order."""
    return tuple(q for q in form.questions if q.sign is not None)


def _question_for(form: ScreenForm, sign: str) -> ScreenQuestion:
    for question in warning_signs(form):
        if question.sign is not None and question.sign.id == sign:
            return question
    known = ", ".join(q.sign.id for q in warning_signs(form) if q.sign is not None)
    raise WarningSignError(f"unknown warning sign '{sign}'; the warning signs are: {known}")


def sign_flags(form: ScreenForm, signs: Iterable[str]) -> tuple[ScreenFlag, ...]:
    """The screen's stop flags that a yes to each reported sign raises (validates every id)."""
    flags: list[ScreenFlag] = []
    for sign in dict.fromkeys(signs):
        question = _question_for(form, sign)
        flags += [f for f in question.flags if True in f.when and f.level in STOP_LEVELS]
    return tuple(flags)


def warning_sign_hold(
    form: ScreenForm,
    signs: Sequence[str],
    at: datetime,
    program_rule: tuple[str, str],
) -> Hold | None:
    """The hold a check-in's warning signs begin, exactly as the screen would judge them.

    Each sign raises its own screen flag (its rule id, level and reason); the
    strongest level sets the urgency and the screen's guidance for it; the
    program's own pause rule (`program_rule`: id and reason) comes last.
    None when no sign was reported.
    """
    flags = sign_flags(form, signs)
    if not flags:
        return None
    level = min((f.level for f in flags), key=lambda v: v.rank)
    guidance = form.guidance(level)
    actions = [f.action for f in flags if f.action and f.level is level]
    return Hold(
        kind=HoldKind.WARNING_SIGN,
        level=level,
        since=at,
        rule_ids=(*(f.rule_id for f in flags), program_rule[0]),
        reasons=(*(f.reason for f in flags), program_rule[1]),
        what_to_do=" ".join([guidance.what_to_do, *actions]),
        signs=tuple(dict.fromkeys(signs)),
    )


def hold_decision(holds: Iterable[Hold]) -> Decision | None:
    """Every open hold as one blocking decision (strongest first), or None when none is open."""
    open_holds = sorted((h for h in holds if h.is_open), key=lambda h: h.level.rank)
    if not open_holds:
        return None
    verdict = max((h.verdict for h in open_holds), key=lambda v: v.rank)
    changes = tuple(a for h in open_holds for a in h.decision().adjustments)
    return Decision(verdict, tuple(dict.fromkeys(changes)))


def check_clearance(by: str, on: date, note: str | None, today: date) -> Clearance:
    """A clearance checked as direct entry checks it; ClearanceError names what is wrong."""
    who = " ".join(by.split())
    if not who:
        raise ClearanceError("say who cleared you (a name or a role, such as 'my physio')")
    if len(who) > NAME_MAX:
        raise ClearanceError(f"the name of who cleared you is longer than {NAME_MAX} characters")
    if on > today:
        raise ClearanceError(f"the clearance date {on.isoformat()} is in the future")
    if (today - on).days > 366:
        raise ClearanceError(f"the clearance date {on.isoformat()} is more than a year ago")
    text = (note or "").strip() or None
    if text is not None and len(text) > NOTE_MAX:
        raise ClearanceError(f"the note is longer than {NOTE_MAX} characters")
    if any(ord(c) < 32 and c not in "\n\t" for c in who + (text or "")):
        raise ClearanceError("the name or note holds control characters")
    return Clearance(who, on, text)
