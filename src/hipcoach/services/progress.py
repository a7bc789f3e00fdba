"""The progress view: everything `hipcoach progress` shows, computed once as plain values.

The JSON output and every report format (HTML, PDF, PNG) read the same view,
so a figure in the report is always the figure in `--json`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from hipcoach.domain.insights import (
    Asymmetry,
    Band,
    Phase,
    PhaseComparison,
    SeriesSummary,
    Trend,
    asymmetry,
    blocks,
    normal_range_position,
    phase_comparison,
    rom_trends,
    series_summary,
)
from hipcoach.domain.measurements import HipSide, Kind, PsfsResponse, RomMeasurement
from hipcoach.domain.norms import Arc, Norms, rotation_arcs
from hipcoach.safety import SAFETY_NOTE
from hipcoach.services.context import Context
from hipcoach.services.measurements import SIT_TALL_ID, Measures, local_zone
from hipcoach.store.measurements import PSFS_ID

# Retests every 2-4 weeks are the usual advice; 4-week blocks give each block
# a first and a latest reading to compare.
BLOCK_WEEKS = 4
# Without a plan, the calendar shows this many weeks up to today.
CALENDAR_WEEKS = 12


@dataclass(frozen=True)
class CalendarDay:
    """One day of the adherence calendar."""

    day: date
    status: str  # done, missed, today, upcoming, bonus, rest (with a plan); done, partial, none


@dataclass(frozen=True)
class Calendar:
    """Days from `start` to `end`, marked against the plan (or just what was done)."""

    start: date
    end: date
    days: tuple[CalendarDay, ...]
    plan: dict[str, Any] | None  # the plan and its adherence, as the programs service gives it


@dataclass(frozen=True)
class ProgressView:
    """Everything the progress report shows."""

    profile: str
    generated_at: datetime
    today: date
    norms: Norms
    trends: tuple[Trend, ...]
    latest: tuple[tuple[Trend, Band], ...]
    asymmetries: tuple[Asymmetry, ...]
    arcs: tuple[Arc, ...]
    phases: tuple[PhaseComparison, ...]
    calendar: Calendar
    pain: SeriesSummary
    global_rating: SeriesSummary
    sit_tall: dict[HipSide, SeriesSummary]
    sit_tall_label: str
    sit_tall_own_score: bool  # hipcoach made the score up; every surface must say so
    psfs: SeriesSummary
    psfs_responses: tuple[PsfsResponse, ...]

    @property
    def empty(self) -> bool:
        return not (
            self.trends
            or self.pain.points
            or self.global_rating.points
            or self.psfs.points
            or any(s.points for s in self.sit_tall.values())
        )


def build_progress(ctx: Context, today: date | None = None) -> ProgressView:
    """Read the profile's measurements, responses and plan, and work out what they say."""
    measures = Measures(ctx)
    zone = local_zone()
    now = datetime.now(UTC)
    today = today or now.astimezone(zone).date()
    repo = measures.repository
    records = repo.measurements(ctx.profile_id)
    angles = [_local(r.to_rom(), zone) for r in records if r.kind == Kind.ROM.value]
    scores = [r.to_score() for r in records if r.kind != Kind.ROM.value]
    thresholds = measures.norms.thresholds
    trends = rom_trends(angles, thresholds)
    psfs = [r.to_psfs() for r in repo.responses(ctx.profile_id, PSFS_ID)]
    psfs_data = measures.questionnaires[PSFS_ID].scoring
    calendar = _calendar(ctx, today, zone)
    phases = _phases(calendar, angles, today)

    def series(kind: Kind, side: HipSide | None = None) -> SeriesSummary:
        return series_summary(
            (s.measured_at, s.value)
            for s in scores
            if s.kind is kind and (side is None or s.side is side)
        )

    return ProgressView(
        profile=ctx.settings.profile,
        generated_at=now,
        today=today,
        norms=measures.norms,
        trends=tuple(trends),
        latest=tuple(
            (t, normal_range_position(t.last, t.movement, t.position, measures.norms))
            for t in trends
        ),
        asymmetries=tuple(asymmetry(angles, thresholds)),
        arcs=tuple(rotation_arcs(angles, measures.norms)),
        phases=tuple(phase_comparison(angles, phases, thresholds)),
        calendar=calendar,
        pain=series(Kind.PAIN),
        global_rating=series(Kind.GLOBAL_RATING),
        sit_tall={side: series(Kind.SIT_TALL, side) for side in (HipSide.RIGHT, HipSide.LEFT)},
        sit_tall_label=measures.questionnaires[SIT_TALL_ID].title,
        sit_tall_own_score=measures.questionnaires[SIT_TALL_ID].own_score,
        psfs=series_summary(
            ((r.answered_at, r.score) for r in psfs),
            psfs_data.meaningful_change if psfs_data else None,
        ),
        psfs_responses=tuple(psfs),
    )


def _local(angle: RomMeasurement, zone: tzinfo) -> RomMeasurement:
    """The reading with its time in the person's zone, so its date is their date."""
    return replace(angle, measured_at=angle.measured_at.astimezone(zone))


def _phases(calendar: Calendar, angles: list[RomMeasurement], today: date) -> list[Phase]:
    """The whole plan (or all readings) and its 4-week blocks."""
    if calendar.plan is not None:
        start = date.fromisoformat(calendar.plan["start"])
        end = min(date.fromisoformat(calendar.plan["end"]), today)
        whole = "The whole plan"
    elif angles:
        start = min(a.measured_at.date() for a in angles)
        end = max(today, max(a.measured_at.date() for a in angles))
        whole = "All readings"
    else:
        return []
    if end < start:
        return []
    return [Phase(whole, start, end), *blocks(start, end, BLOCK_WEEKS)]


def _calendar(ctx: Context, today: date, zone: tzinfo) -> Calendar:
    """The plan's days marked done, missed, today, upcoming or bonus; rest days between.

    Adherence and streaks are the programs service's (domain/adherence.py), so
    the report and `hipcoach plan` can never disagree. Without a plan, the
    calendar shows the sessions the journal holds for the last weeks.
    """
    from hipcoach.domain.errors import NoPlanError, PlanError
    from hipcoach.services.programs import show_plan

    try:
        plan_view = show_plan(ctx, today)
    except (NoPlanError, PlanError):
        # No plan, or one this version cannot read: the measurements still deserve a report.
        plan_view = None
    if plan_view is not None:
        plan = plan_view.to_dict()
        marks = {e.date: e.mark.value for e in plan_view.entries}
        start, end = plan_view.plan.start, plan_view.plan.end
    else:
        plan = None
        start = today - timedelta(weeks=CALENDAR_WEEKS) + timedelta(days=1)
        end = today
        marks = _journal_marks(ctx, start, zone)
    # Inside a plan, a day without a mark is a rest day; without a plan, just a day.
    idle = "rest" if plan is not None else "none"
    days = []
    day = start
    while day <= end:
        days.append(CalendarDay(day, marks.get(day, idle)))
        day += timedelta(days=1)
    return Calendar(start, end, tuple(days), plan)


def _journal_marks(ctx: Context, since: date, zone: tzinfo) -> dict[date, str]:
    """Days with a session since `since`: 'done' when one completed, else 'partial'."""
    marks: dict[date, str] = {}
    for row in ctx.journal.history(ctx.profile_id, limit=10_000):
        day = row.started_at.astimezone(zone).date()
        if day < since:
            break  # history is newest first
        if row.status == "completed" or day not in marks:
            marks[day] = "done" if row.status == "completed" else "partial"
    return marks


def _series_json(s: SeriesSummary, digits: int = 2) -> dict[str, Any]:
    return {
        "points": [{"at": at.isoformat(), "value": round(v, digits)} for at, v in s.points],
        "first": s.first,
        "last": s.last,
        "change": s.change,
        "meaningful_change": s.meaningful_change,
        "meaningful": s.meaningful,
    }


def _trend_json(t: Trend) -> dict[str, Any]:
    return {
        "side": t.side.value,
        "movement": t.movement.value,
        "method": t.method.value,
        "position": t.position.value,
        "first": t.first,
        "last": t.last,
        "change": t.change,
        "threshold": t.threshold,
        "real_change": t.real_change,
        "direction": t.direction.value,
        "points": [
            {"at": p.measured_at.isoformat(), "degrees": p.degrees, "real": p.real}
            for p in t.points
        ],
    }


def _band_json(b: Band) -> dict[str, Any]:
    return {
        "value": b.value,
        "status": b.status.value,
        "low": b.low,
        "high": b.high,
        "typical": b.typical,
    }


def progress_json(view: ProgressView) -> dict[str, Any]:
    """The view as plain data, for --json (and any web page later)."""
    cal = view.calendar
    return {
        "profile": view.profile,
        "generated_at": view.generated_at.isoformat(),
        "today": view.today.isoformat(),
        "safety": SAFETY_NOTE,
        "rom": {
            "threshold_notes": list(view.norms.notes),
            "trends": [_trend_json(t) for t in view.trends],
            "latest": [
                {
                    "side": t.side.value,
                    "movement": t.movement.value,
                    "method": t.method.value,
                    "position": t.position.value,
                    "at": t.points[-1].measured_at.isoformat(),
                    "band": _band_json(b),
                }
                for t, b in view.latest
            ],
            "asymmetry": [
                {
                    "movement": a.movement.value,
                    "method": a.method.value,
                    "position": a.position.value,
                    "on": a.on.isoformat(),
                    "left": a.left,
                    "right": a.right,
                    "difference": a.difference,
                    "threshold": a.threshold,
                    "notable": a.notable,
                    "lower_side": a.lower_side.value if a.lower_side else None,
                }
                for a in view.asymmetries
            ],
            "arcs": [
                {"side": a.side.value, "method": a.method.value, "on": a.on.isoformat()}
                | {"band": _band_json(a.band)}
                for a in view.arcs
            ],
            "phases": [
                {
                    "phase": p.phase.label,
                    "start": p.phase.start.isoformat(),
                    "end": p.phase.end.isoformat(),
                }
                | {k: v for k, v in _trend_json(p.trend).items() if k != "points"}
                for p in view.phases
            ],
        },
        "adherence": {
            "plan": cal.plan,
            "start": cal.start.isoformat(),
            "end": cal.end.isoformat(),
            "calendar": [{"date": d.day.isoformat(), "status": d.status} for d in cal.days],
        },
        "pain": _series_json(view.pain),
        "global_rating": _series_json(view.global_rating),
        "sit_tall": {
            "label": view.sit_tall_label,
            "own_score": view.sit_tall_own_score,
            "sides": {side.value: _series_json(s) for side, s in view.sit_tall.items()},
        },
        "psfs": _series_json(view.psfs)
        | {
            "responses": [
                {
                    "at": r.answered_at.isoformat(),
                    "score": r.score,
                    "items": [{"activity": i.activity, "score": i.score} for i in r.items],
                }
                for r in view.psfs_responses
            ]
        },
    }
