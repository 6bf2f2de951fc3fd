"""The farm's dailies from renders: ``--step render --step dailies`` on Dask and in the OpenJD job run
the same ``sdf farm task dailies --source render`` and give the same timeline of the rendered frames."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "dcc_plugins"))
import render_shot  # noqa: E402
from test_blender import blender_python  # noqa: E402

SDF = [sys.executable, "-m", "sdf.cli"]
JOB = ("--step", "render", "--step", "dailies", "--layer", "matte", "--resolution", "64x36", "--samples", "4",
       "--chunk", "3")


def farm(*args, timeout=600):
    env = dict(os.environ, SDF_BLENDER_PYTHON=blender_python())
    return subprocess.run([*SDF, "farm", *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def shot(tmp_path_factory):
    return render_shot.make(str(tmp_path_factory.mktemp("farm_dailies")))


def _clip(otio_path):
    import opentimelineio as otio

    clip, = otio.adapters.read_from_file(str(otio_path)).find_clips()
    ref = clip.media_reference
    files = [urllib.parse.unquote(urllib.parse.urlparse(ref.target_url_for_image_number(i)).path)
             for i in range(ref.number_of_images_in_sequence())]
    return clip, files


def test_render_then_dailies_on_dask_and_in_openjd(shot, tmp_path):
    from sdf.viewer.movie import probe

    out = tmp_path / "dask"
    res = farm("run", shot, *JOB, "--out", out, "--workers", 1, "--json")
    assert res.returncode == 0, res.stderr[-3000:]
    tasks = json.loads(res.stdout)["tasks"]
    assert [(t["key"], t["status"]) for t in tasks] == [("render:rt/matte@1-3", "ok"), ("dailies:rt", "ok")]
    otio_path, movie = tasks[1]["outputs"]
    assert otio_path == str(out / "rt" / "dailies" / "rt.otio")
    clip, files = _clip(otio_path)
    assert files == [str(out / "rt" / "renders" / "matte" / f"matte.{f:04d}.exr") for f in (1, 2, 3)]
    assert all(os.path.isfile(f) for f in files)
    assert (clip.metadata["sdf"]["source"], clip.metadata["sdf"]["layer"]) == ("render", "matte")
    assert (clip.source_range.start_time.to_frames(), clip.source_range.duration.to_frames()) == (1, 3)
    info = probe(movie)
    assert (info["frames"], info["width"], info["height"]) == (3, 64, 36)

    job = tmp_path / "job"
    res = farm("emit", shot, *JOB, job)
    assert res.returncode == 0, res.stderr
    template = json.load(open(job / "job.template.json"))
    render, dailies = template["steps"]
    assert dailies["dependencies"] == [{"dependsOn": "render"}]
    args = dailies["script"]["actions"]["onRun"]["args"]
    assert args[args.index("dailies") - 2:args.index("dailies") + 1] == ["farm", "task", "dailies"]
    assert args[-4:] == ["--source", "render", "--layer", "matte"]
    openjd = os.path.join(os.path.dirname(sys.executable), "openjd")
    env = dict(os.environ, SDF_BLENDER_PYTHON=blender_python())
    for step in ("render", "dailies"):
        run = subprocess.run([openjd, "run", str(job / "job.template.json"), "--job-param",
                              f"file://{job / 'job.parameters.json'}", "--step", step],
                             capture_output=True, text=True, timeout=600, env=env)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    theirs, their_files = _clip(job / "out" / "rt" / "dailies" / "rt.otio")
    assert [os.path.relpath(f, job / "out") for f in their_files] == [os.path.relpath(f, out) for f in files]
    assert theirs.source_range == clip.source_range
    assert {k: v for k, v in theirs.metadata["sdf"].items() if k not in ("written", "up_to_date")} == \
        {k: v for k, v in clip.metadata["sdf"].items() if k not in ("written", "up_to_date")}
    assert probe(str(job / "out" / "rt" / "dailies" / "rt.mp4"))["frames"] == 3


def test_the_dailies_source_follows_the_steps_before_it(shot, tmp_path):
    def dailies_args(*steps):
        res = farm("emit", shot, *steps, "--step", "dailies", tmp_path / "j")
        assert res.returncode == 0, res.stderr
        args = json.load(open(tmp_path / "j" / "job.template.json"))["steps"][-1]["script"]["actions"]["onRun"]["args"]
        return args[args.index("--source"):]

    assert dailies_args("--step", "playblast") == ["--source", "playblast"]
    assert dailies_args("--step", "render") == ["--source", "render"]
    assert dailies_args("--step", "render", "--layer", "nohero") == ["--source", "render", "--layer", "nohero"]
    assert dailies_args("--step", "playblast", "--step", "render") == ["--source", "latest"]
    assert dailies_args() == ["--source", "latest"]
