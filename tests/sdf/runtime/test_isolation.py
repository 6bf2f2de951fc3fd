"""Department isolation through every public API: nothing reachable from a view can change another
department's data, and every write path (save, save_as, publish) checks ownership itself."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import sdf
from sdf.errors import ReadOnlyError, SdfError
from sdf.pipeline.publish import publish

from conftest import tree_hashes

REFUSALS = (ReadOnlyError, TypeError, AttributeError, ValueError, dataclasses.FrozenInstanceError)


def _changed(before, after):
    return {k for k in set(before) | set(after) if before.get(k) != after.get(k)} - {"shots/sh010/.sdf-shot.lock"}


def test_part_references_cannot_be_repointed(demo):
    proj, shot = demo
    view = sdf.open(shot, department="lighting")
    with pytest.raises(TypeError):
        view.parts["lights"] = view.parts["placement"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.parts["lights"].ref = "final_layout/placement.json"
    view.lights.find("key_group/key").intensity = 4.0
    before = tree_hashes(proj)
    publish(view, message="key")
    changed = _changed(before, tree_hashes(proj))
    assert {"shots/sh010/lighting/lights.v001.json", "shots/sh010/sh010.sdf"} <= changed
    assert all(p.startswith("shots/sh010/lighting/") for p in changed - {"shots/sh010/sh010.sdf"}), changed


def test_shot_settings_cannot_be_changed_by_a_non_owner_and_saves_keep_the_disk(demo):
    _, shot = demo
    view = sdf.open(shot, department="lighting")
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.frame_range.end = 5000
    with pytest.raises(ReadOnlyError):
        view.frame_range = (1001, 5000)
    with pytest.raises(ReadOnlyError):
        view.fps = 30
    view.lights.find("key_group/key").intensity = 4.0
    view.save()
    on_disk = json.load(open(shot))
    assert on_disk["frame_range"] == {"start": 1001, "end": 1048} and on_disk["fps"] == 24.0


def test_save_as_never_replaces_a_file(demo):
    proj, shot = demo
    view = sdf.open(shot, department="lighting")
    cameras = os.path.join(os.path.dirname(shot), "tracking", "cameras.json")
    before = tree_hashes(proj)
    for target in (cameras, shot):
        with pytest.raises(SdfError, match="never replaces"):
            view.save_as(target)
    assert tree_hashes(proj) == before


def test_overlay_opinions_and_keys_are_read_only(demo):
    _, shot = demo
    view = sdf.open(shot, department="lighting")
    placement = view.overlay("placement")
    with pytest.raises(TypeError):
        placement.opinions["/props/crate"]["transform"] = sdf.translation(9, 9, 9)
    with pytest.raises(TypeError):
        placement.opinions["/props/ball"] = {"visible": False}
    with pytest.raises(AttributeError):
        placement.opinions = {}
    with pytest.raises(ReadOnlyError):
        view.model_tree.find("/props/crate").transform = sdf.translation(9, 9, 9)
    lamp = view.lights.find("practicals/lamp")  # lighting owns lights, but keys change by assignment only
    with pytest.raises(ValueError):
        lamp.animation["intensity"].values[0, 0] = 99.0
    with pytest.raises(TypeError):
        view.policy.departments["lighting"] = view.policy.departments["layout"]
    with pytest.raises(AttributeError):
        view.policy.source = "/tmp/mine.json"


def _walk(obj, seen, path, out):
    """Every object reachable from a view through public attributes (the class of things to test)."""
    if id(obj) in seen or isinstance(obj, (str, bytes, int, float, bool, type(None))):
        return
    seen.add(id(obj))
    out.append((path, obj))
    if isinstance(obj, dict) or type(obj).__name__ == "mappingproxy":
        for k, v in list(obj.items()):
            _walk(v, seen, f"{path}[{k!r}]", out)
    elif isinstance(obj, (list, tuple, frozenset, set)):
        for i, v in enumerate(obj):
            _walk(v, seen, f"{path}[{i}]", out)
    elif type(obj).__module__.startswith("sdf"):
        for name in dir(obj):
            if name.startswith("_") or name in ("shot", "resolver"):
                continue
            try:
                value = getattr(obj, name)
            except Exception:
                continue
            if not callable(value):
                _walk(value, seen, f"{path}.{name}", out)


def test_nothing_reachable_from_a_view_changes_another_departments_data(demo):
    """Walk every public object of a lighting view's non-owned data and try to mutate each one."""
    _, shot = demo
    view = sdf.open(shot, department="lighting")
    roots = {"model_tree": view.model_tree, "cameras": view.cameras, "placement": view.overlay("placement"),
             "materials": view.overlay("materials"), "animation": view.overlay("animation"),
             "fx": view.overlay("fx"), "shot": view, "policy": view.policy, "parts": view.parts}
    objects = []
    seen: set[int] = set()
    for name, root in roots.items():
        _walk(root, seen, name, objects)
    assert len(objects) > 100
    mutable = 0
    for path, obj in objects:
        if path.startswith("shot.lights") or path.startswith("shot.render_layers"):
            continue  # lighting's own data
        if isinstance(obj, np.ndarray):
            assert not obj.flags.writeable, path
        elif isinstance(obj, dict):
            with pytest.raises(REFUSALS):
                obj["probe"] = 1
            mutable += 1
        elif isinstance(obj, list):
            with pytest.raises(REFUSALS):
                obj.append(obj[0] if obj else None)
            mutable += 1
        elif isinstance(obj, set):
            pytest.fail(f"{path} is a mutable set")
        elif type(obj).__module__.startswith("sdf"):
            for name in dir(obj):
                if name.startswith("_"):
                    continue
                attr = getattr(type(obj), name, None)
                if callable(attr) and not isinstance(attr, property):
                    continue
                try:
                    current = getattr(obj, name)
                except Exception:
                    continue
                with pytest.raises(REFUSALS):
                    setattr(obj, name, current)
                mutable += 1
    assert mutable > 50


def _two_shots_sharing_lights(proj):
    """A second shot in the same project whose lights part is the first shot's lights.json."""
    src = os.path.join(proj, "shots", "sh010")
    dst = os.path.join(proj, "shots", "sh020")
    shutil.copytree(src, dst)
    data = json.load(open(os.path.join(dst, "sh010.sdf")))
    data["name"] = "sh020"
    data["parts"]["lights"] = {"ref": "../sh010/lighting/lights.json"}
    os.unlink(os.path.join(dst, "sh010.sdf"))
    json.dump(data, open(os.path.join(dst, "sh020.sdf"), "w"))
    return os.path.join(src, "sh010.sdf"), os.path.join(dst, "sh020.sdf")


PUBLISH_ONE = """
import sys, sdf
from sdf.pipeline.publish import publish
shot, tag = sys.argv[1], sys.argv[2]
view = sdf.open(shot, department="lighting")
view.lights.find("key_group/key").intensity = 100.0 + float(tag)  # never the value it had: a real change
publish(view, message="from " + tag)
"""


def test_shots_sharing_a_part_never_credit_one_version_to_the_other(demo):
    proj, _ = demo
    a, b = _two_shots_sharing_lights(proj)
    procs = [subprocess.Popen([sys.executable, "-c", PUBLISH_ONE, a if i % 2 else b, str(i + 1)])
             for i in range(8)]
    assert all(p.wait(120) == 0 for p in procs)
    folder = os.path.join(proj, "shots", "sh010", "lighting")
    versions = sorted(f for f in os.listdir(folder) if f.startswith("lights.v") and ".meta." not in f)
    assert len(versions) == 8
    for name in versions:
        data = open(os.path.join(folder, name), "rb").read()
        meta = json.load(open(os.path.join(folder, name.replace(".json", ".meta.json"))))
        assert meta["sha256"] == hashlib.sha256(data).hexdigest(), name
        intensity = json.loads(data)["children"][0]["children"][0]["intensity"]
        assert meta["message"] == f"from {int(intensity) - 100}", name


def test_policy_file_is_held_to_the_reference_rules(demo, tmp_path):
    proj, shot = demo
    project = os.path.join(proj, "sdf-project.json")
    for target in ("/dev/zero", str(tmp_path / "evil.json")):
        (tmp_path / "evil.json").write_text(json.dumps({"sdf_schema": "DepartmentPolicy.1", "departments": {}}))
        json.dump({"project": "demo", "departments": target}, open(project, "w"))
        with pytest.raises(SdfError, match="outside the project root"):
            sdf.open(shot, department="lighting")
