"""Commands for programs: `hipcoach plan goals|new|show|pause|resume|ics` and `hipcoach today`."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import click
import typer

from hipcoach.cli.base import app
from hipcoach.cli.output import console, emit_json
from hipcoach.domain.errors import HipcoachError

if TYPE_CHECKING:
    from hipcoach.services.programs import PlanView, TodayView

plan_app = typer.Typer(
    help="A program toward a goal: dated sessions, weekly progression, a calendar file.",
    no_args_is_help=True,
)
app.add_typer(plan_app, name="plan")

DateOption = typer.Option(
    None, "--date", metavar="YYYY-MM-DD", help="Look at another day (default: today)."
)


def _date(raw: str | None, option: str = "--date") -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise HipcoachError(f"{option} wants a date as YYYY-MM-DD, got '{raw}'") from None


@plan_app.command("goals")
def goals_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the goals a plan can aim at."""
    from hipcoach import services
    from hipcoach.services.programs import goals

    with services.Context() as ctx:
        items = list(goals(ctx).values())
    if as_json:
        from hipcoach.views import goal_summary

        emit_json([goal_summary(g) for g in items])
        return
    from rich.table import Table

    table = Table(title="Goals", title_justify="left")
    for column in ("id", "routine", "how often", "what it is"):
        table.add_column(column, ratio=1 if column == "what it is" else None)
    for g in items:
        table.add_row(g.id, g.routine_id, g.frequency, g.summary)
    table.caption = "hipcoach plan new --goal ID makes a plan."
    console().print(table)


@plan_app.command("new")
def plan_new_command(
    goal: str = typer.Option(..., "--goal", help="Which goal (hipcoach plan goals lists them)."),
    days: str | None = typer.Option(
        None, "--days", help="Days, e.g. mon,wed,fri, daily or weekdays (default: the goal's)."
    ),
    at: str | None = typer.Option(None, "--time", help="Time of day, HH:MM (24-hour clock)."),
    weeks: int | None = typer.Option(None, "--weeks", help="How many weeks (1-52)."),
    start: str | None = typer.Option(
        None, "--start", metavar="YYYY-MM-DD", help="First day (default: today)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Make a plan for a goal; it replaces the current plan."""
    from hipcoach import services
    from hipcoach.services.programs import new_plan

    with services.Context() as ctx:
        view = new_plan(ctx, goal, days=days, time=at, weeks=weeks, start=_date(start, "--start"))
    if as_json:
        emit_json(view.to_dict())
        return
    typer.echo(f"New plan: {view.plan.goal.name}.")
    _print_plan(view)


@plan_app.command("show")
def plan_show_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
    day: str | None = DateOption,
) -> None:
    """Show the plan: its sessions marked done or missed, the level and why, the streak."""
    from hipcoach import services
    from hipcoach.services.programs import show_plan

    with services.Context() as ctx:
        view = show_plan(ctx, _date(day))
    if as_json:
        emit_json(view.to_dict())
        return
    _print_plan(view)


@plan_app.command("pause")
def plan_pause_command(
    reason: str = typer.Option("you paused it", "--reason", help="Why, shown on blocked days."),
) -> None:
    """Pause the plan: no sessions until it is resumed."""
    from hipcoach import services
    from hipcoach.services.programs import set_plan_status

    with services.Context() as ctx:
        set_plan_status(ctx, "paused", reason)
    typer.echo("Plan paused. hipcoach plan resume takes it up again.")


@plan_app.command("resume")
def plan_resume_command() -> None:
    """Resume a plan you paused (a clinical pause lifts only by a clearance or a new screen)."""
    from hipcoach import services
    from hipcoach.services.holds import pause_lines
    from hipcoach.services.programs import set_plan_status

    with services.Context() as ctx:
        view = set_plan_status(ctx, "active")
    if view.holds:
        typer.echo("Your own pause is over, but the plan stays paused for your safety:")
        for line in (line for h in view.holds for line in pause_lines(h)):
            typer.echo(line)
        return
    typer.echo("Plan resumed. hipcoach today shows the next session.")


@plan_app.command("clear")
def plan_clear_command(
    by: str = typer.Option(
        ..., "--by", metavar="WHO", help="Who cleared you: a name or a role ('my physio')."
    ),
    on: str | None = typer.Option(
        None, "--on", metavar="YYYY-MM-DD", help="The day of the all-clear (default: today)."
    ),
    note: str | None = typer.Option(None, "--note", help="What they said (up to 500 characters)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Record a clinician's all-clear: it lifts a pause from a warning sign or easier sessions."""
    from hipcoach import services
    from hipcoach.services.holds import record_clearance
    from hipcoach.services.programs import local_today

    with services.Context() as ctx:
        result = record_clearance(ctx, by, _date(on, "--on"), note, local_today())
    if as_json:
        emit_json(result.to_dict())
        return
    c = result.clearance
    typer.echo(f"Recorded: cleared by {c.by} on {c.on:%a %Y-%m-%d}.")
    for hold in result.lifted:
        typer.echo(
            f"  Lifted the pause of {hold.since.astimezone():%Y-%m-%d}: {', '.join(hold.rule_ids)}"
        )
    for hold in result.still:
        if hold.kind.value == "screen":
            typer.echo("Still paused: your latest screen says stop; a new screen lifts that.")
        else:
            typer.echo(
                f"Still paused: the pause of {hold.since.astimezone():%Y-%m-%d} "
                f"({', '.join(hold.rule_ids)}) began after this all-clear and needs its own."
            )
    if not result.still:
        typer.echo("Sessions can start again. hipcoach today shows the next one.")


@plan_app.command("ics")
def plan_ics_command() -> None:
    """Write the plan as an iCalendar file with reminders: hipcoach plan ics > plan.ics."""
    from hipcoach import services
    from hipcoach.services.calendar import plan_ics

    with services.Context() as ctx:
        data = plan_ics(ctx)
    stream = click.get_binary_stream("stdout")
    stream.write(data)
    stream.flush()


@app.command("today")
def today_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
    explain: bool = typer.Option(
        False, "--explain", help="List every rule that shaped the session, with its reason."
    ),
    day: str | None = DateOption,
) -> None:
    """Today's planned session as it will run: routine, time, dose, and every adjustment."""
    from hipcoach import services
    from hipcoach.services.programs import local_today, today_view

    with services.Context() as ctx:
        view = today_view(ctx, _date(day) or local_today())
    if as_json:
        emit_json(view.to_dict())
        return
    _print_today(view, explain)


_MARKS = {"done": "✓", "missed": "✗", "today": "•", "upcoming": "·", "bonus": "+"}


def _print_plan(view: PlanView) -> None:
    from rich.table import Table

    from hipcoach.domain.planning import WEEKDAY_NAMES
    from hipcoach.services.holds import pause_lines

    plan, goal = view.plan, view.plan.goal
    reason = plan.status_reason if plan.status == "paused" else None
    if view.holds:
        reason = "for your safety" + (f"; also by you: {reason}" if reason else "")
    status = view.status + (f" ({reason})" if reason else "")
    at = f" at {plan.time:%H:%M}" if plan.time else ""
    lines = [
        f"Plan {plan.id}: {goal.name} ({goal.id}), {status}",
        f"{goal.routine_id} on {plan.days_text}{at}, {plan.weeks} weeks: "
        f"{plan.start:%a %Y-%m-%d} to {plan.end:%a %Y-%m-%d}",
        f"Level {view.level.index + 1} of {len(goal.levels)}: {view.level_text}",
        f"  why: {view.level.reason}",
    ]
    a = view.adherence
    share = f" ({a.ratio:.0%})" if a.ratio is not None else ""
    lines.append(
        f"Done {a.done} of {_count(a.due, 'session')} due so far{share}, {a.bonus} bonus; "
        f"streak: {_count(a.streak.current, 'planned session')} in a row (best {a.streak.best})"
    )
    for hold in view.holds:
        lines += pause_lines(hold)
    for line in lines:
        typer.echo(line)
    table = Table(title_justify="left")
    table.add_column("week", justify="right")
    table.add_column("from")
    for name in WEEKDAY_NAMES:
        table.add_column(name, justify="center")
    by_week: dict[int, dict[int, str]] = {}
    for entry in view.entries:
        by_week.setdefault(entry.week, {})[entry.date.weekday()] = _MARKS[entry.mark.value]
    for week in range(1, plan.weeks + 1):
        first = plan.start.toordinal() + 7 * (week - 1)
        cells = by_week.get(week, {})
        table.add_row(
            str(week),
            date.fromordinal(first).strftime("%d %b"),
            *(cells.get(d, "") for d in range(7)),
        )
    table.caption = "✓ done  ✗ missed  • today  · planned  + bonus"
    console().print(table)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _print_today(view: TodayView, explain: bool) -> None:
    from hipcoach.views import format_duration

    s, plan = view.session, view.plan
    goal = plan.goal
    day = f"{s.date:%a %Y-%m-%d}"
    reasons = dict(s.explanation)
    if s.blocked:
        typer.echo(f"No session today ({day}).")
        for rule_id, reason in s.blockers:
            typer.echo(f"  {rule_id}: {reason}")
        typer.echo("What would change it: " + _unblock_hint(s.blockers))
        if explain:
            typer.echo("Why (every rule):")
            for rule_id, reason in s.explanation:
                typer.echo(f"  {rule_id}: {reason}")
        return
    if s.rest_day:
        rule = next(r for r in ("plan.rest-day", "plan.finished") if r in reasons)
        typer.echo(f"{day}: {reasons[rule]}")
        if not explain:
            return
    else:
        week = f"week {s.week} of {plan.weeks}, " if s.week else ""
        at = f" at {s.time:%H:%M}" if s.time else ""
        total = format_duration(view.timeline.total_seconds) if view.timeline else "?"
        typer.echo(
            f"{day}, {week}level {(s.level or 0) + 1} of {len(goal.levels)}: "
            f"{view.routine_name}{at}, {total} in all"
        )
        typer.echo(f"Dose: {view.dose_text}")
        if s.routine is not None:
            names = " > ".join(view.step_names)
            typer.echo(f"Steps (each side): {names}")
        if view.changes:
            typer.echo("Changes today: " + "; ".join(view.changes))
        if not explain:
            typer.echo("(hipcoach today --explain lists every rule behind this, and why)")
    if explain:
        typer.echo("Why:")
        for rule_id, reason in s.explanation:
            typer.echo(f"  {rule_id}: {reason}")


def _unblock_hint(blockers: tuple[tuple[str, str], ...]) -> str:
    ids = [rule_id for rule_id, _ in blockers]
    clinical = any(i.startswith(("program.pause", "screen.")) and i != "screen.needed" for i in ids)
    if "plan.paused" in ids and not clinical:
        return "resume the plan with hipcoach plan resume when you are ready."
    if "screen.needed" in ids:
        return "take the readiness screen: hipcoach screen (about a minute)."
    if any(i.startswith("program.pause") for i in ids):
        return (
            "a clinician's all-clear, recorded with hipcoach plan clear --by WHO "
            "(or a new screen that no longer says stop)."
        )
    if any(i.startswith("screen.") for i in ids):
        return "a clinician's all-clear, then hipcoach screen again."
    return "the reasons above; check in again once the hip has settled."
