"""From a renderer's multi-layer EXR (Blender's pass names) to a render layer's own multi-part file.

One part per sdf AOV, named after it, channels ``<aov>.R``... (as ``sdf exr pack`` writes them),
with the layer's compression; colour parts in the layer's pixel type, data parts (depth,
position, ids, Cryptomatte) always 32-bit float (an id or a depth does not survive half floats).
What each AOV is made of follows its recipe (:func:`sdf.dcc_plugins.render_plan.aov_recipe`): an
LPE's light is Cycles' colour times (direct + indirect) light, as Cycles composes its own passes.

Every part's header says where the pixels came from (``sdf/shot``, ``sdf/layer``, ``sdf/frame``,
``camera``, ``renderer``, ``rendererVersion``, ``samples``, ``seed``; ``sdf/versions``, the version of
each part the frame was made from, and ``owner``, the artist) and what they are: colour
parts are scene-linear Rec.709 (Blender's scene linear; ``colorSpace`` and the standard
``chromaticities`` attribute), data parts say ``colorSpace: data``. The id matte's part carries
``sdf/idManifest`` (id -> element path); Cryptomatte parts carry the standard ``cryptomatte/*``
attributes. The file is written to a temporary name and renamed into place.
"""
from __future__ import annotations

import hashlib
import json
import os

import numpy as np

#: Rec.709 / sRGB primaries and D65 white (red xy, green xy, blue xy, white xy).
REC709 = (0.64, 0.33, 0.30, 0.60, 0.15, 0.06, 0.3127, 0.3290)
_DATA_PASSES = ("depth", "position", "object_id", "cryptomatte", "normal")
_FLOAT_ONLY = ("depth", "position", "object_id", "cryptomatte")
_FAMILY = {"Diff": "Diffuse", "Gloss": "Glossy", "Trans": "Transmission"}


def read_passes(path: str, view_layer: str) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, dict]]:
    """(pass -> channel -> float32 image, pass -> its part's header) from a multi-layer EXR."""
    import OpenEXR

    passes: dict[str, dict[str, np.ndarray]] = {}
    headers: dict[str, dict] = {}
    with OpenEXR.File(path, separate_channels=True) as f:
        for part in f.parts:
            for full, ch in part.channels.items():
                name = full[len(view_layer) + 1:] if full.startswith(view_layer + ".") else full
                pas, _, chan = name.rpartition(".")
                if not pas:
                    pas, chan = "Combined", name
                passes.setdefault(pas, {})[chan] = np.array(ch.pixels, dtype=np.float32)
                headers.setdefault(pas, dict(part.header))
    return passes, headers


def _stack(p: dict[str, np.ndarray], chans: str) -> np.ndarray:
    return np.stack([p[c] for c in chans], axis=-1)


def _colour(p: dict[str, np.ndarray]) -> np.ndarray:
    return _stack(p, "RGB")


def to_shot(xyz: np.ndarray, up_axis: str) -> np.ndarray:
    """Blender's Z-up world vectors in the shot's axes: a Y-up shot was turned +90 degrees about X
    on the way in (the host's root), so (x, y, z) comes back as (x, z, -y)."""
    if up_axis != "Y":
        return xyz
    return np.stack([xyz[..., 0], xyz[..., 2], -xyz[..., 1]], axis=-1)


def aov_pixels(aov: dict, passes: dict[str, dict[str, np.ndarray]], up_axis: str = "Y") -> np.ndarray | None:
    """The AOV's pixels (H, W, C) from the passes, or None when the render has no such pass. Normals
    and positions are in the shot's space and axes."""
    r = aov["recipe"]
    p = r["pass"]
    try:
        if p in ("beauty", "alpha"):
            img = _stack(passes["Combined"], "RGBA")
            return img[..., 3:] if p == "alpha" else img
        if p == "depth":
            return _stack(passes["Depth"], "Z")
        if p == "normal":
            return to_shot(_stack(passes["Normal"], "XYZ"), up_axis)
        if p == "position":
            return to_shot(_stack(passes["Position"], "XYZ"), up_axis)
        if p == "object_id":
            return _stack(passes["Object Index"], "X")
        if p == "emission":
            return _colour(passes["Emission"])
        if p == "shadow":  # Cycles' catcher pass multiplies the background: 1 is unshadowed
            return 1.0 - _colour(passes["Shadow Catcher"]).mean(axis=-1, keepdims=True)
        if p == "light":
            fam = _FAMILY[r["family"]]
            light = 0.0
            if r["part"] in ("direct", "total"):
                light = light + _colour(passes[f"{fam} Direct"])
            if r["part"] in ("indirect", "total"):
                light = light + _colour(passes[f"{fam} Indirect"])
            return light * _colour(passes[f"{fam} Color"])
        if p == "lightgroup":
            return _colour(passes[f"Combined_{r['group']}"])
        if p == "primvar":
            q = passes[aov["name"]]
            return _stack(q, "RGB") if "R" in q else _stack(q, [next(iter(q))])
    except KeyError:
        return None
    return None


def _fit(img: np.ndarray, n: int) -> np.ndarray:
    """The image with ``n`` channels: RGB gains an opaque alpha, a single channel is repeated."""
    c = img.shape[-1]
    if c == n:
        return img
    if c == 3 and n == 4:
        return np.concatenate([img, np.ones(img.shape[:-1] + (1,), img.dtype)], axis=-1)
    if c == 1:
        return np.repeat(img, n, axis=-1)
    return img[..., :n]


def _crypto_key(name: str) -> str:
    return hashlib.md5(name.encode()).hexdigest()[:7]


def write_layer_file(raw: str, target: str, layer: dict, view_layer: str, meta: dict) -> list[str]:
    """Write the layer's multi-part EXR at ``target`` from the renderer's file ``raw``; returns the part names."""
    import OpenEXR

    from sdf.document.render_layers import AOV

    passes, headers = read_passes(raw, view_layer)
    compression = getattr(OpenEXR, f"{layer['compression'].upper()}_COMPRESSION", OpenEXR.ZIP_COMPRESSION)
    colour_type = np.float32 if layer["pixel_type"] == "float" else np.float16
    common = {"sdf/shot": str(meta["shot"]), "sdf/layer": str(meta["layer"]), "sdf/frame": int(meta["frame"]),
              "camera": str(meta["camera"]), "renderer": str(meta["renderer"]),
              "rendererVersion": str(meta["renderer_version"]), "samples": int(meta["samples"]),
              "seed": int(meta["seed"]), "denoised": int(bool(meta["denoise"])),
              "framesPerSecond": _rational(meta.get("fps", 24.0))}
    if meta.get("versions"):  # the version of each part the frame was made from (sdf.document.versions)
        common["sdf/versions"] = json.dumps(meta["versions"], sort_keys=True)
    if meta.get("artist"):
        common["owner"] = str(meta["artist"])  # OpenEXR's standard attribute for who made the image
    parts, names = [], []
    for aov in layer["aovs"]:
        recipe = aov["recipe"]
        header = {"compression": compression, "type": OpenEXR.scanlineimage, **common}
        if recipe["pass"] == "cryptomatte":
            crypto = sorted(k for k in passes if k.startswith("CryptoObject"))
            manifest = next((v for h in headers.values() for k, v in h.items()
                             if k.startswith("cryptomatte/") and k.endswith("/manifest")), "{}")
            key = _crypto_key(aov["name"])
            for i, k in enumerate(crypto):
                rank = f"{aov['name']}{i:02d}"
                h = dict(header, colorSpace="data")
                h.update({f"cryptomatte/{key}/name": aov["name"], f"cryptomatte/{key}/hash": "MurmurHash3_32",
                          f"cryptomatte/{key}/conversion": "uint32_to_float32",
                          f"cryptomatte/{key}/manifest": manifest})
                chans = {f"{rank}.{c.upper()}": np.ascontiguousarray(passes[k][c], np.float32) for c in "rgba"}
                parts.append(OpenEXR.Part(h, chans, rank))
                names.append(rank)
            continue
        img = aov_pixels(aov, passes, meta.get("up_axis", "Y"))
        if img is None:
            continue
        chan_names = AOV.from_json(aov).channels()
        img = _fit(img, len(chan_names))
        data = recipe["pass"] in _DATA_PASSES
        if aov["data_type"] == "int":
            dtype = np.uint32
            img = np.rint(img)
        else:
            dtype = np.float32 if recipe["pass"] in _FLOAT_ONLY else colour_type
        if data:
            header["colorSpace"] = "data"
        else:
            header["colorSpace"] = "lin_rec709_scene"
            header["chromaticities"] = REC709
        if recipe["pass"] == "object_id":
            header["sdf/idManifest"] = json.dumps({str(m["id"]): p for p, m in sorted(layer["members"].items())})
        chans = {n: np.ascontiguousarray(img[..., i].astype(dtype)) for i, n in enumerate(chan_names)}
        parts.append(OpenEXR.Part(header, chans, aov["name"]))
        names.append(aov["name"])
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    tmp = f"{target}.tmp{os.getpid()}"
    try:
        with OpenEXR.File(parts) as f:
            f.write(tmp)
        _pause()
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return names


def _pause() -> None:
    """Test hook: with SDF_TEST_RENDER_PAUSE=marker, write this process's id to ``marker`` and wait with
    the file still temporary: the crash tests kill the renderer there, to prove nothing partial stays."""
    marker = os.environ.get("SDF_TEST_RENDER_PAUSE")
    if marker:
        import time

        with open(marker, "w") as fh:
            fh.write(str(os.getpid()))
        time.sleep(120)


def _rational(fps: float):
    from fractions import Fraction

    f = Fraction(float(fps)).limit_denominator(1001)
    return (f.numerator, f.denominator)
