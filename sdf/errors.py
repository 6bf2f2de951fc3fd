"""Errors a user can act on.

Every error the toolkit raises for bad input names the file and the field it is
about, so the command line can print exactly one line such as::

    shot.sdf: model_tree/chars/hero/source: no object '/hero/body' in hero.abc

and exit with status 2. Anything else reaching the top of the CLI is a bug.
"""
from __future__ import annotations

import os


def display_path(path: str | os.PathLike | None) -> str:
    """A path as a user wants to read it: relative to the working directory when shorter."""
    if path is None:
        return "<memory>"
    path = os.fspath(path)
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return rel if len(rel) < len(path) else path


class SdfError(Exception):
    """A user error: bad input, a missing reference, a refused operation.

    ``file`` is the document (or data file) at fault and ``field`` the slash-separated
    path of the element inside it, both optional.
    """

    exit_code = 2

    def __init__(self, message: str, file: str | os.PathLike | None = None, field: str | None = None):
        self.message = message
        self.file = os.fspath(file) if file is not None else None
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(display_path(self.file))
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return _one_line(": ".join(parts))


def is_control(c: str) -> bool:
    """An ASCII control character (NUL, newline, DEL...): never valid in a name or a path."""
    return ord(c) < 0x20 or ord(c) == 0x7F


def has_control_characters(text: str) -> bool:
    return any(is_control(c) for c in text)


def _one_line(text: str) -> str:
    """Control characters (a newline inside a bad name...) shown escaped: an error is always one line;
    undecodable file-name bytes (lone surrogates) shown as escapes, so the line can be printed."""
    out = "".join(c.encode("unicode_escape").decode("ascii") if is_control(c) else c for c in text)
    return out.encode("utf-8", "backslashreplace").decode("utf-8")


class FormatError(SdfError):
    """Malformed text, wrong types, missing fields, values out of range."""


class FieldValueError(FormatError, ValueError):
    """A value the Python API was asked to assign that breaks the schema's rule for its field.

    Also a ValueError, which is what Python code assigning a bad value has always caught."""


class SchemaVersionError(FormatError):
    """A schema name or version this build cannot read (unknown, or from the future)."""


class ReferenceError_(SdfError):
    """A reference that cannot be resolved: missing file, cycle, escaping the project root."""


# The public name; the trailing underscore above only avoids shadowing the builtin inside this module.
ResolveError = ReferenceError_


class AlembicError(SdfError):
    """An Alembic archive that cannot be read, or an object path that is not in it."""


class ReadOnlyError(SdfError):
    """An edit of an element the current department does not own."""

    def __init__(self, element: str, owner: str, department: str, kind: str | None = None):
        self.element = element
        self.owner = owner
        self.department = department
        self.kind = kind
        what = f"{kind} data" if kind else "this element"
        super().__init__(
            f"read-only: {what} is owned by department '{owner}', "
            f"and this view is for department '{department}'",
            field=element,
        )


class PublishConflict(SdfError):
    """Another publisher holds the shot; the caller should retry."""

    exit_code = 3
