"""Load `library/figures.toml`: named base poses and one figure per exercise, validated.

A problem names the file, the exercise id and the field (`figure.er-press.pose.knee`),
and nothing from a failing file is used.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hipcoach.domain.errors import LibraryError
from hipcoach.figures.body import JOINTS, Pose
from hipcoach.figures.camera import VIEWS
from hipcoach.figures.motion import sample
from hipcoach.figures.svg import Marker, Scene

LIBRARY = Path(__file__).parent.parent / "library"
SHIPPED = LIBRARY / "figures.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PoseModel(_Strict):
    """Joint angles to set (degrees); anything left out comes from the base pose."""

    pelvis_height: float | None = Field(default=None, ge=0, le=40)
    front_hip_flexion: float | None = None
    front_hip_abduction: float | None = None
    front_hip_rotation: float | None = None
    front_knee: float | None = Field(default=None, ge=0, le=160)
    front_ankle: float | None = None
    back_hip_flexion: float | None = None
    back_hip_abduction: float | None = None
    back_hip_rotation: float | None = None
    back_knee: float | None = Field(default=None, ge=0, le=160)
    back_ankle: float | None = None
    trunk_lean: float | None = Field(default=None, ge=-30, le=80)
    trunk_side_lean: float | None = Field(default=None, ge=-40, le=40)
    trunk_turn: float | None = Field(default=None, ge=-90, le=90)
    front_shoulder_flexion: float | None = None
    front_shoulder_abduction: float | None = None
    front_elbow: float | None = Field(default=None, ge=0, le=160)
    back_shoulder_flexion: float | None = None
    back_shoulder_abduction: float | None = None
    back_elbow: float | None = Field(default=None, ge=0, le=160)
    front_hand: str | None = None
    back_hand: str | None = None

    @field_validator("front_hand", "back_hand")
    @classmethod
    def _a_joint(cls, name: str | None) -> str | None:
        if name is not None and (name not in JOINTS or name.endswith(("hand", "elbow"))):
            raise ValueError(f"'{name}' is not a joint a hand can reach")
        return name

    def on(self, base: Pose) -> Pose:
        """`base` with the angles this model sets."""
        return replace(base, **self.model_dump(exclude_none=True))


class KeyframeModel(_Strict):
    """A pose the moving part reaches at time `at` of the cycle (0 and 1 are the base)."""

    at: float = Field(gt=0, lt=1)
    pose: PoseModel


class MarkerModel(_Strict):
    """An arrow or arc drawn over the figure."""

    kind: Literal["press", "lift", "turn", "fold"]
    at: str = "pelvis"
    direction: Literal[-1, 1] = 1

    @field_validator("at")
    @classmethod
    def _joint(cls, name: str) -> str:
        if name not in JOINTS:
            raise ValueError(f"unknown joint '{name}'")
        return name


class FigureModel(_Strict):
    """One exercise's figure."""

    title: str = Field(min_length=1)
    desc: str = Field(min_length=10)
    view: str | tuple[float, float]
    base: str
    working: list[Literal["front", "back"]] = []
    pose: PoseModel = PoseModel()
    keyframes: list[KeyframeModel] = []
    markers: list[MarkerModel] = []
    block: float = Field(0.0, ge=0, le=30)
    seconds: float = Field(4.0, ge=1, le=20)

    @field_validator("view")
    @classmethod
    def _known_view(cls, view: str | tuple[float, float]) -> str | tuple[float, float]:
        if isinstance(view, str) and view not in VIEWS:
            raise ValueError(f"unknown view '{view}' (one of {', '.join(VIEWS)})")
        return view

    @field_validator("keyframes")
    @classmethod
    def _in_order(cls, keys: list[KeyframeModel]) -> list[KeyframeModel]:
        if [k.at for k in keys] != sorted(k.at for k in keys):
            raise ValueError("keyframes must be in order of 'at'")
        return keys


class FiguresFile(_Strict):
    """The whole file: named base poses and a figure per exercise id."""

    poses: dict[str, PoseModel]
    figure: dict[str, FigureModel]


@dataclass(frozen=True)
class Figures:
    """Every figure as a ready-to-draw scene, by exercise id."""

    scenes: dict[str, Scene]

    def scene(self, exercise_id: str) -> Scene:
        """The scene for one exercise (KeyError when it has none)."""
        return self.scenes[exercise_id]


def _fail(path: Path, item: str | None, field: str | None, problem: str) -> LibraryError:
    where = path.name if path.parent == LIBRARY else str(path)
    return LibraryError(where if path != SHIPPED else "library/figures.toml", item, field, problem)


def parse_figures(data: dict[str, Any], path: Path, known_ids: set[str]) -> Figures:
    """Validate parsed TOML and build the scenes, or raise LibraryError."""
    try:
        parsed = FiguresFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(p) for p in first["loc"]]
        item = loc[1] if len(loc) > 1 and loc[0] == "figure" else None
        raise _fail(path, item, ".".join(loc) or None, first["msg"]) from exc
    scenes: dict[str, Scene] = {}
    for ident, fig in parsed.figure.items():
        if ident not in known_ids:
            raise _fail(path, ident, f"figure.{ident}", "no exercise has this id")
        if fig.base not in parsed.poses:
            raise _fail(path, ident, f"figure.{ident}.base", f"no pose called '{fig.base}'")
        base = fig.pose.on(parsed.poses[fig.base].on(Pose()))
        keys = [(k.at, k.pose.on(base)) for k in fig.keyframes]
        markers = tuple(Marker(m.kind, m.at, float(m.direction)) for m in fig.markers)
        scenes[ident] = Scene(
            ident=ident,
            title=fig.title,
            desc=fig.desc,
            view=fig.view,
            frames=sample(base, keys),
            working=tuple(fig.working),
            markers=markers,
            block=fig.block,
            seconds=fig.seconds,
        )
    return Figures(scenes)


def load_figures(path: Path = SHIPPED, known_ids: set[str] | None = None) -> Figures:
    """Read and validate a figures file; ids are checked against the shipped exercises."""
    import tomllib

    if known_ids is None:
        known_ids = {p.stem for p in (LIBRARY / "exercises").glob("*.toml")}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, None, None, f"not valid TOML ({exc})") from exc
    except OSError as exc:
        raise _fail(path, None, None, f"cannot be read ({exc})") from exc
    return parse_figures(data, path, known_ids)


@lru_cache(maxsize=1)
def shipped_figures() -> Figures:
    """The shipped figures, loaded once per process."""
    return load_figures()


POSE_FIELDS = tuple(f.name for f in fields(Pose))
