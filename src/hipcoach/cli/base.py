"""The Typer app and the console script's entry point.

Command modules attach themselves to `app` when imported. The entry point
imports only the module of the command being run (every module for --help),
so a short command does not pay for building fifteen others; heavy libraries
(pydantic, SQLAlchemy, Textual) are imported inside the commands themselves.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any

import click
import typer
from typer.core import TyperGroup

from hipcoach.domain.errors import HipcoachError
from hipcoach.safety import SAFETY_NOTE


class _Commands(TyperGroup):
    """Turns hipcoach's own errors into one clear line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HipcoachError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None


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
