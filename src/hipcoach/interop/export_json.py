"""The hipcoach export file: everything a profile owns as one JSON document, and back.

    {"format": "hipcoach-export", "schema_version": 2,
     "exported_at": "2025-03-14T07:30:00Z", "hipcoach_version": "0.1.0",
     "profile": {"name": "local", "created_at": "..."},
     "records": {"plans": [...], "sessions": [...], "segment_events": [...], ...}}

Times are ISO 8601 in UTC with a 'Z'; dates are YYYY-MM-DD. Reading checks the
envelope first (is it an export at all, and a version this hipcoach knows?)
so that a file from a newer hipcoach gets that message and not a list of
field errors, then validates every record (`interop.schema`) and turns it
into the rows `store.export.restore_profile` takes.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError

from hipcoach.domain.errors import StoreError
from hipcoach.interop.schema import FORMAT, SCHEMA_VERSION, ExportFile, Records
from hipcoach.store.export import DataImportError
from hipcoach.store.tables import Base

JSON_SUFFIX = "_json"
# How many field errors a refused file lists; the rest are counted.
MAX_ERRORS_SHOWN = 5
# The largest file `hipcoach import` reads (the web's limit, web.gate, is 50 MB): twenty
# years of daily sessions, every step saved, come to about 70 MB.
MAX_FILE_BYTES = 200 * 1024 * 1024
# Commas bound the values of every array and object together: a 50-million-element array
# is refused from its text in milliseconds instead of being built (2.5 GB). Twenty years
# of daily sessions hold about 2.5 million.
MAX_VALUES = 6_000_000
# A hipcoach export nests about 8 levels deep (a session's options the deepest).
MAX_DEPTH = 32
# Records of one kind: 20 years of daily sessions have about 185,000 saved steps.
MAX_RECORDS_PER_KIND = 1_000_000
# Items of a list inside a record (a screen's reasons, a session's splices).
MAX_LIST_ITEMS = 1_000


def iso(value: datetime) -> str:
    """An aware datetime as ISO 8601 UTC with a 'Z'."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def to_document(dump: dict[str, Any], exported_at: datetime, version: str) -> dict[str, Any]:
    """A `store.export.dump_profile` dict as the JSON-ready export document."""
    # Kinds in the schema's order (plans, sessions, their events, ...), which reads best.
    order = list(Records.model_fields)
    kinds = sorted(dump["records"], key=lambda k: order.index(k) if k in order else len(order))
    records = {
        kind: [_file_record(kind, i, row) for i, row in enumerate(dump["records"][kind])]
        for kind in kinds
    }
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "exported_at": iso(exported_at),
        "hipcoach_version": version,
        "profile": {
            "name": dump["profile"]["name"],
            "created_at": iso(dump["profile"]["created_at"]),
        },
        "records": records,
    }


def dumps(document: dict[str, Any]) -> str:
    """The document as text: indented, UTF-8 kept readable, NaN refused (not valid JSON)."""
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def loads(text: str) -> dict[str, Any]:
    """An export file's text as a `restore_profile` dict; DataImportError naming what is wrong."""
    if text.count(",") > MAX_VALUES:
        raise DataImportError(
            f"the file holds more than {MAX_VALUES:,} values; no hipcoach export is that large"
        )
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataImportError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "the file may be cut short or damaged"
        ) from None
    except RecursionError:
        raise DataImportError(_too_deep(), *_deepest_place(text)) from None
    _check_envelope(raw)
    _check_shape(raw)
    try:
        # Validated from the text (JSON mode) so that ISO times parse while strict types hold.
        parsed = ExportFile.model_validate_json(text)
    except ValidationError as exc:
        raise DataImportError(_describe(exc)) from None
    records: dict[str, list[dict[str, Any]]] = {}
    for kind, models in parsed.records:
        json_fields = _json_fields(kind)
        records[kind] = [_store_row(model.model_dump(), json_fields) for model in models]
    profile = {"name": parsed.profile.name, "created_at": parsed.profile.created_at}
    return {"profile": profile, "records": records, "exported_at": parsed.exported_at}


def _check_envelope(raw: object) -> None:
    if not isinstance(raw, dict):
        shown = {list: "an array", str: "a string", bool: "true or false", type(None): "null"}
        what = shown.get(type(raw), "a number")
        raise DataImportError(f"not a hipcoach export: the file holds {what}, not a JSON object")
    if raw.get("format") != FORMAT:
        raise DataImportError(
            f'not a hipcoach export: it has no "format": "{FORMAT}" field '
            "(make one with: hipcoach export --format json)"
        )
    version = raw.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise DataImportError("must be a whole number", field="schema_version")
    if version > SCHEMA_VERSION:
        raise DataImportError(
            f"this file was made by a newer hipcoach (export schema version {version}; this "
            f"hipcoach reads up to version {SCHEMA_VERSION}): upgrade hipcoach to import it"
        )
    if version < 1:
        raise DataImportError(f"unknown export schema version {version}", field="schema_version")


def _too_deep() -> str:
    return f"values are nested more than {MAX_DEPTH} levels deep; no hipcoach export is"


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:,]')


def _deepest_place(text: str) -> tuple[str | None, int | None, str | None]:
    """Where in `records` the text first nests deeper than MAX_DEPTH: (kind, index, field).

    Only for a file json gave up on: a scan of its strings and brackets, not a parse.
    """
    frames: list[list[Any]] = []  # per open container: [is an array, key or index, key next]
    for token in _TOKENS.finditer(text):
        found = token.group()
        if found in ("{", "["):
            frames.append([found == "[", 0 if found == "[" else None, found == "{"])
            if len(frames) > MAX_DEPTH:
                break
        elif found in ("}", "]"):
            if frames:
                frames.pop()
        elif found == ",":
            if frames and frames[-1][0]:
                frames[-1][1] += 1
            elif frames:
                frames[-1][2] = True
        elif found == ":":
            if frames:
                frames[-1][2] = False
        elif frames and not frames[-1][0] and frames[-1][2]:
            frames[-1][1] = json.loads(found)
    return _as_place([frame[1] for frame in frames])


def _as_place(path: list[Any]) -> tuple[str | None, int | None, str | None]:
    # path[0] is the file's key ("records"), then the kind, the index, the field.
    if len(path) >= 4 and path[0] == "records":
        kind, index, field = path[1], path[2], path[3]
        if isinstance(kind, str) and isinstance(index, int) and isinstance(field, str):
            return kind, index, field
    return None, None, None


def _check_shape(raw: dict[str, Any]) -> None:
    """How many records of each kind, and how deep and long the values inside them, before
    pydantic builds a model of each: a file of any size fails fast and names the record."""
    records = raw.get("records")
    if not isinstance(records, dict):
        return  # the schema says what is wrong with it
    for kind, rows in records.items():
        if not isinstance(rows, list):
            continue
        if len(rows) > MAX_RECORDS_PER_KIND:
            raise DataImportError(
                f"{len(rows):,} records; an import takes at most {MAX_RECORDS_PER_KIND:,}",
                str(kind),
            )
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                continue
            for name, value in row.items():
                if isinstance(value, list | dict):
                    problem = _nesting_problem(value)
                    if problem:
                        raise DataImportError(problem, str(kind), index, str(name))


def _nesting_problem(value: list[Any] | dict[str, Any]) -> str | None:
    """Why a JSON value inside a record is too deep or too long, walked without recursion."""
    stack: list[tuple[Any, int]] = [(value, 4)]  # file, records, kind, record: 4 levels above
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return _too_deep()
        children = item.values() if isinstance(item, dict) else item
        if len(item) > MAX_LIST_ITEMS:
            return f"holds {len(item):,} items; a record's lists hold at most {MAX_LIST_ITEMS:,}"
        stack.extend((c, depth + 1) for c in children if isinstance(c, list | dict))
    return None


def _describe(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    lines = [f"{_path(e['loc'])}: {e['msg']}" for e in errors[:MAX_ERRORS_SHOWN]]
    more = len(errors) - MAX_ERRORS_SHOWN
    if more > 0:
        lines.append(f"and {more} more")
    return "the file is not a valid hipcoach export: " + "; ".join(lines)


def _path(loc: tuple[int | str, ...]) -> str:
    """('records', 'sessions', 3, 'status') as 'sessions[3].status', the store's own style."""
    parts = list(loc[1:] if loc[:1] == ("records",) and len(loc) > 1 else loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "file"


def _file_record(kind: str, index: int, row: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for name, value in row.items():
        if name.endswith(JSON_SUFFIX) and isinstance(value, str):
            try:
                record[name.removesuffix(JSON_SUFFIX)] = json.loads(value)
            except json.JSONDecodeError:
                raise StoreError(
                    f"{kind}[{index}].{name} in the journal is not valid JSON; cannot export it"
                ) from None
        elif isinstance(value, datetime):
            record[name] = iso(value)
        elif isinstance(value, date):
            record[name] = value.isoformat()
        else:
            record[name] = value
    return record


def _json_fields(kind: str) -> frozenset[str]:
    """The fields of `kind` that hold a JSON value: its table's '..._json' columns."""
    table = Base.metadata.tables[kind]
    return frozenset(
        c.name.removesuffix(JSON_SUFFIX) for c in table.c if c.name.endswith(JSON_SUFFIX)
    )


def _store_row(record: dict[str, Any], json_fields: frozenset[str]) -> dict[str, Any]:
    """A validated record as a table row: JSON values back to text with sorted keys.

    `json.dumps(value, sort_keys=True)` is how the journal writes them, so a
    round trip gives the very same text; other spacing would come back equal
    in content, not in bytes.
    """
    row: dict[str, Any] = {}
    for name, value in record.items():
        if name in json_fields:
            row[name + JSON_SUFFIX] = json.dumps(value, sort_keys=True)
        else:
            row[name] = value
    return row
