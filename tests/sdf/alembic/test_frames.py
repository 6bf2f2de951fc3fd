"""The Alembic frame reader, on the toolkit's demo files and on files written by Maya and Houdini."""
import os

import numpy as np
import pytest

from sdf import AlembicError
from sdf.alembic.io import select
from sdf.alembic.write import frame_sampling, write_archive
from sdf.alembic.frames import AlembicReader
from conftest import corpus_files

CORPUS = corpus_files(".abc")


def _check_frame(d):
    assert d.positions.dtype == np.float32 and d.positions.flags.c_contiguous
    assert d.positions.ndim == 2 and d.positions.shape[1] == 3
    assert d.world.shape == (4, 4) and np.all(np.isfinite(d.world))
    if d.kind == "mesh" and not d.empty:
        t = d.topology
        assert t.indices.dtype == np.uint32 and len(t.indices) % 3 == 0
        assert t.indices.max() < len(d.positions)
        if t.uvs is not None:
            assert t.uvs.shape == (len(d.positions), 2) and t.uvs.dtype == np.float32
        if d.normals is not None:
            assert d.normals.shape == d.positions.shape and d.normals.dtype == np.float32
        for tris in t.face_sets.values():
            assert tris.max() < len(t.indices) // 3
    if d.kind == "curves":
        assert d.topology.indices.max() < len(d.positions) and len(d.topology.indices) % 2 == 0


@pytest.mark.skipif(not CORPUS, reason="shared corpus not present")
@pytest.mark.parametrize("path", CORPUS, ids=os.path.basename)
def test_reads_every_object_of_every_corpus_file(path):
    r = AlembicReader(path)
    objects = r.objects()
    assert objects
    for obj in objects:
        rng = r.time_range(obj)
        times = [0.0] if rng is None else np.linspace(rng[0], rng[1], 3)
        for t in times:
            _check_frame(r.read(obj, t * 24.0, 24.0))


@pytest.mark.skipif(not CORPUS, reason="shared corpus not present")
def test_maya_files_match_a_direct_alembic_read():
    from alembic3d import Abc, AbcGeom

    path = [p for p in CORPUS if p.endswith("animatedCube.abc")][0]
    r = AlembicReader(path)
    a = Abc.IArchive(path)
    schema = AbcGeom.IPolyMesh(a.getTop().getChild("pCube1").getChild("pCubeShape1"),
                               Abc.WrapExistingFlag.kWrapExisting).getSchema()
    ts = schema.getTimeSampling()
    assert ts.getSampleTime(0) == pytest.approx(1 / 24)  # Maya: frame 1 at 1/24 s
    for i in range(schema.getNumSamples()):
        frame = i + 1
        direct = np.asarray(schema.getValue(select(schema, i)).getPositions())
        d = r.read("/pCube1/pCubeShape1", frame, 24.0)
        t = d.topology
        pov = t.point_of_vertex if t.point_of_vertex is not None else np.arange(len(direct))
        np.testing.assert_allclose(d.positions, direct[pov])
    # The face-varying normals split the cube's 8 points into 24 draw vertices, 12 triangles.
    assert len(d.positions) == 24 and len(d.topology.indices) == 36
    # rotatingCube: 90 degrees per sample, in the world matrix.
    rot = [p for p in CORPUS if p.endswith("rotatingCube.abc")][0]
    rr = AlembicReader(rot)
    m0 = rr.read("/pCube1/pCubeShape1", 1, 24.0).world
    m1 = rr.read("/pCube1/pCubeShape1", 2, 24.0).world
    angle = np.degrees(np.arccos(np.clip((np.trace(np.linalg.inv(m0[:3, :3]) @ m1[:3, :3]) - 1) / 2, -1, 1)))
    assert angle == pytest.approx(90.0, abs=1e-3)


@pytest.mark.skipif(not CORPUS, reason="shared corpus not present")
def test_face_sets_from_maya():
    path = [p for p in CORPUS if p.endswith("sphereWithShadingGroups.abc")][0]
    d = AlembicReader(path).read("/pSphere1/pSphereShape1", 1, 24.0)
    sets = d.topology.face_sets
    assert sorted(sets) == ["blinn1SG", "blinn2SG"]
    total = len(d.topology.indices) // 3
    assert len(sets["blinn1SG"]) + len(sets["blinn2SG"]) == total
    assert not set(sets["blinn1SG"]) & set(sets["blinn2SG"])


def test_demo_meshes(demo_master):
    root, _ = demo_master
    anim = os.path.join(root, "assets", "anim")
    hero = AlembicReader(os.path.join(anim, "hero_anim.abc"))
    a = hero.read("/hero/body", 1001, 24.0)
    b = hero.read("/hero/body", 1020, 24.0)
    _check_frame(a)
    assert a.topology is b.topology  # homogeneous topology: triangulated once
    assert not np.array_equal(a.positions, b.positions)
    assert sorted(a.topology.face_sets) == ["head", "torso"]
    # The UV seam: more draw vertices than points, each with a single UV.
    assert a.topology.vertex_count > a.topology.source_point_count
    # Counter-clockwise triangles: geometric normals agree with the file's normals.
    p, n, tri = a.positions, a.normals, a.topology.indices.reshape(-1, 3)
    geo = np.cross(p[tri[:, 1]] - p[tri[:, 0]], p[tri[:, 2]] - p[tri[:, 0]])
    agree = np.einsum("ij,ij->i", geo, n[tri[:, 0]]) > 0
    assert agree.mean() > 0.99
    # Changing topology: the crystal grows.
    crystal = AlembicReader(os.path.join(anim, "crystal_anim.abc"))
    first = crystal.read("/crystal/crystalShape", 1001, 24.0)
    last = crystal.read("/crystal/crystalShape", 1048, 24.0)
    assert len(last.positions) > len(first.positions) and first.topology is not last.topology
    _check_frame(last)
    # Curves, points, rigid props.
    grass = AlembicReader(os.path.join(anim, "grass_anim.abc")).read("/grass/grassShape", 1010, 24.0)
    assert grass.kind == "curves" and grass.widths is not None
    sparks = AlembicReader(os.path.join(anim, "sparks_anim.abc")).read("/sparks/sparksShape", 1030, 24.0)
    assert sparks.kind == "points" and len(sparks.ids) == len(sparks.positions) and sparks.velocities is not None
    props = AlembicReader(os.path.join(anim, "props_anim.abc"))
    y0 = props.read("/ball/ballShape", 1001, 24.0).world[3, 1]
    y1 = props.read("/ball/ballShape", 1010, 24.0).world[3, 1]
    assert y1 != y0  # the bounce lives in the parent xform
    rock = AlembicReader(os.path.join(root, "assets", "model", "rock.abc")).read("/rock/rockShape", 1001, 24.0)
    assert rock.normals is not None and rock.topology.uvs is not None  # SubD normals from arbitrary 'N'


def test_interpolation_modes(demo_master):
    root, _ = demo_master
    r = AlembicReader(os.path.join(root, "assets", "anim", "cloth_anim.abc"))
    a = r.read("/cloth/clothShape", 1010, 24.0).positions
    b = r.read("/cloth/clothShape", 1011, 24.0).positions
    assert np.abs(a - b).max() > 1e-3  # consecutive samples differ, so the checks below mean something
    np.testing.assert_allclose(r.read("/cloth/clothShape", 1010.5, 24.0, "linear").positions, (a + b) / 2, atol=1e-6)
    np.testing.assert_array_equal(r.read("/cloth/clothShape", 1010.4, 24.0, "floor").positions, a)
    np.testing.assert_array_equal(r.read("/cloth/clothShape", 1010.6, 24.0, "nearest").positions, b)
    # Outside the sampled range the nearest end holds.
    np.testing.assert_array_equal(r.read("/cloth/clothShape", 5000, 24.0).positions,
                                  r.read("/cloth/clothShape", 1048, 24.0).positions)
    with pytest.raises(ValueError):
        r.read("/cloth/clothShape", 1010, 24.0, "cubic")


def test_objects_with_zero_samples_do_not_crash(tmp_path):
    from alembic3d import AbcGeom

    path = str(tmp_path / "empty.abc")

    def body(archive):
        ts = frame_sampling(archive, 24.0, 1)
        AbcGeom.OPolyMesh(archive.getTop(), "nothing", ts)
        AbcGeom.OPoints(archive.getTop(), "pts", ts)

    write_archive(path, body)
    r = AlembicReader(path)
    d = r.read("/nothing", 1, 24.0)
    assert d.empty and d.kind == "mesh"
    assert r.read("/pts", 1, 24.0).empty


def test_bad_archives(tmp_path, demo_master):
    root, _ = demo_master
    hdf5 = tmp_path / "old.abc"
    hdf5.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(AlembicError, match="abcconvert -toOgawa"):
        AlembicReader(str(hdf5))
    src = open(os.path.join(root, "assets", "anim", "hero_anim.abc"), "rb").read()
    trunc = tmp_path / "trunc.abc"
    trunc.write_bytes(src[: len(src) // 3])
    with pytest.raises(AlembicError, match="trunc.abc: truncated"):
        AlembicReader(str(trunc))
    r = AlembicReader(os.path.join(root, "assets", "anim", "hero_anim.abc"))
    with pytest.raises(AlembicError, match="no object '/hero/nobody'"):
        r.read("/hero/nobody", 1001, 24.0)


def test_an_unfinished_archive_is_never_renamed_into_place(tmp_path):
    from alembic3d import AbcGeom

    path = tmp_path / "held.abc"
    held = []
    with pytest.raises(RuntimeError, match="still referenced"):
        write_archive(str(path), lambda archive: held.append(
            AbcGeom.OXform(archive.getTop(), "x", frame_sampling(archive, 24.0, 1))))
    assert not path.exists() and os.listdir(tmp_path) == []


def test_written_indexed_uvs_survive(tmp_path):
    """Samples point into the arrays they are given: the writer keeps them alive until written."""
    from sdf.demo.assets import write_rock

    path = str(tmp_path / "rock.abc")
    write_rock(path, [1], 24.0, 6)
    d = AlembicReader(path).read("/rock/rockShape", 1, 24.0)
    assert d.topology.uvs is not None and np.all((d.topology.uvs >= -1) & (d.topology.uvs <= 2))


def _points_layout_matches_draw(path, obj, frame, fps):
    """Point layout: the archive's own points, polygons and per-corner UVs, consistent with the draw layout."""
    r = AlembicReader(path)
    pts = r.read(obj, frame, fps, layout="points")
    draw = r.read(obj, frame, fps)
    if pts.kind != "mesh" or pts.empty:
        return False
    t = pts.topology
    assert t.kind == "polygons" and t.face_counts.sum() == len(t.indices)
    assert t.indices.max() < len(pts.positions)
    if pts.normals is not None:  # a PolyMesh's stored normals, per corner or per point, as the file says
        rows = t.normal_of_vertex if t.normal_of_vertex is not None else np.arange(len(pts.normals))
        assert len(rows) == (len(t.indices) if t.normals_scope == "facevarying" else len(pts.positions))
        assert r.object(obj).schema_name == "AbcGeom_PolyMesh" and draw.normals is not None
        assert set(map(tuple, np.round(pts.normals[rows], 5))) == set(map(tuple, np.round(draw.normals, 5)))
    else:
        assert draw.normals is None or r.object(obj).schema_name == "AbcGeom_SubD"
    pov = draw.topology.point_of_vertex
    expected = draw.positions if pov is None else None
    if pov is not None:  # every draw vertex is one of the archive's points
        assert np.array_equal(pts.positions[pov], draw.positions)
    else:
        assert np.array_equal(pts.positions, expected)
    if t.uvs is not None:
        assert t.uvs.shape == (len(t.indices), 2)
        if draw.topology.uvs is not None:  # the same UV values, per corner instead of per draw vertex
            assert set(map(tuple, np.round(t.uvs, 5))) == set(map(tuple, np.round(draw.topology.uvs, 5)))
    return True


def test_points_layout_on_demo_and_corpus(demo_master):
    proj, _ = demo_master
    checked = 0
    for name, obj in (("anim/hero_anim.abc", "/hero/body"), ("anim/cloth_anim.abc", "/cloth/clothShape"),
                      ("model/rock.abc", "/rock/rockShape"), ("anim/crystal_anim.abc", "/crystal/crystalShape")):
        checked += _points_layout_matches_draw(os.path.join(proj, "assets", name), obj, 1010, 24.0)
    for path in CORPUS:
        r = AlembicReader(path)
        for obj in r.objects():
            try:
                if r.object(obj).schema_name in ("AbcGeom_PolyMesh", "AbcGeom_SubD"):
                    checked += _points_layout_matches_draw(path, obj, 1, 24.0)
            except AlembicError:
                pass  # files the reader refuses are covered by the tests above
    assert checked >= 8


def test_cache_keeps_layouts_apart(demo_master):
    from sdf.cache.frame_cache import FrameCache

    proj, _ = demo_master
    path = os.path.join(proj, "assets", "anim", "hero_anim.abc")
    cache = FrameCache(64 << 20)
    a = cache.get(path, "/hero/body", 1005, 24.0)
    b = cache.get(path, "/hero/body", 1005, 24.0, layout="points")
    assert a.topology.kind == "triangles" and b.topology.kind == "polygons"
    assert cache.get(path, "/hero/body", 1005, 24.0, layout="points") is b
    with pytest.raises(ValueError):
        AlembicReader(path).read("/hero/body", 1005, 24.0, layout="quads")


def test_stored_bounds_contain_the_points(demo_master):
    proj, _ = demo_master
    checked = 0
    paths = [(os.path.join(proj, "assets", "anim", "hero_anim.abc"), "/hero/body"),
             (os.path.join(proj, "assets", "anim", "cloth_anim.abc"), "/cloth/clothShape")]
    for path in CORPUS:
        paths += [(path, o) for o in AlembicReader(path).objects()]
    for path, obj in paths:
        r = AlembicReader(path)
        try:
            box = r.bounds(obj, 1, 24.0)
            d = r.read(obj, 1, 24.0, layout="points")
        except AlembicError:
            continue
        if box is None or d.empty:
            continue  # no stored bounds (Houdini's noTopLevelStoredBounds.abc...): callers read the points
        lo, hi = box
        assert np.all(d.positions.min(axis=0) >= lo - 1e-4) and np.all(d.positions.max(axis=0) <= hi + 1e-4)
        checked += 1
    assert checked >= 5
