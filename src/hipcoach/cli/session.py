"""Commands that play sessions and read the journal."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from hipcoach.cli import app
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
from hipcoach.cli.output import console, emit_json

if TYPE_CHECKING:
    from rich.console import Console

    from hipcoach.services import Context


@app.command("start")
def start_command(
    routine_id: str = typer.Argument(
        "morning-pry", metavar="[ROUTINE]", help="Which routine to play (default: morning-pry)."
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
    sides: str | None = SidesOption,
    hold: int | None = HoldOption,
    rounds: int | None = RoundsOption,
    reps: int | None = RepsOption,
    rest: int | None = RestOption,
    get_ready: int | None = GetReadyOption,
    dose: list[str] | None = DoseOption,
) -> None:
    """Play a guided session. Every finished step is saved the moment it ends."""
    from hipcoach import services
    from hipcoach.domain.errors import HipcoachError

    if resume and new:
        raise HipcoachError("--resume and --new contradict each other; give one")
    with services.Context() as ctx:
        options = build_options(sides, hold, rounds, reps, rest, get_ready, dose)
        # Compile (and so validate) before asking anything or writing to the journal.
        timeline = None if resume else services.plan_routine(ctx.library, routine_id, options)
        if not resume and not new:
            resume = _ask_to_resume(ctx, console())
        if resume or timeline is None:
            active = services.resume_session(ctx)
        else:
            active = services.begin_session(ctx, timeline, options)
        from hipcoach.cli.playback import play

        play(ctx, active, plain=plain, voice=voice, beep=beep)


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


@app.command("history")
def history_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="How many sessions."),
) -> None:
    """List past sessions: date, routine, status, steps done and time spent."""
    from hipcoach import services

    with services.Context() as ctx:
        rows = services.history(ctx, limit)
    if as_json:
        emit_json(
            [
                {
                    "session_id": r.session_id,
                    "date": r.started_at.isoformat(),
                    "routine": r.routine_id,
                    "routine_name": r.routine_name,
                    "status": r.status,
                    "resumable": r.resumable,
                    "segments_done": r.segments_done,
                    "segments_completed": r.segments_completed,
                    "segments_total": r.segments_total,
                    "time_spent_seconds": round(r.time_spent_seconds, 1),
                }
                for r in rows
            ]
        )
        return
    from hipcoach.cli.render import history_table

    console().print(history_table(rows))


@app.command("info")
def info_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Show where hipcoach keeps its data and which settings are in force."""
    from hipcoach import __version__, settings
    from hipcoach.store.engine import mask_url

    s = settings.Settings.from_env()
    facts = {
        "version": __version__,
        "data_dir": str(s.data_dir),
        "cache_dir": str(s.cache_dir),
        "database_url": mask_url(s.database_url),
        "profile": s.profile,
        "time_scale": s.time_scale,
    }
    if as_json:
        emit_json(facts)
        return
    for key, value in facts.items():
        typer.echo(f"{key:13} {value}")
