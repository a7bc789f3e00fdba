"""Scenarios: warning signs can be reported at any time, and a pause holds until it is lifted.

Each row is a person: what they report and through which surface (the CLI's
`checkin`, `start`, or the API), what the coach must do (stop or pause, with
the screen's own rule id and urgency), and what lifts it. Every row is then
checked the same way through the CLI (`start`, `today`, `plan show`, `plan
resume`, `plan ics` read by two parsers), the API (/api/v1/today,
/api/v1/plan, starting and resuming a session) and, for one row, the pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC as UTC_ZONE
from datetime import date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
import vobject
from fastapi.testclient import TestClient

from hipcoach.cli import app
from hipcoach.settings import Settings
from hipcoach.web import create_app
from tests.cli.conftest import Cli
from tests.web.conftest import local_client

API = "/api/v1"
RED_FLAG = "program.pause.red-flag"


@dataclass(frozen=True)
class Report:
    id: str
    via: str  # "checkin" (CLI), "start" (CLI), "api" (POST /checkins), "api-start"
    signs: tuple[str, ...]
    rule_ids: tuple[str, ...]  # the screen's own rules, then the program's
    verdict: str  # stop (urgent) or pause (clinician)
    words: str  # part of the screen's reason, as the screen words it


REPORTS = [
    Report(
        "numbness in a check-in",
        "checkin",
        ("numbness",),
        ("screen.clinician.numbness", RED_FLAG),
        "pause",
        "Numbness, tingling or weakness in a leg",
    ),
    Report(
        "night pain given to start",
        "start",
        ("night-pain",),
        ("screen.clinician.night-pain", RED_FLAG),
        "pause",
        "Hip pain at night or at rest",
    ),
    Report(
        "a fall through the API",
        "api",
        ("fall",),
        ("screen.urgent.trauma", RED_FLAG),
        "stop",
        "recent fall or injury",
    ),
    Report(
        "a hot swollen hip at the API's start",
        "api-start",
        ("hot-swollen",),
        ("screen.urgent.hot-swollen", RED_FLAG),
        "stop",
        "",
    ),
    Report(
        "bladder trouble and a pale foot together",
        "checkin",
        ("bladder-bowel", "pale-cold-foot"),
        ("screen.urgent.bowel-bladder", "screen.urgent.pale-cold-foot", RED_FLAG),
        "stop",
        "",
    ),
]


def _client(folder: Path) -> TestClient:
    return local_client(create_app(Settings.from_env({"HIPCOACH_DATA_DIR": str(folder)})))


def _report(cli: Cli, folder: Path, report: Report) -> None:
    flags = [a for s in report.signs for a in ("--warning-sign", s)]
    if report.via == "checkin":
        out = cli("checkin", *flags)
        assert "No session until the pause lifts" in out
        for rule in report.rule_ids:
            assert f"[{rule}]" in out
    elif report.via == "start":
        out = cli("start", "--plain", "--no-voice", "--pain-now", "1", *flags, code=1)
        assert "No session today" in out
    else:
        with _client(folder) as client:
            if report.via == "api":
                answer = client.post(f"{API}/checkins", json={"warning_signs": list(report.signs)})
                assert answer.status_code == 201, answer.text
                pauses = answer.json()["pauses"]
                assert [p["rule_ids"] for p in pauses] == [list(report.rule_ids)]
            else:
                body = {"checkin": {"pain_now": 1, "warning_signs": list(report.signs)}}
                answer = client.post(f"{API}/sessions", json=body)
                assert answer.status_code == 403, answer.text


def _ics_days(cli: Cli) -> tuple[dict[date, str], dict[date, str]]:
    """Each planned day's STATUS, as icalendar and as vobject read the same file."""
    raw = cli.runner.invoke(app, ["plan", "ics"]).stdout_bytes
    first: dict[date, str] = {}
    for event in icalendar.Calendar.from_ical(raw).walk("VEVENT"):
        start = event.get("dtstart").dt
        first[start.date() if isinstance(start, datetime) else start] = str(event.get("status"))
    second: dict[date, str] = {}
    for event in vobject.readOne(raw.decode()).vevent_list:
        start = event.dtstart.value
        day = start.date() if isinstance(start, datetime) else start
        second[day] = event.status.value
        if event.status.value == "CANCELLED":
            assert not getattr(event, "valarm_list", []), "a paused day keeps no reminder"
    return first, second


@pytest.fixture
def planned(data_dir: Path) -> Cli:
    """A screened person with a daily plan at 07:00 (so every day has a reminder)."""
    cli = Cli()
    cli("screen", "--no-to-all")
    cli("plan", "new", "--goal", "unlock-stiff-hips", "--days", "daily", "--time", "07:00")
    return cli


@pytest.mark.parametrize("report", REPORTS, ids=[r.id for r in REPORTS])
def test_a_warning_sign_pauses_everywhere_until_a_clearance(
    planned: Cli, data_dir: Path, report: Report
) -> None:
    cli = planned
    _report(cli, data_dir, report)

    # Sessions are blocked on every path, with the screen's rules and the program's.
    out = cli("start", "--plain", "--no-voice", "--pain-now", "0", code=1)
    for rule in report.rule_ids:
        assert f"({rule})" in out
    today = cli("today")
    assert "No session today" in today
    assert "plan clear --by" in today
    assert report.words in today
    shown = cli.json("plan", "show")
    assert shown["status"] == "paused"
    assert shown["paused_by_you"] is False
    assert [p["rule_ids"] for p in shown["pauses"]] == [list(report.rule_ids)]
    assert shown["pauses"][0]["verdict"] == report.verdict
    assert "resuming cannot lift that" in cli("plan", "resume", code=1)
    first, second = _ics_days(cli)
    assert first == second, "both parsers read the same calendar"
    assert all(status == "CANCELLED" for status in first.values())

    with _client(data_dir) as client:
        assert client.post(f"{API}/sessions", json={}).status_code == 403
        today_json = client.get(f"{API}/today").json()
        assert today_json["plan"]["blocked"] is True
        assert [p["rule_ids"] for p in today_json["pauses"]] == [list(report.rule_ids)]
        assert client.post(f"{API}/plan/resume").status_code == 409
        # A clearance dated before the pause is refused and changes nothing.
        early = (date.today() - timedelta(days=3)).isoformat()
        refused = client.post(f"{API}/plan/clearance", json={"by": "Dr A", "on": early})
        assert refused.status_code == 422
        assert "before the pause began" in refused.text
        assert client.get(f"{API}/plan").json()["status"] == "paused"

    # The pause does not run out: ten days on, sessions are still blocked.
    later = (date.today() + timedelta(days=10)).isoformat()
    assert "No session today" in cli("today", "--date", later)

    # The clearance lifts it, and the calendar's reminders come back.
    lifted = cli.json("plan", "clear", "--by", "Dr Ngô", "--note", "all fine")
    assert [h["rule_ids"] for h in lifted["lifted"]] == [list(report.rule_ids)]
    assert lifted["lifted"][0]["clearance"] == {
        "by": "Dr Ngô",
        "on": date.today().isoformat(),
        "note": "all fine",
    }
    assert cli.json("plan", "show")["status"] == "active"
    first, second = _ics_days(cli)
    assert first == second
    assert set(first.values()) == {"CONFIRMED"}
    cli("start", "--plain", "--no-voice", "--pain-now", "0", "--pain-after", "0", "--effort", "3")


def test_a_new_clear_screen_lifts_a_warning_sign_pause(planned: Cli) -> None:
    planned("checkin", "--warning-sign", "numbness")
    assert planned.json("plan", "show")["status"] == "paused"
    planned("screen", "--no-to-all")
    assert planned.json("plan", "show")["status"] == "active"
    past = planned.json("plan", "show")
    assert past["pauses"] == []


def test_a_stop_screen_pauses_the_plan_and_only_a_new_screen_lifts_it(planned: Cli) -> None:
    cli = planned
    cli("screen", "--no-to-all", "--night-pain", "--no-clinician-cleared")
    shown = cli.json("plan", "show")
    assert shown["status"] == "paused"
    assert shown["pauses"][0]["kind"] == "screen"
    assert shown["pauses"][0]["rule_ids"] == ["screen.clinician.night-pain"]
    first, second = _ics_days(cli)
    assert first == second
    assert set(first.values()) == {"CANCELLED"}
    # `checkin` speaks of the stop, not of a verdict for a session that cannot be.
    out = cli("checkin", "--pain", "3")
    assert "Next session:" not in out
    assert "screen.clinician.night-pain" in out
    assert "a new screen" in out
    refused = cli("plan", "clear", "--by", "Dr A", code=1)
    assert "only a new screen lifts that" in refused
    cli("screen", "--no-to-all", "--night-pain", "--clinician-cleared")
    assert cli.json("plan", "show")["status"] == "active"


def test_plan_resume_on_a_plan_never_paused_says_so(planned: Cli) -> None:
    out = planned("plan", "resume", code=1)
    assert "not paused" in out
    assert "Plan resumed" not in out
    planned("plan", "pause", "--reason", "travelling")
    planned("plan", "resume")
    assert planned.json("plan", "show")["status"] == "active"


def test_a_pause_of_the_person_and_a_clinical_one_each_lift_on_their_own(planned: Cli) -> None:
    planned("plan", "pause", "--reason", "travelling")
    planned("checkin", "--warning-sign", "weight-loss")
    out = planned("plan", "resume")
    assert "stays paused for your safety" in out
    assert "screen.clinician.weight-loss" in out
    shown = planned.json("plan", "show")
    assert shown["status"] == "paused"
    assert shown["paused_by_you"] is False
    assert "plan clear --by" in planned("today")  # not "hipcoach plan resume"
    planned("plan", "clear", "--by", "my GP")
    assert planned.json("plan", "show")["status"] == "active"


def test_an_unknown_sign_stores_nothing_anywhere(planned: Cli, data_dir: Path) -> None:
    out = planned("checkin", "--warning-sign", "numbnes", code=1)
    assert "unknown warning sign 'numbnes'" in out
    assert "numbness" in out
    out = planned("start", "--plain", "--warning-sign", "<script>", code=1)
    assert "unknown warning sign" in out
    with _client(data_dir) as client:
        answer = client.post(f"{API}/checkins", json={"warning_signs": ["fever!"]})
        assert answer.status_code == 422
        assert answer.json()["field"] == "warning_signs"
        assert client.get(f"{API}/today").json()["pauses"] == []
    assert planned.json("plan", "show")["status"] == "active"


def test_easier_sessions_pause_until_cleared_not_for_a_week(planned: Cli, data_dir: Path) -> None:
    """Two bad days pause the program, and the pause outlasts the 7-day window."""
    from datetime import UTC

    from sqlalchemy import insert

    from hipcoach import services
    from hipcoach.services import holds
    from hipcoach.store.tables import CheckinRow

    settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(data_dir)})
    with services.Context(settings) as ctx:
        # Yesterday's session began with pain 8: one bad day in the window.
        yesterday = datetime.now(UTC) - timedelta(days=1)
        journal = ctx.journal
        session = journal.start_session(
            ctx.profile_id, "morning-pry", "Morning pry", {}, "f", 2, 60, yesterday
        )
        journal.finish_session(session, "partial", yesterday + timedelta(minutes=5))
        with journal.engine.begin() as conn:
            conn.execute(
                insert(CheckinRow).values(
                    profile_id=ctx.profile_id,
                    session_id=session,
                    moment="before",
                    recorded_at=yesterday,
                    pain=8,
                    morning_after=None,
                    effort=None,
                )
            )
    # Today's check-in is the second bad day: the program pauses, and says why.
    out = planned("start", "--plain", "--no-voice", "--pain-now", "8", code=1)
    assert "program.pause.regressions" in out
    with services.Context(settings) as ctx:
        assert [h.kind.value for h in holds.stored_holds(ctx)] == ["regressions"]
    far = (date.today() + timedelta(days=30)).isoformat()
    later = planned("today", "--date", far)
    assert "program.pause.regressions" in later
    assert "No session today" in later
    planned("plan", "clear", "--by", "physio")
    # Cleared today: the bad days before the clearance do not pause it again.
    assert "program.pause.regressions" not in planned("today", "--explain")
    planned(
        "start", "--plain", "--no-voice", "--pain-now", "2", "--pain-after", "2", "--effort", "3"
    )


def test_the_pages_show_the_pause_and_take_a_clearance(planned: Cli, data_dir: Path) -> None:
    from tests.web.conftest import form_token

    planned("checkin", "--warning-sign", "numbness")
    with _client(data_dir) as client:
        for page in ("/", "/plan", "/safety"):
            body = client.get(page).text
            assert "Paused for your safety" in body
            assert "screen.clinician.numbness" in body
        token = form_token(client, "/safety")
        bad = client.post("/safety/clearance", data={"csrf_token": token, "by": " "})
        assert bad.status_code == 422
        assert "who cleared you" in bad.text
        ok = client.post(
            "/safety/clearance", data={"csrf_token": token, "by": "Dr <b>Ngô</b>", "note": "ok"}
        )
        assert ok.status_code == 200
        assert "Sessions can start again" in ok.text
        assert "<b>Ngô" not in ok.text
        assert "&lt;b&gt;Ngô" in ok.text
        assert "Paused for your safety" not in client.get("/").text
        # Reporting from the page pauses again, through the same service.
        signs = client.post("/safety/report", data={"csrf_token": token, "sign": "fall"})
        assert signs.status_code == 200
        assert "screen.urgent.trauma" in signs.text
        forged = client.post("/safety/report", data={"sign": "fall"})
        assert forged.status_code == 403
    assert planned.json("plan", "show")["status"] == "paused"


def test_a_clearance_lifts_only_what_began_by_its_day(planned: Cli, data_dir: Path) -> None:
    """A sign reported after the day of the all-clear is not lifted by it."""
    from sqlalchemy import update

    from hipcoach.store.tables import HoldRow

    planned("checkin", "--warning-sign", "numbness")
    settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(data_dir)})
    from hipcoach import services

    with services.Context(settings) as ctx, ctx.journal.engine.begin() as conn:
        earlier = datetime.now().astimezone() - timedelta(days=3)
        conn.execute(update(HoldRow).values(since=earlier))
    planned("checkin", "--warning-sign", "fall")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    out = planned("plan", "clear", "--by", "Dr A", "--on", yesterday)
    assert "screen.clinician.numbness" in out
    assert "Still paused" in out
    assert "screen.urgent.trauma" in out
    still = planned("start", "--plain", "--no-voice", "--pain-now", "0", code=1)
    assert "(screen.urgent.trauma)" in still
    assert "(screen.clinician.numbness)" not in still


def test_looking_at_another_day_stores_no_pause(planned: Cli, data_dir: Path) -> None:
    """`today --date` and GET /api/v1/today are views: they never begin a pause."""
    from hipcoach import services
    from hipcoach.services import holds

    for days_ago in (22, 21):
        planned("checkin", "--pain", "8")  # today's, then moved back
        settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(data_dir)})
        with services.Context(settings) as ctx, ctx.journal.engine.begin() as conn:
            from sqlalchemy import text

            moment = datetime.now().astimezone() - timedelta(days=days_ago)
            conn.execute(
                text(
                    "UPDATE checkins SET recorded_at = :t WHERE id = (SELECT max(id) FROM checkins)"
                ),
                {"t": moment.astimezone(UTC_ZONE).replace(tzinfo=None)},
            )
    past = (date.today() - timedelta(days=21)).isoformat()
    planned("today", "--date", past)
    with _client(data_dir) as client:
        client.get(f"{API}/today", params={"date": past})
    with services.Context(settings) as ctx:
        assert holds.stored_holds(ctx) == []
    assert "program.pause.regressions" not in planned("today", "--explain")
