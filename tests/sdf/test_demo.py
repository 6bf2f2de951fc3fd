"""The demo shot holds real, varied Alembic data, as the issue asks."""
import os

import numpy as np

from sdf.alembic import io as alembic_io
from sdf.pipeline.validate import validate


def _schema(root, rel, obj):
    archive = alembic_io.open_archive(os.path.join(root, "assets", rel))
    return alembic_io.find_object(archive, obj, None, None)


def test_small_demo_is_small_and_valid(demo_master):
    root, shot = demo_master
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(root) for f in fs)
    assert total < 5 * 1024 * 1024
    report = validate(shot)
    assert report.ok, [str(e) for e in report.errors]
    assert report.warnings == []


def test_demo_assets_cover_the_geometry_kinds(demo_master):
    from alembic3d import Abc, AbcGeom

    root, _ = demo_master
    archives = [f for f in os.listdir(os.path.join(root, "assets", "anim")) if f.endswith(".abc")]
    assert len(archives) >= 6
    hero = AbcGeom.IPolyMesh(_schema(root, "anim/hero_anim.abc", "/hero/body"), Abc.WrapExistingFlag.kWrapExisting)
    hs = hero.getSchema()
    assert hs.getNumSamples() == 48 and str(hs.getTopologyVariance()) == "kHomogenousTopology"
    assert sorted(hs.getFaceSetNames()) == ["head", "torso"]
    assert hs.getUVsParam().isIndexed()
    assert hs.getNormalsParam().valid()
    p0 = np.asarray(hs.getValue(alembic_io.select(hs, 0)).getPositions())
    p9 = np.asarray(hs.getValue(alembic_io.select(hs, 9)).getPositions())
    assert np.abs(p0 - p9).max() > 1e-3  # the hero breathes: samples differ
    crystal = AbcGeom.IPolyMesh(_schema(root, "anim/crystal_anim.abc", "/crystal/crystalShape"),
                                Abc.WrapExistingFlag.kWrapExisting).getSchema()
    assert str(crystal.getTopologyVariance()) == "kHeterogenousTopology"
    n0 = len(crystal.getValue(alembic_io.select(crystal, 0)).getPositions())
    n1 = len(crystal.getValue(alembic_io.select(crystal, crystal.getNumSamples() - 1)).getPositions())
    assert n1 > n0
    rock = AbcGeom.ISubD(_schema(root, "model/rock.abc", "/rock/rockShape"), Abc.WrapExistingFlag.kWrapExisting)
    rs = rock.getSchema()
    assert rs.getUVsParam().valid() and rs.getArbGeomParams().getPropertyHeader("N") is not None
    assert len(rs.getValue().getCreaseSharpnesses()) == 1
    grass = _schema(root, "anim/grass_anim.abc", "/grass/grassShape")
    assert alembic_io.object_schema(grass) == "AbcGeom_Curve"
    sparks = AbcGeom.IPoints(_schema(root, "anim/sparks_anim.abc", "/sparks/sparksShape"),
                             Abc.WrapExistingFlag.kWrapExisting).getSchema()
    assert sparks.getNumSamples() == 48
    assert len(sparks.getValue(alembic_io.select(sparks, 47)).getIds()) > 1
    ball_xf = AbcGeom.IXform(_schema(root, "anim/props_anim.abc", "/ball"), Abc.WrapExistingFlag.kWrapExisting)
    assert ball_xf.getSchema().getNumSamples() == 48 and not ball_xf.getSchema().isConstant()


def test_demo_dome_texture_is_a_latlong_exr(demo_master):
    import OpenEXR

    root, shot = demo_master
    with OpenEXR.File(os.path.join(root, "assets", "textures", "sky.exr")) as f:
        rgb = f.channels()["RGB"].pixels
        assert rgb.shape == (64, 128, 3) and rgb.dtype == np.float16
        assert float(rgb.max()) > 10  # the sun


def test_demo_is_deterministic(tmp_path):
    from sdf.demo import generate
    from conftest import tree_hashes

    generate(str(tmp_path / "a"))
    generate(str(tmp_path / "b"))
    ha = {k: v for k, v in tree_hashes(str(tmp_path / "a")).items() if not k.endswith(".abc")}
    hb = {k: v for k, v in tree_hashes(str(tmp_path / "b")).items() if not k.endswith(".abc")}
    assert ha == hb and len(ha) > 10


def test_demo_refuses_non_empty_directory(run, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = run("demo", tmp_path)
    assert result.exit_code == 2 and "not empty" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"
