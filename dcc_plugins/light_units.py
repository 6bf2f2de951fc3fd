"""From the shot's light intensity to a path tracer's light power, and the irradiance both mean.

The shot's lights are UsdLux-style: ``intensity x 2^exposure x color`` is the **radiance** (nits,
per scene unit) the light's surface emits, unnormalised (a bigger light is brighter). Cycles,
like most renderers, states lights by **power** instead, and each light type has its own rule;
this module is the one place that converts, so the DCC session and ``sdf render`` agree, and
:func:`irradiance` is the UsdLux-side answer the tests compare a Cycles render against.

======== ================================== =============================================
type     UsdLux (L = intensity x 2^exposure) Cycles                                       
======== ================================== =============================================
distant  L over a disc ``angle`` wide         sun strength = irradiance: ``L pi sin^2(a/2)``
sphere   L on a sphere of ``radius`` r        point power ``P = 4 pi^2 r^2 L``
point    radius 0 (or none given): L is radiant intensity     point power ``P = 4 pi L`` (``E = L / d^2``)
         (W/sr; a source of unit projected
         area, as a sphere of r = 1/sqrt(pi))
spot     a sphere light limited to its cone   spot power, as the sphere (Cycles' spot is a
                                              point light masked by its cone)
rect     L on one side of ``width x height``   area power ``P = pi A L``
disk     L on one side of a disc ``radius`` r  area power ``P = pi^2 r^2 L``
dome     L from every direction (x texture)   world background strength = L
======== ================================== =============================================

Distances are scene units: like UsdLux renderers, no ``metersPerUnit`` factor is applied.
"""
from __future__ import annotations

import math

import numpy as np

#: UsdLux's fallback sizes, used where the shot leaves a size out.
DEFAULTS = {"angle": 0.53, "radius": 0.5, "width": 1.0, "height": 1.0}


def radiance(data: dict) -> float:
    """``intensity x 2^exposure``: the emitted radiance (without colour) of a light record."""
    return float(data.get("intensity", 1.0)) * 2.0 ** float(data.get("exposure", 0.0) or 0.0)


def _size(data: dict, key: str) -> float:
    value = data.get(key)
    return float(DEFAULTS[key] if value is None else value)


def sphere_radius(data: dict) -> float:
    """A point, sphere or spot light's radius; none given is a point (radius 0), as the shot's
    lights have always been drawn."""
    return float(data.get("radius") or 0.0)


def power_factor(data: dict) -> float:
    """Cycles power (or strength) per unit of radiance for a light record: ``energy = radiance x factor``.

    Depends only on the light's type and shape, so a keyed intensity converts key by key."""
    t = data["type"]
    if t == "distant":
        half = math.radians(_size(data, "angle")) / 2.0
        return math.pi * math.sin(half) ** 2
    if t in ("point", "sphere", "spot"):
        r = sphere_radius(data)
        return 4.0 * math.pi ** 2 * r * r if r > 0 else 4.0 * math.pi
    if t == "rect":
        return math.pi * _size(data, "width") * _size(data, "height")
    if t == "disk":
        r = _size(data, "radius")
        return math.pi * math.pi * r * r
    return 1.0  # dome: background strength is radiance


def irradiance(data: dict, distance: float) -> float:
    """UsdLux's irradiance (without colour) at a point ``distance`` away on the light's axis, on a
    surface facing the light: what a white Lambertian surface there reflects times pi.

    Exact for each shape (a sphere subtends a cap, a rect is integrated numerically); a spot's
    point is inside its cone; a distant light ignores ``distance``."""
    L = radiance(data)
    t = data["type"]
    d = float(distance)
    if t == "distant":
        return L * power_factor(data)
    if t in ("point", "sphere", "spot"):
        r = sphere_radius(data)
        if r <= 0:
            return L / (d * d)
        return L * math.pi * (r / d) ** 2  # the cap a sphere subtends: pi sin^2, sin = r/d
    if t == "disk":
        r = _size(data, "radius")
        return L * math.pi * r * r / (r * r + d * d)
    if t == "rect":
        w, h = _size(data, "width"), _size(data, "height")
        n = 400
        xs = (np.arange(n) + 0.5) / n * w - w / 2
        ys = (np.arange(n) + 0.5) / n * h - h / 2
        x, y = np.meshgrid(xs, ys)
        r2 = x * x + y * y + d * d
        return float(L * np.sum(d * d / (r2 * r2)) * (w / n) * (h / n))  # cos cos' / r^2 dA
    if t == "dome":
        return L * math.pi
    raise ValueError(f"no irradiance rule for a {t} light")
