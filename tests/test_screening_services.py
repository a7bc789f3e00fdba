"""The screen's use cases over a real journal (SQLite and PostgreSQL): what sessions may do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hipcoach.domain.decisions import AdjustmentKind, Verdict
from hipcoach.domain.screening import FlagLevel, Readiness, ScreenAnswerError
from hipcoach.services import Context
from hipcoach.services.screening import (
    SCREEN_NEEDED_RULE,
    SessionBlockedError,
    latest_screen,
    require_screen_allows_session,
    screen_decision,
    screen_history,
    screen_status,
    screen_view,
    screening_form,
    take_screen,
)
from hipcoach.settings import Settings

NOON = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TODAY = NOON.astimezone().date()


@pytest.fixture
def ctx(tmp_path: Path, database_url: str) -> Iterator[Context]:
    settings = Settings.from_env(
        {"HIPCOACH_DATA_DIR": str(tmp_path), "HIPCOACH_DATABASE_URL": database_url}
    )
    with Context(settings) as context:
        yield context


def no_to_all(ctx: Context, **given: Any) -> dict[str, Any]:
    return {q.id: False for q in screening_form(ctx).questions if not q.follows} | given


def test_without_a_screen_no_session_starts(ctx: Context) -> None:
    status = screen_status(ctx, TODAY)
    assert (status.latest, status.due, status.why) == (None, True, "never screened")
    decision = screen_decision(ctx, TODAY)
    assert decision.blocked
    assert decision.verdict is Verdict.STOP
    assert decision.rule_ids == (SCREEN_NEEDED_RULE,)
    with pytest.raises(SessionBlockedError, match="Run hipcoach screen") as caught:
        require_screen_allows_session(ctx, TODAY)
    assert "No readiness screen yet" in str(caught.value)


def test_a_clear_screen_lets_sessions_start_unchanged(ctx: Context) -> None:
    stored = take_screen(ctx, no_to_all(ctx), now=NOON)
    assert stored.status is Readiness.CLEAR
    assert latest_screen(ctx) == stored
    decision = require_screen_allows_session(ctx, TODAY)
    assert (decision.verdict, decision.adjustments) == (Verdict.PROCEED, ())
    status = screen_status(ctx, TODAY)
    assert (status.due, status.why) == (False, "last screen was today")
    assert status.valid_until == TODAY + timedelta(days=90)


def test_a_caution_screen_hands_its_adjustments_to_sessions(ctx: Context) -> None:
    take_screen(ctx, no_to_all(ctx, fai=True), now=NOON)
    decision = require_screen_allows_session(ctx, TODAY)
    assert decision.effort_cap == 60
    assert decision.rule_ids == ("screen.fai", "screen.fai")
    assert any(
        a.kind is AdjustmentKind.FORBID_DEMANDS
        and a.demands == ("passive-internal-rotation-stretch",)
        for a in decision.adjustments
    )


def test_a_stop_screen_blocks_and_says_why_and_what_would_change_it(ctx: Context) -> None:
    answers = no_to_all(
        ctx,
        replacement=True,
        replacement_side="left",
        replacement_approach="posterior",
        replacement_cleared=False,
    )
    take_screen(ctx, answers, now=NOON)
    assert screen_decision(ctx, TODAY).verdict is Verdict.PAUSE
    with pytest.raises(SessionBlockedError) as caught:
        require_screen_allows_session(ctx, TODAY)
    error = caught.value
    assert error.decision.blocked
    assert any("screen.replacement.not-cleared" in r for r in error.reasons)
    assert any("surgeon or physio" in t for t in error.what_would_change_it)
    text = str(error)
    for heading in ("Why:", "What to do:", "What would change it:"):
        assert heading in text


def test_a_newer_screen_replaces_a_stop(ctx: Context) -> None:
    take_screen(ctx, no_to_all(ctx, trauma=True), now=NOON - timedelta(days=10))
    take_screen(ctx, no_to_all(ctx), now=NOON)
    assert not screen_decision(ctx, TODAY).blocked
    assert [s.status for s in screen_history(ctx)] == [Readiness.CLEAR, Readiness.STOP]


@pytest.mark.parametrize(("days", "due"), [(89, False), (90, True), (200, True)])
def test_a_screen_lasts_ninety_days(ctx: Context, days: int, due: bool) -> None:
    take_screen(ctx, no_to_all(ctx), now=NOON - timedelta(days=days))
    status = screen_status(ctx, TODAY)
    assert status.due is due
    assert status.why.startswith(f"last screen was {days} days ago")
    decision = screen_decision(ctx, TODAY)
    assert decision.blocked is due
    if due:
        assert decision.rule_ids == (SCREEN_NEEDED_RULE,)
        assert "a screen lasts 90 days" in decision.adjustments[0].reason


def test_an_old_stop_still_blocks_with_its_own_reasons(ctx: Context) -> None:
    take_screen(
        ctx, no_to_all(ctx, cancer=True, clinician_cleared=False), now=NOON - timedelta(days=120)
    )
    decision = screen_decision(ctx, TODAY)
    assert decision.rule_ids == ("screen.clinician.cancer", SCREEN_NEEDED_RULE)
    assert decision.verdict is Verdict.STOP


def test_something_new_reported_makes_the_screen_due(ctx: Context) -> None:
    take_screen(ctx, no_to_all(ctx), now=NOON)
    status = screen_status(ctx, TODAY, new_report=True)
    assert status.due
    assert "something new" in status.why


@pytest.mark.parametrize(
    "bad",
    [
        {"trauma": "no"},
        {"replacement_side": "left"},
        {"sore_hip": True},
        {"replacement": True, "replacement_side": "middle"},
    ],
)
def test_bad_answers_store_nothing(ctx: Context, bad: dict[str, Any]) -> None:
    with pytest.raises(ScreenAnswerError):
        take_screen(ctx, no_to_all(ctx) | bad, now=NOON)
    with pytest.raises(ScreenAnswerError):
        take_screen(ctx, {}, now=NOON)
    assert screen_history(ctx) == []


def test_the_view_carries_every_reason_and_change(ctx: Context) -> None:
    stored = take_screen(ctx, no_to_all(ctx, groin_clicking=True), now=NOON)
    view = screen_view(stored)
    assert view["status"] == "caution"
    assert view["blocks_sessions"] is False
    assert [r["rule_id"] for r in view["reasons"]] == ["screen.clinician.groin-clicking"]
    assert view["adjustments"][0]["change"] == ("does er-only-press instead of contralateral-pry")
    assert view["answers"]["groin_clicking"] is True
    assert date.fromisoformat(view["taken_at"][:10]) == NOON.date()


def _store_version_1_screen(ctx: Context, answers: dict[str, Any]) -> None:
    """A screen as version 1 stored it: one approach for both hips, exercises dropped by id."""
    from hipcoach.domain.decisions import Adjustment
    from hipcoach.domain.screening import ScreenOutcome, ScreenReason
    from hipcoach.store.screens import ScreenRepository

    reason = "Older wording: two deep stretches are left out."
    outcome = ScreenOutcome(
        status=Readiness.CAUTION,
        reasons=(ScreenReason("screen.replacement.posterior", FlagLevel.CAUTION, "x", reason),),
        adjustments=(
            Adjustment(
                "screen.replacement.posterior",
                reason,
                AdjustmentKind.DROP_EXERCISES,
                ("ir-stretch", "er-stretch"),
            ),
        ),
        what_to_do=("Train with the changes listed.",),
        form_version=1,
    )
    ScreenRepository(ctx.journal.engine).save(ctx.profile_id, NOON, answers, outcome)


def test_a_version_1_screen_is_followed_under_todays_rules(ctx: Context) -> None:
    # Both hips, posterior, cleared, answered once on the old form: the old outcome
    # left the ER hinge and the IR heel lift in. Sessions follow the current rules.
    old = no_to_all(
        ctx,
        replacement=True,
        replacement_side="both",
        replacement_approach="posterior",
        replacement_cleared=True,
    )
    _store_version_1_screen(ctx, old)
    status = screen_status(ctx, TODAY)
    assert status.latest is not None
    assert not status.due
    assert status.latest.outcome.form_version == screening_form(ctx).version
    decision = require_screen_allows_session(ctx, TODAY)
    assert "screen.replacement.posterior-left" in decision.rule_ids
    assert "screen.replacement.posterior-right" in decision.rule_ids
    forbidden = {d for a in decision.adjustments for d in a.demands}
    assert {"lean-over-front-leg", "end-range-internal-rotation"} <= forbidden
    # What was answered then is shown as it was answered.
    assert dict(status.latest.answers)["replacement_approach"] == "posterior"


def test_a_version_1_screen_that_no_longer_fits_is_due_again(ctx: Context) -> None:
    old = no_to_all(ctx, replacement=True, replacement_side="left")  # never complete
    _store_version_1_screen(ctx, old)
    status = screen_status(ctx, TODAY)
    assert status.due
    assert "questions have changed" in status.why
    with pytest.raises(SessionBlockedError):
        require_screen_allows_session(ctx, TODAY)
