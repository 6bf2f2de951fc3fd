"""Private, checked copies of the Alembic caches a DCC's own reader plays.

A department's own animated meshes are native nodes that play their cache through the DCC's
Alembic reader (Blender's MESH_SEQUENCE_CACHE modifier, Maya's AbcImport, Houdini's Alembic
SOP). That reader runs in the artist's process, where the toolkit's guarantees do not reach:
it maps the file (a published cache overwritten in place by another process would kill the
DCC with SIGBUS) and decodes without bounds checks (a corrupt cache, SIGSEGV). So a DCC's
reader is only ever given a snapshot: a copy of one version of the file in a private folder,
whose every sample alembic3d has read in a worker process (:mod:`sdf.alembic.deep_check`). Nobody
writes the copy, and a cache that fails the check is reported instead of loaded.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile

from sdf.alembic.io import identity_text
from sdf.errors import SdfError


def snapshot(path: str, folder: str | None = None) -> str:
    """A private copy of ``path`` (one per file version: its identity names the copy) under
    ``folder`` (a DCC's session temporary folder; else the system's, per user). The kernel copies
    it (sendfile); temporary name, then rename."""
    if folder is not None:
        base = os.path.join(folder, "sdf-caches")
    else:  # the system's temporary folder is shared: one folder per user
        user = f"-{os.getuid()}" if hasattr(os, "getuid") else ""
        base = os.path.join(tempfile.gettempdir(), f"sdf-caches{user}")
    os.makedirs(base, mode=0o700, exist_ok=True)
    name = hashlib.sha256(identity_text(path).encode("utf-8", "surrogateescape")).hexdigest()[:20]
    dest = os.path.join(base, f"{name}-{os.path.basename(path)}")
    if not os.path.exists(dest):
        tmp = f"{dest}.{os.getpid()}.tmp"
        try:
            shutil.copyfile(path, tmp)
            os.replace(tmp, dest)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return dest


def checked_snapshot(path: str, object_path: str, fps: float, folder: str | None = None) -> tuple[str, str | None]:
    """(the snapshot, None) when every sample of ``object_path`` in it reads without error in a worker,
    else (the snapshot, one line saying why the DCC's reader must not be given it)."""
    from sdf.alembic.deep_check import read_all_samples

    try:
        snap = snapshot(path, folder)
    except OSError as exc:
        return "", f"{path}: cannot make a private copy for the DCC's reader ({exc.strerror or exc})"
    bad: list[SdfError] = read_all_samples([(snap, object_path)], fps)
    if bad:
        return snap, f"{path}: {bad[0].message}"
    return snap, None
