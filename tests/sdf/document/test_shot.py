"""The document model: open, walk, change, save, compose overlays, includes, resolution."""
import json
import os

import pytest

import sdf
from sdf.runtime import jsonio


def test_open_and_walk_typed_objects(demo):
    _, path = demo
    shot = sdf.open(path)
    assert shot.name == "sh010" and shot.fps == 24.0 and shot.up_axis == "Y"
    assert len(shot.frame_range) == 48
    leaves = list(shot.model_tree.leaves())
    assert {l.path for l in leaves} >= {"/chars/hero/body", "/env/rock", "/fx/flag", "/fx/sparks"}
    assert all(isinstance(l.source, sdf.AlembicSource) for l in leaves)
    assert all(l.material for l in leaves)
    assert shot.model_tree.find("/fx/flag").effects == ("fx/wind.json",)
    cam = shot.shot_camera
    assert isinstance(cam, sdf.Camera) and cam.name == "shotCam" and cam.is_animated
    assert shot.cameras.get("witnessCam").is_animated is False
    lights = {l.name: l for l in shot.lights.lights()}
    assert {"key", "fill", "rim", "dome", "lamp"} <= set(lights)
    assert lights["dome"].texture == "textures/sky.exr"
    assert lights["lamp"].is_animated
    assert lights["lamp"].value_at("intensity", 1001) == 2.0
    assert lights["lamp"].value_at("intensity", 1024) == pytest.approx(6.0)
    layers = {l.name: l for l in shot.render_layers}
    assert set(layers) == {"characters", "environment", "shadows"}
    assert layers["characters"].overrides_for("/env/rock") == {"matte": True}
    assert {n.path for n in layers["environment"].member_nodes(shot.model_tree)} >= {"/env/rock", "/fx/flag"}
    assert shot.rigs.rigs[0].path == "rig/hero_rig.ma"
    assert shot.intermediate[0].kind == "simulation"


def test_overlays_compose_and_edits_go_to_the_owning_file(demo):
    _, path = demo
    shot = sdf.open(path)
    hero = shot.model_tree.find("/chars/hero")
    # The model says identity translate; final layout's placement overlay moves the hero.
    assert hero.transform[12:15] == (0.0, 0.0, 0.5)
    hero.transform = sdf.translation(1.0, 2.0, 3.0)
    body = shot.model_tree.find("/chars/hero/body")
    body.material = "materials/shading.mtlx#stone"
    written = {os.path.relpath(p, os.path.dirname(path)) for p in shot.save()}
    assert written == {os.path.join("final_layout", "placement.json"), os.path.join("texture_shader", "materials.json")}
    again = sdf.open(path)
    assert again.model_tree.find("/chars/hero").transform[12:15] == (1.0, 2.0, 3.0)
    assert again.model_tree.find("/chars/hero/body").material.endswith("#stone")
    assert again.model_tree.find("/chars/hero/body").world_matrix()[12:15] == (1.0, 2.0, 3.0)


def test_change_lights_cameras_layers_and_save_roundtrip(demo):
    _, path = demo
    shot = sdf.open(path)
    shot.lights.find("key_group/key").intensity = 7.5
    shot.lights.children.append(sdf.Light("bounce", "rect", width=1, height=1, intensity=0.3))
    shot.cameras.get("shotCam").focal_length = 50
    layer = shot.render_layers.get("characters")
    layer.aovs = layer.aovs + (sdf.AOV("emission", "color3f", "C<RE>", "lpe"),)
    shot.save()
    again = sdf.open(path)
    assert again.lights.find("key_group/key").intensity == 7.5
    assert again.lights.find("bounce").type == "rect"
    assert again.cameras.get("shotCam").focal_length == 50
    assert again.render_layers.get("characters").aovs[-1].name == "emission"


def test_duplicate_child_names_are_refused(demo):
    _, path = demo
    shot = sdf.open(path)
    with pytest.raises(ValueError, match="already exists"):
        shot.model_tree.children.append(sdf.ModelNode("chars"))


def test_saving_is_deterministic(demo):
    _, path = demo
    shot_dir = os.path.dirname(path)
    before = {f: open(os.path.join(shot_dir, f), "rb").read() for f in ("sh010.sdf", "model/model_tree.json")}
    shot = sdf.open(path)
    shot.model_tree  # load
    for doc in shot.documents():
        doc.dirty = True
    shot.save()
    after = {f: open(os.path.join(shot_dir, f), "rb").read() for f in before}
    assert before == after


def test_save_as_writes_a_self_contained_shot(demo, tmp_path):
    root, path = demo
    out = os.path.join(os.path.dirname(path), "flat.sdf")
    sdf.open(path).save_as(out)
    data = json.load(open(out))
    assert all("sdf_schema" in part for part in data["parts"].values())
    flat = sdf.open(out)
    assert flat.model_tree.find("/chars/hero").transform[12:15] == (0.0, 0.0, 0.5)
    assert len(flat.lights.lights()) == 5


def test_inline_parts_and_new_shot(tmp_path):
    tree = sdf.ModelTree([sdf.ModelNode("a", children=[sdf.ModelNode("b", material="m.mtlx#x")])])
    shot = sdf.create_shot(tmp_path / "s.sdf", "s", frame_range=(1, 10), parts={"model_tree": (tree, None)})
    assert shot.model_tree.find("/a/b").material == "m.mtlx#x"
    shot.model_tree.find("/a/b").material = "m.mtlx#y"
    assert shot.save() == [str(tmp_path / "s.sdf")]
    assert sdf.open(tmp_path / "s.sdf").model_tree.find("/a/b").material == "m.mtlx#y"


def _write(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    jsonio.write(path, doc)


def _tree_with_include(target):
    return {"sdf_schema": "ModelTree.1", "children": [{"name": "set", "include": target}]}


def test_included_model_trees_and_cycles(tmp_path):
    _write(tmp_path / "sdf-project.json", {"project": "t"})
    _write(tmp_path / "sets" / "kitchen.json", {"sdf_schema": "ModelTree.1", "children": [{"name": "table"}]})
    _write(tmp_path / "shot" / "model.json", _tree_with_include("../sets/kitchen.json"))
    shot_doc = {"sdf_schema": "Shot.2", "name": "s", "frame_range": {"start": 1, "end": 2}, "fps": 24,
                "up_axis": "Y", "meters_per_unit": 1, "parts": {"model_tree": {"ref": "model.json"}}}
    _write(tmp_path / "shot" / "s.sdf", shot_doc)
    shot = sdf.open(tmp_path / "shot" / "s.sdf")
    assert shot.model_tree.find("/set/table") is not None
    # A cycle: kitchen includes the shot's tree, which includes kitchen.
    _write(tmp_path / "sets" / "kitchen.json", _tree_with_include("../shot/model.json"))
    with pytest.raises(sdf.ResolveError, match="reference cycle: model.json -> kitchen.json -> model.json"):
        sdf.open(tmp_path / "shot" / "s.sdf").model_tree


def test_variables_search_path_and_project_root(tmp_path, monkeypatch):
    _write(tmp_path / "proj" / "sdf-project.json", {"project": "t"})
    _write(tmp_path / "proj" / "lib" / "cams.json", {"sdf_schema": "CameraSet.1", "cameras": []})
    _write(tmp_path / "outside" / "cams.json", {"sdf_schema": "CameraSet.1", "cameras": []})
    base = {"sdf_schema": "Shot.2", "name": "s", "frame_range": {"start": 1, "end": 2}, "fps": 24,
            "up_axis": "Y", "meters_per_unit": 1}
    shot_path = tmp_path / "proj" / "shots" / "s.sdf"
    # ${VAR} expansion
    monkeypatch.setenv("LIB", str(tmp_path / "proj" / "lib"))
    _write(shot_path, dict(base, parts={"cameras": {"ref": "${LIB}/cams.json"}}))
    assert len(sdf.open(shot_path).cameras) == 0
    # undefined variable
    _write(shot_path, dict(base, parts={"cameras": {"ref": "${NOPE}/cams.json"}}))
    with pytest.raises(sdf.ResolveError, match=r"undefined variable \$\{NOPE\}"):
        sdf.open(shot_path).cameras
    # search path
    _write(shot_path, dict(base, search_path=["../lib"], parts={"cameras": {"ref": "cams.json"}}))
    assert len(sdf.open(shot_path).cameras) == 0
    # escaping the project root is refused unless allowed
    _write(shot_path, dict(base, parts={"cameras": {"ref": "../../outside/cams.json"}}))
    with pytest.raises(sdf.ResolveError, match="outside the project root"):
        sdf.open(shot_path).cameras
    assert len(sdf.open(shot_path, allow_outside_root=True).cameras) == 0
    # a symlink inside the root pointing outside is refused too
    os.symlink(tmp_path / "outside", tmp_path / "proj" / "link")
    _write(shot_path, dict(base, parts={"cameras": {"ref": "../link/cams.json"}}))
    with pytest.raises(sdf.ResolveError, match="outside the project root"):
        sdf.open(shot_path).cameras


def test_checked_documents_are_cached_by_content(demo, monkeypatch, tmp_path):
    from sdf.document import checks as shot_module

    monkeypatch.setenv("SDF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(shot_module, "CHECKED", shot_module._CheckedCache())
    calls = []
    real = shot_module.check_document
    monkeypatch.setattr(shot_module, "check_document", lambda *a, **k: (calls.append(a[0]), real(*a, **k)))
    _, path = demo
    sdf.open(path).load_all()
    first = len(calls)
    assert first >= 11  # the shot and its ten parts, checked once
    monkeypatch.setattr(shot_module, "CHECKED", shot_module._CheckedCache())  # a new process: the disk cache
    sdf.open(path).load_all()
    assert len(calls) == first
    # A changed document is checked again, and a bad one is still refused.
    cams = os.path.join(os.path.dirname(path), "tracking", "cameras.json")
    text = open(cams).read().replace('"focal_length": 35.0', '"focal_length": -35.0')
    open(cams, "w").write(text)
    with pytest.raises(sdf.FormatError, match="focal_length"):
        sdf.open(path).cameras


def test_a_save_never_replaces_someone_elses_newer_save(demo):
    _, path = demo
    a = sdf.open(path, department="lighting")
    b = sdf.open(path, department="lighting")
    a.lights.find("key_group/key").intensity = 5.0
    b.lights.find("key_group/key").intensity = 9.0
    a.save()
    with pytest.raises(sdf.SdfError, match="changed on disk since this view read it"):
        b.save()
    assert sdf.open(path).lights.find("key_group/key").intensity == 5.0
    a.lights.find("key_group/key").intensity = 6.0  # the first view can go on saving
    a.save()
    assert sdf.open(path).lights.find("key_group/key").intensity == 6.0


def test_render_layer_members_one_rule(demo):
    """A layer's leaves and their states: members by pattern (a group's pattern covers its leaves),
    overrides applied, hidden ones left out; ids are the leaves' numbers in the model tree, the same
    in every layer (what Cycles and the viewer's preview both write as the integer id matte)."""
    _, path = demo
    shot = sdf.open(path)
    tree = shot.model_tree
    numbers = tree.leaf_numbers()
    assert sorted(numbers.values()) == list(range(1, len(numbers) + 1))
    layers = {l.name: l for l in shot.render_layers}
    chars = layers["characters"].leaf_states(tree)
    assert chars["/env/rock"].state == "matte" and chars["/chars/hero/body"].state == "beauty"
    assert "/fx/flag" not in chars
    env = layers["environment"].leaf_states(tree)
    assert "/fx/sparks" not in env and env["/fx/flag"].state == "beauty"   # visible: false
    shadows = layers["shadows"].leaf_states(tree)
    assert shadows["/chars/hero/body"].state == "indirect" and shadows["/chars/hero/body"].casts_shadows
    assert shadows["/env/rock"].state == "catcher" and shadows["/env/rock"].receives_shadows
    for states in (chars, env, shadows):
        assert all(m.id == numbers[p] for p, m in states.items())
    tree.find("/env").visible = False  # a hidden group hides its leaves from every layer
    assert not any(p.startswith("/env/") for p in layers["shadows"].leaf_states(tree))
