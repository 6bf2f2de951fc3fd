"""The viewer's GL programs: the GLSL sources, one compiled variant per shading and AOV mode, and
the small helpers every draw uses to feed them (uniforms a variant may have dropped, matrices in
GLSL's order, framebuffers released with their attachments).

Apart from :mod:`sdf.viewer.render` (what is drawn and in which order) because the shaders change
for reasons of their own (a new AOV, texturing) and are long enough to hide the drawing code.
"""
from __future__ import annotations

import numpy as np

MESH_VS = """
#version 330
uniform mat4 mvp; uniform mat4 model;
in vec3 in_pos; in vec3 in_nrm; in vec2 in_uv;
out vec3 v_pos; out vec3 v_nrm; out vec2 v_uv;
void main() {
    v_uv = in_uv;
    v_pos = (model * vec4(in_pos, 1.0)).xyz;
    v_nrm = mat3(model) * in_nrm;
    gl_Position = mvp * vec4(in_pos, 1.0);
}
"""
# Meshes as the cache holds them (positions and normals as stored, shared between frames): the
# seam split happens here, one index per draw vertex fetched from textures holding the stored
# rows, so a frame uploads only the stored arrays and the CPU never gathers.
FETCH_VS = """
#version 330
uniform mat4 mvp; uniform mat4 model;
uniform sampler2D pos_tex; uniform sampler2D nrm_tex; uniform int width;
uniform bool use_pv; uniform bool use_nv;
in int in_pv; in int in_nv; in vec2 in_uv;
out vec3 v_pos; out vec3 v_nrm; out vec2 v_uv;
vec3 fetch(sampler2D t, int i) { return texelFetch(t, ivec2(i % width, i / width), 0).xyz; }
void main() {
    v_uv = in_uv;  // per draw vertex (UVs split at seams like normals); read only by a textured variant
    int pv = use_pv ? in_pv : gl_VertexID;
    vec3 p = fetch(pos_tex, pv);
    v_pos = (model * vec4(p, 1.0)).xyz;
    v_nrm = mat3(model) * fetch(nrm_tex, use_nv ? in_nv : gl_VertexID);
    gl_Position = mvp * vec4(p, 1.0);
}
"""
#: The texture unit of the base colour texture (0 and 1 hold the stored positions and normals).
BASE_TEX_UNIT = 2
#: Rows per texture line for stored arrays (a 4096-wide float texture holds 64 M points in 16384 lines).
TEX_WIDTH = 4096
MESH_FS = """
#version 330
#define LIT {lit}
#define AOV {aov}
#define TEX {tex}
uniform vec3 colour; uniform vec3 light_dir; uniform bool has_normals; uniform bool flat_colour; uniform bool matte;
#if LIT
uniform int n_lights; uniform vec3 light_vec[8]; uniform vec3 light_col[8];
uniform float light_far[8]; uniform vec3 ambient; uniform vec3 eye;
#endif
#if AOV == 2
uniform mat4 view_m;
#endif
#if AOV == 3
uniform float item_id;
#endif
in vec3 v_pos; in vec3 v_nrm; out vec4 f_colour;
#if TEX
uniform sampler2D base_tex; in vec2 v_uv;  // the base colour texture, already scene-linear
#endif
void main() {
    // One variant per shading and AOV mode (see Renderer._variant): llvmpipe pays for every
    // branch a fragment shader carries, taken or not.
#if AOV == 2
    f_colour = vec4(vec3(-(view_m * vec4(v_pos, 1.0)).z), 1.0);  // camera depth
#elif AOV == 3
    f_colour = vec4(item_id, 0.0, 0.0, 1.0);                       // the element's id
#else
#if AOV == 0
    if (matte) { f_colour = vec4(0.0); return; }  // a holdout: it hides what is behind it
#endif
#if TEX
    vec3 base = colour * texture(base_tex, v_uv).rgb;
#else
    vec3 base = colour;
#endif
    if (flat_colour) { f_colour = AOV == 1 ? vec4(0.0) : vec4(base, 1.0); return; }
    vec3 n = has_normals ? normalize(v_nrm) : normalize(cross(dFdx(v_pos), dFdy(v_pos)));
#if AOV == 1
    f_colour = vec4(n, 1.0);                                        // world normals
#elif LIT
    // The shot's lights: each from its place (or direction, for distant lights), no fall-off, on
    // the side facing the eye; the dome as ambient; exposure-like roll-off instead of clipping.
    if (dot(n, eye - v_pos) < 0.0) n = -n;
    vec3 light = ambient;
    for (int i = 0; i < n_lights; ++i) {
        vec3 l = light_far[i] > 0.5 ? light_vec[i] : light_vec[i] - v_pos;
        light += light_col[i] * max(dot(n, normalize(l)), 0.0);
    }
    f_colour = vec4(1.0 - exp(-base * light), 1.0);
#else
    float d = abs(dot(n, normalize(light_dir)));
    f_colour = vec4(base * (0.3 + 0.7 * d), 1.0);
#endif
#endif
}
"""
POINT_VS = """
#version 330
uniform mat4 mvp; uniform float size;
in vec3 in_pos;
void main() { gl_Position = mvp * vec4(in_pos, 1.0); gl_PointSize = size; }
"""
POINT_FS = """
#version 330
uniform vec3 colour; out vec4 f_colour;
void main() { f_colour = vec4(colour, 1.0); }
"""


def gl_matrix(m: np.ndarray) -> bytes:
    """A column-vector matrix as GLSL expects its 16 floats (column-major)."""
    return np.ascontiguousarray(m.T, dtype="f4").tobytes()


def set_uniform(prog, name: str, value) -> None:
    """Set a uniform if this program variant has it (the compiler drops the ones a variant never reads)."""
    member = prog.get(name, None)
    if member is not None:
        member.value = value


def present_attributes(prog, attributes: list) -> list:
    """The vertex attributes this program variant reads (the compiler drops the others)."""
    return [a for a in attributes if prog.get(a[-1], None) is not None]


def write_uniform(prog, name: str, data: bytes) -> None:
    member = prog.get(name, None)
    if member is not None:
        member.write(data)


def release_framebuffer(fbo) -> None:
    """A framebuffer and its attachments (moderngl releases only the framebuffer itself; attachments
    left to the garbage collector after the GL context is gone abort the interpreter at exit)."""
    attachments = list(fbo.color_attachments) + ([fbo.depth_attachment] if fbo.depth_attachment else [])
    fbo.release()
    for a in attachments:
        a.release()


def compile_variant(ctx, lit: bool, aov: int, textured: bool = False):
    """The (plain, texel-fetch) mesh programs for one shading and AOV mode, with or without a base colour
    texture (the caller keeps them)."""
    fs = MESH_FS.replace("{lit}", str(int(bool(lit)))).replace("{aov}", str(int(aov))).replace("{tex}",
                                                                                            str(int(bool(textured))))
    mesh = ctx.program(vertex_shader=MESH_VS, fragment_shader=fs)
    fetch = ctx.program(vertex_shader=FETCH_VS, fragment_shader=fs)
    set_uniform(fetch, "pos_tex", 0)
    set_uniform(fetch, "nrm_tex", 1)
    set_uniform(fetch, "width", TEX_WIDTH)
    set_uniform(fetch, "base_tex", BASE_TEX_UNIT)
    return mesh, fetch
