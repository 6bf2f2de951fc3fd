"""A tiny shot made for render checks: a ground plane, two spheres, a sun, a camera looking down.

Y up, one unit a metre, frames 1-3. The ground is ``/env/ground`` (x, z in -5..5 at y = 0), the
spheres ``/chars/hero`` (centre (1.3, 1, 0)) and ``/props/ball`` (centre (-1.3, 1, 0)), radius 1.
The sun shines straight down (a little from +x, so shadows fall beside the spheres); the camera
sits at (0, 6, 7) looking at the origin, a 36 x 20.25 mm film back behind a 35 mm lens.
"""
from __future__ import annotations

import os

import numpy as np

from sdf.document.cameras import Camera, CameraSet
from sdf.demo import geometry
from sdf.document.elements import as_matrix
from sdf.document.lights import Light, LightGroup, LightTree
from sdf.document.model_tree import ModelNode, ModelTree, Overlay
from sdf.document.render_layers import AOV, Output, Override, RenderLayer, RenderLayerSet
from sdf.document.opening import create_shot

EYE = (0.0, 6.0, 7.0)
TARGET = (0.0, 0.0, 0.0)
#: A pinhole (f-stop 0: no depth of field), so pixels and depths can be checked against straight rays.
CAMERA = dict(focal_length=35.0, horizontal_aperture=36.0, vertical_aperture=20.25, near_clip=0.1, far_clip=100.0,
              f_stop=0.0)
MATERIALS = """<?xml version="1.0"?>
<materialx version="1.38">
  <standard_surface name="white_srf" type="surfaceshader">
    <input name="base_color" type="color3" value="0.8, 0.8, 0.8" />
    <input name="specular_roughness" type="float" value="0.6" />
  </standard_surface>
  <surfacematerial name="white" type="material">
    <input name="surfaceshader" type="surfaceshader" nodename="white_srf" />
  </surfacematerial>
  <standard_surface name="red_srf" type="surfaceshader">
    <input name="base_color" type="color3" value="0.8, 0.1, 0.1" />
    <input name="metalness" type="float" value="0.2" />
  </standard_surface>
  <surfacematerial name="red" type="material">
    <input name="surfaceshader" type="surfaceshader" nodename="red_srf" />
  </surfacematerial>
</materialx>
"""

ALL_AOVS = (AOV("beauty", "color4f", "Ci"), AOV("depth", "float", "z"), AOV("N", "normal3f", "N"),
            AOV("P", "point3f", "P"), AOV("id", "int", "id"), AOV("crypto", "color4f", "cryptomatte"),
            AOV("diffuse", "color3f", "C<RD>[<L.>O]", "lpe"), AOV("specular", "color3f", "C<RS>[<L.>O]", "lpe"),
            AOV("indirect_diffuse", "color3f", "C<RD>.+[<L.>O]", "lpe"), AOV("emission", "color3f", "CO", "lpe"),
            AOV("sun", "color3f", "lightgroup:sun_group"), AOV("uv", "color3f", "uv", "primvar"),
            AOV("caustics", "color3f", "C<TS>+<RD>L", "lpe"))


def _look_at(eye, target, up=(0.0, 1.0, 0.0)):
    """Camera-to-world matrix (row vectors) for a camera at ``eye`` looking down its -Z at ``target``."""
    eye, target, up = (np.asarray(v, np.float64) for v in (eye, target, up))
    z = (eye - target) / np.linalg.norm(eye - target)
    x = np.cross(up, z)
    x /= np.linalg.norm(x)
    m = np.identity(4)
    m[0, :3], m[1, :3], m[2, :3], m[3, :3] = x, np.cross(z, x), z, eye
    return as_matrix(m)


def _translate(x, y, z):
    m = np.identity(4)
    m[3, :3] = (x, y, z)
    return as_matrix(m)


def _mesh(path, pos, counts, idx, uv_vals=None, uv_idx=None):
    """One static polygon mesh (counter-clockwise polygons, written in Alembic's clockwise order)."""
    from alembic3d import AbcGeom

    from sdf.alembic.write import frame_sampling, int_array, put, uint_array, v2f, v3f, write_archive

    name = os.path.splitext(os.path.basename(path))[0]
    order = geometry.alembic_winding(counts)
    sample = AbcGeom.OPolyMeshSchemaSample(v3f(pos), int_array(np.asarray(idx)[order]), int_array(counts))
    if uv_vals is not None:
        sample.setUVs(AbcGeom.OV2fGeomParamSample(v2f(uv_vals), uint_array(np.asarray(uv_idx)[order]),
                                                  AbcGeom.GeometryScope.kFacevaryingScope))

    def body(archive):
        ts = frame_sampling(archive, 24.0, 1)
        xf = AbcGeom.OXform(archive.getTop(), name, ts)
        mesh = AbcGeom.OPolyMesh(xf, f"{name}Shape", ts)
        put(mesh.getSchema(), sample)

    write_archive(path, body, description=f"render test {name}")


def sky_texture(path: str) -> None:
    """A 32 x 16 equirectangular sky for a dome light: blue above the horizon, brown below, brighter to +x."""
    import OpenEXR

    h, w = 16, 32
    up = np.linspace(1.0, -1.0, h)[:, None] * np.ones((1, w))
    east = 1.0 + 0.5 * np.cos(np.linspace(-np.pi, np.pi, w))[None, :]
    rgb = np.where(up[..., None] > 0, [0.3, 0.5, 1.0], [0.4, 0.25, 0.1]) * east[..., None]
    channels = {c: np.ascontiguousarray(rgb[..., i], dtype=np.float32) for i, c in enumerate("RGB")}
    with OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}, channels) as f:
        f.write(path)


def make(out: str, layers=None, camera: dict | None = None, eye=EYE, target=TARGET, dome: bool = False) -> str:
    """Write the shot under ``out``; returns the shot file. ``layers``: render layers (default: the ones below);
    ``camera``: camera fields over :data:`CAMERA` (an f-stop, a focus distance), ``eye``/``target`` where it is;
    ``dome``: a dome light ``/lights/sky`` with a texture (:func:`sky_texture`) besides the sun and the fill."""
    assets = os.path.join(out, "assets")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "sdf-project.json"), "w") as fh:
        fh.write('{"project": "render-test"}')
    os.makedirs(os.path.join(assets, "materials"), exist_ok=True)
    with open(os.path.join(assets, "materials", "look.mtlx"), "w") as fh:
        fh.write(MATERIALS)
    pos, counts, idx, _, _ = geometry.grid(4, 4, size=10.0)
    _mesh(os.path.join(assets, "ground.abc"), pos, counts, idx)
    spos, scounts, sidx, suv, suv_idx, _ = geometry.sphere(48, 24, radius=1.0)
    _mesh(os.path.join(assets, "sphere.abc"), spos, scounts, sidx, suv, suv_idx)  # UVs: the "uv" primvar AOV
    tree = ModelTree([
        ModelNode("env", children=[ModelNode("ground", source={"file": "ground.abc",
                                                                 "object": "/ground/groundShape"})]),
        ModelNode("chars", children=[ModelNode("hero", transform=_translate(1.3, 1.0, 0.0),
                                               source={"file": "sphere.abc", "object": "/sphere/sphereShape"})]),
        ModelNode("props", children=[ModelNode("ball", transform=_translate(-1.3, 1.0, 0.0),
                                               source={"file": "sphere.abc", "object": "/sphere/sphereShape"})]),
    ])
    lib = "materials/look.mtlx"
    materials = Overlay("materials", {"/env/ground": {"material": f"{lib}#white"},
                                      "/chars/hero": {"material": f"{lib}#red"},
                                      "/props/ball": {"material": f"{lib}#white"}})
    cam = Camera("shotCam", transform_start=1, transforms=[_look_at(eye, target)], **{**CAMERA, **(camera or {})})
    sun_dir = np.array([-0.35, -1.0, 0.0]) / np.linalg.norm([-0.35, -1.0, 0.0])
    sun = Light("sun", "distant", intensity=4.0e4, angle=0.53,
                transform=_look_at(tuple(-sun_dir * 10), (0.0, 0.0, 0.0), up=(0.0, 0.0, 1.0)))
    lights = [LightGroup("sun_group", children=[sun]),
              Light("fill", "sphere", intensity=2.0, radius=0.5, transform=_translate(0.0, 4.0, 4.0))]
    if dome:
        sky_texture(os.path.join(assets, "sky.exr"))
        lights.append(Light("sky", "dome", intensity=0.5, texture="sky.exr"))
    lights = LightTree(lights)
    layers = layers or default_layers()
    shot = os.path.join(out, "shots", "rt", "rt.sdf")
    create_shot(shot, "rt", frame_range=(1, 3), fps=24.0, up_axis="Y", meters_per_unit=1.0, search_path=["../../assets"],
                parts={"model_tree": (tree, "model/model_tree.json"),
                       "materials": (materials, "texture_shader/materials.json"),
                       "cameras": (CameraSet([cam], shot_camera="shotCam"), "tracking/cameras.json"),
                       "lights": (lights, "lighting/lights.json"),
                       "render_layers": (RenderLayerSet(layers), "lighting/render_layers.json")})
    return shot


def default_layers():
    out = Output("renders/${LAYER}/${LAYER}.####.exr", "zip", "half", (64, 36))
    beauty_id = (AOV("beauty", "color4f", "Ci"), AOV("id", "int", "id"))
    return [
        RenderLayer("all", camera="shotCam", aovs=ALL_AOVS, output=out),
        RenderLayer("matte", camera="shotCam", overrides=(Override("/props/ball", matte=True),), aovs=beauty_id,
                    output=out),
        RenderLayer("unseen", camera="shotCam", overrides=(Override("/chars/hero", primary_visibility=False),),
                    aovs=beauty_id, output=out),
        RenderLayer("nohero", camera="shotCam", overrides=(Override("/chars/hero", visible=False),), aovs=beauty_id,
                    output=out),
        RenderLayer("shadows", camera="shotCam", lights=("/lights/sun_group/**",),
                    overrides=(Override("/chars/**", primary_visibility=False),
                               Override("/env/ground", matte=True, receives_shadows=True),
                               Override("/props/ball", receives_shadows=False)),
                    aovs=(AOV("beauty", "color4f", "Ci"), AOV("shadow", "float", "shadow")), output=out),
    ]


def camera_ray(px: float, py: float, size=(64, 36)):
    """(origin, unit direction) of the camera ray through image point (px, py) (pixels, top-left origin)."""
    m = np.array(_look_at(EYE, TARGET)).reshape(4, 4)
    w, h = size
    half_w = CAMERA["horizontal_aperture"] / 2.0 / CAMERA["focal_length"]
    x = (px / w * 2.0 - 1.0) * half_w
    y = (1.0 - py / h * 2.0) * half_w * h / w
    d = np.array([x, y, -1.0]) @ m[:3, :3]
    return np.array(EYE), d / np.linalg.norm(d), m


def project(points: np.ndarray, size=(64, 36)) -> np.ndarray:
    """Shot-space points (n, 3) to image points (n, 2) through the shot camera (pixels, top-left origin)."""
    m = np.array(_look_at(EYE, TARGET)).reshape(4, 4)
    local = (points - m[3, :3]) @ m[:3, :3].T  # rows of m are the camera axes
    w, h = size
    half_w = CAMERA["horizontal_aperture"] / 2.0 / CAMERA["focal_length"]
    x = local[:, 0] / -local[:, 2] / half_w
    y = local[:, 1] / -local[:, 2] / (half_w * h / w)
    return np.stack([(x + 1.0) / 2.0 * w, (1.0 - y) / 2.0 * h], axis=-1)

