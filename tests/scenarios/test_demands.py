"""Scenarios: what the screen promises, the session does (issue 11, point 4).

Each row is a person: what they answered on the readiness screen, the routine
they start, and perhaps a pinch pressed part-way. The coach must play no
exercise that makes a movement demand a rule in force forbids, keep what is
still safe, and show the rule ids and the reason. Every row runs through the
CLI (`hipcoach screen --json`, then `hipcoach start --plain`), the API
(/api/v1/screen, /api/v1/sessions and its symptom report) and the services
the terminal player calls when its pinch key is pressed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hipcoach import services
from hipcoach.domain.compiler import CompileOptions
from hipcoach.library.loader import SHIPPED_ROOT, load_library, load_library_from
from hipcoach.services import adaptation, starting
from hipcoach.settings import Settings
from hipcoach.web import create_app
from tests.cli.conftest import Cli
from tests.web.conftest import local_client

LIBRARY = load_library_from(SHIPPED_ROOT)
TODAY = date.today()
NAMES = {e.id: e.name for e in LIBRARY.exercises.values()}
POSTERIOR_OUT = {"er-stretch", "active-er", "ir-stretch", "active-ir", "ir-ankle-lift"}
IR_WORK = {"ir-stretch", "active-ir", "ir-ankle-lift", "contralateral-pry"}
CHECKIN = ("--pain-now", "1", "--morning-after", "same", "--pain-after", "1", "--effort", "3")


@dataclass(frozen=True)
class Scenario:
    id: str
    answers: dict[str, Any]  # beyond "no" to every top question
    routine: str
    rule_ids: tuple[str, ...]  # the screen's rules, in the order shown
    reason: str  # part of the first reason's words
    absent: frozenset[str] = frozenset()  # exercises that must not play
    present: frozenset[str] = frozenset()  # exercises that still play
    blocked: bool = False  # no session at all
    pinch_at: str | None = None  # press pinch at this exercise's first hold or rep
    after_pinch_absent: frozenset[str] = field(default_factory=frozenset)


def _replaced(side: str, approach: str, cleared: bool = True) -> dict[str, Any]:
    return {
        "replacement": True,
        "replacement_side": side,
        "replacement_approach": approach,
        "replacement_cleared": cleared,
    }


def _both(left: tuple[str, bool], right: tuple[str, bool]) -> dict[str, Any]:
    return {
        "replacement": True,
        "replacement_side": "both",
        "replacement_approach_left": left[0],
        "replacement_cleared_left": left[1],
        "replacement_approach_right": right[0],
        "replacement_cleared_right": right[1],
    }


SCENARIOS = [
    Scenario(
        "cleared posterior hip: the morning pry keeps the press and loses the IR lift and pry",
        _replaced("right", "posterior"),
        "morning-pry",
        ("screen.replacement.posterior", "screen.replacement.cleared"),
        "leaves out the fold and lean over the front leg (the ER stretch, the ER hinge",
        absent=frozenset({"ir-ankle-lift", "contralateral-pry"}),
        present=frozenset({"er-press", "er-only-press"}),
    ),
    Scenario(
        "cleared posterior hip: nothing of the rotation circuit is left but the seat",
        _replaced("left", "posterior"),
        "rotation-circuit",
        ("screen.replacement.posterior", "screen.replacement.cleared"),
        "turning it inward",
        absent=frozenset(POSTERIOR_OUT),
        blocked=True,
    ),
    Scenario(
        "unknown approach counts as posterior: the ER-only routine keeps its presses only",
        _replaced("right", "unknown"),
        "er-only",
        ("screen.replacement.posterior", "screen.replacement.cleared"),
        "posterior (or unknown) approach",
        absent=frozenset({"er-stretch", "active-er"}),
        present=frozenset({"er-press", "er-only-press"}),
    ),
    Scenario(
        "cleared anterior hip: the circuit plays in full, effort capped",
        _replaced("left", "anterior"),
        "rotation-circuit",
        ("screen.replacement.cleared",),
        "keeps effort moderate",
        present=frozenset({"er-stretch", "active-er", "ir-stretch", "active-ir"}),
    ),
    Scenario(
        "both hips, posterior left and anterior right: the stricter hip decides",
        _both(("posterior", True), ("anterior", True)),
        "warmup-primer",
        (
            "screen.replacement.posterior-left",
            "screen.replacement.cleared-left",
            "screen.replacement.cleared-right",
        ),
        "on the left hip",
        absent=frozenset({"ir-ankle-lift", "contralateral-pry"}),
        present=frozenset({"er-press", "er-only-press"}),
    ),
    Scenario(
        "both hips, the right one not cleared: no session until it is",
        _both(("anterior", True), ("lateral", False)),
        "morning-pry",
        ("screen.replacement.not-cleared-right", "screen.replacement.cleared-left"),
        "your right hip is fine with it",
        blocked=True,
    ),
    Scenario(
        "groin pain with clicking: front-hip work only",
        {"groin_clicking": True},
        "rotation-circuit",
        ("screen.clinician.groin-clicking",),
        "leaves out the inward-turn exercises",
        absent=frozenset({"ir-stretch", "active-ir"}),
        present=frozenset({"er-stretch", "active-er"}),
    ),
    Scenario(
        "known impingement: the deep IR stretch is out, the heel lift stays",
        {"fai": True},
        "rotation-circuit",
        ("screen.fai",),
        "leaves out the inward-turn stretch",
        absent=frozenset({"ir-stretch"}),
        present=frozenset({"er-stretch", "active-er", "active-ir"}),
    ),
    Scenario(
        "a pinch mid-session takes the IR work out of the rest, the press goes on",
        {},
        "morning-pry",
        (),
        "",
        present=frozenset({"er-press", "ir-ankle-lift", "contralateral-pry"}),
        pinch_at="ir-ankle-lift",
        after_pinch_absent=frozenset(IR_WORK),
    ),
    Scenario(
        "a pinch in the circuit after groin clicking: the ER work goes on alone",
        {"groin_clicking": True},
        "rotation-circuit",
        ("screen.clinician.groin-clicking",),
        "leaves out the inward-turn exercises",
        absent=frozenset({"ir-stretch", "active-ir"}),
        present=frozenset({"er-stretch", "active-er"}),
        pinch_at="active-er",
        after_pinch_absent=frozenset(IR_WORK),
    ),
]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "data"
    monkeypatch.setenv("HIPCOACH_DATA_DIR", str(folder))
    monkeypatch.delenv("HIPCOACH_DATABASE_URL", raising=False)
    monkeypatch.delenv("HIPCOACH_PROFILE", raising=False)
    monkeypatch.setenv("HIPCOACH_TIME_SCALE", "1000")  # `start` plays in a fraction of a second
    load_library.cache_clear()
    yield folder
    load_library.cache_clear()


def _all_answers(case: Scenario) -> dict[str, Any]:
    from hipcoach.library.screening import load_screening

    form = load_screening()
    return {q.id: False for q in form.questions if not q.follows} | case.answers


def _options(answers: dict[str, Any]) -> list[str]:
    """The answers as `hipcoach screen` options."""
    args = []
    for key, value in answers.items():
        name = "--" + key.replace("_", "-")
        if value is True:
            args.append(name)
        elif value is False:
            args.append("--no-" + name[2:])
        else:
            args += [name, value]
    return args


def _first_work(segments: list[dict[str, Any]], exercise_id: str) -> int:
    return next(
        s["index"]
        for s in segments
        if s["exercise_id"] == exercise_id and s["kind"] in ("hold", "rep")
    )


def _check_screen_view(view: dict[str, Any], case: Scenario) -> None:
    assert tuple(r["rule_id"] for r in view["reasons"]) == case.rule_ids
    if case.rule_ids:
        assert case.reason in view["reasons"][0]["reason"] or any(
            case.reason in r["reason"] for r in view["reasons"]
        )
    # The change names, in plain words, exercises it leaves out of this library.
    changes = " ".join(a["change"] for a in view["adjustments"])
    for exercise_id in case.absent:
        assert NAMES[exercise_id] in changes, (exercise_id, changes)


@pytest.mark.parametrize("case", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_cli_screen_and_start(case: Scenario, data_dir: Path) -> None:
    cli = Cli()
    view = json.loads(cli("screen", "--json", *_options(_all_answers(case))))
    _check_screen_view(view, case)
    if case.blocked:
        out = cli("start", case.routine, "--plain", *CHECKIN, code=1)
        assert case.rule_ids[0] in out
        if "not-cleared" not in case.rule_ids[0]:
            # Nothing of the routine is left: the coach says which routines still have work.
            assert "Routines that still have work today" in out
        return
    out = cli("start", case.routine, "--plain", *CHECKIN)
    played = "\n".join(line for line in out.splitlines() if line.startswith("["))
    for exercise_id in case.absent:
        assert NAMES[exercise_id] not in played, exercise_id
    for exercise_id in case.present:
        assert NAMES[exercise_id] in played, exercise_id
    for rule_id in case.rule_ids:
        assert f"[{rule_id}]" in out, rule_id


@pytest.mark.parametrize("case", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_api_screen_start_and_pinch(case: Scenario, data_dir: Path) -> None:
    settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(data_dir)})
    with local_client(create_app(settings)) as web:
        taken = web.post("/api/v1/screen", json={"answers": _all_answers(case)})
        assert taken.status_code == 201, taken.text
        _check_screen_view(taken.json(), case)
        started = web.post(
            "/api/v1/sessions",
            json={"routine_id": case.routine, "checkin": {"pain_now": 1, "morning_after": "same"}},
        )
        if case.blocked:
            assert started.status_code in (403, 422), started.text
            assert case.rule_ids[0] in started.text
            return
        assert started.status_code == 201, started.text
        body = started.json()
        segments = body["timeline"]["segments"]
        ids = {s["exercise_id"] for s in segments}
        assert not ids & case.absent
        assert case.present <= ids
        shown = {c["rule_id"] for c in body["changes"]}
        assert set(case.rule_ids) <= shown
        if case.pinch_at is None:
            return
        at = _first_work(segments, case.pinch_at)
        url = f"/api/v1/sessions/{body['session_id']}/symptoms"
        pinched = web.post(url, json={"symptom": "pinch", "segment_index": at}).json()
        assert pinched["end_session"] is False
        assert "symptom.pinch" in pinched["rule_ids"]
        assert "not a muscle at work" in pinched["message"]
        rest = pinched["timeline"]["segments"][at:]
        assert not {s["exercise_id"] for s in rest} & case.after_pinch_absent
        assert any(s["kind"] in ("hold", "rep") for s in rest), "front-hip work goes on"
        # The browser's offline answer for a pinch there says the same.
        offline = pinched["offline"] or body["offline"]
        assert offline


@pytest.mark.parametrize(
    "case", [s for s in SCENARIOS if s.pinch_at], ids=[s.id for s in SCENARIOS if s.pinch_at]
)
def test_terminal_pinch_key(case: Scenario, data_dir: Path) -> None:
    """The terminal player's pinch key calls SymptomHandler: the same splice, same rule."""
    from hipcoach.services.screening import take_screen

    settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(data_dir)})
    with services.Context(settings) as ctx:
        take_screen(ctx, _all_answers(case))
        prepared = starting.prepare(ctx, TODAY, case.routine, CompileOptions(), 1, "same")
        active = starting.begin(ctx, prepared)
        handler = adaptation.SymptomHandler(ctx, active)
        at = _first_work([s.to_dict() for s in active.timeline.segments], case.pinch_at or "")
        result = handler("pinch", at)
        assert not result.end_session
        assert result.timeline is not None
        assert handler.responses[0].rule_id == "symptom.pinch"
        rest = {s.exercise_id for s in result.timeline.segments[at:]}
        assert not rest & case.after_pinch_absent
        cue = result.timeline.segments[at].cue
        was = {s.exercise_id for s in active.timeline.segments[at:]}
        if was & case.after_pinch_absent:
            # The rest cue names what goes, and why, in plain words.
            assert "turning the back hip inward to the end of its range" in cue
        else:
            assert cue == "From here on: effort up to 40%."  # nothing left to take out


def test_web_form_without_script_keeps_per_hip_answers(data_dir: Path) -> None:
    """The screen form posted as a browser without JavaScript does: every follow-up is on
    the page, and only those the answers open are kept (here the per-hip ones)."""
    from tests.web.conftest import post_form

    case = SCENARIOS[4]  # both hips, posterior left
    settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(data_dir)})
    with local_client(create_app(settings)) as web:
        questions = {q["id"]: q for q in web.get("/api/v1/screen/questions").json()["questions"]}
        assert questions["replacement_approach_left"]["follows_on"] == ["both"]
        assert questions["replacement_approach"]["follows_on"] == ["left", "right"]
        assert questions["replacement_side"]["follows_on"] == [True]
        page = web.get("/screen").text
        assert 'data-follows-on="both"' in page
        assert 'data-follows-on="left right"' in page
        form = {
            k: ("yes" if v is True else "no" if v is False else v)
            for k, v in _all_answers(case).items()
        }
        # A single-hip answer left on the page is not one the answers opened: dropped.
        form["replacement_approach"] = "anterior"
        saved = post_form(web, "/screen", form, follow_redirects=True)
        assert saved.status_code == 200, saved.text
        for rule_id in case.rule_ids:
            assert rule_id in saved.text
        latest = web.get("/api/v1/screen").json()["latest"]
        assert "replacement_approach" not in latest["answers"]
        assert latest["answers"]["replacement_approach_left"] == "posterior"


def test_a_both_hips_screen_survives_export_and_import(data_dir: Path, tmp_path: Path) -> None:
    """The per-hip answers and the forbidden demands come back whole from a JSON export."""
    from hipcoach.services.data import export_data, import_data
    from hipcoach.services.screening import (
        latest_screen,
        require_screen_allows_session,
        take_screen,
    )

    case = SCENARIOS[4]
    out = tmp_path / "export.json"
    with services.Context(Settings.from_env({"HIPCOACH_DATA_DIR": str(data_dir)})) as ctx:
        taken = take_screen(ctx, _all_answers(case))
        export_data(ctx, "json", out)
    other = tmp_path / "other"
    with services.Context(Settings.from_env({"HIPCOACH_DATA_DIR": str(other)})) as ctx:
        import_data(ctx, out)
        back = latest_screen(ctx)
        assert back is not None
        assert dict(back.answers) == dict(taken.answers)
        assert back.outcome == taken.outcome
        decision = require_screen_allows_session(ctx, TODAY)
        forbidden = {d for a in decision.adjustments for d in a.demands}
        assert "lean-over-front-leg" in forbidden
        assert "screen.replacement.posterior-left" in decision.rule_ids
