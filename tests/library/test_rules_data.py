"""The shipped rule book: it loads, it matches the pain model, and broken copies are refused
with the file, the rule and the field named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hipcoach.domain.decisions import AdjustmentKind, Verdict
from hipcoach.domain.demands import forbidden_demands
from hipcoach.domain.errors import LibraryError
from hipcoach.domain.exercise import Rotation
from hipcoach.domain.rules import CONDITION_RULES, Symptom
from hipcoach.library.loader import SHIPPED_ROOT, load_library_from
from hipcoach.library.rules import RULES_FILE, check_against, load_rules, load_rules_from

SHIPPED_TEXT = RULES_FILE.read_text()
RULES = load_rules_from(RULES_FILE)
LIBRARY = load_library_from(SHIPPED_ROOT)
IR_WORK = {e.id for e in LIBRARY.exercises.values() if e.back_hip is Rotation.INTERNAL}


def test_the_shipped_rules_load_and_name_only_real_exercises() -> None:
    check_against(RULES, LIBRARY)
    assert load_rules() == RULES
    assert set(RULES.precedence) == set(RULES.rules)
    assert set(CONDITION_RULES) <= set(RULES.rules)
    assert {r.symptom for r in RULES.rules.values() if r.symptom} == set(Symptom)


def test_the_numbers_are_the_pain_model_defaults() -> None:
    limits = RULES.limits
    assert (limits.pain_safe_max, limits.pain_acceptable_max) == (3, 5)
    assert (limits.progress_after_sessions, limits.pause_after_regressions) == (2, 2)
    assert limits.regression_window_days == 7
    assert limits.session_counts_from_percent == 50
    assert RULES.rule("symptom.pinch.returning").decision().effort_cap == 40
    assert (RULES.progression.hold_seconds, RULES.progression.rounds) == (5, 1)
    assert RULES.rule("pain.progress").decision().effort_cap == 80
    assert "DEFAULT that a clinician can change" in SHIPPED_TEXT


def test_precedence_puts_safety_first() -> None:
    ranks = [RULES.rule(r).verdict.rank for r in RULES.precedence]
    assert ranks == sorted(ranks, reverse=True)
    assert RULES.precedence[:2] == ("program.pause.red-flag", "program.pause.regressions")
    assert RULES.precedence.index("symptom.knee") < RULES.precedence.index(
        "symptom.cannot-sit-tall"
    )


@pytest.mark.parametrize(
    "rule_id",
    ["symptom.pinch", "symptom.pain-high", "pain.regress.high", "pain.regress.worse-morning"],
)
def test_every_regression_takes_out_all_ir_end_range_work_and_keeps_er_work(rule_id: str) -> None:
    rule = RULES.rule(rule_id)
    forbidden = forbidden_demands(rule.adjustments)
    # Out by what they do to the hip, not by name: every exercise making a forbidden demand.
    gone = {e.id for e in LIBRARY.exercises.values() if e.demands & forbidden}
    for a in rule.adjustments:
        if a.kind is AdjustmentKind.SUBSTITUTE:
            gone.update(a.exercise_ids)
        if a.replacement:
            assert LIBRARY.exercise(a.replacement).back_hip is not Rotation.INTERNAL
            assert LIBRARY.exercise(a.replacement).front_hip is Rotation.EXTERNAL
    assert gone >= IR_WORK
    assert rule.verdict is Verdict.REGRESS
    assert rule.decision().effort_cap is not None


def test_reasons_are_filled_in_and_in_hipcoach_words() -> None:
    borrowed = re.compile(r"through the rug|war of forces|glued|hip nirvana|master key", re.I)
    for rule in RULES.rules.values():
        assert not re.search(r"[{}]", rule.reason), rule.id
        assert not borrowed.search(rule.reason), rule.id
        assert rule.reason.endswith("."), rule.id
    assert "3 sessions without a pinch" in RULES.rule("symptom.pinch").reason


def test_mid_session_rules_say_what_to_do_first() -> None:
    for rule in RULES.rules.values():
        if rule.symptom is not None and not rule.while_regressed:
            assert rule.interlude is not None, rule.id
        if rule.while_regressed:
            assert rule.decision().blocked, rule.id


BROKEN = {
    "an effort cap of 400%": (
        "effort_percent = 40\n",
        "effort_percent = 400\n",
        ("symptom.pinch", "adjustment.2.effort_percent", "less than or equal to 100"),
    ),
    "an unknown verdict": (
        'verdict = "hold"\nsymptom = "knee"',
        'verdict = "maybe"\nsymptom = "knee"',
        ("symptom.knee", "verdict"),
    ),
    "a rule the engine needs is missing": (
        'id = "pain.proceed"',
        'id = "pain.carry-on"',
        ("pain.proceed", "is missing; hipcoach evaluates this rule"),
    ),
    "a milder rule before a stronger one": (
        '  "pain.hold",                       # hold\n  "pain.progress",',
        '  "pain.progress",\n  "pain.hold",',
        ("'pain.hold' (hold) comes after the milder 'pain.progress'", "precedence"),
    ),
    "a rule listed twice": (
        '  "pain.proceed",                    # proceed\n',
        '  "pain.proceed",\n  "pain.proceed",\n',
        ("pain.proceed", "is listed twice"),
    ),
    "a rule left out of the precedence": (
        '  "pain.proceed",                    # proceed\n',
        "",
        ("pain.proceed", "is missing from the precedence"),
    ),
    "an unknown placeholder": (
        "after {carry_sessions} sessions",
        "after {cary_sessions} sessions",
        ("symptom.pinch", "reason", "bad placeholder 'cary_sessions'"),
    ),
    "a substitution with no replacement": (
        'replacement = "er-only-press"\n',
        "",
        ("symptom.pinch", "'substitute' needs replacement"),
    ),
    "a cap with exercises": (
        '[[rule.adjustment]]\nkind = "cap_effort"\neffort_percent = 60',
        '[[rule.adjustment]]\nkind = "cap_effort"\neffort_percent = 60\nexercises = ["er-press"]',
        ("symptom.cramp", "'cap_effort' takes no exercises"),
    ),
    "safe above acceptable": (
        "pain_safe_max = 3 ",
        "pain_safe_max = 6 ",
        ("limits", "pain_safe_max < pain_acceptable_max"),
    ),
    "an unknown field": (
        'id = "pain.hold"\n',
        'id = "pain.hold"\ncolour = "red"\n',
        ("pain.hold", "colour", "Extra inputs are not permitted"),
    ),
    "two rules for one symptom, none for another": (
        'symptom = "knee"',
        'symptom = "cramp"',
        ("symptom.cramp", "a second rule for 'cramp'"),
    ),
    "a symptom on a rule with its own condition": (
        'id = "pain.hold"\n',
        'id = "pain.hold"\nsymptom = "knee"\n',
        ("pain.hold", "is fired by its own condition"),
    ),
    "not TOML at all": ("precedence = [", "precedence = [[[", ("not valid TOML",)),
    "a return stage after a rule that carries nothing": (
        'returns_after = "symptom.pinch"',
        'returns_after = "symptom.cramp"',
        ("symptom.pinch.returning", "returns_after", "'symptom.cramp' is not a carried symptom"),
    ),
    "a return stage with no length": (
        'returns_after = "symptom.knee"\ncarry_sessions = 1',
        'returns_after = "symptom.knee"\ncarry_sessions = 0',
        ("symptom.knee.lifted", "a return stage needs carry_sessions"),
    ),
    "a return stage fired by a symptom": (
        'returns_after = "symptom.knee"\n',
        'returns_after = "symptom.knee"\nsymptom = "knee"\n',
        ("symptom.knee.lifted", "fires on a lifted rule, not on a symptom"),
    ),
    "two return stages for one rule": (
        'returns_after = "symptom.pain-high"',
        'returns_after = "symptom.pinch"',
        ("symptom.pain-high.returning", "'symptom.pinch.returning' already returns it"),
    ),
    "sessions that count with a tenth of their steps": (
        "session_counts_from_percent = 50",
        "session_counts_from_percent = 10",
        ("limits", "session_counts_from_percent", "greater than or equal to 25"),
    ),
    "a placeholder only a return stage has": (
        "comes back after {carry_sessions} sessions without knee",
        "comes back after {lifted_after} sessions without knee",
        ("symptom.knee", "bad placeholder 'lifted_after'"),
    ),
}


@pytest.mark.parametrize(("old", "new", "expected"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_rule_file_is_refused_naming_rule_and_field(
    tmp_path: Path, old: str, new: str, expected: tuple[str, ...]
) -> None:
    assert old in SHIPPED_TEXT
    path = tmp_path / "rules.toml"
    path.write_text(SHIPPED_TEXT.replace(old, new, 1))
    with pytest.raises(LibraryError) as caught:
        load_rules_from(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    for fragment in expected:
        assert fragment in message


def test_a_rule_naming_a_missing_exercise_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(SHIPPED_TEXT.replace('"90-90-setup-block"', '"90-90-setup-stool"'))
    with pytest.raises(LibraryError, match=r"symptom.cannot-sit-tall.*'90-90-setup-stool'"):
        check_against(load_rules_from(path), LIBRARY, path)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match="cannot be read"):
        load_rules_from(tmp_path / "nope.toml")
