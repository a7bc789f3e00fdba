"""The `hipcoach` command. Commands parse, call one service, and print.

Heavy modules (pydantic, SQLAlchemy, Textual) are imported inside commands so
that `hipcoach --help` and read-only commands start quickly.
"""

from __future__ import annotations

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


# Registering commands: the modules attach themselves to the apps above.
from hipcoach.cli import (  # noqa: E402
    checkins,
    content,
    data,
    measure,
    programs,
    progress,
    screening,
    serve,
    session,
    start,
)

__all__ = [
    "app",
    "checkins",
    "content",
    "data",
    "main",
    "measure",
    "programs",
    "progress",
    "screening",
    "serve",
    "session",
    "start",
]


def main() -> None:
    """Entry point of the console script."""
    app()
