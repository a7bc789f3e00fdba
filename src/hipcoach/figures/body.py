"""A parametric body: segment lengths and joint angles in, 3D joint positions out.

Pure forward kinematics, no I/O. The world frame is right-handed with y up:
the person sits facing +z and +x is their left. The front leg is the left leg
and the back leg the right one (mirror the figure for the other side).

Angle conventions (degrees), chosen so the 90/90 seat reads naturally:

- hip flexion: how far the thigh is raised from hanging straight down
  (90 = thigh horizontal, forward);
- hip abduction: with the hip flexed, how far the thigh swings outward
  around the vertical (90 = thigh pointing straight out to the side);
- hip rotation: turn of the leg about the thigh's own axis, positive inward
  (internal). With the knee bent, inward rotation swings the foot outward:
  that is why lifting the back ankle in the 90/90 seat is internal rotation;
- knee flexion: 0 = straight leg; ankle: positive points the foot (plantar
  flexion);
- trunk lean: forward hinge from the hips; trunk side lean: toward the back
  leg is positive; trunk turn: toward the back leg is positive;
- shoulder flexion raises the arm forward, shoulder abduction out to the
  side, elbow flexion bends it. A hand may instead reach for a named point
  (two-link inverse kinematics), which keeps hands on knees and ankles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Literal

Vec = tuple[float, float, float]
Mat = tuple[Vec, Vec, Vec]
Side = Literal["front", "back"]

# +1 for the front (left) leg, -1 for the back (right) leg: the sign that turns
# "outward" and "inward" into world directions.
SIDE_SIGN: dict[Side, float] = {"front": 1.0, "back": -1.0}
SIDES: tuple[Side, Side] = ("front", "back")


@dataclass(frozen=True)
class Segments:
    """Segment lengths in centimetres (an adult of average build)."""

    torso: float = 50.0  # pelvis centre to the base of the neck
    neck: float = 8.0
    head: float = 11.0  # radius
    shoulder_width: float = 32.0
    pelvis_width: float = 16.0  # between the hip joints
    upper_arm: float = 29.0
    forearm: float = 27.0
    thigh: float = 44.0
    shin: float = 42.0
    foot: float = 18.0


@dataclass(frozen=True)
class Pose:
    """Joint angles in degrees (see the module docstring) and the seat height in cm."""

    pelvis_height: float = 9.0  # hip joints above the floor
    front_hip_flexion: float = 90.0
    front_hip_abduction: float = 0.0
    front_hip_rotation: float = 0.0
    front_knee: float = 0.0
    front_ankle: float = 0.0
    back_hip_flexion: float = 90.0
    back_hip_abduction: float = 0.0
    back_hip_rotation: float = 0.0
    back_knee: float = 0.0
    back_ankle: float = 0.0
    trunk_lean: float = 0.0
    trunk_side_lean: float = 0.0
    trunk_turn: float = 0.0
    front_shoulder_flexion: float = 0.0
    front_shoulder_abduction: float = 10.0
    front_elbow: float = 0.0
    back_shoulder_flexion: float = 0.0
    back_shoulder_abduction: float = 10.0
    back_elbow: float = 0.0
    front_hand: str | None = field(default=None)  # a joint name to reach, or None
    back_hand: str | None = field(default=None)

    def blend(self, other: Pose, t: float) -> Pose:
        """The pose a fraction `t` of the way to `other` (angles blend, hand targets switch)."""
        changes: dict[str, float | str | None] = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, int | float) and isinstance(b, int | float):
                changes[f.name] = a + (b - a) * t
            else:
                changes[f.name] = a if t < 0.5 else b
        return replace(self, **changes)  # type: ignore[arg-type]


JOINT_ANGLES: tuple[str, ...] = tuple(f.name for f in fields(Pose) if f.type == "float")


def _rx(deg: float) -> Mat:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return ((1.0, 0.0, 0.0), (0.0, c, -s), (0.0, s, c))


def _ry(deg: float) -> Mat:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return ((c, 0.0, s), (0.0, 1.0, 0.0), (-s, 0.0, c))


def _rz(deg: float) -> Mat:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return ((c, -s, 0.0), (s, c, 0.0), (0.0, 0.0, 1.0))


def _mul(a: Mat, b: Mat) -> Mat:
    cols = list(zip(*b, strict=True))
    return tuple(  # type: ignore[return-value]
        tuple(sum(x * y for x, y in zip(row, col, strict=True)) for col in cols) for row in a
    )


def _apply(m: Mat, v: Vec) -> Vec:
    return (
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    )


def add(a: Vec, b: Vec, k: float = 1.0) -> Vec:
    """a + k*b."""
    return (a[0] + k * b[0], a[1] + k * b[1], a[2] + k * b[2])


def sub(a: Vec, b: Vec) -> Vec:
    """a - b."""
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def dot(a: Vec, b: Vec) -> float:
    """The dot product."""
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def cross(a: Vec, b: Vec) -> Vec:
    """The cross product."""
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def norm(a: Vec) -> float:
    """The length of a vector."""
    return math.sqrt(dot(a, a))


def unit(a: Vec) -> Vec:
    """`a` scaled to length 1 (a zero vector stays zero)."""
    n = norm(a)
    return (a[0] / n, a[1] / n, a[2] / n) if n > 1e-12 else (0.0, 0.0, 0.0)


DOWN: Vec = (0.0, -1.0, 0.0)
UP: Vec = (0.0, 1.0, 0.0)


def _leg(hip: Vec, pose: Pose, side: Side, seg: Segments) -> tuple[Vec, Vec, Vec, Vec]:
    """Knee, ankle, toe and heel of one leg; the chain is yaw . pitch . twist, then the knee."""
    s = SIDE_SIGN[side]
    flexion = getattr(pose, f"{side}_hip_flexion")
    abduction = getattr(pose, f"{side}_hip_abduction")
    rotation = getattr(pose, f"{side}_hip_rotation")
    # Twist first (about the thigh's own axis, the local y), then raise the thigh
    # forward, then swing it outward about the vertical: the order in which a
    # person would place the leg, and the one that keeps each angle's meaning.
    thigh_frame = _mul(_ry(s * abduction), _mul(_rx(-flexion), _ry(-s * rotation)))
    knee = add(hip, _apply(thigh_frame, DOWN), seg.thigh)
    shin_frame = _mul(thigh_frame, _rx(getattr(pose, f"{side}_knee")))
    ankle = add(knee, _apply(shin_frame, DOWN), seg.shin)
    # A foot at a right angle to the shin points forward (+z in the shin's frame).
    foot_frame = _mul(shin_frame, _rx(getattr(pose, f"{side}_ankle")))
    toe = add(ankle, _apply(foot_frame, (0.0, 0.0, 1.0)), seg.foot * 0.8)
    heel = add(ankle, _apply(foot_frame, (0.0, 0.0, -1.0)), seg.foot * 0.2)
    return knee, ankle, toe, heel


def _two_link(start: Vec, target: Vec, a: float, b: float, pole: Vec) -> tuple[Vec, Vec]:
    """Elbow and hand reaching for `target`; the elbow bends toward `pole`."""
    to = sub(target, start)
    d = min(max(norm(to), abs(a - b) + 1e-6), a + b - 1e-6)
    u = unit(to)
    v = unit(sub(pole, add((0.0, 0.0, 0.0), u, dot(pole, u))))
    cos_a = (a * a + d * d - b * b) / (2 * a * d)
    sin_a = math.sqrt(max(0.0, 1.0 - cos_a * cos_a))
    elbow = add(start, add(tuple(x * cos_a for x in u), v, sin_a), a)  # type: ignore[arg-type]
    hand = add(start, u, d)
    return elbow, hand


def solve(pose: Pose, seg: Segments | None = None) -> dict[str, Vec]:
    """Every joint's 3D position (cm) for `pose`: the forward kinematics."""
    seg = seg or Segments()
    pelvis: Vec = (0.0, pose.pelvis_height, 0.0)
    joints: dict[str, Vec] = {"pelvis": pelvis}
    for side in SIDES:
        hip = add(pelvis, (SIDE_SIGN[side] * seg.pelvis_width / 2, 0.0, 0.0))
        knee, ankle, toe, heel = _leg(hip, pose, side, seg)
        joints |= {
            f"{side}_hip": hip,
            f"{side}_knee": knee,
            f"{side}_ankle": ankle,
            f"{side}_toe": toe,
            f"{side}_heel": heel,
        }
    # The trunk turns about the vertical, then hinges forward, then tips sideways
    # (toward the back leg, which is -x).
    trunk = _mul(_ry(-pose.trunk_turn), _mul(_rx(pose.trunk_lean), _rz(pose.trunk_side_lean)))
    neck = add(pelvis, _apply(trunk, UP), seg.torso)
    joints["neck"] = neck
    joints["head"] = add(neck, _apply(trunk, UP), seg.neck + seg.head)
    for side in SIDES:
        s = SIDE_SIGN[side]
        shoulder = add(neck, _apply(trunk, (s, 0.0, 0.0)), seg.shoulder_width / 2)
        target = getattr(pose, f"{side}_hand")
        if target is not None:
            # The elbow points outward and back, as it does when a hand rests on a leg.
            pole = _apply(trunk, (s, 0.3, -0.6))
            elbow, hand = _two_link(shoulder, joints[target], seg.upper_arm, seg.forearm, pole)
        else:
            arm = _mul(
                trunk,
                _mul(
                    _rz(s * getattr(pose, f"{side}_shoulder_abduction")),
                    _rx(-getattr(pose, f"{side}_shoulder_flexion")),
                ),
            )
            elbow = add(shoulder, _apply(arm, DOWN), seg.upper_arm)
            forearm = _mul(arm, _rx(-getattr(pose, f"{side}_elbow")))
            hand = add(elbow, _apply(forearm, DOWN), seg.forearm)
        joints |= {f"{side}_shoulder": shoulder, f"{side}_elbow": elbow, f"{side}_hand": hand}
    return joints


JOINTS: tuple[str, ...] = tuple(solve(Pose()))
"""Every joint name `solve` returns (hands may reach for any of them but their own arm)."""
