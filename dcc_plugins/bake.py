"""Writing a department's native geometry back as Alembic: new animation caches and rest models.

A host hands over :class:`~.host.BakedFrame` objects one at a time (an iterator), so memory
stays bounded by one frame whatever the length of the shot. The archive is written through
:func:`sdf.alembic.write.write_archive`: to a temporary name, checked as finished, then renamed,
so an interrupted bake never leaves a truncated cache where a good one is expected. Cache
files are versioned (``chars_hero_body.v003.abc``) and created exclusively, so a bake never
overwrites a file anything may reference.
"""
from __future__ import annotations

import os
import re
from typing import Iterable

import numpy as np

from sdf.alembic.write import frame_sampling, int_array, put, v2f, v3f, write_archive
from sdf.errors import SdfError
from sdf.document.versions import latest_version, versioned_name

from .host import BakedFrame


def cache_name(element_path: str) -> str:
    """A file stem for an element: ``/chars/hero/body`` -> ``chars_hero_body``."""
    return re.sub(r"[^A-Za-z0-9_]+", "_", element_path.strip("/")) or "root"


def next_cache_path(directory: str, element_path: str) -> str:
    """The next free versioned cache file for an element in ``directory``."""
    base = os.path.join(directory, cache_name(element_path) + ".abc")
    return versioned_name(base, (latest_version(base) or 0) + 1)


def write_cache(path: str, name: str, frames: Iterable[BakedFrame], fps: float, *,
                first_frame: float | None = None) -> tuple[str, int]:
    """Write baked frames as ``/<name>/<name>Shape`` (a PolyMesh, or Points when there are no faces).

    Topology is written with the first frame and again whenever it changes, so a mesh whose
    topology changes (a fracture, a crystal growing) keeps every frame exact. Returns the
    object path and the number of samples written.
    """
    if os.path.exists(path):
        raise SdfError("refusing to overwrite an existing cache", path)
    state = {"count": 0, "object": f"/{name}/{name}Shape"}
    it = iter(frames)
    try:
        first = next(it)
    except StopIteration:
        raise SdfError("nothing to write: the host returned no frames", path) from None
    start = first.frame if first_frame is None else first_frame

    def body(archive):
        from alembic3d import AbcGeom

        ts = frame_sampling(archive, fps, start)
        xf = AbcGeom.OXform(archive.getTop(), name, ts)
        points = first.face_counts is None
        shape = (AbcGeom.OPoints if points else AbcGeom.OPolyMesh)(xf, f"{name}Shape", ts)
        schema = shape.getSchema()
        last_topo = None
        for baked in _chain(first, it):
            pos = np.ascontiguousarray(baked.positions, dtype=np.float32).reshape(-1, 3)
            if not np.all(np.isfinite(pos)):
                raise SdfError(f"frame {baked.frame:g}: NaN or infinite positions from the host", path)
            if points:
                sample = AbcGeom.OPointsSchemaSample(v3f(pos))
                sample.setIds(int_array(np.arange(len(pos))))  # stored as uint64; the binding takes int32
                put(schema, sample)
            else:
                counts = np.asarray(baked.face_counts, dtype=np.int32)
                idx = np.asarray(baked.face_indices, dtype=np.int32)
                if counts.sum() != len(idx) or (len(idx) and (idx.min() < 0 or idx.max() >= len(pos))):
                    raise SdfError(f"frame {baked.frame:g}: face indices do not match the points", path)
                topo = (counts.tobytes(), idx.tobytes())
                if topo != last_topo:
                    sample = AbcGeom.OPolyMeshSchemaSample(v3f(pos), int_array(idx), int_array(counts))
                    if baked.uvs is not None and len(baked.uvs) == len(idx):
                        sample.setUVs(AbcGeom.OV2fGeomParamSample(v2f(baked.uvs),
                                                                  AbcGeom.GeometryScope.kFacevaryingScope))
                    last_topo = topo
                else:
                    sample = AbcGeom.OPolyMeshSchemaSample(v3f(pos))
                put(schema, sample)
            state["count"] += 1

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    write_archive(path, body, application="sdf dcc session", description=f"baked {name}")
    return state["object"], state["count"]


def winding_order(counts) -> np.ndarray:
    """Corner order that reverses each polygon's winding (its own inverse): Alembic stores polygons
    clockwise, Blender, Maya and Houdini counter-clockwise."""
    counts = np.asarray(counts, dtype=np.int64)
    if not len(counts):
        return np.zeros(0, np.int64)
    if np.all(counts == counts[0]):  # all quads or all triangles: a reshape, no per-corner arithmetic
        k = int(counts[0])
        return np.arange(len(counts) * k, dtype=np.int64).reshape(-1, k)[:, ::-1].reshape(-1)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    within = np.arange(int(counts.sum())) - starts
    return starts + (np.repeat(counts, counts) - 1 - within)


def _chain(first, rest):
    yield first
    yield from rest
