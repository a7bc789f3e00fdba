"""Clinical pauses: warning signs reported in a check-in, clearances, and what is paused now.

The rules are the domain's (domain/holds.py for a pause and what lifts it,
domain/rules.py for the pattern of easier sessions, the screen's flags for
each warning sign); this module stores and reads them. Every way into a
session reads `open_holds` through the readiness decision, so a pause stops
the CLI, the terminal player, the API and the browser alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from hipcoach.domain.holds import (
    Clearance,
    ClearanceError,
    Hold,
    HoldKind,
    check_clearance,
    warning_sign_hold,
    warning_signs,
)
from hipcoach.domain.rules import PAUSE_REGRESSIONS, RED_FLAG
from hipcoach.domain.screening import FlagLevel
from hipcoach.services.context import Context

if TYPE_CHECKING:
    from hipcoach.store.holds import HoldRepository
    from hipcoach.store.screens import StoredScreen


def _repo(ctx: Context) -> HoldRepository:
    from hipcoach.store.holds import HoldRepository

    return HoldRepository(ctx.journal.engine)


def sign_choices(ctx: Context) -> list[tuple[str, str]]:
    """(id, label) of every warning sign a check-in may report, in the screen's order."""
    from hipcoach.services.screening import screening_form

    return [(q.sign.id, q.sign.label) for q in warning_signs(screening_form(ctx)) if q.sign]


def check_signs(ctx: Context, signs: Sequence[str]) -> tuple[str, ...]:
    """The signs, validated against the screen (WarningSignError names an unknown one)."""
    from hipcoach.domain.holds import sign_flags
    from hipcoach.services.screening import screening_form

    chosen = tuple(dict.fromkeys(s.strip().lower().replace("_", "-") for s in signs))
    sign_flags(screening_form(ctx), chosen)
    return chosen


def report_warning_signs(ctx: Context, signs: Sequence[str]) -> Hold | None:
    """Begin a pause for warning signs a check-in reported, judged as the screen judges them."""
    from hipcoach.services.checkins import rulebook
    from hipcoach.services.screening import screening_form

    chosen = check_signs(ctx, signs)
    if not chosen:
        return None
    program = rulebook(ctx).rule(RED_FLAG)
    hold = warning_sign_hold(
        screening_form(ctx), chosen, datetime.now(UTC), (program.id, program.reason)
    )
    return _repo(ctx).begin(ctx.profile_id, hold) if hold is not None else None


def stored_holds(ctx: Context) -> list[Hold]:
    """The stored pauses not yet lifted (warning signs, easier sessions), oldest first."""
    return _repo(ctx).open(ctx.profile_id)


def past_holds(ctx: Context, limit: int = 20) -> list[Hold]:
    """Pauses already lifted, newest first, with how each was lifted."""
    return [h for h in _repo(ctx).history(ctx.profile_id, limit) if not h.is_open]


def screen_hold(screen: StoredScreen | None) -> Hold | None:
    """A stop on the latest screen, as a pause: lifted only by a new screen."""
    if screen is None or not screen.outcome.decision().blocked:
        return None
    reasons = [r for r in screen.outcome.reasons if r.level.verdict.blocks_session]
    level = min((r.level for r in reasons), key=lambda v: v.rank, default=FlagLevel.CLINICIAN)
    return Hold(
        kind=HoldKind.SCREEN,
        level=level,
        since=screen.taken_at,
        rule_ids=tuple(r.rule_id for r in reasons),
        reasons=tuple(r.reason for r in reasons),
        what_to_do=" ".join(screen.outcome.what_to_do),
    )


def open_holds(ctx: Context) -> list[Hold]:
    """Every pause in force now: the latest screen's stop first, then the stored ones."""
    from hipcoach.services.screening import latest_screen, under_current_rules

    found = screen_hold(under_current_rules(ctx, latest_screen(ctx)))
    return [*([found] if found else []), *stored_holds(ctx)]


def last_change(ctx: Context) -> datetime | None:
    """When a pause last began or lifted (a screen counts: it can begin or lift one)."""
    from hipcoach.services.screening import latest_screen

    moments = [m for h in _repo(ctx).history(ctx.profile_id, 20) for m in (h.since, h.lifted_at)]
    screen = latest_screen(ctx)
    moments.append(screen.taken_at if screen else None)
    found = [m for m in moments if m is not None]
    return max(found) if found else None


def regressions_counted_after(ctx: Context) -> date | None:
    """The day of the latest lifted pause: easier sessions before it are already answered."""
    lifted = [h.lifted_at for h in _repo(ctx).history(ctx.profile_id, 20) if h.lifted_at]
    return max(lifted).astimezone().date() if lifted else None


def hold_regressions(ctx: Context, reason: str) -> Hold:
    """Keep the pause the pattern of easier sessions began, so it lasts until it is lifted."""
    for hold in stored_holds(ctx):
        if hold.kind is HoldKind.REGRESSIONS:
            return hold
    hold = Hold(
        kind=HoldKind.REGRESSIONS,
        level=FlagLevel.CLINICIAN,
        since=datetime.now(UTC),
        rule_ids=(PAUSE_REGRESSIONS,),
        reasons=(reason,),
        what_to_do=(
            "Book a visit with your doctor or physio and show them your recent check-ins "
            "(hipcoach history, or the export). Once they have looked, record their all-clear."
        ),
    )
    return _repo(ctx).begin(ctx.profile_id, hold)


@dataclass(frozen=True)
class ClearanceResult:
    """What a recorded clearance lifted, and any pause it cannot lift."""

    lifted: tuple[Hold, ...]
    # What stays: a stop on the latest screen (only a new screen lifts it), and any pause
    # begun after the day of the all-clear (a later warning sign needs its own).
    still: tuple[Hold, ...]
    clearance: Clearance

    def to_dict(self) -> dict[str, Any]:
        return {
            "cleared_by": self.clearance.by,
            "cleared_on": self.clearance.on.isoformat(),
            "note": self.clearance.note,
            "lifted": [hold_dict(h) for h in self.lifted],
            "still_paused": [hold_dict(h) for h in self.still],
        }


def record_clearance(
    ctx: Context, by: str, on: date | None, note: str | None, today: date
) -> ClearanceResult:
    """Record a clinician's all-clear: it lifts every stored pause it post-dates.

    Refused (ClearanceError, nothing written) when nothing is paused, when only
    the screen's stop holds (a new screen lifts that), or when the all-clear is
    dated before the pause began.
    """
    clearance = check_clearance(by, on or today, note, today)
    open_now = open_holds(ctx)
    stored = [h for h in open_now if h.kind is not HoldKind.SCREEN]
    screen = [h for h in open_now if h.kind is HoldKind.SCREEN]
    if not stored:
        if screen:
            raise ClearanceError(
                "your latest screen says stop, and only a new screen lifts that: once a "
                "clinician has cleared you, run hipcoach screen again (it asks whether you "
                "have been cleared)"
            )
        raise ClearanceError("nothing is paused, so there is nothing to clear")
    # An all-clear covers what began up to the end of its day, and nothing reported later.
    covers = datetime.combine(clearance.on + timedelta(days=1), time.min).astimezone()
    if clearance.on >= today:
        covers = datetime.now(UTC)
    if not any(h.since <= covers for h in stored):
        began = min(h.since.astimezone().date() for h in stored)
        raise ClearanceError(
            f"the all-clear is dated {clearance.on.isoformat()}, before the pause began on "
            f"{began.isoformat()}: a clearance must come after what it clears"
        )
    lifted = _repo(ctx).lift_all(
        ctx.profile_id, datetime.now(UTC), "clearance", clearance, begun_by=covers
    )
    lifted_ids = {h.id for h in lifted}
    later = [h for h in stored_holds(ctx) if h.id not in lifted_ids]
    return ClearanceResult(tuple(lifted), (*screen, *later), clearance)


def lift_by_screen(ctx: Context, screen: StoredScreen) -> list[Hold]:
    """A new screen without a stop lifts every stored pause; one with a stop lifts none."""
    if screen.outcome.decision().blocked:
        return []
    if not stored_holds(ctx):
        return []
    return _repo(ctx).lift_all(
        ctx.profile_id, datetime.now(UTC), "screen", begun_by=screen.taken_at
    )


def hold_dict(hold: Hold) -> dict[str, Any]:
    """A pause as JSON-ready data, with what lifts it."""
    return {
        "kind": hold.kind.value,
        "level": hold.level.value,
        "verdict": hold.verdict.value,
        "since": hold.since.isoformat(),
        "rule_ids": list(hold.rule_ids),
        "reasons": list(hold.reasons),
        "signs": list(hold.signs),
        "what_to_do": hold.what_to_do,
        "lifted_by": hold.lifted_by(),
        "lifted_at": hold.lifted_at.isoformat() if hold.lifted_at else None,
        "lifted_how": hold.lifted_how,
        "clearance": (
            {
                "by": hold.clearance.by,
                "on": hold.clearance.on.isoformat(),
                "note": hold.clearance.note,
            }
            if hold.clearance
            else None
        ),
    }


def pause_lines(hold: Hold) -> list[str]:
    """A pause in words, for the terminal and the pages: why, what to do, what lifts it."""
    urgency = "Get checked today." if hold.level is FlagLevel.URGENT else "See a clinician first."
    lines = [f"Paused since {hold.since.astimezone():%Y-%m-%d %H:%M}. {urgency}"]
    pairs = zip(hold.rule_ids, hold.reasons, strict=True)
    lines += [f"  {reason} [{rule}]" for rule, reason in pairs]
    if hold.what_to_do:
        lines.append(f"  What to do: {hold.what_to_do}")
    lines.append(f"  What lifts it: {hold.lifted_by()}.")
    return lines


__all__ = [
    "ClearanceResult",
    "check_signs",
    "hold_dict",
    "hold_regressions",
    "last_change",
    "lift_by_screen",
    "open_holds",
    "past_holds",
    "pause_lines",
    "record_clearance",
    "regressions_counted_after",
    "report_warning_signs",
    "screen_hold",
    "sign_choices",
    "stored_holds",
]
