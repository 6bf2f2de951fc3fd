"""Drawing a scene with moderngl: the same code draws into a Qt widget or an offscreen buffer.

Meshes are shaded with their normals (two-sided), or flat from screen-space derivatives when
a file has none, in their material's base colour or its texture (sampled with the mesh's UVs,
uploaded once per file already scene-linear: :mod:`sdf.viewer.textures`); curves are lines,
points are points; cameras and lights are line gizmos.
Geometry comes from the frame cache; each item keeps its own vertex buffers (orphaned and
refilled per frame) and each topology its own index buffer, uploaded once.

The GLSL and its variants live in :mod:`sdf.viewer.programs`, the gizmos' geometry in
:mod:`sdf.viewer.gizmos`, and framing (bounds, the view through a camera) in :mod:`sdf.viewer.view_camera`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from sdf.errors import SdfError
from sdf.alembic.frame_data import PLAYER_LAYOUT

from .gizmos import GATE_COLOUR, GRID_COLOUR, SAFE_COLOUR, camera_gizmo, fit_gate, light_gizmo
from .programs import (BASE_TEX_UNIT, POINT_FS, POINT_VS, TEX_WIDTH, compile_variant, gl_matrix,
                       present_attributes, release_framebuffer, set_uniform, write_uniform)
from .scene import CAMERA_COLOUR, LIGHT_COLOUR, READ_ONLY, Scene

#: Scene-linear (it goes through the display transform like everything drawn): a dark blue-grey,
#: about (41, 43, 48) through the studio config's default ACES 2.0 SDR view.
BACKGROUND = (0.06, 0.064, 0.073)
#: Points and curves are never thinner than this many pixels at 960x540, and scale with the height.
MIN_POINT_PX, MIN_LINE_PX, REFERENCE_HEIGHT = 3.0, 1.5, 540


@dataclass
class FrameTiming:
    data_seconds: float = 0.0
    draw_seconds: float = 0.0


class Renderer:
    def __init__(self, ctx):
        import moderngl

        self.ctx = ctx
        self._variants: dict = {}
        self.mesh, self.fetch = self._variant(False, 0)
        self.textured = None  # this frame's texel-fetch program with a base colour texture, when one is drawn
        self._textures: dict = {}
        self._images: dict = {}  # (file, colour space) -> base colour texture; None: it could not be read
        self.points = ctx.program(vertex_shader=POINT_VS, fragment_shader=POINT_FS)
        self._buffers: dict = {}
        self._indices: dict = {}
        self.problems: list[str] = []  # objects left out of a frame because their file broke or changed
        self.gate = False   # looking through a camera: film gate, action and title safe areas, with overscan
        self.aov = 0        # 0 beauty (shaded), 1 world normals, 2 camera depth, 3 element id
        self.background = (*BACKGROUND, 1.0)  # AOV renders clear to nothing: (0, 0, 0, 0)
        self.highlight: set[str] = set()      # selected elements, drawn tinted
        self.grid = False   # free camera: a ground grid (1 m squares) and the world axes
        self.wireframe = False
        self.display = None  # a DisplayPass: draw_to_array's pictures go through its colour transform
        ctx.enable(moderngl.DEPTH_TEST | moderngl.PROGRAM_POINT_SIZE)

    def _variant(self, lit: bool, aov: int, textured: bool = False):
        """The (plain, texel-fetch) mesh programs for one shading and AOV mode, compiled once."""
        key = (bool(lit), int(aov), bool(textured))
        if key not in self._variants:
            self._variants[key] = compile_variant(self.ctx, *key)
        return self._variants[key]

    def release(self) -> None:
        """Give back every GL object while the context is current (a window calls this as it closes:
        objects left to the garbage collector after the context is gone abort the interpreter)."""
        for store in (self._buffers, self._indices, self._textures, self._images):
            for obj in store.values():
                if obj is not None:
                    obj.release()
            store.clear()
        for progs in self._variants.values():
            for prog in progs:
                prog.release()
        self._variants.clear()
        self.points.release()

    # -- buffers -------------------------------------------------------------------------------
    def _vbo(self, key, data: np.ndarray):
        data = np.ascontiguousarray(data, dtype="f4")
        buf = self._buffers.get(key)
        if buf is None or buf.size < data.nbytes:
            if buf is not None:
                buf.release()
            buf = self._buffers[key] = self.ctx.buffer(reserve=max(data.nbytes, 12), dynamic=True)
        buf.write(data.tobytes() if not data.flags.c_contiguous else data)
        return buf

    def _texture(self, key, rows: np.ndarray):
        """``rows`` (n, 3) float32 in a texture ``TEX_WIDTH`` texels wide, reused while it is big enough."""
        n = len(rows)
        lines = max(1, -(-n // TEX_WIDTH))
        tex = self._textures.get(key)
        if tex is None or tex.size[1] < lines:
            if tex is not None:
                tex.release()
            tex = self._textures[key] = self.ctx.texture((TEX_WIDTH, lines), 3, dtype="f4")
            tex.filter = (self.ctx.NEAREST, self.ctx.NEAREST)
        full = n // TEX_WIDTH
        rows = np.ascontiguousarray(rows, dtype="f4")
        if full:
            tex.write(rows[:full * TEX_WIDTH], viewport=(0, 0, TEX_WIDTH, full))
        if n % TEX_WIDTH:
            tex.write(rows[full * TEX_WIDTH:], viewport=(0, full, n % TEX_WIDTH, 1))
        return tex

    def _ints(self, topology, name: str, values: np.ndarray):
        """A per-draw-vertex index (point or normal of each vertex) as an int buffer, once per topology."""
        key = (topology.key, name)
        buf = self._indices.get(key)
        if buf is None:
            buf = self._indices[key] = self.ctx.buffer(np.ascontiguousarray(values, dtype="i4"))
        return buf

    def _ibo(self, topology):
        key = (topology.key, topology.kind)
        buf = self._indices.get(key)
        if buf is None:
            buf = self._indices[key] = self.ctx.buffer(np.ascontiguousarray(topology.indices, dtype="u4"))
            if len(self._indices) > 512:  # drop the oldest topologies (changing-topology meshes)
                old = next(iter(self._indices))
                self._indices.pop(old).release()
        return buf

    # -- drawing -------------------------------------------------------------------------------
    def render(self, scene: Scene, cache, frame: float, view: np.ndarray, projection: np.ndarray, fbo,
               hidden: set[str] = frozenset(), interpolation: str = "nearest",
               look_through: str | None = None) -> FrameTiming:
        """Draw ``scene`` at ``frame``; ``look_through`` names the camera viewed through (no gizmo)."""
        import moderngl

        timing = FrameTiming()
        t0 = time.perf_counter()
        data = []
        for item in scene.items:
            if item.node in hidden or not item.visible:
                continue
            try:
                data.append((item, cache.get(item.file, item.object, frame, scene.shot.fps, interpolation,
                                             layout=PLAYER_LAYOUT)))
            except SdfError as exc:  # a file broken or changed mid-play: the rest of the shot is drawn
                if str(exc) not in self.problems:
                    self.problems.append(str(exc))
        timing.data_seconds = time.perf_counter() - t0
        t1 = time.perf_counter()
        fbo.use()
        self.ctx.clear(*self.background, depth=1.0)
        scale = max(1.0, fbo.size[1] / REFERENCE_HEIGHT)  # a minimum screen size for points and curves
        self._line_width(MIN_LINE_PX * scale)
        vp = projection @ view
        gate = None
        if look_through and self.gate:
            projection, gate = fit_gate(scene, look_through, projection)
            vp = projection @ view
        lit = self.aov == 0 and scene.shading == "lights" and bool(scene.lights)
        self.mesh, self.fetch = self._variant(lit, self.aov)
        textured = self.aov == 0 and scene.shading != "department" and any(i.texture for i in scene.items)
        self.textured = self._variant(lit, self.aov, True)[1] if textured else None
        self._lighting(scene, frame, view, lit)
        for prog in self._programs():
            write_uniform(prog, "view_m", gl_matrix(view))
        for item, d in data:
            if d.empty:
                continue
            model = (d.world @ item.node_matrix).T  # row-vector scene matrices -> column vectors
            mvp = vp @ model
            for prog in self._programs():
                set_uniform(prog, "matte", bool(item.matte))
                set_uniform(prog, "item_id", float(item.id))
            if d.kind == "points":
                self.points["mvp"].write(gl_matrix(mvp))
                self.points["colour"].value = (float(item.id), 0.0, 0.0) if self.aov == 3 else \
                    (0.0, 0.0, 0.0) if self.aov or item.matte else self._colour(scene, item)
                self.points["size"].value = MIN_POINT_PX * scale
                vbo = self._vbo((item.node, "p"), d.positions)
                vao = self.ctx.vertex_array(self.points, [(vbo, "3f", "in_pos")])
                vao.render(moderngl.POINTS, vertices=len(d.positions))
                vao.release()
                continue
            if d.kind == "mesh" and d.topology is not None and d.topology.kind == "triangles":
                self._mesh(scene, item, d, mvp, model)
                continue
            write_uniform(self.mesh, "mvp", gl_matrix(mvp))
            write_uniform(self.mesh, "model", gl_matrix(model))
            set_uniform(self.mesh, "colour", self._colour(scene, item))
            set_uniform(self.mesh, "has_normals", False)
            set_uniform(self.mesh, "flat_colour", True)
            vbo = self._vbo((item.node, "p"), d.positions)
            attrs = present_attributes(self.mesh, [(vbo, "3f", "in_pos"), (vbo, "3f", "in_nrm")])
            vao = self.ctx.vertex_array(self.mesh, attrs,
                                        index_buffer=self._ibo(d.topology), index_element_size=4)
            vao.render(moderngl.LINES)
            vao.release()
        if self.aov == 0 and scene.layer is None:
            self._gizmos(scene, frame, vp, look_through, hidden)
        if self.grid and not look_through and self.aov == 0:
            self._grid(scene, vp)
        if gate is not None:
            self._gate(*gate)
        self.ctx.finish()
        timing.draw_seconds = time.perf_counter() - t1
        return timing

    def _line_width(self, width: float) -> None:
        """Wide lines where the driver draws them (Mesa does); 1 pixel, multisampled, where it refuses."""
        try:
            self.ctx.line_width = float(width)
        except Exception:  # a forward-compatible core context allows only 1
            self.ctx.line_width = 1.0
        self.ctx.error  # clear a GL_INVALID_VALUE a refusing driver records

    def _colour(self, scene: Scene, item) -> tuple:
        colour = _colour(scene, item)
        if item.node in self.highlight:  # selected: tinted towards the selection colour
            colour = tuple(0.4 * c + 0.6 * s for c, s in zip(colour, SELECTED_COLOUR))
        return colour

    def _programs(self) -> list:
        """The mesh programs this frame draws with: the frame's uniforms go to each."""
        return [self.mesh, self.fetch] + ([self.textured] if self.textured is not None else [])

    def _base_texture(self, item):
        """The item's base colour texture on the GPU (scene-linear, mipmapped, repeating), read once per
        file and colour space; None (and one line in :attr:`problems`) for a file that cannot be read."""
        key = (item.texture.file, item.texture.colorspace)
        if key not in self._images:
            from .textures import linear_texels

            try:
                texels, problem = linear_texels(*key)
            except SdfError as exc:
                texels, problem = None, f"{item.node}: {exc}; its material's constant colour is used"
            if problem and problem not in self.problems:
                self.problems.append(problem)
            tex = None
            if texels is not None:
                h, w = texels.shape[:2]
                tex = self.ctx.texture((w, h), 3, texels.astype("f2").tobytes(), dtype="f2")
                tex.build_mipmaps()
                tex.filter = (self.ctx.LINEAR_MIPMAP_LINEAR, self.ctx.LINEAR)
            self._images[key] = tex
        return self._images[key]

    def _uvs(self, topo):
        """The topology's UVs per draw vertex as a buffer, once per topology; None when it has none."""
        from sdf.alembic.topology import draw_uvs

        key = (topo.key, "uv")
        if key not in self._indices:
            uvs = draw_uvs(topo)
            if uvs is None:
                return None
            self._indices[key] = self.ctx.buffer(np.ascontiguousarray(uvs, dtype="f4"))
        return self._indices[key]

    def _lighting(self, scene: Scene, frame: float, view: np.ndarray, lit: bool) -> None:
        """Uniforms for the shading mode (see :mod:`sdf.viewer.looks`): a headlight, or the shot's lights."""
        from .looks import MAX_LIGHTS, shot_lights

        inv = np.linalg.inv(view)
        head = tuple((inv[:3, :3] @ np.array([0.3, 0.6, 1.0])).tolist())
        if lit:
            vec, col, far, ambient = shot_lights(scene.lights, frame)
        for prog in self._programs():
            set_uniform(prog, "light_dir", head)
            if not lit:
                continue
            n = len(vec)
            pad = np.zeros((MAX_LIGHTS, 3), "f4")
            set_uniform(prog, "n_lights", n)
            for name, rows in (("light_vec", vec), ("light_col", col)):
                block = pad.copy()
                block[:n] = rows
                prog[name].write(block.tobytes())
            flags = np.zeros(MAX_LIGHTS, "f4")
            flags[:n] = far
            write_uniform(prog, "light_far", flags.tobytes())
            set_uniform(prog, "ambient", tuple(float(a) for a in ambient))
            set_uniform(prog, "eye", tuple(float(e) for e in inv[:3, 3]))

    def _mesh(self, scene: Scene, item, d, mvp: np.ndarray, model: np.ndarray) -> None:
        """A triangle mesh from its stored rows: the textures hold positions and normals, the vertex
        shader fetches each draw vertex's point and normal."""
        import moderngl

        topo = d.topology
        prog, attrs = self.fetch, []
        if self.textured is not None and item.texture is not None and not item.matte:
            tex, uvs = self._base_texture(item), self._uvs(topo)
            no_uvs = f"{item.node}: no UVs for its material's texture; its constant colour is used"
            if uvs is None and no_uvs not in self.problems:
                self.problems.append(no_uvs)
            if tex is not None and uvs is not None:
                prog = self.textured
                tex.use(BASE_TEX_UNIT)
                attrs.append((uvs, "2f", "in_uv"))
        write_uniform(prog, "mvp", gl_matrix(mvp))
        write_uniform(prog, "model", gl_matrix(model))
        set_uniform(prog, "colour", self._colour(scene, item))
        set_uniform(prog, "flat_colour", False)
        self._texture((item.node, "p"), d.positions).use(0)
        has_n = d.normals is not None and len(d.normals) >= topo.normals_need and topo.normal_of_vertex is not None
        set_uniform(prog, "has_normals", has_n)
        if has_n:
            self._texture((item.node, "n"), d.normals).use(1)
        use_pv = topo.point_of_vertex is not None
        if use_pv:
            attrs.append((self._ints(topo, "pv", topo.point_of_vertex), "1i", "in_pv"))
        use_nv = has_n and not (topo.normals_identity and len(d.normals) == topo.vertex_count) and \
            prog.get("in_nv", None) is not None  # a depth or id variant never reads normals
        if use_nv:
            attrs.append((self._ints(topo, "nv", topo.normal_of_vertex), "1i", "in_nv"))
        set_uniform(prog, "use_pv", use_pv)
        set_uniform(prog, "use_nv", use_nv)
        vao = self.ctx.vertex_array(prog, attrs, index_buffer=self._ibo(topo), index_element_size=4)
        self.ctx.wireframe = self.wireframe
        vao.render(moderngl.TRIANGLES)
        self.ctx.wireframe = False
        vao.release()

    def draw_to_array(self, scene: Scene, cache, frame: float, view: np.ndarray, projection: np.ndarray, size,
                      *, hidden=frozenset(), look_through: str | None = None, floats: bool = False) -> np.ndarray:
        """Draw into a framebuffer of its own and read it back, top row first: RGBA uint8 (through the
        display transform when there is one), or float32 with ``floats`` (AOVs, the id matte a pick reads)."""
        w, h = size
        if self.display is not None and not floats:
            self.render(scene, cache, frame, view, projection, self.display.framebuffer(size), hidden=hidden,
                        look_through=look_through)
            return self.display.to_array()
        dtype = "f4" if floats else "f1"
        fbo = self.ctx.framebuffer(color_attachments=[self.ctx.renderbuffer((w, h), 4, dtype=dtype)],
                                   depth_attachment=self.ctx.depth_renderbuffer((w, h)))
        try:
            self.render(scene, cache, frame, view, projection, fbo, hidden=hidden, look_through=look_through)
            raw = fbo.read(components=4, dtype=dtype)
        finally:
            release_framebuffer(fbo)
        return np.frombuffer(raw, np.float32 if floats else np.uint8).reshape(h, w, 4)[::-1]

    def _lines(self, segments: np.ndarray, colour, vp: np.ndarray) -> None:
        import moderngl

        if not len(segments):
            return
        write_uniform(self.mesh, "mvp", gl_matrix(vp))
        write_uniform(self.mesh, "model", gl_matrix(np.identity(4)))
        set_uniform(self.mesh, "colour", colour)
        set_uniform(self.mesh, "flat_colour", True)
        set_uniform(self.mesh, "matte", False)
        vbo = self._vbo(("gizmo", id(segments) % 7, len(segments)), segments.reshape(-1, 3))
        attrs = present_attributes(self.mesh, [(vbo, "3f", "in_pos"), (vbo, "3f", "in_nrm")])
        vao = self.ctx.vertex_array(self.mesh, attrs)
        vao.render(moderngl.LINES, vertices=len(segments) * 2)
        vao.release()

    def _grid(self, scene: Scene, vp: np.ndarray, lines: int = 10) -> None:
        """A ground grid of 1 m squares (in scene units, from the shot's metres per unit) on the plane
        normal to the shot's up axis, and the world axes in red, green and blue."""
        step = 1.0 / float(getattr(scene.shot, "meters_per_unit", 1.0) or 1.0)
        half = lines * step
        z_up = str(getattr(scene.shot, "up_axis", "Y")).upper() == "Z"
        segs = []
        for i in range(-lines, lines + 1):
            a = i * step
            if i == 0:
                continue
            segs += [((a, 0, -half), (a, 0, half)), ((-half, 0, a), (half, 0, a))]
        grid = np.array(segs, "f4").reshape(-1, 2, 3)
        axes = [np.array([[[0, 0, 0], [half, 0, 0]]], "f4"), np.array([[[0, 0, 0], [0, half, 0]]], "f4"),
                np.array([[[0, 0, 0], [0, 0, half]]], "f4")]
        if z_up:  # the ground is XY: the grid's Y and Z swap (the axes are the world's either way)
            grid = np.ascontiguousarray(grid[..., [0, 2, 1]])
        self._lines(grid, GRID_COLOUR, vp)
        for seg, colour in zip(axes, ((0.85, 0.25, 0.2), (0.3, 0.8, 0.25), (0.25, 0.45, 0.95))):
            self._lines(seg, colour, vp)

    def _gate(self, gx: float, gy: float) -> None:
        """The film gate (half-extents ``gx``, ``gy`` in normalised device coordinates), and action (90%)
        and title (80%) safe areas inside it, drawn over the image."""
        import moderngl

        self.ctx.disable(moderngl.DEPTH_TEST)
        for scale, colour in ((1.0, GATE_COLOUR), (0.9, SAFE_COLOUR), (0.8, SAFE_COLOUR)):
            x, y = gx * scale, gy * scale
            c = [(-x, -y, 0), (x, -y, 0), (x, y, 0), (-x, y, 0)]
            self._lines(np.array([(c[i], c[(i + 1) % 4]) for i in range(4)], "f4"), colour, np.identity(4))
        self.ctx.enable(moderngl.DEPTH_TEST)

    def _gizmos(self, scene: Scene, frame: float, vp: np.ndarray, look_through: str | None = None,
                hidden: set[str] = frozenset()) -> None:
        segs = []
        for cam in scene.cameras:
            if cam.name != look_through and cam.path not in hidden:
                segs.extend(camera_gizmo(cam, frame))
        self._lines(np.array(segs, dtype="f4").reshape(-1, 2, 3),
                    CAMERA_COLOUR if scene.camera_access == "edit" else READ_ONLY, vp)
        segs = []
        for light in scene.lights:
            if light.path not in hidden:
                segs.extend(light_gizmo(light, frame))
        self._lines(np.array(segs, dtype="f4").reshape(-1, 2, 3),
                    LIGHT_COLOUR if scene.light_access == "edit" else READ_ONLY, vp)


SELECTED_COLOUR = (1.0, 0.85, 0.3)


def _colour(scene: Scene, item) -> tuple:
    """An item's colour in the scene's shading mode (see :mod:`sdf.viewer.looks`)."""
    if scene.shading == "department":
        return item.colour
    from .looks import NO_MATERIAL

    return item.material_colour or NO_MATERIAL


