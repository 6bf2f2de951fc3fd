"""Who is working: the one rule every record of a person uses (a publish's author, the artist on a
burn-in, the owner written into a render's EXR headers).

``$SDF_ARTIST`` first, so that work done on someone's behalf (a farm task, a render node running as
a service account) is credited to the artist who asked for it; else the login name; else ``$USER``;
else ``unknown`` (a container without a passwd entry has no login name).
"""
from __future__ import annotations

import getpass
import os


def artist() -> str:
    """The name to record as the person doing this work (see the module docstring)."""
    name = os.environ.get("SDF_ARTIST")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - getpass raises whatever the platform's lookup raises
        return os.environ.get("USER") or "unknown"
