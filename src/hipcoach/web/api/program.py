"""API routes: today, the readiness screen, check-ins between sessions, goals and the plan."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ConfigDict, Field, model_validator

from hipcoach.domain.errors import HipcoachError, NoPlanError
from hipcoach.domain.goals import MAX_WEEKS
from hipcoach.web.api.inputs import (
    IsoDate,
    Matching,
    StrictBody,
    at_least_one,
    check_given,
)
from hipcoach.web.api.schemas_errors import errors
from hipcoach.web.cache import OBJECT_RESPONSE, json_body
from hipcoach.web.deps import Ctx, computed, kept_for_the_day

router = APIRouter(tags=["program"])

NO_PLAN_HINT = (
    "There is no plan yet: pick a goal on the Plan page (or run hipcoach plan new --goal GOAL). "
    "Without a plan, a session plays the morning pry."
)
NO_PLAN = {404: "There is no plan yet."}
# 07:30 or 7:30, on the 24-hour clock (what domain.goals.parse_time reads).
TIME_PATTERN = r"^ *([01]?[0-9]|2[0-3]):[0-5][0-9] *$"
ClockTime = Annotated[str, Matching(TIME_PATTERN, "must be HH:MM on the 24-hour clock")]


class FieldError(HipcoachError):
    """A service's refusal that names the request field it is about."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class ScreenAnswers(StrictBody):
    """Answers by question id: yes/no questions take true or false, the others a choice."""

    answers: dict[str, bool | str] = Field(max_length=100)


CHECKIN_FIELDS = ("pain", "morning_after", "symptoms", "warning_signs")


class Checkin(StrictBody):
    """A report between sessions (the next morning, say): pain, the morning after, symptoms,
    warning signs. At least one of them is given; a warning sign pauses the program."""

    model_config = ConfigDict(json_schema_extra=at_least_one(*CHECKIN_FIELDS))

    pain: int | None = Field(None, ge=0, le=10)
    morning_after: Literal["better", "same", "worse"] | None = None
    symptoms: list[Literal["pinch", "cramp", "knee", "pain", "cannot-sit-tall"]] = Field(
        default_factory=list, max_length=5
    )
    warning_signs: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list,
        max_length=20,
        description="Ids from GET /api/v1/checkins/warning-signs.",
    )

    @model_validator(mode="after")
    def _something_to_record(self) -> Checkin:
        check_given(
            self,
            CHECKIN_FIELDS,
            "nothing to record: give pain, morning_after, symptoms or warning_signs",
        )
        return self


class PreferencesIn(StrictBody):
    """The person's own choices; a field left out stays as it is."""

    heels_closer: bool | None = Field(
        None, description="Keep the heels-closer 90/90 set-up in every session."
    )


class ClearanceIn(StrictBody):
    """A clinician's all-clear: who, on which day (today if none), what they said."""

    by: str = Field(min_length=1, max_length=100, description="A name or a role.")
    on: IsoDate | None = Field(None, description="The day of the all-clear (YYYY-MM-DD).")
    note: str | None = Field(None, max_length=500)


class NewPlan(StrictBody):
    """A plan for a goal; it replaces the current one."""

    goal: str = Field(min_length=1, max_length=100)
    days: str | None = Field(
        None, min_length=1, max_length=100, description="mon,wed,fri, daily or weekdays."
    )
    time: ClockTime | None = Field(None, description="HH:MM on the 24-hour clock, such as 07:30.")
    weeks: int | None = Field(None, ge=1, le=MAX_WEEKS)
    start: IsoDate | None = Field(None, description="The first day (YYYY-MM-DD); today if none.")


class Pause(StrictBody):
    """Why the plan is paused; shown on the days it blocks."""

    reason: str = Field("you paused it", min_length=1, max_length=200)


@router.get(
    "/today",
    summary="Today: the screen's status and the plan's session",
    response_class=JSONResponse,
    responses={**OBJECT_RESPONSE, **errors(422, 503)},
)
async def today(
    request: Request,
    ctx: Ctx,
    date: Annotated[
        IsoDate | None, Query(description="The day (YYYY-MM-DD); today if none.")
    ] = None,
) -> Response:
    """The same figures as the Today page; `plan` is null without a plan."""
    body = await kept_for_the_day(
        computed(request),
        ctx,
        ("today-json", date),
        lambda today: json_body(_today(ctx, date or today)),
    )
    return Response(body, media_type="application/json")


def _today(ctx: Ctx, day: dt.date) -> dict[str, Any]:
    from hipcoach.services.programs import today_view

    try:
        plan: dict[str, Any] | None = today_view(ctx, day).to_dict()
    except NoPlanError:
        plan = None
    from hipcoach.services.holds import hold_dict, open_holds

    return {
        "date": day.isoformat(),
        "screen": _status(ctx, day),
        "pauses": [hold_dict(h) for h in open_holds(ctx)],
        "plan": plan,
        "no_plan_hint": NO_PLAN_HINT if plan is None else None,
    }


@router.get("/screen/questions", summary="The readiness screen's questions", responses=errors())
def screen_questions(ctx: Ctx) -> dict[str, Any]:
    """Every question in the order asked; `follows` names the questions it follows up and
    `follows_on` the answers there that open it (true for a yes; "both" for the per-hip
    questions after both hips were replaced)."""
    from hipcoach.services.screening import screening_form

    form = screening_form(ctx)
    return {
        "id": form.id,
        "version": form.version,
        "title": form.title,
        "intro": form.intro,
        "max_age_days": form.max_age_days,
        "questions": [
            {
                "id": q.id,
                "prompt": q.prompt,
                "help": q.help,
                "type": q.type.value,
                "options": list(q.options),
                "follows": list(q.follows),
                "follows_on": list(q.follows_on),
                "expects": q.expects(),
            }
            for q in form.questions
        ],
    }


@router.get("/screen", summary="The latest screen and whether one is due", responses=errors(503))
def screen(ctx: Ctx) -> dict[str, Any]:
    """Whether a screen is due, why, and the latest one in full."""
    from hipcoach.services.programs import local_today

    return _status(ctx, local_today())


@router.post(
    "/screen",
    status_code=201,
    summary="Take the readiness screen",
    responses=errors(422, 503, changes=True),
)
def take_screen(ctx: Ctx, body: ScreenAnswers) -> dict[str, Any]:
    """Evaluate and store the answers; bad or missing answers store nothing (422)."""
    from hipcoach.domain.screening import ScreenAnswerError
    from hipcoach.services import screening
    from hipcoach.services.programs import local_today

    try:
        stored = screening.take_screen(ctx, body.answers)
    except ScreenAnswerError as exc:
        first = exc.question_ids[0] if exc.question_ids else ""
        raise FieldError(f"{exc}. Nothing was stored.", f"answers.{first}".rstrip(".")) from None
    status = screening.screen_status(ctx, local_today())
    valid = str(status.valid_until) if status.valid_until else None
    return {**screening.screen_view(stored, ctx.library), "valid_until": valid}


@router.post(
    "/checkins",
    status_code=201,
    summary="Check in between sessions",
    responses=errors(422, 503, changes=True),
)
def checkin(ctx: Ctx, body: Checkin) -> dict[str, Any]:
    """Record pain, the morning after and symptoms; answers what the next session will be."""
    from hipcoach.domain.holds import WarningSignError
    from hipcoach.services import checkins
    from hipcoach.services.programs import local_today

    try:
        report = checkins.report_outside_session(
            ctx, local_today(), body.pain, body.morning_after, body.symptoms, body.warning_signs
        )
    except WarningSignError as exc:
        raise FieldError(f"{exc}. Nothing was stored.", "warning_signs") from None
    from hipcoach.services.holds import hold_dict, open_holds
    from hipcoach.views import checkin_report

    out = checkin_report(report, checkins.decision_dict(ctx.library, report.decision))
    return {**out, "pauses": [hold_dict(h) for h in open_holds(ctx)]}


@router.get(
    "/checkins/warning-signs",
    summary="The warning signs a check-in can report",
    responses=errors(),
)
def warning_signs(ctx: Ctx) -> list[dict[str, str]]:
    """Each sign's id and label, in the screen's order; each raises the screen's own flag."""
    from hipcoach.services.holds import sign_choices

    return [{"id": i, "label": label} for i, label in sign_choices(ctx)]


@router.post(
    "/plan/clearance",
    status_code=201,
    summary="Record a clinician's all-clear",
    responses=errors(409, 422, 503, changes=True),
)
def clearance(ctx: Ctx, body: ClearanceIn) -> dict[str, Any]:
    """Lifts every pause a warning sign or easier sessions began; a stop on the screen is
    lifted by a new screen only (422 says so, and nothing is stored)."""
    from hipcoach.services.holds import record_clearance
    from hipcoach.services.programs import local_today

    return record_clearance(ctx, body.by, body.on, body.note, local_today()).to_dict()


@router.get("/goals", summary="The goals a plan can aim at", responses=errors())
def goals(ctx: Ctx) -> list[dict[str, Any]]:
    """Each goal with its routine, how often, and how many levels it climbs."""
    from hipcoach.services.programs import goals as all_goals
    from hipcoach.views import goal_summary

    return [goal_summary(g) for g in all_goals(ctx).values()]


@router.get("/plan", summary="The current plan", responses=errors(404, 422, 503, about=NO_PLAN))
def plan(
    ctx: Ctx,
    date: Annotated[
        IsoDate | None, Query(description="Mark the calendar as of this day (YYYY-MM-DD).")
    ] = None,
) -> dict[str, Any]:
    """The schedule marked done or missed, the level and why, adherence; 404 without a plan."""
    from hipcoach.services.programs import show_plan

    return show_plan(ctx, date).to_dict()


@router.post(
    "/plan", status_code=201, summary="Make a plan", responses=errors(422, 503, changes=True)
)
def new_plan(ctx: Ctx, body: NewPlan) -> dict[str, Any]:
    """Check everything, then store the plan (ending the current one)."""
    from hipcoach.domain.errors import UnknownIdError
    from hipcoach.services.programs import new_plan as make

    try:
        view = make(
            ctx, body.goal, days=body.days, time=body.time, weeks=body.weeks, start=body.start
        )
    except UnknownIdError as exc:
        raise FieldError(str(exc), "goal") from None  # a bad value in a body is a 422, not a 404
    return view.to_dict()


@router.post(
    "/plan/pause",
    summary="Pause the plan",
    responses=errors(404, 422, 503, changes=True, about=NO_PLAN),
)
def pause_plan(ctx: Ctx, body: Pause | None = None) -> dict[str, Any]:
    """No sessions until it is resumed."""
    from hipcoach.services.programs import set_plan_status

    return set_plan_status(ctx, "paused", body.reason if body else "you paused it").to_dict()


@router.post(
    "/plan/resume",
    summary="Resume the plan",
    responses=errors(404, 503, changes=True, about=NO_PLAN),
)
def resume_plan(ctx: Ctx) -> dict[str, Any]:
    """Take a paused plan up again."""
    from hipcoach.services.programs import set_plan_status

    return set_plan_status(ctx, "active").to_dict()


@router.get(
    "/plan.ics",
    summary="The plan as an iCalendar file",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, **errors(404, 503, about=NO_PLAN)},
)
def plan_ics(ctx: Ctx) -> Response:
    """One event per planned session, with a reminder; import it into any calendar."""
    from hipcoach.services.calendar import plan_ics as ics

    return Response(
        ics(ctx),
        media_type="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="hipcoach-plan.ics"'},
    )


def _status(ctx: Ctx, day: dt.date) -> dict[str, Any]:
    from hipcoach.services.screening import screen_status, screen_view

    status = screen_status(ctx, day)
    latest = status.latest
    return {
        "due": status.due,
        "why": status.why,
        "status": latest.outcome.status.value if latest else None,
        "valid_until": str(status.valid_until) if status.valid_until else None,
        "latest": screen_view(latest, ctx.library) if latest else None,
    }


@router.get("/preferences", summary="Your own choices", responses=errors(503))
def preferences(ctx: Ctx) -> dict[str, bool]:
    """Each choice and whether it is on (the rules apply it: `preference.heels-closer`)."""
    from hipcoach.services.preferences import preferences_dict

    return preferences_dict(ctx)


@router.put(
    "/preferences", summary="Change your own choices", responses=errors(422, 503, changes=True)
)
def set_preferences(ctx: Ctx, body: PreferencesIn) -> dict[str, bool]:
    """Switch a choice on or off; answers every choice as it now stands."""
    from hipcoach.services.preferences import choose, preferences_dict

    if body.heels_closer is not None:
        choose(ctx, "heels-closer", body.heels_closer)
    return preferences_dict(ctx)
