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
        why = services.safety_reasons(ctx, rows)
    if as_json:
        from hipcoach.views import history_row

        emit_json([history_row(r) | {"ended_why": why.get(r.session_id)} for r in rows])
        return
    from hipcoach.cli.render import history_table

    console().print(history_table(rows))
    for row in rows:
        if row.session_id in why:
            day = row.started_at.astimezone().strftime("%a %d %b %H:%M")
            typer.echo(f"{day} ended for safety: {why[row.session_id]} [{row.ended_by_rule}]")


@app.command("preferences")
def preferences_command(
    heels_closer: bool | None = typer.Option(
        None,
        "--heels-closer/--usual-setup",
        help="Keep the heels-closer 90/90 set-up in every session, or go back to the usual one.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Show or change your own choices (the set-up you sit in); the rules apply them."""
    from hipcoach import services
    from hipcoach.services.preferences import choose, preferences_dict

    with services.Context() as ctx:
        if heels_closer is not None:
            choose(ctx, "heels-closer", heels_closer)
        shown = preferences_dict(ctx)
    if as_json:
        emit_json(shown)
        return
    if shown["heels_closer"]:
        typer.echo("Set-up: heels closer, in every session (rule preference.heels-closer).")
        typer.echo("hipcoach preferences --usual-setup goes back to the usual 90/90.")
    else:
        typer.echo("Set-up: the usual 90/90, knees at about a right angle.")
        typer.echo("hipcoach preferences --heels-closer keeps the heels-closer set-up instead.")


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
