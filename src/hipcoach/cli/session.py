"""Commands that play sessions and read the journal."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from hipcoach.cli.base import app
from hipcoach.cli.output import console, emit_json

if TYPE_CHECKING:
    pass


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
        from hipcoach.views import history_row

        emit_json([history_row(r) for r in rows])
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
