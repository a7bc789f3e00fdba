"""`hipcoach screen`, run in-process against a private data folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hipcoach.cli.screening as screen_cli
from hipcoach.cli.screening import ANSWER_OPTIONS, option_name
from hipcoach.domain.screening import QuestionType, evaluate_screen, next_question
from hipcoach.library.screening import SCREENING_FILE, load_screening_from
from hipcoach.settings import Settings
from hipcoach.store import open_journal
from hipcoach.store.screens import ScreenRepository
from tests.cli.conftest import Cli

FORM = load_screening_from(SCREENING_FILE)
SIDES = FORM.question("replacement_side").options
REPLACED = ("--replacement", "--replacement-side", "left", "--replacement-approach", "lateral")


def latest(cli: Cli) -> Any:
    return cli.json("screen", "--show")


def test_the_options_match_the_questions_one_for_one() -> None:
    table = [(qid, choices) for qid, choices, _ in ANSWER_OPTIONS]
    data = [(q.id, q.options if q.type is QuestionType.CHOICE else ()) for q in FORM.questions]
    assert table == data


def test_help_names_every_option(cli: Cli) -> None:
    text = cli("screen", "--help")
    for qid, choices, _ in ANSWER_OPTIONS:
        assert option_name(qid) in text
        if not choices:
            assert f"--no-{option_name(qid)[2:]}" in text
    assert "--no-to-all" in text
    assert "not medical care" in text


def test_no_to_all_gives_a_clear_screen_and_stores_it(cli: Cli) -> None:
    out = cli("screen", "--no-to-all")
    assert "Readiness screen: clear" in out
    assert "not medical care" in out
    shown = latest(cli)
    assert shown["due"] is False
    assert shown["latest"]["status"] == "clear"
    assert shown["latest"]["answers"]["trauma"] is False


def test_every_answer_as_an_option(cli: Cli) -> None:
    args = [f"--no-{option_name(q.id)[2:]}" for q in FORM.questions if not q.follows]
    args[args.index("--no-fai")] = "--fai"
    result = cli.json("screen", *args)
    assert result["status"] == "caution"
    assert [r["rule_id"] for r in result["reasons"]] == ["screen.fai"]
    assert {(a["kind"], a["effort_percent"]) for a in result["adjustments"]} >= {("cap_effort", 60)}


def test_json_has_the_outcome_and_every_reason(cli: Cli) -> None:
    result = cli.json(
        "screen", "--no-to-all", "--trauma", "--cancer", "--no-clinician-cleared", "--fai"
    )
    assert result["status"] == "stop"
    assert result["verdict"] == "stop"
    assert result["blocks_sessions"] is True
    assert [r["rule_id"] for r in result["reasons"]] == [
        "screen.urgent.trauma",
        "screen.clinician.cancer",
        "screen.fai",
    ]
    assert [r["level"] for r in result["reasons"]] == ["urgent", "clinician", "caution"]
    assert {a["kind"] for a in result["adjustments"]} == {"block_session"}
    assert "today" in result["what_to_do"][0]
    assert result["what_would_change_it"]
    assert result["valid_until"]


def test_a_replacement_without_clearance_says_why_in_plain_words(cli: Cli) -> None:
    out = cli("screen", "--no-to-all", *REPLACED, "--no-replacement-cleared")
    assert "Readiness screen: stop" in out
    assert "screen.replacement.not-cleared" in out
    assert "both legs of the 90/90" in " ".join(out.split())
    assert "What would change it" in out


def test_a_cleared_replacement_is_a_caution(cli: Cli) -> None:
    result = cli.json("screen", "--no-to-all", *REPLACED, "--replacement-cleared")
    assert result["status"] == "caution"
    assert result["answers"]["replacement_side"] == "left"


def test_missing_answers_are_named_as_options_and_nothing_is_stored(cli: Cli) -> None:
    out = cli("screen", "--trauma", code=1)
    assert "Error: the screen needs an answer for" in out
    assert "--fai/--no-fai" in out
    assert "--trauma/" not in out
    assert "--no-to-all" in out
    assert "Nothing was stored" in out
    out = cli("screen", "--no-to-all", "--replacement", code=1)
    assert "--replacement-side [left|right|both]" in out
    assert latest(cli)["latest"] is None


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ("--no-to-all", "--replacement-side", "left"),
            "--replacement-side applies only after a yes to --replacement",
        ),
        (("--no-to-all", "--clinician-cleared"), "only after a yes to"),
        (
            ("--no-to-all", *REPLACED[:-1], "sideways", "--replacement-cleared"),
            "--replacement-approach takes one of anterior, posterior, lateral, unknown, got 'sid",
        ),
        (("--show", "--fai"), "--show only shows the latest screen"),
        (("--show", "--no-to-all"), "--show only shows the latest screen"),
    ],
)
def test_bad_input_exits_1_with_a_message_and_stores_nothing(
    cli: Cli, args: tuple[str, ...], words: str
) -> None:
    out = cli("screen", *args, code=1)
    assert out.startswith("Error: ")
    assert words in out
    assert latest(cli)["latest"] is None


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(min_size=1, max_size=12).filter(lambda t: t not in SIDES and not t.startswith("-")))
def test_any_bad_choice_changes_nothing(cli: Cli, side: str) -> None:
    out = cli("screen", "--no-to-all", "--replacement", "--replacement-side", side, code=1)
    assert "--replacement-side takes one of left, right, both" in out
    assert latest(cli)["latest"] is None


def test_show_before_any_screen(cli: Cli) -> None:
    assert "Never screened. A new screen is due" in cli("screen", "--show")
    assert latest(cli) == {
        "latest": None,
        "due": True,
        "why": "never screened",
        "valid_until": None,
    }


def store_old_screen(days: int, answers: dict[str, Any]) -> None:
    with open_journal(Settings.from_env()) as journal:
        profile = journal.ensure_profile("local")
        taken = datetime.now(UTC) - timedelta(days=days)
        ScreenRepository(journal.engine).save(
            profile.id, taken, answers, evaluate_screen(FORM, answers)
        )


@pytest.mark.parametrize(("days", "due"), [(10, False), (89, False), (91, True)])
def test_a_screen_is_asked_again_after_90_days(cli: Cli, days: int, due: bool) -> None:
    store_old_screen(days, {q.id: False for q in FORM.questions if not q.follows})
    shown = latest(cli)
    assert shown["due"] is due
    assert shown["why"].startswith(f"last screen was {days} days ago")
    text = cli("screen", "--show")
    assert ("A new screen is due" in text) is due


def answer_lines(**yes: str) -> str:
    """Interactive input: y for the named questions (or their choice), n for the rest."""
    lines: list[str] = []
    given: dict[str, Any] = {}
    while (question := next_question(FORM, given)) is not None:
        value = yes.get(question.id, "n")
        lines.append(value)
        given[question.id] = value if question.type is QuestionType.CHOICE else value == "y"
    return "\n".join(lines) + "\n"


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screen_cli, "_interactive", lambda: True)


@pytest.mark.usefixtures("terminal")
def test_in_a_terminal_it_asks_follow_ups_only_after_a_yes(cli: Cli) -> None:
    stdin = answer_lines(
        replacement="y",
        replacement_side="right",
        replacement_approach="unknown",
        replacement_cleared="y",
    )
    out = cli("screen", stdin=stdin)
    assert "Which hip was replaced?" in out
    assert "Are you pregnant?" in out
    assert "Has your midwife or doctor" not in out  # Pregnancy said no: its follow-up is skipped.
    assert "Readiness screen: caution" in out
    assert latest(cli)["latest"]["answers"]["replacement_approach"] == "unknown"


@pytest.mark.usefixtures("terminal")
def test_in_a_terminal_options_given_are_not_asked_again(cli: Cli) -> None:
    out = cli("screen", "--no-to-all", "--pregnant", stdin="y\n")
    assert "Are you pregnant?" not in out
    assert out.count("?") >= 1
    assert latest(cli)["latest"]["status"] == "caution"


@pytest.mark.usefixtures("terminal")
def test_in_a_terminal_json_keeps_stdout_clean(cli: Cli) -> None:
    result = cli.runner.invoke(
        screen_cli.app, ["screen", "--json"], input=answer_lines(fai="y"), catch_exceptions=False
    )
    assert result.exit_code == 0
    # CliRunner echoes the typed answers into stdout; a real terminal echoes them itself.
    prompts, _, document = result.stdout.partition("{\n")
    assert set(prompts.split()) == {"n", "y"}
    assert json.loads("{\n" + document)["status"] == "caution"
    assert "Have you ever had cancer?" in result.stderr
