"""USD input files that cannot be read, said in one line a user can act on.

The USD library reports a file it cannot open as a ``Tf.ErrorException`` whose text is a chain of
diagnostics, each with the library's internal C++ name, its source file and line, and the message
escaped inside quotes (``Error in 'pxrInternal_v0_26_11__pxrReserved__::Sdf_CrateFile::...' at line
3554 in file .../crateFile.cpp : 'Sdf crate file corrupt, possibly truncated: ...'``). None of that
helps the person whose export was cut short; the cause does. A crate file (``.usdc``, or ``.usd``
in binary) is checked from its header first, as Alembic files are (:mod:`sdf.alembic.io`), so a
truncated one is named as such without asking the library at all.
"""
from __future__ import annotations

import os
import re

from sdf.errors import has_control_characters

from .options import ConvertError

CRATE_MAGIC = b"PXR-USDC"
#: A crate file's bootstrap: magic (8 bytes), version (8), offset of the table of contents (8), reserved.
_BOOTSTRAP = 24


def check_crate(path: str) -> bool:
    """Refuse a crate file that is empty, cut before its header ends, or whose table of contents
    (written last) lies past its end: the shape of every truncated ``.usdc``. True for a crate file
    that passes, False for a text one."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_BOOTSTRAP)
            size = os.fstat(fh.fileno()).st_size
    except OSError as exc:
        raise ConvertError(f"cannot be read: {exc.strerror or exc}", path) from None
    if size == 0:
        raise ConvertError("cannot be read: the file is empty", path)
    if not head.startswith(CRATE_MAGIC):
        if os.path.splitext(path)[1].lower() == ".usdc":
            raise ConvertError("cannot be read: not a USD crate file (no PXR-USDC header)", path)
        return False  # a text .usd(a): the library's parser says what is wrong
    if len(head) < _BOOTSTRAP:
        raise ConvertError(f"cannot be read: truncated USD crate file ({size} bytes, shorter than its header)",
                           path)
    toc = int.from_bytes(head[16:24], "little")
    if toc < _BOOTSTRAP or toc >= size:
        raise ConvertError(f"cannot be read: truncated or unfinished USD crate file (table of contents at byte "
                           f"{toc}, file has {size})", path)
    return True


_ERROR_START = re.compile(r"\s*Error in '[^']*' at line \d+ in file [^:]* : '", re.S)
_WHERE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+):\s*(?P<rest>.*)$", re.S)


def reason(text: str, path: str) -> str:
    """The cause in the library's error ``text``, without its internal names, source locations and
    escapes: the first diagnostic (the later ones only say that opening failed)."""
    messages = []
    for chunk in _ERROR_START.split(text)[1:]:
        message = chunk.rstrip()
        if message.endswith("'"):
            message = message[:-1]
        messages.append(message)
    if not messages:
        messages = [text]
    causes = [m for m in messages if not m.startswith("Failed to open layer")] or messages
    message = causes[0]
    m = _WHERE.match(message)
    if m and os.path.basename(m["file"]) == os.path.basename(path):
        message = f"line {m['line']}, column {m['col']}: {m['rest']}"
    message = message.replace(f"'{os.path.abspath(path)}'", "").replace(f"@{path}@", "")
    message = " ".join(message.split())  # newlines and tabs inside the message
    if has_control_characters(message):
        message = "".join(c for c in message if c.isprintable())
    return message.rstrip(" :") or "unreadable"
