"""The one interface every DCC host implements.

In the manner of Cortex's ``SceneInterface``: a small abstract class, one implementation per
host (:mod:`sdf.dcc_plugins.blender`, ``maya``, ``houdini``; :mod:`.memory` is the reference
implementation that keeps "native" state in dictionaries). A host only translates: records
(:mod:`.records`) to native nodes and back, frame buffers to what its viewport draws, native
geometry to baked frames. It decides nothing: which elements are proxies, what changed, who
owns it and what gets published are the core's (:mod:`.session`), so they behave the same in
every host and are tested without one.

Matrices cross this interface in the documents' convention: 16 floats, row-major, row
vectors (translation in 12..14), in shot space (the shot's up axis and units). Converting to
the host's axis and matrix convention is the host's business.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from sdf.alembic.frame_data import DEFAULT_LAYOUT, FrameData, FrameLayout

from .plan import GeometryItem, SceneSettings


@dataclass
class ProxyState:
    """What the host holds for a proxy now: its matrix below its leaf node and its points."""

    matrix: tuple[float, ...]          # local, row vectors (the Alembic object's own transform)
    positions: np.ndarray | None       # (n, 3) float32 as drawn, or None when the host cannot say
    frame: float                       # the frame those positions are for


@dataclass
class BakedFrame:
    """Native geometry evaluated at one frame, in the leaf's space (below its model-tree node).

    Polygons are in Alembic's order (clockwise, as Maya writes); a host whose meshes are
    counter-clockwise reverses each polygon's corners.
    """

    frame: float
    positions: np.ndarray              # (n, 3) float32
    face_counts: np.ndarray | None     # (f,) int32; None for points
    face_indices: np.ndarray | None    # (sum(face_counts),) int32
    uvs: np.ndarray | None = None      # (sum(face_counts), 2) float32 face-varying, optional


class HostAdapter(ABC):
    """A DCC host seen by the core. See the module docstring."""

    #: A short name for messages ("blender", "maya", "houdini", "memory").
    name = "host"
    #: The frame layout proxies are fed in (:class:`sdf.alembic.frame_data.FrameLayout`): DRAW (triangles, seams
    #: split: GPU-ready) or POINTS (Alembic's points and polygons: what a DCC mesh holds).
    layout: FrameLayout = DEFAULT_LAYOUT

    # -- the scene -------------------------------------------------------------------------
    @abstractmethod
    def apply_settings(self, settings: SceneSettings) -> None:
        """Frame range, rate, up axis and units of the host scene follow the shot."""

    @abstractmethod
    def current_frame(self) -> float:
        """The host's current frame."""

    # -- records: native nodes for lights, cameras, placement... -------------------------------
    #: The scene settings the host follows (set by :meth:`apply_settings`, or read back from the record).
    settings: SceneSettings | None = None

    def build_records(self, kind: str, records: list[dict], editable: bool) -> None:
        """Create (or replace) the native nodes of one record kind. ``editable`` False: lock them.

        Dispatches to the host's ``_build_<kind>(records, editable)``."""
        self._ensure_settings()
        getattr(self, f"_build_{kind}")(records, editable)

    def read_records(self, kind: str) -> list[dict]:
        """The native nodes of one record kind, read back as records of the same shape.

        Dispatches to the host's ``_read_<kind>()``."""
        self._ensure_settings()
        return getattr(self, f"_read_{kind}")()

    def _ensure_settings(self) -> None:
        """A host created to resume a saved scene learns the shot's settings from the session record."""
        if self.settings is None:
            rec = self.load_record()
            if rec:
                self.settings = SceneSettings(**rec["settings"])

    def shade_materials(self, shading: dict[str, dict]) -> None:
        """Give each material reference its surface (:func:`.shading.material_shading`: base colour,
        metalness, roughness, emission, opacity) where the host renders shaders; the default ignores it."""

    # -- geometry: proxies and native geometry ----------------------------------------------
    @abstractmethod
    def build_geometry(self, items: list[GeometryItem]) -> None:
        """Create (or replace) one node per item below its leaf's placement node: a locked proxy
        for a read item, editable native geometry for an edit item."""

    @abstractmethod
    def show_frame(self, item: GeometryItem, data: FrameData) -> None:
        """Draw a proxy at a frame from the frame cache's buffers."""

    @abstractmethod
    def proxy_state(self, item: GeometryItem) -> ProxyState | None:
        """What the host holds for a proxy, for detecting edits; None if its node was deleted."""

    @abstractmethod
    def geometry_signature(self, item: GeometryItem) -> str:
        """A cheap fingerprint of native geometry and everything that deforms it (deformers, keys,
        point edits): the core bakes the items whose fingerprint changed since open or publish."""

    @abstractmethod
    def bake_geometry(self, item: GeometryItem, frames: Iterable[float]) -> Iterator[BakedFrame]:
        """Native geometry evaluated at each frame, one frame at a time."""

    # -- persistence --------------------------------------------------------------------------
    @abstractmethod
    def save_record(self, record: dict) -> None:
        """Store the session record (JSON-able) in the host's scene file."""

    @abstractmethod
    def load_record(self) -> dict | None:
        """The session record stored in the open scene, or None."""

    def begin_frame(self) -> None:
        """Called before the proxies are drawn for a frame (a host may index its nodes once)."""

    def end_frame(self) -> None:
        """Called after the proxies are drawn for a frame."""

    def report(self, level: str, message: str) -> None:
        """Tell the artist something ("info", "warning", "error"); hosts show it their way."""
