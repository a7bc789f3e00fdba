"""Plans in the store, run on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from hipcoach.store import Journal, StoreError
from hipcoach.store.plans import PlanRecord, PlanRepository
from tests.store.helpers import T0, start

START = date(2024, 11, 18)  # a Monday; T0 is Friday 22 November 2024, 08:00 UTC


def _create(repo: PlanRepository, profile_id: int, **changes: object) -> PlanRecord:
    fields: dict[str, object] = {
        "goal_id": "jammed-hips",
        "start_date": START,
        "weeks": 4,
        "weekdays": ("mon", "wed", "fri"),
        "time_of_day": "18:30",
        "now": T0,
    }
    fields.update(changes)
    return repo.create(profile_id, **fields)  # type: ignore[arg-type]


def test_a_new_plan_reads_back_as_the_active_one(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    repo = PlanRepository(journal.engine)
    assert repo.active(profile.id) is None
    made = _create(repo, profile.id)
    got = repo.active(profile.id)
    assert got == made
    assert got is not None
    assert (got.goal_id, got.start_date, got.weeks) == ("jammed-hips", START, 4)
    assert got.weekdays == ("mon", "wed", "fri")
    assert got.time_of_day == "18:30"
    assert (got.status, got.status_reason) == ("active", None)
    assert got.created_at == T0
    assert got.created_at.tzinfo is UTC


def test_a_new_plan_ends_the_current_one(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    other = journal.ensure_profile("ben")
    repo = PlanRepository(journal.engine)
    first = _create(repo, profile.id)
    theirs = _create(repo, other.id)
    second = _create(repo, profile.id, goal_id="unlock-stiff-hips", time_of_day=None)
    assert repo.active(profile.id) == second
    old = repo.get(first.id)
    assert old.status == "ended"
    assert old.status_reason == f"replaced by plan {second.id}"
    # Another profile's plan is left alone.
    assert repo.active(other.id) == theirs


def test_pause_resume_and_end(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    repo = PlanRepository(journal.engine)
    plan = _create(repo, profile.id)
    later = T0 + timedelta(days=2)
    paused = repo.set_status(plan.id, "paused", "seeing a physio", now=later)
    assert (paused.status, paused.status_reason, paused.updated_at) == (
        "paused",
        "seeing a physio",
        later,
    )
    assert repo.active(profile.id) == paused  # a paused plan is still the current one
    assert repo.set_status(plan.id, "active").status == "active"
    repo.set_status(plan.id, "ended", "done")
    assert repo.active(profile.id) is None
    with pytest.raises(StoreError, match="has ended"):
        repo.set_status(plan.id, "active")


def test_bad_status_and_unknown_ids_are_refused(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    repo = PlanRepository(journal.engine)
    plan = _create(repo, profile.id)
    with pytest.raises(StoreError, match="not 'sleeping'"):
        repo.set_status(plan.id, "sleeping")
    with pytest.raises(StoreError, match="no plan with id 9999"):
        repo.get(9999)
    with pytest.raises(StoreError, match="no profile"):
        _create(repo, 9999)
    with pytest.raises(StoreError, match="timezone-aware"):
        _create(repo, profile.id, now=datetime(2024, 11, 22, 8))


def test_the_table_refuses_weeks_out_of_range(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    repo = PlanRepository(journal.engine)
    with pytest.raises(StoreError, match="could not create the plan"):
        _create(repo, profile.id, weeks=0)
    assert repo.active(profile.id) is None  # nothing half-written


def test_completed_dates_count_linked_sessions_and_unlinked_ones_of_the_routine(
    journal: Journal,
) -> None:
    profile = journal.ensure_profile("ana")
    repo = PlanRepository(journal.engine)
    plan = _create(repo, profile.id)
    minutes_per_day = 24 * 60

    def session(day: int, routine: str = "rotation-circuit", status: str = "completed") -> str:
        session_id = start(journal, profile.id, minutes=day * minutes_per_day, routine_id=routine)
        if status != "in_progress":
            ended = T0 + timedelta(days=day, hours=1)
            journal.finish_session(session_id, status, ended_at=ended)  # type: ignore[arg-type]
        return session_id

    session(0)  # Fri 22 Nov: counts by date and routine
    session(1, routine="desk-break")  # another routine, unlinked: does not count
    linked = session(3, routine="desk-break")  # Mon 25 Nov, linked below: counts
    repo.link_session(linked, plan.id)
    session(5, status="partial")  # Wed 27 Nov: broken off, not done
    session(6, status="in_progress")
    session(60)  # long after the plan: outside the window
    got = repo.completed_dates(plan, "rotation-circuit", UTC)
    assert got == {date(2024, 11, 22), date(2024, 11, 25)}
    # Local dates: 08:00 UTC is still the previous evening in Honolulu.
    honolulu = timezone(timedelta(hours=-10))
    assert date(2024, 11, 21) in repo.completed_dates(plan, "rotation-circuit", honolulu)
    records = repo.sessions_for(plan)
    assert [r.plan_id for r in records].count(plan.id) == 1


def test_a_session_joins_only_a_plan_of_its_own_profile(journal: Journal) -> None:
    ana = journal.ensure_profile("ana")
    ben = journal.ensure_profile("ben")
    repo = PlanRepository(journal.engine)
    plan = _create(repo, ana.id)
    theirs = start(journal, ben.id)
    with pytest.raises(StoreError, match="its own profile"):
        repo.link_session(theirs, plan.id)
    with pytest.raises(StoreError, match="no session"):
        repo.link_session("nope", plan.id)
