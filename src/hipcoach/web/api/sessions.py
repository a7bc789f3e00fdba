"""API routes: the browser player's sessions (start, save each segment, symptoms, finish)
and the history.

Every segment is saved as it ends, so a reload asks `GET /sessions/current` and
carries on at `start_index`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hipcoach.web.api.inputs import SaveKey, StrictBody, at_least_one, check_given
from hipcoach.web.api.library import DoseOptions
from hipcoach.web.api.schemas_errors import errors
from hipcoach.web.deps import Ctx, segment_writer

if TYPE_CHECKING:
    from hipcoach.web.writer import SegmentWriter

router = APIRouter(tags=["sessions"])

Pain = Field(None, ge=0, le=10, description="0 (none) to 10 (the worst).")
NO_SESSION = "No session with this id."
FINISHED = "The session is finished, or the index is outside its current timeline."
CHECKOUT_FIELDS = ("pain", "effort")


class CheckinBefore(StrictBody):
    """The check-in before a session; it may make the session easier, or stop it."""

    pain_now: int | None = Pain
    morning_after: Literal["better", "same", "worse"] | None = None
    warning_signs: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list,
        max_length=20,
        description="Warning signs since the last session (ids from GET "
        "/api/v1/checkins/warning-signs): each pauses the program as the screen would.",
    )


class StartSession(StrictBody):
    """Which routine (none: today's plan, else the morning pry), its dose, and the check-in."""

    routine_id: str | None = Field(None, min_length=1, max_length=100)
    options: DoseOptions | None = None
    checkin: CheckinBefore | None = None


class Change(BaseModel):
    """A rule that changed the session, and why."""

    rule_id: str
    reason: str
    kind: str


class LiveSessionOut(BaseModel):
    """A session for the player: its timeline and where to carry on."""

    session_id: str
    status: str
    timeline: dict[str, Any]
    fingerprint: str = Field(description="Names this exact timeline; a late report sends it.")
    start_index: int
    done_indices: list[int]
    changes: list[Change]
    notes: list[str]
    time_scale: float
    resumable: bool = False
    offline: dict[str, Any] = Field(
        default_factory=dict,
        description="Per symptom, what a report would do to the rest of the session, "
        "worked out by the rules ahead of time: the player applies it when the server "
        "cannot be reached, and sends the report once it can.",
    )


class SaveSegment(StrictBody):
    """What happened to one segment of the current timeline."""

    index: int = Field(ge=0, le=100_000)
    outcome: Literal["completed", "skipped"]
    elapsed_seconds: float = Field(ge=0, le=86_400, allow_inf_nan=False)
    save_key: SaveKey | None = Field(
        None,
        description="Made once for this save (a UUID) and sent again with every retry of it: "
        "a save whose key the session already holds writes nothing and gets the answer the "
        "first one got, so a retry after a lost reply never counts a step's time twice. "
        "Without a key every save counts.",
    )


class SegmentSaved(BaseModel):
    """How many segments are saved, of how many."""

    done: int
    total: int


class ReportSymptom(StrictBody):
    """A symptom pressed during the session, at the segment that was playing."""

    symptom: Literal["pinch", "cramp", "knee", "pain"]
    segment_index: int = Field(ge=0, le=100_000)
    fingerprint: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        description="The fingerprint of the timeline the report was pressed on (a report "
        "sent late, from a device that was offline): 409 when the session has changed "
        "since, so a report is never applied twice.",
    )


class SymptomOut(BaseModel):
    """The session from here on, what to tell the person, and the rules that fired."""

    timeline: dict[str, Any]
    fingerprint: str
    message: str
    end_session: bool
    rule_ids: list[str]
    offline: dict[str, Any] = Field(default_factory=dict)


class Finish(StrictBody):
    """Whether the session reached its end."""

    completed: bool


class Finished(BaseModel):
    """The session as closed."""

    session_id: str
    status: str
    segments_done: int
    segments_total: int


class Checkout(StrictBody):
    """How it hurt and how hard it felt after the session; at least one."""

    model_config = ConfigDict(json_schema_extra=at_least_one(*CHECKOUT_FIELDS))

    pain: int | None = Pain
    effort: int | None = Field(None, ge=0, le=10, description="0 (easy) to 10 (all out).")

    @model_validator(mode="after")
    def _something_to_record(self) -> Checkout:
        check_given(self, CHECKOUT_FIELDS, "a check-out needs the pain, the effort, or both")
        return self


class CheckoutOut(BaseModel):
    """The check-out as stored."""

    session_id: str
    recorded_at: str
    pain: int | None
    effort: int | None


@router.post(
    "/sessions",
    status_code=201,
    summary="Start a session",
    responses=errors(
        403,
        404,
        422,
        503,
        changes=True,
        about={
            403: "No session may run today: the screen, the check-in or the plan rules it "
            "out, and `reasons` says why. Also refused when the request came from another "
            "website.",
            404: "No routine with this id.",
        },
    ),
)
def start_session(ctx: Ctx, body: StartSession) -> LiveSessionOut:
    """Screen, check-in and plan decide the session; 403 with reasons when none may run."""
    from hipcoach.services.live import start_live
    from hipcoach.services.programs import local_today

    options = body.options or DoseOptions.model_validate({})
    checkin = body.checkin or CheckinBefore.model_validate({})
    live = start_live(
        ctx,
        local_today(),
        body.routine_id,
        options.to_options(),
        checkin.pain_now,
        checkin.morning_after,
        checkin.warning_signs,
    )
    return LiveSessionOut(**live.to_dict())


@router.get(
    "/sessions/current",
    summary="The session to resume",
    response_model=LiveSessionOut,
    responses={204: {"description": "There is no unfinished session to resume."}, **errors(503)},
)
def current_session(ctx: Ctx) -> Any:
    """The newest unfinished session with something left to play; 204 when there is none.

    Not a 404: having nothing to resume is the usual answer, not an error (and a
    browser logs every 404 a page fetches as one).
    """
    from hipcoach.services.live import current_live

    live = current_live(ctx)
    if live is None:
        return Response(status_code=204)
    return LiveSessionOut(**live.to_dict(), resumable=True)


class ResumeSession(StrictBody):
    """Today's check-in, weighed before an unfinished session carries on."""

    checkin: CheckinBefore | None = None


@router.post(
    "/sessions/{session_id}/resume",
    summary="Resume a session",
    responses=errors(
        403,
        404,
        409,
        422,
        503,
        changes=True,
        about={
            403: "No session may run today: the screen, the check-in or the plan rules it "
            "out, and `reasons` says why.",
            404: NO_SESSION,
            409: "Not the newest unfinished session, or nothing of it is left.",
        },
    ),
)
def resume_session(ctx: Ctx, session_id: str, body: ResumeSession) -> LiveSessionOut:
    """The same gate as a new session; the check-in's changes apply to the rest of it, which
    restarts with a moment to get set."""
    from hipcoach.services.live import resume_live
    from hipcoach.services.programs import local_today

    checkin = body.checkin or CheckinBefore.model_validate({})
    live = resume_live(
        ctx,
        local_today(),
        session_id,
        checkin.pain_now,
        checkin.morning_after,
        checkin.warning_signs,
    )
    return LiveSessionOut(**live.to_dict(), resumable=True)


@router.get(
    "/sessions/{session_id}",
    summary="One session",
    responses=errors(404, 422, 503, about={404: NO_SESSION}),
)
def get_session(ctx: Ctx, session_id: str) -> LiveSessionOut:
    """The session's current timeline and the segments already saved."""
    from hipcoach.services.live import current_live, live_session

    live = live_session(ctx, session_id)
    # Resumable means what /sessions/current offers: the newest, with something left.
    current = current_live(ctx, any_day=True)
    return LiveSessionOut(
        **live.to_dict(), resumable=current is not None and current.session_id == session_id
    )


@router.post(
    "/sessions/{session_id}/segments",
    summary="Save one segment",
    responses=errors(
        404,
        409,
        422,
        503,
        changes=True,
        about={
            404: NO_SESSION,
            409: f"{FINISHED} Also when the save key was sent for another step.",
        },
    ),
)
async def save_segment(request: Request, session_id: str, body: SaveSegment) -> SegmentSaved:
    """Saved the moment it ends; 409 for an index outside the current timeline. Sent again
    with the same `save_key`, it is answered as before and nothing more is saved."""
    return await save_segment_of(segment_writer(request), session_id, body)


async def save_segment_of(
    writer: SegmentWriter, session_id: str, body: SaveSegment
) -> SegmentSaved:
    """Save one segment, committed to disk before this returns (see web.writer).

    Also called by web.hot, without FastAPI's layers. A refusal (HipcoachError)
    comes before anything of the segment is written.
    """
    from hipcoach.services.live import LiveSegment

    segment = LiveSegment(session_id, body.index, body.outcome, body.elapsed_seconds, body.save_key)
    done, total = await writer.save(segment)
    return SegmentSaved(done=done, total=total)


@router.post(
    "/sessions/{session_id}/symptoms",
    summary="Report a symptom",
    responses=errors(404, 409, 422, 503, changes=True, about={404: NO_SESSION, 409: FINISHED}),
)
def report_symptom(ctx: Ctx, session_id: str, body: ReportSymptom) -> SymptomOut:
    """The rules applied on the spot: the rest of the session is replaced from that segment."""
    from hipcoach.services.live import offline_after, report_live_symptom

    response = report_live_symptom(
        ctx, session_id, body.segment_index, body.symptom, body.fingerprint
    )
    return SymptomOut(
        timeline=response.timeline.to_dict(),
        fingerprint=response.timeline.fingerprint(),
        message=response.message,
        end_session=response.end_session,
        rule_ids=list(dict.fromkeys([response.rule_id, *response.decision.rule_ids])),
        offline=offline_after(ctx, session_id, response),
    )


@router.post(
    "/sessions/{session_id}/finish",
    summary="Finish a session",
    responses=errors(404, 422, 503, changes=True, about={404: NO_SESSION}),
)
def finish_session(ctx: Ctx, session_id: str, body: Finish) -> Finished:
    """Close the session as completed or partial."""
    from hipcoach.services.live import finish_live

    record = finish_live(ctx, session_id, body.completed)
    return Finished(
        session_id=record.id,
        status=record.shown_status,
        segments_done=len(record.done_indices),
        segments_total=record.total_segments,
    )


@router.post(
    "/sessions/{session_id}/checkout",
    status_code=201,
    summary="Check out",
    responses=errors(404, 422, 503, changes=True, about={404: NO_SESSION}),
)
def checkout(ctx: Ctx, session_id: str, body: Checkout) -> CheckoutOut:
    """Pain and effort after the session; they steer the next sessions."""
    from hipcoach.services.live import checkout_live

    record = checkout_live(ctx, session_id, body.pain, body.effort)
    return CheckoutOut(
        session_id=session_id,
        recorded_at=record.recorded_at.isoformat(),
        pain=record.pain,
        effort=record.effort,
    )


@router.get("/history", summary="Past sessions, newest first", responses=errors(422, 503))
def history(ctx: Ctx, limit: Annotated[int, Query(ge=1, le=10_000)] = 50) -> list[dict[str, Any]]:
    """What was done, when, and how much of it."""
    from hipcoach import services
    from hipcoach.views import history_row

    rows = services.history(ctx, limit)
    why = services.safety_reasons(ctx, rows)
    return [history_row(r) | {"ended_why": why.get(r.session_id)} for r in rows]
