"""`hipcoach screen`: the readiness screen, asked in a terminal or answered with options."""

from __future__ import annotations

import inspect
import shutil
import sys
from typing import TYPE_CHECKING, Any

import typer

from hipcoach.cli.base import app
from hipcoach.cli.output import console, emit_json

if TYPE_CHECKING:
    from rich.console import RenderableType

    from hipcoach.domain.library import Library
    from hipcoach.domain.screening import ScreenForm
    from hipcoach.services.screening import ScreenStatus
    from hipcoach.store.screens import StoredScreen

__all__ = ["ANSWER_OPTIONS", "app"]

APPROACHES = ("anterior", "posterior", "lateral", "unknown")
# One option per question in screening.toml: (question id, choices or () for yes/no, help).
# Declared here rather than read from the file so `hipcoach --help` stays fast; a test
# checks this table against the file, so the two cannot drift apart.
ANSWER_OPTIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("trauma", (), "A recent fall, knock or injury to the hip or leg."),
    ("cannot_bear_weight", (), "Standing or walking on a leg is very painful or impossible."),
    ("leg_shape", (), "Since an injury, a leg looks out of shape, shorter or turned out."),
    ("hot_swollen", (), "A hot, red or swollen hip, a fever, or feeling unwell."),
    ("bowel_bladder", (), "New problems controlling the bladder or bowels."),
    ("pale_cold_foot", (), "A foot suddenly pale or cold."),
    ("night_pain", (), "Hip pain at night or at rest."),
    ("weight_loss", (), "Weight loss without trying, or night sweats."),
    ("cancer", (), "Ever had cancer."),
    ("steroids", (), "Steroid tablets taken for months at a time."),
    ("numbness", (), "Numbness, tingling or weakness in a leg."),
    ("clinician_cleared", (), "A clinician checked those and said hip exercise is fine."),
    ("groin_clicking", (), "Groin pain with clicking, locking or catching."),
    ("under_18", (), "Under 18 years old."),
    ("under_18_pain", (), "(Under 18) hip or knee pain, or a limp."),
    ("replacement", (), "Had a hip replacement."),
    ("replacement_side", ("left", "right", "both"), "Which hip was replaced."),
    ("replacement_approach", APPROACHES, "How the surgeon reached the joint (one hip)."),
    ("replacement_cleared", (), "Surgeon or physio cleared 90/90 floor work (one hip)."),
    # Both hips replaced: each hip's approach and clearance, asked on their own.
    ("replacement_approach_left", APPROACHES, "(Both hips) how the left hip was reached."),
    ("replacement_cleared_left", (), "(Both hips) the left hip is cleared for 90/90 floor work."),
    ("replacement_approach_right", APPROACHES, "(Both hips) how the right hip was reached."),
    ("replacement_cleared_right", (), "(Both hips) the right hip is cleared for 90/90 work."),
    ("pregnant", (), "Pregnant."),
    ("pregnancy_cleared", (), "Midwife or doctor said exercise is fine in this pregnancy."),
    ("fai", (), "Told by a clinician you have hip impingement (FAI) or a labral tear."),
)
STATUS_STYLE = {"clear": "green", "caution": "yellow", "stop": "red"}
HEADLINE = {
    "clear": "Clear: nothing in your answers stops you.",
    "caution": "Caution: you can train, with the changes below.",
    "stop": "Stop: no hipcoach sessions for now.",
}
NOT_CARE = "hipcoach is a coaching aid, not medical care; this screen is not a diagnosis."


def option_name(question_id: str) -> str:
    """The command-line option that answers a question: trauma -> --trauma."""
    return "--" + question_id.replace("_", "-")


def _answer_parameters() -> list[inspect.Parameter]:
    params = []
    for qid, choices, help_text in ANSWER_OPTIONS:
        name = option_name(qid)
        if choices:
            option = typer.Option(None, name, metavar="[" + "|".join(choices) + "]", help=help_text)
            annotation: Any = str | None
        else:
            negative = "--no-" + name[2:]
            option = typer.Option(None, f"{name}/{negative}", help=help_text, show_default=False)
            annotation = bool | None
        params.append(
            inspect.Parameter(
                qid, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=annotation
            )
        )
    return params


def screen_command(
    *, no_to_all: bool = False, as_json: bool = False, show: bool = False, **answers: Any
) -> None:
    """Take the readiness screen: a short safety check before you train.

    In a terminal it asks each question that applies (follow-ups only after a yes).
    Every question is also an option (--trauma/--no-trauma, --replacement-side left,
    ...); --no-to-all answers no to every question not given. The screen is stored
    with its date: sessions need one from the last 90 days, and none starts while
    the latest says stop. hipcoach is not medical care; this is not a diagnosis.
    """
    from hipcoach import services
    from hipcoach.domain.errors import HipcoachError
    from hipcoach.services import screening

    given = {k: v for k, v in answers.items() if v is not None}
    with services.Context() as ctx:
        if show:
            if given or no_to_all:
                raise HipcoachError("--show only shows the latest screen; it takes no answers")
            _print_status(screening.screen_status(ctx, _today()), as_json, ctx.library)
            return
        form = screening.screening_form(ctx)
        if no_to_all:
            given = {q.id: False for q in form.questions if not q.follows} | given
        if _interactive():
            given = _ask(form, given, to_stderr=as_json)
        stored = _take(ctx, given)
        status = screening.screen_status(ctx, _today())
    if as_json:
        view = screening.screen_view(stored, ctx.library)
        emit_json({**view, "valid_until": str(status.valid_until)})
        return
    console().print(_panel(stored, status, ctx.library))
    console().print(NOT_CARE, style="dim")


# Typer reads the options from the signature: one per question, built from the table.
screen_command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        *_answer_parameters(),
        inspect.Parameter(
            "no_to_all",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(
                False, "--no-to-all", help="Answer no to every question not given as an option."
            ),
            annotation=bool,
        ),
        inspect.Parameter(
            "as_json",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(
                False, "--json", help="Print the outcome and every reason as JSON."
            ),
            annotation=bool,
        ),
        inspect.Parameter(
            "show",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(
                False, "--show", help="Show the latest screen and whether one is due; ask nothing."
            ),
            annotation=bool,
        ),
    ],
    return_annotation=None,
)
app.command("screen")(screen_command)


def _today() -> Any:
    from datetime import date

    return date.today()


def _interactive() -> bool:
    return sys.stdin.isatty()


def _ask(form: ScreenForm, given: dict[str, Any], to_stderr: bool) -> dict[str, Any]:
    """Ask each question that applies and has no answer yet, follow-ups after a yes."""
    import click

    from hipcoach.domain.screening import QuestionType, next_question

    answers = dict(given)
    question = next_question(form, answers)
    if question is None:
        return answers
    width = min(shutil.get_terminal_size().columns, 88)
    typer.secho(form.title, bold=True, err=to_stderr)
    typer.echo(click.wrap_text(form.intro, width) + "\n", err=to_stderr)
    while question is not None:
        help_text = click.wrap_text(question.help, width, "  ", "  ")
        typer.secho("\n" + help_text, dim=True, err=to_stderr)
        if question.type is QuestionType.YES_NO:
            # No default: a safety question needs a real yes or no, not a stray Enter.
            answers[question.id] = typer.confirm(question.prompt, default=None, err=to_stderr)
        else:
            answers[question.id] = typer.prompt(
                question.prompt, type=click.Choice(question.options), err=to_stderr
            )
        question = next_question(form, answers)
    return answers


def _take(ctx: Any, given: dict[str, Any]) -> StoredScreen:
    from hipcoach.domain.errors import HipcoachError
    from hipcoach.domain.screening import ScreenAnswerError
    from hipcoach.services.screening import take_screen

    try:
        return take_screen(ctx, given)
    except ScreenAnswerError as exc:
        if exc.kind != "missing":
            message = str(exc)
            for qid, _, _ in ANSWER_OPTIONS:  # Name the options people typed, not the ids.
                message = message.replace(f"'{qid}'", option_name(qid))
            raise HipcoachError(f"{message}. Nothing was stored.") from None
        flags = ", ".join(_flag_text(q) for q in exc.question_ids)
        raise HipcoachError(
            f"the screen needs an answer for {flags}. Answer each one, run hipcoach screen "
            "in a terminal to be asked, or pass --no-to-all when none of the questions "
            "apply to you. Nothing was stored."
        ) from None


def _flag_text(question_id: str) -> str:
    choices = {q: c for q, c, _ in ANSWER_OPTIONS}.get(question_id)
    name = option_name(question_id)
    return f"{name} [{'|'.join(choices)}]" if choices else f"{name}/--no-{name[2:]}"


def _print_status(status: ScreenStatus, as_json: bool, library: Library) -> None:
    from hipcoach.services.screening import screen_view

    if as_json:
        emit_json(
            {
                "latest": screen_view(status.latest, library) if status.latest else None,
                "due": status.due,
                "why": status.why,
                "valid_until": str(status.valid_until) if status.valid_until else None,
            }
        )
        return
    out = console()
    if status.latest is not None:
        out.print(_panel(status.latest, status, library))
    due = "A new screen is due: run hipcoach screen." if status.due else "No screen is due."
    out.print(f"{status.why[0].upper()}{status.why[1:]}. {due}")


def _panel(stored: StoredScreen, status: ScreenStatus, library: Library) -> RenderableType:
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from hipcoach.domain.decisions import Adjustment, AdjustmentKind
    from hipcoach.services.checkins import describe

    outcome = stored.outcome

    def change(a: Adjustment) -> str:
        # Exercise names and plain words for the demands it leaves out.
        if a.kind is AdjustmentKind.NOTE:
            return a.reason
        return "; ".join(describe(library, [a], alongside=outcome.adjustments))

    style = STATUS_STYLE[outcome.status.value]
    parts: list[RenderableType] = [Text(HEADLINE[outcome.status.value], style=f"bold {style}")]

    def section(title: str, lines: list[Text]) -> None:
        if lines:
            parts.append(Text(f"\n{title}", style="bold"))
            bullets = Table.grid(padding=(0, 1))  # Wrapped lines hang under their text.
            bullets.add_column(width=3, justify="right")
            bullets.add_column()
            for line in lines:
                bullets.add_row("-", line)
            parts.append(bullets)

    def tagged(text: str, rule_id: str) -> Text:
        return Text(text).append(f"  ({rule_id})", style="dim")

    stop = outcome.status.value == "stop"
    # On a stop screen the caution rules change nothing yet: they are shown apart.
    later = [r for r in outcome.reasons if stop and r.level.value == "caution"]
    section("Why", [tagged(r.reason, r.rule_id) for r in outcome.reasons if r not in later])
    section(
        "What changes in your sessions",
        [
            tagged(change(a) or a.describe(), a.rule_id)
            for a in outcome.adjustments
            if a.kind is not AdjustmentKind.BLOCK_SESSION
        ],
    )
    section("What to do", [Text(t) for t in outcome.what_to_do])
    section("What would change it", [Text(t) for t in outcome.what_would_change_it])
    section("Also noted, for when you can train", [tagged(r.reason, r.rule_id) for r in later])
    taken = stored.taken_at.astimezone().strftime("%a %d %b %Y %H:%M")
    subtitle = f"taken {taken}; valid until {status.valid_until}"
    return Panel(
        Group(*parts),
        title=f"Readiness screen: {outcome.status.value}",
        subtitle=subtitle,
        border_style=style,
    )


def screen_interactively(ctx: Any) -> StoredScreen:
    """Ask the whole screen in the terminal, store it and show the outcome (used by start)."""
    from hipcoach.services import screening

    stored = _take(ctx, _ask(screening.screening_form(ctx), {}, to_stderr=False))
    console().print(_panel(stored, screening.screen_status(ctx, _today()), ctx.library))
    return stored
