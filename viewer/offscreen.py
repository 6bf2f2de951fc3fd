"""Rendering without a window: snapshots and playblasts through an EGL context (Mesa works)."""
from __future__ import annotations

import os
from typing import Callable

import numpy as np

from sdf.errors import SdfError

from .images import write_exr, write_png
from .render import Renderer, scene_bounds, view_for
from .view_camera import OrbitCamera


def create_context():
    """A standalone OpenGL 3.3+ context: EGL first (no display needed), then the platform default."""
    import moderngl

    errors = []
    for kwargs in ({"backend": "egl"}, {}):
        try:
            return moderngl.create_standalone_context(require=330, **kwargs)
        except Exception as exc:  # driver-specific exceptions
            errors.append(f"{kwargs.get('backend', 'default')}: {exc}")
    raise SdfError("cannot create an OpenGL 3.3 context (" + "; ".join(errors) +
                   "); install Mesa's EGL/GL drivers (libegl1, libgl1-mesa-dri)")


class OffscreenView:
    def __init__(self, scene, cache, width: int = 960, height: int = 540, ctx=None):
        self.scene, self.cache = scene, cache
        self.ctx = ctx or create_context()
        self.width, self.height = width, height
        self.fbo = self.ctx.framebuffer(color_attachments=[self.ctx.renderbuffer((width, height), 4)],
                                        depth_attachment=self.ctx.depth_renderbuffer((width, height)))
        self.renderer = Renderer(self.ctx)
        self.orbit = OrbitCamera(np.zeros(3))

    def render(self, frame: float, camera: str | None = None):
        """RGBA uint8 (h, w, 4), top row first; and the frame's timing."""
        if camera is None:
            self.orbit.frame(*scene_bounds(self.scene, self.cache, frame))
        view, proj = view_for(self.scene, camera, frame, self.width / self.height, self.orbit)
        timing = self.renderer.render(self.scene, self.cache, frame, view, proj, self.fbo, look_through=camera)
        px = np.frombuffer(self.fbo.read(components=4), np.uint8).reshape(self.height, self.width, 4)
        return np.ascontiguousarray(px[::-1]), timing

    def release(self) -> None:
        self.fbo.release()


def snapshot(scene, cache, path: str, frame: float, camera: str | None, size=(960, 540), gate: bool = False) -> str:
    view = OffscreenView(scene, cache, *size)
    view.renderer.gate = gate
    rgba, _ = view.render(frame, camera)
    if path.lower().endswith(".exr"):
        write_exr(path, rgba.astype(np.float32) / 255.0, camera or "free", int(frame))
    else:
        write_png(path, rgba)
    return path


def playblast(scene, cache, out_dir: str, frames: list[int], camera: str | None, fmt: str = "png",
              size=(960, 540), progress: Callable[[int, int], None] | None = None, gate: bool = False) -> list[str]:
    """A numbered image sequence ``<shot>.<frame:04d>.<fmt>`` rendered through ``camera``."""
    if not os.path.isdir(out_dir):
        raise SdfError("playblast directory does not exist", out_dir)
    view = OffscreenView(scene, cache, *size)
    view.renderer.gate = gate
    written = []
    for n, frame in enumerate(frames):
        rgba, _ = view.render(frame, camera)
        path = os.path.join(out_dir, f"{scene.shot.name}.{frame:04d}.{fmt}")
        if fmt == "exr":
            write_exr(path, rgba.astype(np.float32) / 255.0, camera or "free", frame)
        else:
            write_png(path, rgba)
        written.append(path)
        if progress:
            progress(n + 1, len(frames))
    return written
