"""The answers the browser player applies offline are the rules' own answers.

For any routine, any earlier report, and any report at any segment, looking up the
precomputed answer (as player/offline.js does) gives exactly the timeline the server
makes when the report reaches it, and leaves out everything the rules took out.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hipcoach import services
from hipcoach.domain.compiler import CompileOptions
from hipcoach.domain.decisions import AdjustmentKind
from hipcoach.services import live
from hipcoach.services.contingency import PLAYER_SYMPTOMS
from hipcoach.services.programs import local_today
from hipcoach.settings import Settings

ROUTINES = ("morning-pry", "rotation-circuit", "desk-break", "er-only")
SYMPTOMS = [s.value for s in PLAYER_SYMPTOMS]


@contextmanager
def screened() -> Iterator[services.Context]:
    from hipcoach.services.screening import screening_form, take_screen

    with tempfile.TemporaryDirectory() as folder:
        settings_ = Settings.from_env({"HIPCOACH_DATA_DIR": str(Path(folder))})
        with services.Context(settings_) as ctx:
            take_screen(ctx, {q.id: False for q in screening_form(ctx).questions if not q.follows})
            yield ctx


def renumbered(segments: list[dict[str, Any]], start: int) -> list[dict[str, Any]]:
    """player/offline.js's renumber, for comparing like with like."""
    clock = segments[start - 1]["end"] if start else 0
    out = segments[:start]
    for i, segment in enumerate(segments[start:], start):
        placed = {**segment, "index": i, "start": clock, "end": clock + segment["duration"]}
        clock = placed["end"]
        out.append(placed)
    return out


def apply_offline(session: dict[str, Any], kind: str, index: int) -> list[dict[str, Any]]:
    """player/offline.js's offlineAnswer: the lookup, nothing more."""
    answer = session["offline"][kind]
    kept = session["timeline"]["segments"][:index]
    if answer["end_session"]:
        return list(kept)
    tail = answer["tails"][answer["tail_at"][index]]
    return renumbered([*kept, *(answer["segments"][i] for i in tail)], index)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    routine=st.sampled_from(ROUTINES),
    earlier=st.none() | st.tuples(st.sampled_from(SYMPTOMS), st.floats(0, 0.99)),
    symptom=st.sampled_from(SYMPTOMS),
    where=st.floats(0, 0.99),
)
def test_the_offline_answer_is_the_servers_answer(
    routine: str, earlier: tuple[str, float] | None, symptom: str, where: float
) -> None:
    with screened() as ctx:
        started = live.start_live(ctx, local_today(), routine, CompileOptions())
        session = started.to_dict()
        sid = started.session_id
        if earlier is not None:
            kind, at = earlier
            first = live.report_live_symptom(
                ctx, sid, int(at * len(session["timeline"]["segments"])), kind
            )
            if first.end_session:
                return
            session = live.live_session(ctx, sid).to_dict()
        segments = session["timeline"]["segments"]
        index = int(where * len(segments))
        assert set(session["offline"]) == set(SYMPTOMS)
        device = apply_offline(session, symptom, index)

        answer = live.report_live_symptom(ctx, sid, index, symptom, session["fingerprint"])
        assert device == answer.timeline.to_dict()["segments"]
        assert session["offline"][symptom]["end_session"] is answer.end_session
        assert session["offline"][symptom]["message"] == answer.message
        assert answer.rule_id in session["offline"][symptom]["rule_ids"]
        # Nothing a rule in force took out plays after the report.
        dropped = {
            exercise
            for a in answer.decision.adjustments
            if a.kind in (AdjustmentKind.DROP_EXERCISES, AdjustmentKind.SUBSTITUTE)
            for exercise in a.exercise_ids
        }
        assert not {s["exercise_id"] for s in device[index:]} & dropped


def test_a_report_sent_late_is_never_applied_twice() -> None:
    import pytest

    from hipcoach.domain.errors import SessionStateError

    with screened() as ctx:
        started = live.start_live(ctx, local_today(), "morning-pry", CompileOptions())
        fingerprint = started.timeline.fingerprint()
        live.report_live_symptom(ctx, started.session_id, 3, "pinch", fingerprint)
        after = live.live_session(ctx, started.session_id)
        # The same report again (a retry whose first answer was lost): refused, unchanged.
        with pytest.raises(SessionStateError, match="not applied again"):
            live.report_live_symptom(ctx, started.session_id, 3, "pinch", fingerprint)
        assert live.live_session(ctx, started.session_id).timeline == after.timeline


def test_a_session_that_ended_carries_no_offline_answers() -> None:
    with screened() as ctx:
        started = live.start_live(ctx, local_today(), "morning-pry", CompileOptions())
        live.finish_live(ctx, started.session_id, completed=True)
        assert live.live_session(ctx, started.session_id).offline == {}
