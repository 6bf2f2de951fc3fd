"""Whether every part a shot references can be found, without reading any of them.

``sdf status`` reports versions: which one a part uses, which is newest. A reference that
names no file at all (a misspelt path, a pinned version never published, ``"latest"`` of a
part with nothing published, a folder) has neither, and a status built only from version
numbers would call it up to date. :func:`check_part_refs` is the question asked first: it
resolves each reference exactly as opening the part would (:meth:`sdf.document.shot.Shot.part_path`)
and names the shot file and the reference's field when one cannot be resolved.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from sdf.errors import ResolveError, SdfError

if TYPE_CHECKING:
    from sdf.document.shot import Shot


def unresolvable_part_refs(shot: "Shot") -> list[SdfError]:
    """One error per referenced part whose file cannot be found (inline parts have none to find),
    in the shot's part order. Every part is checked, whichever department's view ``shot`` is: a
    broken reference is broken for everybody."""
    errors: list[SdfError] = []
    for kind, ref in shot.parts.items():
        if ref.ref is None:
            continue
        field = f"parts/{kind}"
        try:
            path = shot.part_path(kind)
        except SdfError as exc:
            errors.append(exc)
            continue
        if path is not None and os.path.isdir(path):
            errors.append(ResolveError(f"'{ref.ref}' is a directory, not a part document", shot.file, field))
    return errors


def check_part_refs(shot: "Shot") -> None:
    """Raise the first of :func:`unresolvable_part_refs` (one line: shot file, field, reason)."""
    errors = unresolvable_part_refs(shot)
    if errors:
        raise errors[0]
