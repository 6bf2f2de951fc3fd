"""Options shared by every adapter, and all-or-nothing output.

Every converter writes into a *staging* folder beside the output and moves the results into
place only when everything succeeded, so a failed or interrupted conversion leaves nothing
behind and never replaces a file the user had (unless ``force`` was given, and then only at
the very end).
"""
from __future__ import annotations

import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from sdf.errors import SdfError


class ConvertError(SdfError):
    """A conversion that cannot be done (bad input, unsupported request)."""


@dataclass
class ConvertOptions:
    frames: tuple[int, int] | None = None      # inclusive frame range to convert; None: everything
    fps: float | None = None                   # override the frame rate
    up_axis: str | None = None                 # "Y" or "Z": convert to this up axis
    meters_per_unit: float | None = None       # convert to these units
    flatten: bool = False                      # SDF -> USD: one flattened layer instead of a layer stack
    force: bool = False                        # replace existing outputs
    department: str | None = None              # SDF -> USD: lock every other department's layer
    progress: Callable[[str, int, int], None] | None = None
    warnings: list[str] = field(default_factory=list)
    skel_baked: bool = False                   # set by the USD readers when UsdSkel animation was baked
    allow_empty: bool = False                  # USD -> Alembic: write an archive even with no geometry
    clip_frames: int | None = None             # Alembic -> USD: frames per value clip; 0: one layer; None: auto
    jobs: int | None = None                    # value clips written at once (worker processes); None: 1
    # USD -> Alembic: "instance" writes instanced prims and PointInstancer instances as Alembic instances
    # of one written copy; "expand" writes a copy per instance; "points" also writes PointInstancers as
    # points with ids, orientations, scales and prototype indices (their prototypes written once).
    instances: str = "instance"
    every_frame: bool = False                  # USD -> Alembic: a sample at every frame of the range, not the stage's codes
    # USD -> Alembic: which purposes beside "default" are written: "render" (what a renderer draws), "proxy"
    # (what a viewport draws), or "all" (render, proxy and guide). What is left out is named in a warning.
    purpose: str = "render"

    #: The fields a child process needs to redo these options (the callback and the findings stay here).
    _PORTABLE = ("frames", "fps", "up_axis", "meters_per_unit", "flatten", "force", "department", "allow_empty",
                 "clip_frames", "jobs", "instances", "every_frame", "purpose")

    def to_json(self) -> dict:
        """The options as JSON, for a conversion run in a child process (see ``isolated``)."""
        return {k: getattr(self, k) for k in self._PORTABLE}

    @classmethod
    def from_json(cls, data: dict) -> "ConvertOptions":
        kw = {k: data[k] for k in cls._PORTABLE if k in data}
        if kw.get("frames") is not None:
            kw["frames"] = tuple(kw["frames"])
        return cls(**kw)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def tick(self, what: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(what, done, total)

    def in_range(self, frame: float) -> bool:
        return self.frames is None or (self.frames[0] - 1e-6 <= frame <= self.frames[1] + 1e-6)


def axis_matrix(source_up: str, target_up: str) -> np.ndarray:
    """Row-vector matrix taking a ``source_up`` scene to ``target_up`` (Y-up <-> Z-up, right-handed)."""
    m = np.identity(4)
    if source_up == target_up:
        return m
    c, s = 0.0, 1.0
    if source_up == "Y" and target_up == "Z":   # rotate +90 degrees about X: Y goes to Z
        m[1, 1], m[1, 2], m[2, 1], m[2, 2] = c, s, -s, c
    elif source_up == "Z" and target_up == "Y":  # rotate -90 degrees about X: Z goes to Y
        m[1, 1], m[1, 2], m[2, 1], m[2, 2] = c, -s, s, c
    else:
        raise ConvertError(f"cannot convert up axis {source_up} to {target_up}")
    return m


def units_matrix(source_mpu: float, target_mpu: float) -> np.ndarray:
    scale = source_mpu / target_mpu
    if not math.isfinite(scale) or scale <= 0:
        raise ConvertError("meters per unit must be positive")
    m = np.identity(4)
    m[0, 0] = m[1, 1] = m[2, 2] = scale
    return m


class Staging:
    """A temporary folder next to the output; ``commit`` moves its files into place, else nothing remains."""

    #: Called with each new staging folder. A conversion run in a child process reports them to its
    #: parent this way, so that a child killed by a signal (no ``finally`` runs) leaves nothing behind.
    created_hooks: list[Callable[[str], None]] = []

    def __init__(self, output: str, force: bool):
        self.output = os.path.abspath(output)
        parent = os.path.dirname(self.output)
        if not os.path.isdir(parent):
            raise ConvertError("output directory does not exist", parent)
        self.force = force
        self.dir = tempfile.mkdtemp(prefix=".sdf-convert-", dir=parent)
        for hook in self.created_hooks:
            hook(self.dir)
        self.planned: list[tuple[str, str]] = []
        self.replaceable: set[str] = set()  # outputs that are caches: replaced without --force

    def path(self, final: str) -> str:
        """Where to write ``final`` (an absolute path inside the output's folder) while staging."""
        final = os.path.abspath(final)
        rel = os.path.relpath(final, os.path.dirname(self.output))
        staged = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(staged), exist_ok=True)
        self.planned.append((staged, final))
        return staged

    def directory(self, final: str) -> str:
        """Where to write the folder ``final`` while staging. It is committed whole: with ``force`` an
        existing folder of that name is replaced, never merged (no stale file of an earlier run stays)."""
        final = os.path.abspath(final)
        staged = os.path.join(self.dir, os.path.relpath(final, os.path.dirname(self.output)))
        os.makedirs(staged, exist_ok=True)
        self.planned.append((staged, final))
        return staged

    def check_targets(self, finals: list[str]) -> None:
        for final in finals:
            if os.path.exists(final) and not self.force:
                raise ConvertError("output exists (use --force to replace it)", final)

    def commit(self) -> list[str]:
        done = []
        for staged, final in self.planned:
            if not os.path.exists(staged):
                continue
            if os.path.exists(final) and not self.force and final not in self.replaceable:
                raise ConvertError("output exists (use --force to replace it)", final)
            os.makedirs(os.path.dirname(final), exist_ok=True)
            if os.path.isdir(staged) and os.path.isdir(final) and not os.path.islink(final):
                os.replace(final, tempfile.mkdtemp(prefix="replaced-", dir=self.dir))  # removed by discard
            os.replace(staged, final)
            done.append(final)
        self.discard()
        return done

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.discard()
        return False


def usd_safe_name(name: str) -> str:
    """A valid USD prim name from any string."""
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    if not out or out[0].isdigit():
        out = "_" + out
    return out
