"""The server-rendered pages: Today, Screen, Library, Plan, Progress, Measure and Settings.

Each page calls the same services as its JSON twin under /api/v1 and only
shapes the result for the template; forms post back here and redirect (or
re-render with the error next to its field), so every page works without JS.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from hipcoach.domain.errors import HipcoachError, NoPlanError, UnknownIdError
from hipcoach.services.context import Context
from hipcoach.store.row_problems import RowProblem, collecting_row_problems
from hipcoach.views import format_duration
from hipcoach.web.cache import ComputedCache, PageWithHoles
from hipcoach.web.deps import Ctx, computed, kept_for_the_day
from hipcoach.web.errors import not_found_page
from hipcoach.web.templating import render, render_text
from hipcoach.web.versions import version_reads

router = APIRouter(include_in_schema=False)


def blank(value: str | None) -> str | None:
    """Form values arrive as strings; an empty one means "not given"."""
    return value.strip() if value and value.strip() else None


@router.get("/", response_class=HTMLResponse)
async def today_page(
    request: Request, ctx: Ctx, pain_now: str | None = None, morning_after: str | None = None
) -> Response:
    """Today: the screen, a check-in that previews its effect, the session and its reasons.

    The page is kept between requests while the records stay the same (see
    web.cache); the resume offer and the recent sessions move with every saved
    segment, so they are rendered into it on each request.
    """
    return HTMLResponse(await today_html(ctx, computed(request), pain_now, morning_after))


async def today_html(
    ctx: Context, cache: ComputedCache, pain_now: str | None, morning_after: str | None
) -> str:
    """The Today page's HTML (also served by web.hot, without FastAPI's layers)."""
    from hipcoach.services.programs import local_today

    version = await version_reads(ctx).get(ctx.profile_id)
    day = local_today()
    pain, morning = blank(pain_now), blank(morning_after)
    page = await cache.get(
        ("today", ctx.profile_id, pain, morning),
        (version.records, day),
        lambda: _today_page(ctx, day, pain, morning),
    )
    now = datetime.now(UTC)
    live = await cache.get(
        ("today-live", ctx.profile_id),
        (version, now.replace(second=0, microsecond=0)),
        lambda: _today_live(ctx, now),
        inline=True,  # one indexed query: quicker than the hop to a worker thread
    )
    return page.fill(live)


# Where the live parts go in the kept page; no template or user text contains these.
_LIVE_MARKERS = {"resume": "<!--hipcoach:live:resume-->", "history": "<!--hipcoach:live:history-->"}


def _today_page(ctx: Any, day: date, pain: str | None, morning: str | None) -> PageWithHoles:
    # Stored rows that no longer pass are left out of the page, and the page says which.
    with collecting_row_problems() as left_out:
        return _today_sections(ctx, day, pain, morning, left_out)


def _today_sections(
    ctx: Any, day: date, pain: str | None, morning: str | None, left_out: list[RowProblem]
) -> PageWithHoles:
    from hipcoach.services.checkins import decision_dict, readiness_decision
    from hipcoach.services.programs import today_view
    from hipcoach.services.screening import screen_decision, screen_status
    from hipcoach.services.sessions import list_routines

    checkin_error = None
    try:
        pain_value = int(pain) if pain is not None else None
    except ValueError:
        pain_value = None
        checkin_error = f"pain now must be a whole number from 0 to 10; got {pain}"
    plan: dict[str, Any] | None = None
    decision: dict[str, Any] | None = None
    try:
        plan = today_view(ctx, day, pain_value, morning).to_dict()
    except NoPlanError:
        pass
    except HipcoachError as exc:  # A bad check-in value: say so and show the plain day.
        checkin_error, pain_value, morning = str(exc), None, None
        plan = _plan_or_none(ctx, day)
    if plan is None:  # No plan: the screen and the check-in rules still decide the day.
        blocked = screen_decision(ctx, day)
        chosen = blocked if blocked.blocked else readiness_decision(ctx, day, pain_value, morning)
        decision = decision_dict(ctx.library, chosen)
    from hipcoach.services.holds import hold_dict, open_holds

    status = screen_status(ctx, day)
    latest = status.latest.outcome.status.value if status.latest else None
    html = render_text(
        "today.html.j2",
        "today",
        day=day,
        pauses=[hold_dict(h) for h in open_holds(ctx)],
        screen={"due": status.due, "why": status.why, "status": latest},
        plan=plan,
        decision=decision,
        checkin={"pain_now": pain_value, "morning_after": morning, "error": checkin_error},
        routines=[(r, t.total_seconds) for r, t in list_routines(ctx.library)],
        fmt_duration=format_duration,
        live={name: Markup(marker) for name, marker in _LIVE_MARKERS.items()},
        left_out=[p.describe() for p in left_out],
    )
    return PageWithHoles.split(html, _LIVE_MARKERS)


def _plan_or_none(ctx: Any, day: date) -> dict[str, Any] | None:
    from hipcoach.services.programs import today_view

    try:
        return today_view(ctx, day).to_dict()
    except NoPlanError:
        return None


def _today_live(ctx: Any, now: datetime) -> dict[str, str]:
    """The resume offer and the five newest sessions, rendered (from one small query)."""
    from hipcoach.services.sessions import history, resume_candidate

    rows = history(ctx, 5)
    resume = resume_candidate(rows, now)
    # Worked out here rather than in the template: this part is rendered per request.
    shown = [
        {
            "when": row.started_at.astimezone().strftime("%a %-d %b, %H:%M"),
            "what": row.routine_name,
            "badge": {"completed": "clear", "ended_for_safety": "stop"}.get(row.status, "caution"),
            "status": (
                f"ended for safety ({row.ended_by_rule})"
                if row.ended_by_rule
                else row.status + (", can resume" if row.resumable else "")
            ),
            "how": f"{row.segments_completed}/{row.segments_total} steps · "
            + format_duration(row.time_spent_seconds),
        }
        for row in rows
    ]
    offer = None
    if resume is not None:
        offer = {
            "routine_name": resume.routine_name,
            "segments_done": resume.segments_done,
            "segments_total": resume.segments_total,
            "began": resume.started_at.astimezone().strftime("%H:%M"),
        }
    return {
        "resume": render_text("_today_resume.html.j2", "today", resume=offer),
        "history": render_text("_today_history.html.j2", "today", history=shown),
    }


@router.get("/screen", response_class=HTMLResponse)
def screen_page(request: Request, ctx: Ctx, saved: bool = False) -> Response:
    """The readiness screen: the latest outcome with its reasons, and the questions."""
    return _screen(request, ctx, saved=saved)


@router.post("/screen", response_class=HTMLResponse)
async def screen_submit(request: Request, ctx: Ctx) -> Response:
    """Store the answers (only those that apply) and show the outcome; re-ask on a gap."""
    from hipcoach.domain.screening import QuestionType, applicable_questions
    from hipcoach.services.screening import screening_form, take_screen

    form = screening_form(ctx)
    posted = await request.form()
    given: dict[str, object] = {}
    for question in form.questions:
        value = posted.get(question.id)
        if not isinstance(value, str) or not value:
            continue
        if question.type is QuestionType.YES_NO:
            given[question.id] = value == "yes"
        else:
            given[question.id] = value
    # Without JavaScript every follow-up is on the page: keep only those a yes opened.
    live = {q.id for q in applicable_questions(form, given)}
    answers = {k: v for k, v in given.items() if k in live}
    try:
        take_screen(ctx, answers)
    except HipcoachError as exc:
        missing = set(getattr(exc, "question_ids", ()))
        return _screen(request, ctx, answers=answers, error=str(exc), missing=missing, code=422)
    return RedirectResponse("/screen?saved=true#outcome", status_code=303)


def _screen(
    request: Request,
    ctx: Any,
    *,
    saved: bool = False,
    answers: dict[str, object] | None = None,
    error: str | None = None,
    missing: set[str] | None = None,
    code: int = 200,
) -> Response:
    from hipcoach.services.programs import local_today
    from hipcoach.services.screening import screen_status, screen_view, screening_form

    status = screen_status(ctx, local_today())
    response = render(
        request,
        "screen.html.j2",
        "screen",
        form=screening_form(ctx),
        status=status,
        latest=screen_view(status.latest, ctx.library) if status.latest else None,
        saved=saved,
        answers=answers or {},
        error=error,
        missing=missing or set(),
    )
    response.status_code = code
    return response


@router.get("/library", response_class=HTMLResponse)
def library_page(request: Request, ctx: Ctx) -> Response:
    """Every exercise as a card, in method order, with its figure."""
    from hipcoach.services.sessions import list_exercises
    from hipcoach.views import dose_text, exercise_summary

    cards = [exercise_summary(e) | {"dose": dose_text(e)} for e in list_exercises(ctx.library)]
    return render(request, "library.html.j2", "library", exercises=cards)


@router.get("/library/{exercise_id}", response_class=HTMLResponse)
def exercise_page(request: Request, ctx: Ctx, exercise_id: str) -> Response:
    """One exercise in full: set-up, action, cues, feel, mistakes, safety and variations."""
    from hipcoach.views import dose_text, exercise_detail

    try:
        exercise = ctx.library.exercise(exercise_id)
    except (UnknownIdError, KeyError):
        return not_found_page(request, f"There is no exercise called '{exercise_id}'.")
    names = {e.id: e.name for e in ctx.library.exercises.values()}
    variants = [e.id for e in ctx.library.exercises.values() if e.variant_of == exercise.id]
    return render(
        request,
        "exercise.html.j2",
        "library",
        exercise=exercise_detail(exercise) | {"dose_text": dose_text(exercise)},
        names=names,
        variants=variants,
    )


@router.get("/progress", response_class=HTMLResponse)
async def progress_page(request: Request, ctx: Ctx) -> Response:
    """Rotation per side, sessions, pain and the PSFS, with the charts (kept like Today)."""
    html = await kept_for_the_day(
        computed(request), ctx, ("progress-page",), lambda day: _progress_page(ctx, day)
    )
    return HTMLResponse(html)


def _progress_page(ctx: Any, day: date) -> str:
    from hipcoach.services.progress import build_progress, progress_json

    view = build_progress(ctx, day)
    return render_text(
        "progress.html.j2", "progress", empty=view.empty, progress=progress_json(view)
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_route(request: Request, ctx: Ctx) -> Response:
    """Player defaults (kept in this browser), export, import, devices, where the data lives."""
    return settings_page(request, ctx)


def settings_page(
    request: Request, ctx: Context, new_code: dict[str, Any] | None = None
) -> Response:
    """The settings page; `new_code` is a pairing code just made, to show with its QR code."""
    from sqlalchemy.engine import make_url

    from hipcoach.services.devices import list_devices
    from hipcoach.services.preferences import preferences_dict
    from hipcoach.web.hosts import is_loopback_address
    from hipcoach.web.pages_pair import current_device, pairing_required

    url = make_url(ctx.settings.database_url)
    # Paths say who the user is on this machine: only this machine's own browser sees them.
    local = request.client is not None and is_loopback_address(request.client.host)
    this_device = current_device(request)
    devices = [
        {
            "id": d.id,
            "name": d.name,
            "paired": d.paired_at.astimezone().strftime("%a %-d %b %Y, %H:%M"),
            "seen": d.last_seen_at.astimezone().strftime("%a %-d %b, %H:%M")
            if d.last_seen_at
            else "not yet",
            "this": this_device is not None and getattr(this_device, "id", None) == d.id,
        }
        for d in list_devices(ctx)
    ]
    return render(
        request,
        "settings.html.j2",
        "settings",
        local=local,
        data_dir=str(ctx.settings.data_dir) if local else None,
        database=url.render_as_string(hide_password=True) if local else url.get_backend_name(),
        profile=ctx.settings.profile,
        pairing_required=pairing_required(request),
        devices=devices,
        new_code=new_code,
        preferences=preferences_dict(ctx),
    )


@router.post("/settings/preferences", response_class=HTMLResponse)
async def settings_preferences(request: Request, ctx: Ctx) -> Response:
    """Keep the heels-closer set-up, or go back to the usual one."""
    from fastapi.responses import RedirectResponse

    from hipcoach.services.preferences import choose

    posted = await request.form()
    choose(ctx, "heels-closer", posted.get("setup") == "heels-closer")
    return RedirectResponse("/settings#setup", status_code=303)
