"""The Typer app and the console script's entry point.

Command modules attach themselves to `app` when imported. The entry point
imports only the module of the command being run (every module for --help),
so a short command does not pay for building fifteen others; heavy libraries
(pydantic, SQLAlchemy, Textual) are imported inside the commands themselves.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from importlib import import_module
from typing import Any

import click
import typer
from typer.core import TyperGroup

from hipcoach.domain.errors import HipcoachError
from hipcoach.safety import SAFETY_NOTE
from hipcoach.store.row_problems import RowProblem, collecting_row_problems

# Past this many, the rest of the stored rows left out are counted, not listed.
SHOWN_ROW_PROBLEMS = 5
# Commands whose left-out rows are logged rather than listed when they end.
LOGGED_COMMANDS = frozenset({"serve"})
_COLLECTING = "hipcoach.row_problems"


class _Commands(TyperGroup):
    """Turns hipcoach's own errors into one clear line on stderr and exit code 1, and says
    on stderr which stored rows a command left out because they no longer pass."""

    def invoke(self, ctx: click.Context) -> Any:
        with ExitStack() as collecting:
            ctx.meta[_COLLECTING] = collecting
            try:
                return super().invoke(ctx)
            except HipcoachError as exc:
                typer.echo(f"Error: {exc}", err=True)
                raise typer.Exit(1) from None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        collecting = ctx.meta.get(_COLLECTING)
        # The server runs for days: what its requests leave out is logged as it happens
        # (its pages show their own notice) rather than kept for a warning at its end.
        if isinstance(collecting, ExitStack) and name not in LOGGED_COMMANDS:
            left_out = collecting.enter_context(collecting_row_problems())
            collecting.callback(warn_left_out, left_out)
        return name, command, rest


def warn_left_out(problems: list[RowProblem]) -> None:
    """One line on stderr for each stored row left out (the first few, then a count)."""
    for problem in problems[:SHOWN_ROW_PROBLEMS]:
        typer.echo(
            f"Warning: left out {problem.describe()}; `hipcoach doctor` can mend or remove it.",
            err=True,
        )
    if len(problems) > SHOWN_ROW_PROBLEMS:
        more = len(problems) - SHOWN_ROW_PROBLEMS
        typer.echo(
            f"Warning: and {more} more stored rows left out; see `hipcoach doctor`.", err=True
        )


app = typer.Typer(
    cls=_Commands,
    name="hipcoach",
    help=(
        "A hip-mobility coach for the 90/90 rotation method: an exercise library, timed "
        "guided sessions and a session journal.\n\n" + SAFETY_NOTE
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
exercise_app = typer.Typer(help="Look at one exercise.", no_args_is_help=True)
routine_app = typer.Typer(
    help="Look at one routine, compiled into a timed session.", no_args_is_help=True
)
app.add_typer(exercise_app, name="exercise")
app.add_typer(routine_app, name="routine")


def _version(value: bool) -> None:
    if value:
        from hipcoach import __version__

        typer.echo(f"hipcoach {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Guided 90/90 hip-rotation sessions in the terminal."""


# Which module holds each top-level command.
COMMAND_MODULES = {
    "exercises": "content",
    "routines": "content",
    "exercise": "content",
    "routine": "content",
    "checkin": "checkins",
    "devices": "devices",
    "doctor": "doctor",
    "export": "data",
    "import": "data",
    "measure": "measure",
    "plan": "programs",
    "today": "programs",
    "progress": "progress",
    "screen": "screening",
    "serve": "serve",
    "history": "session",
    "info": "session",
    "preferences": "session",
    "start": "start",
}
# The order --help lists them in: the library, sessions, safety, programs, data, the server.
ALL_MODULES = (
    "content",
    "start",
    "session",
    "screening",
    "checkins",
    "programs",
    "measure",
    "progress",
    "data",
    "serve",
    "devices",
    "doctor",
)


def register(modules: tuple[str, ...] = ALL_MODULES) -> None:
    """Import command modules so their commands attach to `app` (importing twice is free)."""
    for module in modules:
        import_module(f"hipcoach.cli.{module}")


def main() -> None:
    """Entry point of the console script: load the command being run, then run it."""
    words = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
    module = COMMAND_MODULES.get(words[0]) if words else None
    register((module,) if module else ALL_MODULES)
    app()
