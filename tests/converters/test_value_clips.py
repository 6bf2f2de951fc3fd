"""Alembic -> USD value clips: the clip stage composes to the very values of the one-layer conversion.

Every attribute of every prim is compared with pxr, at every time sample of the one-layer stage,
half-way between each two and outside the range, on archives the tests write (meshes with constant
and changing topology, normals, UVs, face sets, curves, points, a sparse acyclic transform, sub-frame
samples, a camera) and on files of the shared corpus.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

from conftest import corpus_files
from sdf.converters.options import ConvertOptions
from sdf.converters.registry import convert
from sdf.demo import assets

FRAMES = list(range(1001, 1031))


def _same(a, b, exact: bool = True) -> bool:
    """Equal values; ``exact=False`` (between two samples) allows the last bit of an interpolation:
    a clip maps stage time to clip time before interpolating, which can round differently."""
    if a is None or b is None:
        return a is None and b is None
    try:
        x, y = np.asarray(a), np.asarray(b)
        if x.dtype != object and y.dtype != object:
            if x.shape != y.shape:
                return False
            if exact or not np.issubdtype(x.dtype, np.floating):
                return np.array_equal(x, y)
            return np.allclose(x, y, rtol=4 * np.finfo(x.dtype).eps, atol=4 * np.finfo(x.dtype).eps)
    except (TypeError, ValueError):
        pass
    return a == b


def _times(stage) -> list[float]:
    """Every time sample of the stage, each half-way point between two, and times before and after."""
    codes = sorted({t for prim in stage.Traverse() for attr in prim.GetAttributes() for t in attr.GetTimeSamples()})
    if not codes:
        return []
    halves = [(a + b) / 2 for a, b in zip(codes, codes[1:])]
    return sorted(set(codes + halves + [codes[0] - 7.5, codes[-1] + 7.5]))


def assert_same_values(one_file: str, clips_file: str) -> int:
    """Every attribute of ``one_file`` has the same value in ``clips_file`` at every time: exactly at the
    attribute's samples, to the last bits of an interpolation elsewhere. Returns how many were compared."""
    from pxr import Usd, UsdGeom

    one, clips = Usd.Stage.Open(one_file), Usd.Stage.Open(clips_file)
    for getter in ("GetTimeCodesPerSecond", "GetFramesPerSecond", "GetStartTimeCode", "GetEndTimeCode"):
        assert getattr(one, getter)() == getattr(clips, getter)(), getter
    assert UsdGeom.GetStageUpAxis(one) == UsdGeom.GetStageUpAxis(clips)
    assert UsdGeom.GetStageMetersPerUnit(one) == UsdGeom.GetStageMetersPerUnit(clips)
    assert one.GetDefaultPrim().GetPath() == clips.GetDefaultPrim().GetPath()
    assert [p.GetPath() for p in one.Traverse()] == [p.GetPath() for p in clips.Traverse()]
    times = _times(one)
    compared = 0
    for prim in one.Traverse():
        other = clips.GetPrimAtPath(prim.GetPath())
        assert other.GetTypeName() == prim.GetTypeName(), prim.GetPath()
        assert sorted(a.GetName() for a in prim.GetAttributes()) == sorted(a.GetName() for a in other.GetAttributes()), \
            prim.GetPath()
        for attr in prim.GetAttributes():
            twin = other.GetAttribute(attr.GetName())
            where = f"{attr.GetPath()}"
            assert twin.GetTypeName() == attr.GetTypeName(), where
            assert twin.GetMetadata("interpolation") == attr.GetMetadata("interpolation"), where
            if not attr.GetNumTimeSamples():
                assert _same(attr.Get(), twin.Get()), where
                compared += 1
                continue
            own = set(attr.GetTimeSamples())
            for t in times:
                assert _same(attr.Get(t), twin.Get(t), exact=t in own), f"{where} at {t}"
                compared += 1
    return compared


def _both(src: str, tmp_path, per_clip: int, **options) -> tuple[str, str, dict]:
    one, clips = str(tmp_path / "one.usdc"), str(tmp_path / "clips.usdc")
    convert(src, one, ConvertOptions(clip_frames=0, **options))
    result = convert(src, clips, ConvertOptions(clip_frames=per_clip, **options))
    return one, clips, result


def _sub_frames_sparse_and_camera(path: str) -> None:
    """A mesh sampled every half frame, a transform keyed at three uneven frames (acyclic sampling)
    with an object under it sampled once a second, and an animated camera."""
    from alembic3d import AbcCoreAbstract, AbcGeom

    from sdf.alembic.write import frame_sampling, int_array, m44d, put, v3f, write_archive

    def body(archive):
        halves = archive.addTimeSampling(AbcCoreAbstract.TimeSampling(0.5 / 24, 1001 / 24))
        times = AbcCoreAbstract.TimeVector()
        for f in (1001, 1013, 1040):
            times.append(f / 24)
        sparse = archive.addTimeSampling(AbcCoreAbstract.TimeSampling(
            AbcCoreAbstract.TimeSamplingType(AbcCoreAbstract.AcyclicFlag.kAcyclic), times))
        second = archive.addTimeSampling(AbcCoreAbstract.TimeSampling(1.0, 1001 / 24))
        frames = frame_sampling(archive, 24.0, 1001)
        xf = AbcGeom.OXform(archive.getTop(), "mover", sparse)
        for k in range(3):
            sample = AbcGeom.XformSample()
            sample.setMatrix(m44d(np.eye(4) + np.array([[0, 0, 0, 0]] * 3 + [[k * 3.0, k * 1.0, 0, 0]])))
            put(xf.getSchema(), sample)
        blink = AbcGeom.OXform(xf, "blink", second)
        for k in range(2):
            sample = AbcGeom.XformSample()
            sample.setMatrix(m44d(np.eye(4) * (1 + k)))
            put(blink.getSchema(), sample)
        mesh = AbcGeom.OPolyMesh(xf, "tri", halves)
        for k in range(41):
            p = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32) + k * 0.01
            put(mesh.getSchema(), AbcGeom.OPolyMeshSchemaSample(v3f(p), int_array([0, 2, 1]), int_array([3])))
        cam = AbcGeom.OCamera(archive.getTop(), "shotCam", frames)
        for k in range(30):
            sample = AbcGeom.CameraSample()
            sample.setFocalLength(35.0 + k)
            sample.setFocusDistance(5.0 + 0.1 * k)
            put(cam.getSchema(), sample)

    write_archive(path, body)


WRITERS = {
    "cloth": lambda p: assets.write_cloth(p, FRAMES, 24.0, (12, 9)),       # constant topology, UVs
    "hero": lambda p: assets.write_hero(p, FRAMES, 24.0, (10, 6)),         # normals, face sets, moving xform
    "crystal": lambda p: assets.write_crystal(p, FRAMES, 24.0, 9),         # topology changing every frame
    "grass": lambda p: assets.write_grass(p, FRAMES, 24.0, 12, 4),         # curves with widths
    "sparks": lambda p: assets.write_particles(p, FRAMES, 24.0, 40),       # points whose count grows
    "mixed": _sub_frames_sparse_and_camera,
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_clips_compose_to_the_values_of_one_layer(tmp_path, name):
    src = str(tmp_path / f"{name}.abc")
    WRITERS[name](src)
    one, clips, result = _both(src, tmp_path, 7)
    assert result["clips"] >= 4 and result["frames_per_clip"] == 7
    assert assert_same_values(one, clips) > 100


def test_a_clip_holds_its_chunk_and_the_samples_around_it(tmp_path):
    """What bounds memory: each clip layer holds the samples of its own frames (and at most the one
    before and the one after), and the layout is X.usdc + X.clips/ with topology and manifest."""
    from pxr import Sdf, Usd

    src = str(tmp_path / "cloth.abc")
    WRITERS["cloth"](src)
    one, clips, result = _both(src, tmp_path, 4)
    folder = tmp_path / "clips.clips"
    names = sorted(os.listdir(folder))
    assert names == sorted(["clips.topology.usdc", "clips.manifest.usdc"] +
                           [f"clips.{f}.usdc" for f in range(1001, 1031, 4)])
    assert result["clips"] == 8 and result["clips_dir"] == str(folder)
    for f in range(1001, 1031, 4):
        layer = Sdf.Layer.FindOrOpen(str(folder / f"clips.{f}.usdc"))
        points = layer.GetAttributeAtPath("/cloth/cloth/clothShape.points")
        held = layer.ListTimeSamplesForPath(points.path)
        own = [t for t in held if f <= t < f + 4]
        assert len(own) == min(4, 1031 - f) and len(held) <= len(own) + 2, (f, held)
    stage = Usd.Stage.Open(clips)
    api = Usd.ClipsAPI(stage.GetPrimAtPath("/cloth"))
    assert [a.path for a in api.GetClipAssetPaths()] == [f"./clips.clips/clips.{f}.usdc" for f in range(1001, 1031, 4)]
    assert [tuple(a) for a in api.GetClipActive()] == [(float(f), float(k)) for k, f in enumerate(range(1001, 1031, 4))]
    assert api.GetClipManifestAssetPath().path == "./clips.clips/clips.manifest.usdc"


def test_a_frame_range_and_options_give_the_same_values(tmp_path):
    src = str(tmp_path / "hero.abc")
    WRITERS["hero"](src)
    one, clips, result = _both(src, tmp_path, 3, frames=(1005, 1020), up_axis="Z", meters_per_unit=1.0)
    assert result["time_codes"] == 16
    assert assert_same_values(one, clips) > 100


@pytest.mark.parametrize("name", ["animatedCube.abc", "rotatingCube.abc", "varyingPoints.abc", "velocityCube.abc"])
def test_corpus_files_as_clips(tmp_path, name):
    src = [p for p in corpus_files(".abc") if os.path.basename(p) == name]
    if not src:
        pytest.skip("shared corpus not present")
    one, clips, result = _both(src[0], tmp_path, 2)
    assert assert_same_values(one, clips) > 10


def test_cli_clips_force_and_auto(run, tmp_path, monkeypatch):
    src = tmp_path / "cloth.abc"
    WRITERS["cloth"](str(src))
    out = tmp_path / "out"
    out.mkdir()
    res = run("convert", src, out / "cloth.usdc", "--clip-frames", "10", "--json")
    assert res.exit_code == 0, res.output
    assert sorted(os.listdir(out / "cloth.clips"))[:3] == ["cloth.1001.usdc", "cloth.1011.usdc", "cloth.1021.usdc"]
    # Existing outputs: refused without --force, nothing changed; with --force the folder is replaced whole.
    (out / "cloth.clips" / "stale.usdc").write_text("old")
    before = sorted(os.listdir(out / "cloth.clips"))
    res = run("convert", src, out / "cloth.usdc", "--clip-frames", "6")
    assert res.exit_code == 2 and "output exists (use --force" in res.stderr
    assert sorted(os.listdir(out / "cloth.clips")) == before
    assert run("convert", src, out / "cloth.usdc", "--clip-frames", "6", "--force", "-j", "1").exit_code == 0
    names = os.listdir(out / "cloth.clips")
    assert "stale.usdc" not in names and len([n for n in names if n[6:10].isdigit()]) == 5
    assert not [n for n in os.listdir(out) if n.startswith(".sdf-convert")]
    # auto: one layer below the threshold, clips above it
    assert run("convert", src, out / "auto.usdc").exit_code == 0 and not (out / "auto.clips").exists()
    monkeypatch.setenv("SDF_CLIPS_ABOVE_MB", "0.01")
    assert run("convert", src, out / "auto2.usdc").exit_code == 0 and (out / "auto2.clips").is_dir()
    assert assert_same_values(str(out / "auto.usdc"), str(out / "auto2.usdc")) > 10
    # --clip-frames belongs to Alembic -> USD
    res = run("convert", out / "auto.usdc", out / "back.abc", "--clip-frames", "4")
    assert res.exit_code == 2 and "--clip-frames applies to Alembic -> USD only" in res.stderr
    res = run("convert", src, out / "x.usdc", "--clip-frames", "-3")
    assert res.exit_code == 2 and "expects a number of frames" in res.output
