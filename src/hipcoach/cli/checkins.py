"""`hipcoach checkin`: how the hip feels between sessions, and what the rules make of it."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import typer

from hipcoach.cli.base import app
from hipcoach.cli.output import emit_json

__all__ = ["app", "ask_after", "ask_checkin", "checkin_command", "interactive"]

MORNING_CHOICES = ("better", "same", "worse")


@app.command("checkin")
def checkin_command(
    pain: int | None = typer.Option(
        None, "--pain", metavar="N", help="Pain in the hip now, 0 (none) to 10 (the worst)."
    ),
    morning_after: str | None = typer.Option(
        None,
        "--morning-after",
        metavar="better|same|worse",
        help="How the hip felt this morning, after your last session.",
    ),
    symptom: list[str] | None = typer.Option(
        None,
        "--symptom",
        metavar="NAME",
        help="A symptom since the last session: pinch, cramp, knee, pain or cannot-sit-tall "
        "(repeat for more).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Record a check-in outside a session (the next morning, say) and see the next session."""
    from datetime import date

    from hipcoach import services
    from hipcoach.domain.errors import HipcoachError
    from hipcoach.services import checkins

    symptoms = list(symptom or [])
    if pain is None and morning_after is None and not symptoms:
        if as_json or not interactive():
            raise HipcoachError("nothing to record: give --pain, --morning-after or --symptom")
        pain, morning_after = ask_checkin()
    with services.Context() as ctx:
        report = checkins.report_outside_session(ctx, date.today(), pain, morning_after, symptoms)
        if as_json:
            from hipcoach.views import checkin_report

            emit_json(checkin_report(report, checkins.decision_dict(ctx.library, report.decision)))
            return
        lines = checkins.explain(ctx.library, report.decision)
    if report.checkin is not None:
        parts = []
        if report.checkin.pain is not None:
            parts.append(f"pain {report.checkin.pain}/10")
        if report.checkin.morning_after is not None:
            parts.append(f"this morning {report.checkin.morning_after}")
        typer.echo("Recorded: " + ", ".join(parts) + ".")
    for rule_id in report.symptoms:
        typer.echo(f"Recorded the symptom; rule {rule_id} applies from the next session.")
    typer.echo("Next session: " + lines[0])
    for line in lines[1:]:
        typer.echo(line)


def interactive() -> bool:
    """Whether someone can answer questions (a terminal on stdin)."""
    return sys.stdin.isatty()


def _number(raw: str) -> Any:
    value: Any = raw.strip() or None
    # A non-number is handed on as typed: the service's message names the bad value.
    with contextlib.suppress(TypeError, ValueError):
        value = int(value)
    return value


def ask_checkin() -> tuple[int | None, str | None]:
    """Ask pain now and the morning after the last session; Enter skips either."""
    pain = typer.prompt("Pain in the hip now, 0-10 (Enter to skip)", default="", show_default=False)
    morning = typer.prompt(
        "This morning, after your last session, the hip felt better, same or worse? "
        "(Enter to skip)",
        default="",
        show_default=False,
    )
    return _number(pain), morning.strip() or None


def ask_after() -> tuple[int | None, int | None]:
    """Ask, after a session, for pain (0-10) and how hard it felt (0-10); Enter skips."""
    pain = typer.prompt(
        "Pain in the hip now, after the session, 0-10 (Enter to skip)",
        default="",
        show_default=False,
    )
    effort = typer.prompt(
        "How hard did that feel, 0 (easy) to 10 (all out)? (Enter to skip)",
        default="",
        show_default=False,
    )
    return _number(pain), _number(effort)
