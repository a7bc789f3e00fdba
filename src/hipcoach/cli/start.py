"""`hipcoach start`: screen, check-in, today's session, the player, and the check-out."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from hipcoach.cli.base import app
from hipcoach.cli.checkins import WarningSignOption
from hipcoach.cli.options import (
    DoseOption,
    GetReadyOption,
    HoldOption,
    RepsOption,
    RestOption,
    RoundsOption,
    SidesOption,
    build_options,
)
from hipcoach.cli.output import console

if TYPE_CHECKING:
    from datetime import date

    from rich.console import Console

    from hipcoach.services import Context
    from hipcoach.services.sessions import ActiveSession
    from hipcoach.services.starting import Prepared


@app.command("start")
def start_command(
    routine_id: str | None = typer.Argument(
        None,
        metavar="[ROUTINE]",
        help="Which routine to play. Default: today's session of your plan, else morning-pry.",
    ),
    plain: bool = typer.Option(
        False, "--plain", help="Plain lines, one per cue: for screen readers, pipes and logs."
    ),
    voice: bool = typer.Option(True, "--voice/--no-voice", help="Speak the prompts (espeak-ng)."),
    beep: bool = typer.Option(True, "--beep/--no-beep", help="Beep in the last 3 s of holds."),
    resume: bool = typer.Option(
        False, "--resume", help="Continue the newest unfinished session where it stopped."
    ),
    new: bool = typer.Option(
        False, "--new", help="Start afresh even when an unfinished session could be resumed."
    ),
    pain_now: int | None = typer.Option(
        None, "--pain-now", help="Check-in: pain in the hip now, 0-10 (asked when not given)."
    ),
    morning_after: str | None = typer.Option(
        None,
        "--morning-after",
        help="Check-in: the morning after your last session the hip felt better, same or worse.",
    ),
    pain_after: int | None = typer.Option(
        None, "--pain-after", help="Check-out: pain after the session, 0-10 (asked when not given)."
    ),
    effort: int | None = typer.Option(
        None, "--effort", help="Check-out: how hard it felt, 0 (easy) to 10 (all out)."
    ),
    warning_sign: list[str] | None = WarningSignOption,
    sides: str | None = SidesOption,
    hold: int | None = HoldOption,
    rounds: int | None = RoundsOption,
    reps: int | None = RepsOption,
    rest: int | None = RestOption,
    get_ready: int | None = GetReadyOption,
    dose: list[str] | None = DoseOption,
) -> None:
    """Play a guided session. Every finished step is saved the moment it ends.

    Before it: the readiness screen must allow it (asked here the first time), and a
    short check-in (pain now, the morning after the last session) may make it easier
    or stop it. During it, in the full-screen player: p pinch, c cramp, k knee, x pain.
    After it: pain and effort. Every question can be given as an option instead.
    """
    from hipcoach import services
    from hipcoach.cli.checkins import ask_after, ask_checkin, ask_warning_signs, interactive
    from hipcoach.domain.errors import HipcoachError
    from hipcoach.services import checkins, starting
    from hipcoach.services.programs import local_today

    if resume and new:
        raise HipcoachError("--resume and --new contradict each other; give one")
    _check_answers(pain_now, morning_after, pain_after, effort)
    signs = list(warning_sign or [])
    out = console()
    with services.Context() as ctx:
        today = local_today()
        from hipcoach.services.holds import check_signs

        signs = list(check_signs(ctx, signs))  # a typo costs nothing: checked before all else
        options = build_options(sides, hold, rounds, reps, rest, get_ready, dose)
        if routine_id is not None and not resume:
            # Compile (and so validate) before asking anything or writing to the journal.
            services.plan_routine(ctx.library, routine_id, options)
        if not resume and not new:
            resume = _ask_to_resume(ctx, out)
        _ensure_screen(ctx, today, out)
        if resume:
            # The same gate as a new session: the screen, today's check-in, the plan.
            if pain_now is None and morning_after is None and interactive():
                pain_now, morning_after = ask_checkin(first_session=False)
                signs = signs or ask_warning_signs(ctx)
            active = starting.resume(ctx, today, pain_now, morning_after, signs)
            _say_resumed(ctx, active, out)
        else:
            if pain_now is None and morning_after is None and interactive():
                # Nobody wakes up "after the last session" before their first one.
                first = not ctx.journal.history(ctx.profile_id, limit=1)
                pain_now, morning_after = ask_checkin(first_session=first)
                signs = signs or ask_warning_signs(ctx)
            try:
                prepared = starting.prepare(
                    ctx, today, routine_id, options, pain_now, morning_after, signs
                )
            except starting.SessionRefusedError:
                # The answers that stopped today's session still count for the next.
                if pain_now is not None or morning_after is not None:
                    checkins.record_checkin_before(ctx, None, pain_now, morning_after)
                raise
            _show_changes(ctx, prepared, out)
            active = starting.begin(ctx, prepared)
            if pain_now is not None or morning_after is not None:
                checkins.record_checkin_before(ctx, active.session_id, pain_now, morning_after)
        from hipcoach.cli.playback import play

        played = play(ctx, active, plain=plain, voice=voice, beep=beep)
        if played.steps_done and pain_after is None and effort is None and interactive():
            pain_after, effort = ask_after()
        if pain_after is not None or effort is not None:
            checkins.record_checkin_after(ctx, active.session_id, pain_after, effort)


def _check_answers(
    pain_now: int | None, morning_after: str | None, pain_after: int | None, effort: int | None
) -> None:
    """Every answer given as an option, checked before anything plays or is written."""
    from hipcoach.domain.rules import CheckinBefore, check_scale

    CheckinBefore(pain_now, morning_after)  # type: ignore[arg-type]  # parsed there
    if pain_after is not None:
        check_scale(pain_after, "--pain-after")
    if effort is not None:
        check_scale(effort, "--effort")


def _say_resumed(ctx: Context, active: ActiveSession, out: Console) -> None:
    """Say what today's check-in changed in the rest of a resumed session, and why."""
    from hipcoach.domain.decisions import Decision, Verdict
    from hipcoach.services.adaptation import ADJUSTMENTS, SPLICES
    from hipcoach.services.checkins import adjustments_from_dicts, explain

    record = ctx.journal.get_session(active.session_id)
    splices = [s for s in record.options.get(SPLICES, []) if s.get("resume")]
    changes = adjustments_from_dicts(splices[-1][ADJUSTMENTS]) if splices else []
    from hipcoach.services.programs import local_day, local_today

    began = local_day(record.started_at)
    if began != local_today():
        out.print(
            f"This session began on {began:%A %d %B}; today's check-in applies to what is left."
        )
    left = len(active.timeline.segments) - active.start_index
    out.print(f"Carrying on: {left} steps left, from a moment to get set.")
    if changes:
        out.print("The rest of the session is adjusted:", style="bold")
        decision = Decision(Verdict(splices[-1]["verdict"]), tuple(changes))
        for line in explain(ctx.library, decision):
            out.print(f"  {line}", markup=False, highlight=False)


def _ensure_screen(ctx: Context, today: date, out: Console) -> None:
    """Ask the readiness screen here when one is due and someone can answer it."""
    from hipcoach.cli.checkins import interactive
    from hipcoach.services.screening import screen_status

    status = screen_status(ctx, today)
    if status.due and interactive():
        out.print(
            f"Before a session hipcoach asks a short safety screen ({status.why}).",
            style="bold",
        )
        from hipcoach.cli.screening import screen_interactively

        screen_interactively(ctx)


def _show_changes(ctx: Context, prepared: Prepared, out: Console) -> None:
    """Say before the session starts what today's rules changed, and why."""
    from hipcoach.domain.decisions import AdjustmentKind
    from hipcoach.services.checkins import explain, rulebook

    for note in prepared.notes:
        out.print(note)
    changes = [a for a in prepared.decision.adjustments if a.kind is not AdjustmentKind.NOTE]
    if changes:
        out.print("Today's session is adjusted:", style="bold")
        # Rule ids are shown in [brackets]: plain text, not Rich markup.
        steps = ctx.library.routine(prepared.routine_id).steps
        present = {step.exercise_id for step in steps}
        for line in explain(ctx.library, prepared.decision, present):
            out.print(f"  {line}", markup=False, highlight=False)
        return
    # A restriction that lifted changes nothing more today, but the person hears that it did.
    stages = {r.id for r in rulebook(ctx).rules.values() if r.returns_after}
    for rule_id, reason in dict.fromkeys(
        (a.rule_id, a.reason) for a in prepared.decision.adjustments if a.rule_id in stages
    ):
        out.print(f"{reason} [{rule_id}]", markup=False, highlight=False)


def _ask_to_resume(ctx: Context, out: Console) -> bool:
    """Offer to resume an unfinished session; never asks when nobody can answer."""
    from hipcoach import services
    from hipcoach.views import format_duration

    record = services.resume_offer(ctx)
    if record is None:
        from hipcoach.services.programs import local_day, local_today

        older = services.unfinished_session(ctx)
        if older is not None and older.done_indices and local_day(older.started_at) < local_today():
            began = older.started_at.astimezone().strftime("%a %d %b")
            out.print(
                f"Starting today's session. The unfinished one from {began} began on an "
                "earlier day; `hipcoach start --resume` still carries it on."
            )
        return False
    when = record.started_at.astimezone().strftime("%a %d %b %H:%M")
    left = record.total_segments - len(record.done_indices)
    summary = (
        f"An unfinished {record.routine_name} session from {when} has {left} of "
        f"{record.total_segments} steps left ({format_duration(record.time_spent_seconds)} done)."
    )
    if not sys.stdin.isatty():
        out.print(summary + " Starting a new one; pass --resume to continue it instead.")
        return False
    out.print(summary)
    return typer.confirm("Resume it?", default=True)
