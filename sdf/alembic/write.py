"""Writing Alembic archives with alembic3d from numpy arrays.

Used by the demo generator and the USD -> Alembic converter. Archives are written to a
temporary name and renamed into place only when alembic3d has finished them, so a crash
never leaves a truncated .abc where a good one was expected.

A trap in the binding: a sample (``OPolyMeshSchemaSample``, ``OV2fGeomParamSample``...)
keeps *pointers* into the imath arrays it is given, not copies. An array created inline,
``Sample(v3f(p), int_array(i), ...)``, may be freed and its memory reused before
``schema.set(sample)`` runs, and garbage is written. So every array made by the helpers
here is kept alive until :func:`put` has written the sample.
"""
from __future__ import annotations

import contextlib
import gc
import os
import tempfile
import threading

import numpy as np

_alive = threading.local()


def _keep(arr):
    stash = getattr(_alive, "arrays", None)
    if stash is None:
        stash = _alive.arrays = []
    stash.append(arr)
    return arr


def put(schema, sample) -> None:
    """``schema.set(sample)``, then release the arrays the sample pointed into."""
    schema.set(sample)
    _alive.arrays = []


def v3f(a: np.ndarray):
    import imath
    return _keep(imath.V3fArrayFromBuffer(np.ascontiguousarray(a, dtype=np.float32).reshape(-1, 3)))


def v2f(a: np.ndarray):
    import imath
    return _keep(imath.V2fArrayFromBuffer(np.ascontiguousarray(a, dtype=np.float32).reshape(-1, 2)))


def int_array(a: np.ndarray):
    import imath
    return _keep(imath.IntArrayFromBuffer(np.ascontiguousarray(a, dtype=np.int32).reshape(-1)))


def float_array(a: np.ndarray):
    import imath
    return _keep(imath.FloatArrayFromBuffer(np.ascontiguousarray(a, dtype=np.float32).reshape(-1)))


def uint_array(a: np.ndarray):
    """imath.UnsignedIntArray from numpy; its buffer protocol is broken, so go through doubles (exact < 2**53)."""
    import imath
    doubles = _keep(imath.DoubleArrayFromBuffer(np.ascontiguousarray(a, dtype=np.float64).reshape(-1)))
    return _keep(imath.UnsignedIntArray(doubles))


def color_array(a: np.ndarray):
    """imath.C3fArray / C4fArray (no buffer constructor exists: filled element by element)."""
    import imath
    a = np.asarray(a, dtype=np.float32)
    n, k = a.shape
    arr = imath.C3fArray(n) if k == 3 else imath.C4fArray(n)
    make = imath.Color3f if k == 3 else imath.Color4f
    for i, row in enumerate(a.tolist()):
        arr[i] = make(*row)
    return _keep(arr)


def double_array(a: np.ndarray):
    import imath
    return _keep(imath.DoubleArrayFromBuffer(np.ascontiguousarray(a, dtype=np.float64).reshape(-1)))


def _filled(array_type, values, convert):
    """An imath array with no buffer constructor, filled element by element."""
    values = list(values)
    arr = array_type(len(values))
    for i, v in enumerate(values):
        arr[i] = convert(v)
    return _keep(arr)


def bool_array(values):
    import imath
    return _filled(imath.BoolArray, values, bool)


def string_array(values):
    import imath
    return _filled(imath.StringArray, values, str)


def m44d(m) -> "imath.M44d":
    import imath
    a = np.asarray(m, dtype=np.float64).reshape(4, 4)
    return imath.M44d(*[tuple(float(x) for x in row) for row in a])


def write_archive(path: str, body, *, application: str = "sdf", description: str = ""):
    """Write an archive: ``body(archive)`` adds objects and samples; returns what it returns.

    alembic3d finishes an archive when the last reference to it, or to any object in it,
    goes away. So ``body`` gets the only reference, and every object it makes must be local
    to it: once it returns, the archive is finished, checked, and renamed into place. If
    something still holds it (an object stored outside ``body``), the temporary file is
    removed and RuntimeError is raised: nothing unfinished is ever renamed to ``path``.
    """
    from alembic3d import Abc

    from sdf.alembic.io import check_ogawa_complete
    from sdf.errors import AlembicError

    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    from sdf.runtime.jsonio import file_mode

    os.fchmod(fd, file_mode())  # mkstemp makes 0600; shared storage needs what the umask allows
    os.close(fd)
    try:
        result = body(Abc.CreateArchiveWithInfo(tmp, application, description))
        _alive.arrays = []
        gc.collect()  # objects in reference cycles keep the archive open
        try:
            check_ogawa_complete(tmp)
        except AlembicError:
            raise RuntimeError(f"{path}: the archive is still referenced after writing (an object outlived "
                               "the body function), so it was not finished; nothing was written") from None
        os.replace(tmp, path)
        return result
    except BaseException:
        _alive.arrays = []
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def frame_sampling(archive, fps: float, start_frame: float) -> int:
    """Add a uniform time sampling (one sample per frame, frame f at f/fps seconds); return its index."""
    from alembic3d import AbcCoreAbstract
    return archive.addTimeSampling(AbcCoreAbstract.TimeSampling(1.0 / fps, start_frame / fps))
