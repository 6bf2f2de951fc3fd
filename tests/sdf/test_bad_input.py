"""Every kind of bad input: one clear line naming file and field, exit 2, no traceback, nothing changed."""
import json
import os

import pytest

from conftest import tree_hashes


def _edit_json(path, fn):
    data = json.load(open(path))
    fn(data)
    with open(path, "w") as fh:
        json.dump(data, fh)


def _shot_dir(shot):
    return os.path.dirname(shot)


def _cams(shot):
    return os.path.join(_shot_dir(shot), "tracking", "cameras.json")


def _model(shot):
    return os.path.join(_shot_dir(shot), "model", "model_tree.json")


def _break(kind):
    """Return (mutate(project, shot), expected fragments of the error line)."""
    def set_text(rel, text):
        def f(root, shot):
            open(os.path.join(_shot_dir(shot), rel) if rel else shot, "w").write(text)
        return f

    def edit(which, fn):
        def f(root, shot):
            _edit_json(which(shot), fn)
        return f

    def first_cam(fn):
        return edit(_cams, lambda d: fn(d["cameras"][0]))

    def hero(fn):
        return edit(_model, lambda d: fn(d["children"][0]["children"][0]["children"][0]))

    cases = {
        "malformed": (set_text("", '{"sdf_schema": "Shot.2", "name": '), ["sh010.sdf", "malformed document", "line 1"]),
        "future_version": (edit(lambda s: s, lambda d: d.update(sdf_schema="Shot.7")),
                           ["sh010.sdf", "sdf_schema", "Shot.7 is newer"]),
        "unknown_schema": (edit(_cams, lambda d: d.update(sdf_schema="Cameras.1")),
                           ["cameras.json", "sdf_schema", "unknown schema 'Cameras'"]),
        "missing_field": (first_cam(lambda c: c.pop("focal_length")),
                          ["cameras.json", "shotCam/focal_length: missing required field"]),
        "wrong_type": (first_cam(lambda c: c.update(focal_length="35mm")),
                       ["cameras.json", "shotCam/focal_length", "wrong type"]),
        "nan_matrix": (lambda root, shot: _replace(_cams(shot), _nan_camera(shot)),
                       ["cameras.json", "witnessCam", "NaN or infinite"]),
        "singular_matrix": (hero(lambda n: n.update(transform=[0] * 15 + [1])),
                            ["model_tree.json", "chars/hero/body/transform", "not invertible"]),
        "negative_range": (edit(lambda s: s, lambda d: d.update(frame_range={"start": 100, "end": 10})),
                           ["sh010.sdf", "frame_range", "before start"]),
        "absurd_range": (edit(lambda s: s, lambda d: d.update(frame_range={"start": 1, "end": 900000000})),
                         ["sh010.sdf", "frame_range", "absurd"]),
        "missing_part_file": (lambda root, shot: os.remove(_cams(shot)),
                              ["sh010.sdf", "parts/cameras", "not found"]),
        "missing_abc": (lambda root, shot: os.remove(os.path.join(root, "assets", "model", "hero.abc")),
                        ["model_tree.json", "chars/hero/body/source", "'model/hero.abc' not found"]),
        "missing_object": (hero(lambda n: n.update(source={"file": "model/hero.abc", "object": "/hero/nobody"})),
                           ["model_tree.json", "chars/hero/body/source", "no object '/hero/nobody' in hero.abc"]),
        "truncated_abc": (lambda root, shot: _truncate(os.path.join(root, "assets", "model", "hero.abc")),
                          ["model_tree.json", "chars/hero/body/source", "truncated"]),
        "hdf5_abc": (lambda root, shot: open(os.path.join(root, "assets", "model", "hero.abc"), "wb").write(
                         b"\x89HDF\r\n\x1a\n" + b"\0" * 512),
                     ["hero.abc", "HDF5", "abcconvert -toOgawa"]),
        "escapes_root": (edit(lambda s: s, lambda d: d["parts"].update(rig={"ref": "../../../../etc/hostname"})),
                         ["sh010.sdf", "parts/rig", "outside the project root"]),
        "cycle": (lambda root, shot: _edit_json(_model(shot), lambda d: d["children"].append(
                      {"name": "loop", "include": "model_tree.json"})),
                  ["model_tree.json", "loop/include", "reference cycle"]),
        "empty": (set_text("", ""), ["sh010.sdf", "empty document"]),
        "not_utf8": (lambda root, shot: open(shot, "wb").write(b"\xff\xfe{}"), ["sh010.sdf", "not UTF-8"]),
    }
    return cases[kind]


def _nan_camera(shot):
    text = open(_cams(shot)).read()
    i = text.index('"witnessCam"')
    j = text.index('"samples"', i)
    k = text.index("[", text.index("[", j) + 1) + 1
    return text[:k] + "NaN" + text[text.index(",", k):]


def _replace(path, text):
    with open(path, "w") as fh:
        fh.write(text)


def _truncate(path):
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])


KINDS = ["malformed", "future_version", "unknown_schema", "missing_field", "wrong_type", "nan_matrix",
         "singular_matrix", "negative_range", "absurd_range", "missing_part_file", "missing_abc", "missing_object",
         "truncated_abc", "hdf5_abc", "escapes_root", "cycle", "empty", "not_utf8"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", ["validate", "info", "tree", "play"])
def test_bad_input_gives_one_line_exit_2_and_changes_nothing(demo, run, kind, command):
    """Every command that reads a shot makes validate's checks (sdf.pipeline.validate.open_checked): the same line."""
    root, shot = demo
    mutate, expected = _break(kind)
    mutate(root, shot)
    before = tree_hashes(root)
    result = run(command, shot)
    assert result.exit_code == 2, result.output
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) >= 1
    line = next((l for l in lines if all(e in l for e in expected)), None)
    assert line is not None, f"no line with {expected} in {lines}"
    assert line.startswith("error: ")
    assert "Traceback" not in result.output
    if command != "validate":
        assert len(lines) == 1
    assert tree_hashes(root) == before


def test_cli_subprocess_has_no_traceback(demo):
    import subprocess
    import sys

    root, shot = demo
    open(shot, "w").write("{")
    proc = subprocess.run([sys.executable, "-m", "sdf.cli", "info", shot], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "sh010.sdf: malformed document" in proc.stderr


def test_validate_reports_overlay_paths_not_in_tree(demo, run):
    root, shot = demo
    mats = os.path.join(_shot_dir(shot), "texture_shader", "materials.json")
    _edit_json(mats, lambda d: d["opinions"].update({"/chars/villain": {"material": "materials/shading.mtlx#skin"}}))
    result = run("validate", shot)
    assert result.exit_code == 2
    assert "materials.json: opinions/chars/villain: no element '/chars/villain' in the model tree" in result.stderr


def test_validate_names_missing_material_library(demo, run):
    root, shot = demo
    os.remove(os.path.join(root, "assets", "materials", "shading.mtlx"))
    result = run("validate", shot)
    assert result.exit_code == 2
    assert "materials.json: opinions/chars/hero/body/material: referenced file 'materials/shading.mtlx' not found" \
        in result.stderr
