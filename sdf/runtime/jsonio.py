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
import stat
import tempfile
import time
from typing import Any

from sdf.errors import FormatError, SdfError

#: The largest document read, in bytes (``SDF_MAX_DOCUMENT_MB`` changes it): a shot or part file is
#: kilobytes to a few megabytes; anything near this is a mistake, or a device, not a document.
MAX_DOCUMENT_BYTES = 256 << 20
#: Deepest nesting of arrays and objects accepted in a document (a model tree 100 levels deep
#: nests about 200); deeper input is refused before anything recurses over it.
MAX_DEPTH = 400
#: Longest integer literal accepted (digits): no field of a document needs more.
MAX_INT_DIGITS = 30
#: Most values (objects, arrays, strings, numbers, booleans, nulls) in one document
#: (``SDF_MAX_DOCUMENT_VALUES`` changes it), and most arrays and objects among them (a fifth).
#: Bytes alone do not bound memory: parsed, an empty array costs about 140 bytes and an object
#: about 270, so 200 MB of ``[],`` would need 10 GB. At these limits the worst document costs about
#: a gigabyte; a model tree of 50,000 nodes with transforms is about 1.5 million values.
MAX_DOCUMENT_VALUES = 10_000_000


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


class _Refused(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"duplicate key '{key}'")
        out[key] = value
    return out


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"number out of range: {text}")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"integer literal too long ({len(text)} digits)")
    return int(text)


def _depth_ok(value: Any) -> bool:
    """True if no array or object is nested deeper than MAX_DEPTH (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            children = v.values()
        elif isinstance(v, list):
            children = v
        else:
            continue
        if d > MAX_DEPTH:
            return False
        stack.extend((c, d + 1) for c in children if isinstance(c, (dict, list)))
    return True


def max_document_values() -> int:
    env = os.environ.get("SDF_MAX_DOCUMENT_VALUES")
    try:
        return max(5, int(float(env))) if env else MAX_DOCUMENT_VALUES
    except ValueError:
        return MAX_DOCUMENT_VALUES


def check_cost(text: str, file: str | None = None) -> None:
    """Refuse, before parsing, a document that would cost more memory than any real one (see
    :data:`MAX_DOCUMENT_VALUES`): the parser never builds a structure it would not keep.

    Counted on the text, not the parsed value, with ``str.count`` (a fraction of a second for
    256 MB): every value after the first in an array or object follows a comma, so commas plus
    ``[`` and ``{`` plus one bound the values from above. Commas and brackets inside strings
    count too; no real document holds millions of them.
    """
    limit = max_document_values()
    containers = text.count("[") + text.count("{")
    if containers > limit // 5:
        raise FormatError(f"too costly to read: {containers:,} arrays and objects (at most {limit // 5:,}; "
                          f"SDF_MAX_DOCUMENT_VALUES raises the limit)", file)
    values = containers + text.count(",") + 1
    if values > limit:
        raise FormatError(f"too costly to read: about {values:,} values (at most {limit:,}; "
                          f"SDF_MAX_DOCUMENT_VALUES raises the limit)", file)


def loads(text: str, file: str | None = None) -> Any:
    """Parse document text; malformed text raises FormatError naming line and column.

    Stricter than JSON itself, in the ways that matter for documents people edit: duplicate
    keys (the second silently winning), numbers that overflow to infinity (``1e400``), integer
    literals thousands of digits long and absurdly deep nesting are refused, each with one
    line naming the file. So is a document that would cost more memory than any real one
    (:func:`check_cost`), before it is parsed.
    """
    check_cost(text, file)
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_float=_float, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise FormatError(f"malformed document: {exc.msg} (line {exc.lineno}, column {exc.colno})", file) from None
    except _Refused as exc:
        raise FormatError(f"malformed document: {exc}", file) from None
    except RecursionError:
        raise FormatError(f"malformed document: nested more than {MAX_DEPTH} levels deep", file) from None
    if not _depth_ok(value):
        raise FormatError(f"malformed document: nested more than {MAX_DEPTH} levels deep", file)
    return value


def max_document_bytes() -> int:
    env = os.environ.get("SDF_MAX_DOCUMENT_MB")
    try:
        return int(float(env) * 2**20) if env else MAX_DOCUMENT_BYTES
    except ValueError:
        return MAX_DOCUMENT_BYTES


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "not a regular file"


def open_regular(path: str, what: str = "a document") -> int:
    """Open ``path`` for reading only if it is a regular file; returns the descriptor.

    Opened non-blocking, so a FIFO cannot hang the open; the type is checked on the open
    descriptor (``fstat``), so nothing can be swapped in between the check and the read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise FormatError(f"is a directory, not {what}", path) from None
    except (OSError, ValueError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise FormatError(f"cannot read: {reason}", _printable(path)) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise FormatError(f"is {_kind_of(st.st_mode)}, not {what}", path)
    return fd


def _printable(path: str) -> str:
    """A path that can be printed: lone surrogates (undecodable bytes) shown escaped, long ones cut."""
    text = path.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= 300 else text[:140] + " ... " + text[-140:]


def read_bytes(path: str | os.PathLike, missing: type[SdfError] = FormatError) -> bytes:
    """A document's bytes; a missing, unreadable or empty file raises a one-line error (``missing`` if absent)."""
    path = os.fspath(path)
    limit = max_document_bytes()
    try:
        fd = open_regular(path)
    except FileNotFoundError:
        raise missing("file not found", _printable(path)) from None
    try:
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise FormatError(f"cannot read: {exc.strerror}", path) from None
    if len(data) > limit:
        raise FormatError(f"larger than {limit >> 20} MB: not a document (SDF_MAX_DOCUMENT_MB raises the limit)", path)
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


def stage_bytes(path: str | os.PathLike, data: bytes) -> str:
    """Write ``data`` to a temporary file beside ``path`` (flushed to disk) and return its name.

    The first half of :func:`atomic_write_bytes`, for a writer that must do something else before
    the file may appear (a publish moves a working copy into place only once the shot points at the
    new version): ``os.replace(tmp, path)`` is the second half, and needs no space."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    remove_stale_temporaries(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    except OSError as exc:
        if exc.filename is None or str(exc.filename).endswith(".tmp"):
            exc.filename = path  # name the file being written, not the temporary one
        raise
    try:
        os.fchmod(fd, file_mode())  # mkstemp makes 0600; shared storage needs what the umask allows
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = path  # a failed write names the file it was writing, not a temporary one
        raise
    return tmp


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, exclusive: bool = False) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a mix.

    With ``exclusive`` the final step refuses to replace an existing file (used for
    publishing immutable versions: a version file, once there, is never rewritten).
    """
    path = os.fspath(path)
    tmp = stage_bytes(path, data)
    try:
        if exclusive:
            # link() fails if the target exists: an atomic create-if-absent.
            os.link(tmp, path)
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = path
        raise
    _fsync_dir(os.path.dirname(os.path.abspath(path)))


#: A temporary file of :func:`atomic_write_bytes` untouched for this long (seconds) was left by a
#: writer that died (killed, crashed, out of power): a live write renames its temporary within
#: seconds, and rewrites it (so its time moves) while it writes.
STALE_TEMPORARY_SECONDS = 600.0  # as sdf.pipeline.publish.LEFTOVER_AGE


def remove_stale_temporaries(path: str | os.PathLike) -> list[str]:
    """Remove the temporaries a killed write of ``path`` left (``.NAME.*.tmp`` beside it, older than
    :data:`STALE_TEMPORARY_SECONDS`); returns the paths removed. Called before each write, so a
    shot saved again cleans up after the save that was killed. Another writer's live temporary is
    never touched: it is younger than the threshold. A file that cannot be removed is left."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    prefix, now, removed = "." + os.path.basename(path) + ".", time.time(), []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(".tmp")) or len(name) <= len(prefix) + 4:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(st.st_mode) and now - st.st_mtime > STALE_TEMPORARY_SECONDS:
                os.unlink(entry.path)
                removed.append(entry.path)
        except OSError:
            continue
    return removed


_UMASK: int | None = None


def file_mode() -> int:
    """The mode a new file gets from the process umask, as ``open()`` would give it (0666 & ~umask)."""
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)  # read it by setting it, then put it back
        os.umask(_UMASK)
    return 0o666 & ~_UMASK


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
