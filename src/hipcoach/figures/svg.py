"""Draw posed bodies as SVG: rounded limbs, a head, a mat, markers, SMIL animation.

Pure: a `Scene` in, SVG text out. Every frame of an animation is the same list
of shapes with different coordinates, so each shape animates with one
`<animate values=...>`. Nothing moves for people who ask for reduced motion:
a still copy is shown instead (CSS cannot pause SMIL, but it can hide it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal
from xml.sax.saxutils import escape

from hipcoach.figures.body import UP, Pose, Segments, Side, Vec, add, solve
from hipcoach.figures.camera import Camera, camera_for

FRONT_LEG = "#1c4e80"  # dark: the front leg, nearest the eye in most views
BACK_LEG = "#86b3e0"  # light: the back leg
BODY = "#4a5360"
BODY_LIGHT = "#77808c"
HIGHLIGHT = "#f08c00"
MARKER = "#c92a2a"
MAT = "#ebe4d8"
MAT_EDGE = "#b9ad9a"

MarkerKind = Literal["press", "lift", "turn", "fold"]


@dataclass(frozen=True)
class Marker:
    """A cue drawn over the figure: a press or lift arrow at a joint, a turn or fold arc."""

    kind: MarkerKind
    at: str = "pelvis"
    direction: float = 1.0  # turn: +1 toward the back leg, -1 toward the front knee


@dataclass(frozen=True)
class Scene:
    """What to draw: the base pose first, then one animation cycle of poses (if any)."""

    ident: str  # unique in a page: prefixes the SVG's element ids
    title: str
    desc: str
    view: str | tuple[float, float]
    frames: tuple[Pose, ...]
    working: tuple[Side, ...] = ()
    markers: tuple[Marker, ...] = ()
    block: float = 0.0  # height of a block under the hips, cm
    seconds: float = 4.0
    labels: bool = False
    segments: Segments = field(default_factory=Segments)


@dataclass(frozen=True)
class _Shape:
    key: str
    kind: Literal["line", "poly", "circle"]
    points: tuple[tuple[float, float], ...]
    depth: float
    color: str
    width: float


# (key, joints along the stroke, colour, stroke width in cm)
_LIMBS: tuple[tuple[str, tuple[str, ...], str, float], ...] = (
    ("back-thigh", ("back_hip", "back_knee"), BACK_LEG, 7.0),
    ("back-shin", ("back_knee", "back_ankle"), BACK_LEG, 5.5),
    ("back-foot", ("back_heel", "back_toe"), BACK_LEG, 4.0),
    ("front-thigh", ("front_hip", "front_knee"), FRONT_LEG, 7.0),
    ("front-shin", ("front_knee", "front_ankle"), FRONT_LEG, 5.5),
    ("front-foot", ("front_heel", "front_toe"), FRONT_LEG, 4.0),
    ("torso", ("front_shoulder", "back_shoulder", "back_hip", "front_hip"), BODY, 5.0),
    ("neck", ("neck", "head"), BODY, 4.5),
    ("back-upper-arm", ("back_shoulder", "back_elbow"), BODY_LIGHT, 4.5),
    ("back-forearm", ("back_elbow", "back_hand"), BODY_LIGHT, 4.0),
    ("front-upper-arm", ("front_shoulder", "front_elbow"), BODY, 4.5),
    ("front-forearm", ("front_elbow", "front_hand"), BODY, 4.0),
)


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _shapes(joints: dict[str, Vec], cam: Camera, seg: Segments) -> list[_Shape]:
    """The figure's shapes for one frame, in a fixed order (not yet depth-sorted)."""
    shapes = []
    for key, chain, color, width in _LIMBS:
        projected = [cam.project(joints[j]) for j in chain]
        depth = sum(p[2] for p in projected) / len(projected)
        kind: Literal["line", "poly"] = "poly" if len(chain) > 2 else "line"
        pts = tuple((p[0], p[1]) for p in projected)
        shapes.append(_Shape(key, kind, pts, depth, color, width * cam.scale))
    hx, hy, hd = cam.project(joints["head"])
    shapes.append(_Shape("head", "circle", ((hx, hy),), hd, BODY, seg.head * cam.scale))
    return shapes


def _d(shape: _Shape) -> str:
    path = "M" + " L".join(f"{_fmt(x)} {_fmt(y)}" for x, y in shape.points)
    return path + (" Z" if shape.kind == "poly" else "")


def _element(shape: _Shape, frames: list[_Shape] | None, seconds: float) -> str:
    """One shape as SVG; with `frames`, it carries the SMIL animation of its coordinates."""
    anim = ""
    times = ""
    if frames:
        times = ";".join(_fmt(i / (len(frames) - 1)) for i in range(len(frames)))
        timing = f'dur="{_fmt(seconds)}s" repeatCount="indefinite" keyTimes="{times}"'
    if shape.kind == "circle":
        (x, y), r = shape.points[0], shape.width
        if frames:
            for attr, i in (("cx", 0), ("cy", 1)):
                values = ";".join(_fmt(f.points[0][i]) for f in frames)
                anim += f'<animate attributeName="{attr}" values="{values}" {timing}/>'
        return (
            f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{_fmt(r)}" fill="{shape.color}">'
            f"{anim}</circle>"
        )
    fill = shape.color if shape.kind == "poly" else "none"
    if frames:
        values = ";".join(_d(f) for f in frames)
        anim = f'<animate attributeName="d" values="{values}" {timing}/>'
    return (
        f'<path d="{_d(shape)}" fill="{fill}" stroke="{shape.color}" '
        f'stroke-width="{_fmt(shape.width)}" stroke-linecap="round" '
        f'stroke-linejoin="round">{anim}</path>'
    )


def _marker_points(marker: Marker, joints: dict[str, Vec], pose: Pose) -> list[Vec]:
    """The marker's path in 3D: straight arrows above a joint, arcs around the trunk."""
    at = joints[marker.at]
    if marker.kind == "press":
        return [add(at, UP, 30.0), add(at, UP, 9.0)]
    if marker.kind == "lift":
        return [add(at, UP, 9.0), add(at, UP, 30.0)]
    pelvis = joints["pelvis"]
    if marker.kind == "turn":
        # An arc at chest height, drawn in front of the chest, turning with it.
        centre, r = add(pelvis, UP, 46.0), 34.0
        start = -pose.trunk_turn
        angles = [start + marker.direction * -a for a in range(0, 76, 5)]
        return [
            add(centre, (math.sin(math.radians(a)), 0.0, math.cos(math.radians(a))), r)
            for a in angles
        ]
    # fold: an arc over the head, forward and down, in the plane the trunk faces.
    turn = math.radians(-pose.trunk_turn)
    forward = (math.sin(turn), 0.0, math.cos(turn))
    r = 78.0
    points = []
    for a in range(-5, 46, 5):
        t = math.radians(a)
        points.append(add(add(pelvis, UP, r * math.cos(t)), forward, r * math.sin(t)))
    return points


def _arrow(points: list[tuple[float, float]], width: float) -> str:
    (x1, y1), (x2, y2) = points[-2], points[-1]
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    head, half = width * 3.2, width * 2.2
    bx, by = x2 - ux * head, y2 - uy * head
    line = "M" + " L".join(f"{_fmt(x)} {_fmt(y)}" for x, y in [*points[:-1], (bx, by)])
    tip = (
        f"M{_fmt(x2)} {_fmt(y2)} L{_fmt(bx - uy * half)} {_fmt(by + ux * half)} "
        f"L{_fmt(bx + uy * half)} {_fmt(by - ux * half)} Z"
    )
    return (
        f'<path d="{line}" fill="none" stroke="{MARKER}" stroke-width="{_fmt(width)}" '
        f'stroke-linecap="round" stroke-linejoin="round"/><path d="{tip}" fill="{MARKER}"/>'
    )


def _floor_box(xs: list[float], zs: list[float], y0: float, y1: float) -> list[list[Vec]]:
    """The faces of an axis-aligned box (a mat has y0 == y1 and one face)."""
    x0, x1, z0, z1 = min(xs), max(xs), min(zs), max(zs)
    top = [(x0, y1, z0), (x1, y1, z0), (x1, y1, z1), (x0, y1, z1)]
    if y0 == y1:
        return [top]
    front = [(x0, y0, z1), (x1, y0, z1), (x1, y1, z1), (x0, y1, z1)]
    side = [(x1, y0, z0), (x1, y0, z1), (x1, y1, z1), (x1, y1, z0)]
    other = [(x0, y0, z0), (x0, y0, z1), (x0, y1, z1), (x0, y1, z0)]
    back = [(x0, y0, z0), (x1, y0, z0), (x1, y1, z0), (x0, y1, z0)]
    return [front, side, other, back, top]


def render(scene: Scene, still: bool = False) -> str:
    """The scene as an SVG document; `still` draws the base pose only (for print)."""
    cam = camera_for(scene.view)
    seg = scene.segments
    frames = scene.frames[:1] if still or len(scene.frames) < 2 else scene.frames
    solved = [solve(p, seg) for p in frames]
    per_frame = [_shapes(j, cam, seg) for j in solved]
    base, joints = per_frame[0], solved[0]
    order = sorted(range(len(base)), key=lambda i: base[i].depth)
    animated = len(frames) > 1

    floor = [j for s in solved for k, j in s.items() if k.endswith(("knee", "ankle", "toe", "hip"))]
    xs, zs = [p[0] for p in floor], [p[2] for p in floor]
    mat = _floor_box([min(xs) - 14, max(xs) + 14], [min(zs) - 14, max(zs) + 14], 0.0, 0.0)[0]
    parts: list[str] = []
    outline: list[tuple[float, float]] = []

    def poly(face: list[Vec], fill: str, stroke: str) -> None:
        pts = [cam.project(p)[:2] for p in face]
        outline.extend(pts)
        d = "M" + " L".join(f"{_fmt(x)} {_fmt(y)}" for x, y in pts) + " Z"
        parts.append(f'<path d="{d}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>')

    poly(mat, MAT, MAT_EDGE)
    if scene.block:
        # Under the front-leg buttock: shifted toward the front leg and slightly back.
        block = _floor_box([-16.0, 26.0], [-18.0, 16.0], 0.0, scene.block)
        for face, shade in zip(
            block, ("#a07a4f", "#8c6a44", "#8c6a44", "#a07a4f", "#c39b6a"), strict=True
        ):
            poly(face, shade, "#6e5234")

    moving = not still and (animated or any(m.kind in ("press", "lift") for m in scene.markers))
    arrows = [
        [cam.project(p)[:2] for p in _marker_points(m, joints, frames[0])] for m in scene.markers
    ]
    for pts in arrows:
        outline.extend(pts)

    def layer(animate: bool) -> str:
        out = []
        for i in order:
            track = [f[i] for f in per_frame] if animate and animated else None
            if track and all(_d(t) == _d(track[0]) for t in track):
                track = None  # a limb that stays put needs no animation
            out.append(_element(base[i], track, scene.seconds))
        for side in scene.working:
            x, y, _ = cam.project(joints[f"{side}_hip"])
            out.append(
                f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{_fmt(5.5 * cam.scale)}" '
                f'fill="{HIGHLIGHT}" stroke="#ffffff" stroke-width="2.5"/>'
            )
        for marker, pts in zip(scene.markers, arrows, strict=True):
            arrow = _arrow(pts, 2.2 * cam.scale)
            if animate and marker.kind in ("press", "lift"):
                # A press moves nothing, so its arrow pulses instead.
                pulse = f'dur="{_fmt(scene.seconds / 2)}s" repeatCount="indefinite"'
                values = 'values="0.35;1;0.35"'
                arrow = f'<g>{arrow}<animate attributeName="opacity" {values} {pulse}/></g>'
            out.append(arrow)
        return "".join(out)

    if moving:
        parts.append(f'<g class="hcf-moving">{layer(True)}</g>')
        parts.append(f'<g class="hcf-still">{layer(False)}</g>')
    else:
        parts.append(layer(False))
    if scene.labels:
        for side, text in (("front", "front leg"), ("back", "back leg")):
            x, y, _ = cam.project(joints[f"{side}_knee"])
            outline.append((x, y + 22))
            parts.append(
                f'<text x="{_fmt(x)}" y="{_fmt(y + 22)}" font-size="13" text-anchor="middle" '
                f'font-family="system-ui, sans-serif" fill="{BODY}">{text}</text>'
            )

    for frame in per_frame:
        for s in frame:
            pad = s.width if s.kind == "circle" else s.width / 2
            outline.extend(
                (x + dx, y + dy) for x, y in s.points for dx in (-pad, pad) for dy in (-pad, pad)
            )
    return _document(scene, parts, outline, moving)


# An animated figure shows its moving layer, or the still one where motion is unwanted.
ANIMATION_STYLE = (
    ".hcf-still{display:none}"
    "@media (prefers-reduced-motion: reduce){.hcf-moving{display:none}"
    ".hcf-still{display:inline}}"
)


def _document(
    scene: Scene, parts: list[str], outline: list[tuple[float, float]], animated: bool
) -> str:
    margin = 8.0
    x0 = min(p[0] for p in outline) - margin
    y0 = min(p[1] for p in outline) - margin
    w = max(p[0] for p in outline) + margin - x0
    h = max(p[1] for p in outline) + margin - y0
    ident = scene.ident
    style = f"<style>{ANIMATION_STYLE}</style>" if animated else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{_fmt(x0)} {_fmt(y0)} {_fmt(w)} '
        f'{_fmt(h)}" width="{round(w)}" height="{round(h)}" role="img" '
        f'aria-labelledby="fig-{ident}-title fig-{ident}-desc" class="hc-figure">'
        f'<title id="fig-{ident}-title">{escape(scene.title)}</title>'
        f'<desc id="fig-{ident}-desc">{escape(scene.desc)}</desc>'
        f"{style}{''.join(parts)}</svg>"
    )
