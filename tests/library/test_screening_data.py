"""The shipped readiness screen loads, covers the safety list, and refuses broken copies.

Broken copies are the shipped file with one thing bent; each must be refused
with the file name, the question id and the field, and no screen comes back.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hipcoach.domain.errors import LibraryError
from hipcoach.domain.screening import FlagLevel, QuestionType
from hipcoach.library.loader import SHIPPED_ROOT, load_library_from
from hipcoach.library.screening import SCREENING_FILE, load_screening, load_screening_from

SHIPPED = SCREENING_FILE.read_text()
EXERCISES = load_library_from(SHIPPED_ROOT).exercises.keys()

# DOMAIN.md's safety list, rule by rule: the screen must hold each of these.
EXPECTED_RULES = {
    "screen.urgent.trauma": FlagLevel.URGENT,
    "screen.urgent.cannot-bear-weight": FlagLevel.URGENT,
    "screen.urgent.leg-shape": FlagLevel.URGENT,
    "screen.urgent.hot-swollen": FlagLevel.URGENT,
    "screen.urgent.bowel-bladder": FlagLevel.URGENT,
    "screen.urgent.pale-cold-foot": FlagLevel.URGENT,
    "screen.clinician.night-pain": FlagLevel.CLINICIAN,
    "screen.clinician.weight-loss": FlagLevel.CLINICIAN,
    "screen.clinician.cancer": FlagLevel.CLINICIAN,
    "screen.clinician.steroids": FlagLevel.CLINICIAN,
    "screen.clinician.numbness": FlagLevel.CLINICIAN,
    "screen.clinician.under-18": FlagLevel.CLINICIAN,
    "screen.clinician.cleared": FlagLevel.CAUTION,
    "screen.clinician.groin-clicking": FlagLevel.CAUTION,
    "screen.replacement.not-cleared": FlagLevel.CLINICIAN,
    "screen.replacement.cleared": FlagLevel.CAUTION,
    "screen.replacement.posterior": FlagLevel.CAUTION,
    # Both hips replaced: each hip is asked on its own and raises its own flag.
    "screen.replacement.not-cleared-left": FlagLevel.CLINICIAN,
    "screen.replacement.cleared-left": FlagLevel.CAUTION,
    "screen.replacement.posterior-left": FlagLevel.CAUTION,
    "screen.replacement.not-cleared-right": FlagLevel.CLINICIAN,
    "screen.replacement.cleared-right": FlagLevel.CAUTION,
    "screen.replacement.posterior-right": FlagLevel.CAUTION,
    "screen.pregnancy.not-cleared": FlagLevel.CLINICIAN,
    "screen.pregnancy.cleared": FlagLevel.CAUTION,
    "screen.fai": FlagLevel.CAUTION,
}


def test_the_shipped_screen_loads_with_its_exercises_checked() -> None:
    form = load_screening_from(SCREENING_FILE, EXERCISES)
    rules = {f.rule_id: f.level for q in form.questions for f in q.flags}
    assert rules == EXPECTED_RULES
    assert form.max_age_days == 90
    assert len({q.id for q in form.questions}) == len(form.questions)


def test_the_cached_loader_gives_the_same_screen(tmp_path: Path) -> None:
    load_screening.cache_clear()
    try:
        assert load_screening(tmp_path) == load_screening_from(SCREENING_FILE)
        assert load_screening(tmp_path) is load_screening(tmp_path)
    finally:
        load_screening.cache_clear()


def test_every_adjustment_names_a_real_exercise() -> None:
    form = load_screening_from(SCREENING_FILE)
    for question in form.questions:
        for flag in question.flags:
            for adjustment in flag.adjustments:
                named = [*adjustment.exercise_ids, *filter(None, [adjustment.replacement])]
                assert set(named) <= set(EXERCISES), flag.rule_id


def test_the_questions_read_plainly() -> None:
    form = load_screening_from(SCREENING_FILE)
    assert "not medical care" in form.intro
    assert "diagnosis" in form.intro
    for question in form.questions:
        assert question.prompt.endswith("?"), question.id
        assert len(question.prompt) <= 80, question.id  # one line with its [y/n]
        assert question.help, question.id
        if question.type is QuestionType.CHOICE:
            assert len(question.options) >= 2
    text = SHIPPED.lower()
    assert "par-q" not in text.replace("not par-q+", "")  # Named only to say it is not used.


def write_copy(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    assert SHIPPED.count(old) >= count, f"the shipped file no longer holds {old!r}"
    path = tmp_path / "screening.toml"
    path.write_text(SHIPPED.replace(old, new, count))
    return path


# (text to replace, replacement, question id, field prefix, words in the problem)
BROKEN = [
    ('level = "urgent"', 'level = "urgnt"', "trauma", "question.0.flag.0.level", "urgent"),
    (
        'prompt = "Have you recently had a fall',
        'promt = "Have you recently had a fall',
        "trauma",
        "question.0",
        "",
    ),
    ('id = "cancer"', 'id = "trauma"', "trauma", "question.8.id", "two questions"),
    (
        'follows = ["under_18"]',
        'follows = ["under_81"]',
        "under_18_pain",
        "question.14.follows",
        "earlier",
    ),
    (
        'options = ["left", "right", "both"]',
        'options = ["left"]',
        "replacement_side",
        "question.16",
        "two",
    ),
    (
        'when = ["posterior", "unknown"]',
        'when = ["posterior", "maybe"]',
        "replacement_approach",
        "question.17",
        "maybe",
    ),
    (
        'unless = "clinician_cleared"',
        'unless = "pregnancy_cleared"',
        "night_pain",
        "question.6.flag.0.unless",
        "follows",
    ),
    (
        "effort_percent = 60",
        "effort_percent = 160",
        "clinician_cleared",
        "question.11.flag.0.adjust.0.effort_percent",
        "100",
    ),
    (
        'kind = "cap_effort"\n    effort_percent = 60',
        'kind = "cap_effort"',
        "clinician_cleared",
        "question.11.flag.0.adjust.0",
        "effort_percent",
    ),
    (
        'kind = "cap_effort"',
        'kind = "block_session"',
        "clinician_cleared",
        "question.11.flag.0.adjust.0.kind",
        "",
    ),
    (
        'rule = "screen.fai"',
        'rule = "screen.urgent.trauma"',
        "fai",
        "question.25.flag.0.rule",
        "used twice",
    ),
    ('rule = "screen.fai"', 'rule = "fai"', "fai", "question.25.flag.0.rule", "pattern"),
    ("max_age_days = 90", "max_age_days = 0", "readiness", "max_age_days", "1"),
]


@pytest.mark.parametrize(
    ("old", "new", "item", "field", "words"), BROKEN, ids=[b[3] for b in BROKEN]
)
def test_broken_copies_name_file_question_and_field(
    tmp_path: Path, old: str, new: str, item: str, field: str, words: str
) -> None:
    path = write_copy(tmp_path, old, new)
    with pytest.raises(LibraryError) as caught:
        load_screening_from(path, EXERCISES)
    error = caught.value
    assert error.file == "screening.toml"
    assert error.item_id == item
    assert error.field is not None
    assert error.field.startswith(field)
    assert words in error.problem
    assert str(error).startswith("screening.toml, id ")


def test_a_caution_without_adjustments_is_refused(tmp_path: Path) -> None:
    body = re.sub(
        r"(rule = \"screen\.fai\".*?)\n\n    \[\[question\.flag\.adjust\]\].*\Z",
        r"\1\n",
        SHIPPED,
        flags=re.S,
    )
    path = tmp_path / "screening.toml"
    path.write_text(body)
    with pytest.raises(LibraryError, match="needs at least one 'adjust'") as caught:
        load_screening_from(path)
    assert caught.value.item_id == "fai"


def test_an_unknown_exercise_is_refused_only_against_the_library(tmp_path: Path) -> None:
    path = write_copy(tmp_path, 'replacement = "er-only-press"', 'replacement = "er-only-pres"')
    load_screening_from(path)  # Without the library there is nothing to check against.
    with pytest.raises(
        LibraryError, match="'er-only-pres', which the library does not hold"
    ) as caught:
        load_screening_from(path, EXERCISES)
    field = "question.12.flag.0.adjust.0"
    assert (caught.value.item_id, caught.value.field) == ("groin_clicking", field)


def test_invalid_toml_is_refused_with_the_file_name(tmp_path: Path) -> None:
    path = write_copy(tmp_path, "[guidance.urgent]", "[guidance.urgent")
    with pytest.raises(LibraryError, match=r"^screening\.toml: not valid TOML"):
        load_screening_from(path)
