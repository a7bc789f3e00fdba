"""A profile with every kind of record, and a way to compare dumps whose integer ids differ."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, update

from hipcoach.store import Journal
from hipcoach.store.export import owned_tables
from hipcoach.store.tables import (
    CheckinRow,
    HoldRow,
    MeasurementRow,
    PlanRow,
    PreferenceRow,
    QuestionnaireResponseRow,
    ScreenRow,
    SessionRow,
    SymptomEventRow,
)

T0 = datetime(2025, 3, 14, 7, 30, 0, 123456, tzinfo=UTC)
PSFS_ANSWERS = {
    "items": [
        {"activity": "Sitting cross-legged on the floor", "score": 4},
        {"activity": "Tying shoes — left foot", "score": 7},
    ]
}

# What a caution screen stores (store.screens.outcome_to_dict).
SCREEN_OUTCOME = {
    "status": "caution",
    "verdict": "modify",
    "form_version": 1,  # an older screen: its answers are not today's questions
    "valid_for_days": 90,
    "reasons": [
        {
            "rule_id": "screen.groin-clicking",
            "level": "caution",
            "question": "groin_clicking",
            "reason": "Clicking in the groin: no inward-turn end-range work for now.",
        }
    ],
    "adjustments": [],
    "what_to_do": [],
    "what_would_change_it": [],
}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def populate(journal: Journal, profile: str = "alice") -> int:
    """Give `profile` one or more records of every kind, through the journal where it can."""
    pid = journal.ensure_profile(profile).id
    engine = journal.engine
    with engine.begin() as conn:
        plan_id = conn.execute(
            insert(PlanRow).values(
                profile_id=pid,
                goal_id="jammed-hips",
                created_at=at(-60),
                updated_at=at(-30),
                start_date=date(2025, 3, 10),
                weeks=6,
                weekdays="mon,wed,fri",
                time_of_day="07:00",
                status="active",
                status_reason=None,
            )
        ).inserted_primary_key[0]
    session_id = journal.start_session(
        pid, "morning-pry", "Morning pry", {"sides": ["left", "right"]}, "f00d", 4, 240, at(0)
    )
    for index in range(3):
        journal.record_segment(
            session_id,
            index,
            "hold",
            "contralateral-pry",
            "left",
            "completed",
            30,
            30.25,
            at(index),
        )
    journal.finish_session(session_id, "partial", at(5))
    second = journal.start_session(pid, "desk-break", "Desk break", {}, "beef", 2, 60, at(60))
    journal.record_segment(second, 1, "hold", "er-stretch", "right", "skipped", 30, 2.5, at(61))
    with engine.begin() as conn:
        conn.execute(update(SessionRow).where(SessionRow.id == session_id).values(plan_id=plan_id))
        conn.execute(
            insert(ScreenRow).values(
                profile_id=pid,
                taken_at=at(-120),
                status="caution",
                answers_json=json.dumps({"groin_clicking": True, "age": "41"}, sort_keys=True),
                outcome_json=json.dumps(SCREEN_OUTCOME, sort_keys=True),
            )
        )
        conn.execute(
            insert(CheckinRow),
            [
                {
                    "profile_id": pid,
                    "session_id": session_id,
                    "moment": "before",
                    "recorded_at": at(-1),
                    "pain": 2,
                    "morning_after": None,
                    "effort": None,
                },
                {
                    "profile_id": pid,
                    "session_id": session_id,
                    "moment": "after",
                    "recorded_at": at(6),
                    "pain": 3,
                    "morning_after": "same",
                    "effort": 6,
                },
                {
                    "profile_id": pid,
                    "session_id": None,
                    "moment": "after",
                    "recorded_at": at(600),
                    "pain": None,
                    "morning_after": "better",
                    "effort": None,
                },
            ],
        )
        conn.execute(
            insert(SymptomEventRow).values(
                profile_id=pid,
                session_id=session_id,
                segment_index=2,
                symptom="pinch",
                recorded_at=at(3),
                rule_id="pinch-drop-ir",
                action="IR lift dropped for today",
            )
        )
        conn.execute(insert(MeasurementRow), measurements_for(pid))
        conn.execute(
            insert(QuestionnaireResponseRow),
            [
                {
                    "profile_id": pid,
                    "questionnaire_id": "psfs",
                    "answered_at": at(-90),
                    "answers_json": json.dumps(PSFS_ANSWERS, sort_keys=True),
                    "score": 5.5,
                },
                {
                    "profile_id": pid,
                    "questionnaire_id": "clinic-form",
                    "answered_at": at(-80),
                    "answers_json": json.dumps({"q1": "yes", "q2": [1, 2]}, sort_keys=True),
                    "score": None,
                },
            ],
        )
        conn.execute(
            insert(HoldRow),
            [
                {
                    "profile_id": pid,
                    "kind": "warning-sign",
                    "level": "clinician",
                    "since": at(-50),
                    "rule_ids_json": json.dumps(
                        ["screen.clinician.numbness", "program.pause.red-flag"]
                    ),
                    "reasons_json": json.dumps(["numb leg", "a warning sign"]),
                    "what_to_do": "See a clinician — bientôt.",
                    "signs_json": json.dumps(["numbness"]),
                    "lifted_at": at(-40),
                    "lifted_how": "clearance",
                    "cleared_by": "Dr Ngô",
                    "cleared_on": date(2025, 3, 14),
                    "clearance_note": "fine to train",
                },
                {
                    "profile_id": pid,
                    "kind": "regressions",
                    "level": "clinician",
                    "since": at(-20),
                    "rule_ids_json": json.dumps(["program.pause.regressions"]),
                    "reasons_json": json.dumps(["easier sessions twice in 7 days"]),
                    "what_to_do": "Book a visit.",
                    "signs_json": "[]",
                    "lifted_at": None,
                    "lifted_how": None,
                    "cleared_by": None,
                    "cleared_on": None,
                    "clearance_note": None,
                },
            ],
        )
        conn.execute(
            insert(PreferenceRow).values(
                profile_id=pid, key="heels-closer", value="true", updated_at=at(-5)
            )
        )
    return pid


def measurements_for(pid: int) -> list[dict[str, Any]]:
    base = {
        "profile_id": pid,
        "recorded_at": at(-10),
        "side": None,
        "movement": None,
        "method": None,
        "position": None,
        "note": None,
    }
    return [
        base
        | {
            "measured_at": at(-10),
            "kind": "rom",
            "value": 38.5,
            "unit": "deg",
            "side": "left",
            "movement": "internal_rotation",
            "method": "inclinometer",
            "position": "seated",
            "note": "phone zeroed on the shin; stretch, no pinch — ça va",
        },
        base
        | {
            "measured_at": at(-9),
            "kind": "rom",
            "value": 44.0,
            "unit": "deg",
            "side": "right",
            "movement": "external_rotation",
            "method": "goniometer",
            "position": "prone",
        },
        base | {"measured_at": at(-8), "kind": "pain", "value": 3, "unit": "nrs", "side": "left"},
        base | {"measured_at": at(-7), "kind": "global_rating", "value": 70, "unit": "percent"},
        base
        | {"measured_at": at(-6), "kind": "sit_tall", "value": 3, "unit": "score", "side": "right"},
    ]


def normalise(dump: dict[str, Any]) -> dict[str, Any]:
    """The dump with integer ids replaced by their rank, references following: ids may change."""
    records = dump["records"]
    ranks: dict[str, dict[Any, Any]] = {}
    for table in owned_tables():
        (pk,) = table.primary_key.columns
        if pk.type.python_type is int:
            ordered = sorted(row[pk.name] for row in records.get(table.name, []))
            ranks[table.name] = {old: n for n, old in enumerate(ordered, start=1)}
    out: dict[str, list[dict[str, Any]]] = {}
    for table in owned_tables():
        rows = []
        for row in records.get(table.name, []):
            row = dict(row)
            if table.name in ranks:
                row["id"] = ranks[table.name][row["id"]]
            for fk in table.foreign_keys:
                parent = fk.column.table.name
                if parent in ranks and row[fk.parent.name] is not None:
                    row[fk.parent.name] = ranks[parent][row[fk.parent.name]]
            rows.append(row)
        out[table.name] = sorted(rows, key=lambda r: str(r["id"]))
    return out


def table_counts(engine: Engine) -> dict[str, int]:
    """How many rows every table holds, profiles included."""
    from sqlalchemy import func, select

    from hipcoach.store.tables import Base

    with engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in Base.metadata.tables.items()
        }
