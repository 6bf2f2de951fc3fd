"""OpenEXR tools for render-layer outputs: inspect, pack AOVs into one multi-part file, split it.

Packed files follow the render layer's AOV definitions: one part per AOV, named after it, with
channels ``<aov>.R``, ``<aov>.G``... (``<aov>.X``... for vectors, ``<aov>.Z`` for depth), as
compositors expect. ``split`` undoes ``pack`` exactly: same pixels, same pixel types, every
header attribute. Deep parts stay deep (the binding writes them sample by sample); parts with
subsampled luminance/chroma channels (YC images), which the binding cannot write, are copied
as their compressed chunks (:mod:`exr_raw`).
"""
from __future__ import annotations

import os

import numpy as np


from .options import ConvertError, Staging

EXR_MAGIC = b"\x76\x2f\x31\x01"
_COMPRESSION = {"none": "NO_COMPRESSION", "rle": "RLE_COMPRESSION", "zips": "ZIPS_COMPRESSION",
                "zip": "ZIP_COMPRESSION", "piz": "PIZ_COMPRESSION", "pxr24": "PXR24_COMPRESSION",
                "b44": "B44_COMPRESSION", "b44a": "B44A_COMPRESSION", "dwaa": "DWAA_COMPRESSION",
                "dwab": "DWAB_COMPRESSION"}


def _headers(data: bytes, path: str) -> tuple[list[dict[str, bytes]], int]:
    """(each header's raw attributes, offset after the headers), parsed from the file's bytes: the
    binding itself returns fewer parts, silently, for a truncated multi-part file."""
    from . import exr_raw

    if len(data) < 8:
        raise ConvertError("truncated OpenEXR file (no header)", path)
    parts, pos, _ = exr_raw.headers(data, path)
    return [{name: value for name, _, value in attrs} for attrs in parts], pos


def _check_chunk_tables(data: bytes, headers: list[dict[str, bytes]], pos: int, path: str) -> None:
    """Every chunk offset of a multi-part file must lie inside the file."""
    import struct

    if len(headers) < 2:
        return
    size = len(data)
    for i, h in enumerate(headers):
        count_bytes = h.get("chunkCount")
        if count_bytes is None or len(count_bytes) != 4:
            raise ConvertError(f"corrupt multi-part OpenEXR file: part {i} has no chunk count", path)
        count = struct.unpack("<i", count_bytes)[0]
        if count < 0 or pos + 8 * count > size:
            raise ConvertError(f"truncated OpenEXR file: the chunk table of part {i} runs past the end", path)
        offsets = np.frombuffer(data, dtype="<u8", count=count, offset=pos)
        if len(offsets) and (offsets.max() >= size or offsets.min() == 0):
            raise ConvertError(f"truncated OpenEXR file: part {i} has chunks past the end ({len(headers)} parts "
                               "in its header)", path)
        pos += 8 * count


class _Quiet:
    """Standard output and error redirected (at the file-descriptor level) while the OpenEXR library runs:
    it prints warnings to stdout (breaking ``--json``) and, for a damaged file, thousands of lines of
    errors. What it printed is kept, so an error can quote its first line."""

    def __enter__(self):
        import sys
        import tempfile

        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (AttributeError, ValueError):
                pass
        self.sink = tempfile.TemporaryFile()
        self.saved = [os.dup(1), os.dup(2)]
        os.dup2(self.sink.fileno(), 1)
        os.dup2(self.sink.fileno(), 2)
        return self

    def __exit__(self, *exc):
        os.dup2(self.saved[0], 1)
        os.dup2(self.saved[1], 2)
        for fd in self.saved:
            os.close(fd)
        self.sink.seek(0)
        self.text = self.sink.read().decode("utf-8", "replace")
        self.sink.close()
        return False

    @property
    def first_line(self) -> str:
        lines = [ln.strip() for ln in self.text.splitlines() if ln.strip()]
        return lines[0][:200] if lines else ""


def open_exr(path: str):
    """An OpenEXR.File with every channel separate, or a clear error (missing, not EXR, truncated)."""
    import OpenEXR

    if not os.path.exists(path):
        raise ConvertError("file not found", path)
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic != EXR_MAGIC:
        raise ConvertError("not an OpenEXR file", path)
    quiet = _Quiet()
    try:
        with quiet:
            f = OpenEXR.File(path, separate_channels=True)
            n_parts = len(f.parts)
            for part in f.parts:
                for ch in part.channels.values():
                    _ = ch.pixels.shape
    except Exception:
        why = f" ({quiet.first_line})" if getattr(quiet, "text", "") else ""
        raise ConvertError(f"truncated or corrupt OpenEXR file (cannot read it){why}", path) from None
    if n_parts == 0:  # the binding returns no parts, without raising, for some truncated files
        raise ConvertError("truncated OpenEXR file (no readable parts)", path)
    with open(path, "rb") as fh:
        data = fh.read()  # headers and chunk tables, read once for both checks
    headers, pos = _headers(data, path)
    if len(f.parts) != len(headers):
        raise ConvertError(f"truncated OpenEXR file: its header lists {len(headers)} parts, {len(f.parts)} are "
                           "readable", path)
    _check_chunk_tables(data, headers, pos, path)
    return f


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value).rsplit(".", 1)[-1]


#: The ``chlist`` pixel type codes, named as OpenEXR names them.
PIXEL_TYPES = {0: "uint", 1: "half", 2: "float"}


def header_channels(attrs: list[tuple[str, str, bytes]]) -> dict[str, dict]:
    """Each channel's pixel type and sampling as the part's header states them.

    Read from the header rather than from the pixels: a deep part's pixels are arrays of
    per-pixel sample arrays (numpy ``object``), which say nothing of how they are stored.
    """
    import struct

    from . import exr_raw

    value = next((v for n, _, v in attrs if n == "channels"), b"")
    out = {}
    for name, rest in exr_raw.channels(value):
        code, = struct.unpack_from("<i", rest, 0)
        xs, ys = struct.unpack_from("<ii", rest, 8)
        out[name] = {"type": PIXEL_TYPES.get(code, f"unknown ({code})"), "x_sampling": xs, "y_sampling": ys}
    return out


def info(path: str) -> dict:
    from . import exr_raw

    f = open_exr(path)
    with open(path, "rb") as fh:  # the headers only: the first megabyte holds them but in odd files
        head = fh.read(1 << 20)
        try:
            raw = exr_raw.headers(head, path)[0]
        except ConvertError:
            raw = exr_raw.headers(head + fh.read(), path)[0]
    parts = []
    for i, part in enumerate(f.parts):
        h = part.header
        channels = dict(sorted(header_channels(raw[i]).items()))
        dw = h.get("dataWindow")
        views = h.get("multiView") or ([h["view"]] if "view" in h else [])
        parts.append({
            "index": i, "name": part.name() or None, "type": _plain(h.get("type")),
            "channels": channels, "views": list(views),
            "data_window": _plain(dw), "display_window": _plain(h.get("displayWindow")),
            "compression": _plain(h.get("compression")),
            "attributes": {k: _plain(v) for k, v in sorted(h.items())
                           if k not in ("channels", "dataWindow", "displayWindow", "compression", "type", "name")},
        })
    return {"file": path, "bytes": os.path.getsize(path), "parts": parts}


def _channel_suffixes(data_type: str, n: int, aov_name: str) -> list[str]:
    table = {"color3f": "RGB", "color4f": "RGBA", "vector3f": "XYZ", "normal3f": "XYZ", "point3f": "XYZ"}
    if data_type in table:
        return list(table[data_type])
    if data_type in ("float", "int"):
        return ["Z"] if aov_name.lower() in ("depth", "z") else ["V"]
    return list("RGBA"[:n]) if n <= 4 else [str(i) for i in range(n)]


#: Attributes the library computes for each part it writes: never copied from a source.
_COMPUTED = ("channels", "name", "chunkCount", "version")


def _kept_header(header) -> dict:
    """A part's header as a new part's: every attribute but the ones the library computes itself."""
    return {k: v for k, v in header.items() if k not in _COMPUTED}


def _read_planes(path: str) -> tuple[list[tuple[str, np.ndarray]], dict]:
    f = open_exr(path)
    part = f.parts[0]
    order = {"R": 0, "G": 1, "B": 2, "A": 3, "X": 0, "Y": 1, "Z": 2}
    names = sorted(part.channels, key=lambda n: (order.get(n.rsplit(".", 1)[-1], 9), n))
    return [(n, part.channels[n].pixels) for n in names], part.header


def pack(inputs: dict[str, str], out: str, *, aovs=None, compression: str = "zip", force: bool = False) -> dict:
    """Combine single-image files, one per AOV, into one multi-part EXR.

    ``inputs`` maps AOV name to file. ``aovs`` (the render layer's AOV definitions) fixes the
    channel names and is checked against the inputs: a missing AOV or a wrong channel count
    is an error; without it the channel names follow the inputs' own.
    """
    import OpenEXR

    if not inputs:
        raise ConvertError("nothing to pack: give at least one --aov NAME=FILE")
    defs = {a.name: a for a in aovs} if aovs is not None else {}
    if aovs is not None:
        missing = [a.name for a in aovs if a.name not in inputs]
        extra = [n for n in inputs if n not in defs]
        if missing:
            raise ConvertError(f"render layer AOV(s) without an input: {', '.join(missing)}")
        if extra:
            raise ConvertError(f"input(s) for AOV(s) the render layer does not define: {', '.join(extra)}")
    from . import exr_raw

    comp = getattr(OpenEXR, _COMPRESSION.get(compression, "ZIP_COMPRESSION"))
    parts = []
    chunk_copied: list[str | None] = []  # per part: the input copied chunk by chunk (YC), else None
    shape = None
    for name in (list(defs) if defs else list(inputs)):
        planes, header = _read_planes(inputs[name])
        with open(inputs[name], "rb") as fh:
            yc = exr_raw.subsampled(exr_raw.headers(fh.read(), inputs[name])[0][0])
        chunk_copied.append(inputs[name] if yc else None)
        if yc:  # luminance/chroma: its own channel names and compression, copied as stored
            full = max(planes, key=lambda p: p[1].size)[1]
            if shape is not None and full.shape != shape:
                raise ConvertError(f"AOV '{name}' is {full.shape[1]}x{full.shape[0]}, others are "
                                   f"{shape[1]}x{shape[0]}", inputs[name])
            shape = full.shape
            parts.append(OpenEXR.Part(_kept_header(header), {}, name))
            continue
        if shape is None:
            shape = planes[0][1].shape
        elif planes[0][1].shape != shape:
            raise ConvertError(f"AOV '{name}' is {planes[0][1].shape[1]}x{planes[0][1].shape[0]}, "
                               f"others are {shape[1]}x{shape[0]}", inputs[name])
        if name in defs:
            suffixes = _channel_suffixes(defs[name].data_type, len(planes), name)
            if len(suffixes) != len(planes):
                raise ConvertError(f"AOV '{name}' is {defs[name].data_type} ({len(suffixes)} channel(s)) but the "
                                   f"image has {len(planes)}", inputs[name])
        else:
            suffixes = [n.rsplit(".", 1)[-1] for n, _ in planes]
        channels = {f"{name}.{s}": np.ascontiguousarray(p) for s, (_, p) in zip(suffixes, planes)}
        # Every attribute of the input survives (windows, tiling, views, camera, writer metadata);
        # only the compression is the pack's own choice.
        h = _kept_header(header)
        h["compression"] = comp
        parts.append(OpenEXR.Part(h, channels, name))
    with Staging(out, force) as staging:
        staging.check_targets([out])
        if any(chunk_copied):
            _pack_chunks(parts, chunk_copied, staging.path(out))
        else:
            with OpenEXR.File(parts) as f:
                f.write(staging.path(out))
        staging.commit()
    return {"output": out, "parts": [p.name() for p in parts]}


def _pack_chunks(parts, chunk_copied: list, target: str) -> None:
    """A multi-part file assembled chunk by chunk, because some inputs have subsampled (YC) channels the
    binding cannot write: those parts are copied as their compressed chunks (their own compression,
    channels named ``<aov>.Y``, ``<aov>.RY``...); every other part is encoded by the binding into a
    single-part file first, then copied the same way."""
    import tempfile

    import OpenEXR

    from . import exr_raw

    assembled = []
    for part, source in zip(parts, chunk_copied):
        name = part.name()
        if source is not None:
            with open(source, "rb") as fh:
                data = fh.read()
            attrs, chunks = exr_raw.part_chunks(data, source, 0)
            assembled.append((exr_raw.renamed(attrs, name, add=name + "."), chunks))
            continue
        with tempfile.TemporaryDirectory(prefix="sdf-exr-") as tmp:
            single = os.path.join(tmp, "part.exr")
            with OpenEXR.File(part.header, part.channels) as f:
                f.write(single)
            with open(single, "rb") as fh:
                data = fh.read()
        try:
            attrs, chunks = exr_raw.part_chunks(data, single, 0)
        except ConvertError:
            raise ConvertError(f"AOV '{name}' is tiled or deep: it cannot share a file with subsampled (YC) "
                               "images, which are copied chunk by chunk") from None
        assembled.append((exr_raw.renamed(attrs, name), chunks))
    with open(target, "wb") as fh:
        fh.write(exr_raw.write(assembled))


def split(path: str, out_dir: str, *, force: bool = False) -> dict:
    """One single-part file per part of ``path`` (``<part>.exr``), channel prefixes removed."""
    import OpenEXR

    from . import exr_raw

    f = open_exr(path)
    if not os.path.isdir(out_dir):
        raise ConvertError("output directory does not exist", out_dir)
    with open(path, "rb") as fh:
        data = fh.read()
    raw_headers = exr_raw.headers(data, path)[0]
    written = []
    with Staging(os.path.join(out_dir, ".split"), force) as staging:
        targets = []
        for i, part in enumerate(f.parts):
            name = part.name() or f"part{i}"
            target = os.path.join(out_dir, f"{name}.exr")
            targets.append(target)
            if exr_raw.subsampled(raw_headers[i]):
                # Luminance/chroma (YC) channels: the binding cannot write them back, so the part's
                # compressed chunks are copied as they are (see exr_raw).
                attrs, chunks = exr_raw.part_chunks(data, path, i)
                with open(staging.path(target), "wb") as out:
                    out.write(exr_raw.write([(exr_raw.renamed(attrs, None, strip=name + "."), chunks)]))
                continue
            channels = {}
            for ch_name, ch in part.channels.items():
                short = ch_name[len(name) + 1:] if ch_name.startswith(name + ".") else ch_name
                channels[short] = np.ascontiguousarray(ch.pixels)
            h = _kept_header(part.header)  # windows, tiling, compression, views, every attribute
            with OpenEXR.File(h, channels) as out:
                out.write(staging.path(target))
        staging.check_targets(targets)
        written = staging.commit()
    return {"outputs": written}
