"""``sdf render``: real Cycles (the bpy wheel's), tiny frames, few samples.

The shot is made here (``render_shot.py``: a ground, two spheres, a sun, a camera looking
down); every layer is rendered once per session at 64x36 and 4 samples, and the checks read
the files back.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, HERE)
import render_shot  # noqa: E402
from test_blender import blender_python  # noqa: E402

FRAME = 1


def _exr(path):
    import OpenEXR

    with OpenEXR.File(path, separate_channels=True) as f:
        return {p.name(): ({n: np.array(c.pixels) for n, c in p.channels.items()}, dict(p.header)) for p in f.parts}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """(shot file, report) after rendering every layer at frame 1."""
    from click.testing import CliRunner

    from sdf.cli import cli

    os.environ.setdefault("SDF_BLENDER_PYTHON", blender_python())
    out = str(tmp_path_factory.mktemp("render"))
    shot = render_shot.make(out)
    res = CliRunner().invoke(cli, ["render", shot, "--all-layers", "--frames", str(FRAME), "--samples", "4", "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    return shot, report, res.stderr


def _inside(mask, margin=2):
    """The mask shrunk by ``margin`` pixels: pixels whose whole pixel-filter footprint is inside."""
    out = mask.copy()
    for dy in range(-margin, margin + 1):
        for dx in range(-margin, margin + 1):
            out &= np.roll(np.roll(mask, dy, axis=0), dx, axis=1)
    return out


def _file(shot, layer, frame=FRAME):
    return os.path.join(os.path.dirname(shot), "renders", layer, f"{layer}.{frame:04d}.exr")


def test_every_aov_is_a_part_named_after_it(rendered):
    shot, report, stderr = rendered
    parts = _exr(_file(shot, "all"))
    expected = ["beauty", "depth", "N", "P", "id", "crypto00", "crypto01", "crypto02", "diffuse", "specular",
                "indirect_diffuse", "emission", "sun", "uv"]
    assert list(parts) == expected
    assert sorted(parts["beauty"][0]) == ["beauty.A", "beauty.B", "beauty.G", "beauty.R"]
    assert sorted(parts["depth"][0]) == ["depth.Z"] and sorted(parts["P"][0]) == ["P.X", "P.Y", "P.Z"]
    assert parts["beauty"][0]["beauty.R"].dtype == np.float16  # the layer's pixel type
    assert parts["depth"][0]["depth.Z"].dtype == np.float32 and parts["id"][0]["id.V"].dtype == np.uint32
    # An LPE Cycles has no pass for: a warning naming the AOV, and no part.
    assert "AOV 'caustics'" in stderr and "caustics" not in parts
    assert "receives_shadows: false (/props/ball) has no Cycles equivalent" in stderr
    assert stderr.count("receives_shadows") == 1
    # Light groups and LPE light add up to something, and the per-frame report says what it did.
    assert parts["sun"][0]["sun.R"].astype(float).mean() > 0.05
    assert parts["diffuse"][0]["diffuse.R"].astype(float).mean() > 0.05
    # A primvar through a shader AOV output: the spheres' UVs, varying across them, none on the ground.
    ids = parts["id"][0]["id.V"]
    u = parts["uv"][0]["uv.R"].astype(float)
    hero = _inside(ids == 2)
    assert u[hero].std() > 0.05 and 0.0 <= u[hero].min() and u[hero].max() <= 1.0
    assert float(np.abs(u[_inside(ids == 1)]).max()) == 0.0
    frames = {(f["layer"], f["frame"]) for f in report["frames"]}
    assert frames == {(l, FRAME) for l in ("all", "matte", "unseen", "nohero", "shadows")}
    t = report["timing"]  # the run's fixed costs apart from its frames
    assert 0 < t["ready"] and 0 < t["scene_build"] and t["total"] >= t["ready"] + t["scene_build"]
    row = report["frames"][0]
    assert row["samples"] == 4 and row["seconds"] > 0 and row["memory_mb"] > 50 and os.path.isfile(row["file"])


def test_headers_say_where_the_pixels_came_from(rendered):
    shot, report, _ = rendered
    parts = _exr(_file(shot, "all"))
    h = parts["beauty"][1]
    assert (h["sdf/shot"], h["sdf/layer"], h["sdf/frame"], h["camera"]) == ("rt", "all", FRAME, "shotCam")
    assert h["renderer"] == "Cycles" and h["rendererVersion"] == report["blender"] == "5.0.1"
    assert h["samples"] == 4 and h["seed"] == FRAME and h["colorSpace"] == "lin_rec709_scene"
    assert np.allclose(np.array(h["chromaticities"], float).reshape(-1),
                       [0.64, 0.33, 0.30, 0.60, 0.15, 0.06, 0.3127, 0.3290], atol=1e-6)
    assert parts["depth"][1]["colorSpace"] == "data"
    # What the frame was made from and by whom: every part the render department's view sees, and the artist.
    import sdf
    from sdf.dcc_plugins.render_plan import render_department
    from sdf.document.versions import part_versions
    from sdf.runtime.identity import artist

    seen = dict(part_versions(sdf.open(shot, department=render_department(shot))))
    assert json.loads(h["sdf/versions"]) == seen and "render_layers" in seen
    assert h["owner"] == artist()
    assert json.loads(parts["id"][1]["sdf/idManifest"]) == {"1": "/env/ground", "2": "/chars/hero", "3": "/props/ball"}
    crypto = parts["crypto00"][1]
    key = next(k for k in crypto if k.startswith("cryptomatte/") and k.endswith("/name")).split("/")[1]
    assert crypto[f"cryptomatte/{key}/name"] == "crypto" and crypto[f"cryptomatte/{key}/hash"] == "MurmurHash3_32"
    assert "hero" in crypto[f"cryptomatte/{key}/manifest"]


def test_matte_member_is_a_holdout(rendered):
    shot, _, _ = rendered
    ids = _exr(_file(shot, "all"))["id"][0]["id.V"]
    beauty = _exr(_file(shot, "matte"))["beauty"][0]
    ball = _inside(ids == 3)
    assert ball.sum() > 8
    assert float(beauty["beauty.A"][ball].astype(float).max()) == 0.0
    assert float(beauty["beauty.R"][ball].astype(float).max()) == 0.0  # no contribution either
    hero = _inside(ids == 2)
    assert float(beauty["beauty.A"][hero].astype(float).min()) > 0.99


def test_primary_invisible_member_is_unseen_but_casts_its_shadow(rendered):
    shot, _, _ = rendered
    all_ids = _exr(_file(shot, "all"))["id"][0]["id.V"]
    unseen = _exr(_file(shot, "unseen"))
    nohero = _exr(_file(shot, "nohero"))
    assert not (unseen["id"][0]["id.V"] == 2).any()  # the camera never sees the hero
    hero_red = unseen["beauty"][0]["beauty.R"].astype(float)[all_ids == 2]
    hero_green = unseen["beauty"][0]["beauty.G"].astype(float)[all_ids == 2]
    assert abs(hero_red.mean() - hero_green.mean()) < 0.1  # the white ground shows where the red hero was
    ground = unseen["id"][0]["id.V"] == 1

    def lum(parts):
        b = parts["beauty"][0]
        return (b["beauty.R"].astype(float) + b["beauty.G"].astype(float) + b["beauty.B"].astype(float))[ground]

    # The same ground, with and without the hero's shadow: much darker where it falls, nowhere brighter.
    shadowed = lum(unseen) < 0.5 * lum(nohero)
    assert shadowed.sum() >= 15, shadowed.sum()
    assert (lum(unseen) > 1.5 * lum(nohero) + 0.05).sum() <= 2


def test_depth_at_a_known_pixel(rendered):
    shot, _, _ = rendered
    depth = _exr(_file(shot, "all"))["depth"][0]["depth.Z"]
    ids = _exr(_file(shot, "all"))["id"][0]["id.V"]
    px, py = 32, 30  # on the ground, clear of the spheres
    assert ids[py, px] == 1
    origin, d, m = render_shot.camera_ray(px + 0.5, py + 0.5)
    t = -origin[1] / d[1]  # the ground is y = 0
    hit = origin + t * d
    expected = float(np.dot(hit - origin, -m[2, :3]))  # Cycles' depth: along the camera's view axis
    assert float(depth[py, px]) == pytest.approx(expected, rel=0.01)


def test_film_gate_matches_the_cameras_aperture(rendered):
    shot, _, _ = rendered
    parts = _exr(_file(shot, "all"))
    P = np.stack([parts["P"][0][f"P.{c}"] for c in "XYZ"], axis=-1).astype(float)
    ids = parts["id"][0]["id.V"]
    ys, xs = np.nonzero(ids == 1)
    inner = (xs > 1) & (xs < 62) & (ys > 1) & (ys < 34)
    ys, xs = ys[inner], xs[inner]
    assert len(xs) > 200
    pixels = render_shot.project(P[ys, xs])
    err = np.abs(pixels - np.stack([xs + 0.5, ys + 0.5], axis=-1))
    assert float(np.median(err)) < 0.1 and float(err.max()) < 0.75  # a lens or film back off by 1% is 0.3 px


def test_exr_tools_read_every_file(rendered, run, tmp_path):
    shot, report, _ = rendered
    for row in report["frames"]:
        res = run("exr", "info", row["file"], "--json")
        assert res.exit_code == 0, res.output
        os.makedirs(tmp_path / row["layer"])
        res = run("exr", "split", row["file"], tmp_path / row["layer"])
        assert res.exit_code == 0, res.output
    split = os.listdir(tmp_path / "all")
    assert len(split) == 14 and any("beauty" in f for f in split) and any("crypto00" in f for f in split)


def _sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_rerun_is_bit_identical_whatever_the_threads(rendered, tmp_path, run):
    shot, _, _ = rendered
    first = _sha(_file(shot, "all"))
    res = run("render", shot, "--layer", "all", "--frames", FRAME, "--samples", "4", "--threads", "1",
              "--out", tmp_path)
    assert res.exit_code == 0, res.output
    again = os.path.join(tmp_path, "renders", "all", "all.0001.exr")
    assert _sha(again) == first
    assert not [f for f in os.listdir(os.path.dirname(again)) if ".tmp" in f]


def test_id_matte_agrees_with_the_viewers_gl_id_matte(rendered, tmp_path, run):
    """Cycles and the viewer's preview agree on where each element is (per-element IoU >= 0.97)."""
    pytest.importorskip("moderngl")
    import sdf
    from sdf.cache.frame_cache import FrameCache
    from sdf.viewer.offscreen import render_aovs
    from sdf.viewer.scene import build_scene

    shot, _, _ = rendered
    size = (480, 270)
    res = run("render", shot, "--layer", "nohero", "--frames", FRAME, "--samples", "1", "--resolution",
              f"{size[0]}x{size[1]}", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    cycles = _exr(os.path.join(tmp_path, "renders", "nohero", "nohero.0001.exr"))["id"]
    manifest = json.loads(cycles[1]["sdf/idManifest"])
    view = sdf.open(shot, department="lighting")
    cache = FrameCache()
    scene = build_scene(view, cache, "materials", layer="nohero")
    gl = render_aovs(scene, cache, FRAME, "shotCam", size)["id"][..., 0]
    gl_ids = {item.node: item.id for item in scene.items}
    for number, path in manifest.items():
        if path not in gl_ids:
            continue
        a = cycles[0]["id.V"] == int(number)
        b = np.rint(gl) == gl_ids[path]
        iou = (a & b).sum() / max((a | b).sum(), 1)
        assert a.sum() > 500 and iou >= 0.97, (path, iou)


def test_bad_requests_are_one_line_and_exit_2(rendered, run):
    shot, _, _ = rendered
    res = run("render", shot, "--layer", "nosuch", "--frames", "1")
    assert res.exit_code == 2 and "no render layer 'nosuch'" in res.output and len(res.output.strip().splitlines()) == 1
    res = run("render", shot, "--layer", "all", "--frames", "1-9")
    assert res.exit_code == 2 and "outside the shot's range 1-3" in res.output
    res = run("render", shot, "--layer", "all", "--frames", "1", "--blender", "/nonexistent/blender")
    assert res.exit_code == 2 and "no Blender at /nonexistent/blender" in res.output
    assert "scripts/dev" in res.output and len(res.output.strip().splitlines()) == 1
    res = run("render", shot, "--layer", "all", "--frames", "1", "--blender", sys.executable)  # a Python, no bpy
    assert res.exit_code == 2 and "is not usable" in res.output and "No module named 'bpy'" in res.output
    assert len(res.output.strip().splitlines()) == 1


def _scenario(name, work, *args):
    """The facts a ``render_scenarios.py`` scenario prints (it runs in the Blender Python)."""
    proc = subprocess.run([blender_python(), os.path.join(HERE, "render_scenarios.py"), name, str(work), *args],
                          capture_output=True, text=True, timeout=300)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(lines[-1][len("RESULT "):])


def test_light_units_agree_with_usdlux_irradiance(tmp_path):
    """Each light type, converted for Cycles, lights a white Lambertian plane as UsdLux says it should."""
    rows = _scenario("light_units", tmp_path)
    assert {r["type"] for r in rows} == {"distant", "sphere", "point", "spot", "rect", "disk", "dome"}
    for r in rows:
        assert r["cycles"] == pytest.approx(r["usdlux"], rel=0.10), r


def _combined(path):
    import OpenEXR

    with OpenEXR.File(path, separate_channels=True) as exr:
        return {n.rsplit(".", 1)[-1]: np.array(c.pixels) for p in exr.parts for n, c in p.channels.items()
                if ".Combined." in n}


def _same_pixels(f12_file, ours):
    combined = _combined(f12_file)
    for c in "RGBA":  # sdf render wrote half floats: the same pixels to half precision
        assert np.array_equal(combined[c].astype(np.float16), ours[f"beauty.{c}"]), c


def test_srgb_texture_renders_at_its_linear_value(tmp_path):
    """A constant 8-bit texture of code 128 declared srgb_texture (or undeclared: a PNG) renders at sRGB's
    linear 0.216 under a uniform white world, not 0.502; declared lin_rec709 it renders at 128/255."""
    f = _scenario("srgb_texture", tmp_path)
    srgb_128 = ((128 / 255 + 0.055) / 1.055) ** 2.4
    for case in ("srgb", "undeclared"):
        assert f[case]["colorspace"] == "sRGB" and f[case]["uv_linked"] and f[case]["problems"] == []
        assert f[case]["combined"] == pytest.approx(srgb_128, abs=0.005), f
    assert f["linear"]["colorspace"] == "Linear Rec.709"
    assert f["linear"]["combined"] == pytest.approx(128 / 255, abs=0.005), f
    assert f["at_the_end"] == {"srgb": "sRGB", "linear": "Linear Rec.709", "undeclared": "sRGB"}, f


def test_f12_in_a_lighting_session_renders_what_sdf_render_renders(rendered, tmp_path):
    """The session's scene has the render layers as view layers; F12 of one gives sdf render's pixels
    (the scene's own World, which the shot has no dome to replace, lights none of them)."""
    import shutil

    shot, _, _ = rendered
    work = tmp_path / "proj"
    shutil.copytree(os.path.dirname(os.path.dirname(os.path.dirname(shot))), work)
    f = _scenario("session_f12", work)
    assert f["open"] == ["FINISHED"] and f["engine"] == "CYCLES" and f["camera"] == "/cameras/shotCam"
    assert f["view_layers"] == ["all", "matte", "nohero", "shadows", "unseen"]
    assert not any("changed" in ln or "REFUSED" in ln for ln in f["status"])  # view layers are no edit
    _same_pixels(f["files"]["matte"], _exr(_file(shot, "matte"))["beauty"][0])


def test_f12_leaves_the_dome_out_of_a_layer_as_sdf_render_does(tmp_path, run):
    """A textured dome light as the World: a layer lit by every light gets it, a layer naming only the
    sun and the fill does not; F12 of each in a lighting session gives sdf render's pixels."""
    from sdf.document.render_layers import AOV, Output, RenderLayer

    os.environ.setdefault("SDF_BLENDER_PYTHON", blender_python())
    out = Output("renders/${LAYER}/${LAYER}.####.exr", "zip", "half", (64, 36))
    beauty = (AOV("beauty", "color4f", "Ci"),)
    layers = [RenderLayer("lit", camera="shotCam", aovs=beauty, output=out),
              RenderLayer("nodome", camera="shotCam", lights=("/lights/sun_group/**", "/lights/fill"), aovs=beauty,
                          output=out)]
    shot = render_shot.make(str(tmp_path / "proj"), layers, dome=True)
    res = run("render", shot, "--all-layers", "--frames", FRAME, "--samples", "4")
    assert res.exit_code == 0, res.output
    ours = {name: _exr(_file(shot, name))["beauty"][0] for name in ("lit", "nodome")}
    lit, nodome = (ours[n]["beauty.B"].astype(float) for n in ("lit", "nodome"))
    assert lit.mean() > 1.3 * nodome.mean()  # the blue sky lights the layer that names every light
    f = _scenario("session_f12", tmp_path / "proj", "lit", "nodome")
    assert f["open"] == ["FINISHED"] and f["world"] == "/lights/sky"
    for name in ("lit", "nodome"):
        _same_pixels(f["files"][name], ours[name])


def test_a_renderer_crash_is_one_line_and_leaves_no_partial_file(rendered, tmp_path):
    """The renderer killed while its file is still temporary: the shot, layer and frame named, exit 2,
    no EXR and no temporary file left."""
    import signal
    import time

    shot, _, _ = rendered
    marker = tmp_path / "pid"
    env = dict(os.environ, SDF_TEST_RENDER_PAUSE=str(marker), SDF_BLENDER_PYTHON=blender_python())
    proc = subprocess.Popen([sys.executable, "-m", "sdf.cli", "render", shot, "--layer", "nohero", "--frames", "2",
                             "--samples", "1", "--out", str(tmp_path / "o")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 240
    while not (marker.exists() and marker.read_text()) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    folder = tmp_path / "o" / "renders" / "nohero"
    assert [f for f in os.listdir(folder) if ".tmp" in f]  # caught mid-write
    os.kill(int(marker.read_text()), signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "render layer 'nohero' frame 2" in lines[0] and "rt.sdf" in lines[0], err
    assert "died of SIGKILL" in lines[0]
    assert os.listdir(folder) == []


def test_depth_of_field_blurs_what_is_out_of_focus(tmp_path, run):
    """A camera with an f-stop focused on the hero: the farther ball's silhouette is blurred (its band of
    partly covered pixels much wider than through a pinhole), the hero's is not."""
    from sdf.document.render_layers import AOV, Output, RenderLayer

    os.environ.setdefault("SDF_BLENDER_PYTHON", blender_python())
    out = Output("renders/${LAYER}/${LAYER}.####.exr", "zip", "float", (128, 72))
    layers = [RenderLayer("spheres", camera="shotCam", members=("/chars/**", "/props/**"),
                          aovs=(AOV("beauty", "color4f", "Ci"),), output=out)]
    alpha = {}
    for f_stop in (0.0, 0.03):  # the hero's silhouette is ~5.7 units away along the view, the ball's ~7.1
        shot = render_shot.make(str(tmp_path / str(f_stop)), layers, camera={"f_stop": f_stop, "focus_distance": 5.66},
                                eye=(3.5, 1.0, 5.5), target=(0.0, 1.0, 0.0))
        res = run("render", shot, "--layer", "spheres", "--frames", FRAME, "--samples", "16")
        assert res.exit_code == 0, res.output
        alpha[f_stop] = _exr(_file(shot, "spheres"))["beauty"][0]["beauty.A"].astype(float)
    cols = alpha[0.0].sum(axis=0)
    seen = np.nonzero(cols)[0]
    gap = seen[0] + int(np.argmin(cols[seen[0]:seen[-1] + 1]))  # the ball left of it, the hero right

    def band(a):
        partial = (a > 0.02) & (a < 0.98)
        return int(partial[:, :gap].sum()), int(partial[:, gap:].sum())

    (ball_sharp, hero_sharp), (ball_dof, hero_dof) = band(alpha[0.0]), band(alpha[0.03])
    assert ball_dof > 2.0 * ball_sharp, (ball_sharp, ball_dof)
    assert hero_dof < 1.3 * hero_sharp, (hero_sharp, hero_dof)


def test_depth_of_field_is_the_same_in_any_unit(tmp_path):
    """Cycles sizes the aperture in metres whatever the scene's unit: the translation scales the f-stop by
    meters_per_unit, so a centimetre shot blurs exactly as the same shot in metres; f-stop 0 is a pinhole."""
    rows = _scenario("dof_units", tmp_path)
    assert rows["metres"]["use_dof"] and not rows["pinhole"]["use_dof"]
    assert rows["centimetres"]["fstop"] == pytest.approx(rows["metres"]["fstop"] * 0.01)
    assert np.allclose(rows["metres"]["middle"], rows["centimetres"]["middle"], atol=0.02)
    assert rows["metres"]["blurred"] > 3 * rows["pinhole"]["blurred"]
