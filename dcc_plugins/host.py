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

**The contract.** A host provides the abstract methods (:data:`MANDATORY`; :data:`OPTIONAL` ones
have defaults) and, for every record kind of :mod:`.record_kinds`, a :class:`Codec` (a build
and a read function) or an explicit :class:`OptOut` with its reason, in its class's
:attr:`HostAdapter.codecs` table. :func:`register_host` checks that when the class is defined,
so a host that forgets a kind (say a kind added after it was written) fails loudly on import
with a :class:`HostContractError` naming host and kind, instead of an ``AttributeError`` in
the middle of an artist's Open. The codecs are plain functions of the host, in the manner of
Cortex's ``registerCustom*`` callbacks: each host package keeps them in ``record_nodes.py``
and ``lights.py``. ``README.md`` here says how to add a host.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterable, Iterator, Mapping, TypeVar

import numpy as np

from sdf.alembic.frame_data import DEFAULT_LAYOUT, FrameData, FrameLayout

from . import record_kinds
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


class HostContractError(TypeError):
    """A host class breaks the contract: a record kind with neither codec nor opt-out, a mandatory
    method missing, or a kind it opted out of asked for anyway. A programming error of the host's
    author, raised where the class is defined."""


@dataclass(frozen=True)
class Codec:
    """How one host holds one record kind: ``build(host, records, editable)`` creates (or replaces)
    the kind's native nodes from records, locked unless ``editable``; ``read(host)`` reads them back
    as records of the same shape (:mod:`.records`), which the core diffs against what was built."""

    build: Callable[..., None]
    read: Callable[..., list[dict[str, Any]]]


@dataclass(frozen=True)
class OptOut:
    """A host that does not hold a record kind, and why (shown to the artist at Open). The session
    neither builds nor reads the kind in that host, so its data is neither shown nor publishable
    there, and nothing is mistaken for a deletion."""

    reason: str


#: The methods a host must implement (abstract below).
MANDATORY = ("apply_settings", "current_frame", "build_geometry", "show_frame", "proxy_state",
             "geometry_signature", "bake_geometry", "save_record", "load_record")
#: The methods a host may override; the defaults do nothing (``report`` prints).
OPTIONAL = ("shade_materials", "begin_frame", "end_frame", "report")
#: The hosts defined so far in this process, by name (filled by :func:`register_host`).
HOSTS: dict[str, type["HostAdapter"]] = {}

H = TypeVar("H", bound="HostAdapter")


def check_host(cls: type["HostAdapter"]) -> None:
    """Raise :class:`HostContractError` unless ``cls`` implements every mandatory method and declares a
    codec or an opt-out for every record kind (and nothing else)."""
    who = f"host {cls.name!r} ({cls.__module__}.{cls.__qualname__})"
    missing = sorted(getattr(cls, "__abstractmethods__", ()))
    if missing:
        raise HostContractError(f"{who} does not implement {', '.join(missing)} (mandatory for every host)")
    if cls.name == HostAdapter.name:
        raise HostContractError(f"{who} needs a name of its own (the 'name' class attribute)")
    table = cls.codecs
    for kind in record_kinds.NAMES:
        entry = table.get(kind)
        if entry is None:
            raise HostContractError(f"{who} declares nothing for record kind {kind!r}: give its codecs a "
                                    f"Codec(build=..., read=...) for it, or OptOut('why not')")
        if isinstance(entry, Codec):
            if not (callable(entry.build) and callable(entry.read)):
                raise HostContractError(f"{who}: the codec of record kind {kind!r} needs a callable build and read")
        elif isinstance(entry, OptOut):
            if not (isinstance(entry.reason, str) and entry.reason.strip()):
                raise HostContractError(f"{who} opts out of record kind {kind!r} without saying why")
        else:
            raise HostContractError(f"{who}: record kind {kind!r} is declared as {entry!r}, "
                                    "neither a Codec nor an OptOut")
    unknown = sorted(set(table) - set(record_kinds.NAMES))
    if unknown:
        raise HostContractError(f"{who} declares codecs for {', '.join(unknown)}, which are no record kinds "
                                f"(the kinds are {', '.join(record_kinds.NAMES)})")


def register_host(cls: type[H]) -> type[H]:
    """Class decorator of every host: checks the contract (:func:`check_host`) as the class is
    defined and lists the host in :data:`HOSTS`."""
    check_host(cls)
    HOSTS[cls.name] = cls
    return cls


class HostAdapter(ABC):
    """A DCC host seen by the core. See the module docstring."""

    #: A short name for messages ("blender", "maya", "houdini", "memory").
    name = "host"
    #: Record kind -> :class:`Codec` or :class:`OptOut`, one entry per name of :data:`.record_kinds.NAMES`.
    codecs: ClassVar[Mapping[str, Codec | OptOut]] = {}
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

    def holds(self, kind: str) -> bool:
        """Whether this host holds record kind ``kind`` (it has a codec, not an opt-out)."""
        return isinstance(type(self).codecs.get(kind), Codec)

    def opt_out(self, kind: str) -> OptOut | None:
        """Why this host does not hold ``kind``, or None if it does."""
        entry = type(self).codecs.get(kind)
        return entry if isinstance(entry, OptOut) else None

    def codec(self, kind: str) -> Codec:
        """The codec of ``kind``; asking for a kind the host opted out of is a programming error."""
        entry = type(self).codecs.get(kind)
        if not isinstance(entry, Codec):
            why = f"opts out of it: {entry.reason}" if isinstance(entry, OptOut) else "declares no codec for it"
            raise HostContractError(f"host {self.name!r} cannot hold record kind {kind!r}: it {why}")
        return entry

    def build_records(self, kind: str, records: list[dict[str, Any]], editable: bool) -> None:
        """Create (or replace) the native nodes of one record kind. ``editable`` False: lock them."""
        codec = self.codec(kind)
        self._ensure_settings()
        codec.build(self, records, editable)

    def read_records(self, kind: str) -> list[dict[str, Any]]:
        """The native nodes of one record kind, read back as records of the same shape."""
        codec = self.codec(kind)
        self._ensure_settings()
        return codec.read(self)

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
