"""Publishing, versions, status/update/log and propagation of upstream publishes."""
import json
import os

import pytest

import sdf
from sdf.pipeline import publish as pub
from conftest import tree_hashes


def _shot_parts(path):
    return json.load(open(path))["parts"]


def test_publish_writes_only_owned_files_and_points_the_shot_at_them(demo, run):
    root, shot_path = demo
    before = tree_hashes(root)
    parts_before = _shot_parts(shot_path)
    view = sdf.open(shot_path, department="lighting")
    view.lights.find("key_group/key").intensity = 4.5
    result = run("publish", shot_path, "--department", "lighting", "-m", "warmer key")
    assert result.exit_code == 0, result.output
    assert "published lights v001" in result.stdout and "published render_layers v001" in result.stdout
    after = tree_hashes(root)
    new = set(after) - set(before)
    rel = os.path.relpath(os.path.dirname(shot_path), root)
    assert new == {os.path.join(rel, "lighting", f) for f in (
        "lights.v001.json", "lights.v001.meta.json", "render_layers.v001.json", "render_layers.v001.meta.json")} \
        | {os.path.join(rel, ".sdf-shot.lock")}
    changed = {f for f in before if before[f] != after[f]}
    assert changed == {os.path.join(rel, "sh010.sdf")}  # only the shot index, nothing upstream
    parts_after = _shot_parts(shot_path)
    assert parts_after["lights"] == {"ref": "lighting/lights.json", "version": 1}
    assert {k: v for k, v in parts_after.items() if k not in ("lights", "render_layers")} == \
        {k: v for k, v in parts_before.items() if k not in ("lights", "render_layers")}
    meta = json.load(open(os.path.join(os.path.dirname(shot_path), "lighting", "lights.v001.meta.json")))
    assert meta["department"] == "lighting" and meta["message"] == "warmer key" and len(meta["sha256"]) == 64
    import hashlib
    data = open(os.path.join(os.path.dirname(shot_path), "lighting", "lights.v001.json"), "rb").read()
    assert hashlib.sha256(data).hexdigest() == meta["sha256"]


def test_publish_from_python_includes_unsaved_edits(demo):
    _, shot_path = demo
    view = sdf.open(shot_path, department="lighting")
    view.lights.find("key_group/key").intensity = 8.25
    done = pub.publish(view, message="from python")
    assert [(p.kind, p.version) for p in done] == [("lights", 1), ("render_layers", 1)]
    again = sdf.open(shot_path, department="lighting")
    assert again.lights.find("key_group/key").intensity == 8.25
    # Published versions are immutable: a view edits the working copy (which followed the publish),
    # and the next publish makes v002; v001 is never rewritten.
    v001 = open(os.path.join(os.path.dirname(shot_path), "lighting", "lights.v001.json"), "rb").read()
    again.lights.find("key_group/key").intensity = 1.0
    assert again.save() == [os.path.join(os.path.dirname(shot_path), "lighting", "lights.json")]
    assert open(os.path.join(os.path.dirname(shot_path), "lighting", "lights.v001.json"), "rb").read() == v001
    assert [(p.kind, p.version) for p in pub.publish(again)] == [("lights", 2)]  # render layers unchanged
    assert sdf.open(shot_path).lights.find("key_group/key").intensity == 1.0


def test_publish_refusals_write_nothing(demo, run):
    root, shot_path = demo
    before = tree_hashes(root)
    result = run("publish", shot_path, "--department", "catering")
    assert result.exit_code == 2 and "unknown department 'catering'" in result.stderr
    # An element the department doesn't own cannot even be changed, so cannot be published.
    view = sdf.open(shot_path, department="lighting")
    with pytest.raises(sdf.ReadOnlyError):
        view.model_tree.find("/chars/hero/body").material = "x.mtlx#y"
    # A department owning nothing in this shot.
    shot = json.load(open(shot_path))
    del shot["parts"]["layout"]
    json.dump(shot, open(shot_path, "w"))
    before = tree_hashes(root)
    result = run("publish", shot_path, "--department", "layout")
    assert result.exit_code == 2 and "owns none of the data" in result.stderr
    assert tree_hashes(root) == before


def _downstream(shot_path, name, parts):
    """A department's own SDF next to the shot, referencing upstream parts pinned or 'latest'."""
    data = json.load(open(shot_path))
    for kind, version in parts.items():
        ref = data["parts"][kind]["ref"]
        data["parts"][kind] = {"ref": ref, "version": version}
    path = os.path.join(os.path.dirname(shot_path), name)
    json.dump(data, open(path, "w"))
    return path


def test_latest_follows_upstream_publishes_and_pins_are_reported(demo, run):
    _, shot_path = demo
    first = pub.publish(sdf.open(shot_path, department="model"), message="v1")
    assert first[0].version == 1
    follow = _downstream(shot_path, "lighting_latest.sdf", {"model_tree": "latest"})
    pinned = _downstream(shot_path, "lighting_pinned.sdf", {"model_tree": 1})
    # The model department adds an asset and publishes.
    model = sdf.open(shot_path, department="model")
    model.model_tree.find("/props").children.append(
        sdf.ModelNode("lamp", source={"file": "model/props.abc", "object": "/ball/ballShape"}))
    assert pub.publish(model, message="add lamp")[0].version == 2
    # A lighting view that follows 'latest' sees it with no manual step; a pinned one does not.
    assert sdf.open(follow, department="lighting").model_tree.find("/props/lamp") is not None
    assert sdf.open(pinned, department="lighting").model_tree.find("/props/lamp") is None
    status = run("status", pinned)
    assert status.exit_code == 1 and "model_tree" in status.stdout and "v001" in status.stdout \
        and "newest v002  OUTDATED" in status.stdout
    assert run("status", follow).exit_code == 0
    upd = run("update", pinned, "--department", "lighting")
    assert upd.exit_code == 0 and "model_tree: v001 -> v002" in upd.stdout
    assert sdf.open(pinned).model_tree.find("/props/lamp") is not None
    assert run("status", pinned).exit_code == 0
    log = run("log", shot_path, "--json")
    records = json.loads(log.stdout)
    assert [(r["department"], r["kind"], r["version"], r["message"]) for r in records] == [
        ("model", "model_tree", 1, "v1"), ("model", "model_tree", 2, "add lamp")]
    assert "model\n  model_tree     v001" in run("log", shot_path).stdout


def _changed_view(shot_path, department, note):
    """A view with one edit of the department's own data (an identical version is never published)."""
    view = sdf.open(shot_path, department=department)
    target = view.lights.find("key_group/key") if department == "lighting" else view.model_tree.find("/env/rock")
    target.metadata["note"] = note
    return view


def test_update_respects_department_scope(demo, run):
    _, shot_path = demo
    pub.publish(_changed_view(shot_path, "lighting", "a"))
    pub.publish(_changed_view(shot_path, "model", "a"))
    down = _downstream(shot_path, "anim.sdf", {"lights": 1, "model_tree": 1})
    pub.publish(_changed_view(shot_path, "lighting", "b"))
    pub.publish(_changed_view(shot_path, "model", "b"))
    out = run("update", down, "--department", "animation").stdout  # animation ignores lights
    assert "model_tree: v001 -> v002" in out and "lights" not in out
    assert _shot_parts(down)["lights"]["version"] == 1


def test_publishing_an_inline_part_moves_it_into_the_departments_folder(tmp_path):
    tree = sdf.LightTree([sdf.Light("key", "distant", intensity=2.0)])
    path = tmp_path / "s.sdf"
    sdf.create_shot(path, "s", frame_range=(1, 10), parts={"lights": (tree, None)})
    view = sdf.open(path, department="lighting")
    done = pub.publish(view, message="first")
    assert [(p.kind, p.version) for p in done] == [("lights", 1)]
    assert json.load(open(path))["parts"]["lights"] == {"ref": "lighting/lights.json", "version": 1}
    assert (tmp_path / "lighting" / "lights.v001.json").exists()
    assert sdf.open(path).lights.find("key").intensity == 2.0


def test_saving_a_view_opened_before_a_publish_keeps_that_publish(demo):
    _, shot_path = demo
    pub.publish(_changed_view(shot_path, "model", "1"), message="v1")
    layout = sdf.open(shot_path, department="layout")      # opened while model is at v001
    pub.publish(_changed_view(shot_path, "model", "2"), message="v2")  # model moves to v002
    layout.fps = 25.0                                       # layout owns the shot's settings
    layout.metadata["note"] = "retimed"
    layout.save()
    data = json.load(open(shot_path))
    assert data["fps"] == 25.0 and data["metadata"]["note"] == "retimed"
    assert data["parts"]["model_tree"]["version"] == 2     # the model publish was not undone


def test_publishing_nothing_new_writes_nothing(demo):
    proj, shot_path = demo
    pub.publish(_changed_view(shot_path, "lighting", "x"), message="first")
    from conftest import tree_hashes

    before = tree_hashes(proj)
    with pytest.raises(pub.NothingToPublish, match="nothing to publish"):
        pub.publish(sdf.open(shot_path, department="lighting"), message="again")
    assert tree_hashes(proj) == before
