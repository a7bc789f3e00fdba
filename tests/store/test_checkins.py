"""Check-ins and symptom events in the journal, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hipcoach.store import Journal, StoreError
from hipcoach.store.checkins import CheckinRepository, SessionPlan, update_session_plan
from tests.store.helpers import T0, record, start


def _repo(journal: Journal) -> CheckinRepository:
    return CheckinRepository(journal.engine)


def _plan(session_id: str, at: int = 4, total: int = 12) -> SessionPlan:
    return SessionPlan(
        session_id,
        {"sides": ["right"], "splices": [{"at": at, "symptom": "pinch"}]},
        "fedcba9876543210",
        total_segments=total,
        total_seconds=700,
        replaced_from=at,
    )


def test_checkins_round_trip_in_order(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    repo = _repo(journal)
    before = repo.add_checkin(
        profile.id, "before", session_id=session_id, pain=3, morning_after="same", recorded_at=T0
    )
    after = repo.add_checkin(
        profile.id,
        "after",
        session_id=session_id,
        pain=2,
        effort=6,
        recorded_at=T0 + timedelta(minutes=9),
    )
    loose = repo.add_checkin(
        profile.id, "before", morning_after="worse", recorded_at=T0 + timedelta(days=1)
    )
    assert (before.pain, before.morning_after, before.effort) == (3, "same", None)
    assert (after.moment, after.pain, after.effort) == ("after", 2, 6)
    assert loose.session_id is None
    recent = repo.recent(profile.id, T0 - timedelta(hours=1))
    assert recent.checkins == (before, after, loose)
    assert [s.id for s in recent.sessions] == [session_id]
    assert recent.checkins[0].recorded_at.tzinfo is UTC
    assert repo.recent(profile.id, T0 + timedelta(hours=1)).checkins == (loose,)
    assert repo.recent(profile.id, T0 + timedelta(hours=1)).sessions == ()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"moment": "during"}, "'before' or 'after'"),
        ({"pain": 11}, "pain must be from 0 to 10, got 11"),
        ({"pain": -1}, "pain must be from 0 to 10"),
        ({"effort": 12}, "effort must be from 0 to 10"),
        ({"pain": True}, "pain must be from 0 to 10"),
        ({"morning_after": "awful"}, "morning-after must be one of"),
        ({"recorded_at": datetime(2024, 1, 1)}, "timezone-aware"),
        ({"session_id": "0" * 32}, "no session with id"),
    ],
)
def test_bad_checkins_are_refused_and_write_nothing(
    journal: Journal, fields: dict[str, object], message: str
) -> None:
    profile = journal.ensure_profile("ana")
    values: dict[str, object] = {"moment": "before", "pain": 2}
    values.update(fields)
    moment = values.pop("moment")
    with pytest.raises(StoreError, match=message):
        _repo(journal).add_checkin(profile.id, moment, **values)  # type: ignore[arg-type]
    assert _repo(journal).recent(profile.id, T0 - timedelta(days=3650)).checkins == ()


def test_another_profiles_session_is_not_yours_to_check_in_on(journal: Journal) -> None:
    ana = journal.ensure_profile("ana")
    ben = journal.ensure_profile("ben")
    session_id = start(journal, ana.id)
    with pytest.raises(StoreError, match="for this profile"):
        _repo(journal).add_checkin(ben.id, "after", session_id=session_id, pain=1)
    _repo(journal).add_checkin(ana.id, "after", session_id=session_id, pain=1)
    assert _repo(journal).recent(ben.id, T0 - timedelta(days=1)).checkins == ()


def test_a_symptom_with_a_plan_rewrites_the_session_in_the_same_transaction(
    journal: Journal,
) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    for index in (0, 1, 2, 3, 5):  # 5: recorded after going back, against the old plan
        record(journal, session_id, index)
    event = _repo(journal).record_symptom(
        profile.id,
        "pinch",
        "symptom.pinch",
        "no IR ankle lift; effort up to 40%",
        session_id=session_id,
        segment_index=4,
        recorded_at=T0 + timedelta(minutes=2),
        plan=_plan(session_id),
    )
    assert (event.symptom, event.rule_id, event.segment_index) == ("pinch", "symptom.pinch", 4)
    session = journal.get_session(session_id)
    assert session.options["splices"] == [{"at": 4, "symptom": "pinch"}]
    assert (session.fingerprint, session.total_segments, session.total_seconds) == (
        "fedcba9876543210",
        12,
        700,
    )
    assert session.done_indices == frozenset({0, 1, 2, 3})
    record(journal, session_id, 11)  # the new plan's last segment can now be recorded
    assert _repo(journal).session_symptoms(session_id) == (event,)


def test_a_plan_that_fails_leaves_no_symptom_behind(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    with pytest.raises(StoreError, match="must keep the segments already played"):
        _repo(journal).record_symptom(
            profile.id,
            "pinch",
            "symptom.pinch",
            "x",
            session_id=session_id,
            plan=_plan(session_id, at=8, total=5),
        )
    assert _repo(journal).session_symptoms(session_id) == ()
    assert journal.get_session(session_id).total_segments == 10


@pytest.mark.parametrize(
    ("symptom", "rule_id", "message"),
    [("elbow", "symptom.elbow", "unknown symptom 'elbow'"), ("knee", "", "needs the id")],
)
def test_bad_symptom_events_are_refused(
    journal: Journal, symptom: str, rule_id: str, message: str
) -> None:
    profile = journal.ensure_profile("ana")
    with pytest.raises(StoreError, match=message):
        _repo(journal).record_symptom(profile.id, symptom, rule_id, "x")
    assert _repo(journal).recent(profile.id, T0 - timedelta(days=3650)).symptoms == ()


def test_symptoms_outside_a_session_are_listed_with_the_rest(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    event = _repo(journal).record_symptom(
        profile.id,
        "cannot_sit_tall",
        "symptom.cannot-sit-tall",
        "next session: block",
        recorded_at=T0,
    )
    assert event.session_id is None
    assert _repo(journal).recent(profile.id, T0 - timedelta(minutes=1)).symptoms == (event,)


def test_update_session_plan_on_its_own(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    record(journal, session_id, 6)
    update_session_plan(journal.engine, _plan(session_id, at=6, total=8))
    session = journal.get_session(session_id)
    assert session.total_segments == 8
    assert session.done_indices == frozenset()
    with pytest.raises(StoreError, match="no session with id"):
        update_session_plan(journal.engine, _plan("1" * 32))
    with pytest.raises(StoreError, match="negative"):
        update_session_plan(journal.engine, _plan(session_id, at=0, total=-1))
