"""`sdf convert`: dispatch, options, and bad input (one line, exit 2, nothing left behind)."""
import json
import os

import pytest


def test_list(run):
    out = run("convert", "--list").stdout
    for name in ("alembic-usd", "usd-alembic", "sdf-usd", "usd-sdf"):
        assert name in out
    assert {a["name"] for a in json.loads(run("convert", "--list", "--json").stdout)} >= {"alembic-usd"}


def test_convert_json_summary(run, demo_master, tmp_path):
    root, _ = demo_master
    out = tmp_path / "hero.usda"
    result = run("convert", os.path.join(root, "assets", "anim", "hero_anim.abc"), out, "--frames", "1001-1010",
                 "--json")
    data = json.loads(result.stdout)
    assert data["adapter"] == "alembic-usd" and data["time_codes"] == 10 and out.exists()


@pytest.fixture(scope="module")
def crate(demo_master, tmp_path_factory):
    """The bytes of a real USD crate file, written by ``sdf convert`` from the demo's hero cache."""
    from sdf.converters.isolated import convert

    root, _ = demo_master
    out = tmp_path_factory.mktemp("crate") / "hero.usdc"
    convert(os.path.join(root, "assets", "anim", "hero_anim.abc"), str(out))
    data = out.read_bytes()
    assert data.startswith(b"PXR-USDC") and len(data) > 8192
    return data


def test_library_diagnostics_become_their_cause(tmp_path):
    """The USD library's error chain (internal names, source files, quoted and escaped messages) is
    reduced to the first cause, with the file's own position when it names one."""
    from pxr import Tf, Usd

    from sdf.converters.usd_input import reason

    bad = tmp_path / "bad.usda"
    bad.write_text("#usda 1.0\n( bad")
    with pytest.raises(Tf.ErrorException) as info:
        Usd.Stage.Open(str(bad))
    assert "pxrInternal" in str(info.value)  # what the library says
    assert reason(str(info.value), str(bad)) == "line 2, column 3: Expected ) at 'bad' in </>"


def _leftovers(d):
    return [f for f in os.listdir(d) if f.startswith(".sdf-convert")]


@pytest.mark.parametrize("case", ["unknown_in", "unknown_out", "no_pair", "missing", "truncated", "hdf5",
                                  "exists", "no_dir", "bad_usd", "bad_frames", "directory", "directory_ext",
                                  "truncated_usdc", "empty_usdc", "short_usdc", "not_crate", "bad_toc"])
def test_bad_input(run, demo_master, tmp_path, case, crate):
    root, _ = demo_master
    hero = os.path.join(root, "assets", "anim", "hero_anim.abc")
    toc = int.from_bytes(crate[16:24], "little")
    args, expect = {
        "unknown_in": ([tmp_path / "a.obj", tmp_path / "b.usda"], "unknown input extension '.obj'"),
        "unknown_out": ([hero, tmp_path / "b.fbx"], "unknown output extension '.fbx'"),
        "no_pair": ([hero, tmp_path / "b.abc"], "no converter from .abc to .abc"),
        "missing": ([tmp_path / "nothing.abc", tmp_path / "b.usda"], "nothing.abc: input not found"),
        "truncated": ([tmp_path / "t.abc", tmp_path / "b.usda"], "t.abc: truncated"),
        "hdf5": ([tmp_path / "h.abc", tmp_path / "b.usda"], "abcconvert -toOgawa"),
        "exists": ([hero, tmp_path / "exists.usda"], "output exists (use --force"),
        "no_dir": ([hero, tmp_path / "nope" / "b.usda"], "output directory does not exist"),
        "bad_usd": ([tmp_path / "bad.usda", tmp_path / "b.abc"],
                    "bad.usda: cannot be read: line 2, column 18: Expected } at 'this is not usd }' in </x>"),
        "bad_frames": ([hero, tmp_path / "b.usda", "--frames", "20-10"], "end is before start"),
        "directory": ([tmp_path / "folder", tmp_path / "b.usda"],
                      "folder: is a directory; give the file to convert (.abc, .sdf, .usd, .usda, .usdc)"),
        "directory_ext": ([tmp_path / "folder.abc", tmp_path / "b.usda"], "folder.abc: is a directory"),
        "truncated_usdc": ([tmp_path / "cut.usdc", tmp_path / "b.abc"], "cut.usdc: cannot be read: truncated or "
                           f"unfinished USD crate file (table of contents at byte {toc}, file has 4096)"),
        "empty_usdc": ([tmp_path / "empty.usdc", tmp_path / "b.sdf"], "empty.usdc: cannot be read: the file is empty"),
        "short_usdc": ([tmp_path / "short.usdc", tmp_path / "b.abc"],
                       "short.usdc: cannot be read: truncated USD crate file (12 bytes, shorter than its header)"),
        "not_crate": ([tmp_path / "text.usdc", tmp_path / "b.abc"],
                      "text.usdc: cannot be read: not a USD crate file (no PXR-USDC header)"),
        "bad_toc": ([tmp_path / "toc.usdc", tmp_path / "b.abc"], "toc.usdc: cannot be read: corrupt USD crate file: "),
    }[case]
    data = open(hero, "rb").read()
    (tmp_path / "t.abc").write_bytes(data[: len(data) // 2])
    (tmp_path / "h.abc").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    (tmp_path / "exists.usda").write_text("#usda 1.0\n")
    (tmp_path / "bad.usda").write_text("#usda 1.0\n def Xform \"x\" { this is not usd }\n")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder.abc").mkdir()
    (tmp_path / "cut.usdc").write_bytes(crate[:4096])
    (tmp_path / "empty.usdc").write_bytes(b"")
    (tmp_path / "short.usdc").write_bytes(crate[:12])
    (tmp_path / "text.usdc").write_text("#usda 1.0\n")
    (tmp_path / "toc.usdc").write_bytes(crate[:16] + (100).to_bytes(8, "little") + crate[24:])
    before = sorted(os.listdir(tmp_path))
    result = run("convert", *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expect in lines[0] and "Traceback" not in result.output
    # No library internals, source locations or escapes in the line.
    assert not any(w in lines[0] for w in ("pxrInternal", ".cpp", "Error in", "\\t", "\\n", "@"))
    assert sorted(os.listdir(tmp_path)) == before and not _leftovers(tmp_path)
    assert (tmp_path / "exists.usda").read_text() == "#usda 1.0\n"


def test_unsupported_types_warn_by_name(run, tmp_path):
    from pxr import Usd, UsdGeom

    stage = Usd.Stage.CreateNew(str(tmp_path / "fog.usda"))
    mesh = UsdGeom.Mesh.Define(stage, "/set/ground")
    mesh.GetPointsAttr().Set([(0, 0, 0), (1, 0, 0), (0, 1, 0)])
    mesh.GetFaceVertexCountsAttr().Set([3])
    mesh.GetFaceVertexIndicesAttr().Set([0, 1, 2])
    stage.DefinePrim("/set/fog", "Volume")  # UsdVol: nothing in Alembic holds it
    stage.GetRootLayer().Save()
    result = run("convert", tmp_path / "fog.usda", tmp_path / "fog.abc")
    assert result.exit_code == 0
    assert "warning: skipped /set/fog: unsupported USD type 'Volume'" in result.stderr


@pytest.mark.parametrize("breakage,expected", [
    ("nobody", "model/model_tree.json: chars/hero/body/source: no object '/hero/nobody' in hero.abc"),
    ("focal", "tracking/cameras.json: cameras/shotCam: unknown field 'focal_lenght' (did you mean 'focal_length'?)"),
])
def test_converting_a_shot_makes_validates_checks(run, demo, tmp_path, monkeypatch, breakage, expected):
    """An SDF input is opened as every command opens a shot (sdf.pipeline.validate.open_checked): what validate
    refuses is not converted, with validate's own line, and nothing is written."""
    root, shot = demo
    shot_dir = os.path.dirname(shot)
    if breakage == "nobody":
        path = os.path.join(shot_dir, "model", "model_tree.json")
        data = json.load(open(path))
        data["children"][0]["children"][0]["children"][0]["source"]["object"] = "/hero/nobody"
    else:
        path = os.path.join(shot_dir, "tracking", "cameras.json")
        data = json.load(open(path))
        data["cameras"][0]["focal_lenght"] = data["cameras"][0].pop("focal_length")
    json.dump(data, open(path, "w"))
    monkeypatch.chdir(shot_dir)
    out = tmp_path / "out"
    out.mkdir()
    validate_line = run("validate", "sh010.sdf").stderr.splitlines()
    assert f"error: {expected}" in validate_line
    result = run("convert", "sh010.sdf", out / "sh010.usda")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: {expected}"]
    assert os.listdir(out) == []
