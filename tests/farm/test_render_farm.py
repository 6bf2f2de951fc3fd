"""The farm's render step: Dask and OpenJD's reference runner render the same files; --resume; --frames."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "dcc_plugins"))
import render_shot  # noqa: E402
from test_blender import blender_python  # noqa: E402

SDF = [sys.executable, "-m", "sdf.cli"]
RENDER = ("--resolution", "64x36", "--samples", "4")


def farm(*args, timeout=600):
    env = dict(os.environ, SDF_BLENDER_PYTHON=blender_python())
    return subprocess.run([*SDF, "farm", *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env)


def _digests(folder):
    out = {}
    for d, _, files in os.walk(folder):
        for f in files:
            if f.endswith(".exr"):
                p = os.path.join(d, f)
                out[os.path.relpath(p, folder)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return out


@pytest.fixture(scope="module")
def shot(tmp_path_factory):
    return render_shot.make(str(tmp_path_factory.mktemp("farm_render")))


def test_dask_and_openjd_render_the_same_files(shot, tmp_path):
    out = tmp_path / "dask"
    res = farm("run", shot, "--step", "render", "--layer", "matte", "--layer", "nohero", "--frames", "2-3", *RENDER,
               "--chunk", 2, "--out", out, "--workers", 2, "--json")
    assert res.returncode == 0, res.stderr[-3000:]
    tasks = json.loads(res.stdout)["tasks"]
    assert sorted(t["key"] for t in tasks) == ["render:rt/matte@2-3", "render:rt/nohero@2-3"]
    assert all(t["status"] == "ok" and t["outputs"] for t in tasks)
    ours = _digests(out)
    assert sorted(ours) == ["rt/renders/matte/matte.0002.exr", "rt/renders/matte/matte.0003.exr",
                            "rt/renders/nohero/nohero.0002.exr", "rt/renders/nohero/nohero.0003.exr"]
    # Each task's report: its frames, and its fixed costs (Blender's start, the scene built once) apart.
    report = json.load(open(out / "rt" / "render-reports" / "matte.0002-0003.json"))
    assert [f["frame"] for f in report["frames"]] == [2, 3]
    t = report["timing"]
    assert 0 < t["ready"] and 0 < t["scene_build"] and t["total"] >= t["ready"] + t["scene_build"] + \
        sum(f["seconds"] for f in report["frames"]) - 0.01
    job = tmp_path / "job"
    res = farm("emit", shot, "--step", "render", "--layer", "matte", "--layer", "nohero", "--frames", "2-3", *RENDER,
               "--chunk", 2, job)
    assert res.returncode == 0, res.stderr
    template = json.load(open(job / "job.template.json"))
    space = template["steps"][0]["parameterSpace"]
    assert space["combination"] == "(Shot, Label, Frames, Layer)"
    assert [p["range"] for p in space["taskParameterDefinitions"] if p["name"] == "Layer"] == \
        [["matte", "nohero"]]
    openjd = os.path.join(os.path.dirname(sys.executable), "openjd")
    env = dict(os.environ, SDF_BLENDER_PYTHON=blender_python())
    run = subprocess.run([openjd, "run", str(job / "job.template.json"), "--job-param",
                          f"file://{job / 'job.parameters.json'}", "--step", "render"],
                         capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert _digests(job / "out") == ours  # bit for bit, whichever engine ran the task


def test_resume_and_a_rescheduled_task_render_only_what_is_missing(shot, tmp_path):
    out = tmp_path / "o"
    res = farm("run", shot, "--step", "render", "--layer", "nohero", "--frames", "1-3", *RENDER, "--chunk", 3,
               "--out", out, "--workers", 1)
    assert res.returncode == 0, res.stderr[-3000:]
    files = [out / "rt" / "renders" / "nohero" / f"nohero.{f:04d}.exr" for f in (1, 2, 3)]
    stamps = [os.stat(f).st_mtime_ns for f in files]
    res = farm("run", shot, "--step", "render", "--layer", "nohero", "--frames", "1-3", *RENDER, "--chunk", 3,
               "--out", out, "--workers", 1, "--resume", out / "manifest.json", "--json")
    assert res.returncode == 0 and [t["status"] for t in json.loads(res.stdout)["tasks"]] == ["resumed"]
    # A killed worker's task runs again: only the frame it had not finished is rendered.
    os.unlink(files[1])
    res = subprocess.run([*SDF, "farm", "task", "render", "--shot", shot, "--out", out, "--frames", "1-3",
                          "--layer", "nohero", *RENDER], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, SDF_BLENDER_PYTHON=blender_python()))
    assert res.returncode == 0, res.stderr
    assert os.path.isfile(files[1])
    assert [os.stat(f).st_mtime_ns for f in (files[0], files[2])] == [stamps[0], stamps[2]]
    # Other samples: nothing is up to date any more.
    res = subprocess.run([*SDF, "render", shot, "--layer", "nohero", "--frames", "1-1", "--resolution", "64x36",
                          "--samples", "2", "--out", out / "rt", "--resume", "--json"], capture_output=True, text=True,
                         timeout=300, env=dict(os.environ, SDF_BLENDER_PYTHON=blender_python()))
    assert res.returncode == 0 and len(json.loads(res.stdout)["frames"]) == 1, res.stderr


def test_frames_limit_the_chunked_steps_and_bad_ones_fail_first(shot, tmp_path):
    res = farm("emit", shot, "--step", "playblast", "--frames", "2-3", "--chunk", 1, tmp_path / "job")
    assert res.returncode == 0, res.stderr
    template = json.load(open(tmp_path / "job" / "job.template.json"))
    frames = [p["range"] for p in template["steps"][0]["parameterSpace"]["taskParameterDefinitions"]
              if p["name"] == "Frames"]
    assert frames == [["2-2", "3-3"]]
    res = farm("run", shot, "--step", "render", "--layer", "nosuch", "--out", tmp_path / "x")
    assert res.returncode == 2 and "no render layer 'nosuch'" in res.stderr
    res = farm("run", shot, "--step", "render", "--frames", "2-9", "--out", tmp_path / "x")
    assert res.returncode == 2 and "outside the shot's frame range 1-3" in res.stderr
