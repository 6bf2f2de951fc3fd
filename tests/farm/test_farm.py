"""Batch work on real engines: a Dask LocalCluster of worker processes, and OpenJD's reference runner."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest


SDF = [sys.executable, "-m", "sdf.cli"]


@pytest.fixture(scope="module")
def shots(tmp_path_factory, demo_master):
    """Three small demo projects (copies), one shot each."""
    src, shot = demo_master
    root = tmp_path_factory.mktemp("farm")
    out = []
    for name in ("p1", "p2", "p3"):
        shutil.copytree(src, root / name)
        out.append(str(root / name / os.path.relpath(shot, src)))
    return out


def farm(*args, timeout=300):
    return subprocess.run([*SDF, "farm", *map(str, args)], capture_output=True, text=True, timeout=timeout)


def _digests(folder):
    out = {}
    for d, _, files in os.walk(folder):
        for f in files:
            if f.endswith(".png"):
                p = os.path.join(d, f)
                out[os.path.relpath(p, folder)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return out


def test_dask_run_and_openjd_run_give_the_same_outputs(shots, tmp_path):
    out = tmp_path / "dask"
    res = farm("run", *shots, "--step", "validate", "--step", "convert", "--step", "playblast", "--chunk", "24",
               "--out", out, "--workers", 2, "--json")
    assert res.returncode == 0, res.stderr[-3000:]
    manifest = json.loads(res.stdout)
    tasks = manifest["tasks"]
    assert len(tasks) == 3 * (1 + 1 + 2) and all(t["status"] == "ok" for t in tasks)
    for t in tasks:
        assert t["worker"] and t["seconds"] > 0 and t["outputs"] and all(os.path.exists(p) for p in t["outputs"])
        assert set(t) >= {"shot", "frames", "worker", "seconds", "outputs", "status", "error"}
    # The same job as an OpenJD template, checked and run by the reference runner.
    job = tmp_path / "job"
    res = farm("emit", *shots, "--step", "validate", "--step", "playblast", "--chunk", "24", job)
    assert res.returncode == 0, res.stderr
    template = json.load(open(job / "job.template.json"))
    assert template["specificationVersion"] == "jobtemplate-2023-09"
    assert template["steps"][1]["dependencies"] == [{"dependsOn": "validate"}]
    openjd = os.path.join(os.path.dirname(sys.executable), "openjd")
    run = subprocess.run([openjd, "run", str(job / "job.template.json"), "--job-param",
                          f"file://{job / 'job.parameters.json'}", "--step", "playblast", "--run-dependencies"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    ours, theirs = _digests(out), _digests(job / "out")
    assert ours and ours == theirs  # the same pixels, from the same step script


def test_a_failing_shot_is_reported_and_the_others_finish(shots, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(os.path.dirname(os.path.dirname(os.path.dirname(shots[0]))), broken)
    bad_shot = broken / "shots" / "sh010" / "sh010.sdf"
    os.unlink(broken / "assets" / "model" / "rock.abc")
    res = farm("run", shots[1], bad_shot, "--step", "validate", "--step", "convert", "--out", tmp_path / "o",
               "--workers", 2, "--retries", 0)
    assert res.returncode == 2
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert errors and all("broken" not in e or "sh010" in e for e in errors)
    assert any(e.startswith("error: validate of sh010.sdf") and "rock.abc" in e for e in errors), errors
    manifest = json.load(open(tmp_path / "o" / "manifest.json"))
    status = {t["key"]: t["status"] for t in manifest["tasks"]}
    assert status["validate:p2_sh010"] == "ok" and status["convert:p2_sh010"] == "ok"
    assert status["validate:broken_sh010"] == "failed" and status["convert:broken_sh010"] == "skipped"


def test_a_killed_worker_is_retried_and_every_output_is_complete(shots, tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen([*SDF, "farm", "run", shots[0], "--step", "playblast", "--chunk", "48", "--out",
                             str(out), "--workers", "2", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    running = out / ".farm-running"
    killed = []

    def kill_first_worker():
        deadline = time.time() + 120
        while time.time() < deadline and not killed:
            if running.exists():
                for marker in running.iterdir():
                    pids = marker.read_text().split()
                    if pids:
                        os.kill(int(pids[0]), signal.SIGKILL)  # the worker process, mid-task
                        killed.append(int(pids[0]))
                        return
            time.sleep(0.05)

    t = threading.Thread(target=kill_first_worker)
    t.start()
    stdout, stderr = proc.communicate(timeout=600)
    t.join()
    assert killed, "no task started"
    assert proc.returncode == 0, stderr[-3000:]
    task = json.loads(stdout)["tasks"][0]
    assert task["status"] == "ok" and task["attempts"] >= 2   # ran again after its worker died
    for path in task["outputs"]:
        data = open(path, "rb").read()
        assert data.startswith(b"\x89PNG") and data.rstrip().endswith(b"IEND\xaeB`\x82")


def test_resume_skips_complete_up_to_date_tasks(shots, tmp_path):
    out = tmp_path / "resume"
    first = farm("run", shots[2], "--step", "validate", "--step", "convert", "--out", out, "--workers", 1)
    assert first.returncode == 0, first.stderr
    manifest = out / "manifest.json"
    kept = str(tmp_path / "first.json")
    shutil.copy(manifest, kept)
    again = farm("run", shots[2], "--step", "validate", "--step", "convert", "--out", out, "--workers", 1,
                 "--resume", kept, "--json")
    assert {t["status"] for t in json.loads(again.stdout)["tasks"]} == {"resumed"}
    time.sleep(0.05)
    os.utime(shots[2])  # the shot changed: its tasks are out of date
    third = farm("run", shots[2], "--step", "validate", "--step", "convert", "--out", out, "--workers", 1,
                 "--resume", kept, "--json")
    assert {t["status"] for t in json.loads(third.stdout)["tasks"]} == {"ok"}


def test_every_emitted_template_validates(shots, tmp_path):
    from openjd.model import decode_job_template

    for steps in (["validate"], ["convert", "playblast"], ["exr-pack"], ["validate", "custom:info=sdf info {shot}"]):
        args = [a for s in steps for a in ("--step", s)]
        res = farm("emit", *shots, *args, "--chunk", "10", tmp_path / "-".join(steps).replace(":", "_"))
        assert res.returncode == 0, res.stderr
        decode_job_template(template=json.load(open(res.stdout.strip())))


def test_playblast_ends_with_a_dailies_step(shots, tmp_path):
    """The playblast's chunks, then the shot's movie and its OpenTimelineIO timeline."""
    import opentimelineio as otio

    from sdf.viewer.movie import probe

    res = farm("run", shots[0], "--step", "playblast", "--step", "dailies", "--chunk", "24", "--out", tmp_path,
               "--workers", 2, "--json")
    assert res.returncode == 0, res.stderr[-3000:]
    tasks = json.loads(res.stdout)["tasks"]
    dailies = [t for t in tasks if t["step"] == "dailies"]
    assert len(dailies) == 1 and dailies[0]["status"] == "ok"
    otio_path, movie = dailies[0]["outputs"]
    clip, = otio.adapters.read_from_file(otio_path).find_clips()
    assert clip.source_range.start_time.to_frames() == 1001 and clip.source_range.duration.to_frames() == 48
    assert probe(movie)["frames"] == 48


def test_custom_and_exr_pack_steps(shots, tmp_path):
    res = farm("run", shots[0], "--step", "custom:info=sdf info {shot}", "--out", tmp_path / "c", "--workers", 1,
               "--json")
    assert res.returncode == 0, res.stderr
    done = json.loads(res.stdout)["tasks"][0]["outputs"][0]
    assert "sh010" in json.load(open(done))["stdout"]
    res = farm("run", shots[0], "--step", "exr-pack", "--chunk", "48", "--out", tmp_path / "e", "--workers", 1,
               "--retries", 0)
    assert res.returncode == 2 and "no AOV image" in res.stderr  # no renders in the demo: named, not a crash


def test_bad_input_is_one_line(tmp_path):
    for args in (["run", str(tmp_path / "none.sdf"), "--step", "validate"], ["run", "x", "--step", "bake"],
                 ["emit", str(tmp_path / "*.sdf"), "--step", "validate", str(tmp_path)]):
        res = farm(*args)
        assert res.returncode == 2 and "Traceback" not in res.stderr
        assert len([ln for ln in res.stderr.splitlines() if ln.strip()]) == 1, res.stderr


def test_an_existing_cluster_through_scheduler(shots, tmp_path):
    """--scheduler sends the tasks to a cluster that is already running (here one started by the test)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster:
        res = farm("run", shots[1], "--step", "validate", "--out", tmp_path / "s", "--scheduler",
                   cluster.scheduler_address, "--json")
        assert res.returncode == 0, res.stderr[-2000:]
        assert json.loads(res.stdout)["tasks"][0]["status"] == "ok"
    res = farm("run", shots[1], "--step", "validate", "--out", tmp_path / "t", "--scheduler", "tcp://127.0.0.1:9")
    assert res.returncode == 2 and "cannot reach the Dask scheduler" in res.stderr
