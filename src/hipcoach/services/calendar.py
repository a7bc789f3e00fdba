"""The current plan as an iCalendar file, with a reminder before each session.

While the plan is paused (by the person, or by a clinical pause) every day from
the pause on is kept as a cancelled event without a reminder: a calendar that
imported the file before sees the same events (same UIDs) cancelled, rather
than keeping reminders for sessions that must not happen.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from hipcoach.domain.goals import build_schedule
from hipcoach.services.context import Context

if TYPE_CHECKING:
    from hipcoach.services.programs import PlanView


def plan_ics(ctx: Context) -> bytes:
    """The current plan as an iCalendar file: one event per planned session, with a reminder."""
    import icalendar

    from hipcoach.domain.compiler import compile_routine
    from hipcoach.safety import SAFETY_NOTE
    from hipcoach.services.programs import current_plan, show_plan

    record, plan = current_plan(ctx)
    view = show_plan(ctx)
    goal = plan.goal
    routine = ctx.library.routine(goal.routine_id)
    level = goal.levels[view.level.index]
    minutes = -(-compile_routine(routine, ctx.library, level.options()).total_seconds // 60)
    zone = _system_zone()
    from hipcoach.services.holds import last_change

    # DTSTAMP and SEQUENCE move whenever a pause begins or lifts, so a calendar that
    # holds an older copy takes the cancelled (or restored) events as the newer ones.
    changes = [record.created_at, record.updated_at, last_change(ctx)]
    changed = max(m.astimezone(UTC) for m in changes if m is not None)
    stamp = record.created_at.astimezone(UTC)
    # Seconds, so a pause begun (or lifted) a moment after the plan was made still counts.
    sequence = int((changed - stamp).total_seconds()) if changed > stamp else 0
    cal = icalendar.Calendar()
    cal.add("prodid", "-//hipcoach//hipcoach plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"hipcoach: {goal.name}")
    paused_from = view.paused_since
    why = _pause_words(view)
    for s in build_schedule(plan):
        paused = paused_from is not None and s.date >= paused_from
        event = icalendar.Event()
        # Stable across exports: re-importing updates events instead of doubling them.
        event.add("uid", f"plan-{record.id}-{stamp:%Y%m%dT%H%M%S}-{s.date:%Y%m%d}@hipcoach")
        event.add("dtstamp", changed)
        event.add("sequence", sequence)
        if paused:
            event.add("summary", f"hipcoach (paused): {routine.name}")
            event.add("status", "CANCELLED")
            event.add(
                "description",
                f"{goal.name}, week {s.week} of {plan.weeks}. No session while the plan is "
                f"paused: {why}\nSee what lifts it with: hipcoach plan show\n\n" + SAFETY_NOTE,
            )
        else:
            event.add("summary", f"hipcoach: {routine.name}")
            event.add("status", "CONFIRMED")
            event.add(
                "description",
                f"{goal.name}, week {s.week} of {plan.weeks}.\n"
                f"Dose (level {view.level.index + 1} of {len(goal.levels)} for now; it moves "
                f"with your progress): {view.level_text}.\n"
                "See the day's session with: hipcoach today\n\n" + SAFETY_NOTE,
            )
        event.add("categories", ["hipcoach"])
        if s.time is None:
            event.add("dtstart", s.date)
            event.add("dtend", s.date + timedelta(days=1))
        else:
            begin = datetime.combine(s.date, s.time, tzinfo=zone)  # floating when no zone
            event.add("dtstart", begin)
            event.add("dtend", begin + timedelta(minutes=max(minutes, 5)))
        if s.time is not None and not paused:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"hipcoach: {routine.name} in {goal.reminder_minutes} min")
            alarm.add("trigger", timedelta(minutes=-goal.reminder_minutes))
            event.add_component(alarm)
        cal.add_component(event)
    if zone is not None and hasattr(cal, "add_missing_timezones"):
        # icalendar 6+: a VTIMEZONE for the TZID used, covering just the plan's dates.
        cal.add_missing_timezones(plan.start - timedelta(days=1), plan.end + timedelta(days=2))
    return bytes(cal.to_ical())


def _pause_words(view: PlanView) -> str:
    """Why the plan is paused, in a sentence (the pause's own reasons, rule ids included)."""
    parts = [f"{r} [{i}]" for h in view.holds for i, r in zip(h.rule_ids, h.reasons, strict=True)]
    if view.plan.status == "paused":
        parts.append(view.plan.status_reason or "you paused it")
    return " ".join(parts)


def _system_zone() -> tzinfo | None:
    """The system's IANA zone (from TZ or /etc/localtime), or None for floating times."""
    import os
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    link = os.path.realpath("/etc/localtime")
    if "zoneinfo/" in link:
        candidates.append(link.split("zoneinfo/", 1)[1])
    for name in filter(None, candidates):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return None
