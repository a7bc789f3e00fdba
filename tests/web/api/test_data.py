"""Export as a download, and import into a fresh app restores everything, all or nothing."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from hipcoach.library.loader import load_library
from hipcoach.settings import Settings
from hipcoach.web import create_app
from tests.web.api.conftest import API, error
from tests.web.conftest import local_client


def _fill(client: TestClient, started: dict[str, Any]) -> None:
    sid = started["session_id"]
    for index in range(3):
        client.post(
            f"{API}/sessions/{sid}/segments",
            json={"index": index, "outcome": "completed", "elapsed_seconds": 2},
        )
    client.post(f"{API}/measurements", json={"left_ir": 31, "right_ir": 26})


def test_export_then_import_into_a_fresh_app(
    screened: TestClient, started: dict[str, Any], tmp_path: Path
) -> None:
    _fill(screened, started)
    download = screened.get(f"{API}/export")
    assert download.headers["content-type"].startswith("application/json")
    assert "attachment" in download.headers["content-disposition"]
    assert ".json" in download.headers["content-disposition"]
    document = download.json()
    fresh = Settings.from_env({"HIPCOACH_DATA_DIR": str(tmp_path / "fresh")})
    load_library.cache_clear()
    with local_client(create_app(fresh)) as other:
        assert other.get(f"{API}/history").json() == []
        response = other.post(f"{API}/import", json=document)
        assert response.status_code == 200, response.text
        assert response.json()["total"] > 0
        history = other.get(f"{API}/history").json()
        assert [h["session_id"] for h in history] == [started["session_id"]]
        assert history[0]["segments_done"] == 3
        angles = other.get(f"{API}/measurements").json()["measurements"]
        assert sorted(m["value"] for m in angles) == [26, 31]
        assert other.get(f"{API}/screen").json()["latest"]["status"] == "clear"


def test_import_refuses_bad_files_and_changes_nothing(
    screened: TestClient, started: dict[str, Any]
) -> None:
    document = screened.get(f"{API}/export").json()
    before = screened.get(f"{API}/history").json()
    error(screened.post(f"{API}/import", json={"hello": "world"}), 422)
    newer = json.loads(json.dumps(document))
    newer["schema_version"] = 999
    assert "newer hipcoach" in error(screened.post(f"{API}/import", json=newer), 422)["error"]
    # A valid envelope with one broken record: refused whole, so nothing of it is stored.
    broken = json.loads(json.dumps(document))
    broken["records"]["sessions"][0]["status"] = "flying"
    error(screened.post(f"{API}/import", json=broken), 422)
    error(screened.post(f"{API}/import", content=b"[1, 2]"), 422)
    assert screened.get(f"{API}/history").json() == before


def test_csv_and_fhir_exports(screened: TestClient, started: dict[str, Any]) -> None:
    _fill(screened, started)
    csv = screened.get(f"{API}/export", params={"format": "csv"})
    assert csv.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(csv.content)).namelist()
    assert any(name.endswith(".csv") for name in names)
    fhir = screened.get(f"{API}/export", params={"format": "fhir"})
    assert fhir.headers["content-type"].startswith("application/fhir+json")
    assert fhir.json()["resourceType"] == "Bundle"
    assert error(screened.get(f"{API}/export", params={"format": "xml"}), 422)["field"] == "format"
