"""What the import's modules share: its error, its summary, and how a table's rows look.

`store.export` dumps and restores; `store.import_matching` finds what a profile
holds already; `store.import_writing` writes the rest in short transactions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Protocol

from sqlalchemy import Column, Table

from hipcoach.domain.errors import HipcoachError
from hipcoach.domain.validation import INT64_MAX, INT64_MIN
from hipcoach.store.tables import Base, UTCDateTime

PROFILES = "profiles"
# Rows handed to the database per statement (executemany) within a slice.
BATCH_ROWS: Final = 500
# What a 64-bit integer column holds.
INT64: Final = (INT64_MIN, INT64_MAX)
# How many conflicts a refusal lists; the rest are counted.
CONFLICTS_SHOWN: Final = 5

Row = dict[str, Any]


class RecordProblemLike(Protocol):
    """What a record check reports (services.record_checks.RecordProblem)."""

    @property
    def field(self) -> str: ...

    @property
    def message(self) -> str: ...


# A check run on every record before anything is written: (kind, row) -> its problems.
RecordCheck = Callable[[str, Mapping[str, Any]], Sequence[RecordProblemLike]]


class DataImportError(HipcoachError):
    """A file or record that cannot be imported; nothing from it was stored."""

    def __init__(
        self,
        problem: str,
        kind: str | None = None,
        index: int | None = None,
        field: str | None = None,
        *,
        source: str | None = None,
        record_id: object = None,
    ) -> None:
        self.kind = kind
        self.index = index
        self.field = field
        self.problem = problem
        self.source = source
        self.record_id = record_id
        where = kind or ""
        if kind is not None and index is not None:
            where += f"[{index}]"
        if record_id is not None:
            where += f" (id {record_id!r})"
        if field:
            where += f".{field}" if where else field
        text = f"{where}: {problem}" if where else problem
        super().__init__(f"{source}: {text}" if source else text)

    def in_file(self, source: str) -> DataImportError:
        """The same refusal, naming the file it came from."""
        return DataImportError(
            self.problem,
            self.kind,
            self.index,
            self.field,
            source=source,
            record_id=self.record_id,
        )


@dataclass(frozen=True)
class RestoreSummary:
    """What a restore added: the profile it went into and how many rows of each kind."""

    profile: str
    created_profile: bool
    counts: dict[str, int]
    # Records of the file the profile held already (identical), by kind: skipped.
    already_there: dict[str, int] = field(default_factory=dict)
    transactions: int = 0
    longest_write_seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def total_already_there(self) -> int:
        return sum(self.already_there.values())


def owned_tables() -> list[Table]:
    """The tables whose rows belong to a profile, parents before children."""
    return [t for t in Base.metadata.sorted_tables if "profile_id" in t.c and t.name != PROFILES]


def importable_columns(table: Table) -> list[Column[Any]]:
    """The columns a dump carries: not the owner (the target profile is), and not what the
    database works out from other rows (see tables.DERIVED)."""
    return [c for c in table.columns if c.name != "profile_id" and not c.info.get("derived")]


def python_type(column: Column[Any]) -> type:
    # UTCDateTime, a TypeDecorator, says `object`; it holds datetimes.
    return datetime if isinstance(column.type, UTCDateTime) else column.type.python_type


def foreign_keys(table: Table) -> Iterator[tuple[Column[Any], str]]:
    """(column, parent table) for each reference to another profile-owned table."""
    for fk in table.foreign_keys:
        parent = fk.column.table.name
        if parent != PROFILES:
            yield fk.parent, parent
