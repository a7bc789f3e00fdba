"""Exporting and importing everything a profile owns: the use cases behind `hipcoach export/import`.

The JSON export is the one that comes back in: `import_data` reads it, checks
it whole, and restores it in one transaction into the current profile (the
policy is in `store.export`). CSV and FHIR are for reading elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from hipcoach.domain.errors import HipcoachError

if TYPE_CHECKING:
    from hipcoach.services.context import Context
    from hipcoach.store.export import RestoreSummary

FORMATS: Final = ("json", "csv", "fhir")


@dataclass(frozen=True)
class ExportResult:
    """What an export produced: the text (JSON or FHIR with no --out), or what it wrote."""

    format: str
    profile: str
    counts: dict[str, int]
    path: Path | None = None
    text: str | None = None
    files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportResult:
    """What an import restored, and which export it came from."""

    summary: RestoreSummary
    source: Path
    exported_from: str
    exported_at: datetime | None


def export_data(
    ctx: Context,
    fmt: str,
    out: Path | None = None,
    *,
    force: bool = False,
    now: datetime | None = None,
) -> ExportResult:
    """Export the current profile as `fmt` (json, csv or fhir) to `out`, or as text without one.

    CSV needs `out` (a folder, or a file name ending in .zip). An existing file
    is never replaced unless `force`.
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise HipcoachError(f"unknown export format '{fmt}'; use one of: {', '.join(FORMATS)}")
    if fmt == "csv":
        if out is None:
            raise HipcoachError("CSV export writes several files: give --out FOLDER or FILE.zip")
        from hipcoach.interop.export_csv import write_csv

        dump = _dump(ctx)
        files = write_csv(dump, out, force=force)
        return ExportResult(**_facts(fmt, dump), path=out, files=files)
    if out is not None:
        from hipcoach.interop.files import refuse_existing

        refuse_existing(out, force)  # before reading anything, so a refusal costs nothing
    dump = _dump(ctx)
    text = _text(fmt, dump, now or datetime.now(UTC))
    if out is None:
        return ExportResult(**_facts(fmt, dump), text=text)
    from hipcoach.interop.files import write_atomic

    write_atomic(out, text.encode("utf-8"))
    return ExportResult(**_facts(fmt, dump), path=out)


def import_data(
    ctx: Context, path: Path, *, max_bytes: int | None = None, shown_as: str | None = None
) -> ImportResult:
    """Restore a hipcoach JSON export into the current profile; nothing changes if it is refused.

    The file is checked whole before anything is written: its size (`max_bytes`, by
    default export_json.MAX_FILE_BYTES) before it is read, then its shape, then every
    record against the rules direct entry follows (services.record_checks). A
    refusal names the file (`shown_as`, by default its name), the record and the field.
    """
    from hipcoach.interop.export_json import MAX_FILE_BYTES, loads
    from hipcoach.services.record_checks import record_problems
    from hipcoach.store.export import DataImportError, restore_profile

    limit = MAX_FILE_BYTES if max_bytes is None else max_bytes
    text = _read_export(path, limit)
    now = datetime.now(UTC)
    try:
        data = loads(text)
        del text  # the parsed file is all that is needed from here on
        summary = restore_profile(
            ctx.journal.engine,
            ctx.settings.profile,
            data,
            check_record=lambda kind, row: record_problems(kind, row, now=now),
        )
    except DataImportError as exc:
        raise exc.in_file(shown_as or path.name) from None
    return ImportResult(
        summary=summary,
        source=path,
        exported_from=data["profile"]["name"],
        exported_at=data.get("exported_at"),
    )


def _read_export(path: Path, limit: int) -> str:
    """The file's text, refused by its size before a byte of it is read."""
    from hipcoach.store.export import DataImportError

    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError
        if size > limit:
            raise DataImportError(
                f"'{path}' is {_megabytes(size)}; an import takes files up to {_megabytes(limit)}"
            )
        return path.read_text(encoding="utf-8-sig")  # a BOM from a Windows editor is harmless
    except FileNotFoundError:
        raise DataImportError(f"no file at '{path}'") from None
    except IsADirectoryError:
        raise DataImportError(f"'{path}' is a folder; give the export's .json file") from None
    except UnicodeDecodeError:
        raise DataImportError(
            f"'{path}' is not UTF-8 text; hipcoach imports the JSON file that "
            "'hipcoach export' writes"
        ) from None
    except OSError as exc:
        raise DataImportError(f"cannot read '{path}': {exc.strerror}") from None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _dump(ctx: Context) -> dict[str, Any]:
    from hipcoach.store.export import dump_profile

    return dump_profile(ctx.journal.engine, ctx.profile_id)


def _facts(fmt: str, dump: dict[str, Any]) -> dict[str, Any]:
    counts = {kind: len(rows) for kind, rows in dump["records"].items()}
    return {"format": fmt, "profile": dump["profile"]["name"], "counts": counts}


def _text(fmt: str, dump: dict[str, Any], exported_at: datetime) -> str:
    if fmt == "fhir":
        from hipcoach.interop.fhir import to_fhir_json

        return to_fhir_json(dump, exported_at)
    from hipcoach import __version__
    from hipcoach.interop.export_json import dumps, to_document

    try:
        return dumps(to_document(dump, exported_at, __version__))
    except ValueError as exc:  # NaN or infinity in a number column: not valid JSON
        raise HipcoachError(f"the journal holds a value JSON cannot carry: {exc}") from None
