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


def _leftovers(d):
    return [f for f in os.listdir(d) if f.startswith(".sdf-convert")]


@pytest.mark.parametrize("case", ["unknown_in", "unknown_out", "no_pair", "missing", "truncated", "hdf5",
                                  "exists", "no_dir", "bad_usd", "bad_frames"])
def test_bad_input(run, demo_master, tmp_path, case):
    root, _ = demo_master
    hero = os.path.join(root, "assets", "anim", "hero_anim.abc")
    args, expect = {
        "unknown_in": ([tmp_path / "a.obj", tmp_path / "b.usda"], "unknown input extension '.obj'"),
        "unknown_out": ([hero, tmp_path / "b.fbx"], "unknown output extension '.fbx'"),
        "no_pair": ([hero, tmp_path / "b.abc"], "no converter from .abc to .abc"),
        "missing": ([tmp_path / "nothing.abc", tmp_path / "b.usda"], "nothing.abc: input not found"),
        "truncated": ([tmp_path / "t.abc", tmp_path / "b.usda"], "t.abc: truncated"),
        "hdf5": ([tmp_path / "h.abc", tmp_path / "b.usda"], "abcconvert -toOgawa"),
        "exists": ([hero, tmp_path / "exists.usda"], "output exists (use --force"),
        "no_dir": ([hero, tmp_path / "nope" / "b.usda"], "output directory does not exist"),
        "bad_usd": ([tmp_path / "bad.usda", tmp_path / "b.abc"], "bad.usda: cannot open USD stage"),
        "bad_frames": ([hero, tmp_path / "b.usda", "--frames", "20-10"], "end is before start"),
    }[case]
    data = open(hero, "rb").read()
    (tmp_path / "t.abc").write_bytes(data[: len(data) // 2])
    (tmp_path / "h.abc").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    (tmp_path / "exists.usda").write_text("#usda 1.0\n")
    (tmp_path / "bad.usda").write_text("#usda 1.0\n def Xform \"x\" { this is not usd }\n")
    before = sorted(os.listdir(tmp_path))
    result = run("convert", *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expect in lines[0] and "Traceback" not in result.output
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
