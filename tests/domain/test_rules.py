"""The rule engine: every rule from a table, conflicts and precedence, and properties.

The rules are data, so the tables run against the shipped rule book: they pin
what hipcoach does today. The properties hold for any check-in, history and set
of symptoms that hypothesis can find.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hipcoach.domain.adapt import adapt_routine
from hipcoach.domain.decisions import AdjustmentKind, Decision, Verdict
from hipcoach.domain.demands import forbidden_demands
from hipcoach.domain.exercise import Rotation
from hipcoach.domain.library import Library
from hipcoach.domain.rules import (
    ActiveFlags,
    CheckinBefore,
    CheckinError,
    MorningAfter,
    RuleBook,
    SessionHistory,
    SessionOutcome,
    Symptom,
    check_scale,
    decide_before_session,
    decide_symptom,
    derive_flags,
    parse_morning_after,
    parse_symptom,
    progression_signal,
    regression_days,
    resolve,
)
from hipcoach.library.loader import SHIPPED_ROOT, load_library_from
from hipcoach.library.rules import RULES_FILE, load_rules_from

RULES: RuleBook = load_rules_from(RULES_FILE)
LIBRARY: Library = load_library_from(SHIPPED_ROOT)
TODAY = date(2024, 11, 22)
IR_WORK = {e.id for e in LIBRARY.exercises.values() if e.back_hip is Rotation.INTERNAL}
BETTER, SAME, WORSE = MorningAfter.BETTER, MorningAfter.SAME, MorningAfter.WORSE
PINCH, CRAMP, KNEE, PAIN, SIT = (
    Symptom.PINCH,
    Symptom.CRAMP,
    Symptom.KNEE,
    Symptom.PAIN,
    Symptom.CANNOT_SIT_TALL,
)


def past(
    days_ago: int,
    after: int | None = 2,
    morning: MorningAfter | None = SAME,
    symptoms: frozenset[Symptom] = frozenset(),
) -> SessionOutcome:
    """A session `days_ago` days before TODAY."""
    day = TODAY - timedelta(days=days_ago)
    return SessionOutcome(day, pain_after=after, morning_after=morning, symptoms=symptoms)


def history(*sessions: SessionOutcome, pending: frozenset[Symptom] = frozenset()) -> SessionHistory:
    return SessionHistory(tuple(sorted(sessions, key=lambda s: s.day)), pending)


def dropped(decision: Decision) -> set[str]:
    """Exercises the decision leaves out: by name, or by a movement demand it forbids
    (a step it swaps for another is not left out)."""
    forbidden = forbidden_demands(decision.adjustments)
    swapped = {
        e
        for a in decision.adjustments
        if a.kind is AdjustmentKind.SUBSTITUTE
        for e in a.exercise_ids
    }
    by_demand = {e.id for e in LIBRARY.exercises.values() if e.demands & forbidden} - swapped
    by_name = {
        e
        for a in decision.adjustments
        if a.kind is AdjustmentKind.DROP_EXERCISES
        for e in a.exercise_ids
    }
    return by_name | by_demand


def swaps(decision: Decision) -> set[tuple[str, str | None]]:
    return {
        (e, a.replacement)
        for a in decision.adjustments
        if a.kind is AdjustmentKind.SUBSTITUTE
        for e in a.exercise_ids
    }


PINCH_SWAP = ("contralateral-pry", "er-only-press")


@dataclass(frozen=True)
class Case:
    checkin: CheckinBefore = field(default_factory=CheckinBefore)
    sessions: tuple[SessionOutcome, ...] = ()
    flags: frozenset[Symptom] = frozenset()
    red_flags: tuple[str, ...] = ()
    preferences: frozenset[str] = frozenset()
    verdict: Verdict = Verdict.PROCEED
    first: str = "pain.proceed"  # the deciding rule: first in precedence among those fired
    rules: set[str] = field(default_factory=set)  # every rule that fired (when given)
    cap: int | None = None


BEFORE_SESSION = {
    "nothing known": Case(rules={"pain.proceed"}),
    "pain now 0": Case(CheckinBefore(0)),
    "pain now 3 is safe": Case(CheckinBefore(3)),
    "pain now 4 holds": Case(CheckinBefore(4), verdict=Verdict.HOLD, first="pain.hold", cap=80),
    "pain now 5 holds": Case(CheckinBefore(5), verdict=Verdict.HOLD, first="pain.hold", cap=80),
    "pain now 6 regresses": Case(
        CheckinBefore(6), verdict=Verdict.REGRESS, first="pain.regress.high", cap=50
    ),
    "last session 6/10 regresses": Case(
        sessions=(past(1, after=6),), verdict=Verdict.REGRESS, first="pain.regress.high", cap=50
    ),
    "last session 5/10, settled by morning: hold": Case(
        sessions=(past(1, after=5, morning=SAME),), verdict=Verdict.HOLD, first="pain.hold", cap=80
    ),
    "worse this morning regresses": Case(
        CheckinBefore(2, WORSE),
        sessions=(past(1),),
        verdict=Verdict.REGRESS,
        first="pain.regress.worse-morning",
        cap=50,
    ),
    "a worse morning already on record regresses": Case(
        sessions=(past(1, morning=WORSE),),
        verdict=Verdict.REGRESS,
        first="pain.regress.worse-morning",
        cap=50,
    ),
    "5/10 that did not settle: regress, not hold": Case(
        CheckinBefore(None, WORSE),
        sessions=(past(1, after=5, morning=None),),
        verdict=Verdict.REGRESS,
        first="pain.regress.worse-morning",
        rules={"pain.regress.worse-morning"},
        cap=50,
    ),
    "two quiet sessions progress, capped at 80%": Case(
        CheckinBefore(1, SAME),
        sessions=(past(3, after=3), past(1, after=2, morning=None)),
        verdict=Verdict.PROGRESS,
        first="pain.progress",
        cap=80,
    ),
    "one quiet session is not enough": Case(CheckinBefore(1, BETTER), sessions=(past(1),)),
    "an unknown morning does not count as quiet": Case(
        sessions=(past(3), past(1, morning=None)),
    ),
    "an unknown pain after does not count as quiet": Case(
        CheckinBefore(0, SAME), sessions=(past(3), past(1, after=None))
    ),
    "a streak, but pain now 4: hold": Case(
        CheckinBefore(4, SAME),
        sessions=(past(3), past(1)),
        verdict=Verdict.HOLD,
        first="pain.hold",
        cap=80,
    ),
    "a red flag pauses": Case(
        CheckinBefore(0),
        red_flags=("night pain",),
        verdict=Verdict.PAUSE,
        first="program.pause.red-flag",
    ),
    "two regressions within 7 days pause": Case(
        sessions=(past(5, after=7), past(1, morning=WORSE)),
        verdict=Verdict.PAUSE,
        first="program.pause.regressions",
        rules={"program.pause.regressions", "pain.regress.worse-morning"},
        cap=50,
    ),
    "regressions 7 days apart do not": Case(
        sessions=(past(8, after=7), past(1, morning=WORSE)),
        verdict=Verdict.REGRESS,
        first="pain.regress.worse-morning",
        rules={"pain.regress.worse-morning"},
        cap=50,
    ),
    "two rules on one day are one regression": Case(
        sessions=(past(1, after=8, morning=WORSE),),
        verdict=Verdict.REGRESS,
        first="pain.regress.high",
        rules={"pain.regress.high", "pain.regress.worse-morning"},
        cap=50,
    ),
    "pain 7 today after a pinch this week pauses": Case(
        CheckinBefore(7),
        sessions=(past(3, symptoms=frozenset({PINCH})),),
        verdict=Verdict.PAUSE,
        first="program.pause.regressions",
        rules={"program.pause.regressions", "pain.regress.high"},
        cap=50,
    ),
    "an active pinch regresses at 40%": Case(
        flags=frozenset({PINCH}), verdict=Verdict.REGRESS, first="symptom.pinch", cap=40
    ),
    "knee: heels closer, hold the dose": Case(
        flags=frozenset({KNEE}), verdict=Verdict.HOLD, first="symptom.knee"
    ),
    "cannot sit tall: a block, dose unchanged": Case(
        flags=frozenset({SIT}), first="symptom.cannot-sit-tall", rules={"symptom.cannot-sit-tall"}
    ),
    "pain 7 and a pinch: the pinch decides, lowest cap wins": Case(
        CheckinBefore(7),
        flags=frozenset({PINCH}),
        verdict=Verdict.REGRESS,
        first="symptom.pinch",
        rules={"symptom.pinch", "pain.regress.high"},
        cap=40,
    ),
    "a streak and a pinch: regress, the step up waits": Case(
        CheckinBefore(0, SAME),
        sessions=(past(3), past(1)),
        flags=frozenset({PINCH}),
        verdict=Verdict.REGRESS,
        first="symptom.pinch",
        rules={"symptom.pinch", "pain.progress"},
        cap=40,
    ),
    "a streak and a block: progress on a block": Case(
        CheckinBefore(0, SAME),
        sessions=(past(3), past(1)),
        flags=frozenset({SIT}),
        verdict=Verdict.PROGRESS,
        first="pain.progress",
        rules={"pain.progress", "symptom.cannot-sit-tall"},
        cap=80,
    ),
    "a red flag beats everything": Case(
        CheckinBefore(9, WORSE),
        sessions=(past(1),),
        flags=frozenset({PINCH, KNEE}),
        red_flags=("numb leg",),
        verdict=Verdict.PAUSE,
        first="program.pause.red-flag",
        rules={
            "program.pause.red-flag",
            "program.pause.regressions",  # today's 9/10 and yesterday's worse morning
            "pain.regress.high",
            "pain.regress.worse-morning",
            "symptom.pinch",
            "symptom.knee",
        },
        cap=40,
    ),
    "heels-closer kept by choice": Case(
        preferences=frozenset({"heels-closer"}),
        first="preference.heels-closer",
        rules={"preference.heels-closer"},
    ),
    "heels-closer kept, and the knee rule's lifting is not said": Case(
        preferences=frozenset({"heels-closer"}),
        first="preference.heels-closer",
        rules={"preference.heels-closer"},
    ),
}


def _decide(case: Case, flags: ActiveFlags | None = None) -> Decision:
    return decide_before_session(
        RULES,
        TODAY,
        case.checkin,
        history(*case.sessions),
        flags if flags is not None else ActiveFlags(case.flags),
        case.red_flags,
        preferences=case.preferences,
    )


def test_a_kept_set_up_silences_the_knee_lifted_note() -> None:
    case = BEFORE_SESSION["heels-closer kept, and the knee rule's lifting is not said"]
    lifted = ActiveFlags(returning=frozenset({"symptom.knee.lifted"}))
    assert "symptom.knee.lifted" in _decide(Case(), lifted).rule_ids
    decision = _decide(case, lifted)
    assert "symptom.knee.lifted" not in decision.rule_ids
    assert decision.rule_ids == ("preference.heels-closer",)


@pytest.mark.parametrize("case", BEFORE_SESSION.values(), ids=BEFORE_SESSION.keys())
def test_before_session(case: Case) -> None:
    decision = _decide(case)
    assert decision.verdict is case.verdict
    assert decision.adjustments[0].rule_id == case.first
    if case.rules:
        assert set(decision.rule_ids) == case.rules
    assert decision.effort_cap == case.cap
    assert decision.blocked == decision.verdict.blocks_session
    assert all(a.reason for a in decision.adjustments)


def test_every_rule_is_fired_by_some_case() -> None:
    fired: set[str] = set()
    for case in BEFORE_SESSION.values():
        fired.update(_decide(case).rule_ids)
    for symptom in Symptom:
        for regressed in (False, True):
            fired.update(decide_symptom(RULES, symptom, ActiveFlags(regressed=regressed)).rule_ids)
    # Return stages fire from the history (tests/domain/test_carry.py walks them).
    stages = frozenset(r.id for r in RULES.rules.values() if r.returns_after)
    returning = ActiveFlags(returning=stages)
    fired.update(
        decide_before_session(RULES, TODAY, CheckinBefore(), history(), returning).rule_ids
    )
    assert fired == set(RULES.rules)


SYMPTOMS = {
    "pinch": (PINCH, ActiveFlags(), Verdict.REGRESS, "symptom.pinch", 40),
    "cramp": (CRAMP, ActiveFlags(), Verdict.HOLD, "symptom.cramp", 60),
    "knee": (KNEE, ActiveFlags(), Verdict.HOLD, "symptom.knee", None),
    "cannot sit tall": (SIT, ActiveFlags(), Verdict.PROCEED, "symptom.cannot-sit-tall", None),
    "pain": (PAIN, ActiveFlags(), Verdict.REGRESS, "symptom.pain-high", 50),
    "pinch again, once eased: stop": (
        PINCH,
        ActiveFlags(frozenset({PINCH}), regressed=True),
        Verdict.REGRESS,
        "symptom.pinch-again",
        None,
    ),
    "pain again, once eased: stop": (
        PAIN,
        ActiveFlags(regressed=True),
        Verdict.REGRESS,
        "symptom.pain-again",
        None,
    ),
    "knee while a pinch is on: both": (
        KNEE,
        ActiveFlags(frozenset({PINCH}), regressed=True),
        Verdict.REGRESS,
        "symptom.pinch",
        40,
    ),
    "cramp while eased: rest, no stop": (
        CRAMP,
        ActiveFlags(frozenset({PINCH}), regressed=True),
        Verdict.REGRESS,
        "symptom.pinch",
        40,
    ),
}


@pytest.mark.parametrize(
    ("symptom", "flags", "verdict", "first", "cap"), SYMPTOMS.values(), ids=SYMPTOMS.keys()
)
def test_mid_session_symptom(
    symptom: Symptom, flags: ActiveFlags, verdict: Verdict, first: str, cap: int | None
) -> None:
    decision = decide_symptom(RULES, symptom, flags)
    assert decision.verdict is verdict
    assert decision.adjustments[0].rule_id == first
    assert decision.effort_cap == cap
    assert decision.blocked == first.endswith("-again")


def test_pinch_drops_ir_work_swaps_the_pry_and_caps_the_press() -> None:
    decision = decide_symptom(RULES, "pinch", ActiveFlags())
    assert dropped(decision) == IR_WORK - {"contralateral-pry"}
    assert swaps(decision) == {PINCH_SWAP}
    assert decision.effort_cap == 40


def test_cramp_rests_then_retries_lighter() -> None:
    kinds = [a.kind for a in decide_symptom(RULES, "cramp", ActiveFlags()).adjustments]
    assert kinds == [AdjustmentKind.REST_THEN_RETRY, AdjustmentKind.CAP_EFFORT]


def test_knee_and_sit_tall_together_the_knee_setup_wins_and_the_block_becomes_a_note() -> None:
    decision = decide_before_session(
        RULES, TODAY, CheckinBefore(), history(), ActiveFlags(frozenset({KNEE, SIT}))
    )
    assert swaps(decision) == {("90-90-setup", "90-90-setup-heels-closer")}
    note = decision.adjustments[-1]
    assert (note.rule_id, note.kind) == ("symptom.cannot-sit-tall", AdjustmentKind.NOTE)
    assert "Not applied" in note.reason


def test_a_held_back_progression_says_so_and_keeps_its_cap() -> None:
    decision = decide_before_session(
        RULES,
        TODAY,
        CheckinBefore(0, SAME),
        history(past(3), past(1)),
        ActiveFlags(frozenset({KNEE})),
    )
    assert decision.verdict is Verdict.HOLD
    progress = [a for a in decision.adjustments if a.rule_id == "pain.progress"]
    assert progress
    assert "Not today" in progress[0].reason
    assert decision.effort_cap == 80


def test_red_flags_are_named_in_the_reason() -> None:
    decision = decide_before_session(
        RULES, TODAY, CheckinBefore(), history(), red_flags=("night pain",)
    )
    assert "night pain" in decision.adjustments[0].reason
    assert decision.blocked


@pytest.mark.parametrize(
    ("sessions", "pending", "active"),
    [
        ((past(1, symptoms=frozenset({PINCH})),), frozenset(), {PINCH}),
        ((past(4, symptoms=frozenset({PINCH})), past(3), past(2)), frozenset(), {PINCH}),
        ((past(4, symptoms=frozenset({PINCH})), past(3), past(2), past(1)), frozenset(), set()),
        ((past(1, symptoms=frozenset({CRAMP})),), frozenset({CRAMP}), set()),
        ((past(2, symptoms=frozenset({PAIN})),), frozenset(), {PAIN}),
        ((past(2, symptoms=frozenset({PAIN})), past(1)), frozenset(), set()),
        ((), frozenset({KNEE, SIT}), {KNEE, SIT}),
    ],
    ids=[
        "pinch last time",
        "pinch 3 sessions ago",
        "3 pinch-free sessions lift it",
        "a cramp is never carried",
        "pain carries one session",
        "and only one",
        "reported outside a session",
    ],
)
def test_flags_carry_for_their_sessions(
    sessions: tuple[SessionOutcome, ...], pending: frozenset[Symptom], active: set[Symptom]
) -> None:
    assert derive_flags(RULES, history(*sessions, pending=pending)).symptoms == active


@pytest.mark.parametrize(
    ("sessions", "today", "signal"),
    [
        ((), TODAY, Verdict.HOLD),
        ((past(3), past(1)), None, Verdict.PROGRESS),
        ((past(3), past(1, morning=None)), TODAY, Verdict.HOLD),
        ((past(1, after=4),), TODAY, Verdict.HOLD),
        ((past(1, after=6),), TODAY, Verdict.REGRESS),
        ((past(3), past(1, symptoms=frozenset({PINCH}))), TODAY, Verdict.REGRESS),
        ((past(3, after=7), past(1, after=6)), TODAY, Verdict.PAUSE),
        ((past(30, after=7), past(1, after=6)), TODAY, Verdict.REGRESS),
    ],
)
def test_progression_signal(
    sessions: tuple[SessionOutcome, ...], today: date | None, signal: Verdict
) -> None:
    assert progression_signal(RULES, history(*sessions), today) is signal


def test_regression_days_counts_days_in_the_window() -> None:
    days = regression_days(
        RULES, history(past(9, after=8), past(2, after=6)), TODAY, CheckinBefore(6)
    )
    assert days == (TODAY - timedelta(days=2), TODAY)


# ---- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("pain", [11, -1, True, 3.5, "4", None])
def test_a_pain_outside_0_to_10_is_refused_with_the_value(pain: object) -> None:
    with pytest.raises(CheckinError, match=r"pain must be .*0 to 10"):
        check_scale(pain)


def test_bad_checkins_and_symptoms_are_refused_clearly() -> None:
    with pytest.raises(CheckinError, match="pain now must be from 0 to 10, got 11"):
        CheckinBefore(11)
    with pytest.raises(CheckinError, match="unknown morning-after report 'awful'"):
        CheckinBefore(2, "awful")  # type: ignore[arg-type]
    with pytest.raises(CheckinError, match="unknown symptom 'elbow'; expected one of pinch"):
        decide_symptom(RULES, "elbow", ActiveFlags())
    assert parse_symptom(" Cannot-Sit-Tall ") is SIT
    assert parse_morning_after("WORSE") is WORSE


# ---- properties ------------------------------------------------------------------------

pains = st.none() | st.integers(0, 10)
mornings = st.none() | st.sampled_from(list(MorningAfter))
symptom_sets = st.frozensets(st.sampled_from(list(Symptom)))
checkins = st.builds(CheckinBefore, pains, mornings)
outcomes = st.builds(
    SessionOutcome,
    day=st.integers(0, 20).map(lambda n: TODAY - timedelta(days=n)),
    pain_before=pains,
    pain_after=pains,
    morning_after=mornings,
    symptoms=symptom_sets,
)
histories = st.builds(
    lambda s, p: SessionHistory(tuple(sorted(s, key=lambda o: o.day)), p),
    st.lists(outcomes, max_size=6),
    symptom_sets,
)
flag_sets = st.builds(ActiveFlags, symptom_sets, st.booleans())
red_flag_lists = st.lists(st.sampled_from(["night pain", "numb leg", "fever"]), max_size=2)


def _no_milder(before: Decision, after: Decision) -> None:
    """`after` is at least as cautious as `before`."""
    if after.blocked:
        return  # no session at all is the most cautious answer
    assert not before.blocked
    assert after.verdict.rank >= before.verdict.rank
    assert (after.effort_cap or 101) <= (before.effort_cap or 101)
    assert dropped(after) >= dropped(before)


def _ir_left(decision: Decision) -> set[str]:
    left = set()
    for routine in LIBRARY.routines.values():
        adapted = adapt_routine(routine, decision.adjustments, LIBRARY)
        left |= {s.exercise_id for s in adapted.steps} & IR_WORK
    return left


@settings(max_examples=200, deadline=None)
@given(checkins, histories, flag_sets, red_flag_lists)
def test_no_ir_end_range_work_while_a_pinch_is_active(
    checkin: CheckinBefore, past_sessions: SessionHistory, flags: ActiveFlags, red: list[str]
) -> None:
    flags = ActiveFlags(flags.symptoms | {PINCH}, flags.regressed)
    before = decide_before_session(RULES, TODAY, checkin, past_sessions, flags, red)
    assert _ir_left(before) == set()
    for symptom in Symptom:
        during = decide_symptom(RULES, symptom, flags)
        assert during.blocked or _ir_left(during) == set()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(sorted(RULES.rules)), min_size=1, max_size=8))
def test_the_strongest_verdict_wins_and_precedence_orders_the_changes(fired: list[str]) -> None:
    decision = resolve(RULES, [RULES.rule(r).decision() for r in fired])
    strongest = max(RULES.rule(r).verdict.rank for r in fired)
    assert decision.verdict.rank == strongest
    assert RULES.rule(decision.adjustments[0].rule_id).verdict.rank == strongest
    order = [RULES.precedence.index(a.rule_id) for a in decision.adjustments]
    assert order == sorted(order)
    assert set(decision.rule_ids) == set(fired)  # every fired rule keeps its say


@settings(max_examples=200, deadline=None)
@given(checkins, histories, flag_sets, st.sampled_from(list(Symptom)), red_flag_lists)
def test_adding_a_symptom_never_makes_a_decision_milder(
    checkin: CheckinBefore,
    past_sessions: SessionHistory,
    flags: ActiveFlags,
    extra: Symptom,
    red: list[str],
) -> None:
    more = ActiveFlags(flags.symptoms | {extra}, flags.regressed)
    _no_milder(
        decide_before_session(RULES, TODAY, checkin, past_sessions, flags, red),
        decide_before_session(RULES, TODAY, checkin, past_sessions, more, red),
    )
    _no_milder(
        decide_before_session(RULES, TODAY, checkin, past_sessions, flags),
        decide_before_session(RULES, TODAY, checkin, past_sessions, flags, ["fever"]),
    )
    for reported in Symptom:
        _no_milder(decide_symptom(RULES, reported, flags), decide_symptom(RULES, reported, more))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10), st.integers(0, 10), mornings, histories, flag_sets)
def test_more_pain_never_makes_a_decision_milder(
    a: int, b: int, morning: MorningAfter | None, past_sessions: SessionHistory, flags: ActiveFlags
) -> None:
    low, high = sorted((a, b))
    _no_milder(
        decide_before_session(RULES, TODAY, CheckinBefore(low, morning), past_sessions, flags),
        decide_before_session(RULES, TODAY, CheckinBefore(high, morning), past_sessions, flags),
    )
    _no_milder(
        decide_before_session(RULES, TODAY, CheckinBefore(low, morning), past_sessions, flags),
        decide_before_session(RULES, TODAY, CheckinBefore(low, WORSE), past_sessions, flags),
    )
