"""Image textures for the viewer's GL shading: decoded, converted to scene-linear, ready to upload.

The renderer shades in scene-linear Rec.709 and everything it draws goes through one display
transform (:mod:`sdf.viewer.colour`), so a texture must reach the GPU linear: its pixels are decoded
(8-bit and 16-bit images with Pillow, OpenEXR with openexr) and converted with OpenColorIO from the
colour space the shared rule gives it (:func:`sdf.dcc_plugins.textures.texture_colour_space`: an sRGB
PNG's code 128 becomes 0.216, as in a Cycles render) before upload, never in the shader. Rows come
back bottom row first: GL's texture origin, and UV (0, 0) is the image's lower left in MaterialX and USD.
"""
from __future__ import annotations

import os

import numpy as np

from sdf.errors import SdfError


def read_image(path: str) -> np.ndarray:
    """An image's RGB as float32 (h, w, 3), top row first: code values 0..1 for integer formats,
    the stored values for OpenEXR. Grey images give three equal channels; alpha is dropped."""
    if os.path.splitext(path)[1].lower() == ".exr":
        return _read_exr(path)
    from PIL import Image

    with Image.open(path) as image:
        if image.mode in ("I;16", "I;16B", "I;16L", "I"):
            grey = np.asarray(image, np.float32) / (65535.0 if image.mode.startswith("I;16") else 4294967295.0)
            return np.repeat(grey[..., None], 3, axis=-1)
        return np.asarray(image.convert("RGB"), np.float32) / 255.0


def _read_exr(path: str) -> np.ndarray:
    import OpenEXR

    with OpenEXR.File(path) as f:
        channels = f.channels()
        for name in ("RGB", "RGBA"):
            if name in channels:
                return np.asarray(channels[name].pixels[..., :3], np.float32)
        if all(c in channels for c in "RGB"):
            return np.stack([np.asarray(channels[c].pixels, np.float32) for c in "RGB"], axis=-1)
        grey = channels.get("Y") or channels.get("R")
        if grey is None:
            raise SdfError(f"no RGB, R or Y channel (channels: {', '.join(sorted(channels))})", path)
        return np.repeat(np.asarray(grey.pixels, np.float32)[..., None], 3, axis=-1)


def linear_texels(file: str, colorspace: str) -> tuple[np.ndarray, str | None]:
    """(scene-linear float32 texels (h, w, 3), bottom row first; a problem or None). A colour space OCIO
    does not know is read as the hosts read it (:func:`sdf.dcc_plugins.textures.host_space`) and is the
    problem. Raises :class:`SdfError` for a file that cannot be decoded."""
    from sdf.dcc_plugins.textures import LINEAR, host_space

    from .colour import image_to_linear

    try:
        pixels = read_image(file)
    except SdfError:
        raise
    except Exception as exc:  # Pillow and openexr raise their own types for a truncated or foreign file
        raise SdfError(f"cannot read the texture ({str(exc).strip().splitlines()[0] if str(exc) else exc})",
                       file) from None
    problem = None
    linear = image_to_linear(pixels, colorspace)
    if linear is None:
        space, problem = host_space(colorspace)
        linear = image_to_linear(pixels, LINEAR if space.usd == "raw" else "srgb_texture")
        problem = f"{file}: {problem}"
    return np.ascontiguousarray(linear[::-1]), problem
