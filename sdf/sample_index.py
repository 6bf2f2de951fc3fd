"""What a player needs to know about an Alembic file, gathered by the Alembic library in a worker process.

The playback reader (:mod:`sdf.playback_reader`) never calls alembic3d itself: the library
decodes some corrupted data without bounds checks and dies by SIGSEGV, and it maps the file,
so a file truncated under it kills the process with SIGBUS. Instead a worker process asks
the library, once per file, for the *index*: every object's schema and sample times, the
digest of every array sample (positions, normals, face counts and indices, UVs, widths, ids,
velocities, face sets), parents' matrices and stored bounds. Arrays are then read by digest
straight from the file (:mod:`sdf.ogawa`), with every size and index checked in numpy.

A worker that dies on a file becomes one :class:`~sdf.errors.AlembicError` naming the file;
the next file gets a new worker. The worker's address space is limited like
``validate --deep``'s, so a runaway allocation is an error too. One worker serves every file
of a session, so its start-up (about 0.2 s) is paid once.
"""
from __future__ import annotations

import functools
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass, field

import numpy as np

from .errors import AlembicError

#: Address space a worker may use (``SDF_INDEX_MB``).
DEFAULT_LIMIT_MB = 4096
GEOMETRY = ("AbcGeom_PolyMesh", "AbcGeom_SubD", "AbcGeom_Curve", "AbcGeom_Points")


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


# -- the worker side (runs alembic3d) ---------------------------------------------------------------
def _digests(prop, n: int) -> list[bytes]:
    from . import alembic_io

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

    from . import alembic_io

    schema_name = alembic_io.object_schema(obj)
    typed = {"AbcGeom_PolyMesh": AbcGeom.IPolyMesh, "AbcGeom_SubD": AbcGeom.ISubD, "AbcGeom_Curve": AbcGeom.ICurves,
             "AbcGeom_Points": AbcGeom.IPoints, "AbcGeom_Xform": AbcGeom.IXform}.get(schema_name)
    if typed is None:
        return None
    wrap = Abc.WrapExistingFlag.kWrapExisting
    schema = typed(obj, wrap).getSchema()
    n = schema.getNumSamples()
    ts = schema.getTimeSampling()
    out = ObjectIndex(obj.getFullName(), schema_name, [ts.getSampleTime(i) for i in range(n)])
    node = obj if schema_name == "AbcGeom_Xform" else obj.getParent()
    while node is not None and node.valid() and node.getFullName() != "/":
        if alembic_io.object_schema(node) == "AbcGeom_Xform":
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
    if schema_name == "AbcGeom_Xform" or n == 0:
        return out
    out.arrays["P"] = _digests(schema.getPositionsProperty(), n)
    if schema_name in ("AbcGeom_PolyMesh", "AbcGeom_SubD"):
        out.variance = str(schema.getTopologyVariance()).rsplit(".", 1)[-1]
        for name, prop in (("counts", schema.getFaceCountsProperty()), ("indices", schema.getFaceIndicesProperty())):
            out.arrays[name] = _digests(prop, prop.getNumSamples())
        _param(out, "uv", schema.getUVsParam())
        if schema_name == "AbcGeom_PolyMesh":
            _param(out, "N", schema.getNormalsParam())
            for name in schema.getFaceSetNames():
                out.face_sets[name] = _face_set_digests(schema.getFaceSet(name).getSchema())
        else:
            arb = schema.getArbGeomParams()
            if arb.valid() and arb.getPropertyHeader("N") is not None:
                _param(out, "N", AbcGeom.IN3fGeomParam(arb, "N"))
    elif schema_name == "AbcGeom_Curve":
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
    if schema_name in GEOMETRY:
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
    from . import alembic_io

    archive = alembic_io.open_archive(path, cached=False)
    objects = {}
    for name, obj in alembic_io.walk_objects(archive):
        o = _index_object(obj)
        if o is not None:
            objects[name] = o
    return FileIndex(path, alembic_io.file_identity(path), objects)


def _worker() -> None:
    import resource

    limit = int(float(os.environ.get("SDF_INDEX_MB") or DEFAULT_LIMIT_MB)) << 20
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        path = line.decode("utf-8", "surrogateescape").rstrip("\n")
        try:
            result = build_index(path)
        except AlembicError as exc:
            result = FileIndex(path, (), {}, exc.message)
        except (RuntimeError, IndexError, ValueError, MemoryError, OverflowError, TypeError) as exc:
            text = str(exc).strip().splitlines()
            result = FileIndex(path, (), {}, f"corrupt or unreadable data ({text[0] if text else type(exc).__name__})")
        blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(struct.pack("<Q", len(blob)) + blob)
        out.flush()


# -- the player side -------------------------------------------------------------------------------
class Indexer:
    """A worker process that indexes files on request; restarted after a crash (thread-safe)."""

    def __init__(self, command: list[str] | None = None):
        self.command = command or [python_executable(), "-m", "sdf.sample_index"]
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            env = dict(os.environ)
            # The worker must import this very package, wherever it was imported from.
            root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
            self._proc = subprocess.Popen(self.command, stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                                          start_new_session=True)
        return self._proc

    def index(self, path: str) -> FileIndex:
        with self._lock:
            proc = self._start()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(path.encode("utf-8", "surrogateescape") + b"\n")
                proc.stdin.flush()
                head = proc.stdout.read(8)
                blob = proc.stdout.read(struct.unpack("<Q", head)[0]) if len(head) == 8 else b""
            except (BrokenPipeError, struct.error):
                head, blob = b"", b""
            if len(head) != 8 or not blob:
                code = proc.wait()
                self._proc = None
                why = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
                raise AlembicError(f"the Alembic library failed on corrupt data while indexing this file ({why})",
                                   path)
        result: FileIndex = pickle.loads(blob)
        if result.error:
            raise AlembicError(result.error, path)
        return result

    def close(self) -> None:
        with self._lock:
            if self._proc is not None:
                try:
                    self._proc.stdin.close()  # type: ignore[union-attr]
                    self._proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    self._proc.kill()
                self._proc = None


def python_executable() -> str:
    """A Python interpreter to run the worker with. Inside a DCC ``sys.executable`` may be the
    application itself (Maya's GUI binary, Houdini), so its own Python is looked for beside it
    (mayapy, hython); ``$SDF_PYTHON`` overrides."""
    if os.environ.get("SDF_PYTHON"):
        return os.environ["SDF_PYTHON"]
    exe = sys.executable or "python3"
    if os.path.basename(exe).lower().startswith(("python", "pypy")):
        return exe
    folder = os.path.dirname(exe)
    for name in ("mayapy", "hython", "python3", "python"):
        for candidate in (os.path.join(folder, name), os.path.join(folder, name + ".exe")):
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    return exe


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
    """Where the index of one version of a file is kept: the per-user private cache directory (see
    :func:`sdf.schema._cache_dir`), keyed by the file's identity and this module's code."""
    import hashlib

    from .schema import _cache_dir

    if os.environ.get("SDF_NO_INDEX_CACHE"):
        return None
    base = _cache_dir()
    if base is None:
        return None
    key = hashlib.sha256(repr(identity).encode("utf-8", "surrogateescape")).hexdigest()
    return os.path.join(base, f"index-{_code_key()}", key[:2], key + ".pickle")


@functools.lru_cache(maxsize=1)
def _code_key() -> str:
    """This module's code, and what the pickle depends on (a DCC's Python may carry another numpy):
    read once per process, not at every file opened."""
    import hashlib

    with open(__file__, "rb") as fh:
        return hashlib.sha256(fh.read() + f"{sys.version_info[:2]} {np.__version__}".encode()).hexdigest()[:12]


def index_file(path: str) -> FileIndex:
    """The index of ``path``: kept on disk per file version (identity: path, inode, times, size), so a
    shot opened again, in any process, does not wait for the worker; made by the process-wide
    worker otherwise. ``SDF_NO_INDEX_CACHE=1`` turns the disk copy off."""
    from .alembic_io import file_identity

    try:
        cached = _cache_path(file_identity(path))
    except OSError:
        cached = None
    if cached is not None:
        try:
            with open(cached, "rb") as fh:
                index = pickle.load(fh)
            if isinstance(index, FileIndex) and index.identity == file_identity(path):
                try:
                    os.utime(cached)  # recently used: the last to be pruned
                except OSError:
                    pass
                return index
        except Exception:  # noqa: BLE001 - absent, unreadable or from another library version: made again
            pass
    index = _indexer().index(path)
    if cached is not None and index.identity:
        try:
            os.makedirs(os.path.dirname(cached), mode=0o700, exist_ok=True)
            tmp = f"{cached}.{os.getpid()}.tmp"
            with open(tmp, "wb") as fh:
                pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cached)
            _prune(os.path.dirname(os.path.dirname(cached)))
        except OSError:
            pass  # a cache that cannot be written costs only speed
    return index


#: Indexes kept on disk at most (``SDF_INDEX_CACHE_ENTRIES``): one per file version, a few KB each.
MAX_ENTRIES = 4096


def _prune(folder: str) -> None:
    """Keep the ``MAX_ENTRIES`` most recently used indexes under ``folder``: a studio opens many versions
    of many caches, and an index outlives its file version."""
    limit = int(os.environ.get("SDF_INDEX_CACHE_ENTRIES") or MAX_ENTRIES)
    entries = []
    for sub in os.scandir(folder):
        if sub.is_dir(follow_symlinks=False):
            entries += [(e.stat().st_mtime, e.path) for e in os.scandir(sub.path) if e.name.endswith(".pickle")]
    if len(entries) <= limit:
        return
    entries.sort()
    for _, old in entries[:len(entries) - limit]:
        try:
            os.unlink(old)
        except OSError:
            pass


if __name__ == "__main__":
    # Run the worker from the imported module, so what it pickles names sdf.sample_index, not __main__.
    from sdf.sample_index import _worker as worker

    worker()
