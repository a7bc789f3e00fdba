"""One CSV file per kind of record, for spreadsheets: into a folder, or into one .zip file.

Each file has a header row of the table's column names (less `profile_id`),
times in ISO 8601 UTC with a 'Z', dates as YYYY-MM-DD, an empty cell for no
value, and JSON columns as the JSON text the journal holds. Files are UTF-8
with CRLF line ends (RFC 4180), which spreadsheets and Python's csv read alike.
A kind with no records still gets its file, header only, so scripts can rely
on every file being there. CSV is for reading; `hipcoach import` takes the JSON
export, which keeps types exactly.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hipcoach.interop.export_json import iso
from hipcoach.interop.files import DataExportError, refuse_existing, write_atomic
from hipcoach.store.export import owned_tables

PROFILE_FILE = "profile.csv"


def csv_files(dump: dict[str, Any]) -> dict[str, str]:
    """File name to CSV text for every kind of record in a `dump_profile` dict, and the profile."""
    files = {PROFILE_FILE: _table(["name", "created_at"], [dump["profile"]])}
    for table in owned_tables():
        header = [c.name for c in table.columns if c.name != "profile_id"]
        files[f"{table.name}.csv"] = _table(header, dump["records"].get(table.name, []))
    return files


def write_csv(dump: dict[str, Any], out: Path, *, force: bool = False) -> list[str]:
    """Write the CSV files into the folder `out`, or into the zip file `out` if it ends in .zip.

    Returns the file names written. Files already there are not replaced unless `force`.
    """
    files = csv_files(dump)
    if out.suffix.lower() == ".zip":
        refuse_existing(out, force)
        write_atomic(out, _zipped(files))
        return sorted(files)
    if out.exists() and not out.is_dir():
        raise DataExportError(f"'{out}' is a file; CSV export wants a folder or a .zip name")
    clashes = sorted(name for name in files if (out / name).exists())
    if clashes and not force:
        raise DataExportError(
            f"'{out}' already has {', '.join(clashes)}; choose an empty folder or pass --force"
        )
    for name, text in files.items():
        write_atomic(out / name, text.encode("utf-8"))
    return sorted(files)


def _table(header: list[str], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in header])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(files.items()):
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()
