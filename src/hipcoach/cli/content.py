"""Commands that read the library: exercises and routines."""

from __future__ import annotations

import typer

from hipcoach.cli.base import app, exercise_app, routine_app
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


@app.command("exercises")
def exercises_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List every exercise in the library."""
    from hipcoach import services, views

    ctx = services.Context()
    items = services.list_exercises(ctx.library)
    if as_json:
        emit_json([views.exercise_summary(e) for e in items])
        return
    from hipcoach.cli.render import exercise_table

    out = console()
    out.print(exercise_table(items, out.width))


@exercise_app.command("show")
def exercise_show_command(
    exercise_id: str = typer.Argument(..., metavar="ID", help="An exercise id, e.g. er-press."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a card."),
) -> None:
    """Print one exercise as a card: set-up, action, cues, dose and safety."""
    from hipcoach import services, views

    ctx = services.Context()
    exercise = ctx.library.exercise(exercise_id)
    if as_json:
        emit_json(views.exercise_detail(exercise))
        return
    from hipcoach.cli.render import exercise_card

    console().print(exercise_card(exercise, ctx.library))


@app.command("routines")
def routines_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the routines with their total time."""
    from hipcoach import services, views

    ctx = services.Context()
    items = services.list_routines(ctx.library)
    if as_json:
        emit_json([views.routine_summary(r, t) for r, t in items])
        return
    from hipcoach.cli.render import routine_table

    console().print(routine_table(items))


@routine_app.command("show")
def routine_show_command(
    routine_id: str = typer.Argument(..., metavar="ID", help="A routine id, e.g. morning-pry."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    sides: str | None = SidesOption,
    hold: int | None = HoldOption,
    rounds: int | None = RoundsOption,
    reps: int | None = RepsOption,
    rest: int | None = RestOption,
    get_ready: int | None = GetReadyOption,
    dose: list[str] | None = DoseOption,
) -> None:
    """Print a routine as the timed session it compiles to, with its total time."""
    from hipcoach import services

    ctx = services.Context()
    options = build_options(sides, hold, rounds, reps, rest, get_ready, dose)
    timeline = services.plan_routine(ctx.library, routine_id, options)
    if as_json:
        emit_json(timeline.to_dict())
        return
    from hipcoach.cli.render import timeline_view

    console().print(timeline_view(ctx.library.routine(routine_id), timeline))
