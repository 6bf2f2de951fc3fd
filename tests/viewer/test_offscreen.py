"""Rendering the demo shot without a window, asserting on the pixels."""
import json
import os

import numpy as np
import pytest

import sdf
from sdf.cache.frame_cache import FrameCache

pytest.importorskip("moderngl")

from sdf.viewer.images import read_png  # noqa: E402
from sdf.viewer.render import BACKGROUND  # noqa: E402
from sdf.viewer.scene import READ_ONLY, build_scene, element_colour  # noqa: E402
from sdf.viewer.view_camera import shot_camera_matrices  # noqa: E402

W, H = 480, 270


@pytest.fixture(scope="module")
def gl():
    from sdf.viewer.offscreen import create_context
    try:
        return create_context()
    except sdf.SdfError as exc:
        pytest.fail(f"software OpenGL must work here (scripts/dev installs Mesa): {exc}")


def shown(colour):
    """A scene-linear colour as the default display/view shows it (OCIO's CPU processor), 0..255."""
    from sdf.viewer.colour import Transform

    return Transform.open().encode_u8(colour).astype(int)


def _render(shot, frame, gl, camera="shotCam"):
    from sdf.viewer.offscreen import OffscreenView

    cache = FrameCache()
    scene = build_scene(shot, cache)
    view = OffscreenView(scene, cache, W, H, ctx=gl)
    rgba, _ = view.render(frame, camera)
    LINEAR[:] = [view.linear()]
    view.release()
    return rgba, scene, cache


#: The scene-linear picture of the last _render/_render_with, before the display transform.
LINEAR: list = []


def _project(shot, cache, item, frame, camera="shotCam"):
    """Pixel (x, y) where the centre of ``item``'s geometry lands through ``camera``."""
    d = cache.get(item.file, item.object, frame, shot.fps)
    centre = np.r_[d.positions.mean(0), 1.0] @ (d.world @ item.node_matrix)
    view, proj = shot_camera_matrices(shot.cameras.get(camera), frame, W / H)
    clip = proj @ view @ centre
    ndc = clip[:3] / clip[3]
    return int((ndc[0] * 0.5 + 0.5) * W), int((1 - (ndc[1] * 0.5 + 0.5)) * H)


def _direction(rgb):
    v = np.asarray(rgb, float)
    return v / (np.linalg.norm(v) + 1e-9)


def test_snapshot_draws_owned_colour_read_only_grey_and_background(demo, gl):
    _, path = demo
    shot = sdf.open(path, department="animation")
    rgba, scene, cache = _render(shot, 1001, gl)
    bg = shown(BACKGROUND)
    assert np.abs(rgba[H - 3, W - 3, :3].astype(int) - bg).max() <= 1  # the bottom-right corner is background
    hero = next(i for i in scene.items if i.node == "/chars/hero/body")
    x, y = _project(shot, cache, hero, 1001)
    px = rgba[y, x, :3]
    assert np.abs(px.astype(int) - bg).max() > 20  # the hero is drawn where it projects
    lin = LINEAR[0][y, x, :3]
    assert _direction(lin) @ _direction(element_colour(hero.node)) > 0.97  # in its own colour: animation owns it
    assert np.abs(px.astype(int) - shown(lin)).max() <= 1  # shown through the display transform
    rock = next(i for i in scene.items if i.node == "/env/rock")
    assert not rock.editable and rock.colour == READ_ONLY
    # Everything the lighting department sees of the model is read-only grey.
    lit, lit_scene, lit_cache = _render(sdf.open(path, department="lighting"), 1001, gl)
    x, y = _project(shot, lit_cache, next(i for i in lit_scene.items if i.node == "/chars/hero/body"), 1001)
    r, g, b = lit[y, x, :3].astype(int)
    assert max(r, g, b) - min(r, g, b) <= 6 and r > 40


def test_animated_object_changes_between_frames(demo, gl):
    _, path = demo
    shot = sdf.open(path, department="animation")
    a, scene, cache = _render(shot, 1001, gl)
    b, _, _ = _render(shot, 1040, gl)
    changed = np.any(a[..., :3] != b[..., :3], axis=-1)
    assert changed.mean() > 0.01


def test_ignored_geometry_is_not_drawn(demo, gl):
    _, path = demo
    layout = sdf.open(path, department="layout")  # layout ignores the model tree and cameras
    cache = FrameCache()
    scene = build_scene(layout, cache)
    assert scene.items == [] and scene.cameras == []


def test_snapshot_and_playblast_commands(run, demo, tmp_path):
    _, path = demo
    png = tmp_path / "snap.png"
    result = run("view", path, "--snapshot", png, "--frame", "1010", "--size", "320x180")
    assert result.exit_code == 0, result.output
    img = read_png(str(png))
    assert img.shape == (180, 320, 4) and len(np.unique(img.reshape(-1, 4), axis=0)) > 50
    out = tmp_path / "pb"
    result = run("view", path, "--playblast", out, "--frames", "1001-1004", "--format", "exr", "--size", "160x90",
                 "--camera", "shotCam")
    assert result.exit_code == 0, result.output
    files = sorted(os.listdir(out))
    assert files == [f"sh010.{f:04d}.exr" for f in range(1001, 1005)] + ["sh010.playblast.json"]
    import OpenEXR
    with OpenEXR.File(str(out / files[2]), separate_channels=True) as f:
        h = f.header()
        assert h["camera"] == "shotCam" and h["frame"] == 1003
        ch = f.channels()
        assert sorted(ch) == ["A", "B", "G", "R"] and ch["R"].pixels.dtype == np.float16
        assert ch["R"].pixels.shape == (90, 160) and float(ch["A"].pixels.min()) == 1.0


def test_view_errors(run, demo, tmp_path, monkeypatch):
    root, path = demo
    result = run("view", path, "--snapshot", tmp_path / "x.png", "--camera", "craneCam")
    assert result.exit_code == 2 and "no camera 'craneCam' (cameras: shotCam, witnessCam)" in result.stderr
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    result = run("view", path)
    assert result.exit_code == 2 and "no display available" in result.stderr and "--snapshot" in result.stderr
    result = run("view", path, "--snapshot", tmp_path / "f.png", "--frame", "5000")
    assert result.exit_code == 2 and "outside the shot's range" in result.stderr
    # A missing file: rendering without a window makes validate's checks and refuses, with validate's
    # line; the scene (what the window draws) still draws what exists and lists what is missing.
    os.remove(os.path.join(root, "assets", "anim", "hero_anim.abc"))
    result = run("view", path, "--snapshot", tmp_path / "m.png", "--size", "64x36")
    assert result.exit_code == 2 and "animation.json: opinions/chars/hero/body/animation: referenced file " \
        "'anim/hero_anim.abc' not found" in result.stderr
    assert not (tmp_path / "m.png").exists()
    scene = build_scene(sdf.open(path), FrameCache())
    assert any("/chars/hero/body" in m for m in scene.missing)


def test_no_opengl_gives_a_clear_message(demo, tmp_path):
    import subprocess
    import sys

    _, path = demo
    env = dict(os.environ, __EGL_VENDOR_LIBRARY_FILENAMES="/nonexistent.json", LIBGL_DRIVERS_PATH="/nonexistent")
    env.pop("DISPLAY", None)
    proc = subprocess.run([sys.executable, "-m", "sdf.cli", "view", path, "--snapshot", str(tmp_path / "x.png")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "cannot create an OpenGL 3.3 context" in proc.stderr and "Traceback" not in proc.stderr


class _GatheredOnTheCpu:
    """A cache that hands the renderer meshes in the draw layout of the old data path (one draw vertex
    per distinct point, UV and normal; gathered on the CPU), as frames whose topology needs no
    split: drawing them must give the same picture as the GPU's per-corner fetch of stored samples."""

    def __init__(self, cache):
        self.cache = cache

    def get(self, path, obj, frame, fps, interpolation="nearest", layout="draw", **kw):
        import dataclasses

        d = self.cache.get(path, obj, frame, fps, interpolation, layout="draw")
        if d.topology is None or d.topology.kind != "triangles":
            return d
        p, n = d.positions, d.normals
        topo = dataclasses.replace(d.topology, key="cpu:" + d.topology.key, point_of_vertex=None,
                                   normal_of_vertex=None if n is None else np.arange(len(p)),
                                   normals_identity=n is not None, normals_need=0 if n is None else len(p))
        return dataclasses.replace(d, positions=p, normals=n, topology=topo)


def test_the_gpu_seam_split_draws_what_the_cpu_gather_drew(demo, gl):
    """The hero's indexed UVs split seams (several draw vertices per point): the vertex shader's fetch of
    stored points must land every vertex exactly where the gathered rows did."""
    from sdf.viewer.offscreen import OffscreenView

    _, path = demo
    shot = sdf.open(path, department="animation")
    cache = FrameCache()
    scene = build_scene(shot, cache)
    hero = next(i for i in scene.items if i.node.endswith("hero/body"))
    assert cache.get(hero.file, hero.object, 1010, shot.fps, layout="stored").topology.point_of_vertex is not None
    images = []
    for source in (cache, _GatheredOnTheCpu(cache)):
        view = OffscreenView(scene, source, W, H, ctx=gl)
        rgba, _ = view.render(1010, "shotCam")
        view.release()
        images.append(rgba)
    bg = shown(BACKGROUND)
    assert (np.abs(images[0][..., :3].astype(int) - bg).max(axis=2) > 2).sum() > 1000  # something is drawn
    np.testing.assert_array_equal(images[0], images[1])


def test_a_cache_overwritten_after_the_scene_was_built_is_left_out_and_named(demo, gl):
    from sdf.viewer.offscreen import OffscreenView

    root, path = demo
    shot = sdf.open(path, department="animation")
    cache = FrameCache(check_interval=0)
    scene = build_scene(shot, cache)
    hero = os.path.join(root, "assets", "anim", "hero_anim.abc")
    data = open(hero, "rb").read()
    open(hero, "wb").write(data[: len(data) // 3])  # overwritten in place by a crashed export
    view = OffscreenView(scene, cache, W, H, ctx=gl)
    rgba, _ = view.render(1010, "shotCam")
    problems = view.renderer.problems + cache.problems
    view.release()
    assert any(os.path.basename(hero) in p for p in problems), problems
    bg = shown(BACKGROUND)
    assert (np.abs(rgba[..., :3].astype(int) - bg).max(axis=2) > 2).sum() > 1000  # the rest is drawn


def _render_with(shot, frame, gl, *, shading="department", camera="shotCam", gate=False, grid=False):
    from sdf.viewer.offscreen import OffscreenView

    cache = FrameCache()
    scene = build_scene(shot, cache, shading=shading)
    view = OffscreenView(scene, cache, W, H, ctx=gl)
    view.renderer.gate, view.renderer.grid = gate, grid
    rgba, _ = view.render(frame, camera)
    LINEAR[:] = [view.linear()]
    view.release()
    return rgba, scene, cache


def test_material_shading_draws_each_leaf_in_its_materials_base_colour(demo, gl):
    """The shot's MaterialX library: the hero's skin (0.8, 0.5, 0.4), the grass green, not element hues."""
    _, path = demo
    shot = sdf.open(path, department="lighting")
    rgba, scene, cache = _render_with(shot, 1001, gl, shading="materials")
    hero = next(i for i in scene.items if i.node == "/chars/hero/body")
    assert hero.material_colour == (0.8, 0.5, 0.4)
    x, y = _project(shot, cache, hero, 1001)
    assert _direction(LINEAR[0][y, x, :3]) @ _direction((0.8, 0.5, 0.4)) > 0.99
    grass = next(i for i in scene.items if i.node == "/env/grass")
    assert grass.material_colour == (0.2, 0.6, 0.15)
    dept, _, _ = _render_with(shot, 1001, gl, shading="department")  # the lead's view: read-only grey
    r, g, b = dept[y, x, :3].astype(int)
    assert max(r, g, b) - min(r, g, b) <= 6


def test_light_shading_shows_a_lighting_edit(demo, gl):
    """Lit by the shot's own lights: brightening the key brightens the hero; the key's colour tints it."""
    _, path = demo
    shot = sdf.open(path, department="lighting")
    before, scene, cache = _render_with(shot, 1001, gl, shading="lights")
    hero = next(i for i in scene.items if i.node == "/chars/hero/body")
    x, y = _project(shot, cache, hero, 1001)
    for light in shot.lights.lights():
        if light.type != "dome":
            light.intensity = light.intensity * 0.2  # every light dimmed to a fifth
    after, _, _ = _render_with(shot, 1001, gl, shading="lights")
    assert int(before[y - 3:y + 4, x - 3:x + 4, :3].sum()) > int(after[y - 3:y + 4, x - 3:x + 4, :3].sum()) * 1.2
    headlit, _, _ = _render_with(shot, 1001, gl, shading="materials")
    assert np.any(before[..., :3] != headlit[..., :3])


def test_film_gate_and_safe_areas_through_the_shot_camera(demo, gl):
    """The gate's edges land where the film back says (with overscan), the safe areas inside it."""
    from sdf.viewer.gizmos import GATE_COLOUR, OVERSCAN, SAFE_COLOUR

    _, path = demo
    shot = sdf.open(path, department="animation")
    rgba, scene, _ = _render_with(shot, 1001, gl, gate=True)
    cam = next(c for c in scene.cameras if c.name == "shotCam")
    film = cam.horizontal_aperture / cam.vertical_aperture
    gy = (W / H) / film
    scale = 1.0 / (OVERSCAN * max(1.0, gy))
    gx_px = (1 - scale) * 0.5 * W                  # the gate's left edge, in pixels from the left
    top_px = (1 - gy * scale) * 0.5 * H            # its top edge, from the top

    def near(colour, xs, ys):
        patch = rgba[ys, xs, :3].astype(int).reshape(-1, 3)
        # through the display transform; multisampled, a 1-pixel line blends a little with what is behind it
        return np.abs(patch - shown(colour)).max(axis=1).min() <= 12

    mid_y, mid_x = slice(H // 2 - 1, H // 2 + 2), slice(W // 2 - 1, W // 2 + 2)
    assert near(GATE_COLOUR, slice(int(gx_px) - 1, int(gx_px) + 2), mid_y)
    assert near(GATE_COLOUR, mid_x, slice(int(top_px) - 1, int(top_px) + 2))
    action = (1 - 0.9 * scale) * 0.5 * W
    assert near(SAFE_COLOUR, slice(int(action) - 1, int(action) + 2), mid_y)
    plain, _, _ = _render_with(shot, 1001, gl, gate=False)  # no overscan, no lines: another picture
    column = slice(int(gx_px) - 1, int(gx_px) + 2)
    assert np.any(plain[:, column, :3] != rgba[:, column, :3])


def test_ground_grid_in_the_free_camera(demo, gl):
    from sdf.viewer.gizmos import GRID_COLOUR

    _, path = demo
    shot = sdf.open(path, department="animation")
    with_grid, _, _ = _render_with(shot, 1001, gl, camera=None, grid=True)
    without, _, _ = _render_with(shot, 1001, gl, camera=None, grid=False)

    def grid_pixels(img):
        return int((np.abs(img[..., :3].astype(int) - shown(GRID_COLOUR)).max(axis=2) <= 2).sum())

    assert grid_pixels(with_grid) > grid_pixels(without) + 200


def test_shading_and_gate_options_on_the_command_line(run, demo, tmp_path):
    _, path = demo
    images = {}
    for shading in ("department", "materials", "lights"):
        png = tmp_path / f"{shading}.png"
        result = run("view", path, "-d", "lighting", "--shading", shading, "--gate", "--snapshot", png,
                     "--size", "320x180")
        assert result.exit_code == 0, result.output
        images[shading] = read_png(str(png))
    assert not np.array_equal(images["department"], images["materials"])
    assert not np.array_equal(images["materials"], images["lights"])
    bad = run("view", path, "--shading", "pretty", "--snapshot", tmp_path / "x.png")
    assert bad.exit_code == 2 and "pretty" in bad.output


def test_render_layer_preview_draws_its_members_only(demo, gl):
    """The environment layer holds /env and /fx: the hero is not in its picture, the rock is."""
    _, path = demo
    shot = sdf.open(path, department="lighting")
    full, scene, cache = _render_with(shot, 1001, gl, shading="materials")
    hero = next(i for i in scene.items if i.node == "/chars/hero/body")
    x, y = _project(shot, cache, hero, 1001)
    from sdf.viewer.offscreen import OffscreenView

    layer_scene = build_scene(shot, cache, shading="materials", layer="environment")
    assert {i.node.split("/")[1] for i in layer_scene.items} <= {"env", "fx"}
    assert "/fx/sparks" not in {i.node for i in layer_scene.items}  # hidden by the layer's override
    view = OffscreenView(layer_scene, cache, W, H, ctx=gl)
    rgba, _ = view.render(1001, "shotCam")
    view.release()
    assert not np.array_equal(rgba[y, x, :3], full[y, x, :3])  # the hero is gone from where it was


def test_render_layer_aovs_are_one_multi_part_exr(run, demo, tmp_path):
    """beauty (holdouts transparent), normals, depth and an id matte, read back by sdf exr and OpenEXR."""
    import OpenEXR

    _, path = demo
    shot = sdf.open(path, department="lighting")
    out = tmp_path / "characters.1001.exr"
    res = run("view", path, "-d", "lighting", "--layer", "characters", "--aovs", out, "--frame", "1001",
              "--size", f"{W}x{H}")
    assert res.exit_code == 0, res.output
    info = json.loads(run("exr", "info", out, "--json").stdout)
    assert [p["name"] for p in info["parts"]] == ["beauty", "N", "depth", "id"]
    parts = {p.name(): p for p in OpenEXR.File(str(out), separate_channels=True).parts}
    alpha = parts["beauty"].channels["beauty.A"].pixels.astype(np.float32)
    ids = parts["id"].channels["id.V"].pixels
    # The beauty is scene-linear and says so; the data AOVs are not colours and name no colour space.
    assert parts["beauty"].header["colorSpace"] == "Linear Rec.709 (sRGB)" and "chromaticities" in parts["beauty"].header
    assert "colorSpace" not in parts["N"].header
    depth = parts["depth"].channels["depth.Z"].pixels
    n = np.stack([parts["N"].channels[f"N.{c}"].pixels.astype(np.float32) for c in "XYZ"], axis=-1)
    cache = FrameCache()
    scene = build_scene(shot, cache, layer="characters")
    hero = next(i for i in scene.items if i.node == "/chars/hero/body")
    rock = next(i for i in scene.items if i.node == "/env/rock")
    assert rock.matte and not hero.matte
    x, y = _project(shot, cache, hero, 1001)
    assert alpha[y, x] == 1.0 and ids[y, x] == hero.id and depth[y, x] > 0
    assert abs(np.linalg.norm(n[y, x]) - 1.0) < 1e-2
    rx, ry = _project(shot, cache, rock, 1001)
    if ids[ry, rx] == rock.id:  # where the rock is in front, it holds out: nothing in the beauty
        assert alpha[ry, rx] == 0.0
    assert (ids == rock.id).any() and (alpha[ids == rock.id] == 0).all()
    split = tmp_path / "split"
    split.mkdir()
    assert run("exr", "split", out, split).exit_code == 0
    assert sorted(os.listdir(split)) == ["N.exr", "beauty.exr", "depth.exr", "id.exr"]
    bad = run("view", path, "--aovs", tmp_path / "x.exr")
    assert bad.exit_code == 2 and "--layer" in bad.output
    bad = run("view", path, "-d", "lighting", "--layer", "nope", "--aovs", tmp_path / "x.exr")
    assert bad.exit_code == 2 and "characters" in bad.output


@pytest.mark.parametrize("mode", ["side", "wipe", "ghost"])
def test_compare_two_published_versions(run, demo, tmp_path, mode):
    """Final layout moves the crate and publishes twice: compared against version 1, the picture shows
    both placements (side by side, wiped, or the old one as a ghost); with no change it is the same."""
    from crate_versions import publish_crate_moves

    _, path = demo
    publish_crate_moves(path)
    now = sdf.open(path, department="final_layout")
    assert now.pinned("placement", 1).part_path("placement").endswith(".v001.json")
    plain = tmp_path / "plain.png"
    assert run("view", path, "-d", "final_layout", "--snapshot", plain, "--size", "320x180").exit_code == 0
    out = tmp_path / f"{mode}.png"
    res = run("view", path, "-d", "final_layout", "--compare", "placement@1", "--compare-mode", mode,
              "--snapshot", out, "--size", "320x180")
    assert res.exit_code == 0, res.output
    a, b = read_png(str(plain)), read_png(str(out))
    assert b.shape == a.shape and not np.array_equal(a, b)
    same = tmp_path / "same.png"  # against the version it already shows: nothing differs but the wipe line
    assert run("view", path, "-d", "final_layout", "--compare", "placement@2", "--compare-mode", "ghost",
               "--snapshot", same, "--size", "320x180").exit_code == 0
    ghosted = read_png(str(same))
    empty = np.abs(a[..., :3].astype(int) - shown(BACKGROUND)).max(axis=2) <= 3
    assert np.array_equal(ghosted[empty], a[empty])  # ghosted onto itself: no shape where there was none
    bad = run("view", path, "-d", "final_layout", "--compare", "placement@9", "--snapshot", out)
    assert bad.exit_code == 2 and "placement" in bad.output


@pytest.mark.parametrize("breakage,expected", [
    ("nobody", "model/model_tree.json: chars/hero/body/source: no object '/hero/nobody' in hero.abc"),
    ("focal", "tracking/cameras.json: cameras/shotCam: unknown field 'focal_lenght' (did you mean 'focal_length'?)"),
])
def test_snapshot_and_playblast_make_validates_checks(run, demo, tmp_path, monkeypatch, breakage, expected):
    """The README's example error and a misspelt camera field: refused by --snapshot, --playblast and
    --aovs with validate's line (sdf.pipeline.validate.open_checked), nothing rendered or written."""
    root, shot = demo
    shot_dir = os.path.dirname(shot)
    if breakage == "nobody":
        file = os.path.join(shot_dir, "model", "model_tree.json")
        data = json.load(open(file))
        data["children"][0]["children"][0]["children"][0]["source"]["object"] = "/hero/nobody"
    else:
        file = os.path.join(shot_dir, "tracking", "cameras.json")
        data = json.load(open(file))
        data["cameras"][0]["focal_lenght"] = data["cameras"][0].pop("focal_length")
    json.dump(data, open(file, "w"))
    monkeypatch.chdir(shot_dir)
    out = tmp_path / "out"
    out.mkdir()
    for args in (["--snapshot", out / "s.png"], ["--playblast", out / "pb", "--frames", "1001-1002"],
                 ["-d", "lighting", "--layer", "characters", "--aovs", out / "a.exr"]):
        result = run("view", "sh010.sdf", *args, "--size", "64x36")
        assert result.exit_code == 2, result.output
        assert result.stderr.strip().splitlines() == [f"error: {expected}"], args
    assert os.listdir(out) == []


def test_a_compared_version_is_checked_too(run, demo, tmp_path):
    """--compare reads another version of a part: it is checked like the view itself."""
    root, shot = demo
    shot_dir = os.path.dirname(shot)
    assert run("publish", shot, "-d", "tracking", "-m", "v1").exit_code == 0
    v1 = os.path.join(shot_dir, "tracking", "cameras.v001.json")
    data = json.load(open(v1))
    data["cameras"][0]["focal_lenght"] = data["cameras"][0].pop("focal_length")
    os.chmod(v1, 0o644)
    json.dump(data, open(v1, "w"))
    result = run("view", shot, "--compare", "cameras@1", "--snapshot", tmp_path / "c.png", "--size", "64x36")
    assert result.exit_code == 2, result.output
    assert "cameras.v001.json: cameras/shotCam: unknown field 'focal_lenght'" in result.stderr
    assert not (tmp_path / "c.png").exists()
