"""The per-user cache directory, and the one rule for when it may be used.

Compiled validators, "already checked" markers, sample indexes and play records live here; each
is an optimisation only, so a directory that is not safe to use means nothing is cached, never an
error. Every one of them is an :func:`entry`: one folder per namespace and version of the code that
wrote it (a change of that code starts a new folder instead of reading what an older one wrote), a
content key fanned out by its first two characters, and :func:`store`'s temporary file and rename,
so a killed writer never leaves an entry that reads as valid.
"""
from __future__ import annotations

import hashlib
import os
import tempfile


def cache_dir() -> str | None:
    """The per-user cache directory, or None when it is not safe to use.

    It holds compiled validators that are executed on load and markers that let checks be
    skipped, so it must be this user's alone: it is created private (0700), and one that is
    owned by someone else or that others can write is refused (then nothing is cached; only
    speed is lost).
    """
    base = os.environ.get("SDF_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "sdf")
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
        st = os.stat(base)
    except OSError:
        return None
    if not os.path.isdir(base) or st.st_uid != os.getuid() or st.st_mode & 0o022:
        return None
    return base


def code_key(*files: str, extra: str = "") -> str:
    """A short key of what an entry's meaning depends on: the bytes of ``files`` (the code that
    writes and reads it, a schema) and ``extra`` (library versions)."""
    h = hashlib.sha256()
    for path in files:
        with open(path, "rb") as fh:
            h.update(fh.read())
    h.update(extra.encode())
    return h.hexdigest()[:16]


def key_of(text: str) -> str:
    """A content key for a name that is not content (a path, a file identity)."""
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def entry(namespace: str, key: str, suffix: str = "", *, code: str = "") -> str | None:
    """Where one entry lives: ``<cache>/<namespace>[-<code>]/<key[:2]>/<key><suffix>``; None when there
    is no cache directory safe to use. Nothing is made here (looking an entry up is on the paths that
    open shots): :func:`store` makes the entry's folder."""
    base = cache_dir()
    if base is None:
        return None
    return os.path.join(base, f"{namespace}-{code}" if code else namespace, key[:2], key + suffix)


def load(path: str | None) -> bytes | None:
    """An entry's bytes, or None when it is not there or cannot be read."""
    if not path:
        return None
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def store(path: str | None, data: bytes) -> bool:
    """Write an entry whole or not at all (its folder made private, a temporary file in it, then a
    rename); False when it could not be written (a read-only cache only costs speed)."""
    if not path:
        return False
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False


def prune(folder: str, keep: int, suffix: str = "") -> None:
    """Keep the ``keep`` most recently used entries (by modification time: a reader that uses an entry
    touches it) in one namespace's ``folder``; the others are removed."""
    entries = []
    try:
        for sub in os.scandir(folder):
            if sub.is_dir(follow_symlinks=False):
                entries += [(e.stat().st_mtime, e.path) for e in os.scandir(sub.path)
                            if e.name.endswith(suffix) and not e.name.endswith(".tmp")]
    except OSError:
        return
    if len(entries) <= keep:
        return
    entries.sort()
    for _, old in entries[:len(entries) - keep]:
        try:
            os.unlink(old)
        except OSError:
            pass
