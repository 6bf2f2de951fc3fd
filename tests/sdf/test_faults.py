"""Fault and attack tries on the core: a document that would cost gigabytes to parse, leftovers of a
killed save, absurd rates and units, folders given as files, a shot folder the user may not write."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time

import pytest

from conftest import cli_as_nobody
from sdf.runtime import jsonio
from sdf.errors import FormatError


def _one_error_line(result) -> str:
    lines = [ln for ln in (result.stderr or result.output).splitlines() if ln.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


# -- what a document may cost --------------------------------------------------------------------

def _costly_shot(shot: str, arrays: int) -> None:
    """The shot document with ``arrays`` empty arrays in its metadata: few bytes each, costly parsed."""
    doc = json.load(open(shot))
    text = json.dumps(doc)[:-1] + ', "junk": [' + ",".join(["[]"] * arrays) + "]}"
    with open(shot, "w") as fh:
        fh.write(text)


def _never_parsed(monkeypatch, over: int = 5000):
    """The JSON parser refuses any text longer than ``over`` characters: the costly documents here all
    are, while the small files a command reads on its way (the project file, the policy) are not."""
    real = jsonio.json.loads

    def refuse(text, *a, **kw):
        if len(text) > over:
            raise AssertionError("the parser was run on a document that should have been refused before it")
        return real(text, *a, **kw)

    monkeypatch.setattr(jsonio.json, "loads", refuse)


def test_a_document_of_many_small_values_is_refused_before_parsing(demo, run, monkeypatch):
    _, shot = demo
    _costly_shot(shot, 5000)
    monkeypatch.setenv("SDF_MAX_DOCUMENT_VALUES", "10000")  # 2,000 arrays and objects at most
    _never_parsed(monkeypatch)
    for command in (("validate",), ("info",), ("tree",)):
        line = _one_error_line(run(*command, shot))
        assert "sh010.sdf" in line and "too costly to read" in line and "5,0" in line, line
        assert "SDF_MAX_DOCUMENT_VALUES" in line


def test_the_default_limit_refuses_millions_of_empty_arrays_without_building_them(monkeypatch):
    # 2.1 million empty arrays: 6 MB of text, about 300 MB once parsed (the 200 MB file: 10 GB)
    text = "[" + "[]," * 2_100_000 + "[]]"
    monkeypatch.delenv("SDF_MAX_DOCUMENT_VALUES", raising=False)
    _never_parsed(monkeypatch)
    with pytest.raises(FormatError, match=r"big\.sdf: too costly to read: 2,100,00\d arrays and objects"):
        jsonio.loads(text, "big.sdf")


def test_values_are_bounded_as_well_as_arrays_and_objects(monkeypatch):
    monkeypatch.setenv("SDF_MAX_DOCUMENT_VALUES", "1000")
    jsonio.loads(json.dumps({"numbers": list(range(900))}))  # under the limit: parsed as ever
    _never_parsed(monkeypatch)
    with pytest.raises(FormatError, match=r"about 1,50\d values \(at most 1,000"):
        jsonio.loads(json.dumps({"numbers": list(range(1500))}))


def test_a_real_shot_is_far_under_the_default_limits(demo, run):
    _, shot = demo
    assert run("validate", shot).exit_code == 0


# -- leftovers of a killed save ------------------------------------------------------------------

def test_a_save_removes_the_temporaries_a_killed_save_left_but_not_a_live_one(demo):
    import sdf

    _, shot = demo
    folder = os.path.dirname(shot)
    stale = os.path.join(folder, ".sh010.sdf.abcd1234.tmp")   # a save killed twenty minutes ago
    live = os.path.join(folder, ".sh010.sdf.efgh5678.tmp")    # another process writing right now
    other = os.path.join(folder, ".notes.txt.ijkl9012.tmp")   # not the shot's: never ours to remove
    for path in (stale, live, other):
        open(path, "w").write("partial")
    old = time.time() - 20 * 60
    for path in (stale, other):
        os.utime(path, (old, old))
    view = sdf.open(shot, department="layout")
    view.fps = 25.0
    assert shot in view.save()
    assert not os.path.exists(stale) and os.path.exists(live) and os.path.exists(other)
    assert sdf.open(shot).fps == 25.0


def test_temporaries_are_removed_only_when_old(tmp_path):
    target = tmp_path / "doc.json"
    young = tmp_path / ".doc.json.aaaa1111.tmp"
    young.write_text("x")
    old_age = time.time() - jsonio.STALE_TEMPORARY_SECONDS - 5
    stale = tmp_path / ".doc.json.bbbb2222.tmp"
    stale.write_text("x")
    os.utime(stale, (old_age, old_age))
    assert jsonio.remove_stale_temporaries(target) == [str(stale)]
    jsonio.write(target, {"a": 1})
    assert sorted(os.listdir(tmp_path)) == [".doc.json.aaaa1111.tmp", "doc.json"]


# -- a shot folder this user may not write -------------------------------------------------------

def test_a_read_only_shot_folder_is_reported_as_permission_denied():
    from sdf.demo import generate
    from sdf.pipeline.validate import validate

    work = tempfile.mkdtemp(prefix="sdf-ro-")
    shot = os.path.join(work, "proj", "shots", "sh010", "sh010.sdf")
    try:
        os.chmod(work, 0o755)
        assert generate(os.path.join(work, "proj"), "small") == shot
        assert validate(shot).ok  # its checked-documents record is written while we may write
        folder = os.path.dirname(shot)
        lock = os.path.join(folder, ".sdf-shot.lock")
        if os.path.exists(lock):
            os.unlink(lock)
        for d, _, files in os.walk(os.path.join(work, "proj")):
            for name in files:
                os.chmod(os.path.join(d, name), 0o644)
            os.chmod(d, 0o755)
        os.chmod(folder, 0o555)
        for argv in (["update", shot], ["publish", shot, "-d", "lighting", "-m", "x"]):
            code, stderr = cli_as_nobody(argv, work)
            lines = [ln for ln in stderr.splitlines() if ln.strip()]
            assert code == 2 and len(lines) == 1, stderr
            assert "Permission denied" in lines[0] and "not writable" in lines[0], lines[0]
            assert "No such file" not in lines[0] and ".sdf-shot.lock" in lines[0], lines[0]
    finally:
        if os.path.isdir(os.path.dirname(shot)):
            os.chmod(os.path.dirname(shot), 0o755)
        shutil.rmtree(work, ignore_errors=True)


# -- absurd rates and units ----------------------------------------------------------------------

def _set_shot_field(shot: str, **fields) -> None:
    doc = json.load(open(shot))
    doc.update(fields)
    with open(shot, "w") as fh:
        json.dump(doc, fh)


@pytest.mark.parametrize("field, value, rule", [
    ("fps", 1e-300, "less than the minimum of 1"),
    ("fps", 0.5, "less than the minimum of 1"),
    ("fps", 5000.0, "greater than the maximum of 1000"),
    ("meters_per_unit", 1e-300, "less than the minimum of 1e-06"),
    ("meters_per_unit", 1e300, "greater than the maximum of 1000000"),
])
def test_absurd_fps_and_units_are_refused_by_validate_and_play(demo, run, field, value, rule):
    _, shot = demo
    _set_shot_field(shot, **{field: value})
    for command in ("validate", "play", "info"):
        line = _one_error_line(run(command, shot))
        assert "sh010.sdf" in line and f"{field}: " in line and rule in line, (command, line)


def test_the_python_api_applies_the_same_rule(demo):
    import sdf

    _, shot = demo
    view = sdf.open(shot, department="layout")
    for field, bad in (("fps", 1e-300), ("fps", 1001.0), ("meters_per_unit", 0.0), ("meters_per_unit", 1e9)):
        with pytest.raises(ValueError, match=f"{field}: must be a number >= "):
            setattr(view, field, bad)
    view.fps, view.meters_per_unit = 24000 / 1001, 0.0254  # NTSC film rate, inches
    view.save()
    again = sdf.open(shot)
    assert (again.fps, again.meters_per_unit) == (24000 / 1001, 0.0254)


# -- folders given as files ----------------------------------------------------------------------

def _rewrite(path: str, old: str, new: str) -> None:
    text = open(path).read()
    assert old in text, (path, old)
    open(path, "w").write(text.replace(old, new))


@pytest.mark.parametrize("what, rel, old, file, field", [
    ("material", "texture_shader/materials.json", '"materials/shading.mtlx#skin"', "materials.json",
     "opinions/chars/hero/body/material"),
    ("effects", "fx/fx.json", '"fx/wind.json"', "fx.json", "opinions/fx/flag/effects"),
    ("rig", "rig/rigs.json", '"rig/hero_rig.ma"', "rigs.json", "hero_rig/path"),
    ("intermediate", "sh010.sdf", '"../../cache/cloth_sim.json"', "sh010.sdf", "intermediate/cloth_sim/path"),
])
def test_a_directory_is_not_accepted_as_a_referenced_file(demo, run, what, rel, old, file, field):
    _, shot = demo
    _rewrite(os.path.join(os.path.dirname(shot), rel), old, '"../..#x"' if what == "material" else '"../.."')
    line = _one_error_line(run("validate", shot))
    assert f"{file}: {field}: '../..' is a directory, not a file" in line, line
