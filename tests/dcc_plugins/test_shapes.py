"""What a proxy draws besides its points (sdf.dcc_plugins.shapes), and what the session's frame cache
holds (sdf.dcc_plugins.feed), checked on the demo's files and on files written here."""
from __future__ import annotations

import os

import numpy as np
import pytest

from sdf.dcc_plugins import Session
from sdf.dcc_plugins.bake import winding_order
from sdf.dcc_plugins.feed import cache_held, format_cache
from sdf.dcc_plugins.memory import MemoryHost
from sdf.dcc_plugins.session import format_status
from sdf.dcc_plugins.shapes import curve_shape, point_radii, shading
from sdf.alembic.playback_reader import PlaybackReader


def _read(proj, name, obj, frame=1010):
    return PlaybackReader(os.path.join(proj, "assets", name)).read(obj, frame, 24.0, layout="points")


def test_hard_edges_are_the_files_corner_normals(demo_master):
    proj, _ = demo_master
    crate = _read(proj, "anim/props_anim.abc", "/crate/crateShape")
    domain, normals = shading(crate)
    t = crate.topology
    assert domain == "corner" and normals.shape == (len(t.indices), 3)
    # Every face's corners share the face's normal (hard edges), in the host's reversed corner order.
    stored = np.asarray(crate.normals)[winding_order(t.face_counts)]
    np.testing.assert_array_equal(normals, stored)
    per_face = normals.reshape(6, 4, 3)
    assert np.all(per_face == per_face[:, :1, :])
    # Each normal points out of its face: along the face's centre seen from the box's centre.
    corners = np.asarray(crate.positions)[t.indices[winding_order(t.face_counts)]].reshape(6, 4, 3)
    outward = corners.mean(axis=1) - np.asarray(crate.positions).mean(axis=0)
    assert np.all(np.einsum("ij,ij->i", per_face[:, 0], outward) > 0)


def test_smooth_normals_per_point_and_files_without_normals(demo_master):
    proj, _ = demo_master
    hero = _read(proj, "anim/hero_anim.abc", "/hero/body")
    domain, normals = shading(hero)
    assert domain == "point" and normals.shape == hero.positions.shape
    later = _read(proj, "anim/hero_anim.abc", "/hero/body", 1030)
    assert not np.array_equal(shading(later)[1], normals)  # the file's normals move with the points
    assert shading(_read(proj, "anim/cloth_anim.abc", "/cloth/clothShape")) is None  # no normals: smooth
    rock = _read(proj, "model/rock.abc", "/rock/rockShape")
    assert rock.normals is None and shading(rock) is None  # a SubD: smooth, its "N" left to renderers


def test_indexed_normals_are_expanded(tmp_path):
    """Indexed face-varying normals (as Houdini writes them): each corner gets the row its index names."""
    from alembic3d import AbcGeom

    from sdf.alembic.write import frame_sampling, int_array, put, uint_array, v3f, write_archive
    from sdf.demo.geometry import box, flat_normals

    pos, counts, idx = box(1.0)
    flat = flat_normals(pos, counts, idx)
    values, rows = np.unique(flat, axis=0, return_inverse=True)
    rows = rows.reshape(-1)
    path = str(tmp_path / "indexed.abc")

    def body(archive):
        ts = frame_sampling(archive, 24.0, 1)
        mesh = AbcGeom.OPolyMesh(archive.getTop(), "box", ts)
        sample = AbcGeom.OPolyMeshSchemaSample(v3f(pos), int_array(idx), int_array(counts))
        sample.setNormals(AbcGeom.ON3fGeomParamSample(v3f(values), uint_array(rows),
                                                      AbcGeom.GeometryScope.kFacevaryingScope))
        put(mesh.getSchema(), sample)

    write_archive(path, body, description="indexed normals")
    data = PlaybackReader(path).read("/box", 1, 24.0, layout="points")
    assert data.topology.normals_scope == "facevarying" and len(data.normals) == len(values) == 6
    domain, normals = shading(data)
    assert domain == "corner"
    np.testing.assert_array_equal(normals, values[rows][winding_order(counts)])


def test_curves_and_points_radii_from_widths(demo_master):
    proj, _ = demo_master
    grass = _read(proj, "anim/grass_anim.abc", "/grass/grassShape")
    shape = curve_shape(grass)
    assert shape.counts.sum() == len(grass.positions) and len(shape.counts) == 150
    assert (shape.basis, shape.order, shape.periodic) == ("bspline", 4, False)  # the demo's cubic B-splines
    np.testing.assert_allclose(shape.radii, np.asarray(grass.widths) / 2)  # a width is a diameter
    assert shape.radii.max() == pytest.approx(0.01) and shape.radii.min() == pytest.approx(0.001)
    sparks = _read(proj, "anim/sparks_anim.abc", "/sparks/sparksShape")
    radii = point_radii(sparks)
    assert len(radii) == len(sparks.positions) > 0 and np.allclose(radii, 0.005)


def test_status_says_what_the_frame_cache_holds(demo):
    _, shot = demo
    from sdf.dcc_plugins.feed import frame_cache

    cache = frame_cache()
    s = Session.open(MemoryHost(), shot, "lighting", cache=cache)
    s.show(1001)
    s.show(1002)
    s.show(1001)
    status = s.status()
    held = status["cache"]
    assert held == cache_held(cache) and held["entries"] >= 2 * len(s.proxies)
    assert 0 < held["bytes"] <= held["budget"] == cache.budget
    line = format_cache(held)
    assert "  " + line in format_status(status)
    assert f"{held['entries']} frames" in line and f"of {held['budget'] / 2**20:.0f} MB budget" in line


def test_dcc_cache_budget(monkeypatch):
    from sdf.dcc_plugins.feed import DCC_CACHE_MB, dcc_budget
    from sdf.errors import SdfError

    monkeypatch.delenv("SDF_DCC_CACHE_MB", raising=False)
    assert dcc_budget() == DCC_CACHE_MB << 20
    monkeypatch.setenv("SDF_DCC_CACHE_MB", "64")
    assert dcc_budget() == 64 << 20
    for bad in ("lots", "-1"):
        monkeypatch.setenv("SDF_DCC_CACHE_MB", bad)
        with pytest.raises(SdfError, match="SDF_DCC_CACHE_MB"):
            dcc_budget()
