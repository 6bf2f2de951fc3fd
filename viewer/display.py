"""The display pass on the GPU: scene-linear pixels through OCIO's display/view shader.

The renderer draws scene-linear colour into a multisampled half-float framebuffer; the pass resolves
it (anti-aliasing for thin curves and points), then draws one full-screen triangle whose fragment
shader is exposure (stops), OCIO's generated ``OCIODisplay`` with its LUT textures, then a display
gamma, into the target (the window's framebuffer, or an 8-bit one read back for playblasts).
"""
from __future__ import annotations

import numpy as np

from .colour import Transform

VS = """
#version 330
out vec2 uv;
void main() {
    vec2 p = vec2(float((gl_VertexID & 1) << 2) - 1.0, float((gl_VertexID & 2) << 1) - 1.0);
    uv = p * 0.5 + 0.5;
    gl_Position = vec4(p, 0.0, 1.0);
}
"""
FS = """
#version 330
{ocio}
uniform sampler2D image; uniform float exposure; uniform float gamma;
in vec2 uv; out vec4 f_colour;
void main() {{
    vec4 c = texture(image, uv);
    vec4 o = {fn}(vec4(c.rgb * exp2(exposure), 1.0));
    f_colour = vec4(pow(clamp(o.rgb, 0.0, 1.0), vec3(1.0 / gamma)), c.a);
}}
"""
#: Samples per pixel asked for playblasts (fewer when the driver allows fewer).
SAMPLES = 4


def window_samples(ctx) -> int:
    """Multisampling for the interactive window: on a GPU, as playblasts; on a software rasteriser
    (Mesa's llvmpipe, where 4 samples cost 3-4 times the frame: benchmarks/review.py) none, so
    playback keeps its rate; playblasts still multisample."""
    renderer = str(ctx.info.get("GL_RENDERER", "")).lower()
    return 0 if any(s in renderer for s in ("llvmpipe", "softpipe", "swrast")) else SAMPLES


class DisplayPass:
    """Owns the linear framebuffer a frame is drawn into and the program that shows it."""

    def __init__(self, ctx, transform: Transform, samples: int = SAMPLES):
        self.ctx = ctx
        self.samples = max(0, min(int(samples), int(getattr(ctx, "max_samples", 0) or 0)))
        self.exposure = 0.0  # stops
        self.gamma = 1.0     # on display code values, after the view transform
        self._size = None
        self._msaa = self._resolved = None
        self._prog = None
        self._luts: list = []
        self._vao = None
        self.set_transform(transform)

    # -- the transform -------------------------------------------------------------------------
    def set_transform(self, transform: Transform) -> None:
        """Compile OCIO's shader for ``transform`` and upload its LUTs."""
        info = transform.gpu_shader()
        self._release_program()
        prog = self.ctx.program(vertex_shader=VS, fragment_shader=FS.format(ocio=info.text, fn="OCIODisplay"))
        luts = []
        unit = 1  # unit 0 is the image
        for sampler, w, h, channels, values, linear in info.textures:
            tex = self.ctx.texture((w, h), channels, values.tobytes(), dtype="f4")
            luts.append((sampler, tex, linear))
        for sampler, edge, values, linear in info.textures_3d:
            tex = self.ctx.texture3d((edge, edge, edge), 3, values.tobytes(), dtype="f4")
            luts.append((sampler, tex, linear))
        for sampler, tex, linear in luts:
            f = self.ctx.LINEAR if linear else self.ctx.NEAREST
            tex.filter = (f, f)
            tex.repeat_x = tex.repeat_y = False
            if hasattr(tex, "repeat_z"):
                tex.repeat_z = False
            if sampler in prog:
                prog[sampler].value = unit
            unit += 1
        if "image" in prog:
            prog["image"].value = 0
        self._prog, self._luts = prog, luts
        self._vao = self.ctx.vertex_array(prog, [])
        self.transform = transform

    # -- framebuffers --------------------------------------------------------------------------
    def framebuffer(self, size):
        """The multisampled scene-linear framebuffer to draw a ``size`` frame into."""
        size = (max(int(size[0]), 1), max(int(size[1]), 1))
        if size != self._size:
            self._release_buffers()
            ctx = self.ctx
            self._msaa = ctx.framebuffer(
                color_attachments=[ctx.renderbuffer(size, 4, samples=self.samples, dtype="f2")],
                depth_attachment=ctx.depth_renderbuffer(size, samples=self.samples))
            tex = ctx.texture(size, 4, dtype="f2")
            tex.filter = (ctx.NEAREST, ctx.NEAREST)
            self._resolved = ctx.framebuffer(color_attachments=[tex])
            self._size = size
        return self._msaa

    def linear(self) -> np.ndarray:
        """The last frame's scene-linear RGBA, float32, top row first (EXR snapshots and playblasts)."""
        self.ctx.copy_framebuffer(self._resolved, self._msaa)
        w, h = self._size
        px = np.frombuffer(self._resolved.read(components=4, dtype="f4"), np.float32).reshape(h, w, 4)
        return np.ascontiguousarray(px[::-1])

    def present(self, target, viewport=None) -> None:
        """Resolve the frame and draw it through the transform into ``target``."""
        import moderngl

        ctx = self.ctx
        ctx.copy_framebuffer(self._resolved, self._msaa)
        target.use()
        ctx.viewport = viewport or (0, 0, *self._size)
        ctx.disable(moderngl.DEPTH_TEST)
        self._resolved.color_attachments[0].use(0)
        for unit, (_, tex, _) in enumerate(self._luts, start=1):
            tex.use(unit)
        self._prog["exposure"].value = float(self.exposure)
        self._prog["gamma"].value = float(self.gamma) if self.gamma > 0 else 1.0
        self._vao.render(moderngl.TRIANGLES, vertices=3)
        ctx.enable(moderngl.DEPTH_TEST)

    def to_array(self) -> np.ndarray:
        """The last frame through the transform, RGBA uint8, top row first."""
        w, h = self._size
        ctx = self.ctx
        fbo = ctx.framebuffer(color_attachments=[ctx.renderbuffer((w, h), 4)])
        try:
            self.present(fbo)
            raw = fbo.read(components=4)
        finally:
            from .programs import release_framebuffer

            release_framebuffer(fbo)
        return np.frombuffer(raw, np.uint8).reshape(h, w, 4)[::-1].copy()

    # -- teardown ------------------------------------------------------------------------------
    def _release_buffers(self) -> None:
        from .programs import release_framebuffer

        for fbo in (self._msaa, self._resolved):
            if fbo is not None:
                release_framebuffer(fbo)
        self._msaa = self._resolved = None
        self._size = None

    def _release_program(self) -> None:
        if self._vao is not None:
            self._vao.release()
        if self._prog is not None:
            self._prog.release()
        for _, tex, _ in self._luts:
            tex.release()
        self._vao, self._prog, self._luts = None, None, []

    def release(self) -> None:
        self._release_buffers()
        self._release_program()
