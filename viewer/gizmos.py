"""What the viewer draws over the shot, as line segments in world space: camera frustums, light
stars, and the film gate fitted with its overscan. Pure geometry (numpy), no GL: the renderer
draws the segments (:meth:`sdf.viewer.render.Renderer._lines`)."""
from __future__ import annotations

import numpy as np

from .scene import Scene

GRID_COLOUR = (0.3, 0.31, 0.34)
GATE_COLOUR = (0.92, 0.92, 0.92)
SAFE_COLOUR = (0.55, 0.55, 0.58)
#: How much of the view around the film gate is shown when the gate is drawn (Maya's overscan).
OVERSCAN = 1.1


def fit_gate(scene: Scene, camera_name: str, projection: np.ndarray):
    """(projection showing the whole film gate with :data:`OVERSCAN` around it, (gx, gy) the gate's half
    extents in normalised device coordinates). The camera's projection fits the film back to the
    view's width; a view wider than the film would crop the gate's top and bottom."""
    cam = next((c for c in scene.cameras if c.name == camera_name), None)
    if cam is None:
        return projection, None
    aspect = projection[1, 1] / projection[0, 0]
    film = cam.horizontal_aperture / cam.vertical_aperture
    gy = aspect / film
    scale = 1.0 / (OVERSCAN * max(1.0, gy))
    fitted = np.diag([scale, scale, 1.0, 1.0]) @ projection
    return fitted, (scale, gy * scale)


def transform_points(points: np.ndarray, m: np.ndarray) -> np.ndarray:
    return (np.c_[points, np.ones(len(points))] @ m)[:, :3]


def camera_gizmo(cam, frame: float, depth: float = 0.6) -> list:
    """A frustum outline: apex at the camera, a rectangle ``depth`` units in front."""
    m = np.array(cam.matrix_at(frame)).reshape(4, 4)
    hw = depth * cam.horizontal_aperture / (2 * cam.focal_length)
    hh = depth * cam.vertical_aperture / (2 * cam.focal_length)
    c = np.array([[-hw, -hh, -depth], [hw, -hh, -depth], [hw, hh, -depth], [-hw, hh, -depth], [0, 0, 0]])
    w = transform_points(c, m)
    apex = w[4]
    return [(apex, w[i]) for i in range(4)] + [(w[i], w[(i + 1) % 4]) for i in range(4)]


def light_gizmo(light, frame: float, size: float = 0.25) -> list:
    """A small star at the light, with a line along its direction (-Z) for directional types."""
    m = np.array(light.world_matrix_at(frame)).reshape(4, 4)
    pts = np.array([[-size, 0, 0], [size, 0, 0], [0, -size, 0], [0, size, 0], [0, 0, -size], [0, 0, size],
                    [0, 0, 0], [0, 0, -4 * size]])
    w = transform_points(pts, m)
    segs = [(w[0], w[1]), (w[2], w[3]), (w[4], w[5])]
    if light.type in ("distant", "spot", "rect", "disk"):
        segs.append((w[6], w[7]))
    return segs
