"""plan new/show/pause/resume/ics and today, run for real against a private data folder."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import icalendar
import pytest

from hipcoach.safety import SAFETY_NOTE
from tests.cli.conftest import Cli

# Days are relative to the real today: the readiness screen is dated by the real clock.
TODAY = date.today()
MONDAY = TODAY - timedelta(days=TODAY.weekday())


def _iso(day: date) -> str:
    return day.isoformat()


def _screened(cli: Cli) -> Cli:
    cli("screen", "--no-to-all")
    return cli


def test_plan_goals_lists_the_six_goals(cli: Cli) -> None:
    goals = cli.json("plan", "goals")
    assert [g["id"] for g in goals] == [
        "unlock-stiff-hips",
        "jammed-hips",
        "warmup-primer",
        "sitting-breaks",
        "irritable-hip",
        "knee-friendly",
    ]
    assert "hipcoach plan new --goal ID" in cli("plan", "goals")


def test_plan_new_then_show(cli: Cli) -> None:
    out = cli(
        "plan", "new", "--goal", "jammed-hips", "--days", "mon,wed,fri", "--time", "18:30",
        "--weeks", "3", "--start", _iso(MONDAY),
    )  # fmt: skip
    assert "New plan: Jammed hips." in out
    assert "rotation-circuit on mon,wed,fri at 18:30, 3 weeks" in out
    shown = cli.json("plan", "show", "--date", _iso(MONDAY))
    assert shown["goal"]["id"] == "jammed-hips"
    assert (shown["days"], shown["time"], shown["weeks"]) == (["mon", "wed", "fri"], "18:30", 3)
    assert shown["start"] == _iso(MONDAY)
    assert len(shown["schedule"]) == 9
    assert {date.fromisoformat(e["date"]).weekday() for e in shown["schedule"]} == {0, 2, 4}
    assert shown["schedule"][0]["mark"] == "today"
    assert {e["mark"] for e in shown["schedule"][1:]} == {"upcoming"}
    assert shown["level"]["number"] == 1
    assert shown["level"]["dose"] == "holds 30 s, 5 reps, effort up to 60%"
    assert shown["adherence"]["streak"] == 0


def test_a_new_plan_replaces_the_current_one(cli: Cli) -> None:
    cli("plan", "new", "--goal", "jammed-hips")
    cli("plan", "new", "--goal", "unlock-stiff-hips")
    shown = cli.json("plan", "show")
    assert shown["goal"]["id"] == "unlock-stiff-hips"
    assert shown["days"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert shown["time"] == "07:00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--goal", "stiff"), "no goal called 'stiff'. Known goals: irritable-hip"),
        (("--goal", "jammed-hips", "--days", "funday"), "--days: 'funday' is not a day"),
        (("--goal", "jammed-hips", "--days", ""), "--days needs at least one day"),
        (("--goal", "jammed-hips", "--days", "mon"), "needs 3 to 4 days a week"),
        (("--goal", "unlock-stiff-hips", "--days", "sat,sun"), "needs 5 to 7 days a week"),
        (("--goal", "jammed-hips", "--weeks", "0"), "--weeks must be between 1 and 52, got 0"),
        (("--goal", "jammed-hips", "--time", "25:00"), "--time wants HH:MM"),
        (("--goal", "jammed-hips", "--start", "next week"), "--start wants a date"),
    ],
)
def test_bad_input_says_why_and_stores_nothing(
    cli: Cli, args: tuple[str, ...], message: str
) -> None:
    out = cli("plan", "new", *args, code=1)
    assert out.startswith("Error: ")
    assert message in out
    assert "no plan yet" in cli("plan", "show", code=1)
    # With a plan in place, a bad request leaves it as it was.
    cli("plan", "new", "--goal", "sitting-breaks")
    before = cli.json("plan", "show")
    cli("plan", "new", *args, code=1)
    assert cli.json("plan", "show") == before


def test_commands_that_need_a_plan_say_how_to_make_one(cli: Cli) -> None:
    for args in (("today",), ("plan", "show"), ("plan", "ics"), ("plan", "pause")):
        assert "hipcoach plan new --goal GOAL" in cli(*args, code=1)


def test_today_shows_the_session_and_explain_lists_every_rule(cli: Cli) -> None:
    _screened(cli)
    cli("plan", "new", "--goal", "knee-friendly", "--start", _iso(TODAY))
    out = cli("today")
    assert "week 1 of 5, level 1 of 4: Morning pry at 07:00" in out
    assert "in all" in out
    assert "Dose: Contralateral pry 10 s x 3 rounds, effort up to 60%" in out
    assert "Steps (each side): 90/90 seat, heels closer > ER press" in out
    assert "Changes today: 90/90 seat, heels closer instead of 90/90 seat" in out
    explained = cli("today", "--explain")
    lines = [line.strip() for line in explained.splitlines()]
    assert any(line.startswith("goal.knee-friendly: Heels drawn in") for line in lines)
    assert (
        "plan.level: week 1: level 1 of 4 (Contralateral pry 10 s x 3 rounds, "
        "effort up to 60%) to start with" in lines
    )
    data = cli.json("today")
    assert data["blocked"] is False
    assert data["steps"][0] == "90/90 seat, heels closer"
    assert data["options"]["effort_cap"] == 60
    assert {e["rule_id"] for e in data["explanation"]} >= {"goal.knee-friendly", "plan.level"}


def test_a_pinch_reported_since_takes_the_ir_work_out(cli: Cli) -> None:
    _screened(cli)
    cli("plan", "new", "--goal", "unlock-stiff-hips", "--start", _iso(TODAY))
    cli("checkin", "--symptom", "pinch")
    data = cli.json("today")
    assert data["steps"] == ["90/90 seat", "ER press", "ER press rounds"]
    assert data["options"]["effort_cap"] == 40
    assert "symptom.pinch" in {e["rule_id"] for e in data["explanation"]}


def test_without_a_screen_today_is_blocked_and_says_what_to_do(cli: Cli) -> None:
    cli("plan", "new", "--goal", "jammed-hips")
    out = cli("today")
    assert out.startswith("No session today")
    assert "screen.needed:" in out
    assert "What would change it: take the readiness screen: hipcoach screen" in out


def test_rest_days_say_so_and_name_the_next_session(cli: Cli) -> None:
    _screened(cli)
    cli("plan", "new", "--goal", "jammed-hips", "--days", "mon,wed,fri", "--start", _iso(MONDAY))
    tuesday = MONDAY + timedelta(days=1)
    out = cli("today", "--date", _iso(tuesday))
    wednesday = MONDAY + timedelta(days=2)
    assert f"Rest day: this plan runs on mon,wed,fri. Next session: Wed {_iso(wednesday)}" in out
    assert cli.json("today", "--date", _iso(tuesday))["rest_day"] is True


def test_pause_blocks_today_and_resume_lifts_it(cli: Cli) -> None:
    _screened(cli)
    cli("plan", "new", "--goal", "unlock-stiff-hips")
    cli("plan", "pause", "--reason", "seeing a physio")
    out = cli("today")
    assert "plan.paused: Your plan is paused: seeing a physio." in out
    assert "hipcoach plan resume" in out
    assert cli.json("plan", "show")["status"] == "paused"
    cli("plan", "resume")
    assert not cli.json("today")["blocked"]


def test_a_session_played_today_counts_toward_the_plan(cli: Cli) -> None:
    _screened(cli)
    cli("plan", "new", "--goal", "unlock-stiff-hips", "--start", _iso(TODAY - timedelta(days=2)))
    cli("start", "morning-pry", "--plain", "--no-voice", "--new")
    shown = cli.json("plan", "show")
    marks = {e["date"]: e["mark"] for e in shown["schedule"]}
    assert marks[_iso(TODAY)] == "done"
    assert marks[_iso(TODAY - timedelta(days=1))] == "missed"
    assert (shown["adherence"]["done"], shown["adherence"]["due"]) == (1, 3)
    assert shown["adherence"]["streak"] == 1
    assert "streak: 1 planned session in a row" in cli("plan", "show")


def test_plan_ics_parses_back_with_one_event_and_reminder_per_session(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    cli("plan", "new", "--goal", "jammed-hips", "--weeks", "2", "--start", _iso(MONDAY))
    text = cli("plan", "ics")
    calendar = icalendar.Calendar.from_ical(text)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 6
    starts = [e.decoded("dtstart") for e in events]
    assert [s.date() for s in starts] == [MONDAY + timedelta(days=n) for n in (0, 2, 4, 7, 9, 11)]
    assert all((s.hour, s.minute) == (18, 30) for s in starts)
    assert {e["dtstart"].params["TZID"] for e in events} == {"Europe/Berlin"}
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    for event in events:
        assert str(event["summary"]) == "hipcoach: Rotation circuit"
        assert isinstance(event.decoded("dtend"), datetime)
        assert event.decoded("dtend") > event.decoded("dtstart")
        description = str(event["description"])
        assert "holds 30 s, 5 reps, effort up to 60%" in description
        assert SAFETY_NOTE in description
        (alarm,) = event.walk("VALARM")
        assert str(alarm["action"]) == "DISPLAY"
        assert alarm.decoded("trigger") == timedelta(minutes=-30)
    uids = [str(e["uid"]) for e in events]
    assert len(set(uids)) == 6
    again = icalendar.Calendar.from_ical(cli("plan", "ics"))
    assert [str(e["uid"]) for e in again.walk("VEVENT")] == uids  # stable per plan and date


def _past_week(pain_after: int, morning_after: str = "same") -> None:
    """Three completed rotation circuits last week (Mon, Wed, Fri), each checked in after."""
    from hipcoach import services
    from hipcoach.store.checkins import CheckinRepository

    with services.Context() as ctx:
        checkins = CheckinRepository(ctx.journal.engine)
        for offset in (-7, -5, -3):
            day = MONDAY + timedelta(days=offset)
            began = datetime(day.year, day.month, day.day, 18, 30).astimezone()
            session_id = ctx.journal.start_session(
                ctx.profile_id, "rotation-circuit", "Rotation circuit", {}, "f" * 16, 1, 60,
                started_at=began,
            )  # fmt: skip
            ctx.journal.finish_session(session_id, "completed", began + timedelta(minutes=7))
            checkins.add_checkin(
                ctx.profile_id, "after", session_id=session_id, pain=pain_after,
                recorded_at=began + timedelta(minutes=8),
            )  # fmt: skip
            checkins.add_checkin(
                ctx.profile_id, "before", morning_after=morning_after,
                recorded_at=began + timedelta(hours=14),
            )  # fmt: skip


def test_a_full_quiet_week_climbs_a_level(cli: Cli) -> None:
    cli("plan", "new", "--goal", "jammed-hips", "--start", _iso(MONDAY - timedelta(days=7)))
    _past_week(pain_after=2)
    level = cli.json("plan", "show", "--date", _iso(MONDAY))["level"]
    assert level["number"] == 2
    assert level["reason"] == (
        "week 2: up to level 2 of 4 (holds 40 s, 6 reps, effort up to 60%) because last week "
        "you did 3 of 3 planned sessions and your check-ins allowed a step up"
    )


def test_a_painful_week_holds_the_first_level(cli: Cli) -> None:
    cli("plan", "new", "--goal", "jammed-hips", "--start", _iso(MONDAY - timedelta(days=7)))
    _past_week(pain_after=7, morning_after="worse")
    level = cli.json("plan", "show", "--date", _iso(MONDAY))["level"]
    assert level["number"] == 1
    assert "your check-ins called for an easier dose" in level["reason"]
