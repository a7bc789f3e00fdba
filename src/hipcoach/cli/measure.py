"""`hipcoach measure`: record hip rotation, pain, a global rating, the sit-tall check and the PSFS.

With no values given and a terminal to talk to, it walks the person through
measuring with a phone inclinometer, step by step; every answer can also be
given as an option, which is the only way when stdin is not a terminal.
"""

from __future__ import annotations

import sys
import textwrap
from typing import TYPE_CHECKING, Any

import typer

from hipcoach.cli.base import app
from hipcoach.cli.output import emit_json
from hipcoach.domain.errors import HipcoachError

if TYPE_CHECKING:
    from hipcoach.library.questionnaires import Item, Questionnaire
    from hipcoach.services import Context
    from hipcoach.services.measurements import MeasureInput

measure_app = typer.Typer(
    help=(
        "Record hip rotation, pain, how normal the hip feels, the sit-tall check and the PSFS. "
        "With no values given, in a terminal, it walks you through measuring with a phone."
    ),
    invoke_without_command=True,
)
app.add_typer(measure_app, name="measure")


def _can_ask() -> bool:
    """Questions only when someone can answer them (tests replace this)."""
    return sys.stdin.isatty()


@measure_app.callback()
def measure_command(
    ctx: typer.Context,
    side: str | None = typer.Option(
        None, "--side", help="The side --ir, --er, --pain and --sit-tall mean: left or right."
    ),
    ir: str | None = typer.Option(
        None, "--ir", help="Internal rotation of --side, degrees.", metavar="DEG"
    ),
    er: str | None = typer.Option(
        None, "--er", help="External rotation of --side, degrees.", metavar="DEG"
    ),
    left_ir: str | None = typer.Option(
        None, "--left-ir", help="Left hip, internal rotation.", metavar="DEG"
    ),
    left_er: str | None = typer.Option(
        None, "--left-er", help="Left hip, external rotation.", metavar="DEG"
    ),
    right_ir: str | None = typer.Option(
        None, "--right-ir", help="Right hip, internal rotation.", metavar="DEG"
    ),
    right_er: str | None = typer.Option(
        None, "--right-er", help="Right hip, external rotation.", metavar="DEG"
    ),
    method: str | None = typer.Option(
        None, "--method", help="inclinometer (default), goniometer, camera or estimate."
    ),
    position: str | None = typer.Option(
        None, "--position", help="seated (default), prone or supine."
    ),
    at: str | None = typer.Option(
        None,
        "--at",
        metavar="WHEN",
        help="When it was measured, to back-fill: 2025-03-14 or 2025-03-14T07:30 (default: now).",
    ),
    pain: list[str] | None = typer.Option(
        None,
        "--pain",
        metavar="[SIDE=]N",
        help="Hip pain right now, 0-10 (repeatable per side: --pain left=3).",
    ),
    global_rating: str | None = typer.Option(
        None, "--global", metavar="N", help="How normal the hip feels, 0-100."
    ),
    sit_tall: list[str] | None = typer.Option(
        None,
        "--sit-tall",
        metavar="SIDE=N",
        help="The 90/90 sit-tall check (hipcoach's own 0-4 score) per leg in front: right=3.",
    ),
    psfs: list[str] | None = typer.Option(
        None,
        "--psfs",
        metavar="ACTIVITY=N",
        help="A PSFS activity and its 0-10 rating, repeatable (up to 5): --psfs 'put on socks=6'.",
    ),
    note: str | None = typer.Option(None, "--note", help="A note kept with every value."),
    as_json: bool = typer.Option(False, "--json", help="Print what was stored as JSON."),
) -> None:
    """Measure and record. Without values, walks you through a phone measurement step by step."""
    if ctx.invoked_subcommand is not None:
        return
    from hipcoach import services
    from hipcoach.domain.measurements import parse_psfs_item
    from hipcoach.services.measurements import MeasureInput, record_measurements

    angles: list[tuple[str, str, str | float]] = []
    for hip, movement, value in (
        ("left", "ir", left_ir),
        ("left", "er", left_er),
        ("right", "ir", right_ir),
        ("right", "er", right_er),
    ):
        if value is not None:
            angles.append((hip, movement, value))
    for movement, value in (("ir", ir), ("er", er)):
        if value is not None:
            if side is None:
                raise HipcoachError(
                    f"--{movement} needs --side left or --side right "
                    f"(or use --left-{movement} / --right-{movement})"
                )
            angles.append((side, movement, value))
    given = MeasureInput(
        at=at,
        method=method or "inclinometer",
        position=position or "seated",
        angles=angles,
        pain=[_sided(p, side, "--pain", required=False) for p in pain or []],
        global_rating=global_rating,
        # required=True: a sit-tall score always comes with its side.
        sit_tall=[
            (str(s), v) for s, v in (_sided(r, side, "--sit-tall", True) for r in sit_tall or [])
        ],
        psfs=[parse_psfs_item(p) for p in psfs or []],
        note=note,
    )
    with services.Context() as context:
        if given.empty and _can_ask():
            given = _guided(context, at, method, position, note)
        result = record_measurements(context, given)
    if as_json:
        emit_json(result)
        return
    _print_result(result)


def _sided(raw: str, side: str | None, option: str, required: bool) -> tuple[str | None, str]:
    """'left=3' as ('left', '3'); a bare '3' takes --side, which `required` options need."""
    named, sep, value = raw.partition("=")
    if sep:
        return named.strip(), value
    if required and side is None:
        raise HipcoachError(f"{option} wants SIDE=N (e.g. {option} right=3), or give --side")
    return side, raw


def _say(text: str, indent: str = "") -> None:
    typer.echo(
        textwrap.fill(text, width=88, initial_indent=indent, subsequent_indent=" " * len(indent))
    )


def _guided(
    ctx: Context, at: str | None, method: str | None, position: str | None, note: str | None
) -> MeasureInput:
    """The step-by-step walk-through: the angles, then (if wanted) how the hip feels."""
    from hipcoach.safety import SAFETY_NOTE
    from hipcoach.services.measurements import (
        FOLLOW_UPS,
        GUIDE_ID,
        Measures,
        input_from_answers,
        last_psfs_activities,
    )

    questionnaires = Measures(ctx).questionnaires
    _say(SAFETY_NOTE)
    typer.echo("Press Enter to skip any question; nothing is saved until the end.\n")
    answers = {GUIDE_ID: _walk(questionnaires[GUIDE_ID])}
    if typer.confirm(
        "\nRecord how the hip feels too (pain, global rating, sit-tall, PSFS)?", default=True
    ):
        for qid in FOLLOW_UPS:
            prefill = last_psfs_activities(ctx) if qid == "psfs" else []
            answers[qid] = _walk(questionnaires[qid], prefill)
    given = input_from_answers(questionnaires, answers, at, method, position, note)
    if given.empty:
        raise HipcoachError("nothing was entered, so nothing was saved")
    if not typer.confirm("\nSave these readings?", default=True):
        raise typer.Exit(0)
    return given


def _walk(questionnaire: Questionnaire, prefill: list[str] | None = None) -> dict[str, Any]:
    """Ask one questionnaire's items in order; answers by linkId (lists for repeated groups)."""
    typer.echo(f"\n== {questionnaire.title}")
    _say(questionnaire.description)
    for n, line in enumerate(questionnaire.instructions, 1):
        _say(line, f"  {n}. ")
    answers: dict[str, Any] = {}
    for item in questionnaire.item:
        _ask_item(item, answers, prefill or [])
    return answers


def _ask_item(item: Item, answers: dict[str, Any], prefill: list[str]) -> None:
    if item.type == "display":
        _say(item.text, "  - ")
    elif item.type == "group" and item.repeats:
        answers[item.link_id] = _ask_repeats(item, prefill)
    elif item.type == "group":
        typer.echo(f"\n-- {item.text}")
        for child in item.item:
            _ask_item(child, answers, prefill)
    else:
        value = _ask_value(item)
        if value is not None:
            answers[item.link_id] = value


def _ask_repeats(group: Item, prefill: list[str]) -> list[dict[str, str]]:
    """A repeated group such as the PSFS: last time's entries first, then new ones."""
    name_item = next(i for i in group.item if i.type == "string")
    rest = [i for i in group.item if i is not name_item]
    entries: list[dict[str, str]] = []
    if prefill:
        typer.echo("Rate the same activities as last time (Enter skips one):")
    for name in prefill:
        typer.echo(f"  {name}")
        values = [_ask_value(i) for i in rest]
        if all(v is not None for v in values):
            entries.append(
                {name_item.link_id: name}
                | {i.link_id: str(v) for i, v in zip(rest, values, strict=True)}
            )
    limit = group.max_repeats or 5
    while len(entries) < limit:
        typed = _ask_value(name_item, suffix="Enter when done")
        if typed is None:
            break
        entry = {name_item.link_id: typed}
        for child in rest:
            entry[child.link_id] = str(_ask_value(child, required=True))
        entries.append(entry)
    return entries


def _ask_value(item: Item, required: bool = False, suffix: str = "Enter to skip") -> str | None:
    """Ask until the answer fits the item's range (or is skipped, where that is allowed)."""
    for option in item.answer_option:
        _say(option.label, f"    {option.value} = ")
    hint = []
    if item.min_value is not None and item.max_value is not None:
        hint.append(f"{item.min_value:g}-{item.max_value:g}")
    if item.low_label and item.high_label:
        hint.append(
            f"{item.min_value:g} = {item.low_label}, {item.max_value:g} = {item.high_label}"
        )
    hint.append(suffix if not required else "needed")
    while True:
        asked = typer.prompt(f"  {item.text} ({'; '.join(hint)})", default="", show_default=False)
        raw = str(asked).strip()
        if not raw:
            if required:
                typer.echo("    This one needs an answer.")
                continue
            return None
        problem = _check(item, raw)
        if problem is None:
            return raw
        typer.echo(f"    {problem}")


def _check(item: Item, raw: str) -> str | None:
    """Why `raw` does not fit the item, or None when it does (the service checks again)."""
    from hipcoach.domain.measurements import MeasurementError, parse_number

    if item.type == "string":
        return None if len(raw) <= (item.max_length or 600) else "That is too long."
    try:
        value = parse_number(raw, "the answer")
    except MeasurementError as exc:
        return str(exc).capitalize()
    assert item.min_value is not None
    assert item.max_value is not None
    if not item.min_value <= value <= item.max_value:
        return f"Give a number from {item.min_value:g} to {item.max_value:g}."
    if item.type == "integer" and value != int(value):
        return "Give a whole number."
    return None


def _print_result(result: dict[str, Any]) -> None:
    from hipcoach.report.words import measurement_lines

    rows = result["measurements"]
    count = len(rows) + len(result["questionnaires"])
    typer.echo(f"Saved {count} value{'s' * (count != 1)}.")
    for line in measurement_lines(result):
        typer.echo(f"  {line}")
    typer.echo("See how things are going with: hipcoach progress")


@measure_app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List every measurement and questionnaire, oldest first."""
    from hipcoach import services
    from hipcoach.services.measurements import list_measurements

    with services.Context() as ctx:
        result = list_measurements(ctx)
    if as_json:
        emit_json(result)
        return
    if not result["measurements"] and not result["questionnaires"]:
        typer.echo("Nothing measured yet. Start with: hipcoach measure")
        return
    from hipcoach.report.words import measurement_lines

    for line in measurement_lines(result, dated=True):
        typer.echo(line)
