"""Writing rendered frames: PNG (8-bit RGBA) and OpenEXR (half-float RGBA with camera and frame).

Both are written to a temporary file and renamed, so a playblast interrupted half-way
leaves only complete frames.
"""
from __future__ import annotations

import os
import struct
import tempfile
import zlib

import numpy as np

from sdf.runtime.jsonio import atomic_write_bytes, file_mode


def write_png(path: str, rgba: np.ndarray) -> None:
    """``rgba``: (h, w, 4) uint8, top row first."""
    h, w, _ = rgba.shape
    raw = b"".join(b"\x00" + rgba[y].tobytes() for y in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    atomic_write_bytes(path, png)


def read_png(path: str) -> np.ndarray:
    """Read back a PNG written by :func:`write_png` (RGBA, 8-bit, no interlace)."""
    data = open(path, "rb").read()
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        n = struct.unpack(">I", data[pos:pos + 4])[0]
        tag, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if tag == b"IHDR":
            w, h = struct.unpack(">II", body[:8])
        elif tag == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    rows = [raw[y * (w * 4 + 1) + 1:(y + 1) * (w * 4 + 1)] for y in range(h)]
    return np.frombuffer(b"".join(rows), np.uint8).reshape(h, w, 4)


def write_exr(path: str, rgba: np.ndarray, camera: str, frame: int, attributes: dict | None = None) -> None:
    """``rgba``: (h, w, 4) float, top row first; written as half-float RGBA. ``attributes`` go into the
    header too (the colour space and chromaticities, see :func:`sdf.viewer.colour.exr_attributes`)."""
    import OpenEXR

    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage,
              "camera": camera, "frame": int(frame), **(attributes or {})}
    channels = {c: np.ascontiguousarray(rgba[..., i].astype(np.float16)) for i, c in enumerate("RGBA")}
    def write(tmp: str) -> None:
        with OpenEXR.File(header, channels) as f:
            f.write(tmp)

    write_exr_file(path, write)


def write_exr_file(path: str, write) -> None:
    """Call ``write(temporary path)`` (an OpenEXR writer) and rename the result to ``path``.

    A temporary name of its own: two writers of one frame (a farm task retried while the first
    attempt's process still runs) must not share one, or one renames the other's file away."""
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp.exr",
                               dir=os.path.dirname(os.path.abspath(path)))
    try:
        try:
            os.fchmod(fd, file_mode())  # mkstemp makes 0600; a frame is shared like any other output
        finally:
            os.close(fd)
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
