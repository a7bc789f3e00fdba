"""Broken content never escapes as a traceback: seeded mutations of every shipped file.

Each content file is copied, broken in a seeded way (bytes that are not UTF-8,
a cut-off file, inf, nan and huge numbers, a value of the wrong type, a missing
key, a huge string, an unknown key) and loaded through the loaders the app
uses. A mutation either loads, and then every routine compiles and every
figure draws, or it is refused with a LibraryError that names the file and the
field (or, for text that cannot be parsed, the line). Any other exception
fails the test.
"""

from __future__ import annotations

import json
import math
import random
import re
import shutil
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hipcoach.domain.compiler import compile_routine
from hipcoach.domain.errors import LibraryError
from hipcoach.domain.library import Library
from hipcoach.figures.body import JOINTS, Pose
from hipcoach.figures.poses import JOINT_RANGES, load_figures, parse_figures
from hipcoach.figures.svg import render
from hipcoach.library.goals import load_goals
from hipcoach.library.loader import SHIPPED_ROOT, load_library_from
from hipcoach.library.norms import load_norms_from
from hipcoach.library.questionnaires import load_folder, load_questionnaires
from hipcoach.library.rules import check_against, load_rules_from
from hipcoach.library.screening import load_screening_from

CONTENT_FILES = sorted(p.relative_to(SHIPPED_ROOT).as_posix() for p in SHIPPED_ROOT.rglob("*.toml"))
LIBRARY_FILES = ("sources.toml", "demands.toml", "exercises/", "routines/")

# Twice each per file, placed by the file's own seed: 2 x 13 x 31 files = 806 mutations.
ROUNDS = 2
KINDS = (
    "not_utf8",
    "not_utf8",
    "truncate",
    "truncate",
    "number",
    "number",
    "number",
    "number",
    "wrong_type",
    "missing_key",
    "huge_string",
    "unknown_key",
    "huge_key",
)
NUMBERS: tuple[int | float, ...] = (
    math.inf,
    -math.inf,
    math.nan,
    1e9,
    -1e9,
    10**9,
    -(10**9),
    1e308,
    -1,
    0,
)
NOT_UTF8 = (b"\xff", b"\x80", b"\xc3(", b"\xed\xa0\x80", b"\xf0\x28\x8c\x28", b"\xfe\xfe")
# A message is read in a terminal: it never repeats a huge value back.
MESSAGE_LIMIT = 1000
BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


# --- a small TOML writer: every value inline, one top-level key a line ----------------


def _key(name: str) -> str:
    return name if BARE_KEY.match(name) else json.dumps(name)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML for {type(value).__name__}")


def dump_toml(data: dict[str, Any]) -> bytes:
    return "".join(f"{_key(k)} = {_value(v)}\n" for k, v in data.items()).encode()


# --- mutations ---------------------------------------------------------------------


Path_ = tuple[str | int, ...]


def _nodes(value: Any, path: Path_ = ()) -> list[tuple[Path_, Any]]:
    """Every value under the root, with the keys that lead to it."""
    found: list[tuple[Path_, Any]] = []
    items: list[tuple[str | int, Any]] = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    for key, child in items:
        found.append(((*path, key), child))
        found.extend(_nodes(child, (*path, key)))
    return found


def _parent(data: Any, path: Path_) -> Any:
    for key in path[:-1]:
        data = data[key]
    return data


def _shown(path: Path_) -> str:
    return ".".join(str(p) for p in path)


def _wrong_type(value: Any, rng: random.Random) -> Any:
    if isinstance(value, bool | int | float):
        return rng.choice(["seven", [1, 2], {"a": 1}])
    if isinstance(value, str):
        return rng.choice([7, 2.5, True, [value], {"text": value}])
    if isinstance(value, list):
        return rng.choice(["a list", 3, {"0": 1}])
    return rng.choice(["a table", 3, [1]])


@dataclass
class Mutation:
    """Broken bytes, a line saying what was done, and (for a changed value) the data written."""

    kind: str
    broken: bytes
    what: str
    data: dict[str, Any] | None = None
    extreme: bool = False  # a number no field may take: inf, nan, or a billion


def mutate(original: bytes, kind: str, rng: random.Random) -> Mutation:
    if kind == "not_utf8":
        at = rng.randrange(len(original) + 1)
        bad = rng.choice(NOT_UTF8)
        return Mutation(kind, original[:at] + bad + original[at:], f"{bad!r} at byte {at}")
    if kind == "truncate":
        at = rng.randrange(len(original))
        return Mutation(kind, original[:at], f"cut at byte {at}")
    data = tomllib.loads(original.decode())
    extreme = False
    nodes = _nodes(data)
    if kind == "number":
        numeric = [n for n in nodes if isinstance(n[1], int | float) and not isinstance(n[1], bool)]
        path, _ = rng.choice(numeric or nodes)
        new: Any = rng.choice(NUMBERS)
        _parent(data, path)[path[-1]] = new
        what = f"{_shown(path)} = {new!r}"
        extreme = not math.isfinite(new) or abs(new) >= 1e9
    elif kind == "wrong_type":
        path, old = rng.choice(nodes)
        new = _wrong_type(old, rng)
        _parent(data, path)[path[-1]] = new
        what = f"{_shown(path)} = {new!r}"
    elif kind == "missing_key":
        keyed = [n for n in nodes if isinstance(n[0][-1], str)]
        path, _ = rng.choice(keyed)
        del _parent(data, path)[path[-1]]
        what = f"{_shown(path)} removed"
    elif kind == "huge_string":
        strings = [n for n in nodes if isinstance(n[1], str)]
        path, _ = rng.choice(strings or nodes)
        _parent(data, path)[path[-1]] = "word " * 40_000
        what = f"{_shown(path)} = 200,000 characters"
    elif kind == "huge_key":
        tables = [n for n in [((), data), *nodes] if isinstance(n[1], dict) and n[1]]
        path, table = rng.choice(tables)
        old = rng.choice(list(table))
        table["key " * 40_000] = table.pop(old)
        what = f"{_shown((*path, old))} renamed to a key of 160,000 characters"
    elif kind == "unknown_key":
        tables = [n for n in [((), data), *nodes] if isinstance(n[1], dict)]
        path, table = rng.choice(tables)
        table["surprise"] = 1
        what = f"{_shown(path) or 'top level'}.surprise = 1"
    else:
        raise AssertionError(kind)
    return Mutation(kind, dump_toml(data), what, data, extreme)


# --- loading as the app does ---------------------------------------------------------


@dataclass
class Content:
    """A private copy of the shipped content and the library loaded from it untouched."""

    root: Path
    library: Library


def _use_library(library: Library) -> None:
    """What the app does with a library: every routine compiles."""
    for routine in library.routines.values():
        compile_routine(routine, library)


def _load_library_and_dependants(content: Content, _: Path) -> None:
    root = content.root
    library = load_library_from(root)
    _use_library(library)
    # The rest of the content is checked against the library, so a changed exercise
    # can make one of them refuse it (naming that file).
    check_against(load_rules_from(root / "rules.toml"), library, root / "rules.toml")
    load_screening_from(root / "screening.toml", library=library)
    load_goals(library, root / "goals.toml")
    load_figures(root / "figures.toml", known_ids=set(library.exercises))


def _load_figures(content: Content, path: Path) -> None:
    figures = load_figures(path, known_ids=set(content.library.exercises))
    for scene in figures.scenes.values():
        render(scene, still=True)
        render(scene)


def _load_rules(content: Content, path: Path) -> None:
    check_against(load_rules_from(path), content.library, path)


def _load_screening(content: Content, path: Path) -> None:
    load_screening_from(path, library=content.library)


def _load_goals(content: Content, path: Path) -> None:
    load_goals(content.library, path)


def _load_norms(content: Content, path: Path) -> None:
    load_norms_from(path)


def _load_questionnaires(content: Content, path: Path) -> None:
    load_folder(path.parent)


def loader_for(name: str) -> Callable[[Content, Path], None]:
    if name.startswith(LIBRARY_FILES):
        return _load_library_and_dependants
    if name.startswith("questionnaires/"):
        return _load_questionnaires
    return {
        "figures.toml": _load_figures,
        "rules.toml": _load_rules,
        "screening.toml": _load_screening,
        "goals.toml": _load_goals,
        "norms.toml": _load_norms,
    }[name]


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Content:
    root = tmp_path_factory.mktemp("content") / "library"
    shutil.copytree(SHIPPED_ROOT, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return Content(root, load_library_from(root))


def test_every_content_file_has_a_loader() -> None:
    assert len(CONTENT_FILES) * len(KINDS) * ROUNDS >= 300
    for name in CONTENT_FILES:
        loader_for(name)  # a KeyError would mean a file no mutation reaches


def _expected_item(data: dict[str, Any], name: str, field: str) -> str | None:
    """The item a problem at `field` plainly lies in, where the file says so unambiguously."""
    parts = field.split(".")
    if name == "figures.toml":
        # A figure's exercise or a pose's name; a huge key is cut short, so names no item.
        return parts[1] if len(parts) > 1 and not parts[1].endswith("…") else None
    if len(parts) > 2 and parts[1].isdigit() and isinstance(data.get(parts[0]), list):
        entries = data[parts[0]]
        entry = entries[int(parts[1])] if int(parts[1]) < len(entries) else None
        if isinstance(entry, dict) and _sensible_id(entry.get("id")) and parts[0] != "range":
            return str(entry["id"])
    own = data.get("id")
    return own if isinstance(own, str) and own == Path(name).stem else None


def _sensible_id(value: object) -> bool:
    """An id short enough for a message to repeat (a huge one is left out, not echoed)."""
    return isinstance(value, str) and 0 < len(value) <= 64


def _problem_with(error: LibraryError, name: str, mutation: Mutation) -> str | None:
    """What is wrong with how `error` reports the mutation, or None when it is right."""
    message = str(error)
    if len(message) > MESSAGE_LIMIT:
        return f"a message of {len(message)} characters: {message[:200]}..."
    if not message.startswith(error.file) or "Traceback" in message:
        return f"the message does not start with the file: {message}"
    if Path(name).name not in error.file:
        # Only a reference into the mutated file may be reported where it is made.
        if error.field is None or not any(Path(n).name in error.file for n in CONTENT_FILES):
            return f"names another file: {message}"
        return None
    if error.field is None:
        text_broken = mutation.kind in ("not_utf8", "truncate")
        if text_broken and re.search(r"\bline \d+", message):
            return None
        return f"names no field (nor line): {message}"
    if f"field '{error.field}'" not in message:
        return f"field not shown: {message}"
    if mutation.data is not None:
        item = _expected_item(mutation.data, name, error.field)
        if item is not None and error.item_id != item:
            return f"names the item {error.item_id!r}, not {item!r}: {message}"
    return None


@pytest.mark.parametrize("name", CONTENT_FILES)
def test_broken_content_is_refused_with_file_and_field(content: Content, name: str) -> None:
    path = content.root / name
    original = path.read_bytes()
    loader = loader_for(name)
    loader(content, path)  # the untouched copy loads
    rng = random.Random(f"content-mutations:{name}")
    failures: list[str] = []
    try:
        for kind in KINDS * ROUNDS:
            mutation = mutate(original, kind, rng)
            path.write_bytes(mutation.broken)
            said = f"{kind} ({mutation.what})"
            try:
                loader(content, path)
            except LibraryError as error:
                problem = _problem_with(error, name, mutation)
                if problem:
                    failures.append(f"{said}: {problem}")
            except Exception as error:
                failures.append(f"{said}: {type(error).__name__}: {error}"[:400])
            else:
                if mutation.extreme:
                    failures.append(f"{said}: loaded, but no field may hold this number")
    finally:
        path.write_bytes(original)
    assert not failures, "\n".join(failures)


def test_a_user_questionnaire_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    user_dir = tmp_path / "questionnaires"
    user_dir.mkdir()
    shipped = (SHIPPED_ROOT / "questionnaires" / "pain-nrs.toml").read_bytes()
    own = shipped.replace(b'id = "pain-nrs"', b'id = "my-scale"')
    (user_dir / "my-scale.toml").write_bytes(own.replace(b"\n", b"\n\xff", 3))
    with pytest.raises(LibraryError) as caught:
        load_questionnaires(user_dir)
    assert caught.value.file == "questionnaires/my-scale.toml"
    assert "UTF-8" in str(caught.value)
    assert "line 2" in str(caught.value)


# --- every pose the ranges allow can be drawn -----------------------------------------

ARMS = ("shoulder", "elbow", "hand")


def _poses() -> st.SearchStrategy[dict[str, Any]]:
    angles = {
        name: st.floats(low, high, allow_nan=False, allow_infinity=False)
        for name, (low, high) in JOINT_RANGES.items()
    }
    hands = {side: st.none() | st.sampled_from(JOINTS) for side in ("front_hand", "back_hand")}
    return st.fixed_dictionaries({}, optional={**angles, **hands}).map(
        lambda pose: {k: v for k, v in pose.items() if v is not None}
    )


def test_the_ranges_cover_every_angle_of_the_body_and_stay_within_a_turn() -> None:
    angles = {f.name for f in fields(Pose) if f.type in ("float", float)}
    assert set(JOINT_RANGES) == angles
    for low, high in JOINT_RANGES.values():
        assert -180 <= low < high <= 180


def test_an_angle_beyond_its_range_is_refused_by_name() -> None:
    for name, (low, high) in JOINT_RANGES.items():
        for value in (low - 1, high + 1, math.inf, math.nan):
            data = {"poses": {"seat": {name: value}}, "figure": {}}
            with pytest.raises(LibraryError) as caught:
                parse_figures(data, SHIPPED_ROOT / "figures.toml", set())
            assert caught.value.field == f"poses.seat.{name}"
            assert caught.value.item_id == "seat"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=_poses(),
    key=_poses(),
    view=st.sampled_from(["front-top", "side", "top"])
    | st.tuples(st.floats(-180, 180), st.floats(-90, 90)),
)
def test_any_pose_within_the_ranges_draws(
    base: dict[str, Any], key: dict[str, Any], view: Any
) -> None:
    figure = {
        "title": "Any pose",
        "desc": "A pose drawn from anywhere in the allowed ranges.",
        "view": view,
        "base": "any",
        "keyframes": [{"at": 0.5, "pose": key}],
    }
    data = {"poses": {"any": base}, "figure": {"er-press": figure}}
    reached = [p.get(h) for p in (base, key) for h in ("front_hand", "back_hand")]
    if any(joint is not None and joint.endswith(ARMS) for joint in reached):
        # The arms are placed last: a hand reaching for one is refused, by its field.
        with pytest.raises(LibraryError, match="not a joint a hand can reach") as caught:
            parse_figures(data, SHIPPED_ROOT / "figures.toml", {"er-press"})
        assert caught.value.field is not None
        assert caught.value.field.endswith(("front_hand", "back_hand"))
        return
    figures = parse_figures(data, SHIPPED_ROOT / "figures.toml", {"er-press"})
    scene = figures.scene("er-press")
    for still in (True, False):
        svg = render(scene, still=still)
        assert not re.search(r"\b(nan|inf)\b", svg, re.IGNORECASE), svg[:200]
