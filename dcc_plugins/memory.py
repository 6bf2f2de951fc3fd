"""The reference host: "native" nodes are dictionaries, native geometry is Alembic plus a deformer.

It implements :class:`~.host.HostAdapter` with no DCC at all, so the whole session logic
(planning, drawing from the frame cache, diffing, refusals, publishing, baking, update,
resume from a saved record) is tested in plain Python; the Blender tests then show the same
behaviour in a real host. Scripts can use it too, e.g. to publish records edited by a tool
that is not a DCC. An "artist" edits it by changing :attr:`MemoryHost.nodes` (records),
:attr:`proxies` (what a proxy holds) or :attr:`deformers` (a function applied to native
geometry's points per frame).

It is also the template a new host (3ds Max, Unreal, Katana...) starts from: it fills the same
contract the same way the real hosts do (``@register_host``, a :class:`~.host.Codec` per record
kind in its ``codecs`` table, the mandatory methods), only its native nodes are dictionaries.
See ``README.md`` in this folder.
"""
from __future__ import annotations

import copy
import json
from typing import Callable, Iterable, Iterator

import numpy as np

from sdf.alembic.frame_data import FrameData, FrameLayout

from .host import BakedFrame, Codec, HostAdapter, ProxyState, register_host
from .plan import GeometryItem, SceneSettings


def mesh_arrays(data: FrameData) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Points, face counts and face indices (Alembic's clockwise order) of a frame read in the
    reader's point layout; no counts or indices for points."""
    t = data.topology
    if t is None or t.kind != "polygons":
        return data.positions, None, None
    return data.positions, t.face_counts, t.indices


def read_alembic_mesh(path: str, object_path: str, frame: float, fps: float):
    """:func:`mesh_arrays` of a PolyMesh, SubD or points object at ``frame`` (nearest sample), read through
    the process-wide frame cache's reader: the Alembic library never runs in the host's process."""
    from .feed import frame_cache

    return mesh_arrays(frame_cache().reader(path).read(object_path, frame, fps, layout=FrameLayout.POINTS))


# -- record kinds: one codec per kind ------------------------------------------------------------
# A real host writes a build/read pair per kind that turns records into its own nodes (a light
# record into a light, its keys into animation curves) and back: see blender/record_nodes.py and
# blender/lights.py. Here the native node of a record is a copy of the record, kept by path in
# ``host.nodes[kind]``, and whether the artist may edit the kind in ``host.editable[kind]``; so every
# kind's pair is the same, made by this function.

def dict_codec(kind: str) -> Codec:
    """The memory host's codec of ``kind``: its records are stored as copies, by path."""

    def build(host: "MemoryHost", records: list[dict], editable: bool) -> None:
        host.nodes[kind] = {r["path"]: copy.deepcopy(r) for r in records}
        host.editable[kind] = editable

    def read(host: "MemoryHost") -> list[dict]:
        return [copy.deepcopy(r) for r in host.nodes.get(kind, {}).values()]

    build.__qualname__, read.__qualname__ = f"build_{kind}", f"read_{kind}"
    return Codec(build=build, read=read)


@register_host
class MemoryHost(HostAdapter):
    name = "memory"
    #: Every record kind is held (a host that cannot hold one says so with ``OptOut("why")``).
    codecs = {
        "placement": dict_codec("placement"),
        "materials": dict_codec("materials"),
        "fx": dict_codec("fx"),
        "lights": dict_codec("lights"),
        "cameras": dict_codec("cameras"),
        "layout": dict_codec("layout"),
    }

    def __init__(self):
        self.settings: SceneSettings | None = None
        self.frame: float = 1.0
        self.nodes: dict[str, dict[str, dict]] = {}
        self.editable: dict[str, bool] = {}
        self.proxies: dict[str, dict] = {}
        self.native: dict[str, GeometryItem] = {}
        self.deformers: dict[str, Callable[[float, np.ndarray], np.ndarray]] = {}
        self.shown = 0
        self.messages: list[tuple[str, str]] = []
        self._record: str | None = None

    def apply_settings(self, settings: SceneSettings) -> None:
        self.settings = settings
        self.frame = float(settings.frame_start)

    def current_frame(self) -> float:
        return self.frame

    def build_geometry(self, items: list[GeometryItem]) -> None:
        wanted = {g.path for g in items if g.is_proxy}
        for path in [p for p in self.proxies if p not in wanted]:
            del self.proxies[path]
        for g in items:
            if g.is_proxy:
                self.proxies[g.path] = {"item": g, "matrix": None, "positions": None, "frame": None}
            elif g.path not in self.native:
                self.native[g.path] = g

    def show_frame(self, item: GeometryItem, data: FrameData) -> None:
        p = self.proxies.get(item.path)
        if p is None:
            return
        p["matrix"] = tuple(float(v) for v in np.asarray(data.world).reshape(-1))
        p["positions"] = np.array(data.positions)
        p["frame"] = data.frame
        self.shown += 1

    def proxy_state(self, item: GeometryItem) -> ProxyState | None:
        p = self.proxies.get(item.path)
        if p is None:
            return None
        return ProxyState(p["matrix"], p["positions"], p["frame"] if p["frame"] is not None else self.frame)

    def geometry_signature(self, item: GeometryItem) -> str:
        fn = self.deformers.get(item.path)
        return "" if fn is None else f"{getattr(fn, '__qualname__', 'deformer')}@{id(fn)}"

    def bake_geometry(self, item: GeometryItem, frames: Iterable[float]) -> Iterator[BakedFrame]:
        fn = self.deformers.get(item.path)
        fps = self.settings.fps if self.settings else 24.0
        from sdf.alembic.frames import AlembicReader

        reader = AlembicReader(item.file)
        for f in frames:
            data = reader.read(item.object, f, fps, layout=FrameLayout.POINTS)
            pos, counts, idx = mesh_arrays(data)
            world = data.world  # the object's own Alembic transforms
            pos = (pos @ world[:3, :3] + world[3, :3]).astype(np.float32)
            if fn is not None:
                pos = np.asarray(fn(f, pos), dtype=np.float32)
            yield BakedFrame(float(f), pos, counts, idx)

    def save_record(self, record: dict) -> None:
        self._record = json.dumps(record)  # as a host stores it: text in the scene file

    def load_record(self) -> dict | None:
        return None if self._record is None else json.loads(self._record)

    def report(self, level: str, message: str) -> None:
        self.messages.append((level, message))
