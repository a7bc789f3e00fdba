"""Scenarios: keeping the heels-closer set-up is the person's own choice, and every path obeys it.

The choice is made through the CLI, the API or the Settings form; the session it
shapes is read through `today`, `start` (what the player plays) and the API's
session start. Once the knee rule lifts, the note that the usual set-up is back
gives way to the choice, so nothing says what is not true.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hipcoach.settings import Settings
from hipcoach.web import create_app
from tests.cli.conftest import Cli
from tests.web.conftest import form_token, local_client

API = "/api/v1"
SEAT, CLOSER = "90/90 seat", "90/90 seat, heels closer"


def _client(folder: Path) -> TestClient:
    return local_client(create_app(Settings.from_env({"HIPCOACH_DATA_DIR": str(folder)})))


@pytest.fixture
def person(data_dir: Path) -> Cli:
    cli = Cli()
    cli("screen", "--no-to-all")
    cli("plan", "new", "--goal", "unlock-stiff-hips", "--days", "daily")
    return cli


def _steps(cli: Cli) -> list[str]:
    return list(cli.json("today")["steps"])


@pytest.mark.parametrize("via", ["cli", "api", "form"])
def test_the_choice_shapes_every_session_until_changed_back(
    person: Cli, data_dir: Path, via: str
) -> None:
    assert SEAT in _steps(person)
    if via == "cli":
        assert "heels closer, in every session" in person("preferences", "--heels-closer")
    else:
        with _client(data_dir) as client:
            if via == "api":
                answer = client.put(f"{API}/preferences", json={"heels_closer": True})
                assert answer.json() == {"heels_closer": True}
                bad = client.put(f"{API}/preferences", json={"heels_closer": "yes"})
                assert bad.status_code == 422
            else:
                token = form_token(client, "/settings")
                answer = client.post(
                    "/settings/preferences", data={"csrf_token": token, "setup": "heels-closer"}
                )
                assert answer.status_code == 200  # after the redirect
                assert (
                    client.post("/settings/preferences", data={"setup": "usual"}).status_code == 403
                )  # no token, no change
    assert person.json("preferences") == {"heels_closer": True}
    today = person.json("today")
    assert CLOSER in today["steps"]
    assert SEAT not in today["steps"]
    assert "preference.heels-closer" in {r["rule_id"] for r in today["explanation"]}
    played = person(
        "start", "--plain", "--no-voice", "--pain-now", "1", "--pain-after", "1", "--effort", "3"
    )
    assert "heels closer" in played.lower()
    with _client(data_dir) as client:
        started = client.post(f"{API}/sessions", json={"routine_id": "morning-pry"}).json()
        kinds = {s["exercise_id"] for s in started["timeline"]["segments"]}
        assert "90-90-setup-heels-closer" in kinds
        assert "90-90-setup" not in kinds
    person("preferences", "--usual-setup")
    assert SEAT in _steps(person)
    assert person.json("preferences") == {"heels_closer": False}


def test_after_knee_trouble_lifts_the_choice_stands_and_nothing_says_otherwise(
    person: Cli, data_dir: Path
) -> None:
    from hipcoach.domain.rules import Symptom
    from tests.scenarios.test_restrictions import FULL, Played, _play_history

    _play_history(data_dir, (Played(0.5, Symptom.KNEE), FULL, FULL, FULL))
    lifted = person("today", "--explain")
    assert "symptom.knee.lifted" in lifted
    assert "hipcoach preferences --heels-closer" in lifted  # the choice is offered
    person("preferences", "--heels-closer")
    kept = person("today", "--explain")
    assert "symptom.knee.lifted" not in kept  # "the usual set-up is back" would be false
    assert "preference.heels-closer" in kept
    assert CLOSER in person.json("today")["steps"]
