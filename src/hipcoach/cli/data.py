"""`hipcoach export` and `hipcoach import`: the user's data, out and back in."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
import typer

from hipcoach.cli.base import app
from hipcoach.cli.output import emit_json

if TYPE_CHECKING:
    from hipcoach.services.data import ImportResult

__all__ = ["app", "export_command", "import_command"]


@app.command("export")
def export_command(
    fmt: str = typer.Option(
        "json",
        "--format",
        click_type=click.Choice(["json", "csv", "fhir"], case_sensitive=False),
        help=(
            "json: everything, re-importable with 'hipcoach import'; csv: one file per kind "
            "of record; fhir: measurements and questionnaires as a FHIR R4 Bundle."
        ),
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Where to write. JSON and FHIR go to standard output without it; CSV needs a "
        "folder or a file name ending in .zip.",
    ),
    force: bool = typer.Option(False, "--force", help="Replace files already at --out."),
) -> None:
    """Export everything you recorded, for a backup, a spreadsheet or a clinician."""
    from hipcoach import services
    from hipcoach.services.data import export_data

    with services.Context() as ctx:
        result = export_data(ctx, fmt, out, force=force)
    if result.text is not None:
        sys.stdout.write(result.text)
        return
    total = sum(result.counts.values())
    where = f"{result.path}" + (f" ({len(result.files)} files)" if result.files else "")
    # Said on stderr so that a script reading stdout never mistakes it for data.
    typer.echo(f"Exported {total} records of profile '{result.profile}' to {where}.", err=True)


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="A JSON file written by 'hipcoach export'."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Restore a JSON export into the current profile; a bad file changes nothing."""
    from hipcoach import services
    from hipcoach.services.data import import_data

    with services.Context() as ctx:
        result = import_data(ctx, file)
    if as_json:
        emit_json(_as_dict(result))
        return
    summary = result.summary
    typer.echo(
        f"Imported {summary.total} records from {result.source} into profile "
        f"'{summary.profile}'" + ("" if summary.created_profile else " (added to its data)") + ":"
    )
    for kind, count in summary.counts.items():
        if count:
            typer.echo(f"  {kind.replace('_', ' '):24} {count}")
    if summary.total_already_there:
        # Importing your own export again, or an import run again after a stop, skips these.
        typer.echo(f"Already there, so skipped: {summary.total_already_there} records.")


def _as_dict(result: ImportResult) -> dict[str, object]:
    summary = result.summary
    return {
        "profile": summary.profile,
        "created_profile": summary.created_profile,
        "source": str(result.source),
        "exported_from": result.exported_from,
        "exported_at": result.exported_at.isoformat() if result.exported_at else None,
        "total": summary.total,
        "counts": summary.counts,
        "already_there": summary.already_there,
        "total_already_there": summary.total_already_there,
    }
