"""Rendering without a window: snapshots and playblasts through an EGL context (Mesa works)."""
from __future__ import annotations

import os
from typing import Callable

import numpy as np

from sdf.errors import SdfError

from .images import write_exr, write_exr_file, write_png
from .display import SAMPLES
from .programs import release_framebuffer
from .render import Renderer
from .view_camera import OrbitCamera, scene_bounds, view_for


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
    """A renderer drawing scene-linear, multisampled, and shown through the colour ``transform``
    (:class:`sdf.viewer.colour.Transform`; the shot's project default when None)."""

    def __init__(self, scene, cache, width: int = 960, height: int = 540, ctx=None, transform=None,
                 samples: int = SAMPLES):
        from .colour import Transform
        from .display import DisplayPass

        self.scene, self.cache = scene, cache
        self.ctx = ctx or create_context()
        self.width, self.height = width, height
        self.fbo = self.ctx.framebuffer(color_attachments=[self.ctx.renderbuffer((width, height), 4)])
        self.renderer = Renderer(self.ctx)
        self.transform = transform or Transform.open(os.path.dirname(os.path.abspath(scene.shot.file)))
        self.display = self.renderer.display = DisplayPass(self.ctx, self.transform, samples)
        self.orbit = OrbitCamera(np.zeros(3))

    def render(self, frame: float, camera: str | None = None):
        """RGBA uint8 (h, w, 4) through the colour transform, top row first; and the frame's timing.
        :meth:`linear` then gives the same frame scene-linear."""
        if camera is None:
            self.orbit.frame(*scene_bounds(self.scene, self.cache, frame))
        view, proj = view_for(self.scene, camera, frame, self.width / self.height, self.orbit)
        target = self.display.framebuffer((self.width, self.height))
        timing = self.renderer.render(self.scene, self.cache, frame, view, proj, target, look_through=camera)
        self.display.present(self.fbo)
        px = np.frombuffer(self.fbo.read(components=4), np.uint8).reshape(self.height, self.width, 4)
        return np.ascontiguousarray(px[::-1]), timing

    def linear(self) -> np.ndarray:
        """The last frame rendered, scene-linear float32 RGBA, top row first."""
        return self.display.linear()

    def release(self) -> None:
        self.display.release()
        release_framebuffer(self.fbo)


def _frame_image(view, scene, cache, frame, camera, size, gate, other, mode):
    if other is None:
        rgba, _ = view.render(frame, camera)
        return rgba
    from .compare import draw_compare

    if camera is None:
        view.orbit.frame(*scene_bounds(scene, cache, frame))
    return draw_compare(view.renderer, scene, other, cache, frame, camera, view.orbit, size, mode)


def _exr_pixels(view, rgba, other):
    """What an EXR holds: the scene-linear frame and its colour space; a comparison (two pictures put
    together after the transform) is display-referred and says which display and view."""
    from .colour import exr_attributes

    if other is None:
        return view.linear(), exr_attributes(view.transform)
    return rgba.astype(np.float32) / 255.0, {"colorSpace": view.transform.label}


def snapshot(scene, cache, path: str, frame: float, camera: str | None, size=(960, 540), gate: bool = False,
             other=None, mode: str = "wipe", transform=None) -> str:
    """One frame to PNG (through the colour transform) or EXR (scene-linear); with ``other`` (the
    scene at another version), both compared in ``mode``."""
    view = OffscreenView(scene, cache, *size, transform=transform)
    try:
        view.renderer.gate = gate
        rgba = _frame_image(view, scene, cache, frame, camera, size, gate, other, mode)
        if path.lower().endswith(".exr"):
            pixels, attrs = _exr_pixels(view, rgba, other)
            write_exr(path, pixels, camera or "free", int(frame), attrs)
        else:
            write_png(path, rgba)
    finally:
        view.release()
    return path


def playblast(scene, cache, out_dir: str | None, frames: list[int], camera: str | None, fmt: str = "png",
              size=(960, 540), progress: Callable[[int, int], None] | None = None, gate: bool = False,
              other=None, mode: str = "wipe", transform=None, burn_in=None, slate=None,
              movie: str | None = None) -> list[str]:
    """A numbered image sequence ``<shot>.<frame:04d>.<fmt>`` rendered through ``camera`` into
    ``out_dir`` (None: no sequence), and with ``movie`` an H.264 or ProRes movie of the same frames.
    PNGs and movies go through the colour ``transform`` and carry ``burn_in`` (a
    :class:`sdf.viewer.burnin.BurnIn`, None for none); EXRs stay scene-linear and clean. ``slate`` (a
    BurnIn too) puts a slate frame before the first frame (the movie's, and ``<shot>.slate.png``)."""
    if out_dir is not None and not os.path.isdir(out_dir):
        raise SdfError("playblast directory does not exist", out_dir)
    view = OffscreenView(scene, cache, *size, transform=transform)
    view.renderer.gate = gate
    writer = None
    written = []
    try:
        if movie:
            from .movie import MovieWriter

            writer = MovieWriter(movie, size, scene.shot.fps, frames[0] - (1 if slate is not None else 0))
        if slate is not None:
            card = slate.slate(size, len(frames))
            if writer is not None:
                writer.add(card)
            if out_dir is not None and fmt == "png":
                path = os.path.join(out_dir, f"{scene.shot.name}.slate.png")
                write_png(path, card)
        for n, frame in enumerate(frames):
            rgba = _frame_image(view, scene, cache, frame, camera, size, gate, other, mode)
            shown = burn_in.draw(rgba, frame) if burn_in is not None else rgba
            if out_dir is not None:
                path = os.path.join(out_dir, f"{scene.shot.name}.{frame:04d}.{fmt}")
                if fmt == "exr":
                    pixels, attrs = _exr_pixels(view, rgba, other)
                    write_exr(path, pixels, camera or "free", frame, attrs)
                else:
                    write_png(path, shown)
                written.append(path)
            if writer is not None:
                writer.add(shown)
            if progress:
                progress(n + 1, len(frames))
        if writer is not None:
            written.append(writer.close())
            writer = None
    finally:
        if writer is not None:
            writer.abort()
        view.release()
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
    from .colour import exr_attributes, load_config

    images = render_aovs(scene, cache, frame, camera, size)
    colour = exr_attributes(config=load_config(os.path.dirname(os.path.abspath(scene.shot.file)))[0])
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
                  "frame": int(frame), "renderLayer": layer.name, **(colour if mode == 0 else {})}
        parts.append(OpenEXR.Part(header, channels, name))
        names.append(name)
    def write(tmp: str) -> None:
        with OpenEXR.File(parts) as f:
            f.write(tmp)

    write_exr_file(path, write)
    return names
