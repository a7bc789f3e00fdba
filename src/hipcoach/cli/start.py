"""`hipcoach start`: screen, check-in, today's session, the player, and the check-out."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from hipcoach.cli.base import app
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
    from hipcoach.cli.checkins import ask_after, ask_checkin, interactive
    from hipcoach.domain.errors import HipcoachError
    from hipcoach.services import checkins, starting
    from hipcoach.services.programs import local_today

    if resume and new:
        raise HipcoachError("--resume and --new contradict each other; give one")
    out = console()
    with services.Context() as ctx:
        today = local_today()
        options = build_options(sides, hold, rounds, reps, rest, get_ready, dose)
        if routine_id is not None and not resume:
            # Compile (and so validate) before asking anything or writing to the journal.
            services.plan_routine(ctx.library, routine_id, options)
        if not resume and not new:
            resume = _ask_to_resume(ctx, out)
        _ensure_screen(ctx, today, out)
        if resume:
            from hipcoach.services.screening import require_screen_allows_session

            require_screen_allows_session(ctx, today)
            active = services.resume_session(ctx)
        else:
            if pain_now is None and morning_after is None and interactive():
                pain_now, morning_after = ask_checkin()
            try:
                prepared = starting.prepare(
                    ctx, today, routine_id, options, pain_now, morning_after
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
    from hipcoach.services.checkins import explain

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


def _ask_to_resume(ctx: Context, out: Console) -> bool:
    """Offer to resume an unfinished session; never asks when nobody can answer."""
    from hipcoach import services
    from hipcoach.views import format_duration

    record = services.resume_offer(ctx)
    if record is None:
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
