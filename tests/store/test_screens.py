"""Stored readiness screens, run on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from hipcoach.domain.screening import Readiness, ScreenOutcome, evaluate_screen
from hipcoach.library.screening import SCREENING_FILE, load_screening_from
from hipcoach.store import Journal, StoreError
from hipcoach.store.row_problems import collecting_row_problems
from hipcoach.store.screens import ScreenRepository, outcome_from_dict, outcome_to_dict
from hipcoach.store.tables import ScreenRow
from tests.store.helpers import T0

FORM = load_screening_from(SCREENING_FILE)
NO = {q.id: False for q in FORM.questions if not q.follows}
SAMPLES: dict[str, dict[str, Any]] = {
    "clear": NO,
    "caution": NO | {"fai": True, "groin_clicking": True},
    "cleared-replacement": NO
    | {
        "replacement": True,
        "replacement_side": "both",
        "replacement_approach_left": "posterior",
        "replacement_cleared_left": True,
        "replacement_approach_right": "anterior",
        "replacement_cleared_right": True,
    },
    "stop": NO | {"trauma": True, "pregnant": True, "pregnancy_cleared": False},
}


def take(repo: ScreenRepository, profile_id: int, sample: str, at: datetime = T0) -> int:
    answers = SAMPLES[sample]
    return repo.save(profile_id, at, answers, evaluate_screen(FORM, answers))


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_outcomes_survive_the_json_round_trip(sample: str) -> None:
    outcome = evaluate_screen(FORM, SAMPLES[sample])
    assert outcome_from_dict(outcome_to_dict(outcome)) == outcome


def test_an_outcome_stored_before_demands_existed_still_reads() -> None:
    # Version 1 of the screen dropped exercises by id and stored no "demands" key.
    data = outcome_to_dict(evaluate_screen(FORM, SAMPLES["cleared-replacement"]))
    data["form_version"] = 1
    for item in data["adjustments"]:
        del item["demands"]
    data["adjustments"].append(
        {
            "rule_id": "screen.replacement.posterior",
            "kind": "drop_exercises",
            "reason": "Left out on the older screen.",
            "exercise_ids": ["ir-stretch", "er-stretch"],
            "replacement": None,
            "effort_percent": None,
        }
    )
    outcome = outcome_from_dict(data)
    assert outcome.form_version == 1
    assert outcome.adjustments[-1].exercise_ids == ("ir-stretch", "er-stretch")
    assert all(a.demands == () for a in outcome.adjustments)


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_a_saved_screen_reads_back_whole(journal: Journal, sample: str) -> None:
    repo = ScreenRepository(journal.engine)
    profile = journal.ensure_profile("ana")
    local = T0.astimezone(timezone(timedelta(hours=-5)))
    screen_id = take(repo, profile.id, sample, at=local)
    got = repo.latest(profile.id)
    assert got is not None
    assert got.id == screen_id
    assert got.profile_id == profile.id
    assert got.taken_at == T0
    assert got.taken_at.tzinfo is UTC
    assert got.answers == SAMPLES[sample]
    assert got.outcome == evaluate_screen(FORM, SAMPLES[sample])
    assert got.status is got.outcome.status


def test_latest_is_the_newest_by_time_not_by_insertion(journal: Journal) -> None:
    repo = ScreenRepository(journal.engine)
    profile = journal.ensure_profile("ana")
    take(repo, profile.id, "clear", at=T0 + timedelta(days=2))
    take(repo, profile.id, "stop", at=T0)
    latest = repo.latest(profile.id)
    assert latest is not None
    assert latest.status is Readiness.CLEAR
    assert [s.status for s in repo.history(profile.id)] == [Readiness.CLEAR, Readiness.STOP]
    assert len(repo.history(profile.id, limit=1)) == 1


def test_profiles_never_see_each_others_screens(journal: Journal) -> None:
    repo = ScreenRepository(journal.engine)
    ana = journal.ensure_profile("ana")
    ben = journal.ensure_profile("ben")
    take(repo, ana.id, "stop")
    assert repo.latest(ben.id) is None
    assert repo.history(ben.id) == []


def test_a_naive_time_is_refused_and_nothing_is_stored(journal: Journal) -> None:
    repo = ScreenRepository(journal.engine)
    profile = journal.ensure_profile("ana")
    with pytest.raises(StoreError, match="timezone-aware"):
        take(repo, profile.id, "clear", at=datetime(2025, 1, 1, 8, 0))
    assert repo.history(profile.id) == []


def test_an_unknown_profile_is_refused(journal: Journal) -> None:
    repo = ScreenRepository(journal.engine)
    with pytest.raises(StoreError, match="no profile with id 999"):
        take(repo, 999, "clear")


def test_answers_that_are_not_json_are_refused(journal: Journal) -> None:
    repo = ScreenRepository(journal.engine)
    profile = journal.ensure_profile("ana")
    outcome = ScreenOutcome(Readiness.CLEAR)
    with pytest.raises(StoreError, match="JSON"):
        repo.save(profile.id, T0, {"trauma": object()}, outcome)  # type: ignore[dict-item]
    assert repo.history(profile.id) == []


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("status", "clear"),
        ("outcome_json", "{}"),
        ("outcome_json", "not json"),
        ("answers_json", "[]"),
    ],
)
def test_a_bent_row_is_refused_rather_than_read_as_clear(
    journal: Journal, column: str, value: str
) -> None:
    repo = ScreenRepository(journal.engine)
    profile = journal.ensure_profile("ana")
    screen_id = take(repo, profile.id, "stop")
    with Session(journal.engine) as db, db.begin():
        db.execute(update(ScreenRow).where(ScreenRow.id == screen_id).values({column: value}))
    # Neither read as clear nor a crash: no latest screen (one is due), and the row named.
    with collecting_row_problems() as left_out:
        assert repo.latest(profile.id) is None
    assert [(p.table, p.row_id) for p in left_out] == [("screens", screen_id)]


def test_database_errors_become_store_errors(journal: Journal) -> None:
    repo = ScreenRepository(journal.engine)
    profile = journal.ensure_profile("ana")
    # The table gone from under the repository: reads and writes fail with the journal's error.
    ScreenRow.__table__.drop(journal.engine)
    with pytest.raises(StoreError, match="could not read the screens"):
        repo.latest(profile.id)
    with pytest.raises(StoreError, match="could not store the screen"):
        take(repo, profile.id, "clear")
