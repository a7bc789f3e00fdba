"""`hipcoach checkin`: how the hip feels between sessions, and what the rules make of it."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import typer

from hipcoach.cli.base import app
from hipcoach.cli.output import emit_json

__all__ = [
    "WarningSignOption",
    "app",
    "ask_after",
    "ask_checkin",
    "ask_warning_signs",
    "checkin_command",
    "interactive",
]

MORNING_CHOICES = ("better", "same", "worse")
# The screen's warning signs a check-in may report (screening.toml, `[question.sign]`);
# named here so --help stays fast, and a test checks the list against the file.
WARNING_SIGNS = (
    "fall",
    "cannot-bear-weight",
    "leg-shape",
    "hot-swollen",
    "bladder-bowel",
    "pale-cold-foot",
    "night-pain",
    "weight-loss",
    "numbness",
)
WarningSignOption = typer.Option(
    None,
    "--warning-sign",
    metavar="SIGN",
    help="A warning sign since the last session: " + ", ".join(WARNING_SIGNS) + " (repeat for "
    "more). It pauses the program until a clinician's all-clear is recorded (plan clear) or a "
    "new screen no longer says stop.",
)


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
    warning_sign: list[str] | None = WarningSignOption,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Record a check-in outside a session (the next morning, say) and see the next session."""
    from datetime import date

    from hipcoach import services
    from hipcoach.domain.errors import HipcoachError
    from hipcoach.services import checkins

    symptoms = list(symptom or [])
    signs = list(warning_sign or [])
    asked = False
    if pain is None and morning_after is None and not symptoms and not signs:
        if as_json or not interactive():
            raise HipcoachError(
                "nothing to record: give --pain, --morning-after, --symptom or --warning-sign"
            )
        pain, morning_after = ask_checkin()
        asked = True
    with services.Context() as ctx:
        from hipcoach.services.holds import check_signs, open_holds, pause_lines

        signs = list(check_signs(ctx, signs))
        if asked:
            signs = ask_warning_signs(ctx)
        report = checkins.report_outside_session(
            ctx, date.today(), pain, morning_after, symptoms, signs
        )
        if as_json:
            from hipcoach.views import checkin_report

            emit_json(checkin_report(report, checkins.decision_dict(ctx.library, report.decision)))
            return
        lines = checkins.explain(ctx.library, report.decision)
        paused = [line for h in open_holds(ctx) for line in pause_lines(h)]
    if report.checkin is not None:
        parts = []
        if report.checkin.pain is not None:
            parts.append(f"pain {report.checkin.pain}/10")
        if report.checkin.morning_after is not None:
            parts.append(f"this morning {report.checkin.morning_after}")
        typer.echo("Recorded: " + ", ".join(parts) + ".")
    for rule_id in report.symptoms:
        typer.echo(f"Recorded the symptom; rule {rule_id} applies from the next session.")
    if report.hold is not None:
        typer.echo("Recorded the warning sign: " + ", ".join(report.hold.signs) + ".")
    if paused:
        # A pause says what it is and what lifts it, not a verdict for a session that cannot be.
        typer.echo("No session until the pause lifts (hipcoach is not medical care).")
        for line in paused:
            typer.echo(line)
        return
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


def _ask_rating(question: str, what: str) -> int | None:
    """A 0-10 answer, asked again after a typo (as `measure` does); Enter skips."""
    from hipcoach.domain.errors import HipcoachError
    from hipcoach.domain.rulebook import check_scale

    while True:
        raw = typer.prompt(question, default="", show_default=False)
        value = _number(raw)
        if value is None:
            return None
        try:
            return check_scale(value, what)
        except HipcoachError as exc:
            typer.echo(f"{exc}; try again, or press Enter to skip.", err=True)


def _ask_morning(first_session: bool) -> str | None:
    """better/same/worse, asked again after a typo; 'none' (or Enter) when there was no
    earlier session to wake up after."""
    from hipcoach.domain.errors import HipcoachError
    from hipcoach.domain.rulebook import parse_morning_after

    if first_session:
        question = (
            "The morning after your last session, the hip felt better, same or worse? "
            "(none, or Enter: there was no earlier session)"
        )
    else:
        question = (
            "This morning, after your last session, the hip felt better, same or worse? "
            "(none if there was no earlier session; Enter to skip)"
        )
    while True:
        raw = str(typer.prompt(question, default="", show_default=False)).strip().lower()
        if raw in ("", "none", "no", "no earlier session"):
            return None
        try:
            parse_morning_after(raw)
        except HipcoachError as exc:
            typer.echo(f"{exc}; try again, or type none.", err=True)
            continue
        return raw


def ask_checkin(*, first_session: bool = False) -> tuple[int | None, str | None]:
    """Ask pain now and the morning after the last session, asking again after a typo.

    With no earlier session the morning-after question says so and "none" is the answer
    it expects; Enter skips either question.
    """
    pain = _ask_rating("Pain in the hip now, 0-10 (Enter to skip)", "pain now")
    return pain, _ask_morning(first_session)


def ask_warning_signs(ctx: Any) -> list[str]:
    """Ask whether any warning sign is new, by number or name; Enter or 'none' for none.

    A typo is asked again: a sign must never be dropped for a misspelling.
    """
    from hipcoach.domain.errors import HipcoachError
    from hipcoach.services.holds import check_signs, sign_choices

    choices = sign_choices(ctx)
    typer.echo("Anything new since your last session?")
    for n, (_, label) in enumerate(choices, 1):
        typer.echo(f"  {n}. {label}")
    while True:
        raw = str(
            typer.prompt("Numbers or names, or Enter for none", default="", show_default=False)
        )
        words = [w for w in raw.replace(",", " ").lower().split() if w]
        if not words or words == ["none"]:
            return []
        picked = []
        for word in words:
            if word.isdigit() and 1 <= int(word) <= len(choices):
                picked.append(choices[int(word) - 1][0])
            else:
                picked.append(word)
        try:
            return list(check_signs(ctx, picked))
        except HipcoachError as exc:
            typer.echo(f"{exc}; try again, or press Enter for none.", err=True)


def ask_after() -> tuple[int | None, int | None]:
    """Ask, after a session, for pain (0-10) and how hard it felt (0-10), asking again
    after a typo; Enter skips."""
    pain = _ask_rating("Pain in the hip now, after the session, 0-10 (Enter to skip)", "pain")
    effort = _ask_rating(
        "How hard did that feel, 0 (easy) to 10 (all out)? (Enter to skip)", "effort"
    )
    return pain, effort
