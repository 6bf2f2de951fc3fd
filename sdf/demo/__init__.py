"""``sdf demo``: a complete, realistic sample shot generated locally, with no download.

The project it writes looks like a small studio's::

    OUT/sdf-project.json              project marker (root for reference checks)
    OUT/assets/model/*.abc            rest-pose geometry (model department)
    OUT/assets/anim/*.abc             animation caches (animation department)
    OUT/assets/textures/sky.exr       dome light environment (OpenEXR)
    OUT/assets/textures/flag.png      the cloth's base colour (an sRGB texture, 8-bit PNG)
    OUT/assets/materials/shading.mtlx material library (texture & shader)
    OUT/assets/fx/wind.json           an effect setup (effects)
    OUT/assets/rig/hero_rig.ma        rig file: referenced, never read
    OUT/cache/cloth_sim.json          intermediate data
    OUT/shots/sh010/sh010.sdf         the shot, with one file per department's part
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Callable

import numpy as np

from sdf.runtime import jsonio
from sdf.document.cameras import Camera, CameraSet
from sdf.document.elements import as_matrix
from sdf.document.lights import Light, LightGroup, LightTree
from sdf.document.model_tree import ModelNode, ModelTree, Overlay
from sdf.document.references import Intermediate, Layout, Proxy, Rig, RigList
from sdf.document.render_layers import AOV, Output, Override, RenderLayer, RenderLayerSet
from sdf.document.opening import create_shot
from sdf.demo import assets


@dataclass(frozen=True)
class Size:
    frames: int
    cloth: tuple[int, int]
    hero: tuple[int, int]
    crystal: int
    props: tuple[int, int]
    rock: int
    grass: tuple[int, int]
    particles: int


SIZES = {
    # small: a few MB, a couple of seconds; for tests and the README demo.
    "small": Size(48, (40, 40), (48, 32), 24, (16, 10), 6, (150, 5), 1000),
    # medium: about one million vertices per frame over 120 frames at 24 fps.
    "medium": Size(120, (600, 600), (720, 560), 200, (48, 32), 64, (12000, 6), 100_000),
    # large: about 3.5 million vertices per frame.
    "large": Size(120, (1200, 1200), (1400, 1000), 400, (64, 48), 128, (40000, 6), 300_000),
}
START = 1001
FPS = 24.0


def _look_at(eye, target, up=(0.0, 1.0, 0.0)) -> tuple[float, ...]:
    """Camera-to-world matrix (row vectors) for a camera at ``eye`` looking down its -Z at ``target``."""
    eye, target, up = map(lambda v: np.asarray(v, np.float64), (eye, target, up))
    z = eye - target
    z /= np.linalg.norm(z)
    x = np.cross(up, z)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    m = np.identity(4)
    m[0, :3], m[1, :3], m[2, :3], m[3, :3] = x, y, z, eye
    return as_matrix(m)


def _translate(x, y, z):
    m = np.identity(4)
    m[3, :3] = (x, y, z)
    return as_matrix(m)


def _aim(direction_from, pos):
    return _look_at(pos, (0.0, 0.5, 0.0)) if direction_from is None else _look_at(pos, direction_from)


def write_sky_exr(path: str, width: int = 128, height: int = 64) -> None:
    """A lat-long sky: blue gradient, warm horizon and a bright sun, as half-float RGB OpenEXR."""
    import OpenEXR

    v = np.linspace(0, 1, height)[:, None]
    u = np.linspace(0, 1, width)[None, :]
    sky = np.stack([0.3 + 0.5 * v + 0 * u, 0.5 + 0.35 * v + 0 * u, 0.9 - 0.1 * v + 0 * u], axis=-1)
    sun = np.exp(-(((u - 0.3) * 8) ** 2 + ((v - 0.35) * 8) ** 2))[..., None] * np.array([40.0, 36.0, 30.0])
    rgb = (sky + sun).astype(np.float16)
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage, "envmap": OpenEXR.ENVMAP_LATLONG}
    tmp = path + ".tmp"
    with OpenEXR.File(header, {"RGB": rgb}) as f:
        f.write(tmp)
    os.replace(tmp, path)


MATERIALX = """<?xml version="1.0"?>
<materialx version="1.38">
  <standard_surface name="skin_srf" type="surfaceshader">
    <input name="base_color" type="color3" value="0.8, 0.5, 0.4" />
    <input name="subsurface" type="float" value="0.3" />
  </standard_surface>
  <surfacematerial name="skin" type="material">
    <input name="surfaceshader" type="surfaceshader" nodename="skin_srf" />
  </surfacematerial>
  <image name="flag_tex" type="color3">
    <input name="file" type="filename" value="../textures/flag.png" colorspace="srgb_texture" />
  </image>
  <standard_surface name="cloth_srf" type="surfaceshader">
    <input name="base_color" type="color3" nodename="flag_tex" />
    <input name="sheen" type="float" value="0.5" />
  </standard_surface>
  <surfacematerial name="cloth" type="material">
    <input name="surfaceshader" type="surfaceshader" nodename="cloth_srf" />
  </surfacematerial>
  <standard_surface name="stone_srf" type="surfaceshader">
    <input name="base_color" type="color3" value="0.45, 0.43, 0.4" />
    <input name="specular_roughness" type="float" value="0.8" />
  </standard_surface>
  <surfacematerial name="stone" type="material">
    <input name="surfaceshader" type="surfaceshader" nodename="stone_srf" />
  </surfacematerial>
  <standard_surface name="grass_srf" type="surfaceshader">
    <input name="base_color" type="color3" value="0.2, 0.6, 0.15" />
  </standard_surface>
  <surfacematerial name="grass" type="material">
    <input name="surfaceshader" type="surfaceshader" nodename="grass_srf" />
  </surfacematerial>
  <standard_surface name="prop_srf" type="surfaceshader">
    <input name="base_color" type="color3" value="0.6, 0.45, 0.2" />
  </standard_surface>
  <surfacematerial name="prop" type="material">
    <input name="surfaceshader" type="surfaceshader" nodename="prop_srf" />
  </surfacematerial>
  <standard_surface name="spark_srf" type="surfaceshader">
    <input name="emission" type="float" value="1.0" />
    <input name="emission_color" type="color3" value="1.0, 0.6, 0.2" />
  </standard_surface>
  <surfacematerial name="spark" type="material">
    <input name="surfaceshader" type="surfaceshader" nodename="spark_srf" />
  </surfacematerial>
</materialx>
"""

RIG_MA = """//Maya ASCII 2024 scene
//Name: hero_rig.ma
//Codeset: UTF-8
requires maya "2024";
currentUnit -l centimeter -a degree -t film;
createNode transform -n "hero_rig";
createNode joint -n "root" -p "hero_rig";
createNode joint -n "spine" -p "root";
// Demo placeholder: rig data is referenced by the SDF, never read by it.
"""


def _write_text(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    jsonio.atomic_write_bytes(path, text.encode("utf-8"))


def generate(out: str, size: str = "small", progress: Callable[[str, int, int], None] | None = None) -> str:
    """Write the demo project under ``out``; return the path of the shot's SDF."""
    if size not in SIZES:
        raise ValueError(f"size is one of {', '.join(SIZES)}")
    cfg = SIZES[size]
    out = os.path.abspath(out)
    frames = list(range(START, START + cfg.frames))
    rest = frames[:1]
    a = os.path.join(out, "assets")
    jobs = [
        ("cloth", assets.write_cloth, (cfg.cloth,)),
        ("hero", assets.write_hero, (cfg.hero,)),
        ("crystal", assets.write_crystal, (cfg.crystal,)),
        ("props", assets.write_props, (cfg.props,)),
        ("rock", assets.write_rock, (cfg.rock,)),
        ("grass", assets.write_grass, cfg.grass),
        ("sparks", assets.write_particles, (cfg.particles,)),
    ]
    total = len(jobs) * 2 + 2
    step = 0

    def tick(what: str) -> None:
        nonlocal step
        step += 1
        if progress:
            progress(what, step, total)

    for name, fn, args in jobs:
        fn(os.path.join(a, "model", f"{name}.abc"), rest, FPS, *args)
        tick(f"model/{name}.abc")
        if name != "rock":  # the rock never moves: no animation cache
            fn(os.path.join(a, "anim", f"{name}_anim.abc"), frames, FPS, *args)
        tick(f"anim/{name}_anim.abc")
    os.makedirs(os.path.join(a, "textures"), exist_ok=True)
    write_sky_exr(os.path.join(a, "textures", "sky.exr"))
    assets.write_flag_texture(os.path.join(a, "textures", "flag.png"))
    _write_text(os.path.join(a, "materials", "shading.mtlx"), MATERIALX)
    _write_text(os.path.join(a, "fx", "wind.json"),
                jsonio.dumps({"effect": "wind", "direction": [1.0, 0.0, 0.2], "speed": 4.0, "gust": 0.3}))
    _write_text(os.path.join(a, "rig", "hero_rig.ma"), RIG_MA)
    _write_text(os.path.join(out, "cache", "cloth_sim.json"),
                jsonio.dumps({"solver": "demo-cloth", "substeps": 4, "frames": [frames[0], frames[-1]]}))
    _write_text(os.path.join(out, "sdf-project.json"), jsonio.dumps({"project": "demo", "fps": FPS}))
    tick("textures, materials, rig")

    shot_path = os.path.join(out, "shots", "sh010", "sh010.sdf")
    _build_shot(shot_path, frames)
    tick("shots/sh010/sh010.sdf")
    return shot_path


def _leaf(name, abc, obj, **kw):
    return ModelNode(name, source={"file": f"model/{abc}.abc", "object": obj}, **kw)


def _build_shot(shot_path: str, frames: list[int]) -> None:
    tree = ModelTree([
        ModelNode("chars", children=[
            ModelNode("hero", transform=_translate(0.0, 0.0, 0.0), children=[
                _leaf("body", "hero", "/hero/body")])]),
        ModelNode("env", children=[
            _leaf("rock", "rock", "/rock/rockShape"),
            _leaf("grass", "grass", "/grass/grassShape"),
            _leaf("crystal", "crystal", "/crystal/crystalShape", transform=_translate(2.2, 0.0, -1.0))]),
        ModelNode("props", children=[
            _leaf("ball", "props", "/ball/ballShape"),
            _leaf("crate", "props", "/crate/crateShape")]),
        ModelNode("fx", children=[
            _leaf("flag", "cloth", "/cloth/clothShape", transform=_translate(-2.5, 0.0, -2.0)),
            _leaf("sparks", "sparks", "/sparks/sparksShape")]),
    ])
    anim = {"/chars/hero/body": ("hero", "/hero/body"), "/env/grass": ("grass", "/grass/grassShape"),
            "/env/crystal": ("crystal", "/crystal/crystalShape"), "/props/ball": ("props", "/ball/ballShape"),
            "/props/crate": ("props", "/crate/crateShape"), "/fx/flag": ("cloth", "/cloth/clothShape"),
            "/fx/sparks": ("sparks", "/sparks/sparksShape")}
    animation = Overlay("animation", {p: {"animation": {"file": f"anim/{f}_anim.abc", "object": o}}
                                      for p, (f, o) in anim.items()})
    lib = "materials/shading.mtlx"
    materials = Overlay("materials", {
        "/chars/hero/body": {"material": f"{lib}#skin"}, "/env/rock": {"material": f"{lib}#stone"},
        "/env/grass": {"material": f"{lib}#grass"}, "/env/crystal": {"material": f"{lib}#stone"},
        "/props/ball": {"material": f"{lib}#prop"}, "/props/crate": {"material": f"{lib}#prop"},
        "/fx/flag": {"material": f"{lib}#cloth"}, "/fx/sparks": {"material": f"{lib}#spark"}})
    fx = Overlay("fx", {"/fx/flag": {"effects": ["fx/wind.json"]}})
    placement = Overlay("placement", {"/chars/hero": {"transform": list(_translate(0.0, 0.0, 0.5))},
                                      "/props/crate": {"transform": list(_translate(0.0, 0.0, -0.2))}})

    n = len(frames)
    shot_cam = Camera("shotCam", focal_length=35.0, horizontal_aperture=36.0, vertical_aperture=20.25,
                      near_clip=0.1, far_clip=1000.0, f_stop=4.0, focus_distance=6.0, transform_start=frames[0],
                      transforms=[_look_at((6.5 * math.sin(0.6 * i / n - 0.3), 2.2 + 0.3 * i / n,
                                            6.5 * math.cos(0.6 * i / n - 0.3)), (0.0, 0.8, -0.5))
                                  for i in range(n)])
    witness = Camera("witnessCam", focal_length=50.0, horizontal_aperture=36.0, vertical_aperture=24.0,
                     near_clip=1.0, far_clip=500.0, f_stop=8.0, focus_distance=9.0, transform_start=frames[0],
                     transforms=[_look_at((-7.0, 4.0, 5.0), (0.0, 0.5, 0.0))])
    cameras = CameraSet([shot_cam, witness], shot_camera="shotCam")

    f0, f1 = frames[0], frames[-1]
    lights = LightTree([
        LightGroup("key_group", children=[
            Light("key", "distant", color=(1.0, 0.95, 0.85), intensity=3.0, angle=0.53,
                  transform=_look_at((4.0, 6.0, 3.0), (0.0, 0.0, 0.0)))]),
        LightGroup("fill_group", children=[
            Light("fill", "rect", color=(0.7, 0.8, 1.0), intensity=0.8, width=2.0, height=1.5,
                  transform=_look_at((-5.0, 2.0, 3.0), (0.0, 0.8, 0.0)))]),
        LightGroup("rim_group", children=[
            Light("rim", "spot", color=(1.0, 1.0, 1.0), intensity=5.0, cone_angle=30.0, cone_softness=0.2,
                  radius=0.1, transform=_look_at((0.0, 3.0, -5.0), (0.0, 1.0, 0.0)))]),
        Light("dome", "dome", color=(1.0, 1.0, 1.0), intensity=0.6, texture="textures/sky.exr"),
        LightGroup("practicals", transform=_translate(0.0, 0.0, 0.0), children=[
            Light("lamp", "sphere", color=(1.0, 0.7, 0.4), intensity=2.0, radius=0.15,
                  transform=_translate(1.0, 1.8, -0.5),
                  animation={"intensity": [[f0, 2.0], [(f0 + f1) // 2, 6.0], [f1, 1.0]],
                             "color": [[f0, 1.0, 0.7, 0.4], [f1, 1.0, 0.5, 0.2]]})]),
    ])
    aovs = (AOV("beauty", "color4f", "Ci"), AOV("diffuse", "color3f", "C<RD>[<L.>O]", "lpe"),
            AOV("specular", "color3f", "C<RS>[<L.>O]", "lpe"), AOV("N", "normal3f", "N", "primvar"),
            AOV("depth", "float", "z"))
    layers = RenderLayerSet([
        RenderLayer("characters", camera="shotCam", members=("/chars/**", "/props/**", "/env/**"),
                    overrides=(Override("/env/**", matte=True),), aovs=aovs,
                    output=Output("renders/characters/characters.####.exr", "zip", "half", (1920, 1080))),
        RenderLayer("environment", camera="shotCam", members=("/env/**", "/fx/**"),
                    overrides=(Override("/fx/sparks", visible=False),), aovs=aovs[:4],
                    output=Output("renders/environment/environment.####.exr", "piz", "half", (1920, 1080))),
        RenderLayer("shadows", camera="shotCam", members=("/**",), lights=("/lights/key_group/**",),
                    overrides=(Override("/chars/**", primary_visibility=False, casts_shadows=True),
                               Override("/env/**", matte=True, receives_shadows=True)),
                    aovs=(AOV("shadow", "float", "shadow", "raw"),),
                    output=Output("renders/shadows/shadows.####.exr", "zip", "half", (1920, 1080))),
    ])
    rigs = RigList([Rig("hero_rig", "rig/hero_rig.ma", "maya_ascii", "/chars/hero")])
    layout = Layout([Proxy("hero_proxy", (-0.8, 0.0, -0.8, 0.8, 2.2, 0.8), None, "/chars/hero"),
                     Proxy("rock_proxy", (-0.7, 0.0, -2.2, 0.7, 1.0, -0.8), None, "/env/rock")],
                    shot_camera="shotCam")
    create_shot(
        shot_path, "sh010", frame_range=(frames[0], frames[-1]), fps=FPS, up_axis="Y", meters_per_unit=0.01,
        search_path=["../../assets"],
        intermediate=[Intermediate("cloth_sim", "../../cache/cloth_sim.json", "simulation", "fx")],
        metadata={"project": "demo", "sequence": "sq01"},
        parts={
            "layout": (layout, "layout/layout.json"),
            "model_tree": (tree, "model/model_tree.json"),
            "rig": (rigs, "rig/rigs.json"),
            "cameras": (cameras, "tracking/cameras.json"),
            "placement": (placement, "final_layout/placement.json"),
            "animation": (animation, "animation/animation.json"),
            "materials": (materials, "texture_shader/materials.json"),
            "fx": (fx, "fx/fx.json"),
            "lights": (lights, "lighting/lights.json"),
            "render_layers": (layers, "lighting/render_layers.json"),
        })
