"""Pages with forms that write: the plan (new, pause, resume) and guided measuring.

Forms post back here and redirect (or re-render with the error next to its
field), so every page works without JS; each calls its API twin's services.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hipcoach.domain.errors import HipcoachError, NoPlanError
from hipcoach.domain.goals import WEEKDAY_NAMES
from hipcoach.web.deps import Ctx
from hipcoach.web.pages_main import blank
from hipcoach.web.templating import render

# Which measure input a refused value belongs next to, by the words its message starts with.
MEASURE_FIELDS = (
    ("left IR", "left_ir"),
    ("left ER", "left_er"),
    ("right IR", "right_ir"),
    ("right ER", "right_er"),
    ("pain", "pain"),
    ("global rating", "global_rating"),
    ("sit-tall", "sit_tall"),
    ("the score for", "psfs"),
    ("each PSFS", "psfs"),
    ("PSFS", "psfs"),
    ("--at", "at"),
    ("unknown method", "method"),
    ("unknown position", "position"),
)

router = APIRouter(include_in_schema=False)


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request, ctx: Ctx) -> Response:
    """The plan's calendar, level and adherence; or a form to make one."""
    return _plan(request, ctx)


@router.post("/plan", response_class=HTMLResponse)
async def plan_submit(request: Request, ctx: Ctx) -> Response:
    """Make a plan from the form; a refused value re-shows the form with the reason."""
    from hipcoach.services.programs import new_plan

    posted = await request.form()
    values = {k: str(v) for k, v in posted.items() if isinstance(v, str)}
    days = [str(d) for d in posted.getlist("days") if str(d) in WEEKDAY_NAMES]
    weeks_text = blank(values.get("weeks"))
    try:
        weeks = int(weeks_text) if weeks_text else None
    except ValueError:
        return _plan(request, ctx, form=values, error=("weeks", "weeks must be a whole number"))
    try:
        new_plan(
            ctx,
            values.get("goal", ""),
            days=",".join(days) or None,
            time=blank(values.get("time")),
            weeks=weeks,
        )
    except HipcoachError as exc:
        field = getattr(exc, "field", None) or _plan_field(str(exc))
        return _plan(request, ctx, form=values | {"days": days}, error=(field, str(exc)))
    return RedirectResponse("/plan", status_code=303)


def _plan_field(message: str) -> str:
    for word, field in (("goal", "goal"), ("week", "weeks"), ("time", "time"), ("day", "days")):
        if word in message:
            return field
    return "form"


@router.post("/plan/pause", response_class=HTMLResponse)
async def plan_pause(request: Request, ctx: Ctx) -> Response:
    """Pause the plan (with an optional reason)."""
    from hipcoach.services.programs import set_plan_status

    posted = await request.form()
    reason = posted.get("reason")
    set_plan_status(ctx, "paused", blank(reason) if isinstance(reason, str) else None)
    return RedirectResponse("/plan", status_code=303)


@router.post("/plan/resume", response_class=HTMLResponse)
def plan_resume(ctx: Ctx) -> Response:
    """Take a paused plan up again."""
    from hipcoach.services.programs import set_plan_status

    set_plan_status(ctx, "active")
    return RedirectResponse("/plan", status_code=303)


def _plan(
    request: Request,
    ctx: Any,
    form: dict[str, Any] | None = None,
    error: tuple[str, str] | None = None,
) -> Response:
    from hipcoach.services.programs import goals, show_plan

    try:
        plan = show_plan(ctx).to_dict()
    except NoPlanError:
        plan = None
    response = render(
        request,
        "plan.html.j2",
        "plan",
        plan=plan,
        calendar=_calendar(plan) if plan else [],
        goals=list(goals(ctx).values()),
        weekdays=WEEKDAY_NAMES,
        form=form or {},
        error=error,
    )
    response.status_code = 422 if error else 200
    return response


def _calendar(plan: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The plan's weeks as rows of seven days, each day with its mark (or a rest day)."""
    from datetime import date, timedelta

    start = date.fromisoformat(plan["start"])
    today = date.fromisoformat(plan["today"])
    marks = {e["date"]: e["mark"] for e in plan["schedule"]}
    weeks = []
    for week in range(plan["weeks"]):
        row = []
        for offset in range(7):
            day = start + timedelta(days=7 * week + offset)
            row.append(
                {"date": day, "mark": marks.get(day.isoformat(), "rest"), "today": day == today}
            )
        weeks.append(row)
    return weeks


@router.get("/measure", response_class=HTMLResponse)
def measure_page(request: Request, ctx: Ctx) -> Response:
    """The guided measurement: the steps in the product's words, then the values."""
    return _measure(request, ctx)


@router.post("/measure", response_class=HTMLResponse)
async def measure_submit(request: Request, ctx: Ctx) -> Response:
    """Record a sitting; a refused value re-shows the form with the message by its field."""
    from hipcoach.services.measurements import MeasureInput, record_measurements

    posted = await request.form()
    v = {k: str(x).strip() for k, x in posted.items() if isinstance(x, str)}
    angles = [
        (side, movement, v[f"{side}_{movement}"])
        for side in ("left", "right")
        for movement in ("ir", "er")
        if v.get(f"{side}_{movement}")
    ]
    activities = [str(a).strip() for a in posted.getlist("psfs_activity")]
    scores = [str(s).strip() for s in posted.getlist("psfs_score")]
    given = MeasureInput(
        at=v.get("at") or None,
        method=v.get("method") or "inclinometer",
        position=v.get("position") or "seated",
        angles=angles,
        pain=[(None, v["pain"])] if v.get("pain") else [],
        global_rating=v.get("global_rating") or None,
        sit_tall=[(s, v[f"sit_tall_{s}"]) for s in ("left", "right") if v.get(f"sit_tall_{s}")],
        psfs=[(a, s) for a, s in zip(activities, scores, strict=False) if a or s],
        note=v.get("note") or None,
    )
    try:
        saved = record_measurements(ctx, given)
    except HipcoachError as exc:
        message = str(exc)
        field = next((f for words, f in MEASURE_FIELDS if message.startswith(words)), "form")
        if "in the future" in message:
            field = "at"
        rows = list(zip(activities, scores, strict=False))
        return _measure(request, ctx, form=v, error=(field, message), rows=rows, code=422)
    return _measure(request, ctx, saved=saved)


def _measure(
    request: Request,
    ctx: Any,
    form: dict[str, str] | None = None,
    error: tuple[str, str] | None = None,
    saved: dict[str, Any] | None = None,
    rows: list[tuple[str, str]] | None = None,
    code: int = 200,
) -> Response:
    from hipcoach.services.measurements import (
        GUIDE_ID,
        SIT_TALL_ID,
        Measures,
        last_psfs_activities,
    )

    questionnaires = Measures(ctx).questionnaires
    response = render(
        request,
        "measure.html.j2",
        "measure",
        guide=questionnaires[GUIDE_ID],
        sit_tall=questionnaires[SIT_TALL_ID],
        form=form or {},
        error=error,
        saved=saved,
        psfs_rows=rows or [(a, "") for a in last_psfs_activities(ctx)],
    )
    response.status_code = code
    return response
