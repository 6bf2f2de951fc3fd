"""Rendering without a window: snapshots and playblasts through an EGL context (Mesa works)."""
from __future__ import annotations

import os
from typing import Callable

import numpy as np

from sdf.errors import SdfError

from .images import write_exr, write_exr_file, write_png
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


def _frame_image(view, scene, cache, frame, camera, size, gate, other, mode):
    if other is None:
        rgba, _ = view.render(frame, camera)
        return rgba
    from .compare import draw_compare

    if camera is None:
        view.orbit.frame(*scene_bounds(scene, cache, frame))
    return draw_compare(view.renderer, scene, other, cache, frame, camera, view.orbit, size, mode)


def snapshot(scene, cache, path: str, frame: float, camera: str | None, size=(960, 540), gate: bool = False,
             other=None, mode: str = "wipe") -> str:
    """One frame to PNG or EXR; with ``other`` (the scene at another version), both compared in ``mode``."""
    view = OffscreenView(scene, cache, *size)
    view.renderer.gate = gate
    rgba = _frame_image(view, scene, cache, frame, camera, size, gate, other, mode)
    if path.lower().endswith(".exr"):
        write_exr(path, rgba.astype(np.float32) / 255.0, camera or "free", int(frame))
    else:
        write_png(path, rgba)
    return path


def playblast(scene, cache, out_dir: str, frames: list[int], camera: str | None, fmt: str = "png",
              size=(960, 540), progress: Callable[[int, int], None] | None = None, gate: bool = False,
              other=None, mode: str = "wipe") -> list[str]:
    """A numbered image sequence ``<shot>.<frame:04d>.<fmt>`` rendered through ``camera``."""
    if not os.path.isdir(out_dir):
        raise SdfError("playblast directory does not exist", out_dir)
    view = OffscreenView(scene, cache, *size)
    view.renderer.gate = gate
    written = []
    for n, frame in enumerate(frames):
        rgba = _frame_image(view, scene, cache, frame, camera, size, gate, other, mode)
        path = os.path.join(out_dir, f"{scene.shot.name}.{frame:04d}.{fmt}")
        if fmt == "exr":
            write_exr(path, rgba.astype(np.float32) / 255.0, camera or "free", frame)
        else:
            write_png(path, rgba)
        written.append(path)
        if progress:
            progress(n + 1, len(frames))
    return written


#: The AOVs the preview renderer makes, by the source a render layer names for them:
#: (render mode, channels, pixel type). Anything else (LPEs, shadows) is a renderer's job.
PREVIEW_AOVS = {"Ci": (0, "RGBA", "half"), "N": (1, "XYZ", "half"), "z": (2, "Z", "float")}


def render_aovs(scene, cache, frame: float, camera: str | None, size=(960, 540)) -> dict[str, np.ndarray]:
    """The layer's picture as AOVs from the preview renderer, float32, top row first: ``beauty``
    (RGBA, alpha 0 where nothing or a holdout is), ``N`` (world normals), ``depth`` (camera
    depth, 0 where nothing is) and ``id`` (each element's number, 0 for none)."""
    view = OffscreenView(scene, cache, *size)
    w, h = size
    out = {}
    try:
        vmat, proj = view_for(scene, camera, frame, w / h, view.orbit)
        view.renderer.background = (0.0, 0.0, 0.0, 0.0)  # AOVs hold nothing where nothing is
        for name, mode in (("beauty", 0), ("N", 1), ("depth", 2), ("id", 3)):
            view.renderer.aov = mode
            px = view.renderer.draw_to_array(scene, cache, frame, vmat, proj, size, look_through=camera, floats=True)
            out[name] = np.ascontiguousarray(px if mode == 0 else px[..., :3] if mode == 1 else px[..., :1])
    finally:
        view.release()
    return out


def write_layer_aovs(path: str, scene, cache, frame: int, camera: str | None, size=(960, 540)) -> list[str]:
    """One multi-part OpenEXR of the render layer's AOVs the preview renderer can make (its beauty,
    normals and depth, by their sources) plus an ``id`` matte: one part per AOV, named after it,
    channels ``<aov>.R``..., as ``sdf exr pack`` writes them. Returns the parts written."""
    import OpenEXR

    layer = scene.shot.render_layers.get(scene.layer)
    images = render_aovs(scene, cache, frame, camera, size)
    by_mode = {0: "beauty", 1: "N", 2: "depth"}
    compression = getattr(OpenEXR, f"{layer.output.compression.upper()}_COMPRESSION", OpenEXR.ZIP_COMPRESSION)
    parts, names = [], []
    wanted = [(a.name, PREVIEW_AOVS[a.source]) for a in layer.aovs if a.source in PREVIEW_AOVS] + \
        [("id", (3, "V", "float"))]
    for name, (mode, chans, pixel) in wanted:
        image = images["id" if mode == 3 else by_mode[mode]]
        dtype = np.float16 if pixel == "half" else np.float32
        channels = {f"{name}.{c}": np.ascontiguousarray(image[..., i].astype(dtype)) for i, c in enumerate(chans)}
        header = {"compression": compression, "type": OpenEXR.scanlineimage, "camera": camera or "free",
                  "frame": int(frame), "renderLayer": layer.name}
        parts.append(OpenEXR.Part(header, channels, name))
        names.append(name)
    def write(tmp: str) -> None:
        with OpenEXR.File(parts) as f:
            f.write(tmp)

    write_exr_file(path, write)
    return names
