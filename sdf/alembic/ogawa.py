"""Sample arrays read straight from an Ogawa file, by their Alembic digest, safely.

Ogawa stores every array sample as one contiguous, uncompressed data block: its 16-byte
digest (the key Alembic dedups samples with), then the raw values. So once the digests of an
object's samples are known (:mod:`sdf.alembic.sample_index` asks the Alembic library for them, in a
worker process), a sample is an offset and a length, and equal samples are one block: a cache
that keys arrays by digest holds each distinct sample once.

Two ways to hand a sample out, chosen per file when it is opened:

``mapped``
    numpy views over a read-only mapping of the file: no copy at all, and the kernel maps
    page-cache pages in 64 KiB runs, which on the machines we measured is several times
    cheaper than faulting fresh anonymous memory. A mapping is only safe while nobody
    truncates or rewrites the file (touching a page past a new end kills the process with
    SIGBUS), so the file is mapped only under a Linux *read lease* (``F_SETLEASE``): before
    another process may open it for writing or truncate it, the kernel tells us and makes
    it wait (up to ``/proc/sys/fs/lease-break-time`` seconds). We then move every sample
    still in use into private memory at the same addresses (``mremap``, atomic for other
    threads), replace the rest of the mapping with private zero pages, release the lease and
    mark the store *changed*: arrays already held keep their values and keep playing, new
    reads raise an error naming the file, and the cache reopens the file once its identity
    has changed. The break is noticed by a ``SIGIO`` handler and, when the main thread is busy in C
    (a GUI event loop), by a watcher thread that polls the lease.
``copied``
    When no lease can be had (not the file's owner, a network file system, the file is open
    for writing elsewhere, not Linux, or the caller asks), samples are read with ``preadv``
    into memory the caller provides (the cache's arena): a truncated file gives a short read
    and an error, never a signal.

Every read checks that the block still starts with the expected digest and that its length is
a whole number of values, so garbage or a file rewritten in place gives an error naming the
file, not wrong geometry or a crash.
"""
from __future__ import annotations

import ctypes
import mmap
import os
import signal
import threading
import weakref

import numpy as np

from sdf.alembic.io import file_identity, ogawa_blocks, pread
from sdf.errors import AlembicError

try:
    import fcntl
except ImportError:  # not a POSIX system: no leases, so files are always copied
    fcntl = None  # type: ignore[assignment]

DIGEST = 16
EMPTY = bytes(DIGEST)
F_SETLEASE = getattr(fcntl, "F_SETLEASE", 1024)
F_GETLEASE = getattr(fcntl, "F_GETLEASE", 1025)
LEASES = fcntl is not None and hasattr(fcntl, "F_SETLEASE")  # Linux
#: How often the watcher thread looks at the leases (seconds); the kernel waits 45 s by default.
POLL_SECONDS = 0.25

_stores: "weakref.WeakSet[SampleStore]" = weakref.WeakSet()
_stores_lock = threading.Lock()
_handler_installed = False
_watcher: threading.Thread | None = None


def _install_handler() -> bool:
    """A SIGIO handler (lease breaks arrive as SIGIO, whose default action ends the process); only the
    main thread may install one. True when one is in place."""
    global _handler_installed
    if _handler_installed:
        return True
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGIO"):
        return False
    previous = signal.getsignal(signal.SIGIO)

    def on_sigio(signum, frame):
        check_leases()
        if callable(previous):
            previous(signum, frame)

    try:
        signal.signal(signal.SIGIO, on_sigio)
    except (ValueError, OSError):
        return False
    _handler_installed = True
    return True


def _start_watcher() -> None:
    global _watcher
    if _watcher is None:
        _watcher = threading.Thread(target=_watch, name="sdf-lease-watch", daemon=True)
        _watcher.start()


def _watch() -> None:
    import time

    while True:
        time.sleep(POLL_SECONDS)
        check_leases()


def check_leases() -> None:
    """Give up the mapping of every file whose lease the kernel is breaking (another process wants to
    write it). Called from the SIGIO handler and the watcher thread; cheap when nothing changed."""
    with _stores_lock:
        stores = [s for s in _stores if s.mode == "mapped" and not s.changed]
    for s in stores:
        s._check_lease()


class SampleStore:
    """The data blocks of one Ogawa file, by digest. ``mapped=False`` forces the copying mode."""

    def __init__(self, path: str, *, mapped: bool = True, populate_bytes: int = 0):
        from sdf.runtime.jsonio import open_regular

        self.path = path
        try:
            self._fd = open_regular(path, "an Alembic file")
        except FileNotFoundError:
            raise AlembicError("Alembic file not found", path) from None
        self._lock = threading.RLock()
        self.changed = False
        # A sample not where the file index says, while the file's identity is unchanged: the index
        # was made from the file mid-rewrite (timestamps tick coarsely, so a rewrite can keep its
        # identity). The owner must index the file again; reopening with the same index cannot help.
        self.stale = False
        self.mode = "copied"
        self._mm = None
        self._base = None
        self._views: dict[int, weakref.ref] = {}  # block offset -> the live view handed out
        try:
            if mapped and self._lease():
                self.mode = "mapped"
            st = os.fstat(self._fd)
            self.size = st.st_size
            self.identity = file_identity(path)
            self.blocks: dict[bytes, tuple[int, int]] = {}
            self._index_blocks()
            if self.mode == "mapped" and self.size:
                self._mm = mmap.mmap(self._fd, self.size, access=mmap.ACCESS_READ)
                self._base = np.frombuffer(self._mm, np.uint8)
                with _stores_lock:
                    _stores.add(self)
                _start_watcher()
                if 0 < self.size <= populate_bytes and LEASES:
                    threading.Thread(target=self._populate_all, name="sdf-populate", daemon=True).start()
        except BaseException:
            self.close()
            raise
        weakref.finalize(self, SampleStore._release_fd, self._fd)

    # -- opening -------------------------------------------------------------------------------
    def _lease(self) -> bool:
        if not LEASES or not hasattr(signal, "SIGIO") or not _install_handler():
            return False
        try:
            fcntl.fcntl(self._fd, F_SETLEASE, fcntl.F_RDLCK)
        except OSError:
            return False  # EACCES (not the owner), EAGAIN (open for writing), EINVAL (file system)
        return True

    def _index_blocks(self) -> None:
        """Digest -> (offset of the values, their length) for every block that can hold a sample."""
        blocks = self.blocks
        for offset, length in ogawa_blocks(self._fd, self.path):
            if length >= DIGEST:
                key = pread(self._fd, DIGEST, offset)
                blocks.setdefault(key, (offset + DIGEST, length - DIGEST))

    def _populate_all(self, chunk: int = 32 << 20) -> None:
        """Map every page of the file into this process ahead of playback, in file order (samples are
        written frame by frame): one kernel call per chunk, without the GIL, on the other core. In bulk
        this costs a fraction of taking the same faults a sample at a time."""
        libc = _lib()
        base = self._base
        if base is None:
            return
        address, size = base.ctypes.data, base.nbytes
        for start in range(0, size, chunk):
            if self.changed:
                return
            if libc.madvise(address + start, min(chunk, size - start), _MADV_POPULATE_READ) != 0:
                return  # an older kernel: the prefetcher touches pages instead

    # -- reading -------------------------------------------------------------------------------
    def has(self, digest: bytes) -> bool:
        return digest in self.blocks

    def nbytes(self, digest: bytes) -> int:
        return self.blocks[digest][1]

    def array(self, digest: bytes, dtype, width: int = 1, *, what: str = "sample", allocator=None) -> np.ndarray:
        """The values of the block with ``digest`` as a read-only (n, width) array (1-D when width is 1).

        Mapped: a view shared by every caller (equal samples are one block). Copied: fresh
        memory from ``allocator.empty(shape, dtype)`` when given."""
        dtype = np.dtype(dtype)
        if digest == EMPTY:  # Ogawa stores no block for an empty array; its key is all zeros
            return np.zeros((0, width) if width > 1 else (0,), dtype)
        found = self.blocks.get(digest)
        if found is None:
            self.stale = True
            raise AlembicError(f"{what}: no data block with digest {digest.hex()} (the file changed or is corrupt)",
                               self.path)
        offset, length = found
        row = dtype.itemsize * width
        if length % row:
            raise AlembicError(f"{what}: {length} bytes is not a whole number of {dtype.name} x{width} values",
                               self.path)
        shape = (length // row, width) if width > 1 else (length // row,)
        with self._lock:
            if self.changed:
                raise AlembicError("the file changed on disk while it was being played; it will be reopened",
                                   self.path)
            ref = self._views.get(offset)
            view = ref() if ref is not None else None
            if view is not None and view.dtype == dtype:
                return view  # equal samples are one block, and one array while any caller holds it
            if self._base is not None:
                view = self._base[offset:offset + length].view(dtype).reshape(shape)
            else:
                view = allocator.empty(shape, dtype) if allocator is not None else np.empty(shape, dtype)
                key = bytearray(DIGEST)
                got = _read_into(self._fd, [key, view.reshape(-1).view(np.uint8)] if length else [key],
                                 offset - DIGEST)
                if got != DIGEST + length or bytes(key) != digest:
                    self.stale = True
                    raise AlembicError("the file changed on disk while it was being played (a sample is no longer "
                                       "where its index says); it will be reopened", self.path)
                view.flags.writeable = False
            self._views[offset] = weakref.ref(view)
            weakref.finalize(view, self._forget, offset, self._views[offset])
            return view

    def _forget(self, offset: int, ref) -> None:
        with self._lock:
            if self._views.get(offset) is ref:
                del self._views[offset]

    # -- losing the lease ----------------------------------------------------------------------
    def _check_lease(self) -> None:
        try:
            state = fcntl.fcntl(self._fd, F_GETLEASE)
        except OSError:
            state = fcntl.F_UNLCK
        if state != fcntl.F_RDLCK:
            self.detach()

    def detach(self) -> None:
        """Stop depending on the file: samples in use move to private memory at the same addresses, the
        rest of the mapping becomes zero pages, the lease is released. Safe to call twice."""
        with self._lock:
            if self.changed:
                return
            self.changed = True
            if self._base is not None:
                live = [(off, ref()) for off, ref in list(self._views.items())]
                _replace_mapping(self._base, [(off, v.nbytes) for off, v in live if v is not None])
            try:
                fcntl.fcntl(self._fd, F_SETLEASE, fcntl.F_UNLCK)
            except OSError:
                pass

    def close(self) -> None:
        """Release the lease and the file (views already handed out stay valid until they are dropped)."""
        with self._lock:
            if self._base is not None and not self.changed:
                self.detach()
            SampleStore._release_fd(self._fd)
            self._fd = -1

    @staticmethod
    def _release_fd(fd: int) -> None:
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass


def _read_into(fd: int, buffers: list, offset: int) -> int:
    """Fill ``buffers`` from ``offset``; the bytes read. ``preadv`` releases the GIL and faults the
    destination pages in the kernel, so a prefetch thread reads without holding the player up."""
    if hasattr(os, "preadv"):
        return os.preadv(fd, buffers, offset)
    done = 0
    for b in buffers:
        data = pread(fd, len(b), offset + done)
        memoryview(b).cast("B")[:len(data)] = data
        done += len(data)
        if len(data) < len(b):
            break
    return done


_MADV_POPULATE_READ = 22  # Linux 5.14: map pages in without reading them one fault at a time


# -- replacing a file mapping with private memory, in place -------------------------------------------
_PROT_READ, _PROT_WRITE = 1, 2
_MAP_PRIVATE, _MAP_ANONYMOUS = 0x02, 0x20
_MREMAP_MAYMOVE, _MREMAP_FIXED = 1, 2
_libc = None


def _lib():
    global _libc
    if _libc is None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                              ctypes.c_long]
        libc.mremap.restype = ctypes.c_void_p
        libc.mremap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_int, ctypes.c_void_p]
        libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        _libc = libc
    return _libc


def _replace_mapping(base: np.ndarray, keep: list[tuple[int, int]]) -> None:
    """Swap the mapping under ``base`` for anonymous memory holding the same bytes at ``keep`` ranges.

    Built aside, then moved over the old mapping with one ``mremap``: another thread reading a
    kept sample sees the old bytes or the copied ones, never a hole."""
    libc = _lib()
    length = base.nbytes
    address = base.ctypes.data
    page = mmap.PAGESIZE
    fresh = libc.mmap(None, length, _PROT_READ | _PROT_WRITE, _MAP_PRIVATE | _MAP_ANONYMOUS, -1, 0)
    if fresh in (None, ctypes.c_void_p(-1).value):
        raise OSError(ctypes.get_errno(), "mmap failed while detaching a file")
    for offset, n in keep:
        ctypes.memmove(fresh + offset, address + offset, n)
    if address % page:
        raise OSError("file mapping is not page aligned")
    moved = libc.mremap(fresh, length, length, _MREMAP_MAYMOVE | _MREMAP_FIXED, address)
    if moved != address:
        err = ctypes.get_errno()
        libc.munmap(fresh, length)
        raise OSError(err, "mremap failed while detaching a file")
