"""One check everywhere: every command that reads a shot makes ``sdf validate``'s checks (one function,
sdf.pipeline.validate.open_checked) on what it reads, and only on that; validate also checks the project file
and the policy it names; a misspelt field is named with a suggestion."""
import json
import os

import pytest

import sdf
from sdf.errors import AlembicError, FormatError
from sdf.pipeline.validate import open_checked, validate

from conftest import tree_hashes


def _edit_json(path, fn):
    data = json.load(open(path))
    fn(data)
    with open(path, "w") as fh:
        json.dump(data, fh)


def _cams(shot):
    return os.path.join(os.path.dirname(shot), "tracking", "cameras.json")


def _model(shot):
    return os.path.join(os.path.dirname(shot), "model", "model_tree.json")


def _misspell_focal_length(shot):
    _edit_json(_cams(shot), lambda d: d["cameras"][0].update(focal_lenght=d["cameras"][0].pop("focal_length")))


def _readme_nobody(shot):
    """The README's own example error: a leaf naming an object its archive does not hold."""
    def f(d):
        body = d["children"][0]["children"][0]["children"][0]
        assert body["name"] == "body"
        body["source"]["object"] = "/hero/nobody"
    _edit_json(_model(shot), f)


NOBODY = "model/model_tree.json: chars/hero/body/source: no object '/hero/nobody' in hero.abc"
FOCAL = "tracking/cameras.json: cameras/shotCam: unknown field 'focal_lenght' (did you mean 'focal_length'?)"


@pytest.mark.parametrize("args", [["info"], ["tree"], ["play", "--passes", "1"], ["cache", "stats"], ["validate"]])
@pytest.mark.parametrize("breakage,expected", [(_readme_nobody, NOBODY), (_misspell_focal_length, FOCAL)])
def test_commands_refuse_what_validate_refuses_with_the_same_line(demo, run, monkeypatch, args, breakage, expected):
    root, shot = demo
    breakage(shot)
    monkeypatch.chdir(os.path.dirname(shot))
    before = tree_hashes(root)
    result = run(*args, "sh010.sdf")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[0] == f"error: {expected}"
    assert "Traceback" not in result.output
    assert tree_hashes(root) == before


def test_several_problems_are_one_line_that_counts_the_rest(demo, run, monkeypatch):
    root, shot = demo
    _readme_nobody(shot)
    _misspell_focal_length(shot)
    monkeypatch.chdir(os.path.dirname(shot))
    listed = [l for l in run("validate", "sh010.sdf").stderr.splitlines() if l.startswith("error: ")]
    assert sorted(listed) == sorted([f"error: {NOBODY}", f"error: {FOCAL}"])
    for command in ("info", "play"):
        result = run(command, "sh010.sdf")
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [f"{listed[0]} (and 1 more problem: sdf validate lists them)"]


def test_what_a_view_ignores_is_neither_read_nor_checked(demo, run):
    root, shot = demo
    _misspell_focal_length(shot)  # cameras: the model department ignores them
    result = run("info", shot, "--department", "model")
    assert result.exit_code == 0, result.output
    assert run("tree", shot, "-d", "model").exit_code == 0
    view = open_checked(shot, "model")
    assert not view.is_loaded("cameras")
    # A department that reads cameras is refused, with the field.
    result = run("info", shot, "-d", "animation")
    assert result.exit_code == 2 and FOCAL.split(": ", 1)[1] in result.stderr


def test_open_checked_raises_the_validate_error_in_python(demo):
    root, shot = demo
    _readme_nobody(shot)
    with pytest.raises(AlembicError, match=r"chars/hero/body/source: no object '/hero/nobody' in hero\.abc"):
        open_checked(shot)
    report = validate(shot)
    assert [e.field for e in report.errors] == ["chars/hero/body/source"]


def test_clean_shot_opens_checked(demo):
    root, shot = demo
    view = open_checked(shot, "lighting")
    assert view.lights.find("key_group/key") is not None
    assert validate(shot).ok


# --- misspelt fields -----------------------------------------------------------------------------

def test_misspelt_shot_field_is_named_with_a_suggestion(demo, run, monkeypatch):
    root, shot = demo
    _edit_json(shot, lambda d: d.update(frame_rnage=d.pop("frame_range")))
    monkeypatch.chdir(os.path.dirname(shot))
    for command in ("validate", "info", "play"):
        result = run(command, "sh010.sdf")
        assert result.exit_code == 2
        assert result.stderr.splitlines() == ["error: sh010.sdf: unknown field 'frame_rnage' (did you mean "
                                              "'frame_range'?)"], command
    with pytest.raises(FormatError) as info:
        sdf.open(shot)
    assert info.value.field is None and "missing required field" not in str(info.value)


def test_misspelt_nested_fields_and_unknown_ones_without_a_match(demo):
    root, shot = demo
    lights = os.path.join(os.path.dirname(shot), "lighting", "lights.json")
    _edit_json(lights, lambda d: d["children"][0]["children"][0].update(intensty=1.0))
    with pytest.raises(FormatError, match=r"lights\.json: key_group/key: unknown field 'intensty' "
                                          r"\(did you mean 'intensity'\?\)$"):
        sdf.open(shot).lights
    _edit_json(lights, lambda d: d["children"][0]["children"][0].update(
        intensity=d["children"][0]["children"][0].pop("intensty"), zzz=1))
    with pytest.raises(FormatError, match=r"key_group/key: unknown field 'zzz'$"):
        sdf.open(shot).lights
    # A part reference with a misspelt key: named inside the oneOf too.
    _edit_json(lights, lambda d: d["children"][0]["children"][0].pop("zzz"))
    _edit_json(shot, lambda d: d["parts"]["lights"].update(verison=2))
    with pytest.raises(FormatError, match=r"parts/lights: unknown field 'verison' \(did you mean 'version'\?\)"):
        sdf.open(shot)


def test_misspelt_policy_field_is_named_with_a_suggestion(tmp_path):
    from sdf.document.departments import load_policy

    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"sdf_schema": "DepartmentPolicy.1", "departments": {"a": {"onws": ["lights"]}}}))
    with pytest.raises(FormatError, match=r"departments/a: unknown field 'onws' \(did you mean 'owns'\?\)"):
        load_policy(str(path))


# --- the project file and its policy ---------------------------------------------------------------

def _project(root, **settings):
    with open(os.path.join(root, "sdf-project.json"), "w") as fh:
        json.dump({"project": "demo", **settings}, fh)


def _policy_doc():
    return {"sdf_schema": "DepartmentPolicy.1", "departments": {"lighting": {"owns": ["lights"]}}}


def test_validate_refuses_a_policy_outside_the_project_root(demo, run, tmp_path):
    root, shot = demo
    outside = tmp_path / "elsewhere" / "policy.json"
    outside.parent.mkdir()
    outside.write_text(json.dumps(_policy_doc()))
    _project(root, departments=str(outside))
    result = run("validate", shot)  # no department given: the policy in force is checked all the same
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "sdf-project.json: departments:" in lines[0] and "outside the project root" in lines[0]
    assert not validate(shot).ok


@pytest.mark.parametrize("settings,text,expected", [
    (None, "{\"project\": ", ["sdf-project.json", "malformed document"]),
    (None, "[1, 2]", ["sdf-project.json", "expected an object, got list"]),
    ({"departments": 3}, None, ["sdf-project.json: departments: wrong type"]),
    ({"deparments": "policy.json"}, None,
     ["sdf-project.json: unknown field 'deparments' (did you mean 'departments'?)"]),
    ({"departments": "no_such_policy.json"}, None, ["sdf-project.json: departments:", "not found"]),
    ({"departments": "bad_policy.json"}, None,
     ["bad_policy.json: departments/lighting: unknown field 'onws' (did you mean 'owns'?)"]),
])
def test_validate_checks_the_project_file_and_the_policy_it_names(demo, run, settings, text, expected):
    root, shot = demo
    with open(os.path.join(root, "policy.json"), "w") as fh:
        json.dump(_policy_doc(), fh)
    with open(os.path.join(root, "bad_policy.json"), "w") as fh:
        json.dump({"sdf_schema": "DepartmentPolicy.1", "departments": {"lighting": {"onws": ["lights"]}}}, fh)
    if settings is not None:
        _project(root, **settings)
    else:
        with open(os.path.join(root, "sdf-project.json"), "w") as fh:
            fh.write(text)
    result = run("validate", shot)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert all(e in lines[0] for e in expected), lines


def test_validate_accepts_a_good_project_policy_and_free_settings(demo, run):
    root, shot = demo
    with open(os.path.join(root, "policy.json"), "w") as fh:
        json.dump(_policy_doc(), fh)
    _project(root, departments="policy.json", fps=24, studio={"any": "thing"})
    result = run("validate", shot)
    assert result.exit_code == 0, result.output


def test_the_check_never_loads_the_alembic_library_in_the_calling_process(demo):
    """Objects are looked up in each file's index, made by alembic3d in a worker (sdf.alembic.sample_index): a
    player that checks its shot keeps the promise that no file can crash it."""
    import subprocess
    import sys

    root, shot = demo
    _readme_nobody(shot)
    code = ("import sys; from sdf.pipeline.validate import open_checked, validate; from sdf.errors import SdfError\n"
            f"r = validate({shot!r}); assert [str(e).split(': ', 1)[1] for e in r.errors] == "
            "['chars/hero/body/source: no object \\'/hero/nobody\\' in hero.abc'], r.errors\n"
            "try:\n    open_checked(sys.argv[1])\nexcept SdfError as e:\n    print(e)\n"
            "print('alembic3d' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code, shot], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "False" and "no object '/hero/nobody' in hero.abc" in out


def test_an_object_that_is_not_geometry_is_named(demo, run):
    """A leaf pointing at a camera inside an archive: found in the index's schemas, refused as not geometry."""
    from alembic3d import Abc, AbcGeom

    root, shot = demo
    archive = Abc.OArchive(os.path.join(root, "assets", "model", "cam.abc"))
    camera = AbcGeom.OCamera(archive.getTop(), "cam")
    camera.getSchema().set(AbcGeom.CameraSample())
    del camera, archive  # written when the last reference goes

    def f(d):
        d["children"][0]["children"][0]["children"][0]["source"] = {"file": "model/cam.abc", "object": "/cam"}
    _edit_json(_model(shot), f)
    for command in ("validate", "play"):
        result = run(command, shot)
        assert result.exit_code == 2
        assert "model_tree.json: chars/hero/body/source: object '/cam' in cam.abc is AbcGeom_Camera, not geometry" \
            in result.stderr.splitlines()[0]
