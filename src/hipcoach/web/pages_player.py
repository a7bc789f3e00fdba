"""The player page: a full-screen guided session driven by small JavaScript modules.

The page carries only what the script needs before its first API call: where the
API lives, the time scale (HIPCOACH_TIME_SCALE, for demos and tests), the routines
for the start form and which one today's plan would play. Everything else (the
session, its timeline, saving segments, symptoms) goes through /api/v1/sessions,
so the page and the API share one code path.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from hipcoach.domain.errors import HipcoachError
from hipcoach.services.context import Context
from hipcoach.web.app import API_PREFIX
from hipcoach.web.deps import Ctx
from hipcoach.web.templating import render

router = APIRouter(include_in_schema=False)


def _plan_routine(ctx: Context, day: date) -> str | None:
    """The routine today's plan would play, or None without a plan (or on a blocked day)."""
    from hipcoach.services import programs

    try:
        session = programs.today(ctx, day)
    except HipcoachError:
        return None  # no plan, or a screen that is due: the start form says the rest
    return None if session.blocked else session.routine_id


def _checkin(pain_now: str | None, morning_after: str | None) -> dict[str, Any] | None:
    """The check-in Today gathered (its links carry it), checked as the rules check it;
    None when there is none or it does not hold up (the player then asks)."""
    from hipcoach.domain.rules import CheckinBefore, CheckinError, parse_morning_after

    pain = pain_now.strip() if pain_now else ""
    morning = morning_after.strip() if morning_after else ""
    if not pain and not morning:
        return None
    try:
        checked = CheckinBefore(int(pain) if pain else None, parse_morning_after(morning or None))
    except (ValueError, CheckinError):
        return None
    given: dict[str, Any] = {}
    if checked.pain_now is not None:
        given["pain_now"] = checked.pain_now
    if checked.morning_after is not None:
        given["morning_after"] = checked.morning_after.value
    return given


def player_config(
    ctx: Context,
    day: date,
    routine: str | None = None,
    session: str | None = None,
    checkin: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The player's start-up data, embedded in the page as JSON."""
    from hipcoach.services.sessions import DEFAULT_ROUTINE, list_routines
    from hipcoach.views import routine_summary

    routines = [
        {k: v for k, v in routine_summary(r, t).items() if k in ("id", "name", "total_seconds")}
        for r, t in list_routines(ctx.library)
    ]
    known = {r["id"] for r in routines}
    return {
        "api": API_PREFIX,
        "time_scale": ctx.settings.time_scale,
        "routines": routines,
        "plan_routine": _plan_routine(ctx, day),
        "default_routine": DEFAULT_ROUTINE,
        # An unknown ?routine= is ignored rather than refused: the form still works.
        "routine": routine if routine in known else None,
        "session": session,
        "checkin": checkin,
        "today_url": "/",
    }


@router.get("/player", response_class=HTMLResponse)
def player_page(
    request: Request,
    ctx: Ctx,
    routine: Annotated[str | None, Query(max_length=100)] = None,
    session: Annotated[str | None, Query(max_length=100)] = None,
    pain_now: Annotated[str | None, Query(max_length=10)] = None,
    morning_after: Annotated[str | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    """The guided session player (start, resume, play, check out). Today's links carry
    the check-in it gathered, so the player plays what Today showed without asking again."""
    from hipcoach.services.programs import local_today

    config = player_config(
        ctx,
        local_today(),
        routine=routine,
        session=session,
        checkin=_checkin(pain_now, morning_after),
    )
    from hipcoach.services.holds import sign_choices

    return render(request, "player.html.j2", "player", config=config, signs=sign_choices(ctx))
