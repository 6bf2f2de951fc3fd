"""How SDF values are written into USD, and read back: matrices, lens millimetres, ``customData``.

SDF -> USD (:mod:`sdf.converters.sdf_usd`, :mod:`sdf.converters.sdf_usd_lighting`) writes with these and
USD -> SDF (:mod:`sdf.converters.usd_sdf`) reads ``customData`` back with :func:`undictify`, so a round
trip keeps the fields USD has no attribute for exactly.
"""
from __future__ import annotations


def matrix(values):
    """A USD matrix from 16 numbers in SDF's order (row-major, row vectors: USD's order too)."""
    from pxr import Gf
    v = list(values)
    return Gf.Matrix4d(*[float(x) for x in v])


def mm_to_usd(mm: float, mpu: float) -> float:
    """Millimetres to USD's lens units, tenths of a scene unit."""
    return mm * 0.01 / mpu


def dictify(value):
    """customData takes dicts, lists of scalars and strings; lists of dicts become dicts keyed by index."""
    if isinstance(value, dict):
        return {str(k): dictify(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, (dict, list, tuple)) for v in value):
            return {f"{i:04d}": dictify(v) for i, v in enumerate(value)}
        if all(isinstance(v, str) for v in value):
            from pxr import Vt
            return Vt.StringArray(list(value))
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            from pxr import Vt
            return Vt.DoubleArray([float(v) for v in value])
        if not value:
            from pxr import Vt
            return Vt.StringArray([])
    return value


def undictify(value):
    """The inverse of :func:`dictify` (index-keyed dicts back to lists)."""
    if isinstance(value, dict):
        if value and all(k.isdigit() and len(k) == 4 for k in value):
            return [undictify(value[k]) for k in sorted(value)]
        return {k: undictify(v) for k, v in value.items()}
    if hasattr(value, "__len__") and not isinstance(value, str) and not isinstance(value, dict):
        return [undictify(v) for v in value]
    return value
