"""The last ``sdf play`` of each shot, kept so that ``sdf cache stats`` reports the cache that play had.

A frame cache lives in the process that plays; once ``sdf play`` exits, its cache is gone, and a
later command can only fill a new one. So ``sdf play`` leaves a small record of what its cache
held and how it did (hits, misses, evictions, bytes, frames held per object, fps per pass), one
per shot, in the user's private cache directory; ``sdf cache stats`` shows it, saying when it was
recorded. Writing the record is best effort: a cache directory that cannot be written costs the
record, never the play.
"""
from __future__ import annotations

import os
import time

from sdf.runtime import jsonio
from sdf.errors import SdfError
from sdf.runtime import user_cache

FOLDER = "plays"


def record_path(shot_file: str) -> str | None:
    """The record's entry in the per-user cache, keyed by the shot file's real path."""
    return user_cache.entry(FOLDER, user_cache.key_of(os.path.realpath(shot_file))[:32], ".json")


def save(shot_file: str, department: str | None, frames: list[int], passes: list[dict], cache: dict,
         objects: list[dict], budget: int) -> str | None:
    """Keep the record of a play that just ended; returns its path, or None when it could not be kept."""
    path = record_path(shot_file)
    if path is None:
        return None
    record = {"shot": os.path.realpath(shot_file), "department": department,
              "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "frames": [frames[0], frames[-1]],
              "passes": passes, "cache": cache, "objects": objects, "budget": budget}
    try:
        text = jsonio.dumps(record)
    except ValueError:
        return None
    return path if user_cache.store(path, text.encode("utf-8")) else None


def load(shot_file: str) -> dict | None:
    """The record of the last play of ``shot_file``, or None (never played, or the record is unreadable)."""
    path = record_path(shot_file)
    if path is None or not os.path.exists(path):
        return None
    try:
        record = jsonio.read(path)
    except SdfError:
        return None
    frames = record.get("frames") if isinstance(record, dict) else None
    if not isinstance(record, dict) or record.get("shot") != os.path.realpath(shot_file) or \
            not isinstance(record.get("cache"), dict) or not isinstance(record.get("passes"), list) or \
            not (isinstance(frames, list) and len(frames) == 2):
        return None  # another version's or a damaged record: as if never played
    return record
