"""hipcoach export and import, run in-process against a private data folder."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from hipcoach.settings import Settings
from hipcoach.store import open_journal
from tests.cli.conftest import Cli
from tests.interop.samples import populate


@pytest.fixture
def recorded(cli: Cli) -> Cli:
    """A journal with records of every kind (written directly: `start` wants a screen first)."""
    with open_journal(Settings.from_env()) as journal:
        populate(journal, "local")
    return cli


def _move_to_a_new_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "new-machine"
    monkeypatch.setenv("HIPCOACH_DATA_DIR", str(folder))
    return folder


def test_export_json_to_stdout(recorded: Cli) -> None:
    document = json.loads(recorded("export"))
    assert document["format"] == "hipcoach-export"
    assert document["profile"]["name"] == "local"
    assert len(document["records"]["sessions"]) == 2
    assert len(document["records"]["measurements"]) == 5


def test_export_to_a_file_never_replaces_one_without_force(recorded: Cli, tmp_path: Path) -> None:
    out = tmp_path / "backup.json"
    assert recorded("export", "--out", str(out)) == ""  # the summary goes to stderr
    assert json.loads(out.read_text())["schema_version"] == 2
    out.write_text("my notes")
    message = recorded("export", "--out", str(out), code=1)
    assert "Error: " in message
    assert "already exists; choose another name or pass --force" in message
    assert out.read_text() == "my notes"
    recorded("export", "--out", str(out), "--force")
    assert json.loads(out.read_text())["format"] == "hipcoach-export"


def test_export_csv_needs_a_folder_or_zip(recorded: Cli, tmp_path: Path) -> None:
    assert "CSV export writes several files" in recorded("export", "--format", "csv", code=1)
    recorded("export", "--format", "csv", "--out", str(tmp_path / "csv"))
    assert (tmp_path / "csv" / "sessions.csv").read_text().count("\n") == 3  # header + 2
    recorded("export", "--format", "CSV", "--out", str(tmp_path / "all.zip"))
    with zipfile.ZipFile(tmp_path / "all.zip") as archive:
        assert "measurements.csv" in archive.namelist()


def test_export_fhir_is_a_valid_bundle(recorded: Cli) -> None:
    bundle = Bundle.model_validate_json(recorded("export", "--format", "fhir"))
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert kinds.count("Observation") == 7
    assert kinds.count("QuestionnaireResponse") == 2


def test_an_unknown_format_is_refused(recorded: Cli) -> None:
    assert "Invalid value for '--format'" in recorded("export", "--format", "xml", code=2)


def test_import_restores_on_another_machine(
    recorded: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = tmp_path / "backup.json"
    recorded("export", "--out", str(backup))
    before = recorded.json("history")
    _move_to_a_new_machine(tmp_path, monkeypatch)
    assert recorded.json("history") == []
    result = recorded.json("import", str(backup))
    assert result["profile"] == "local"
    assert result["created_profile"] is False  # 'history' above made the empty profile
    assert result["counts"]["sessions"] == 2
    assert result["counts"]["segment_events"] == len(
        json.loads(backup.read_text())["records"]["segment_events"]
    )
    assert recorded.json("history") == before
    # The same file again: every record is already there, nothing is added.
    again_result = recorded.json("import", str(backup))
    assert again_result["total"] == 0
    assert again_result["total_already_there"] == sum(result["counts"].values())
    assert recorded.json("history") == before
    assert "Already there, so skipped: " in recorded("import", str(backup))
    again = json.loads(recorded("export"))
    assert len(again["records"]["measurements"]) == 5


def test_import_prints_what_it_restored(
    recorded: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = tmp_path / "backup.json"
    recorded("export", "--out", str(backup))
    _move_to_a_new_machine(tmp_path, monkeypatch)
    total = sum(len(rows) for rows in json.loads(backup.read_text())["records"].values())
    out = recorded("import", str(backup))
    assert out.startswith(f"Imported {total} records from {backup} into profile 'local':")
    assert "  measurements" in out
    assert "  segment events" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": "hipcoach-export", "schema_version": 1, "rec', "not valid JSON (line 1"),
        (
            '{"format": "hipcoach-export", "schema_version": 3}',
            "made by a newer hipcoach (export schema version 3",
        ),
        ('{"resourceType": "Bundle"}', "not a hipcoach export"),
        (b"\xff\xfe\x00binary", "is not UTF-8 text"),
    ],
    ids=["truncated", "newer", "not-an-export", "binary"],
)
def test_a_bad_file_is_refused_and_changes_nothing(
    cli: Cli, tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = tmp_path / "in.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    out = cli("import", str(path), code=1)
    assert out.startswith("Error: ")
    assert message in out
    assert cli.json("history") == []


def test_import_of_a_missing_file_or_a_folder(cli: Cli, tmp_path: Path) -> None:
    assert f"no file at '{tmp_path / 'nope.json'}'" in cli(
        "import", str(tmp_path / "nope.json"), code=1
    )
    assert "is a folder; give the export's .json file" in cli("import", str(tmp_path), code=1)


def test_a_record_direct_entry_would_refuse_names_file_record_and_field(
    recorded: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = tmp_path / "backup.json"
    recorded("export", "--out", str(backup))
    document = json.loads(backup.read_text())
    document["records"]["measurements"][0]["value"] = 170.0
    bent = tmp_path / "bent.json"
    bent.write_text(json.dumps(document))
    _move_to_a_new_machine(tmp_path, monkeypatch)
    message = recorded("import", str(bent), code=1)
    record_id = document["records"]["measurements"][0]["id"]
    assert message.startswith(f"Error: bent.json: measurements[0] (id {record_id}).value: ")
    assert "not a plausible hip rotation" in message
    assert recorded.json("history") == []
    assert json.loads(recorded("export"))["records"]["measurements"] == []
