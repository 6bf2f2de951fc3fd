"""Writing a view's edits back: working copies, and merging with what others saved meanwhile.

A view (:class:`sdf.document.shot.Shot`) holds the documents it read. Saving writes only the ones
it changed, each atomically, under the shot's lock: an edit of a published version goes to the
part's working copy (published versions never change), a file that changed on disk since the view
read it is merged field by field (:func:`sdf.document.docdiff.merge`) or refused on a conflict, and
the shot document is rewritten from what is on disk now plus only what this view owns and changed.
Everything here goes through the view's public API, so loading and saving can change apart.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from sdf.document import schema
from sdf.document.checks import check_document
from sdf.document.kinds import SHOT_KIND
from sdf.document.parts import Document, content_digest, read_document_bytes
from sdf.document.versions import latest_version
from sdf.errors import ReadOnlyError, SdfError
from sdf.runtime import jsonio
from sdf.runtime.locking import shot_lock

if TYPE_CHECKING:
    from sdf.document.shot import Shot


def _own_document(shot: "Shot") -> Document:
    """The shot document itself (:meth:`Shot.documents` yields it first)."""
    return next(shot.documents())


def _part_documents(shot: "Shot") -> list[Document]:
    """The documents of the view's parts (not the shot's own, not model-tree includes)."""
    own = _own_document(shot)
    return [d for d in shot.documents() if d is not own and shot.loaded_document(d.kind) is d]


def _include_documents(shot: "Shot") -> list[Document]:
    """The files the view's model tree includes, read with it."""
    own = _own_document(shot)
    return [d for d in shot.documents() if d is not own and shot.loaded_document(d.kind) is not d]


def save(shot: "Shot", kinds: list[str] | None = None) -> list[str]:
    """Write every document ``shot`` changed (of ``kinds``, if given); returns the files written."""
    for kind in kinds or ():
        shot.require_edit(kind, f"/{kind}")
    jsonio.remove_stale_temporaries(shot.file)  # what a killed save of the shot left, even if it is not rewritten
    own = _own_document(shot)
    written = []
    for doc in _part_documents(shot) + _include_documents(shot):
        if kinds is not None and doc.kind not in kinds:
            continue
        if doc.dirty and doc.path is not None:
            if shot.access(doc.kind) != "edit":
                raise ReadOnlyError(doc.root.path, shot.policy.owner(doc.kind), shot.department, doc.kind)
            if doc.version is not None:
                _to_working_copy(shot, doc)
            _write_part_document(shot, doc)
            written.append(doc.path)
    inline = [d for d in _part_documents(shot) if d.path is None]
    if own.dirty or any(d.dirty for d in inline):
        for d in inline:
            if d.dirty and shot.access(d.kind) != "edit":
                raise ReadOnlyError(d.root.path, shot.policy.owner(d.kind), shot.department, d.kind)
        _write_shot_document(shot, own)
        own.dirty = False
        for d in inline:
            d.dirty = False
        written.append(shot.file)
    return written


def _to_working_copy(shot: "Shot", doc: Document) -> None:
    """Point an edited document read from a published version at the part's working copy.

    Published versions never change: a view edits the working copy (the part's unversioned
    file), and publishing makes the next version of it. The shot keeps its pin, so other views
    see the published version until then. If the working copy holds edits of its own (it
    differs from the version this view read), they are merged with, not overwritten.
    """
    ref = shot.parts.get(doc.kind)
    if ref is None or ref.ref is None:
        raise SdfError("published versions are immutable; publish a new version instead", doc.path, doc.kind)
    # A working copy that appeared since this view read the version is merged with, never replaced
    # (see _write_part_document): the digest stays the version's, which is what this view read.
    doc.path, doc.version = shot.resolve(ref.ref, must_exist=False, field=f"parts/{doc.kind}"), None


def _write_part_document(shot: "Shot", doc: Document) -> None:
    """Write one part file, merged with what is on disk if it changed since this view read it.

    Two edits of the same field cannot both be kept, so a conflict refuses and tells the
    second writer to reopen rather than silently replacing the first writer's work.
    """
    with shot_lock(shot.file):
        try:
            current = read_document_bytes(doc.path)
        except SdfError:
            current = None
        ours = data = doc.to_json()
        if doc.digest is not None and current is not None and content_digest(current) != doc.digest:
            data = _merge_with(shot, doc, ours, current)
        text = jsonio.write(doc.path, data)
        doc.digest = content_digest(text.encode("utf-8"))
        doc.dirty = False
        doc.base = data
        # Publishes update an existing working copy under this same lock, so what was merged with
        # (or written over, unchanged) holds every version published so far.
        ref = shot.parts.get(doc.kind)
        if current is not None and ref is not None and ref.ref is not None and doc.latest_at_open is not None:
            doc.latest_at_open = latest_version(shot.resolve(ref.ref, field=f"parts/{doc.kind}",
                                                             must_exist=False)) or 0
        if data != ours:
            shot.replace_document(doc.kind, data)  # the view shows the merge it wrote


def _merge_with(shot: "Shot", doc: Document, ours: dict, theirs_bytes: bytes) -> dict:
    """Our edits merged with a file that changed on disk since this view read it (someone else
    saved or published meanwhile); a conflict refuses, naming the fields, and writes nothing."""
    from sdf.document.docdiff import Conflict, merge

    if doc.base is None or doc.kind == "model_tree" and _include_documents(shot):
        raise SdfError("changed on disk since this view read it (someone else saved it); reopen the shot "
                       "and redo the edit", doc.path, doc.kind)
    theirs = schema.upgrade_document(jsonio.loads(theirs_bytes.decode("utf-8", "replace"), doc.path), doc.path,
                                     doc.schema_name)
    try:
        merged = merge(doc.base, ours, theirs)
    except Conflict as exc:
        raise SdfError(f"changed on disk since this view read it, and both changed {exc}; nothing was "
                       "written: reopen the shot and redo the edit", doc.path, doc.kind) from None
    check_document(doc.schema_name, merged, doc.path)
    return merged


def _write_shot_document(shot: "Shot", own: Document) -> None:
    """Write the shot document under the shot lock, merged with what is on disk now.

    Only what this view owns and changed comes from memory: the shot's own fields if it
    edited them (they belong to layout), inline parts it edited (and owns). Everything else
    is taken from the file as it is now, so other views' publishes are never undone and a
    view can never write, through the shot document, anything its department does not own.
    """
    with shot_lock(shot.file):
        ours = own.to_json()
        try:
            on_disk = read_document_bytes(shot.file)
        except SdfError:
            on_disk = None
        if on_disk is None:
            data = ours
        else:
            disk = schema.upgrade_document(jsonio.loads(on_disk.decode("utf-8"), shot.file), shot.file, "Shot")
            data = dict(disk)
            if own.dirty and shot.access(SHOT_KIND) == "edit":
                data.update({k: v for k, v in ours.items() if k != "parts"})
                for k in ("search_path", "intermediate", "metadata"):
                    if k not in ours:
                        data.pop(k, None)
            parts = dict(disk.get("parts", {}))
            for doc in _part_documents(shot):
                if doc.path is None and doc.dirty and shot.access(doc.kind) == "edit":
                    parts[doc.kind] = ours["parts"][doc.kind]
            data["parts"] = parts
        text = jsonio.write(shot.file, data)
        own.digest = content_digest(text.encode("utf-8"))


def save_as(shot: "Shot", path: str) -> str:
    """Write a self-contained copy of ``shot`` (every non-ignored part inline) to a new file ``path``;
    an existing file is never replaced."""
    path = os.fspath(path)
    if os.path.lexists(path):
        raise SdfError("exists already; save_as writes a new file and never replaces one", path)
    shot.load_all()
    data = shot.to_json()
    for doc in _part_documents(shot):
        data["parts"][doc.kind] = doc.to_json()
    data = {schema.SCHEMA_KEY: schema.tag("Shot"), **data}
    check_document("Shot", data, path)
    try:
        jsonio.write(path, data, exclusive=True)
    except FileExistsError:
        raise SdfError("exists already; save_as writes a new file and never replaces one", path) from None
    return path
