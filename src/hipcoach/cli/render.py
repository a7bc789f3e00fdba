"""Rich renderables for people reading the terminal. Imported only by commands that print."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from hipcoach.domain.exercise import Exercise, Rotation
from hipcoach.domain.library import Library
from hipcoach.domain.routine import Routine
from hipcoach.domain.timeline import SegmentKind, SessionTimeline
from hipcoach.views import dose_text, format_duration

if TYPE_CHECKING:
    from hipcoach.store import HistoryRow

KIND_STYLE = {
    SegmentKind.GET_READY: "yellow",
    SegmentKind.SETUP: "cyan",
    SegmentKind.HOLD: "bold green",
    SegmentKind.REP: "bold green",
    SegmentKind.REST: "blue",
    SegmentKind.SWITCH_SIDES: "bold magenta",
    SegmentKind.TRANSITION: "dim",
}


def works_text(exercise: Exercise) -> str:
    """Which hip rotates which way, in the short form used on cards: 'front ER, back IR'."""
    short = {Rotation.EXTERNAL: "ER", Rotation.INTERNAL: "IR"}
    parts = [
        f"{hip} {short[rotation]}"
        for hip, rotation in (("front", exercise.front_hip), ("back", exercise.back_hip))
        if rotation in short
    ]
    return ", ".join(parts) or "position"


def exercise_table(exercises: Sequence[Exercise], width: int = 80) -> Table:
    """The library as a table; the purpose column only where the terminal has room."""
    table = Table(title="Exercises", title_justify="left")
    table.add_column("id", style="cyan", no_wrap=True, min_width=max(len(e.id) for e in exercises))
    table.add_column("name", style="bold")
    table.add_column("kind", no_wrap=True)
    table.add_column("works", no_wrap=True)
    wide = width >= 140
    if wide:
        table.add_column("purpose", ratio=1)
    for e in exercises:
        name = e.name if e.variant_of is None else "└ " + e.name
        row = [e.id, name, e.category.value, works_text(e)]
        table.add_row(*row, *([e.purpose] if wide else []))
    table.caption = "└ marks an easier version. hipcoach exercise show ID prints a card."
    return table


def _bullets(
    lines: Sequence[str], marker: str = "•", style: str = "dim", numbered: bool = False
) -> Table:
    """A list with hanging indents, so wrapped lines stay clear of the markers."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", style=style, no_wrap=True)
    grid.add_column(ratio=1)
    for n, line in enumerate(lines, 1):
        grid.add_row(f"{n}." if numbered else marker, line)
    return grid


def exercise_card(exercise: Exercise, library: Library) -> Panel:
    def names(ids: Sequence[str]) -> str:
        return ", ".join(f"{library.exercise(i).name} ({i})" for i in ids)

    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column(ratio=1)
    facts.add_row("Dose", dose_text(exercise))
    facts.add_row("Hips", f"front hip {exercise.front_hip}, back hip {exercise.back_hip}")
    facts.add_row("Cue", exercise.cue)
    parts: list[Text | Table] = [Text(exercise.purpose, style="italic"), Text(), facts]

    def section(title: str, content: Table) -> None:
        parts.extend([Text(), Text(title, style="bold underline"), content])

    section("Set up", _bullets(exercise.setup, numbered=True))
    section("Do", _bullets(exercise.action, numbered=True))
    section("Breathing and effort", _bullets([exercise.breathing, exercise.effort]))
    section("What you should feel", _bullets([f"{f.where}: {f.what}" for f in exercise.feel]))
    section("Common mistakes", _bullets(exercise.mistakes))
    section("Safety", _bullets(exercise.safety, marker="!", style="bold red"))
    links: list[str] = []
    if exercise.variant_of:
        links.append(f"Easier version of: {names([exercise.variant_of])}")
    if exercise.regressions:
        links.append(f"Easier: {names(exercise.regressions)}")
    if exercise.progressions:
        links.append(f"Harder: {names(exercise.progressions)}")
    if links:
        section("Variations", _bullets(links))
    parts.extend(
        [
            Text(),
            Text(f"Source: article {exercise.source.id}, {exercise.source.title}", style="dim"),
        ]
    )
    return Panel(
        Group(*parts),
        title=f"[bold]{exercise.name}[/bold]  [dim]{exercise.id}[/dim]",
        subtitle=exercise.category.value,
        border_style="cyan",
        padding=(1, 2),
    )


def routine_table(items: Sequence[tuple[Routine, SessionTimeline]]) -> Table:
    table = Table(title="Routines", title_justify="left")
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("name", style="bold")
    table.add_column("time", justify="right")
    table.add_column("when", ratio=1)
    for routine, timeline in items:
        table.add_row(
            routine.id, routine.name, format_duration(timeline.total_seconds), routine.when
        )
    table.caption = "hipcoach routine show ID prints the timed steps; hipcoach start ID plays it."
    return table


def timeline_view(routine: Routine, timeline: SessionTimeline) -> Group:
    header = Text()
    header.append(routine.name, style="bold")
    header.append(f"  ({routine.id})\n", style="dim")
    header.append(routine.summary + "\n")
    header.append(f"When: {routine.when}\n", style="dim")
    table = Table(expand=False, show_lines=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("at", justify="right")
    table.add_column("for", justify="right")
    table.add_column("side")
    table.add_column("what", style="bold")
    table.add_column("cue", ratio=1)
    for s in timeline.segments:
        table.add_row(
            str(s.index + 1),
            format_duration(s.start),
            f"{s.duration} s",
            s.side.value,
            Text(s.text, style=KIND_STYLE[s.kind]),
            Text(s.cue, style="dim"),
        )
    footer = Text()
    footer.append(f"Total {format_duration(timeline.total_seconds)}", style="bold")
    footer.append(
        f"  ({timeline.total_seconds} s, {len(timeline.segments)} steps, "
        f"{format_duration(timeline.work_seconds)} of work)"
    )
    return Group(header, table, footer)


def history_table(rows: Sequence[HistoryRow]) -> Table:
    table = Table(title="Session history", title_justify="left")
    table.add_column("date")
    table.add_column("routine", style="bold")
    table.add_column("status")
    table.add_column("segments", justify="right")
    table.add_column("time", justify="right")
    for row in rows:
        local: datetime = row.started_at.astimezone()
        style = {"completed": "green", "ended_for_safety": "red"}.get(row.status, "yellow")
        words = "ended for safety" if row.ended_by_rule else row.status
        status = Text(words, style=style)
        if row.ended_by_rule:
            status.append(f" ({row.ended_by_rule})", style="dim")
        if row.resumable:
            status.append(" (resumable)", style="dim")
        table.add_row(
            local.strftime("%a %d %b %Y %H:%M"),
            row.routine_name,
            status,
            f"{row.segments_done}/{row.segments_total}",
            format_duration(row.time_spent_seconds),
        )
    if not rows:
        table.caption = "No sessions yet. Start one with: hipcoach start"
    return table
