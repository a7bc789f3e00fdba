"""The current plan as an iCalendar file, with a reminder before each session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from hipcoach.domain.goals import build_schedule
from hipcoach.services.context import Context


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
    stamp = record.created_at.astimezone(UTC)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//hipcoach//hipcoach plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"hipcoach: {goal.name}")
    for s in build_schedule(plan):
        event = icalendar.Event()
        # Stable across exports: re-importing updates events instead of doubling them.
        event.add("uid", f"plan-{record.id}-{stamp:%Y%m%dT%H%M%S}-{s.date:%Y%m%d}@hipcoach")
        event.add("dtstamp", stamp)
        event.add("summary", f"hipcoach: {routine.name}")
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
