"""What a player needs to know about an Alembic file, gathered by the Alembic library in a worker process.

The playback reader (:mod:`sdf.alembic.playback_reader`) never calls alembic3d itself: the library
decodes some corrupted data without bounds checks and dies by SIGSEGV, and it maps the file,
so a file truncated under it kills the process with SIGBUS. Instead a worker process (the one
protocol of every worker, :mod:`sdf.runtime.isolation`) asks
the library, once per file, for the *index*: every object's schema and sample times, the
digest of every array sample (positions, normals, face counts and indices, UVs, widths, ids,
velocities, face sets), parents' matrices and stored bounds. Arrays are then read by digest
straight from the file (:mod:`sdf.alembic.ogawa`), with every size and index checked in numpy.

A worker that dies on a file becomes one :class:`~sdf.errors.AlembicError` naming the file;
the next file gets a new worker. The worker's address space is limited like
``validate --deep``'s, so a runaway allocation is an error too. One worker serves every file
of a session, so its start-up (about 0.2 s) is paid once.
"""
from __future__ import annotations

import functools
import os
import pickle
import sys
import threading
from dataclasses import dataclass, field

import numpy as np

from sdf.alembic import schemas as abc_schemas
from sdf.errors import AlembicError, SdfError
from sdf.runtime.isolation import Worker, WorkerDied

#: Address space a worker may use (``SDF_INDEX_MB``).
DEFAULT_LIMIT_MB = 4096


@dataclass
class ParentIndex:
    """One Xform above an object: its matrices (row vectors) at its own sample times."""

    times: list[float]
    matrices: np.ndarray          # float64 (n, 4, 4)
    inherits: list[bool]


@dataclass
class ObjectIndex:
    path: str
    schema: str                   # "AbcGeom_PolyMesh" ... (without version)
    times: list[float]            # the schema's sample times; empty when it has no samples
    variance: str | None = None   # meshes: kConstantTopology / kHomogeneousTopology / kHeterogeneousTopology
    parents: list[ParentIndex] = field(default_factory=list)  # nearest first
    arrays: dict[str, list[bytes]] = field(default_factory=dict)   # name -> digest per sample
    scopes: dict[str, str] = field(default_factory=dict)           # "N", "uv", "widths" -> facevarying, vertex...
    face_sets: dict[str, list[bytes]] = field(default_factory=dict)
    bounds: np.ndarray | None = None  # float64 (n, 2, 3) stored self bounds, or None
    curve: tuple[str, str, str] | None = None  # curves: (type, wrap, basis) of the first sample, e.g. cubic


@dataclass
class FileIndex:
    path: str
    identity: tuple
    objects: dict[str, ObjectIndex]
    error: str | None = None      # why the library could not index it
    schemas: dict[str, str] = field(default_factory=dict)  # every object's schema, geometry or not (checks)


# -- the worker side (runs alembic3d) ---------------------------------------------------------------
def _digests(prop, n: int) -> list[bytes]:
    from sdf.alembic import io as alembic_io

    return [bytes.fromhex(prop.getKey(alembic_io.select(prop, i))) for i in range(n)]


def _param(out: ObjectIndex, name: str, param) -> None:
    """A geometry parameter's value digests (and index digests, when indexed) and scope."""
    if param is None or not param.valid() or not param.getNumSamples():
        return
    values = param.getValueProperty()
    out.arrays[name] = _digests(values, values.getNumSamples())
    if param.isIndexed():
        ind = param.getIndexProperty()
        out.arrays[name + ".i"] = _digests(ind, ind.getNumSamples())
    out.scopes[name] = str(param.getScope()).rsplit(".", 1)[-1].replace("k", "", 1).replace("Scope", "").lower()


def curve_kind(sample) -> tuple[str, str, str]:
    """A curves sample's (type, wrap, basis) in Alembic's words without the k: ("cubic", "nonperiodic",
    "bspline")."""
    def word(v, suffix=""):
        w = str(v).rsplit(".", 1)[-1]
        return (w[1:] if w.startswith("k") else w).removesuffix(suffix).lower()

    return word(sample.getType()), word(sample.getWrap()), word(sample.getBasis(), "Basis")


def _index_object(obj) -> ObjectIndex | None:
    from alembic3d import Abc, AbcGeom

    from sdf.alembic import io as alembic_io

    schema_name = alembic_io.object_schema(obj)
    typed = abc_schemas.reader_class(schema_name) if schema_name in abc_schemas.PLAYBACK else None
    if typed is None:
        return None
    wrap = Abc.WrapExistingFlag.kWrapExisting
    schema = typed(obj, wrap).getSchema()
    n = schema.getNumSamples()
    ts = schema.getTimeSampling()
    out = ObjectIndex(obj.getFullName(), schema_name, [ts.getSampleTime(i) for i in range(n)])
    node = obj if schema_name == abc_schemas.XFORM else obj.getParent()
    while node is not None and node.valid() and node.getFullName() != "/":
        if alembic_io.object_schema(node) == abc_schemas.XFORM:
            xs = AbcGeom.IXform(node, wrap).getSchema()
            k = xs.getNumSamples()
            xts = xs.getTimeSampling()
            mats, inherits = np.zeros((k, 4, 4)), []
            for i in range(k):
                s = xs.getValue(alembic_io.select(xs, i))
                m = s.getMatrix()
                mats[i] = [[m[r][c] for c in range(4)] for r in range(4)]
                inherits.append(bool(s.getInheritsXforms()))
            out.parents.append(ParentIndex([xts.getSampleTime(i) for i in range(k)], mats, inherits))
        node = node.getParent()
    if schema_name == abc_schemas.XFORM or n == 0:
        return out
    out.arrays["P"] = _digests(schema.getPositionsProperty(), n)
    if schema_name in abc_schemas.MESHES:
        out.variance = str(schema.getTopologyVariance()).rsplit(".", 1)[-1]
        for name, prop in (("counts", schema.getFaceCountsProperty()), ("indices", schema.getFaceIndicesProperty())):
            out.arrays[name] = _digests(prop, prop.getNumSamples())
        _param(out, "uv", schema.getUVsParam())
        if schema_name == abc_schemas.POLYMESH:
            _param(out, "N", schema.getNormalsParam())
            for name in schema.getFaceSetNames():
                out.face_sets[name] = _face_set_digests(schema.getFaceSet(name).getSchema())
        else:
            arb = schema.getArbGeomParams()
            if arb.valid() and arb.getPropertyHeader("N") is not None:
                _param(out, "N", AbcGeom.IN3fGeomParam(arb, "N"))
    elif schema_name == abc_schemas.CURVES:
        nv = schema.getNumVerticesProperty()
        out.arrays["nverts"] = _digests(nv, nv.getNumSamples())
        out.curve = curve_kind(schema.getValue(alembic_io.select(schema, 0)))
        _param(out, "widths", schema.getWidthsParam())
    else:
        ids = schema.getIdsProperty()
        if ids.valid() and ids.getNumSamples():
            out.arrays["ids"] = _digests(ids, ids.getNumSamples())
        vel = schema.getVelocitiesProperty()
        if vel.valid() and vel.getNumSamples():
            out.arrays["v"] = _digests(vel, vel.getNumSamples())
        _param(out, "widths", schema.getWidthsParam())
    if schema_name in abc_schemas.GEOMETRY:
        prop = schema.getSelfBoundsProperty()
        if prop.valid() and prop.getNumSamples() == n:
            boxes = np.zeros((n, 2, 3))
            for i in range(n):
                box = prop.getValue(alembic_io.select(prop, i))
                boxes[i, 0] = [box.min()[k] for k in range(3)]
                boxes[i, 1] = [box.max()[k] for k in range(3)]
            out.bounds = boxes
    return out


def _face_set_digests(fs) -> list[bytes]:
    faces = fs.getFacesProperty()
    return _digests(faces, faces.getNumSamples())


def build_index(path: str) -> FileIndex:
    """The index of ``path`` made in this process (the worker calls this)."""
    from sdf.alembic import io as alembic_io

    archive = alembic_io.open_archive(path, cached=False)
    objects, schemas = {}, {}
    for name, obj in alembic_io.walk_objects(archive):
        schemas[name] = alembic_io.object_schema(obj)
        o = _index_object(obj)
        if o is not None:
            objects[name] = o
    return FileIndex(path, alembic_io.file_identity(path), objects, schemas=schemas)


def index_in_worker(path: str) -> FileIndex:
    """In the worker: the index of ``path``, or a FileIndex carrying why the library could not make it."""
    try:
        return build_index(path)
    except SdfError as exc:  # AlembicError, and a file that is not a regular file (a FIFO, a device)
        return FileIndex(path, (), {}, exc.message)
    except (RuntimeError, IndexError, ValueError, MemoryError, OverflowError, TypeError) as exc:
        text = str(exc).strip().splitlines()
        return FileIndex(path, (), {}, f"corrupt or unreadable data ({text[0] if text else type(exc).__name__})")


# -- the player side -------------------------------------------------------------------------------
class Indexer:
    """A worker process (:mod:`sdf.runtime.isolation`) that indexes files on request; restarted after a crash
    (thread-safe). ``command`` starts it (by default ``python -m sdf.runtime.isolation``)."""

    def __init__(self, command: list[str] | None = None):
        self.command = command
        self._worker: Worker | None = None
        self._lock = threading.Lock()

    def _start(self) -> Worker:
        if self._worker is None or not self._worker.alive():
            if self._worker is not None:
                self._worker.close()
            limit = float(os.environ.get("SDF_INDEX_MB") or DEFAULT_LIMIT_MB)
            self._worker = Worker(self.command, limit_mb=limit, detached=True)
            self._worker.start()
        return self._worker

    def index(self, path: str) -> FileIndex:
        with self._lock:
            worker = self._start()
            try:
                result: FileIndex = worker.call("sdf.alembic.sample_index:index_in_worker", [path])
            except WorkerDied as died:
                worker.close()
                self._worker = None
                raise AlembicError("the Alembic library failed on corrupt data while indexing this file "
                                   f"({died.why})", path) from None
        if result.error:
            raise AlembicError(result.error, path)
        return result

    def close(self) -> None:
        with self._lock:
            if self._worker is not None:
                self._worker.close()
                self._worker = None


_shared: Indexer | None = None
_shared_lock = threading.Lock()


def _indexer() -> Indexer:
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Indexer()
            import atexit

            atexit.register(_shared.close)
        return _shared


def warm_up() -> None:
    """Start the worker now, without waiting for it (it takes a few tenths of a second to import the
    library): a DCC plug-in calls this when it loads, the cache when it is made, so the first
    file opened does not wait for it."""
    indexer = _indexer()
    with indexer._lock:
        indexer._start()


def _cache_path(identity: tuple) -> str | None:
    """Where the index of one version of a file is kept: an entry of the per-user cache (see
    :func:`sdf.runtime.user_cache.entry`), keyed by the file's identity and this module's code."""
    from sdf.runtime import user_cache

    if os.environ.get("SDF_NO_INDEX_CACHE"):
        return None
    return user_cache.entry("index", user_cache.key_of(repr(identity)), ".pickle", code=_code_key())


@functools.lru_cache(maxsize=1)
def _code_key() -> str:
    """This module's code, and what the pickle depends on (a DCC's Python may carry another numpy):
    read once per process, not at every file opened."""
    import hashlib

    with open(__file__, "rb") as fh:
        return hashlib.sha256(fh.read() + f"{sys.version_info[:2]} {np.__version__}".encode()).hexdigest()[:12]


def index_file(path: str, *, fresh: bool = False) -> FileIndex:
    """The index of ``path``: kept on disk per file version (identity: path, inode, times, size), so a
    shot opened again, in any process, does not wait for the worker; made by the process-wide
    worker otherwise. ``SDF_NO_INDEX_CACHE=1`` turns the disk copy off. ``fresh`` makes it again
    and replaces the disk copy: a reader found the copy does not describe the file (a file
    rewritten in place within one tick of its timestamps keeps its identity)."""
    from sdf.alembic.io import file_identity
    from sdf.runtime import user_cache

    try:
        cached = _cache_path(file_identity(path))
    except OSError:
        cached = None
    if cached is not None and not fresh:
        data = user_cache.load(cached)
        try:
            index = pickle.loads(data) if data else None
            if isinstance(index, FileIndex) and index.identity == file_identity(path):
                try:
                    os.utime(cached)  # recently used: the last to be pruned
                except OSError:
                    pass
                return index
        except Exception:  # noqa: BLE001 - unreadable or from another library version: made again
            pass
    index = _indexer().index(path)
    if cached is not None and index.identity and \
            user_cache.store(cached, pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)):
        user_cache.prune(os.path.dirname(os.path.dirname(cached)),
                         int(os.environ.get("SDF_INDEX_CACHE_ENTRIES") or MAX_ENTRIES))
    return index  # a cache that cannot be written costs only speed


#: Indexes kept on disk at most (``SDF_INDEX_CACHE_ENTRIES``): one per file version, a few KB each; a
#: studio opens many versions of many caches, and an index outlives its file version.
MAX_ENTRIES = 4096


if __name__ == "__main__":
    # This module can be a worker's command too (``python -m sdf.alembic.sample_index``): it serves the one
    # protocol of sdf.runtime.isolation, whose functions import sdf.alembic.sample_index itself, never __main__.
    from sdf.runtime.isolation import serve

    sys.exit(serve())
