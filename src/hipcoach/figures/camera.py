"""An orthographic camera: 3D joint positions to 2D drawing coordinates, with depth."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hipcoach.figures.body import UP, Vec, cross, dot, unit

# Named views. Azimuth turns the camera around the person (0 = in front of
# them, positive toward their left, the front-leg side); elevation raises it.
VIEWS: dict[str, tuple[float, float]] = {
    # In front, on the back-leg side, from above: the clearest view of the 90/90
    # seat (both shins visible) and of the back ankle rising.
    "front-top": (-25.0, 32.0),
    # Low and from the back-leg side: a forward hinge over the front shin in profile.
    "side": (-60.0, 15.0),
    # Nearly from above: a turn of the trunk over the legs.
    "top": (0.0, 70.0),
    "front": (0.0, 12.0),
}


@dataclass(frozen=True)
class Camera:
    """Looks at the origin from `azimuth`/`elevation` degrees; `scale` pixels per cm."""

    azimuth: float = 0.0
    elevation: float = 12.0
    scale: float = 2.0

    @property
    def toward(self) -> Vec:
        """The unit vector from the subject to the camera."""
        # Straight down has no "right"; 85 degrees is as top-down as a figure needs.
        el = math.radians(min(max(self.elevation, -85.0), 85.0))
        az = math.radians(self.azimuth)
        return (math.sin(az) * math.cos(el), math.sin(el), math.cos(az) * math.cos(el))

    def project(self, p: Vec) -> tuple[float, float, float]:
        """Screen x, screen y (down) in pixels, and depth (larger is nearer the camera)."""
        d = self.toward
        look = (-d[0], -d[1], -d[2])
        right = unit(cross(look, UP))
        up = cross(right, look)
        return (dot(p, right) * self.scale, -dot(p, up) * self.scale, dot(p, d))


def camera_for(view: str | tuple[float, float], scale: float = 2.0) -> Camera:
    """A camera for a named view or an explicit (azimuth, elevation)."""
    azimuth, elevation = VIEWS[view] if isinstance(view, str) else view
    return Camera(azimuth, elevation, scale)
