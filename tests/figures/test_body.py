"""Forward kinematics: known angles give known positions, and limbs keep their length."""

from __future__ import annotations

import math
import random

import pytest

from hipcoach.figures.body import JOINT_ANGLES, Pose, Segments, norm, solve, sub
from hipcoach.figures.camera import Camera, camera_for
from hipcoach.figures.motion import sample

SEG = Segments()


def close(a: tuple[float, ...], b: tuple[float, ...], tol: float = 1e-6) -> bool:
    return all(abs(x - y) < tol for x, y in zip(a, b, strict=True))


def test_a_straight_hanging_leg_points_down() -> None:
    j = solve(Pose(pelvis_height=100, front_hip_flexion=0, back_hip_flexion=0))
    assert close(j["front_hip"], (SEG.pelvis_width / 2, 100, 0))
    assert close(j["front_knee"], (SEG.pelvis_width / 2, 100 - SEG.thigh, 0))
    assert close(j["front_ankle"], (SEG.pelvis_width / 2, 100 - SEG.thigh - SEG.shin, 0))
    # The back leg is the right leg: on the -x side.
    assert close(j["back_knee"], (-SEG.pelvis_width / 2, 100 - SEG.thigh, 0))


def test_hip_flexion_raises_the_thigh_forward_and_abduction_swings_it_out() -> None:
    j = solve(Pose(front_hip_flexion=90, back_hip_flexion=90, back_hip_abduction=90))
    hip, back_hip = j["front_hip"], j["back_hip"]
    assert close(sub(j["front_knee"], hip), (0, 0, SEG.thigh))
    assert close(sub(j["back_knee"], back_hip), (-SEG.thigh, 0, 0))
    j = solve(Pose(front_hip_flexion=90, front_hip_abduction=90))
    assert close(sub(j["front_knee"], j["front_hip"]), (SEG.thigh, 0, 0))


def test_knee_flexion_and_hip_rotation_place_the_shin() -> None:
    # Sitting on a chair: shin straight down.
    j = solve(Pose(front_hip_flexion=90, front_knee=90))
    assert close(sub(j["front_ankle"], j["front_knee"]), (0, -SEG.shin, 0))
    # Inward rotation swings the foot outward (the front leg's outside is +x)...
    j = solve(Pose(front_hip_flexion=90, front_knee=90, front_hip_rotation=90))
    assert close(sub(j["front_ankle"], j["front_knee"]), (SEG.shin, 0, 0))
    # ...and outward rotation brings it across the body: the 90/90 front shin.
    j = solve(Pose(front_hip_flexion=90, front_knee=90, front_hip_rotation=-90))
    assert close(sub(j["front_ankle"], j["front_knee"]), (-SEG.shin, 0, 0))


def test_the_90_90_seat_and_the_ankle_lift() -> None:
    seat = Pose(
        front_hip_flexion=90, front_hip_rotation=-90, front_knee=90,
        back_hip_flexion=90, back_hip_abduction=90, back_hip_rotation=90, back_knee=90,
    )  # fmt: skip
    j = solve(seat)
    # The back thigh points out to the side and its shin points back.
    assert close(sub(j["back_knee"], j["back_hip"]), (-SEG.thigh, 0, 0))
    assert close(sub(j["back_ankle"], j["back_knee"]), (0, 0, -SEG.shin))
    # More inward rotation lifts the back ankle while the knee stays where it was.
    lifted = solve(Pose(**{**seat.__dict__, "back_hip_rotation": 120}))
    assert close(lifted["back_knee"], j["back_knee"])
    rise = lifted["back_ankle"][1] - j["back_ankle"][1]
    assert rise == pytest.approx(SEG.shin * math.sin(math.radians(30)))


def test_the_trunk_hinges_turns_and_tips() -> None:
    up = solve(Pose())
    assert close(sub(up["neck"], up["pelvis"]), (0, SEG.torso, 0))
    hinged = solve(Pose(trunk_lean=90))
    assert close(sub(hinged["neck"], hinged["pelvis"]), (0, 0, SEG.torso))
    turned = solve(Pose(trunk_lean=90, trunk_turn=90))  # toward the back leg (-x)
    assert close(sub(turned["neck"], turned["pelvis"]), (-SEG.torso, 0, 0))
    tipped = solve(Pose(trunk_side_lean=90))
    assert close(sub(tipped["neck"], tipped["pelvis"]), (-SEG.torso, 0, 0))


LIMBS = [
    ("front_hip", "front_knee", SEG.thigh),
    ("front_knee", "front_ankle", SEG.shin),
    ("back_hip", "back_knee", SEG.thigh),
    ("back_knee", "back_ankle", SEG.shin),
    ("front_heel", "front_toe", SEG.foot),
    ("pelvis", "neck", SEG.torso),
    ("front_shoulder", "front_elbow", SEG.upper_arm),
    ("front_elbow", "front_hand", SEG.forearm),
    ("back_shoulder", "back_elbow", SEG.upper_arm),
    ("back_elbow", "back_hand", SEG.forearm),
]


@pytest.mark.parametrize("hands", [(None, None), ("front_knee", "front_ankle")])
def test_segment_lengths_hold_in_any_pose(hands: tuple[str | None, str | None]) -> None:
    rng = random.Random(9090)
    for _ in range(200):
        angles = {name: rng.uniform(-120, 120) for name in JOINT_ANGLES}
        j = solve(Pose(**angles, front_hand=hands[0], back_hand=hands[1]))
        for a, b, length in LIMBS:
            assert norm(sub(j[b], j[a])) == pytest.approx(length)


def test_a_hand_reaches_a_target_within_reach() -> None:
    pose = Pose(trunk_lean=50, front_hip_flexion=120, front_hand="front_knee")
    j = solve(pose)
    assert norm(sub(j["front_shoulder"], j["front_knee"])) < SEG.upper_arm + SEG.forearm
    assert close(j["front_hand"], j["front_knee"], 1e-4)


def test_blend_and_sample_run_from_the_base_pose_and_back() -> None:
    a, b = Pose(), Pose(back_hip_rotation=60, front_hand="front_knee")
    assert a.blend(b, 0.0) == a
    assert a.blend(b, 1.0) == b
    assert a.blend(b, 0.5).back_hip_rotation == pytest.approx(30)
    cycle = sample(a, [(0.5, b)], frames=5)
    assert cycle[0] == a
    assert cycle[-1] == a
    assert cycle[2] == b
    assert sample(a, []) == (a,)


def test_the_camera_projects_orthographically() -> None:
    front = Camera(0, 0, scale=2)
    assert front.project((10, 20, 30)) == pytest.approx((20, -40, 30))
    side = Camera(90, 0, scale=1)  # from the person's left: forward is to the left
    assert side.project((0, 0, 10))[0] == pytest.approx(-10)
    assert camera_for("top").elevation > 60
