"""Opening Alembic archives and finding objects in them, with errors a user can act on.

alembic3d reports every unreadable file as a bare RuntimeError; we look at the first bytes
ourselves so that an HDF5-era archive, a truncated Ogawa file and something that is not
Alembic at all each get their own message naming the file.
"""
from __future__ import annotations

import os
import threading

from sdf.errors import AlembicError

OGAWA_MAGIC = b"Ogawa"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"

_lock = threading.Lock()
_open: dict[tuple[str, int, int], object] = {}


def file_identity(path: str) -> tuple:
    """(real path, inode, mtime, ctime in ns, size): changes whenever the file is replaced or rewritten,
    including by a file of the same size whose modification time was set back (its inode or change
    time still differs, and change time cannot be set by a user)."""
    st = os.stat(path)
    return os.path.realpath(path), st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size


def identity_text(path: str) -> str:
    """:func:`file_identity` as one string: stored in a file made from ``path`` (a USD layer) and compared
    later to tell whether that file still matches its source."""
    return ":".join(map(str, file_identity(path)))


def _open_regular(path: str):
    """The file for reading, only if it is a regular file (a FIFO would hang alembic3d, a device feed it forever)."""
    from sdf.runtime.jsonio import open_regular

    try:
        return os.fdopen(open_regular(path, "an Alembic file"), "rb")
    except FileNotFoundError:
        raise AlembicError("Alembic file not found", path) from None


def sniff(path: str) -> str:
    """'ogawa', 'hdf5' or 'unknown' from the file's first bytes."""
    with _open_regular(path) as fh:
        head = fh.read(8)
    if head.startswith(OGAWA_MAGIC):
        return "ogawa"
    if head.startswith(HDF5_MAGIC):
        return "hdf5"
    return "unknown"


def check_ogawa_complete(path: str) -> None:
    """An Ogawa file stores the offset of its root group at bytes 8..16; a truncated file's points past the end."""
    with _open_regular(path) as fh:
        _check_header(fh.read(16), os.fstat(fh.fileno()).st_size, path)


def _check_header(head: bytes, size: int, path: str) -> None:
    """The first 16 bytes of an Ogawa file of ``size`` bytes: finished (frozen), root group inside the file."""
    if len(head) < 16:
        raise AlembicError(f"truncated Alembic file ({size} bytes)", path)
    frozen = head[5]
    root = int.from_bytes(head[8:16], "little")
    if frozen != 0xFF or root == 0 or root >= size:
        raise AlembicError(f"truncated or unfinished Alembic file (root group at byte {root}, file has {size})", path)


def pread(fd: int, n: int, offset: int) -> bytes:
    """``n`` bytes at ``offset`` (fewer at the end of the file), without moving a shared file position
    where the OS can (``os.pread``); elsewhere (Windows) under a lock."""
    if hasattr(os, "pread"):
        return os.pread(fd, n, offset)
    with _lock:
        os.lseek(fd, offset, os.SEEK_SET)
        return os.read(fd, n)


_DATA_BIT = 1 << 63
#: Most groups and data blocks walked in one archive before the structure is called implausible.
MAX_OGAWA_NODES = 50_000_000


def check_ogawa_structure(path: str) -> None:
    """Check the header as :func:`check_ogawa_complete` does, then walk the group tree and check
    every offset and size against the file.

    alembic3d trusts these numbers: a corrupted size makes it allocate without bound (the
    process is killed) and a corrupted offset makes it read outside the file (SIGSEGV). An
    Ogawa file is groups (a count, then one 8-byte child offset each; the top bit marks data)
    and data blocks (an 8-byte size, then the bytes), so the whole structure can be checked
    cheaply, before the library sees it, without reading any payload.
    """
    with _open_regular(path) as fh:
        for _ in ogawa_blocks(fh.fileno(), path):
            pass


def ogawa_blocks(fd: int, path: str):
    """Every data block of the Ogawa file open as ``fd``, as (offset of its bytes, length), after
    checking the header and each group and block against the file's size (see
    :func:`check_ogawa_structure`). Reads with ``pread``: a file truncated meanwhile gives an
    error, never a signal."""
    import struct

    size = os.fstat(fd).st_size
    head = pread(fd, 16, 0)
    _check_header(head, size, path)
    root = int.from_bytes(head[8:16], "little")
    stack = [root]
    seen = set()

    def read(n: int, at: int) -> bytes:
        got = pread(fd, n, at)
        if len(got) != n:
            raise AlembicError(f"the file changed while it was read (byte {at} is past its end)", path)
        return got

    while stack:
        group = stack.pop()
        if group == 0 or group in seen:
            continue  # an empty group; a group reached twice is shared, not walked again
        seen.add(group)
        if len(seen) > MAX_OGAWA_NODES:
            raise AlembicError("corrupt Alembic file: implausibly many groups", path)
        if group + 8 > size:
            raise AlembicError(f"corrupt Alembic file: a group at byte {group} lies past the end ({size})", path)
        count = int.from_bytes(read(8, group), "little")
        if count > (size - group - 8) // 8:
            raise AlembicError(f"corrupt Alembic file: a group at byte {group} claims {count} children", path)
        children = struct.unpack(f"<{count}Q", read(8 * count, group + 8)) if count else ()
        for child in children:
            if child & _DATA_BIT:
                data = child & ~_DATA_BIT
                if data == 0:
                    continue
                if data + 8 > size:
                    raise AlembicError(f"corrupt Alembic file: data at byte {data} lies past the end ({size})", path)
                length = int.from_bytes(read(8, data), "little")
                if length > size - data - 8:
                    raise AlembicError(f"corrupt Alembic file: data at byte {data} claims {length} bytes, "
                                       f"more than the file holds", path)
                yield data + 8, length
            else:
                stack.append(child)


def open_archive(path: str, *, cached: bool = True):
    """An ``alembic3d.Abc.IArchive`` for ``path``, or AlembicError with a clear reason.

    Archives are kept open per file identity so repeated validation or reads of one file
    pay the open once; a file rewritten on disk gets a new identity and is reopened.
    """
    from alembic3d import Abc

    if not os.path.exists(path):
        raise AlembicError("Alembic file not found", path)
    if os.path.isdir(path):
        raise AlembicError("is a directory, not an Alembic file", path)
    key = file_identity(path)
    if cached:
        with _lock:
            hit = _open.get(key)
        if hit is not None:
            return hit
    kind = sniff(path)
    if kind == "hdf5":
        raise AlembicError("HDF5-based Alembic archive is not supported; convert it with "
                           "'abcconvert -toOgawa IN OUT'", path)
    if kind != "ogawa":
        raise AlembicError("not an Alembic file (no Ogawa header)", path)
    check_ogawa_structure(path)
    try:
        archive = Abc.IArchive(path)
    except Exception as exc:  # alembic3d raises RuntimeError for every failure
        raise AlembicError(f"cannot read Alembic archive: {exc}", path) from None
    if cached:
        with _lock:
            # Drop stale identities of the same file.
            for k in [k for k in _open if k[0] == key[0]]:
                del _open[k]
            _open[key] = archive
    return archive


def forget(path: str | None = None) -> None:
    with _lock:
        if path is None:
            _open.clear()
        else:
            real = os.path.realpath(path)
            for k in [k for k in _open if k[0] == real]:
                del _open[k]


def find_object(archive, object_path: str, file: str | None = None, field: str | None = None):
    """The IObject at ``object_path`` (``/hero/body``), or AlembicError naming what is missing."""
    obj = archive.getTop()
    for name in [p for p in object_path.split("/") if p]:
        child = None
        if obj.getNumChildren():
            try:
                child = obj.getChild(name)
            except Exception:
                child = None
        if child is None or not child.valid():
            raise AlembicError(f"no object '{object_path}' in {os.path.basename(archive.getName())}", file, field)
        obj = child
    return obj


def object_schema(obj) -> str:
    """The schema of an object without version suffix, e.g. 'AbcGeom_PolyMesh'."""
    schema = obj.getMetaData().get("schema") or ""
    return schema.rsplit("_v", 1)[0] if "_v" in schema else schema


def walk_objects(archive):
    """Every object below the top, depth first, as (path, IObject)."""
    def visit(obj):
        for i in range(obj.getNumChildren()):
            child = obj.getChild(i)
            yield child.getFullName(), child
            yield from visit(child)

    yield from visit(archive.getTop())


def select(source, index: int):
    """An ISampleSelector for sample ``index`` of ``source`` (a schema, property or geom param).

    ``Abc.ISampleSelector(int)`` cannot be used: boost.python resolves a Python int to the
    *time* overload (10 becomes 10.0 seconds). Selecting by the sample's exact stored time
    with the nearest-index rule picks the intended sample.
    """
    from alembic3d import Abc

    ts = source.getTimeSampling()
    return Abc.ISampleSelector(ts.getSampleTime(int(index)), Abc.ISampleSelector.TimeIndexType.kNearIndex)


def at_time(seconds: float):
    """An ISampleSelector for the sample nearest to ``seconds``."""
    from alembic3d import Abc

    return Abc.ISampleSelector(float(seconds), Abc.ISampleSelector.TimeIndexType.kNearIndex)
