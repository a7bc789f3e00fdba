"""CSV export: one file per kind, a header row, ISO times, UTF-8; into a folder or a .zip."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from hipcoach.interop.export_csv import csv_files, write_csv
from hipcoach.interop.files import DataExportError
from hipcoach.store import Journal
from hipcoach.store.export import dump_profile, owned_tables
from tests.interop.samples import populate


@pytest.fixture
def dump(journal: Journal) -> dict[str, Any]:
    return dump_profile(journal.engine, populate(journal, "alice"))


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_one_file_per_kind_with_the_table_columns_as_header(dump: dict[str, Any]) -> None:
    files = csv_files(dump)
    assert set(files) == {"profile.csv"} | {f"{t.name}.csv" for t in owned_tables()}
    for table in owned_tables():
        header = next(csv.reader(io.StringIO(files[f"{table.name}.csv"])))
        assert header == [c.name for c in table.columns if c.name != "profile_id"]
        assert len(_rows(files[f"{table.name}.csv"])) == len(dump["records"][table.name])


def test_values_are_iso_times_plain_numbers_and_empty_for_none(dump: dict[str, Any]) -> None:
    files = csv_files(dump)
    rom = _rows(files["measurements.csv"])[0]
    assert rom["measured_at"] == "2025-03-14T07:20:00.123456Z"
    assert rom["value"] == "38.5"
    assert rom["note"] == "phone zeroed on the shin; stretch, no pinch — ça va"
    pain = _rows(files["measurements.csv"])[2]
    assert pain["movement"] == ""
    assert pain["method"] == ""
    plan = _rows(files["plans.csv"])[0]
    assert plan["start_date"] == "2025-03-10"
    psfs = _rows(files["questionnaire_responses.csv"])[0]
    assert json.loads(psfs["answers_json"])["items"][1]["activity"] == "Tying shoes — left foot"
    assert _rows(files["profile.csv"]) == [
        {"name": "alice", "created_at": dump["profile"]["created_at"].isoformat()[:-6] + "Z"}
    ]


def test_a_kind_with_no_records_still_gets_its_header(journal: Journal) -> None:
    empty = dump_profile(journal.engine, journal.ensure_profile("nobody").id)
    files = csv_files(empty)
    assert files["sessions.csv"].splitlines()[0].startswith("id,routine_id,routine_name")
    assert len(files["sessions.csv"].splitlines()) == 1


def test_written_into_a_folder_as_utf8(dump: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "export"
    names = write_csv(dump, out)
    assert sorted(p.name for p in out.iterdir()) == names
    text = (out / "measurements.csv").read_bytes().decode("utf-8")
    assert "no pinch — ça va" in text
    assert text.splitlines()[0].startswith("id,measured_at")


def test_written_into_a_zip(dump: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "hip.zip"
    names = write_csv(dump, out)
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == names
        sessions = _rows(archive.read("sessions.csv").decode("utf-8"))
    assert {s["routine_id"] for s in sessions} == {"morning-pry", "desk-break"}


def test_files_already_there_are_not_replaced_without_force(
    dump: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "export"
    out.mkdir()
    (out / "sessions.csv").write_text("mine")
    with pytest.raises(DataExportError, match=r"already has sessions\.csv; choose an empty folder"):
        write_csv(dump, out)
    assert (out / "sessions.csv").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == ["sessions.csv"]
    write_csv(dump, out, force=True)
    assert (out / "sessions.csv").read_text().startswith("id,")
    archive = tmp_path / "a.zip"
    archive.write_text("mine")
    with pytest.raises(DataExportError, match="already exists; choose another name or pass"):
        write_csv(dump, archive)
    assert archive.read_text() == "mine"


def test_a_file_where_the_folder_should_be_is_refused(dump: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "notes.txt"
    out.write_text("mine")
    with pytest.raises(DataExportError, match=r"is a file; CSV export wants a folder or a \.zip"):
        write_csv(dump, out)
