"""Clinical pauses: a warning sign is judged as the screen judges it, and a pause never expires.

The oracle for each sign is the screen itself: answering that one question yes
(and everything else no) on the shipped screen must raise exactly the flags a
check-in reporting the sign raises, with the same rule ids and reasons.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hipcoach.domain.decisions import AdjustmentKind, Verdict
from hipcoach.domain.holds import (
    ClearanceError,
    HoldKind,
    WarningSignError,
    check_clearance,
    hold_decision,
    warning_sign_hold,
    warning_signs,
)
from hipcoach.domain.rules import (
    PAUSE_REGRESSIONS,
    RED_FLAG,
    CheckinBefore,
    MorningAfter,
    SessionHistory,
    SessionOutcome,
    decide_before_session,
)
from hipcoach.domain.screening import FlagLevel, evaluate_screen
from hipcoach.library.loader import SHIPPED_ROOT, load_library_from
from hipcoach.library.rules import load_rules
from hipcoach.library.screening import SCREENING_FILE, load_screening_from

LIBRARY = load_library_from(SHIPPED_ROOT)
FORM = load_screening_from(SCREENING_FILE, library=LIBRARY)
RULES = load_rules()
PROGRAM = (RED_FLAG, RULES.rule(RED_FLAG).reason)
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
TODAY = NOW.date()
SIGNS = {q.sign.id: q for q in warning_signs(FORM) if q.sign is not None}
# The issue's list, in its words: every one must be reportable.
REQUIRED = {"numbness", "night-pain", "hot-swollen", "fall", "bladder-bowel", "pale-cold-foot"}


def _screen_alone(question_id: str) -> tuple[tuple[str, str], ...]:
    """(rule id, reason) of the stop flags the screen raises for a yes to this question only."""
    answers = {q.id: False for q in FORM.questions if not q.follows}
    answers[question_id] = True
    for q in FORM.questions:  # follow-ups it opens: "no" (not cleared), as a new report is
        if q.follows and question_id in q.follows and q.type.value == "yes_no":
            answers[q.id] = False
    outcome = evaluate_screen(FORM, answers)
    return tuple((r.rule_id, r.reason) for r in outcome.reasons if r.level.verdict.blocks_session)


def test_every_warning_sign_the_issue_names_can_be_reported() -> None:
    assert set(SIGNS) >= REQUIRED


@pytest.mark.parametrize("sign", sorted(SIGNS))
def test_a_sign_raises_the_screens_own_flags_with_its_wording_and_urgency(sign: str) -> None:
    hold = warning_sign_hold(FORM, [sign], NOW, PROGRAM)
    assert hold is not None
    expected = _screen_alone(SIGNS[sign].id)
    assert expected, f"{sign}: the screen itself must stop on this yes"
    assert tuple(zip(hold.rule_ids, hold.reasons, strict=True))[:-1] == expected
    assert hold.rule_ids[-1] == RED_FLAG
    levels = {f.level for f in SIGNS[sign].flags if True in f.when}
    assert hold.level is min(levels - {FlagLevel.CAUTION}, key=lambda v: v.rank)
    assert hold.what_to_do.startswith(FORM.guidance(hold.level).what_to_do)
    assert hold.verdict is (Verdict.STOP if hold.level is FlagLevel.URGENT else Verdict.PAUSE)
    assert hold.kind is HoldKind.WARNING_SIGN
    assert hold.is_open


def test_an_unknown_sign_is_refused_and_names_the_known_ones() -> None:
    with pytest.raises(WarningSignError, match="numbness"):
        warning_sign_hold(FORM, ["numbnes"], NOW, PROGRAM)


def test_no_sign_begins_no_pause() -> None:
    assert warning_sign_hold(FORM, [], NOW, PROGRAM) is None


@given(st.lists(st.sampled_from(sorted(SIGNS)), min_size=1, max_size=4))
def test_several_signs_keep_every_rule_and_the_strongest_urgency(signs: list[str]) -> None:
    hold = warning_sign_hold(FORM, signs, NOW, PROGRAM)
    assert hold is not None
    for sign in set(signs):
        for rule_id, _ in _screen_alone(SIGNS[sign].id):
            assert rule_id in hold.rule_ids
    urgent = any(f.level is FlagLevel.URGENT for s in signs for f in SIGNS[s].flags)
    assert (hold.level is FlagLevel.URGENT) == urgent


def _history(*days_and_mornings: tuple[date, MorningAfter | None]) -> SessionHistory:
    return SessionHistory(
        tuple(
            SessionOutcome(day=d, pain_before=2, pain_after=2, morning_after=m)
            for d, m in days_and_mornings
        )
    )


@given(days_later=st.integers(min_value=0, max_value=3650), pain=st.integers(0, 10))
def test_a_pause_blocks_every_day_after_it_with_no_end_date(days_later: int, pain: int) -> None:
    hold = warning_sign_hold(FORM, ["numbness"], NOW, PROGRAM)
    assert hold is not None
    decision = decide_before_session(
        RULES,
        TODAY + timedelta(days=days_later),
        CheckinBefore(pain_now=pain),
        SessionHistory(()),
        holds=[hold.decision()],
    )
    assert decision.blocked
    assert decision.verdict.blocks_session
    assert decision.rule_ids[: len(hold.rule_ids)] == hold.rule_ids
    assert "pain.proceed" not in decision.rule_ids  # nothing says "goes as planned"


def test_a_lifted_pause_blocks_nothing() -> None:
    from dataclasses import replace

    hold = warning_sign_hold(FORM, ["fall"], NOW, PROGRAM)
    assert hold is not None
    assert hold_decision([hold]) is not None
    assert hold_decision([replace(hold, lifted_at=NOW, lifted_how="clearance")]) is None


def test_regressions_before_a_clearance_do_not_pause_again() -> None:
    worse = MorningAfter.WORSE
    history = _history((TODAY - timedelta(days=3), worse), (TODAY - timedelta(days=1), worse))
    before = decide_before_session(RULES, TODAY, CheckinBefore(), history)
    assert PAUSE_REGRESSIONS in before.rule_ids
    after = decide_before_session(
        RULES, TODAY, CheckinBefore(), history, regressions_after=TODAY - timedelta(days=1)
    )
    assert PAUSE_REGRESSIONS not in after.rule_ids


def test_a_stored_regressions_pause_is_said_once() -> None:
    worse = MorningAfter.WORSE
    history = _history((TODAY - timedelta(days=3), worse), (TODAY - timedelta(days=1), worse))
    live = decide_before_session(RULES, TODAY, CheckinBefore(), history)
    held = next(a for a in live.adjustments if a.rule_id == PAUSE_REGRESSIONS)
    from hipcoach.domain.decisions import Decision

    stored = Decision(Verdict.PAUSE, (held,))
    both = decide_before_session(RULES, TODAY, CheckinBefore(), history, holds=[stored])
    assert both.rule_ids.count(PAUSE_REGRESSIONS) == 1
    assert all(
        a.kind is AdjustmentKind.BLOCK_SESSION
        for a in both.adjustments
        if a.rule_id == PAUSE_REGRESSIONS
    )


@pytest.mark.parametrize(
    ("by", "on", "note", "message"),
    [
        ("", TODAY, None, "who cleared you"),
        ("   ", TODAY, None, "who cleared you"),
        ("x" * 101, TODAY, None, "longer than 100"),
        ("Dr A", TODAY + timedelta(days=1), None, "in the future"),
        ("Dr A", TODAY - timedelta(days=400), None, "more than a year"),
        ("Dr A", TODAY, "n" * 501, "longer than 500"),
        ("Dr\x00A", TODAY, None, "control characters"),
    ],
)
def test_a_bad_clearance_is_refused_with_its_reason(
    by: str, on: date, note: str | None, message: str
) -> None:
    with pytest.raises(ClearanceError, match=message):
        check_clearance(by, on, note, TODAY)


def test_a_clearance_keeps_its_words_tidied() -> None:
    c = check_clearance("  Dr   Ngô ", TODAY, "  fine to train  ", TODAY)
    assert (c.by, c.on, c.note) == ("Dr Ngô", TODAY, "fine to train")
