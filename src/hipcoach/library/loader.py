"""Load and validate the library: every file checked, all or nothing.

A failure names the file, the item id and the field, and no partial library
is ever returned.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from hipcoach.domain.errors import LibraryError
from hipcoach.domain.exercise import Demand, DoseMode, Exercise, SourceArticle
from hipcoach.domain.library import Library
from hipcoach.domain.routine import Routine

SHIPPED_ROOT = Path(__file__).parent


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


_TOML_PLACE = re.compile(r"\s*\(at (line \d+, column \d+|end of document)\)$")


def read_toml(path: Path, shown: str) -> dict[str, Any]:
    """The TOML in `path`, or LibraryError naming the file as `shown` (and the line, when known).

    Every content loader reads through here, so a file that is not UTF-8 or not
    TOML is reported the same way wherever it lies.
    """
    import tomllib  # Only a cache miss reads TOML.

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LibraryError(shown, None, None, f"cannot be read ({exc.strerror or exc})") from exc
    # A byte order mark is UTF-8 too (Notepad writes one): read as utf-8-sig does,
    # but stripped here so that a bad byte's place below counts from the text itself.
    body = raw.removeprefix(codecs.BOM_UTF8)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        line_start = body.rfind(b"\n", 0, exc.start) + 1
        # In characters, as an editor counts them: everything before the bad byte decodes.
        column = len(body[line_start : exc.start].decode("utf-8")) + 1
        raise LibraryError(
            shown,
            None,
            None,
            f"is not UTF-8 text: line {line}, column {column} holds the byte "
            f"0x{body[exc.start]:02x}; save the file as UTF-8",
        ) from exc
    try:
        return tomllib.loads(text)
    except RecursionError as exc:
        # tomllib reads nested lists and tables by recursion: a thousand levels or so
        # (never needed by real content) would otherwise end in a traceback.
        raise LibraryError(
            shown, None, None, "not valid TOML: lists or tables are nested too deeply to read"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        place = _TOML_PLACE.search(message)
        where = place.group(1) if place else None
        if where == "end of document":
            where = f"line {text.count(chr(10)) + 1}, the end of the file"
        problem = message[: place.start()] if place else message
        at = f" at {where}" if where else ""
        raise LibraryError(shown, None, None, f"not valid TOML{at}: {problem}") from exc


def _read_toml(path: Path, root: Path) -> dict[str, Any]:
    return read_toml(path, _display(path, root))


ID_LIMIT = 64  # longer than any valid id: an error never repeats a huge one back


def as_item_id(value: object) -> str | None:
    """`value` if it can name an item in an error message: a string of sensible length."""
    return value if isinstance(value, str) and 0 < len(value) <= ID_LIMIT else None


def field_of(loc: tuple[int | str, ...]) -> str | None:
    """A pydantic error location as a dotted field name; a huge unknown key is cut short."""
    parts = [str(p) if len(str(p)) <= ID_LIMIT else f"{str(p)[:24]}…" for p in loc]
    return ".".join(parts) or None


def item_at(data: dict[str, Any], loc: tuple[int | str, ...]) -> str | None:
    """The id of the item a problem at `loc` lies in: the innermost table on the way with an id."""
    found = as_item_id(data.get("id"))
    node: Any = data
    for key in loc:
        if isinstance(node, dict) and isinstance(key, str):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            break
        if isinstance(node, dict) and as_item_id(node.get("id")):
            found = node["id"]
    return found


def _validate(model: Any, data: dict[str, Any], path: Path, root: Path) -> Any:
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = field_of(first["loc"])
        item_id = item_at(data, first["loc"][:-1])
        more = len(exc.errors()) - 1
        problem = first["msg"] + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
        raise LibraryError(_display(path, root), item_id, field, problem) from exc


def _load_sources(root: Path) -> dict[str, SourceArticle]:
    from hipcoach.library.schema import SourcesFile

    path = root / "sources.toml"
    parsed = _validate(SourcesFile, _read_toml(path, root), path, root)
    return {a.id: SourceArticle(a.id, a.title) for a in parsed.article}


def _load_demands(root: Path) -> dict[str, Demand]:
    """The movement-demand vocabulary: the only demand ids exercises and rules may use."""
    from hipcoach.library.schema import DemandsFile

    path = root / "demands.toml"
    parsed = _validate(DemandsFile, _read_toml(path, root), path, root)
    vocabulary: dict[str, Demand] = {}
    for n, demand in enumerate(parsed.demand):
        if demand.id in vocabulary:
            raise LibraryError(
                _display(path, root), demand.id, f"demand.{n}.id", "is defined twice"
            )
        vocabulary[demand.id] = demand.to_domain()
    return vocabulary


def unknown_demand(demands: list[str], vocabulary: dict[str, Demand] | None) -> str | None:
    """A problem naming the first demand id the vocabulary lacks, or None when all are known."""
    if vocabulary is None:
        return None
    for demand in demands:
        if demand not in vocabulary:
            return f"unknown demand '{demand}'; the demands are: {', '.join(vocabulary)}"
    return None


def _load_items(root: Path, folder: str, model: Any) -> list[tuple[Path, Any]]:
    items = []
    for path in sorted((root / folder).glob("*.toml")):
        parsed = _validate(model, _read_toml(path, root), path, root)
        if parsed.id != path.stem:
            raise LibraryError(
                _display(path, root), parsed.id, "id", f"must match the file name '{path.stem}'"
            )
        items.append((path, parsed))
    if not items:
        raise LibraryError(_display(root / folder, root), None, None, "holds no .toml files")
    return items


def _check_steps(routine: Routine, exercises: dict[str, Exercise], where: str) -> None:
    """Refuse step doses the exercise cannot take, instead of silently ignoring them."""
    for n, step in enumerate(routine.steps):
        exercise = exercises.get(step.exercise_id)
        if exercise is None:
            continue  # Reported as a dangling reference, with the right field.
        mode = exercise.dose.mode
        unusable = {
            DoseMode.POSITION: ("rounds", "rest_seconds", "reps", "tempo"),
            DoseMode.HOLD: ("reps", "tempo"),
            DoseMode.REPS: ("seconds",),
        }[mode]
        for name in unusable:
            if getattr(step, name) is not None:
                raise LibraryError(
                    where,
                    routine.id,
                    f"steps.{n}.{name}",
                    f"'{exercise.id}' is dosed by {mode.value}; {name} does not apply to it",
                )
        for name, value, span, unit in (
            ("seconds", step.seconds, exercise.dose.seconds_range, " s"),
            ("reps", step.reps, exercise.dose.reps_range, " reps"),
        ):
            if value is not None and span and not span[0] <= value <= span[1]:
                raise LibraryError(
                    where,
                    routine.id,
                    f"steps.{n}.{name}",
                    f"{value}{unit} lies outside {exercise.id}'s range {span[0]}-{span[1]}{unit}",
                )


def load_library_from(root: Path) -> Library:
    """Load every file under `root` (sources.toml, demands.toml, exercises/, routines/).

    Raises LibraryError naming the file, the item and the field on the first problem.
    """
    from hipcoach.library.schema import ExerciseModel, RoutineModel

    sources = _load_sources(root)
    demands = _load_demands(root)
    exercises: dict[str, Exercise] = {}
    exercise_files: dict[str, Path] = {}
    for path, parsed in _load_items(root, "exercises", ExerciseModel):
        if parsed.source not in sources:
            raise LibraryError(
                _display(path, root), parsed.id, "source", f"unknown article '{parsed.source}'"
            )
        problem = unknown_demand(parsed.demands, demands)
        if problem:
            raise LibraryError(_display(path, root), parsed.id, "demands", problem)
        exercises[parsed.id] = parsed.to_domain(sources)
        exercise_files[parsed.id] = path
    routines: dict[str, Routine] = {}
    routine_files: dict[str, Path] = {}
    for path, parsed in _load_items(root, "routines", RoutineModel):
        where = _display(path, root)
        for source in parsed.sources:
            if source not in sources:
                raise LibraryError(where, parsed.id, "sources", f"unknown article '{source}'")
        if parsed.id in exercises:
            raise LibraryError(
                where, parsed.id, "id", "is already the id of an exercise; ids must be unique"
            )
        routine = parsed.to_domain()
        _check_steps(routine, exercises, where)
        routines[parsed.id] = routine
        routine_files[parsed.id] = path
    library = Library(exercises=exercises, routines=routines, demands=demands)
    dangling = library.dangling_references()
    if dangling:
        owner, field, missing = dangling[0]
        files = routine_files if field.startswith("steps") else exercise_files
        raise LibraryError(
            _display(files[owner], root),
            owner,
            field,
            f"refers to exercise '{missing}', which does not exist",
        )
    return library


@lru_cache(maxsize=1)
def load_library(cache_dir: Path | None = None) -> Library:
    """The shipped library, loaded once per process; validated results are cached on disk."""
    from hipcoach import __version__
    from hipcoach.library.cache import cached_library

    return cached_library(SHIPPED_ROOT, cache_dir, __version__, load_library_from)
