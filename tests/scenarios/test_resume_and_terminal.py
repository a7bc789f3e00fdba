"""Scenarios: resuming goes through today's check-in, and the terminal asks like a person.

Each row is a person with an unfinished session stopped in the IR work, what they report
on coming back, and what the coach must do with the rest: the steps left, the effort cap,
where it restarts, and the rule id shown. Checked through the CLI (`start --resume`) and
the API (POST /sessions/{id}/resume).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hipcoach import services
from hipcoach.domain.compiler import CompileOptions
from hipcoach.player.events import Outcome, SegmentEnded
from hipcoach.services import adaptation, checkins
from hipcoach.settings import Settings
from hipcoach.web import create_app
from tests.cli.conftest import Cli
from tests.web.conftest import local_client

TODAY = date.today()
IR_AND_PRY = {"ir-ankle-lift", "ir-ankle-lift-lean", "ir-stretch", "contralateral-pry"}


@dataclass(frozen=True)
class Scenario:
    id: str
    pain_now: int | None
    morning_after: str | None
    ir_left: bool  # whether IR work or the pry is still in the rest of the session
    effort_cap: int | None  # the strongest cap on the rest (None: none)
    rule_id: str | None  # a rule id the resume must show


SCENARIOS = [
    Scenario(
        "pain 8 and a worse morning regress the rest", 8, "worse", False, 50, "pain.regress.high"
    ),
    Scenario(
        "a worse morning regresses the rest", 5, "worse", False, 50, "pain.regress.worse-morning"
    ),
    Scenario("a quiet check-in carries on unchanged", 2, "same", True, None, None),
    Scenario("no answers carry on unchanged", None, None, True, None, None),
]


def _stop_after_an_ir_hold(folder: Path) -> tuple[str, int]:
    """Begin morning-pry and save its steps up to the first IR lift hold; the id and the
    index of the first unsaved step."""
    settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(folder)})
    with services.Context(settings) as ctx:
        decision = checkins.readiness_decision(ctx, TODAY)
        active = adaptation.begin_adapted_session(ctx, "morning-pry", CompileOptions(), decision)
        segments = active.timeline.segments
        stop = next(
            i
            for i, s in enumerate(segments)
            if s.kind.value == "hold" and s.exercise_id == "ir-ankle-lift"
        )
        observer = services.JournalObserver(ctx, active)
        for segment in segments[:stop]:
            observer(SegmentEnded(segment, Outcome.COMPLETED, float(segment.duration), 0.0))
        return active.session_id, stop


def _rest(folder: Path, session_id: str, at: int) -> list[dict[str, object]]:
    with local_client(create_app(Settings.from_env({"HIPCOACH_DATA_DIR": str(folder)}))) as web:
        body = web.get(f"/api/v1/sessions/{session_id}").json()
    return [s for s in body["timeline"]["segments"] if int(s["index"]) >= at]


def _check_rest(case: Scenario, rest: list[dict[str, object]]) -> None:
    assert rest, "something is left to play"
    assert rest[0]["kind"] in ("get_ready", "setup"), rest[0]
    assert bool({s["exercise_id"] for s in rest} & IR_AND_PRY) is case.ir_left
    caps = {s.get("effort_cap") for s in rest} - {None}
    assert (max(caps) if caps else None) == case.effort_cap  # type: ignore[type-var]


def _checkin_args(case: Scenario) -> list[str]:
    args = []
    if case.pain_now is not None:
        args += ["--pain-now", str(case.pain_now)]
    if case.morning_after is not None:
        args += ["--morning-after", case.morning_after]
    return args


@pytest.mark.parametrize("case", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_resume_through_the_cli_applies_the_checkin(case: Scenario, data_dir: Path) -> None:
    cli = Cli()
    cli("screen", "--no-to-all")
    session_id, stop = _stop_after_an_ir_hold(data_dir)
    out = cli(
        "start",
        "--resume",
        "--plain",
        "--no-voice",
        "--no-beep",
        *_checkin_args(case),
        "--pain-after",
        "1",
        "--effort",
        "5",
    )
    assert "from a moment to get set" in out
    if case.rule_id is not None:
        assert case.rule_id in out
    [row] = [r for r in cli.json("history") if r["session_id"] == session_id]
    assert row["status"] == "completed"
    # The check-in is stored against the resumed session.
    settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(data_dir)})
    with services.Context(settings) as ctx:
        record = ctx.journal.get_session(session_id)
        # The stored splice reproduces the resumed timeline.
        assert adaptation.rebuild_timeline(ctx, record).fingerprint() == record.fingerprint
        activity = checkins.checkin_repository(ctx).recent(
            ctx.profile_id, datetime(2000, 1, 1, tzinfo=UTC)
        )
    before = [c for c in activity.checkins if c.moment == "before"]
    if case.pain_now is None and case.morning_after is None:
        assert before == []
    else:
        [stored] = before
        assert (stored.session_id, stored.pain, stored.morning_after) == (
            session_id,
            case.pain_now,
            case.morning_after,
        )
    rest = _rest(data_dir, session_id, stop)
    _check_rest(case, rest)


@pytest.mark.parametrize("case", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_resume_through_the_api_applies_the_checkin(case: Scenario, data_dir: Path) -> None:
    Cli()("screen", "--no-to-all")
    session_id, stop = _stop_after_an_ir_hold(data_dir)
    checkin = {
        k: v
        for k, v in (("pain_now", case.pain_now), ("morning_after", case.morning_after))
        if v is not None
    }
    with local_client(create_app(Settings.from_env({"HIPCOACH_DATA_DIR": str(data_dir)}))) as web:
        response = web.post(f"/api/v1/sessions/{session_id}/resume", json={"checkin": checkin})
        assert response.status_code == 200, response.text
        body = response.json()
    assert body["start_index"] == stop
    rest = body["timeline"]["segments"][stop:]
    _check_rest(case, rest)
    if case.rule_id is not None:
        assert any(str(c["rule_id"]).startswith(case.rule_id) for c in body["changes"])


@dataclass(frozen=True)
class BadOption:
    id: str
    args: tuple[str, ...]
    message: str


BAD_OPTIONS = [
    BadOption("effort 11", ("--effort", "11"), "--effort must be from 0 to 10"),
    BadOption("pain after 15", ("--pain-after", "15"), "--pain-after must be from 0 to 10"),
    BadOption("pain now 12", ("--pain-now", "12"), "pain now must be from 0 to 10"),
    BadOption("morning typo", ("--morning-after", "wrose"), "expected better, same or worse"),
]


@pytest.mark.parametrize("case", BAD_OPTIONS, ids=[b.id for b in BAD_OPTIONS])
def test_a_bad_option_is_refused_before_anything_plays(case: BadOption, data_dir: Path) -> None:
    cli = Cli()
    cli("screen", "--no-to-all")
    out = cli("start", "--plain", "--no-voice", "--no-beep", *case.args, code=1)
    assert case.message in out
    assert cli.json("history") == []  # nothing played, nothing stored


def _screen_with_a_warning_sign(folder: Path) -> None:
    from hipcoach.services.screening import screening_form, take_screen

    settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(folder)})
    with services.Context(settings) as ctx:
        questions = [q for q in screening_form(ctx).questions if not q.follows]
        answers: dict[str, object] = {q.id: q.id == "numbness" for q in questions}
        take_screen(ctx, {**answers, "clinician_cleared": False})


def test_a_blocked_gate_refuses_the_resume_keeps_the_answers_and_the_session(
    data_dir: Path,
) -> None:
    cli = Cli()
    cli("screen", "--no-to-all")
    session_id, _ = _stop_after_an_ir_hold(data_dir)
    _screen_with_a_warning_sign(data_dir)
    out = cli("start", "--resume", "--plain", "--no-voice", "--pain-now", "3", code=1)
    assert "numbness" in out.lower() or "screen" in out.lower()
    [row] = [r for r in cli.json("history") if r["session_id"] == session_id]
    assert row["status"] != "completed"
    # Through the API the same refusal, with nothing of the session changed.
    with local_client(create_app(Settings.from_env({"HIPCOACH_DATA_DIR": str(data_dir)}))) as web:
        before = web.get(f"/api/v1/sessions/{session_id}").json()
        response = web.post(f"/api/v1/sessions/{session_id}/resume", json={})
        assert response.status_code == 403, response.text
        assert response.json()["error"]
        assert web.get(f"/api/v1/sessions/{session_id}").json() == before


@pytest.mark.parametrize(
    ("typed", "pain", "morning"),
    [
        ("eight\n8\nwrose\nworse\n", 8, "worse"),
        ("11\n\nnone\n", None, None),
        ("-1\n2\nbetter\n", 2, "better"),
    ],
    ids=["word then number, typo then word", "out of range then skip", "negative then fine"],
)
def test_a_typo_at_a_checkin_prompt_is_asked_again(
    typed: str, pain: int | None, morning: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hipcoach.cli import checkins as cli_checkins

    answers = iter(typed.split("\n"))
    monkeypatch.setattr(cli_checkins.typer, "prompt", lambda *a, **k: next(answers))
    monkeypatch.setattr(cli_checkins.typer, "echo", lambda *a, **k: None)
    assert cli_checkins.ask_checkin() == (pain, morning)


def test_the_first_session_is_not_asked_about_a_morning_after_it_never_had(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hipcoach.cli import checkins as cli_checkins

    asked: list[str] = []

    def prompt(question: str, **_: object) -> str:
        asked.append(question)
        return ""

    monkeypatch.setattr(cli_checkins.typer, "prompt", prompt)
    assert cli_checkins.ask_checkin(first_session=True) == (None, None)
    assert "no earlier session" in asked[1]


def test_checkout_typos_are_asked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from hipcoach.cli import checkins as cli_checkins

    answers = iter(["15", "2", "eleven", "11", "7"])
    monkeypatch.setattr(cli_checkins.typer, "prompt", lambda *a, **k: next(answers))
    monkeypatch.setattr(cli_checkins.typer, "echo", lambda *a, **k: None)
    assert cli_checkins.ask_after() == (2, 7)


def _begun_yesterday(data_dir: Path) -> str:
    import sqlite3
    from datetime import timedelta

    session_id, _ = _stop_after_an_ir_hold(data_dir)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    [db] = data_dir.glob("*.db")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE sessions SET started_at = ? WHERE id = ?", (yesterday, session_id))
    conn.close()
    return session_id


def test_yesterdays_unfinished_session_gives_way_to_todays(data_dir: Path) -> None:
    cli = Cli()
    cli("screen", "--no-to-all")
    session_id = _begun_yesterday(data_dir)
    out = " ".join(cli("start", "--plain", "--no-voice", "--no-beep", "--pain-now", "1").split())
    assert "Starting today's session" in out
    assert "began on an earlier day" in out
    rows = cli.json("history")
    assert len(rows) == 2  # today's session was played; yesterday's was left as it was
    [old] = [r for r in rows if r["session_id"] == session_id]
    assert old["status"] == "partial"


def test_yesterdays_session_resumed_on_purpose_says_when_it_began(data_dir: Path) -> None:
    cli = Cli()
    cli("screen", "--no-to-all")
    session_id = _begun_yesterday(data_dir)
    out = " ".join(cli("start", "--resume", "--plain", "--no-voice", "--pain-now", "8").split())
    assert "This session began on" in out
    assert "pain.regress.high" in out
    [row] = cli.json("history")
    assert row["session_id"] == session_id
