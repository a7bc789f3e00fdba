"""A plan's week 2, run for real: its first session plays level 2, and what `today` says
about effort is what the session's cues say."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from tests.cli.conftest import Cli

# Days are relative to the real today: the readiness screen and `start` use the real clock.
TODAY = date.today()
CUE_CAP = re.compile(r"no more than (\d+)%")


def _a_quiet_first_week() -> None:
    """Seven morning pries at 2/10 before today, each next morning reported at the check-in
    before the next session, as `start` records it: the last one's is not reported yet."""
    from hipcoach import services
    from hipcoach.store.checkins import CheckinRepository

    with services.Context() as ctx:
        checkins = CheckinRepository(ctx.journal.engine)
        for offset in range(-7, 0):
            day = TODAY + timedelta(days=offset)
            began = datetime(day.year, day.month, day.day, 7, 0).astimezone()
            session_id = ctx.journal.start_session(
                ctx.profile_id, "morning-pry", "Morning pry", {}, "f" * 16, 1, 60,
                started_at=began,
            )  # fmt: skip
            ctx.journal.finish_session(session_id, "completed", began + timedelta(minutes=4))
            if offset > -7:
                checkins.add_checkin(
                    ctx.profile_id, "before", session_id=session_id, pain=1,
                    morning_after="same", recorded_at=began + timedelta(seconds=5),
                )  # fmt: skip
            checkins.add_checkin(
                ctx.profile_id, "after", session_id=session_id, pain=2,
                recorded_at=began + timedelta(minutes=5),
            )  # fmt: skip


def _in_week_two(cli: Cli) -> None:
    """A daily plan that began a week ago, its first week done in full."""
    cli("plan", "new", "--goal", "unlock-stiff-hips", "--start", str(TODAY - timedelta(days=7)))
    _a_quiet_first_week()


def test_the_first_session_of_week_two_plays_level_two(screened: Cli) -> None:
    cli = screened
    _in_week_two(cli)
    before = cli.json("plan", "show")["level"]
    assert before["number"] == 1
    waits = "a step up waits for how the hip felt the morning after the last of them"
    assert waits in before["reason"]

    out = cli(
        "start", "--plain", "--no-voice", "--new", "--pain-now", "1", "--morning-after", "same",
        "--pain-after", "1", "--effort", "4",
    )  # fmt: skip
    assert "Contralateral pry: hold, round 1 of 3 (12 s)" in out  # level 2's hold, not 10 s
    assert set(CUE_CAP.findall(out)) == {"60"}
    from hipcoach import services

    with services.Context() as ctx:
        (row,) = ctx.journal.history(ctx.profile_id, limit=1)
        played = ctx.journal.get_session(row.session_id).options
    assert played["per_exercise"] == {"contralateral-pry": {"rounds": 3, "seconds": 12}}
    assert played["effort_cap"] == 60

    # The rest of the week plays the same level, and the plan says why.
    after = cli.json("plan", "show")["level"]
    assert after["number"] == 2
    assert after["reason"].startswith("week 2: up to level 2 of 5")
    today = cli.json("today")
    assert today["level"] == 2
    assert today["options"]["per_exercise"]["contralateral-pry"]["seconds"] == 12


def test_a_step_up_day_says_the_effort_its_cues_ask(screened: Cli) -> None:
    cli = screened
    _in_week_two(cli)
    recorded = cli("checkin", "--morning-after", "same")  # the morning after Sunday's pry
    assert "PROGRESS" in recorded

    out = cli("today")
    assert "level 2 of 5" in out
    assert "Dose: Contralateral pry 12 s x 3 rounds, effort up to 60%" in out
    said = {int(n) for line in out.splitlines() for n in re.findall(r"(\d+)%", line)}
    assert said == {60}, out
    data = cli.json("today")
    assert data["options"]["effort_cap"] == 60
    assert not [c for c in data["changes"] if "%" in c and "60%" not in c]
    notes = {a["rule_id"]: a for a in data["adjustments"]}
    assert notes["pain.progress"]["kind"] == "note"

    played = cli("start", "--plain", "--no-voice", "--new", "--pain-after", "1")
    assert set(CUE_CAP.findall(played)) == {"60"}
    assert "80%" not in played
