"""OpenEXR parts copied chunk by chunk, for images the binding cannot write back.

The OpenEXR Python binding reads subsampled channels (luminance/chroma "YC" images: ``Y`` at
full resolution, ``RY`` and ``BY`` at half in x and y) but refuses to write channels of
different sizes. Rather than resampling them, a part is copied as its compressed chunks, which
keeps the pixels, the sampling and the compression bit for bit: only the header changes (a
part name, the channel names' ``<aov>.`` prefix) and the chunk offsets move with it.

File layout (OpenEXR 2): magic, version and flags; the headers (attributes ``name``, ``type``,
size, value; an empty name ends a header, an empty header ends a multi-part list); one
table of 8-byte chunk offsets per part; the chunks. A scanline chunk is ``y``, a size and the
data; in a multi-part file it starts with the part's number. Only scanline parts are copied
this way (tiled or deep ones the binding writes itself).
"""
from __future__ import annotations

import struct

from .options import ConvertError

MAGIC = b"\x76\x2f\x31\x01"
MULTIPART, LONG_NAMES, TILED, NON_IMAGE = 0x1000, 0x400, 0x200, 0x800
#: Scanlines per chunk for each compression (the value of the ``compression`` attribute).
LINES = {0: 1, 1: 1, 2: 1, 3: 16, 4: 32, 5: 16, 6: 32, 7: 32, 8: 32, 9: 256}


def headers(data: bytes, path: str) -> tuple[list[list[tuple[str, str, bytes]]], int, bool]:
    """(each part's attributes as (name, type, value) in file order, offset after the headers, multipart)."""
    if len(data) < 8 or data[:4] != MAGIC:
        raise ConvertError("not an OpenEXR file", path)
    multipart = bool(struct.unpack_from("<I", data, 4)[0] & MULTIPART)
    pos, parts = 8, []

    def cstring(at: int) -> tuple[str, int]:
        end = data.find(b"\0", at)
        if end < 0:
            raise ConvertError("truncated OpenEXR file (inside a header)", path)
        return data[at:end].decode("latin-1"), end + 1

    while True:
        attrs = []
        while True:
            name, pos = cstring(pos)
            if not name:
                break
            kind, pos = cstring(pos)
            if pos + 4 > len(data):
                raise ConvertError("truncated OpenEXR file (inside a header)", path)
            size = struct.unpack_from("<i", data, pos)[0]
            pos += 4
            if size < 0 or pos + size > len(data):
                raise ConvertError(f"truncated or corrupt OpenEXR file (attribute '{name}')", path)
            attrs.append((name, kind, data[pos:pos + size]))
            pos += size
        if not attrs:
            break
        parts.append(attrs)
        if not multipart:
            break
    return parts, pos, multipart


def channels(value: bytes) -> list[tuple[str, bytes]]:
    """A ``chlist`` value as (channel name, its 16 bytes: pixel type, linear, reserved, x and y sampling)."""
    out, pos = [], 0
    while pos < len(value) and value[pos] != 0:
        end = value.index(b"\0", pos)
        out.append((value[pos:end].decode("latin-1"), value[end + 1:end + 17]))
        pos = end + 17
    return out


def chlist(entries: list[tuple[str, bytes]]) -> bytes:
    return b"".join(n.encode("latin-1") + b"\0" + rest for n, rest in sorted(entries)) + b"\0"


def subsampled(attrs: list[tuple[str, str, bytes]]) -> bool:
    """Whether any channel of a part is stored at less than full resolution."""
    value = next(v for n, _, v in attrs if n == "channels")
    return any(struct.unpack_from("<ii", rest, 8) != (1, 1) for _, rest in channels(value))


def _attr(attrs, name):
    return next((v for n, _, v in attrs if n == name), None)


def _chunk_count(attrs) -> int:
    count = _attr(attrs, "chunkCount")
    if count is not None:
        return struct.unpack("<i", count)[0]
    xmin, ymin, xmax, ymax = struct.unpack("<4i", _attr(attrs, "dataWindow"))
    lines = LINES.get(_attr(attrs, "compression")[0], 1)
    return -(-(ymax - ymin + 1) // lines)


def part_chunks(data: bytes, path: str, index: int) -> tuple[list[tuple[str, str, bytes]], list[bytes]]:
    """Part ``index``'s attributes and its chunks, each as a single-part scanline chunk (y, size, data)."""
    parts, pos, multipart = headers(data, path)
    for attrs in parts[:index]:
        pos += 8 * _chunk_count(attrs)
    attrs = parts[index]
    kind = _attr(attrs, "type")
    if kind is not None and kind.rstrip(b"\0") != b"scanlineimage" or _attr(attrs, "tiles") is not None:
        raise ConvertError(f"part {index}: only scanline parts can be copied chunk by chunk", path)
    count = _chunk_count(attrs)
    if pos + 8 * count > len(data):
        raise ConvertError(f"truncated OpenEXR file: the chunk table of part {index} runs past the end", path)
    chunks = []
    for offset in struct.unpack_from(f"<{count}Q", data, pos):
        at = offset + (4 if multipart else 0)
        if at + 8 > len(data):
            raise ConvertError(f"truncated OpenEXR file: part {index} has chunks past the end", path)
        size = struct.unpack_from("<i", data, at + 4)[0]
        if size < 0 or at + 8 + size > len(data):
            raise ConvertError(f"truncated OpenEXR file: a chunk of part {index} runs past the end", path)
        chunks.append(data[at:at + 8 + size])
    return attrs, chunks


def _header(attrs) -> bytes:
    return b"".join(n.encode("latin-1") + b"\0" + k.encode("latin-1") + b"\0" + struct.pack("<i", len(v)) + v
                    for n, k, v in attrs) + b"\0"


def _flags(parts) -> int:
    long_names = any(len(n) > 31 for attrs in parts for n, _, _ in attrs) or any(
        len(c) > 31 for attrs in parts for c, _ in channels(_attr(attrs, "channels")))
    return 2 | (LONG_NAMES if long_names else 0)


def write(parts: list[tuple[list[tuple[str, str, bytes]], list[bytes]]]) -> bytes:
    """A file from (attributes, scanline chunks) per part: single-part for one, multi-part otherwise
    (each part then gets its ``chunkCount`` and each chunk its part number)."""
    multipart = len(parts) > 1
    out_parts = []
    for attrs, chunks in parts:
        attrs = [a for a in attrs if a[0] != "chunkCount"]
        if multipart:  # every part of a multi-part file names its type and chunk count
            if _attr(attrs, "type") is None:
                attrs.append(("type", "string", b"scanlineimage"))
            attrs.append(("chunkCount", "int", struct.pack("<i", len(chunks))))
        out_parts.append((attrs, chunks))
    head = MAGIC + struct.pack("<I", _flags([a for a, _ in out_parts]) | (MULTIPART if multipart else 0))
    head += b"".join(_header(a) for a, _ in out_parts) + (b"\0" if multipart else b"")
    pos = len(head) + 8 * sum(len(c) for _, c in out_parts)
    tables, body = [], []
    for number, (_, chunks) in enumerate(out_parts):
        offsets = []
        for chunk in chunks:
            offsets.append(pos)
            piece = (struct.pack("<i", number) if multipart else b"") + chunk
            body.append(piece)
            pos += len(piece)
        tables.append(struct.pack(f"<{len(offsets)}Q", *offsets))
    return head + b"".join(tables) + b"".join(body)


def renamed(attrs, name: str | None, strip: str = "", add: str = "") -> list[tuple[str, str, bytes]]:
    """The attributes with the part ``name`` set (or removed), channel names with ``strip`` removed
    from their front and ``add`` put there; the order of the channels must not change (the chunks
    hold them in that order)."""
    out = []
    for n, k, v in attrs:
        if n == "name":
            continue
        if n == "channels":
            before = channels(v)
            after = [((c[len(strip):] if strip and c.startswith(strip) else c), rest) for c, rest in before]
            after = [(add + c, rest) for c, rest in after]
            if [c for c, _ in sorted(after)] != [c for c, _ in after]:
                raise ConvertError("renaming these channels would change their order, which the chunks hold")
            v = chlist(after)
        out.append((n, k, v))
    if name is not None:
        out.insert(0, ("name", "string", name.encode("latin-1")))
    return out
