"""Writing Alembic archives with alembic3d from numpy arrays.

Used by the demo generator and the USD -> Alembic converter. Archives are written to a
temporary name and renamed into place when complete, so a crash never leaves a truncated
.abc where a good one was expected.
"""
from __future__ import annotations

import contextlib
import os
import tempfile

import numpy as np


def v3f(a: np.ndarray):
    import imath
    return imath.V3fArrayFromBuffer(np.ascontiguousarray(a, dtype=np.float32).reshape(-1, 3))


def v2f(a: np.ndarray):
    import imath
    return imath.V2fArrayFromBuffer(np.ascontiguousarray(a, dtype=np.float32).reshape(-1, 2))


def int_array(a: np.ndarray):
    import imath
    return imath.IntArrayFromBuffer(np.ascontiguousarray(a, dtype=np.int32).reshape(-1))


def float_array(a: np.ndarray):
    import imath
    return imath.FloatArrayFromBuffer(np.ascontiguousarray(a, dtype=np.float32).reshape(-1))


def uint_array(a: np.ndarray):
    """imath.UnsignedIntArray from numpy; its buffer protocol is broken, so go through doubles (exact < 2**53)."""
    import imath
    return imath.UnsignedIntArray(imath.DoubleArrayFromBuffer(np.ascontiguousarray(a, dtype=np.float64).reshape(-1)))


def m44d(m) -> "imath.M44d":
    import imath
    a = np.asarray(m, dtype=np.float64).reshape(4, 4)
    return imath.M44d(*[tuple(float(x) for x in row) for row in a])


@contextlib.contextmanager
def writing_archive(path: str, *, application: str = "sdf", description: str = ""):
    """Yield an OArchive writing to a temporary file; rename it to ``path`` only on success."""
    from alembic3d import Abc

    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    os.close(fd)
    archive = None
    try:
        archive = Abc.CreateArchiveWithInfo(tmp, application, description)
        yield archive
        del archive
        archive = None
        os.replace(tmp, path)
    except BaseException:
        archive = None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def frame_sampling(archive, fps: float, start_frame: float) -> int:
    """Add a uniform time sampling (one sample per frame, frame f at f/fps seconds); return its index."""
    from alembic3d import AbcCoreAbstract
    return archive.addTimeSampling(AbcCoreAbstract.TimeSampling(1.0 / fps, start_frame / fps))
