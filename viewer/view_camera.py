"""View and projection matrices: through a shot camera, or a free orbit camera.

Conventions: scene matrices are row-vector (as in the SDF, Alembic and USD); the matrices
returned here are column-vector (OpenGL), ready for ``mvp = projection @ view @ model``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sdf.errors import SdfError
from sdf.alembic.frame_data import PLAYER_LAYOUT

from .gizmos import transform_points
from .scene import Scene


def shot_camera_matrices(camera, frame: float, aspect: float) -> tuple[np.ndarray, np.ndarray]:
    world = np.array(camera.matrix_at(frame)).reshape(4, 4)  # camera-to-world, row vectors
    view = np.linalg.inv(world).T                            # world-to-camera, column vectors
    return view, camera.projection(aspect)


def perspective(fov_y_deg: float, aspect: float, near: float, far: float) -> np.ndarray:
    f = 1.0 / math.tan(math.radians(fov_y_deg) / 2)
    p = np.zeros((4, 4))
    p[0, 0], p[1, 1] = f / aspect, f
    p[2, 2] = (far + near) / (near - far)
    p[2, 3] = 2 * far * near / (near - far)
    p[3, 2] = -1.0
    return p


@dataclass
class OrbitCamera:
    """A free camera orbiting ``target``: drag to orbit, shift-drag to pan, wheel to zoom."""

    target: np.ndarray
    distance: float = 10.0
    yaw: float = 30.0
    pitch: float = 20.0
    fov: float = 40.0

    def eye(self) -> np.ndarray:
        y, p = math.radians(self.yaw), math.radians(self.pitch)
        return self.target + self.distance * np.array([math.cos(p) * math.sin(y), math.sin(p),
                                                        math.cos(p) * math.cos(y)])

    def matrices(self, aspect: float) -> tuple[np.ndarray, np.ndarray]:
        eye = self.eye()
        z = eye - self.target
        z /= np.linalg.norm(z)
        x = np.cross([0.0, 1.0, 0.0], z)
        x /= np.linalg.norm(x) or 1.0
        y = np.cross(z, x)
        view = np.identity(4)
        view[0, :3], view[1, :3], view[2, :3] = x, y, z
        view[:3, 3] = -view[:3, :3] @ eye
        near = max(self.distance * 0.01, 1e-4)
        return view, perspective(self.fov, aspect, near, self.distance * 100 + 1000)

    def orbit(self, dx: float, dy: float) -> None:
        self.yaw -= dx * 0.4
        self.pitch = max(-89.0, min(89.0, self.pitch + dy * 0.4))

    def pan(self, dx: float, dy: float) -> None:
        view, _ = self.matrices(1.0)
        right, up = view[0, :3], view[1, :3]
        self.target = self.target + (-dx * right + dy * up) * self.distance * 0.002

    def zoom(self, steps: float) -> None:
        self.distance = max(1e-3, self.distance * (0.9 ** steps))

    def frame(self, lo: np.ndarray, hi: np.ndarray) -> None:
        """Frame-all: look at the middle of the bounds from far enough to see all of it."""
        self.target = (lo + hi) / 2
        radius = max(float(np.linalg.norm(hi - lo)) / 2, 1e-3)
        self.distance = radius / math.sin(math.radians(self.fov) / 2) * 1.1


def scene_bounds(scene: Scene, cache, frame: float) -> tuple[np.ndarray, np.ndarray]:
    """World-space bounds of everything drawn at ``frame`` (what frame-all looks at); a unit box when empty."""
    lo, hi = np.full(3, np.inf), np.full(3, -np.inf)
    for item in scene.items:
        d = cache.get(item.file, item.object, frame, scene.shot.fps, layout=PLAYER_LAYOUT)
        if d.empty:
            continue
        p = transform_points(np.array([d.positions.min(0), d.positions.max(0)], np.float64), d.world @ item.node_matrix)
        lo, hi = np.minimum(lo, p.min(0)), np.maximum(hi, p.max(0))
    if not np.all(np.isfinite(lo)):
        return np.full(3, -1.0), np.full(3, 1.0)
    return lo, hi


def view_for(scene: Scene, camera_name: str | None, frame: float, aspect: float, orbit=None, cache=None):
    """(view, projection) through the named shot camera, or the orbit camera when none is named."""
    if camera_name:
        cam = next((c for c in scene.cameras if c.name == camera_name), None)
        if cam is None:
            names = ", ".join(c.name for c in scene.cameras) or "none in this view"
            raise SdfError(f"no camera '{camera_name}' (cameras: {names})", scene.shot.file, "cameras")
        return shot_camera_matrices(cam, frame, aspect)
    return orbit.matrices(aspect)
