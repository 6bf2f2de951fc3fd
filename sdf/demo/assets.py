"""Alembic assets of the demo shot, written with alembic3d the way DCCs write them.

Each writer takes the frames to write: the full range for an animation cache, or just
the first frame for the model department's rest-pose file. Time sampling follows Maya:
frame ``f`` is at ``f / fps`` seconds.
"""
from __future__ import annotations

import math
import os
import struct
import zlib

import numpy as np

from sdf.alembic.write import (float_array, frame_sampling, int_array, m44d, put, uint_array, v2f, v3f,
                             write_archive)
from sdf.demo import geometry


def _schema_sample_mesh(pos, counts, idx, uv_vals=None, uv_idx=None, normals=None, normals_scope="vertex"):
    """A mesh sample from counter-clockwise polygons, written in Alembic's clockwise order."""
    from alembic3d import AbcGeom
    GS = AbcGeom.GeometryScope
    order = geometry.alembic_winding(counts)
    idx = np.asarray(idx)[order]
    if uv_idx is not None:
        uv_idx = np.asarray(uv_idx)[order]
    sample = AbcGeom.OPolyMeshSchemaSample(v3f(pos), int_array(idx), int_array(counts))
    if uv_vals is not None:
        if uv_idx is not None:
            sample.setUVs(AbcGeom.OV2fGeomParamSample(v2f(uv_vals), uint_array(uv_idx), GS.kFacevaryingScope))
        else:
            sample.setUVs(AbcGeom.OV2fGeomParamSample(v2f(uv_vals), GS.kVertexScope))
    if normals is not None:
        scope = GS.kVertexScope if normals_scope == "vertex" else GS.kFacevaryingScope
        if normals_scope != "vertex":  # per corner: the corners' own order
            normals = np.asarray(normals)[order]
        sample.setNormals(AbcGeom.ON3fGeomParamSample(v3f(normals), scope))
    return sample


def write_cloth(path, frames, fps, res):
    """A flag-like plane rippling in the wind: deforming, constant topology, vertex UVs, no normals."""
    from alembic3d import AbcGeom
    nu, nv = res
    pos0, counts, idx, uvs, _ = geometry.grid(nu, nv, size=4.0)
    def body(archive):  # objects must not outlive the archive: see sdf.alembic.write
        ts = frame_sampling(archive, fps, frames[0])
        xf = AbcGeom.OXform(archive.getTop(), "cloth", ts)
        xs = AbcGeom.XformSample()
        xs.setMatrix(m44d(_rot_x(-90) @ _translate(0, 2.0, 0)))
        put(xf.getSchema(), xs)
        mesh = AbcGeom.OPolyMesh(xf, "clothShape", ts)
        schema = mesh.getSchema()
        x, z = pos0[:, 0], pos0[:, 2]
        for i, frame in enumerate(frames):
            t = (frame - frames[0]) / fps
            p = pos0.copy()
            amp = 0.15 * (x - x.min()) / max(float(np.ptp(x)), 1e-6)
            p[:, 1] = amp * np.sin(3.0 * x - 4.0 * t) + 0.05 * np.sin(2.0 * z + 3.0 * t)
            if i == 0:
                put(schema, _schema_sample_mesh(p, counts, idx, uvs))
            else:
                put(schema, AbcGeom.OPolyMeshSchemaSample(v3f(p)))
        return locals().get("n_last")  # the count some writers report

    write_archive(path, body, description="demo cloth")
    return len(pos0)


def write_hero(path, frames, fps, res):
    """A breathing character blob: deforming sphere, vertex normals per frame, indexed face-varying UVs
    and two face sets (head, torso), under an animated xform."""
    from alembic3d import AbcGeom
    seg, rings = res
    pos0, counts, idx, uv_vals, uv_idx, n0 = geometry.sphere(seg, rings, radius=1.0)
    face_centers_y = np.add.reduceat(pos0[idx, 1], np.concatenate([[0], np.cumsum(counts)[:-1]])) / counts
    head = np.nonzero(face_centers_y > 0.3)[0].astype(np.int32)
    torso = np.nonzero(face_centers_y <= 0.3)[0].astype(np.int32)
    def body(archive):  # objects must not outlive the archive: see sdf.alembic.write
        ts = frame_sampling(archive, fps, frames[0])
        xf = AbcGeom.OXform(archive.getTop(), "hero", ts)
        mesh = AbcGeom.OPolyMesh(xf, "body", ts)
        schema = mesh.getSchema()
        y = pos0[:, 1]
        for i, frame in enumerate(frames):
            t = (frame - frames[0]) / fps
            xs = AbcGeom.XformSample()
            xs.setMatrix(m44d(_translate(0.3 * math.sin(t * 1.5), 1.0, 0.0)))
            put(xf.getSchema(), xs)
            breath = 1.0 + 0.08 * math.sin(2 * math.pi * 0.5 * t)
            scale = np.stack([np.full_like(y, breath), 1.0 + 0.25 * (y > 0) * (1 - y) * 0 + 0.1 * y,
                              np.full_like(y, breath)], axis=1)
            p = (pos0 * scale * np.array([0.8, 1.2, 0.8], np.float32)).astype(np.float32)
            if i == 0:
                put(schema, _schema_sample_mesh(p, counts, idx, uv_vals, uv_idx, geometry.vertex_normals(p, counts, idx)))
            else:
                s = AbcGeom.OPolyMeshSchemaSample(v3f(p))
                s.setNormals(AbcGeom.ON3fGeomParamSample(v3f(geometry.vertex_normals(p, counts, idx)),
                                                         AbcGeom.GeometryScope.kVertexScope))
                put(schema, s)
        for name, faces in (("head", head), ("torso", torso)):
            fs = schema.createFaceSet(name)
            put(fs.getSchema(), AbcGeom.OFaceSetSchemaSample(int_array(faces)))
        return locals().get("n_last")  # the count some writers report

    write_archive(path, body, description="demo hero")
    return len(pos0)


def write_crystal(path, frames, fps, max_cols):
    """A crystal growing column by column: topology (vertex and face counts) changes every frame."""
    from alembic3d import AbcGeom
    def body(archive):  # objects must not outlive the archive: see sdf.alembic.write
        ts = frame_sampling(archive, fps, frames[0])
        xf = AbcGeom.OXform(archive.getTop(), "crystal", ts)
        mesh = AbcGeom.OPolyMesh(xf, "crystalShape", ts)
        schema = mesh.getSchema()
        n_last = 0
        for i, frame in enumerate(frames):
            cols = 1 + (i * max_cols) // max(len(frames), 1)
            pos, counts, idx, uvs, _ = geometry.grid(cols, 2, size=1.0)
            pos = pos.copy()
            pos[:, 0] = (pos[:, 0] + 0.5) * cols * 0.05
            pos[:, 1] = np.abs(np.sin(pos[:, 0] * 4.0)) * 0.3 + pos[:, 2]
            put(schema, _schema_sample_mesh(pos, counts, idx, uvs))
            n_last = len(pos)
        return locals().get("n_last")  # the count some writers report

    n_last = write_archive(path, body, description="demo crystal")
    return n_last


def write_props(path, frames, fps, sphere_res):
    """Rigid props: a bouncing ball and a spinning crate, static meshes under animated xforms. The ball's
    normals are per point (smooth), the crate's per face corner (hard edges)."""
    from alembic3d import AbcGeom
    bp, bc, bi, buv, buvi, bn = geometry.sphere(*sphere_res, radius=0.25)
    cp, cc, ci = geometry.box(0.6)
    def body(archive):  # objects must not outlive the archive: see sdf.alembic.write
        ts = frame_sampling(archive, fps, frames[0])
        ball = AbcGeom.OXform(archive.getTop(), "ball", ts)
        crate = AbcGeom.OXform(archive.getTop(), "crate", ts)
        for frame in frames:
            t = (frame - frames[0]) / fps
            xs = AbcGeom.XformSample()
            xs.setMatrix(m44d(_translate(1.5, 0.25 + abs(math.sin(t * 3.0)) * 1.2, 0.5)))
            put(ball.getSchema(), xs)
            xs = AbcGeom.XformSample()
            xs.setMatrix(m44d(_rot_y(40.0 * t) @ _translate(-1.5, 0.3, 0.8)))
            put(crate.getSchema(), xs)
        put(AbcGeom.OPolyMesh(ball, "ballShape", ts).getSchema(), _schema_sample_mesh(bp, bc, bi, buv, buvi, bn))
        put(AbcGeom.OPolyMesh(crate, "crateShape", ts).getSchema(),  # a hard-surface crate: flat faces
            _schema_sample_mesh(cp, cc, ci, normals=geometry.flat_normals(cp, cc, ci), normals_scope="facevarying"))
        return locals().get("n_last")  # the count some writers report

    write_archive(path, body, description="demo props")
    return len(bp) + len(cp)


def write_rock(path, frames, fps, level):
    """A SubD rock with face-varying indexed UVs, normals (arbitrary 'N'), creases and a corner."""
    from alembic3d import AbcGeom
    pos, counts, idx = geometry.subdivided_box(level, size=1.2)
    normals = geometry.vertex_normals(pos, counts, idx)
    uv_vals = (pos[:, [0, 2]] / 1.5 + 0.5).astype(np.float32)
    idx = idx[geometry.alembic_winding(counts)]  # Alembic winds clockwise
    def body(archive):  # objects must not outlive the archive: see sdf.alembic.write
        ts = frame_sampling(archive, fps, frames[0])
        xf = AbcGeom.OXform(archive.getTop(), "rock", ts)
        xs = AbcGeom.XformSample()
        xs.setMatrix(m44d(_translate(0.0, 0.4, -1.5)))
        put(xf.getSchema(), xs)
        subd = AbcGeom.OSubD(xf, "rockShape", ts)
        schema = subd.getSchema()
        sample = AbcGeom.OSubDSchemaSample(v3f(pos), int_array(idx), int_array(counts))
        sample.setUVs(AbcGeom.OV2fGeomParamSample(v2f(uv_vals), uint_array(idx), AbcGeom.GeometryScope.kFacevaryingScope))
        sample.setSubdivisionScheme("catmull-clark")
        sample.setCreaseIndices(int_array(idx[:4]))
        sample.setCreaseLengths(int_array([4]))
        sample.setCreaseSharpnesses(float_array([2.0]))
        sample.setCornerIndices(int_array(idx[:1]))
        sample.setCornerSharpnesses(float_array([3.0]))
        put(schema, sample)
        nparam = AbcGeom.ON3fGeomParam(schema.getArbGeomParams(), "N", False, AbcGeom.GeometryScope.kVertexScope, 1, ts)
        put(nparam, AbcGeom.ON3fGeomParamSample(v3f(normals), AbcGeom.GeometryScope.kVertexScope))
        return locals().get("n_last")  # the count some writers report

    write_archive(path, body, description="demo rock")
    return len(pos)


def write_grass(path, frames, fps, count, cvs, seed=3):
    """Grass blades as cubic B-spline curves with per-vertex widths, swaying."""
    from alembic3d import AbcGeom
    rng = np.random.default_rng(seed)
    roots = np.stack([rng.uniform(-3, 3, count), np.zeros(count), rng.uniform(-3, 0, count)], axis=1)
    heights = rng.uniform(0.2, 0.5, count)
    u = np.linspace(0.0, 1.0, cvs)
    widths = np.tile(np.linspace(0.02, 0.002, cvs), count).astype(np.float32)
    nverts = np.full(count, cvs, np.int32)
    def body(archive):  # objects must not outlive the archive: see sdf.alembic.write
        ts = frame_sampling(archive, fps, frames[0])
        xf = AbcGeom.OXform(archive.getTop(), "grass", ts)
        curves = AbcGeom.OCurves(xf, "grassShape", ts)
        schema = curves.getSchema()
        for i, frame in enumerate(frames):
            t = (frame - frames[0]) / fps
            bend = 0.15 * np.sin(t * 2.0 + roots[:, 0])[:, None] * u[None, :] ** 2
            p = np.empty((count, cvs, 3), np.float32)
            p[..., 0] = roots[:, None, 0] + bend
            p[..., 1] = heights[:, None] * u[None, :]
            p[..., 2] = roots[:, None, 2]
            w = AbcGeom.OFloatGeomParamSample(float_array(widths), AbcGeom.GeometryScope.kVertexScope)
            sample = AbcGeom.OCurvesSchemaSample(v3f(p.reshape(-1, 3)), int_array(nverts), AbcGeom.CurveType.kCubic,
                                                 AbcGeom.CurvePeriodicity.kNonPeriodic, w)
            sample.setBasis(AbcGeom.BasisType.kBsplineBasis)
            put(schema, sample)
        return locals().get("n_last")  # the count some writers report

    write_archive(path, body, description="demo grass")
    return count * cvs


def write_particles(path, frames, fps, count, seed=11):
    """Sparks: points with ids, velocities and widths; the count grows as particles are born."""
    from alembic3d import AbcGeom
    rng = np.random.default_rng(seed)
    origin = np.array([0.0, 0.5, 0.0])
    vel0 = rng.normal(0, 1, (count, 3)) * np.array([0.6, 1.0, 0.6]) + np.array([0, 2.5, 0])
    birth = np.sort(rng.uniform(0, 0.5, count))
    def body(archive):  # objects must not outlive the archive: see sdf.alembic.write
        ts = frame_sampling(archive, fps, frames[0])
        xf = AbcGeom.OXform(archive.getTop(), "sparks", ts)
        pts = AbcGeom.OPoints(xf, "sparksShape", ts)
        schema = pts.getSchema()
        n_last = 0
        for frame in frames:
            t = (frame - frames[0]) / fps
            alive = max(1, int(np.searchsorted(birth, t * 0.5 + 0.02)))
            age = np.maximum(t - birth[:alive], 0)[:, None]
            g = np.array([0, -9.8, 0])
            p = origin + vel0[:alive] * age + 0.5 * g * age ** 2
            p[:, 1] = np.abs(p[:, 1])
            v = vel0[:alive] + g * age
            widths = AbcGeom.OFloatGeomParamSample(float_array(np.full(alive, 0.01)), AbcGeom.GeometryScope.kVaryingScope)
            sample = AbcGeom.OPointsSchemaSample(v3f(p), v3f(v), widths)
            sample.setIds(int_array(np.arange(alive)))  # stored as uint64; the binding takes int32 arrays
            put(schema, sample)
            n_last = alive
        return locals().get("n_last")  # the count some writers report

    n_last = write_archive(path, body, description="demo particles")
    return n_last


def write_png(path: str, rgb: np.ndarray) -> None:
    """An 8-bit RGB PNG of ``rgb`` (h, w, 3) uint8, top row first, written to a temporary name then
    renamed. The demo's textures are tiny and the core has no image library: zlib and PNG's chunks do."""
    h, w, _ = rgb.shape
    rows = np.concatenate([np.zeros((h, 1), np.uint8), np.ascontiguousarray(rgb, np.uint8).reshape(h, w * 3)], axis=1)

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)) + chunk(b"IEND", b"")
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def write_flag_texture(path: str, size: int = 64) -> None:
    """The cloth's texture: a flag of sRGB-encoded stripes and a checker canton, as an 8-bit PNG (a few KB),
    so the viewer and a render show a texture read in its colour space (its mid-grey is 0.216 linear)."""
    y, x = np.mgrid[0:size, 0:size]
    stripes = np.where((y // (size // 8)) % 2 == 0, 200, 128)[..., None] * np.array([1.0, 0.25, 0.2])
    canton = (x < size // 2) & (y < size // 2)
    checker = np.where(((x // (size // 8)) + (y // (size // 8))) % 2 == 0, 230, 40)[..., None] * np.ones(3)
    write_png(path, np.where(canton[..., None], checker, stripes).astype(np.uint8))


def _translate(x, y, z):
    m = np.identity(4)
    m[3, :3] = (x, y, z)
    return m


def _rot_y(deg):
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    m = np.identity(4)
    m[0, 0], m[0, 2], m[2, 0], m[2, 2] = c, -s, s, c
    return m


def _rot_x(deg):
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    m = np.identity(4)
    m[1, 1], m[1, 2], m[2, 1], m[2, 2] = c, s, -s, c
    return m
