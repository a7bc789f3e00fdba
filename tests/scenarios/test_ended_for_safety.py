"""Scenarios: a session a rule ends for safety is its own status, everywhere, for good.

Rows: what the person reports mid-session (through the terminal player's
handler, the same one its keys call), the rule that must end the session, and
what every surface then shows: `hipcoach history` (text and JSON) says why,
`start --resume` refuses, and no finish relabels it completed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hipcoach import services
from hipcoach.domain.compiler import CompileOptions
from hipcoach.player.events import SessionFinished
from hipcoach.services import adaptation, checkins
from hipcoach.settings import Settings
from tests.cli.conftest import Cli

ROWS = [
    (("pinch", "pinch"), "symptom.pinch-again"),
    (("pain", "pain"), "symptom.pain-again"),
]


@pytest.mark.parametrize(("reports", "rule_id"), ROWS, ids=[r for _, r in ROWS])
def test_a_session_ended_for_safety_stays_so(
    data_dir: Path, reports: tuple[str, ...], rule_id: str
) -> None:
    cli = Cli()
    cli("screen", "--no-to-all")
    settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(data_dir)})
    with services.Context(settings) as ctx:
        decision = checkins.readiness_decision(ctx, date.today())
        active = adaptation.begin_adapted_session(ctx, "morning-pry", CompileOptions(), decision)
        handler = adaptation.SymptomHandler(ctx, active)
        for n, symptom in enumerate(reports):
            handler(symptom, n)
        assert handler.ended
        assert handler.responses[-1].rule_id == rule_id
        # The player's own finish, and a later "completed", change nothing.
        services.JournalObserver(ctx, active)(SessionFinished(completed=True, at=0.0))
        ctx.journal.finish_session(active.session_id, "completed")
        record = ctx.journal.get_session(active.session_id)
        assert record.shown_status == "ended_for_safety"
        assert record.ended_by_rule == rule_id
    rows = cli.json("history")
    assert rows[0]["status"] == "ended_for_safety"
    assert rows[0]["ended_by_rule"] == rule_id
    assert rows[0]["resumable"] is False
    assert rows[0]["ended_why"]
    text = cli("history")
    assert "ended for safety" in text
    assert f"[{rule_id}]" in text
    refused = cli("start", "--resume", "--plain", "--no-voice", "--pain-now", "0", code=1)
    assert "ended for safety" in refused
    assert "cannot be resumed" in refused
    assert cli.json("history")[0]["status"] == "ended_for_safety"
