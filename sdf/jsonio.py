"""Reading and writing SDF documents as text.

Documents are JSON with a few rules that make them diff well in version control:
keys are sorted, indentation is two spaces, and a list that holds only numbers
(a matrix, a colour, a frame range) is written on one line. The same content
therefore always gives byte-identical files.

Writes are atomic: the text goes to a temporary file in the same directory, is
flushed and fsynced, then renamed over the target, so a reader (or a crash) never
sees half a document.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from typing import Any

from .errors import FormatError, SdfError


def _is_flat_numbers(value: list) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)


def _format_number(v: float | int) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if not math.isfinite(v):
        raise ValueError(f"non-finite number {v!r} cannot be written")
    if v == int(v) and abs(v) < 1e15:
        return f"{int(v)}.0"
    return repr(float(v))


def _dump(value: Any, indent: int, out: list[str]) -> None:
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        out.append("{\n")
        items = sorted(value.items())
        for i, (k, v) in enumerate(items):
            out.append(f"{pad}  {json.dumps(str(k), ensure_ascii=False)}: ")
            _dump(v, indent + 1, out)
            out.append(",\n" if i < len(items) - 1 else "\n")
        out.append(pad + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        if _is_flat_numbers(value):
            out.append("[" + ", ".join(_format_number(v) for v in value) + "]")
            return
        out.append("[\n")
        for i, v in enumerate(value):
            out.append(pad + "  ")
            _dump(v, indent + 1, out)
            out.append(",\n" if i < len(value) - 1 else "\n")
        out.append(pad + "]")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out.append(_format_number(value))
    else:
        out.append(json.dumps(value, ensure_ascii=False))


def dumps(value: Any) -> str:
    """Deterministic text for a JSON-compatible value (see module docstring)."""
    out: list[str] = []
    _dump(value, 0, out)
    out.append("\n")
    return "".join(out)


def has_nonfinite(text: str) -> bool:
    """Cheap pre-check: JSON can only spell non-finite numbers as these literals."""
    return "NaN" in text or "Infinity" in text


def loads(text: str, file: str | None = None) -> Any:
    """Parse document text; malformed text raises FormatError naming line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"malformed document: {exc.msg} (line {exc.lineno}, column {exc.colno})", file) from None


def read_bytes(path: str | os.PathLike, missing: type[SdfError] = FormatError) -> bytes:
    """A document's bytes; a missing, unreadable or empty file raises a one-line error (``missing`` if absent)."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise missing("file not found", path) from None
    except IsADirectoryError:
        raise FormatError("is a directory, not a document", path) from None
    except OSError as exc:
        raise FormatError(f"cannot read: {exc.strerror}", path) from None
    if not data.strip():
        raise FormatError("empty document", path)
    return data


def read(path: str | os.PathLike) -> Any:
    """Read and parse one document file."""
    path = os.fspath(path)
    raw = read_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8 text (byte {exc.start})", path) from None
    return loads(text, path)


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, exclusive: bool = False) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a mix.

    With ``exclusive`` the final step refuses to replace an existing file (used for
    publishing immutable versions: a version file, once there, is never rewritten).
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if exclusive:
            # link() fails if the target exists: an atomic create-if-absent.
            os.link(tmp, path)
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(directory)


def _fsync_dir(directory: str) -> None:
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def write(path: str | os.PathLike, value: Any, *, exclusive: bool = False) -> str:
    """Atomically write a document; returns the text written."""
    text = dumps(value)
    atomic_write_bytes(path, text.encode("utf-8"), exclusive=exclusive)
    return text
