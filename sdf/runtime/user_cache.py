"""The per-user cache directory, and the one rule for when it may be used.

Compiled validators, "already checked" markers, sample indexes and play records live here; each
is an optimisation only, so a directory that is not safe to use means nothing is cached, never an
error.
"""
from __future__ import annotations

import os


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
