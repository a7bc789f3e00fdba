"""`hipcoach checkin`, run in-process against a private data folder."""

from __future__ import annotations

import pytest

from hipcoach.cli import checkins as checkin_cli
from tests.cli.conftest import Cli


def test_a_morning_report_is_recorded_and_the_next_session_explained(cli: Cli) -> None:
    out = cli("checkin", "--pain", "4", "--morning-after", "same")
    assert "Recorded: pain 4/10, this morning same." in out
    assert "Next session: HOLD" in out
    assert "[pain.hold]" in out


def test_json_names_the_rules_and_the_changes(cli: Cli) -> None:
    data = cli.json("checkin", "--symptom", "cannot-sit-tall")
    assert data["checkin"] is None
    assert data["symptom_rules"] == ["symptom.cannot-sit-tall"]
    assert data["next_session"]["verdict"] == "proceed"
    assert data["next_session"]["changes"] == ["90/90 seat on a block instead of 90/90 seat"]


def test_a_pinch_between_sessions_eases_the_next_one(cli: Cli) -> None:
    data = cli.json("checkin", "--symptom", "pinch", "--pain", "2")
    assert data["next_session"]["verdict"] == "regress"
    assert data["next_session"]["effort_cap"] == 40


def test_bad_values_are_refused_and_nothing_is_recorded(cli: Cli) -> None:
    assert "pain now must be from 0 to 10, got 11" in cli("checkin", "--pain", "11", code=1)
    out = cli("checkin", "--pain", "7", "--symptom", "elbow", code=1)
    assert "unknown symptom 'elbow'; expected one of pinch, cramp" in out
    assert "expected better, same or worse" in cli("checkin", "--morning-after", "meh", code=1)
    # Had the 7/10 been kept, today would regress.
    assert cli.json("checkin", "--morning-after", "same")["next_session"]["verdict"] == "proceed"


def test_with_nothing_to_record_and_nobody_to_ask_it_says_what_to_give(cli: Cli) -> None:
    assert "give --pain, --morning-after, --symptom or --warning-sign" in cli("checkin", code=1)


def test_at_a_terminal_it_asks_and_enter_skips(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkin_cli, "interactive", lambda: True)
    out = cli("checkin", stdin="3\n\n\n")
    assert "Recorded: pain 3/10." in out
    assert "Anything new since your last session?" in out
    assert "Next session: PROCEED" in out
    bad = cli("checkin", stdin="lots\nsame\n", code=1)
    assert "pain now must be a whole number from 0 to 10, got 'lots'" in bad


def test_at_a_terminal_a_warning_sign_is_asked_again_after_a_typo_then_pauses(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkin_cli, "interactive", lambda: True)
    cli("screen", "--no-to-all")
    signs = checkin_cli.WARNING_SIGNS
    number = signs.index("numbness") + 1
    out = cli("checkin", stdin=f"2\n\nnumbnes\n{number}\n")
    assert out.count("Numbers or names") == 2  # the typo was asked again, not dropped
    assert "Recorded the warning sign: numbness." in out
    assert "[screen.clinician.numbness]" in out
    assert "No session until the pause lifts" in out


def test_the_help_lists_exactly_the_screens_warning_signs() -> None:
    from hipcoach.library.screening import SCREENING_FILE, load_screening_from

    form = load_screening_from(SCREENING_FILE)
    assert tuple(q.sign.id for q in form.questions if q.sign) == checkin_cli.WARNING_SIGNS
