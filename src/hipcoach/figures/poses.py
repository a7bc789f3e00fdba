"""Load `library/figures.toml`: named base poses and one figure per exercise, validated.

A problem names the file, the exercise id and the field (`figure.er-press.pose.knee`),
and nothing from a failing file is used.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hipcoach.domain.errors import LibraryError
from hipcoach.figures.body import JOINTS, Pose
from hipcoach.figures.camera import VIEWS
from hipcoach.figures.motion import sample
from hipcoach.figures.svg import Marker, Scene
from hipcoach.library.loader import as_item_id, field_of, read_toml

LIBRARY = Path(__file__).parent.parent / "library"
ARM_JOINTS = ("shoulder", "elbow", "hand")
SHIPPED = LIBRARY / "figures.toml"


class _Strict(BaseModel):
    # TOML allows inf and nan; a figure drawn from either has no coordinates at all.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


_HIP = {"flexion": (-30.0, 140.0), "abduction": (-45.0, 100.0), "rotation": (-130.0, 130.0)}
_ARM = {"shoulder_flexion": (-60.0, 180.0), "shoulder_abduction": (-20.0, 180.0)}

# What each field of a pose may be, in the conventions of figures/body.py: degrees
# (the seat height in cm). Wide enough for every drawn exercise, narrow enough that
# no limb folds through the body. Hip rotation runs past a living hip's range because
# in this model it also carries the turn that abduction of a bent leg adds.
JOINT_RANGES: dict[str, tuple[float, float]] = {
    "pelvis_height": (0.0, 40.0),
    **{f"{side}_hip_{name}": span for side in ("front", "back") for name, span in _HIP.items()},
    "front_knee": (0.0, 160.0),
    "back_knee": (0.0, 160.0),
    "front_ankle": (-40.0, 60.0),
    "back_ankle": (-40.0, 60.0),
    "trunk_lean": (-30.0, 80.0),
    "trunk_side_lean": (-40.0, 40.0),
    "trunk_turn": (-90.0, 90.0),
    **{f"{side}_{name}": span for side in ("front", "back") for name, span in _ARM.items()},
    "front_elbow": (0.0, 160.0),
    "back_elbow": (0.0, 160.0),
}


# A joint, view or pose name: short, so a message may repeat a wrong one.
Name = Annotated[str, Field(min_length=1, max_length=60)]
Azimuth = Annotated[float, Field(ge=-180, le=180)]
Elevation = Annotated[float, Field(ge=-90, le=90)]


def _within(name: str) -> Any:
    low, high = JOINT_RANGES[name]
    return Field(default=None, ge=low, le=high)


class PoseModel(_Strict):
    """Joint angles to set (degrees); anything left out comes from the base pose."""

    pelvis_height: float | None = _within("pelvis_height")
    front_hip_flexion: float | None = _within("front_hip_flexion")
    front_hip_abduction: float | None = _within("front_hip_abduction")
    front_hip_rotation: float | None = _within("front_hip_rotation")
    front_knee: float | None = _within("front_knee")
    front_ankle: float | None = _within("front_ankle")
    back_hip_flexion: float | None = _within("back_hip_flexion")
    back_hip_abduction: float | None = _within("back_hip_abduction")
    back_hip_rotation: float | None = _within("back_hip_rotation")
    back_knee: float | None = _within("back_knee")
    back_ankle: float | None = _within("back_ankle")
    trunk_lean: float | None = _within("trunk_lean")
    trunk_side_lean: float | None = _within("trunk_side_lean")
    trunk_turn: float | None = _within("trunk_turn")
    front_shoulder_flexion: float | None = _within("front_shoulder_flexion")
    front_shoulder_abduction: float | None = _within("front_shoulder_abduction")
    front_elbow: float | None = _within("front_elbow")
    back_shoulder_flexion: float | None = _within("back_shoulder_flexion")
    back_shoulder_abduction: float | None = _within("back_shoulder_abduction")
    back_elbow: float | None = _within("back_elbow")
    front_hand: Name | None = None
    back_hand: Name | None = None

    @field_validator("front_hand", "back_hand")
    @classmethod
    def _a_joint(cls, name: str | None) -> str | None:
        # The arms are placed after the legs and the trunk, so a hand reaches for those only.
        if name is not None and (name not in JOINTS or name.endswith(ARM_JOINTS)):
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
    at: Name = "pelvis"
    direction: Literal[-1, 1] = 1

    @field_validator("at")
    @classmethod
    def _joint(cls, name: str) -> str:
        if name not in JOINTS:
            raise ValueError(f"unknown joint '{name}'")
        return name


class FigureModel(_Strict):
    """One exercise's figure."""

    title: str = Field(min_length=1, max_length=120)
    desc: str = Field(min_length=10, max_length=600)
    view: Name | tuple[Azimuth, Elevation]  # a named view, or (azimuth, elevation)
    base: Name
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

    poses: dict[Name, PoseModel]
    figure: dict[Name, FigureModel]


@dataclass(frozen=True)
class Figures:
    """Every figure as a ready-to-draw scene, by exercise id."""

    scenes: dict[str, Scene]

    def scene(self, exercise_id: str) -> Scene:
        """The scene for one exercise (KeyError when it has none)."""
        return self.scenes[exercise_id]


def _shown(path: Path) -> str:
    """The file as an error names it."""
    if path == SHIPPED:
        return "library/figures.toml"
    return path.name if path.parent == LIBRARY else str(path)


def _fail(path: Path, item: str | None, field: str | None, problem: str) -> LibraryError:
    return LibraryError(_shown(path), item, field, problem)


def parse_figures(data: dict[str, Any], path: Path, known_ids: set[str]) -> Figures:
    """Validate parsed TOML and build the scenes, or raise LibraryError."""
    try:
        parsed = FiguresFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first["loc"]
        # The exercise a figure draws, or the name of a base pose.
        item = as_item_id(loc[1]) if len(loc) > 1 and loc[0] in ("figure", "poses") else None
        raise _fail(path, item, field_of(loc), first["msg"]) from exc
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
    if known_ids is None:
        known_ids = {p.stem for p in (LIBRARY / "exercises").glob("*.toml")}
    data = read_toml(path, _shown(path))
    return parse_figures(data, path, known_ids)


@lru_cache(maxsize=1)
def shipped_figures() -> Figures:
    """The shipped figures, loaded once per process."""
    return load_figures()


POSE_FIELDS = tuple(f.name for f in fields(Pose))
