"""Where a part lives, and one document of a shot.

A shot's parts are each a :class:`PartRef` (inline in the shot document, or a file reference
optionally pinned to a version) and, once read, a :class:`Document` (the file, its version, the
digest of the bytes read, whether this view edited it, and the base of a three-way merge). Loading
(:mod:`sdf.document.shot`), saving (:mod:`sdf.document.saving`) and publishing all keep their state
here, so what a view read and what it wrote are compared in one way.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sdf.document import schema
from sdf.errors import ResolveError, SdfError
from sdf.runtime import jsonio

if TYPE_CHECKING:
    from sdf.document.elements import Element
    from sdf.document.shot import Shot


@dataclass(frozen=True)
class FrameRange:
    start: int
    end: int

    def __iter__(self):
        return iter(range(self.start, self.end + 1))

    def __len__(self) -> int:
        return self.end - self.start + 1

    def __contains__(self, frame) -> bool:
        return self.start <= frame <= self.end


@dataclass(frozen=True)
class PartRef:
    """Where a part lives: inline (``inline`` holds the document) or in a file (``ref``, ``version``).

    Immutable: where a part lives is the shot document's business, changed by publishing and
    ``sdf update`` (which re-read the shot on disk), never by editing an object in memory."""

    kind: str
    ref: str | None = None
    version: int | str | None = None
    inline: dict | None = None

    def to_json(self) -> dict:
        d: dict[str, Any] = {"ref": self.ref}
        if self.version is not None:
            d["version"] = self.version
        return d


class Document:
    """One document of a shot: a part file, an inline part, or the shot document itself."""

    def __init__(self, shot: "Shot", kind: str, schema_name: str, path: str | None, root: Element,
                 digest: str | None = None, version: int | None = None):
        self.shot = shot
        self.kind = kind
        self.schema_name = schema_name
        self.path = path
        self.root = root
        self.dirty = False
        self.digest = digest
        self.version = version
        #: The document as read (JSON), the base of a three-way merge when the file changes meanwhile.
        self.base: dict | None = None
        #: The newest published version when this view read the part: a publish since is someone else's.
        self.latest_at_open: int | None = None
        #: Replaced by a merge: its elements are no longer the shot's, so editing them is refused.
        self.stale = False
        root._attach(self)

    def before_edit(self, element: Element, kind: str) -> None:
        self.before_edit_path(element.path, kind)

    def before_edit_path(self, path: str, kind: str) -> None:
        if self.stale:
            raise SdfError(f"{path} was read before this view merged the file with someone else's edits; "
                           f"get it from the shot again (shot.{self.kind}...)", self.path, self.kind)
        self.shot.require_edit(kind, path)
        self.dirty = True

    def to_json(self) -> dict:
        return {schema.SCHEMA_KEY: schema.tag(self.schema_name), **self.root.to_json()}


def content_digest(data: bytes) -> str:
    """The digest that tells whether a file changed since a view read it."""
    return hashlib.sha256(data).hexdigest()


def read_document_bytes(path: str) -> bytes:
    """A document's bytes; a missing file is a :class:`ResolveError` naming it."""
    return jsonio.read_bytes(path, missing=ResolveError)
