"""What a newcomer trips over in the first hour: each message names the user's mistake."""
from __future__ import annotations

import os

import sdf
from sdf.pipeline.publish import publish


def test_status_lists_only_outdated_parts_unless_all(demo, run):
    _, shot = demo
    res = run("status", shot)
    assert res.exit_code == 0 and "every part is up to date" in res.output
    assert "lights" in run("status", shot, "--all").output
    view = sdf.open(shot, department="lighting")
    view.lights.find("key_group/key").intensity = 4.0
    publish(view, message="v1")
    view = sdf.open(shot, department="lighting")
    view.lights.find("key_group/key").intensity = 5.0
    publish(view, message="v2")
    downstream = os.path.join(os.path.dirname(shot), "down.sdf")
    import json

    data = json.load(open(shot))
    data["parts"]["lights"]["version"] = 1
    json.dump(data, open(downstream, "w"))
    res = run("status", downstream)
    assert res.exit_code == 1 and "lights" in res.output and "OUTDATED" in res.output
    assert "cameras" not in res.output  # up-to-date parts are not listed


def test_unknown_department_suggests_the_right_one(demo, run):
    _, shot = demo
    res = run("tree", shot, "--department", "lightning")
    assert res.exit_code == 2
    assert "did you mean 'lighting'" in res.output and "departments.default.json" not in res.output


def test_an_alembic_file_given_as_a_shot(demo, run):
    proj, _ = demo
    res = run("info", os.path.join(proj, "assets", "model", "rock.abc"))
    assert res.exit_code == 2 and "an Alembic archive, not a shot" in res.output and "sdf convert" in res.output


def test_snapshot_refuses_an_extension_it_cannot_write(demo, run, tmp_path):
    _, shot = demo
    res = run("view", shot, "--snapshot", tmp_path / "x.jpg")
    assert res.exit_code == 2 and ".png or .exr" in res.output and not (tmp_path / "x.jpg").exists()


def test_shared_options_are_on_every_command(run):
    for command in (["play"], ["view"], ["validate"], ["info"], ["tree"]):
        assert "--allow-outside-root" in run(*command, "--help").output, command
