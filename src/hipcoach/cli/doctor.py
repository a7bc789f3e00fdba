"""`hipcoach doctor`: check the journal and list the stored rows that no longer pass.

Exit status 0 when the journal is healthy (after any --fix or --remove), 1 when a
problem remains.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from hipcoach.cli.base import app
from hipcoach.cli.output import emit_json

if TYPE_CHECKING:
    from hipcoach.services.doctor import DoctorReport
    from hipcoach.store.row_problems import RowProblem

__all__ = ["app", "doctor_command"]


@app.command("doctor")
def doctor_command(
    fix: bool = typer.Option(
        False, "--fix", help="Mend what has a safe repair (plan days, a plan time, ...)."
    ),
    remove: bool = typer.Option(
        False, "--remove", help="Delete the rows that cannot be mended, after asking."
    ),
    yes: bool = typer.Option(False, "--yes", help="Remove without asking."),
    repair: bool = typer.Option(
        False,
        "--repair",
        help="Rebuild a journal an earlier version left half-upgraded (a copy is kept first).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON."),
) -> None:
    """Check the journal and list every stored row that no longer passes, by table, id
    and field; --fix mends what is safe to mend, --remove deletes the rest."""
    from hipcoach import services
    from hipcoach.services import doctor

    with services.Context() as ctx:
        run = doctor.repair if repair else doctor.fix if fix else doctor.examine
        report = run(ctx)
        doomed = report.unfixable
        if remove and doomed:
            if not yes:
                _ask(doomed)
            report = doctor.remove(ctx, doomed, report.repaired)
    if as_json:
        emit_json(report.to_dict())
    else:
        _print(report)
    if not report.healthy:
        raise typer.Exit(1)


def _ask(doomed: tuple[RowProblem, ...]) -> None:
    """Name each row and ask before deleting; anything but yes changes nothing."""
    lines = [f"  {p.describe()}" for p in doomed]
    typer.echo("These stored rows cannot be mended and would be deleted:", err=True)
    typer.echo("\n".join(lines), err=True)
    if not typer.confirm(f"Delete these {len(doomed)} rows?", default=False, err=True):
        typer.echo("Nothing was deleted.", err=True)
        raise typer.Exit(1)


def _print(report: DoctorReport) -> None:
    typer.echo(f"Journal: {report.database}")
    for finding in report.journal:
        mark = "ok  " if finding.ok else "FAIL"
        typer.echo(f"  {mark} {finding.check}: {finding.message}")
    for done in report.repaired:
        typer.echo(f"Mended {done.problem.describe()}: {done.action}.")
    for problem in report.removed:
        typer.echo(f"Deleted {problem.describe()}.")
    if report.rows:
        typer.echo(f"Stored rows that do not pass: {len(report.rows)}")
        for problem in report.rows:
            repair = report.repair_for(problem)
            then = f" (--fix: {repair.action})" if repair else " (--remove deletes it)"
            typer.echo(f"  {problem.describe()}{then}")
    elif all(f.ok for f in report.journal):
        typer.echo(f"Every stored row passes ({report.rows_checked} checked).")
    if report.healthy:
        typer.echo("The journal is healthy.")
        return
    steps = []
    if report.repairs:
        steps.append(f"`hipcoach doctor --fix` mends {len(report.repairs)}")
    if report.unfixable:
        steps.append(f"`hipcoach doctor --remove` deletes {len(report.unfixable)}")
    if steps:
        typer.echo("; ".join(steps) + ".")
