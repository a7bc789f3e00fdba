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
def plan_resume(request: Request, ctx: Ctx) -> Response:
    """Take a paused plan up again."""
    from hipcoach.services.programs import set_plan_status

    try:
        set_plan_status(ctx, "active")
    except HipcoachError as exc:  # a clinical pause alone, or nothing paused: say so
        return _plan(request, ctx, error=("form", str(exc)))
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
    since = date.fromisoformat(plan["paused_since"]) if plan.get("paused_since") else None
    marks = {e["date"]: e["mark"] for e in plan["schedule"]}
    weeks = []
    for week in range(plan["weeks"]):
        row = []
        for offset in range(7):
            day = start + timedelta(days=7 * week + offset)
            row.append(
                {
                    "date": day,
                    "mark": marks.get(day.isoformat(), "rest"),
                    "today": day == today,
                    "paused": since is not None and day >= since,
                }
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


@router.get("/safety", response_class=HTMLResponse)
def safety_page(request: Request, ctx: Ctx) -> Response:
    """The pauses in force and what lifts them, a clearance form, and a warning-sign report."""
    return _safety(request, ctx)


@router.post("/safety/report", response_class=HTMLResponse)
async def safety_report(request: Request, ctx: Ctx) -> Response:
    """Report warning signs: each pauses sessions as the screen would (services.holds)."""
    from hipcoach.services.checkins import report_outside_session
    from hipcoach.services.programs import local_today

    posted = await request.form()
    signs = [str(s) for s in posted.getlist("sign")][:20]
    if not signs:
        return _safety(request, ctx, error=("signs", "Tick at least one warning sign to report."))
    try:
        report_outside_session(ctx, local_today(), warning_signs=signs)
    except HipcoachError as exc:
        return _safety(request, ctx, error=("signs", f"{exc}. Nothing was stored."))
    return RedirectResponse("/safety", status_code=303)


@router.post("/safety/clearance", response_class=HTMLResponse)
async def safety_clearance(request: Request, ctx: Ctx) -> Response:
    """Record a clinician's all-clear; a refused value re-shows the form with the reason."""
    from datetime import date

    from hipcoach.services.holds import record_clearance
    from hipcoach.services.programs import local_today

    posted = await request.form()
    v = {k: str(x) for k, x in posted.items() if isinstance(x, str)}
    on_text = blank(v.get("on"))
    try:
        on = date.fromisoformat(on_text) if on_text else None
    except ValueError:
        return _safety(request, ctx, form=v, error=("on", "the day must be a date (YYYY-MM-DD)"))
    try:
        result = record_clearance(ctx, v.get("by", ""), on, blank(v.get("note")), local_today())
    except HipcoachError as exc:
        message = str(exc)
        field = (
            "by"
            if "who" in message
            else "on"
            if "dated" in message or "date" in message
            else ("note" if "note" in message else "form")
        )
        return _safety(request, ctx, form=v, error=(field, message))
    words = f"Recorded: cleared by {result.clearance.by} on {result.clearance.on.isoformat()}."
    if not result.still:
        words += " Sessions can start again."
    return _safety(request, ctx, lifted=words)


def _safety(
    request: Request,
    ctx: Any,
    form: dict[str, Any] | None = None,
    error: tuple[str, str] | None = None,
    lifted: str | None = None,
) -> Response:
    from hipcoach.services.holds import hold_dict, open_holds, past_holds, sign_choices
    from hipcoach.services.programs import local_today

    pauses = [hold_dict(h) for h in open_holds(ctx)]
    response = render(
        request,
        "safety.html.j2",
        "safety",
        pauses=pauses,
        stored=[p for p in pauses if p["kind"] != "screen"],
        screen_stop=any(p["kind"] == "screen" for p in pauses),
        signs=sign_choices(ctx),
        history=[hold_dict(h) for h in past_holds(ctx)],
        today=local_today().isoformat(),
        form=form or {},
        error=error,
        lifted=lifted,
    )
    response.status_code = 422 if error else 200
    return response
