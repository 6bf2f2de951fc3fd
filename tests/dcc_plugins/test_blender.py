"""The Blender host, in a real Blender: ``bpy`` installed by the test command into its own venv.

Each scenario of ``blender_scenarios.py`` runs in a fresh Blender process (headless) and
reports facts as JSON; the assertions are here. There is no skip: without Blender the
suite fails, saying how to install it.
"""
from __future__ import annotations

import json
import os
import subprocess

import pytest

HERE = os.path.dirname(__file__)
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SCENARIOS = os.path.join(HERE, "blender_scenarios.py")


def blender_python() -> str:
    py = os.environ.get("SDF_BLENDER_PYTHON") or os.path.join(ROOT, ".venv-blender", "bin", "python")
    if not os.path.exists(py):
        pytest.fail(f"no Blender Python at {py}: `scripts/dev test` installs bpy into .venv-blender "
                    "(or set SDF_BLENDER_PYTHON)")
    return py


def run_scenario(name: str, tmp_path) -> dict:
    env = dict(os.environ, SDF_CACHE_DIR=str(tmp_path / "cache"), PYTHONDONTWRITEBYTECODE="1")
    env.pop("SDF_DEPARTMENT", None)
    proc = subprocess.run([blender_python(), SCENARIOS, name, str(tmp_path)], capture_output=True, text=True,
                          timeout=300, env=env)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, f"Blender scenario {name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1][len("RESULT "):])


def _proxies_match(rows):
    assert rows, "no proxies were checked"
    for r in rows:
        assert r["positions_equal"], r
        assert r["matrix_error"] < 1e-5, r


def _validates(run, tmp_path):
    shot = os.path.join(tmp_path, "proj", "shots", "sh010", "sh010.sdf")
    res = run("validate", shot)
    assert res.exit_code == 0, res.output


def test_lighting_session(tmp_path, run):
    f = run_scenario("lighting", tmp_path)
    assert f["open"] == [["FINISHED"], None]
    assert f["spy_saw_lights"] and f["opened_ignored"] == [], "lighting opened files of data it ignores"
    assert f["unfilled_at_open"] == 8 and f["unfilled_after_one_tick"] == 7
    assert "nothing to publish" in f["nothing_at_open"][1]  # bounds are not mistaken for an edit
    assert f["settings"][:3] == [1001, 1048, 24] and abs(f["settings"][3] - 0.01) < 1e-6
    _proxies_match(f["proxies"])
    assert {r["path"] for r in f["proxies"]} >= {"/chars/hero/body", "/env/rock", "/fx/flag", "/env/grass"}
    assert f["proxy_locked"]
    # Upstream edits made through Python are refused at publish, naming the element and its owner.
    assert f["refused_proxy"][0] == ["CANCELLED"] and "/env/rock" in f["refused_proxy"][1] \
        and "owned by model" in f["refused_proxy"][1]
    assert f["refused_placement"][0] == ["CANCELLED"] and "/props/crate" in f["refused_placement"][1] \
        and "owned by final_layout" in f["refused_placement"][1]
    assert "nothing to publish" in f["nothing"][1]
    assert f["after_refusals_changed"] == []
    # A light edit: a new version of lighting's file, the shot's pin; nobody else's file changed.
    assert f["publish"][0] == ["FINISHED"]
    changed = set(f["published_changed"]) - {"shots/sh010/.sdf-shot.lock"}
    assert changed == {"shots/sh010/lighting/lights.v001.json", "shots/sh010/lighting/lights.v001.meta.json",
                       "shots/sh010/lighting/lights.json", "shots/sh010/sh010.sdf"}  # the working copy follows
    assert f["key_intensity"] == pytest.approx(6.0)
    assert f["lamp_keys"] == [[1001, 2], [1024, 8], [1048, 1]]
    assert "nothing to publish" in f["second_publish"][1]
    # A saved and reopened .blend resumes the session.
    assert f["resumed"]
    _proxies_match(f["proxies_after_reopen"])
    assert f["publish_after_reopen"][0] == ["FINISHED"]
    assert f["fill_color"] == pytest.approx([1.0, 0.5, 0.25])
    # An upstream model publish reaches the session on Update; the artist's unpublished edit stays.
    assert f["update"][0] == ["FINISHED"]
    assert f["rock_object"] == "/crystal/crystalShape" and f["rock_vertices"] > 0
    assert f["rim_energy_after_update"] == pytest.approx(7.5)
    assert any("model_tree" in ln and "v001" in ln for ln in f["status_lines"])
    assert any("rim" in ln for ln in f["status_lines"] if "changed" in ln)
    # Status says what the session's frame cache holds, within the DCC budget.
    cache_line = [ln.strip() for ln in f["status_lines"] if ln.strip().startswith("frame cache:")]
    assert cache_line and "of 128 MB budget" in cache_line[0], f["status_lines"]
    assert f["publish_after_update"][0] == ["FINISHED"] and f["rim_intensity"] == pytest.approx(7.5)
    _validates(run, tmp_path)  # what Blender published passes sdf validate


def test_final_layout_session(tmp_path, run):
    f = run_scenario("final_layout", tmp_path)
    _proxies_match(f["proxies"])
    assert f["ball_editable"]
    assert f["publish"][0] == ["FINISHED"]
    changed = set(f["changed"]) - {"shots/sh010/.sdf-shot.lock"}
    assert changed == {"shots/sh010/final_layout/placement.v001.json", "shots/sh010/final_layout/placement.json",
                       "shots/sh010/final_layout/placement.v001.meta.json", "shots/sh010/sh010.sdf"}
    assert f["ball_transform"][12:15] == pytest.approx([1.5, 0.0, -0.5], abs=1e-6)
    _validates(run, tmp_path)


def test_animation_session_bakes_native_geometry(tmp_path, run):
    f = run_scenario("animation", tmp_path)
    assert f["native"] == ["/chars/hero/body", "/env/crystal", "/fx/flag", "/props/ball", "/props/crate"]
    assert f["proxies"] == ["/env/grass", "/env/rock", "/fx/sparks"]  # curves, points: carried; rock: model's
    assert f["hero_modifiers"] == ["MESH_SEQUENCE_CACHE"]
    assert f["native_error"] < 1e-5
    assert f["publish"][0] == ["FINISHED"]
    changed = set(f["changed"]) - {"shots/sh010/.sdf-shot.lock"}
    assert changed == {"shots/sh010/animation/animation.v001.json", "shots/sh010/animation/animation.v001.meta.json",
                       "shots/sh010/animation/animation.json",
                       "shots/sh010/animation/caches/chars_hero_body.v001.abc", "shots/sh010/sh010.sdf"}
    assert f["new_cache"] == "caches/chars_hero_body.v001.abc"
    assert f["baked_samples"] == 48 and f["baked_error"] < 1e-5
    assert "nothing to publish" in f["nothing"][1]
    assert f["reads_snapshot"] and f["survived_overwrite"]  # the original cache truncated in place while Blender plays on
    _validates(run, tmp_path)


def test_tracking_and_shading_sessions(tmp_path, run):
    f = run_scenario("tracking_and_shading", tmp_path)
    assert f["camera_editable"] and f["scene_camera"] == "shotCam"
    assert f["publish_tracking"][0] == ["FINISHED"]
    assert set(f["tracking_changed"]) - {"shots/sh010/.sdf-shot.lock"} == {
        "shots/sh010/tracking/cameras.v001.json", "shots/sh010/tracking/cameras.v001.meta.json",
        "shots/sh010/tracking/cameras.json", "shots/sh010/sh010.sdf"}
    assert f["lens"] == pytest.approx(50.0) and f["samples"] == 48
    assert f["moved_frames"] == [10] and f["moved_x"] == pytest.approx(0.5, abs=1e-4)
    assert f["ball_selectable"] and f["ball_material"] == "materials/shading.mtlx#prop"
    assert f["publish_shading"][0] == ["FINISHED"]
    assert set(f["shading_changed"]) - {"shots/sh010/.sdf-shot.lock"} == {
        "shots/sh010/texture_shader/materials.v001.json", "shots/sh010/texture_shader/materials.v001.meta.json",
        "shots/sh010/texture_shader/materials.json", "shots/sh010/sh010.sdf"}
    assert f["ball_material_after"] == "materials/shading.mtlx#cloth"
    _validates(run, tmp_path)


def test_proxy_agrees_with_blenders_own_alembic_import(tmp_path):
    f = run_scenario("interchange", tmp_path)
    assert f["imported"]
    assert f["counts"][0] == f["counts"][1] > 0
    assert f["max_error"] is not None and f["max_error"] < 1e-4


def test_a_corrupt_animation_cache_never_reaches_blenders_own_reader(tmp_path):
    """Native meshes play through Blender's Alembic reader, in Blender's process: a cache whose samples
    the library cannot read in a worker (sdf.alembic.deep_check) stays still instead, with a warning."""
    f = run_scenario("corrupt_animation", tmp_path)
    assert f["open"] == [["FINISHED"], None]
    crystal = next(p for p in f["modifiers"] if p.endswith("crystal"))
    assert f["modifiers"][crystal] == []  # no MESH_SEQUENCE_CACHE on the broken cache
    assert any(m == ["MESH_SEQUENCE_CACHE"] for p, m in f["modifiers"].items() if p != crystal)
    warning = [p for p in f["problems"] if "crystal_anim.abc" in p]
    assert warning and "sample 44" in warning[0] and "without its animation" in warning[0], f["problems"]
    assert f["played"]


def test_benchmark_runs_in_blender(demo_master):
    """benchmarks/dcc_blender.py end to end on the small demo, one repeat: it prints its summary."""
    _, shot = demo_master
    proc = subprocess.run([blender_python(), os.path.join(ROOT, "benchmarks", "dcc_blender.py"), "--shot", shot,
                           "--repeat", "1", "--frames", "5"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "summary:" in proc.stdout


def test_proxies_drawn_as_stored(tmp_path):
    """Proxies look as Blender's own Alembic import of the same files does: every mesh face by face
    (corner positions and normals; the crate's hard edges and the hero's per-frame normals are the
    file's own, as custom normals), grass as NURBS hair curves and sparks as a point cloud with the
    file's widths as radii; and a Cycles render shows the curves and points where they are."""
    f = run_scenario("proxies_as_stored", tmp_path)
    assert f["open"] == [["FINISHED"], None]
    assert "not_imported" not in f, f["not_imported"]
    assert set(f["meshes"]) == {"/chars/hero/body", "/env/rock", "/env/crystal", "/props/ball", "/props/crate",
                                "/fx/flag"}
    for path, row in f["meshes"].items():
        assert row["same_faces"], path
        assert row["position_error"] < 1e-5, (path, row)
        # Blender's importer stores custom normals in 16-bit corner spaces; ours are exact floats.
        assert row["normal_error"] < 2e-3, (path, row)
    # Files with normals get them as custom normals; the others (no normals, a SubD) are smooth.
    assert {p for p, r in f["meshes"].items() if r["custom_normals"]} == {"/chars/hero/body", "/props/ball",
                                                                          "/props/crate"}
    grass = f["curves"]["/env/grass"]
    assert grass["type"] == ["CURVES", "CURVES"] and grass["count"] == [750, 750] and grass["curves"] == [150, 150]
    for k in ("curve_type", "nurbs_order", "knots_mode"):
        assert grass[k][0] == grass[k][1], (k, grass)
    assert grass["nurbs_order"][0] == [4] and grass["radius_error"] == 0.0
    sparks = f["points"]["/fx/sparks"]
    assert sparks["type"] == ["POINTCLOUD", "POINTCLOUD"] and sparks["count"][0] == sparks["count"][1] > 0
    assert sparks["radius_error"] == 0.0
    for path, r in f["render"].items():
        assert r["pixels"] >= 50, (path, r)
        assert r["pixels_near_points"] >= 0.95 * r["pixels"], (path, r)  # where the points are
        assert r["pixels_without"] == 0, (path, r)  # and nothing else drew them
