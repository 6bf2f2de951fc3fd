"""Department policy as data, and department views of a shot."""
import builtins
import json
import os

import pytest

import sdf
from sdf.document.departments import DEFAULT_FILE, load_policy


def test_default_policy_is_the_design_papers_table():
    p = load_policy(DEFAULT_FILE)
    assert p.access("lighting", "lights") == "edit" and p.access("lighting", "render_layers") == "edit"
    assert p.access("lighting", "rig") == "ignore"
    assert p.access("animation", "lights") == "ignore" and p.access("animation", "render_layers") == "ignore"
    assert p.access("animation", "model_tree") == "read" and p.access("animation", "rig") == "read"
    assert p.access("model", "rig") == "ignore" and p.access("model", "animation") == "ignore"
    assert p.access("model", "layout") == "read"
    assert p.access("texture_shader", "materials") == "edit" and p.access("texture_shader", "lights") == "ignore"
    assert p.access("fx", "rig") == "ignore" and p.access("fx", "animation") == "read"
    assert p.owner("cameras") == "tracking" and p.owner("placement") == "final_layout"
    assert {r["department"] for r in p.table()} == {"layout", "model", "rig", "tracking", "final_layout",
                                                    "animation", "texture_shader", "fx", "lighting"}


def _policy(tmp_path, departments):
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"sdf_schema": "DepartmentPolicy.1", "departments": departments}))
    return str(path)


def test_contradictory_and_malformed_policies_are_refused(tmp_path):
    with pytest.raises(sdf.FormatError, match="'lights' is owned by both 'a' and 'b'"):
        load_policy(_policy(tmp_path, {"a": {"owns": ["lights"]}, "b": {"owns": ["lights"]}}))
    with pytest.raises(sdf.FormatError, match="unknown kind 'lightz'"):
        load_policy(_policy(tmp_path, {"a": {"owns": ["lightz"]}}))
    with pytest.raises(sdf.FormatError, match="both owned and read"):
        load_policy(_policy(tmp_path, {"a": {"owns": ["lights"], "reads": ["lights"]}}))
    with pytest.raises(sdf.FormatError, match="policy.json: departments/a/owns: missing required field"):
        load_policy(_policy(tmp_path, {"a": {"reads": ["lights"]}}))


def test_sdf_departments_command_and_config_override(run, tmp_path, monkeypatch):
    out = run("departments").stdout
    assert "lighting" in out and "owns: lights, render_layers" in out
    custom = _policy(tmp_path, {"lookdev": {"owns": ["materials", "lights"], "reads": ["model_tree"]}})
    data = json.loads(run("departments", "--config", custom, "--json").stdout)
    assert [r["department"] for r in data["departments"]] == ["lookdev"]
    monkeypatch.setenv("SDF_CONFIG", custom)
    assert "lookdev" in run("departments").stdout
    bad = _policy(tmp_path, {"a": {"owns": ["lights"]}, "b": {"owns": ["lights"]}})
    result = run("departments", "--config", bad)
    assert result.exit_code == 2 and "owned by both" in result.stderr


def test_unknown_department_is_refused(demo, run):
    result = run("info", demo[1], "--department", "catering")
    assert result.exit_code == 2 and "unknown department 'catering'" in result.stderr


def test_project_file_can_name_the_policy(demo, tmp_path):
    root, shot = demo
    custom = {"sdf_schema": "DepartmentPolicy.1",
              "departments": {"lookdev": {"owns": ["materials", "lights"], "reads": ["model_tree"]}}}
    with open(os.path.join(root, "studio_departments.json"), "w") as fh:
        json.dump(custom, fh)
    with open(os.path.join(root, "sdf-project.json"), "w") as fh:
        json.dump({"project": "demo", "departments": "studio_departments.json"}, fh)
    view = sdf.open(shot, department="lookdev")
    view.lights.find("key_group/key").intensity = 2.0  # lookdev owns lights in this studio


def test_read_only_data_refuses_every_kind_of_change(demo):
    _, shot_path = demo
    view = sdf.open(shot_path, department="lighting")
    view.lights.find("key_group/key").intensity = 9.0  # owned: fine
    body = view.model_tree.find("/chars/hero/body")
    cam = view.cameras.get("shotCam")
    attempts = {
        "set a model field": lambda: setattr(body, "source", sdf.AlembicSource("x.abc", "/x")),
        "set a placement field": lambda: setattr(view.model_tree.find("/chars/hero"), "transform",
                                                 sdf.translation(1, 0, 0)),
        "set a material": lambda: setattr(body, "material", "m.mtlx#x"),
        "add a child": lambda: view.model_tree.children.append(sdf.ModelNode("intruder")),
        "remove a child": lambda: view.model_tree.find("/env").children.remove(view.model_tree.find("/env/rock")),
        "pop a child": lambda: view.model_tree.children.pop(),
        "edit metadata": lambda: body.metadata.update(note="x"),
        "set a camera field": lambda: setattr(cam, "focal_length", 50),
        "add a camera": lambda: view.cameras.cameras.append(sdf.Camera("extra")),
        "change shot settings": lambda: setattr(view, "fps", 25),
        "save read-only data": lambda: view.save(kinds=["model_tree"]),
    }
    for what, attempt in attempts.items():
        with pytest.raises(sdf.ReadOnlyError) as exc:
            attempt()
        err = exc.value
        assert err.department == "lighting", what
        assert err.owner in ("model", "final_layout", "texture_shader", "tracking", "layout"), what
        assert err.element.startswith("/"), what
        assert "read-only" in str(err) and f"'{err.owner}'" in str(err) and "'lighting'" in str(err)
    assert view.model_tree.find("/env/rock") is not None and len(view.cameras) == 2
    written = view.save()
    assert [os.path.basename(p) for p in written] == ["lights.json"]


def test_ignored_data_is_never_read(demo, monkeypatch):
    root, shot_path = demo
    opened = []
    real_open = builtins.open

    def spy(file, *args, **kwargs):
        opened.append(os.path.realpath(file) if isinstance(file, (str, os.PathLike)) else file)
        return real_open(file, *args, **kwargs)

    real_os_open = os.open

    def os_spy(file, *args, **kwargs):  # documents are read through os.open (regular files only)
        opened.append(os.path.realpath(file) if isinstance(file, (str, os.PathLike)) else file)
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    monkeypatch.setattr(os, "open", os_spy)
    shot_dir = os.path.dirname(shot_path)

    def touched(*rel):
        return any(os.path.realpath(os.path.join(shot_dir, *rel)) == p for p in opened)

    lighting = sdf.open(shot_path, department="lighting")
    lighting.load_all()
    lighting.referenced_files()
    list(lighting.model_tree.walk())
    assert touched("lighting", "lights.json") and touched("model", "model_tree.json")
    assert not touched("rig", "rigs.json")
    assert not any(p.endswith("hero_rig.ma") for p in opened if isinstance(p, str))
    with pytest.raises(sdf.IgnoredError, match="ignores rig data"):
        lighting.rigs
    opened.clear()
    animation = sdf.open(shot_path, department="animation")
    animation.load_all()
    animation.referenced_files()
    assert touched("animation", "animation.json") and touched("rig", "rigs.json")
    assert not touched("lighting", "lights.json") and not touched("lighting", "render_layers.json")
    assert not touched("texture_shader", "materials.json")
    # Ignored overlays do not compose: animation sees no material opinions.
    assert animation.model_tree.find("/chars/hero/body").material is None


def test_tree_marks_access_per_department(run, demo):
    out = run("tree", demo[1], "--department", "lighting").stdout
    assert "lights  [editable]" in out and "key  (distant intensity=3)  [editable]" in out
    assert "model_tree  [read-only]" in out and "rig  [ignored]" in out
    data = json.loads(run("tree", demo[1], "--department", "animation", "--json").stdout)
    access = {c["name"]: c["access"] for c in data["children"]}
    assert access["lights"] == "ignore" and access["animation"] == "edit" and access["cameras"] == "read"


def test_tree_marks_animated_leaves_with_the_animation_departments_access(run, demo):
    data = json.loads(run("tree", demo[1], "--department", "animation", "--json").stdout)
    model = next(c for c in data["children"] if c["name"] == "model_tree")
    chars = next(c for c in model["children"] if c["name"] == "chars")
    body = chars["children"][0]["children"][0]
    rock = next(c for c in next(c for c in model["children"] if c["name"] == "env")["children"] if c["name"] == "rock")
    assert (body["name"], body["access"]) == ("body", "edit")   # its animation cache belongs to animation
    assert (rock["name"], rock["access"]) == ("rock", "read")   # no cache: model geometry, read-only
