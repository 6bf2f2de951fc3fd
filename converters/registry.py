"""One dispatch for every format pair, in the manner of OpenTimelineIO's adapters.

``convert(src, dst, options)`` picks the adapter from the two extensions; ``adapters()``
lists them (``sdf convert --list``). Adding a format is adding an :class:`Adapter` here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from .options import ConvertError, ConvertOptions

USD = (".usda", ".usdc", ".usd")


@dataclass(frozen=True)
class Adapter:
    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    function: str            # "module:function", imported on use
    description: str

    def load(self) -> Callable:
        module, fn = self.function.split(":")
        mod = __import__(f"sdf.converters.{module}", fromlist=[fn])
        return getattr(mod, fn)


ADAPTERS = (
    Adapter("alembic-usd", (".abc",), USD, "alembic_usd:alembic_to_usd",
            "Alembic archive to a USD stage (every time sample, cameras, face sets as GeomSubsets)"),
    Adapter("usd-alembic", USD, (".abc",), "usd_alembic:usd_to_alembic",
            "USD stage (Xform, Mesh, BasisCurves, Points, Camera) to an Alembic archive"),
    Adapter("sdf-usd", (".sdf",), USD, "sdf_usd:sdf_to_usd",
            "SDF shot to a USD layer stack: one sublayer per department, /Render prims, UsdLux lights"),
    Adapter("usd-sdf", USD, (".sdf",), "usd_sdf:usd_to_sdf",
            "USD stage to an SDF shot: geometry to Alembic leaves, cameras, lights, render settings"),
)


def adapters() -> tuple[Adapter, ...]:
    return ADAPTERS


def find_adapter(src: str, dst: str) -> Adapter:
    a, b = os.path.splitext(src)[1].lower(), os.path.splitext(dst)[1].lower()
    for adapter in ADAPTERS:
        if a in adapter.inputs and b in adapter.outputs:
            return adapter
    known = sorted({e for ad in ADAPTERS for e in ad.inputs + ad.outputs})
    if a not in known:
        raise ConvertError(f"unknown input extension '{a or '(none)'}' (known: {', '.join(known)})", src)
    if b not in known:
        raise ConvertError(f"unknown output extension '{b or '(none)'}' (known: {', '.join(known)})", dst)
    raise ConvertError(f"no converter from {a} to {b}; see 'sdf convert --list'", src)


def check_request(src: str, dst: str, options: ConvertOptions | None = None) -> Adapter:
    """The adapter for ``src`` -> ``dst``, after the refusals that need no library (cheap enough
    to make before a conversion is started in a child process)."""
    if os.path.isdir(src):
        known = sorted({e for ad in ADAPTERS for e in ad.inputs})
        raise ConvertError(f"is a directory; give the file to convert ({', '.join(known)})", src)
    adapter = find_adapter(src, dst)
    if os.path.abspath(src) == os.path.abspath(dst):
        raise ConvertError("input and output are the same file", dst)
    if not os.path.exists(src):
        raise ConvertError("input not found", src)
    if options is not None and options.clip_frames and adapter.name != "alembic-usd":
        raise ConvertError("--clip-frames applies to Alembic -> USD only", dst)
    return adapter


def convert(src: str, dst: str, options: ConvertOptions | None = None) -> dict:
    """Convert in this process; ``isolated.convert`` runs the same in a child (what ``sdf convert`` does)."""
    options = options or ConvertOptions()
    adapter = check_request(src, dst, options)
    result = adapter.load()(src, dst, options)
    result["adapter"] = adapter.name
    return result
