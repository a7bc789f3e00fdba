"""The import mutation corpus: hundreds of damaged copies of a real export, each imported.

The export is made by the app itself (a screen, a plan, two sessions played with every
step saved, check-ins, measurements, a PSFS, a preference). Every mutant must end one of
two ways: refused with DataImportError, the message naming the file and (for a damaged
record) the record and the field, with every table's row count unchanged; or imported,
after which every read command (`today`, `plan show`, `progress`, `screen --show`,
`history`, `export`) and the web Today page still work. Nothing else: no traceback, no
command broken for good. Half the mutants go into the journal the export came from (the
re-import path: identical records are already there, a changed one is a conflict), half
into another journal with data of its own (every record is new there).
"""

from __future__ import annotations

import copy
import json
import random
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hipcoach.cli import app
from hipcoach.interop.export_json import MAX_DEPTH, MAX_VALUES
from hipcoach.library.loader import load_library
from hipcoach.services.context import Context
from hipcoach.services.data import import_data
from hipcoach.settings import Settings
from hipcoach.store.export import DataImportError
from tests.interop.samples import table_counts

SEED = 20261203
FILE_NAME = "mutant.json"
READS = (
    ("today", "--json"),
    ("plan", "show", "--json"),
    ("progress", "--json"),
    ("screen", "--show", "--json"),
    ("history", "--json"),
    ("export",),
)
NOW = datetime.now(UTC)
BAD_VALUES: tuple[Any, ...] = (
    2**63,
    -(2**63) - 1,
    10**30,
    float("inf"),
    float("nan"),
    1e308,
    "x" * 100_001,
    True,
    "1",
    1.5,
    [],
    {},
    None,
    -1,
    "",
)
TIMES = (
    "9999-12-31T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "2099-01-01T00:00:00Z",
    "garbage",
    "2026-02-30T07:00:00Z",
    "1999-12-31T23:00:00Z",
)
DAYS = ("9999-12-31", "0001-01-01", "2099-06-01", "soon", "2026-13-01")


@dataclass(frozen=True)
class Mutant:
    """One damaged file, and the record and field it damages (None: the file as a whole)."""

    name: str
    data: bytes
    kind: str | None = None
    field: str | None = None


def _run(env: dict[str, str], *args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=True)
    exception = None if isinstance(result.exception, SystemExit) else result.exception
    return result.exit_code, result.stdout + result.stderr, exception


def _env(folder: Path) -> dict[str, str]:
    return {"HIPCOACH_DATA_DIR": str(folder), "HIPCOACH_TIME_SCALE": "1000"}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The real export, the journal it came from, and another journal with data of its own."""
    root = tmp_path_factory.mktemp("mutations")
    load_library.cache_clear()
    own, other = root / "own", root / "other"
    steps = [
        ("screen", "--no-to-all"),
        ("plan", "new", "--goal", "jammed-hips", "--days", "mon,wed,fri", "--weeks", "4"),
        ("start", "desk-break", "--plain", "--no-voice", "--pain-now", "2"),
        ("start", "--plain", "--no-voice", "--new", "--pain-now", "1", "--morning-after", "same"),
        ("checkin", "--pain", "2", "--morning-after", "same"),
        ("measure", "--left-ir", "32", "--right-ir", "27", "--pain", "2", "--psfs", "socks=6"),
        (
            "measure",
            "--at",
            f"{NOW.date() - timedelta(days=10)}",
            "--method",
            "goniometer",
            "--right-ir",
            "30",
            "--note",
            "at the clinic",
        ),
        ("preferences", "--heels-closer"),
        ("export", "--out", str(root / "export.json")),
    ]
    for step in steps:
        code, out, exc = _run(_env(own), *step)
        assert (code, exc) == (0, None), f"{step}: {out}"
    for step in (("screen", "--no-to-all"), ("measure", "--left-ir", "35", "--pain", "1")):
        code, out, exc = _run(_env(other), *step)
        assert (code, exc) == (0, None), f"{step}: {out}"
    document = json.loads((root / "export.json").read_text())
    assert document["records"]["segment_events"]
    assert document["records"]["plans"]
    yield {"root": root, "document": document, "templates": (own, other)}
    load_library.cache_clear()


# ---- the corpus -----------------------------------------------------------------------


def _text(document: dict[str, Any]) -> bytes:
    return json.dumps(document, allow_nan=True).encode()


def _corpus(document: dict[str, Any]) -> list[Mutant]:
    rng = random.Random(SEED)
    records = document["records"]
    kinds = [k for k, rows in records.items() if rows]
    mutants: list[Mutant] = []

    def record_mutant(
        name: str, kind: str, field: str, change: Callable[[dict[str, Any]], Any]
    ) -> None:
        doc = copy.deepcopy(document)
        rows = doc["records"][kind]
        change(rows[rng.randrange(len(rows))])
        mutants.append(Mutant(name, _text(doc), kind, field))

    def setter(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
        return lambda row: row.__setitem__(field, value)

    # Every field of every kind, given a wrong value (a seeded sample), left out, or extra.
    combos = [(k, f, v) for k in kinds for f in records[k][0] for v in BAD_VALUES]
    for kind, field, value in rng.sample(combos, 330):
        record_mutant(f"{kind}.{field}={str(value)[:12]}", kind, field, setter(field, value))
    for kind, field in rng.sample([(k, f) for k in kinds for f in records[k][0]], 45):
        record_mutant(f"{kind}.{field} missing", kind, field, lambda r, f=field: r.pop(f))
    for kind in kinds:
        record_mutant(f"{kind} extra key", kind, "colour", setter("colour", "red"))
    # Times and dates outside any sensible year, or not dates at all.
    for kind in kinds:
        for field, value in records[kind][0].items():
            if isinstance(value, str) and field.endswith(("_at", "since")):
                for bad in TIMES:
                    record_mutant(f"{kind}.{field}={bad}", kind, field, setter(field, bad))
            elif field in ("start_date", "cleared_on"):
                for bad in DAYS:
                    record_mutant(f"{kind}.{field}={bad}", kind, field, setter(field, bad))
    # Values the domain refuses: angles, pain, effort, doses, days, enumerations.
    domain = [
        ("measurements", "value", 170.0),
        ("measurements", "value", -5.0),
        ("measurements", "value", 1e308),
        ("measurements", "unit", "furlongs"),
        ("measurements", "side", "middle"),
        ("measurements", "method", "tape"),
        ("measurements", "position", "standing"),
        ("measurements", "movement", "flexion"),
        ("measurements", "kind", "mood"),
        ("measurements", "note", "n" * 501),
        ("measurements", "note", "n" * 100_000_0),
        ("checkins", "pain", 11),
        ("checkins", "pain", -1),
        ("checkins", "effort", 99),
        ("checkins", "moment", "during"),
        ("checkins", "morning_after", "fine"),
        ("plans", "weeks", 0),
        ("plans", "weeks", 53),
        ("plans", "weekdays", "funday"),
        ("plans", "weekdays", "daily"),
        ("plans", "weekdays", "mon,mon,wed"),
        ("plans", "weekdays", ""),
        ("plans", "weekdays", "mon,tue,wed,thu,fri,sat,sun"),
        ("plans", "weekdays", "MON,WED,FRI"),
        ("plans", "time_of_day", "25:00"),
        ("plans", "time_of_day", "7:00"),
        ("plans", "goal_id", "fly"),
        ("plans", "status", "done"),
        ("plans", "status_reason", "r" * 100_001),
        ("sessions", "status", "done"),
        ("sessions", "routine_id", "moonwalk"),
        ("sessions", "total_segments", -1),
        ("sessions", "total_segments", 10**6),
        ("sessions", "total_seconds", 10**9),
        ("sessions", "options", {"dose": {"seconds": 10**6}}),
        ("sessions", "options", {"sides": ["up"]}),
        ("sessions", "options", {"splices": "all"}),
        ("sessions", "options", {"adjustments": [{"kind": "teleport"}]}),
        ("sessions", "options", [1, 2, 3]),
        ("sessions", "id", "../../etc/passwd"),
        ("sessions", "routine_name", ""),
        ("segment_events", "elapsed_seconds", -1.0),
        ("segment_events", "elapsed_seconds", 1e9),
        ("segment_events", "planned_seconds", 10**9),
        ("segment_events", "segment_index", -1),
        ("segment_events", "outcome", "maybe"),
        ("segment_events", "side", "middle"),
        ("segment_events", "kind", "nap"),
        ("segment_events", "exercise_id", "handstand"),
        ("screens", "status", "green"),
        ("screens", "answers", {"q": 41}),
        ("screens", "answers", ["yes"]),
        ("screens", "outcome", {"status": "clear"}),
        ("questionnaire_responses", "score", 1e308),
        ("preferences", "value", "v" * 201),
        ("preferences", "key", ""),
    ]
    for kind, field, value in domain:
        record_mutant(f"{kind}.{field}={str(value)[:12]}", kind, field, setter(field, value))
    for days in (10**9, 0, -5):
        record_mutant(
            f"screens.outcome.valid_for_days={days}",
            "screens",
            "outcome",
            lambda r, d=days: r["outcome"].__setitem__("valid_for_days", d),
        )
    record_mutant(
        "screens.outcome status not the screen's",
        "screens",
        "outcome",
        lambda r: r["outcome"].__setitem__("status", "stop"),
    )
    for field, score in (("answers", 11), ("answers", -2)):
        record_mutant(
            f"psfs score {score}",
            "questionnaire_responses",
            field,
            lambda r, s=score: r["answers"]["items"][0].__setitem__("score", s),
        )
    record_mutant(
        "psfs six items",
        "questionnaire_responses",
        "answers",
        lambda r: r["answers"].__setitem__(
            "items", [{"activity": f"a{i}", "score": 3} for i in range(6)]
        ),
    )
    # Duplicate ids, and references to records the file does not hold.
    for kind in kinds:
        doc = copy.deepcopy(document)
        doc["records"][kind].append(copy.deepcopy(doc["records"][kind][0]))
        mutants.append(Mutant(f"{kind} duplicate id", _text(doc), kind, "id"))
    for kind, field, value in (
        ("segment_events", "session_id", "f" * 32),
        ("checkins", "session_id", "e" * 32),
        ("sessions", "plan_id", 9999),
    ):
        record_mutant(f"{kind}.{field} dangling", kind, field, setter(field, value))
    # Deep nesting (json gives up at about 1,000 levels) and long lists, inside records.
    for kind, field in (("sessions", "options"), ("screens", "answers"), ("screens", "outcome")):
        for depth in (1_000, 5_000, MAX_DEPTH + 1):
            doc = copy.deepcopy(document)
            doc["records"][kind][0][field] = "@@DEEP@@"
            deep = ("[" * depth + "]" * depth).encode()
            data = _text(doc).replace(b'"@@DEEP@@"', deep)
            mutants.append(Mutant(f"{kind}.{field} {depth} deep", data, kind, field))
        record_mutant(f"{kind}.{field} long list", kind, field, setter(field, {"x": [0] * 5_000}))
    doc = copy.deepcopy(document)
    doc["extra"] = "@@DEEP@@"
    deep = ("[" * 1_000 + "]" * 1_000).encode()
    mutants.append(Mutant("deep outside records", _text(doc).replace(b'"@@DEEP@@"', deep)))
    # A huge array: refused from its text, before it is built.
    doc = copy.deepcopy(document)
    doc["records"]["sessions"][0]["options"] = "@@BIG@@"
    big = b"[" + b"0," * (MAX_VALUES + 1) + b"0]"
    # Counted over the whole text, so the refusal names the file, not the record.
    mutants.append(Mutant("huge array", _text(doc).replace(b'"@@BIG@@"', big)))
    # The file as a whole: cut short, bytes that are not UTF-8, a wrong envelope.
    whole = _text(document)
    for cut in sorted(rng.sample(range(1, len(whole) - 1), 12)):
        mutants.append(Mutant(f"truncated at {cut}", whole[:cut]))
    for at in sorted(rng.sample(range(len(whole)), 10)):
        mutants.append(Mutant(f"non-UTF-8 at {at}", whole[:at] + b"\xff\xfe" + whole[at:]))
    for name, change in (
        ("newer schema", lambda d: d.__setitem__("schema_version", 3)),
        ("schema 0", lambda d: d.__setitem__("schema_version", 0)),
        ("schema as text", lambda d: d.__setitem__("schema_version", "2")),
        ("no format", lambda d: d.pop("format")),
        ("records a list", lambda d: d.__setitem__("records", [])),
        ("no profile", lambda d: d.pop("profile")),
        ("unknown kind", lambda d: d["records"].__setitem__("workouts", [])),
        ("kind not a list", lambda d: d["records"].__setitem__("checkins", {"id": 1})),
        ("record not an object", lambda d: d["records"]["checkins"].append("hello")),
        ("exported 9999", lambda d: d.__setitem__("exported_at", "9999-12-31T00:00:00Z")),
    ):
        doc = copy.deepcopy(document)
        change(doc)
        mutants.append(Mutant(name, _text(doc)))
    for name, data in (
        ("empty", b""),
        ("a number", b"12"),
        ("null", b"null"),
        ("bom", b"\xef\xbb\xbf{}"),
    ):
        mutants.append(Mutant(name, data))
    # Well-formed changes that a person could have made: taken in, and every read works.
    for kind, field, value in (
        ("measurements", "note", "re-measured after the warm-up"),
        ("measurements", "measured_at", (NOW - timedelta(days=3)).isoformat()),
        ("checkins", "recorded_at", (NOW - timedelta(hours=5)).isoformat()),
        ("sessions", "status", "completed"),
        ("plans", "status", "paused"),
        ("plans", "weekdays", "tue,thu,sat"),
        ("screens", "taken_at", (NOW - timedelta(days=200)).isoformat()),
    ):
        record_mutant(f"valid {kind}.{field}", kind, field, setter(field, value))
    # A session left unfinished today, as the player leaves one: the Today page offers it.
    for fingerprint in (None, "0000000000000000"):
        doc = copy.deepcopy(document)
        for session in doc["records"]["sessions"]:
            session.update(status="in_progress", ended_at=None)
            session["started_at"] = session["updated_at"] = (NOW - timedelta(minutes=5)).isoformat()
            if fingerprint:
                session["fingerprint"] = fingerprint
        first_change = "fingerprint" if fingerprint else "status"  # a conflict names the first
        mutants.append(
            Mutant(f"unfinished session {fingerprint}", _text(doc), "sessions", first_change)
        )
    return mutants


# ---- running it -----------------------------------------------------------------------


def _reads_work(folder: Path) -> list[str]:
    """What fails among the read commands and the web Today page (empty: all work)."""
    from hipcoach.web import create_app

    broken = []
    for args in READS:
        code, out, exc = _run(_env(folder), *args)
        if exc is not None or code not in (0, 1):
            broken.append(f"{' '.join(args)}: {type(exc).__name__ if exc else code} {out[-200:]}")
        elif code == 1 and not (args[0] == "plan" and "no plan" in out.lower()):
            broken.append(f"{' '.join(args)}: {out[-200:]}")
    load_library.cache_clear()
    settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(folder)})
    with TestClient(
        create_app(settings), base_url="http://127.0.0.1", client=("127.0.0.1", 50000)
    ) as client:
        page = client.get("/")
        if page.status_code != 200:
            broken.append(f"web Today: {page.status_code}")
    return broken


def test_every_mutant_is_refused_cleanly_or_leaves_every_command_working(
    made: dict[str, Any], tmp_path: Path
) -> None:
    mutants = _corpus(made["document"])
    assert len(mutants) >= 500
    tally: Counter[str] = Counter()
    failures: list[str] = []
    folders: dict[int, Path] = {}

    def fresh(target: int) -> Path:
        folder = tmp_path / f"target{target}-{tally.total()}"
        shutil.copytree(made["templates"][target], folder)
        folders[target] = folder
        return folder

    file = tmp_path / FILE_NAME
    for number, mutant in enumerate(mutants):
        target = number % 2  # 0: the journal the export came from; 1: another one
        folder = folders.get(target) or fresh(target)
        file.write_bytes(mutant.data)
        settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(folder)})
        with Context(settings) as ctx:
            before = table_counts(ctx.journal.engine)
            try:
                result = import_data(ctx, file)
            except DataImportError as exc:
                tally["refused"] += 1
                message = str(exc)
                named = FILE_NAME in message and (
                    mutant.kind is None or (mutant.kind in message and mutant.field in message)
                )
                if not named:
                    failures.append(f"{mutant.name}: refusal does not name it: {message[:300]}")
                if table_counts(ctx.journal.engine) != before:
                    failures.append(f"{mutant.name}: refused but rows changed")
                continue
            except Exception as exc:  # a traceback: what the corpus exists to find
                tally["tracebacks"] += 1
                failures.append(f"{mutant.name}: {type(exc).__name__}: {str(exc)[:200]}")
                continue
        tally["accepted"] += 1
        if result.summary.total == 0:
            continue  # everything was already there: nothing changed
        broken = _reads_work(folder)
        if broken:
            tally["broken"] += 1
            failures.append(f"{mutant.name}: imported, then " + "; ".join(broken))
        del folders[target]  # the next mutant gets an untouched copy
    print(
        f"\nimport mutations: {len(mutants)} mutants, {tally['refused']} refused, "
        f"{tally['accepted']} accepted, {tally['tracebacks']} tracebacks, "
        f"{tally['broken']} broken"
    )
    assert not failures, "\n".join(failures[:40])
    assert tally["tracebacks"] == 0
    assert tally["broken"] == 0
    assert tally["refused"] + tally["accepted"] == len(mutants)
    assert tally["accepted"] >= 9  # the well-formed changes are taken in


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    made: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "target"
    shutil.copytree(made["templates"][1], folder)
    file = tmp_path / "huge.json"
    with file.open("wb") as out:
        out.truncate(300 * 1024 * 1024)  # sparse: 300 MB to stat, nothing on disk
    with Context(Settings.from_env({"HIPCOACH_DATA_DIR": str(folder)})) as ctx:
        before = table_counts(ctx.journal.engine)
        with pytest.raises(DataImportError, match=r"is 300\.0 MB; an import takes files up to"):
            import_data(ctx, file)
        assert table_counts(ctx.journal.engine) == before


def test_the_api_refuses_a_64_bit_overflow_with_a_message(
    made: dict[str, Any], tmp_path: Path
) -> None:
    from hipcoach.web import create_app

    folder = tmp_path / "target"
    shutil.copytree(made["templates"][1], folder)
    document = copy.deepcopy(made["document"])
    document["records"]["checkins"][0]["pain"] = 2**63
    load_library.cache_clear()
    settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(folder)})
    with TestClient(
        create_app(settings), base_url="http://127.0.0.1", client=("127.0.0.1", 50000)
    ) as client:
        answer = client.post(
            "/api/v1/import", content=_text(document), headers={"content-type": "application/json"}
        )
    assert 400 <= answer.status_code < 500, answer.text
    assert "checkins[0]" in answer.text
    assert "pain" in answer.text
