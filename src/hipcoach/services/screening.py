"""Use cases for the readiness screen: take it, read it, and what it allows today.

Sessions never load the questions: they read the stored outcome, which carries
its own reasons, adjustments and how long it stays valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from hipcoach.domain.decisions import Adjustment, AdjustmentKind, Decision, Verdict
from hipcoach.domain.errors import HipcoachError
from hipcoach.domain.screening import screen_age_days, screen_due
from hipcoach.services.context import Context

if TYPE_CHECKING:
    from hipcoach.domain.library import Library
    from hipcoach.domain.screening import ScreenForm
    from hipcoach.store.screens import ScreenRepository, StoredScreen

SCREEN_NEEDED_RULE = "screen.needed"


class SessionBlockedError(HipcoachError):
    """No session may start: the screen says stop, or a screen is needed first."""

    def __init__(
        self,
        decision: Decision,
        what_to_do: tuple[str, ...],
        what_would_change_it: tuple[str, ...],
    ) -> None:
        self.decision = decision
        self.reasons = tuple(f"{a.reason} ({a.rule_id})" for a in decision.adjustments)
        self.what_to_do = what_to_do
        self.what_would_change_it = what_would_change_it
        lines = ["no session can start: the readiness screen does not allow it.", "Why:"]
        lines += [f"  - {r}" for r in self.reasons]
        lines += ["What to do:"] + [f"  - {t}" for t in what_to_do]
        if what_would_change_it:
            lines += ["What would change it:"] + [f"  - {t}" for t in what_would_change_it]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class ScreenStatus:
    """The latest screen (if any), whether a new one is due, and why."""

    latest: StoredScreen | None
    due: bool
    why: str
    valid_until: date | None


def screening_form(ctx: Context) -> ScreenForm:
    """The screen's questions, validated against the library."""
    from hipcoach.library.screening import load_screening

    return load_screening(ctx.settings.cache_dir)


def take_screen(
    ctx: Context, answers: Mapping[str, object], now: datetime | None = None
) -> StoredScreen:
    """Check the answers, evaluate them and store the screen; bad answers store nothing.

    A screen without a stop lifts every clinical pause in force (services.holds).
    """
    from hipcoach.domain.screening import check_answers, evaluate_screen
    from hipcoach.services.holds import lift_by_screen
    from hipcoach.store.screens import StoredScreen

    form = screening_form(ctx)
    checked = check_answers(form, answers)  # Raises before anything touches the journal.
    outcome = evaluate_screen(form, checked)
    taken_at = (now or datetime.now(UTC)).astimezone(UTC)
    screen_id = _repository(ctx).save(ctx.profile_id, taken_at, checked.as_dict(), outcome)
    stored = StoredScreen(
        screen_id, ctx.profile_id, taken_at, outcome.status, checked.as_dict(), outcome
    )
    lift_by_screen(ctx, stored)
    return stored


def latest_screen(ctx: Context) -> StoredScreen | None:
    """The profile's newest screen, or None."""
    return _repository(ctx).latest(ctx.profile_id)


def screen_history(ctx: Context) -> list[StoredScreen]:
    """Every screen the profile has taken, newest first."""
    return _repository(ctx).history(ctx.profile_id)


def under_current_rules(ctx: Context, screen: StoredScreen | None) -> StoredScreen | None:
    """A screen taken on an older version of the form, evaluated again by today's rules.

    Its stored outcome is a snapshot of the rules then (an old posterior-approach
    screen only left out two stretches); sessions must follow what the rules say
    now. Its own answers are carried into the current questions; when they cannot
    be, the old outcome stands and the screen is due again at once.
    """
    from dataclasses import replace

    from hipcoach.domain.screening import ScreenAnswerError, evaluate_screen, upgrade_answers

    if screen is None:
        return None
    form = screening_form(ctx)
    if screen.outcome.form_version >= form.version:
        return screen
    try:
        outcome = evaluate_screen(
            form, upgrade_answers(form, screen.answers, screen.outcome.form_version)
        )
    except ScreenAnswerError:
        return screen
    return replace(screen, status=outcome.status, outcome=outcome)


def screen_status(ctx: Context, today: date, new_report: bool = False) -> ScreenStatus:
    """Whether a screen is due on `today` (a local date), with the reason in words.

    `new_report` says the person has reported something new since the latest
    screen (for example a red flag in a check-in): the screen is due again at once.
    """
    latest = under_current_rules(ctx, latest_screen(ctx))
    if latest is None:
        return ScreenStatus(None, True, "never screened", None)
    days = screen_age_days(latest.taken_at.astimezone(), today)
    valid = latest.outcome.valid_for_days
    until = latest.taken_at.astimezone().date() + timedelta(days=valid)
    # An old screen whose answers do not fit today's questions is due again at once.
    stale = latest.outcome.form_version < screening_form(ctx).version
    due = stale or screen_due(latest.taken_at.astimezone(), today, valid, new_report)
    ago = "today" if days == 0 else f"{days} day{'s' * (days != 1)} ago"
    why = f"last screen was {ago}"
    if new_report:
        why += "; something new was reported since"
    elif stale:
        why += "; the screen's questions have changed since"
    elif due:
        why += f" (a screen lasts {valid} days)"
    return ScreenStatus(latest, due, why, until)


def screen_decision(ctx: Context, today: date) -> Decision:
    """The decision the latest screen imposes on sessions today; no valid screen blocks."""
    return _decision_and_steps(screen_status(ctx, today))[0]


def require_screen_allows_session(ctx: Context, today: date) -> Decision:
    """The screen's decision when it allows a session; raises SessionBlockedError otherwise."""
    decision, todo, change = _decision_and_steps(screen_status(ctx, today))
    if decision.blocked:
        raise SessionBlockedError(decision, todo, change)
    return decision


def screen_view(screen: StoredScreen, library: Library | None = None) -> dict[str, Any]:
    """A stored screen as JSON-ready values: the outcome, every reason, and the answers.

    With the library, each change names what it leaves out in plain words and
    exercise names ("leaves out leaning over the front leg: Active ER hinge, ...").
    """
    from hipcoach.services.checkins import describe
    from hipcoach.store.screens import outcome_to_dict

    view: dict[str, Any] = {"id": screen.id, "taken_at": screen.taken_at.isoformat()}
    view.update(outcome_to_dict(screen.outcome))
    view["blocks_sessions"] = screen.outcome.decision().blocked
    for item, adjustment in zip(view["adjustments"], screen.outcome.adjustments, strict=True):
        others = screen.outcome.adjustments
        named = describe(library, [adjustment], alongside=others) if library is not None else []
        item["change"] = "; ".join(named) or adjustment.describe()
    view["answers"] = dict(screen.answers)
    return view


def _decision_and_steps(
    status: ScreenStatus,
) -> tuple[Decision, tuple[str, ...], tuple[str, ...]]:
    latest = status.latest
    if not status.due and latest is not None:
        outcome = latest.outcome
        return outcome.decision(), outcome.what_to_do, outcome.what_would_change_it
    if latest is None:
        reason = "No readiness screen yet: a few safety questions come before the first session."
    else:
        reason = f"A new readiness screen is needed: {status.why}."
    needed = Adjustment(SCREEN_NEEDED_RULE, reason, AdjustmentKind.BLOCK_SESSION)
    todo: tuple[str, ...] = ("Run hipcoach screen; it takes about a minute.",)
    change: tuple[str, ...] = ("Answering the screen; sessions follow what it says.",)
    if latest is not None and latest.outcome.decision().blocked:
        # An old stop still stands until a new screen says otherwise.
        outcome = latest.outcome
        blocks = tuple(a for a in outcome.adjustments if a.kind is AdjustmentKind.BLOCK_SESSION)
        decision = Decision(Verdict.STOP, (*blocks, needed))
        return decision, outcome.what_to_do + todo, outcome.what_would_change_it
    return Decision(Verdict.STOP, (needed,)), todo, change


def _repository(ctx: Context) -> ScreenRepository:
    from hipcoach.store.screens import ScreenRepository

    return ScreenRepository(ctx.journal.engine)
