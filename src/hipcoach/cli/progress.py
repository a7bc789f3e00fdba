"""`hipcoach progress`: how the hips are coming along, in the terminal, as JSON, or as a report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hipcoach.cli.base import app
from hipcoach.cli.output import console, emit_json

if TYPE_CHECKING:
    from hipcoach.services.progress import ProgressView

__all__ = ["app", "progress_command"]


@app.command("progress")
def progress_command(
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    out: Path | None = typer.Option(
        None,
        "--out",
        metavar="FILE",
        help="Also write a report: report.html (printable), report.pdf, or chart.png.",
    ),
) -> None:
    """Rotation per side over time against the typical range, sessions, pain and the PSFS."""
    from hipcoach import services
    from hipcoach.services.progress import build_progress, progress_json

    if out is not None:
        from hipcoach.report import check_report_path

        # Refuse a bad file name before any work is done.
        check_report_path(out)
    with services.Context() as ctx:
        view = build_progress(ctx)
    if out is not None:
        from hipcoach.report import write_report

        write_report(view, out)
    if as_json:
        emit_json(progress_json(view))
        if out is not None:
            typer.echo(f"Wrote {out}", err=True)
        return
    _print(view)
    if out is not None:
        typer.echo(f"Wrote {out}")
    else:
        typer.echo("Save a printable report with: hipcoach progress --out report.html")


def _print(view: ProgressView) -> None:
    from rich.table import Table

    from hipcoach.report import words

    out = console()
    if view.empty:
        out.print("Nothing measured yet. Start with: hipcoach measure")
    if view.latest:
        table = Table(title="Hip rotation, latest reading", title_justify="left")
        for column in ("Hip", "Measured", "Latest", "Typical", "Since first", "Verdict"):
            table.add_column(column, justify="right" if column in ("Latest",) else "left")
        for trend, band in view.latest:
            real = trend.real_change
            verdict = "one reading" if len(trend.points) < 2 else ("real" if real else "noise")
            table.add_row(
                f"{trend.side.value} {trend.movement.short}",
                f"{trend.method.value}, {trend.position.value}",
                words.deg(trend.last),
                words.band_short(band),
                words.signed(trend.change) if len(trend.points) > 1 else "",
                f"[green]{verdict}[/]" if real else verdict,
            )
        out.print(table)
    for a in view.asymmetries:
        out.print(f"{words.asymmetry_sentence(a)} [dim]({a.method.value}, {a.on})[/]")
    for arc in view.arcs:
        out.print(words.arc_sentence(arc))
    plan = view.calendar.plan
    if plan is not None:
        a = plan["adherence"]
        share = f" ({a['ratio']:.0%})" if a["ratio"] is not None else ""
        out.print(
            f"{plan['goal']['name']}: {a['done']} of {a['due']} sessions due done{share}; "
            f"streak {a['streak']}, best {a['best_streak']}."
        )
    out.print(words.series_sentence("Pain", view.pain, "/10"))
    out.print(words.series_sentence("How normal the hip feels", view.global_rating, "%"))
    for side, series in view.sit_tall.items():
        label = f"Sit-tall, {words.sides_text(side).lower()} (hipcoach's own score)"
        out.print(words.series_sentence(label, series, "/4"))
    out.print(words.series_sentence("PSFS score", view.psfs))
    if view.trends and view.norms.notes:
        out.print(f"[dim]{view.norms.notes[0]}[/]")
