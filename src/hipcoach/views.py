"""Plain-data shapes of domain values: the JSON both the CLI and the web API print."""

from __future__ import annotations

from typing import Any

from hipcoach.domain.exercise import DoseMode, Exercise
from hipcoach.domain.routine import Routine
from hipcoach.domain.timeline import SessionTimeline
from hipcoach.safety import SAFETY_NOTE

__all__ = [
    "SAFETY_NOTE",
    "checkin_report",
    "dose_text",
    "exercise_detail",
    "exercise_summary",
    "format_duration",
    "goal_summary",
    "history_row",
    "routine_summary",
]


def exercise_summary(exercise: Exercise) -> dict[str, Any]:
    return {
        "id": exercise.id,
        "name": exercise.name,
        "purpose": exercise.purpose,
        "category": exercise.category.value,
        "front_hip": exercise.front_hip.value,
        "back_hip": exercise.back_hip.value,
        "variant_of": exercise.variant_of,
        "source": exercise.source.id,
    }


def exercise_detail(exercise: Exercise) -> dict[str, Any]:
    dose = exercise.dose
    return {
        **exercise_summary(exercise),
        "source_title": exercise.source.title,
        "setup": list(exercise.setup),
        "action": list(exercise.action),
        "breathing": exercise.breathing,
        "effort": exercise.effort,
        "feel": [{"where": f.where, "what": f.what} for f in exercise.feel],
        "mistakes": list(exercise.mistakes),
        "safety": list(exercise.safety),
        "regressions": list(exercise.regressions),
        "progressions": list(exercise.progressions),
        "cue": exercise.cue,
        "spoken": exercise.spoken,
        "tags": list(exercise.tags),
        "dose": {
            "mode": dose.mode.value,
            "seconds": dose.seconds,
            "seconds_range": list(dose.seconds_range) if dose.seconds_range else None,
            "rounds": dose.rounds,
            "rest_seconds": dose.rest_seconds,
            "reps": dose.reps,
            "reps_range": list(dose.reps_range) if dose.reps_range else None,
            "tempo": (
                {"out": dose.tempo.out, "pause": dose.tempo.pause, "back": dose.tempo.back}
                if dose.tempo
                else None
            ),
            "effort_percent": dose.effort_percent,
            "per_side": True,
        },
    }


def routine_summary(routine: Routine, timeline: SessionTimeline) -> dict[str, Any]:
    return {
        "id": routine.id,
        "name": routine.name,
        "summary": routine.summary,
        "when": routine.when,
        "sources": list(routine.sources),
        "exercises": list(dict.fromkeys(step.exercise_id for step in routine.steps)),
        "sides": [s.value for s in routine.sides],
        "total_seconds": timeline.total_seconds,
        "notes": list(routine.notes),
    }


def format_duration(seconds: float) -> str:
    """Seconds as m:ss (or h:mm:ss past an hour)."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def dose_text(exercise: Exercise) -> str:
    """The default dose in words: 'hold 10-15 s x 3 rounds, 10 s rest, each side'."""
    dose = exercise.dose
    if dose.mode is DoseMode.POSITION:
        return f"about {dose.seconds} s to set up"
    if dose.mode is DoseMode.HOLD:
        span = dose.seconds_range
        hold = f"{span[0]}-{span[1]} s" if span and span[0] != span[1] else f"{dose.seconds} s"
        text = f"hold {hold}"
    else:
        span = dose.reps_range
        reps = f"{span[0]}-{span[1]}" if span and span[0] != span[1] else str(dose.reps)
        text = f"{reps} reps"
        if dose.tempo:
            t = dose.tempo
            text += f" (out {t.out} s, hold {t.pause} s, back {t.back} s)"
    if dose.rounds > 1:
        text += f" x {dose.rounds} rounds"
        if dose.rest_seconds:
            text += f", {dose.rest_seconds} s rest"
    text += ", each side"
    if dose.effort_percent:
        text += f", about {dose.effort_percent}% effort"
    return text


def history_row(row: Any) -> dict[str, Any]:
    """One line of the session history (a store HistoryRow) as plain data."""
    return {
        "session_id": row.session_id,
        "date": row.started_at.isoformat(),
        "routine": row.routine_id,
        "routine_name": row.routine_name,
        "status": row.status,
        "ended_by_rule": row.ended_by_rule,  # set when a rule ended it for safety
        "resumable": row.resumable,
        "segments_done": row.segments_done,
        "segments_completed": row.segments_completed,
        "segments_total": row.segments_total,
        "time_spent_seconds": round(row.time_spent_seconds, 1),
    }


def goal_summary(goal: Any) -> dict[str, Any]:
    """A goal a plan can aim at: its routine, how often, and how many levels it climbs."""
    return {
        "id": goal.id,
        "name": goal.name,
        "summary": goal.summary,
        "routine": goal.routine_id,
        "frequency": goal.frequency,
        "levels": len(goal.levels),
        "default_weeks": goal.default_weeks,
    }


def checkin_report(report: Any, next_session: dict[str, Any]) -> dict[str, Any]:
    """A check-in outside a session: what was recorded, the symptom rules, what comes next."""
    checkin = report.checkin
    return {
        "checkin": None
        if checkin is None
        else {
            "recorded_at": checkin.recorded_at.isoformat(),
            "pain": checkin.pain,
            "morning_after": checkin.morning_after,
        },
        "symptom_rules": list(report.symptoms),
        "next_session": next_session,
    }
