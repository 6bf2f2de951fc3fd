"""What a frame reader returns, and the choices every reader shares.

:class:`FrameData` (one object at one frame, as GPU-ready arrays), :class:`FrameLayout` (draw
layout, stored layout or points; one enumeration with one default for reading APIs and one for
players), the interpolation modes and :func:`lerp`. Both readers (:mod:`sdf.alembic.frames` for
whole-file reads, :mod:`sdf.alembic.playback_reader` for playback from the sample index) and every
consumer (the frame cache, the viewer, the DCC hosts) agree on them by importing them from here.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from sdf.alembic.topology import Topology


INTERPOLATIONS = ("nearest", "floor", "linear")


class FrameLayout(str, Enum):
    """How a frame's mesh arrays are laid out; every reader, the cache, its prefetcher and the DCC feed
    take one. A ``str`` enum: ``"draw"`` and ``FrameLayout.DRAW`` are the same argument, the same
    cache key (equal, with the same hash) and print the same.

    - ``DRAW``: triangles with seams split, positions and normals gathered per draw vertex:
      GPU-ready as they are (Maya's Viewport 2.0 proxies). The default, :data:`DEFAULT_LAYOUT`.
    - ``POINTS``: Alembic's own points and polygons, for hosts whose meshes are points plus
      polygons (Blender, Houdini): no gather, no triangulation, no seam split.
    - ``STORED``: positions and normals as the file stores them (equal samples shared, zero-copy
      when mapped) with the draw topology that says how to gather them: what a player reads
      (:data:`PLAYER_LAYOUT`), the gather being the GPU's.
    """

    DRAW = "draw"
    POINTS = "points"
    STORED = "stored"

    __str__ = str.__str__
    __format__ = str.__format__
    __hash__ = str.__hash__


#: The layout of every ``layout`` argument left out: the readers, the frame cache, the prefetcher,
#: the DCC feed and a host that does not choose.
DEFAULT_LAYOUT = FrameLayout.DRAW
#: What a player reads (the viewer, ``sdf play``): samples shared between frames, gathered on the GPU.
#: It asks for it by name, its prefetcher too, so the two spell the same cache keys.
PLAYER_LAYOUT = FrameLayout.STORED
LAYOUTS = tuple(FrameLayout)


@dataclass
class FrameData:
    """One object at one frame, ready to upload."""

    object_path: str
    frame: float
    sample: int
    kind: str                   # "mesh", "curves", "points", "xform", "camera"
    positions: np.ndarray       # float32 (n, 3) C-contiguous
    normals: np.ndarray | None  # float32 (n, 3) or None
    topology: Topology | None
    world: np.ndarray           # float64 (4, 4), row vectors
    widths: np.ndarray | None = None
    ids: np.ndarray | None = None
    velocities: np.ndarray | None = None
    #: Arrays that are one stored sample, possibly shared with other frames: (name, digest, bytes).
    #: A cache counts each digest once (see :class:`sdf.alembic.playback_reader.PlaybackReader`).
    shared: tuple = ()

    @property
    def nbytes(self) -> int:
        """Bytes of per-frame data (topology is counted separately, once)."""
        return sum(a.nbytes for a in (self.positions, self.normals, self.widths, self.ids, self.velocities, self.world)
                   if a is not None)

    @property
    def own_nbytes(self) -> int:
        """Bytes of this frame's data that belong to it alone (not in :attr:`shared`)."""
        return self.nbytes - sum(n for _, _, n in self.shared)


    @property
    def empty(self) -> bool:
        return len(self.positions) == 0


def exception_reason(exc: BaseException) -> str:
    """The first line of a library exception, or its type when it carries no message."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def lerp(a: np.ndarray, b: np.ndarray, w: float) -> np.ndarray:
    out = np.empty_like(a)
    np.multiply(a, 1.0 - w, out=out)
    out += b * w
    return out


