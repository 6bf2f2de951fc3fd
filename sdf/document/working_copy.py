"""A department's working copies on disk: which hold unpublished edits, and throwing them away.

A part the shot references at a published version (``lights.v003.json``) has a *working copy*
beside it (``lights.json``): the file a department's view reads and saves, and the next publish
makes the next version of. :meth:`sdf.document.shot.Shot.source_path` is the one rule for which file a view
reads; this module answers the questions around it for ``sdf status``, ``sdf discard``, a DCC
session's Status and the Python API (``Shot.modified_parts()``, ``Shot.discard()``).

"Modified" compares content, not bytes: a working copy rewritten with the same data (another
writer's formatting, an upgraded schema tag) holds no edit anyone could lose.
"""
from __future__ import annotations

import os

from sdf.runtime import jsonio

from sdf.document import schema
from sdf.document.docdiff import summarize
from sdf.errors import ResolveError, SdfError
from sdf.runtime.locking import shot_lock


def _load(path: str, schema_name: str) -> tuple[bytes, dict]:
    raw = jsonio.read_bytes(path, missing=ResolveError)
    data = schema.upgrade_document(jsonio.loads(raw.decode("utf-8", "replace"), path), path, schema_name)
    return raw, data


def changes(shot, kind: str) -> list[str] | None:
    """What the working copy of ``kind`` changes against the referenced version: None when the part
    has no working copy (inline, unversioned, or none on disk), [] when it holds no edit."""
    from sdf.document.shot import PART_SCHEMAS

    working = shot.working_copy_path(kind)
    if working is None or not os.path.isfile(working):
        return None
    pinned = shot.part_path(kind)
    if os.path.realpath(pinned) == os.path.realpath(working):
        return None
    w_raw, w_data = _load(working, PART_SCHEMAS[kind])
    p_raw, p_data = _load(pinned, PART_SCHEMAS[kind])
    if w_raw == p_raw or w_data == p_data:
        return []
    return summarize(p_data, w_data) or ["(formatting only)"]


def modified_parts(shot) -> dict[str, list[str]]:
    """``{kind: [changes]}`` for every part this view edits whose working copy differs from its version."""
    out = {}
    for kind in shot.parts:
        if shot.access(kind) != "edit":
            continue
        found = changes(shot, kind)
        if found:
            out[kind] = found
    return out


def discard(shot, kinds: list[str] | None = None) -> dict[str, list[str]]:
    """Return working copies to the referenced versions; returns ``{kind: [what was thrown away]}``.

    Only kinds this view edits (asking for another is refused, naming its owner); the version's bytes
    are written over the working copy atomically under the shot lock, and the view drops what it had
    loaded of those parts (unsaved edits included), so it reads the versions from then on."""
    for kind in kinds or ():
        if kind not in shot.parts:
            raise SdfError(f"the shot has no part '{kind}'", shot.file, "parts")
        shot.require_edit(kind, f"/{kind}")
    wanted = [k for k in shot.parts if shot.access(k) == "edit" and (kinds is None or k in kinds)]
    lost: dict[str, list[str]] = {}
    with shot_lock(shot.file):
        for kind in wanted:
            found = changes(shot, kind)
            if found:
                jsonio.atomic_write_bytes(shot.working_copy_path(kind), jsonio.read_bytes(shot.part_path(kind)))
                lost[kind] = found
            if shot.is_loaded(kind) and (found or shot.is_dirty(kind)):
                lost.setdefault(kind, ["unsaved edits in this view"])
                shot.reload(kind)
    return lost
