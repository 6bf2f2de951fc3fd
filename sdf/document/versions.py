"""Versioned file names: ``lights.json`` is published as ``lights.v001.json``, ``lights.v002.json``...

A reference names the unversioned path plus either a pinned version number or
``"latest"``; the highest version present on disk is the latest. Only complete files can
be found here: publishing writes to a hidden temporary name and links the final name into
place in one step, so a half-written version never matches the pattern.
"""
from __future__ import annotations

import os
import re


def versioned_name(path: str, version: int) -> str:
    stem, ext = os.path.splitext(path)
    return f"{stem}.v{version:03d}{ext}"


def _pattern(path: str) -> re.Pattern:
    stem, ext = os.path.splitext(os.path.basename(path))
    return re.compile("^" + re.escape(stem) + r"\.v([0-9]{3,})" + re.escape(ext) + "$")


def version_of(path: str) -> int | None:
    """The version number in a versioned file name (``lights.v004.json`` -> 4), or None."""
    m = re.search(r"\.v([0-9]{3,})\.[^.]+$", path)
    return int(m.group(1)) if m else None


def list_versions(path: str) -> list[int]:
    """Published version numbers of ``path`` (the unversioned absolute path), ascending."""
    directory = os.path.dirname(path) or "."
    rx = _pattern(path)
    try:
        names = os.listdir(directory)
    except (OSError, ValueError):  # missing, not a directory, a name the OS refuses: no versions
        return []
    return sorted(int(m.group(1)) for m in map(rx.match, names) if m)


def latest_version(path: str) -> int | None:
    versions = list_versions(path)
    return versions[-1] if versions else None


def part_versions(shot) -> list[tuple[str, str]]:
    """(kind, version) of each part a shot view sees, as burn-ins, render headers and dailies name it:
    ``v003``, ``working`` (the unversioned file), ``inline`` (in the shot document) or ``missing``."""
    from sdf.errors import SdfError

    out = []
    for kind, ref in sorted(shot.parts.items()):
        if shot.access(kind) == "ignore":
            continue
        if ref.ref is None:
            out.append((kind, "inline"))
            continue
        try:
            n = version_of(shot.part_path(kind) or "")
        except SdfError:  # a part that cannot resolve is reported where it is read; here it is named so
            out.append((kind, "missing"))
            continue
        out.append((kind, f"v{n:03d}" if n is not None else "working"))
    return out
