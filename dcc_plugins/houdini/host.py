"""The Houdini host: :class:`~sdf.dcc_plugins.host.HostAdapter` in terms of ``hou``.

Translation only; the session core decides everything. What a session builds, all inside
one subnet ``/obj/sdf_<shot>`` whose transform turns a Z-up shot to Houdini's Y up and scales
shot units to metres:

- a ``null`` per model-tree node (placement), wired as the tree;
- below each leaf, a ``geo`` node holding one **packed Alembic primitive** (``AlembicRef``,
  created from Python by a Python SOP with the file, object path and time), so Houdini loads
  the geometry lazily and cannot edit it; the node's parameters are locked and it cannot be
  picked in the viewport. The department's own geometry is an editable ``geo`` with an
  Alembic SOP (unpacked), baked back at publish;
- lights as ``hlight::2.0`` nodes (Houdini lights have exposure natively), a dome as an
  ``envlight``; cameras as ``cam`` nodes keyed per frame; layout proxies as ``box`` SOPs.

Every node carries ``sdf_path`` and ``sdf_role`` user data: they identify it, not its name.
Matrices: ``hou.Matrix4`` is row-major with row vectors, like the documents. The session
record lives in the root subnet's user data and is saved with the ``.hip``.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable, Iterator, Sequence

import hou
import numpy as np

from ..bake import winding_order
from ..host import BakedFrame, HostAdapter, ProxyState
from ..plan import GeometryItem, SceneSettings
from sdf.alembic.frame_data import FrameData, FrameLayout

RECORD_KEY = "sdf_session"
_LIGHT_TYPES = {"distant": "distant", "point": "point", "sphere": "sphere", "spot": "point", "rect": "grid",
                "disk": "disk"}
_XFORM_PARMS = ("t", "r", "s", "shear", "scale", "p", "pr")
_IDENTITY = (1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0)


def _m4(values: Sequence[float] | None) -> hou.Matrix4:
    return hou.Matrix4([float(v) for v in (values if values is not None else _IDENTITY)])


def _flat(m: hou.Matrix4) -> list[float]:
    return [float(v) for v in m.asTuple()]


def _lock(node: hou.OpNode, locked: bool) -> None:
    for name in _XFORM_PARMS:
        tup = node.parmTuple(name)
        if tup is not None:
            tup.lock(tuple(locked for _ in range(len(tup))))
    if isinstance(node, hou.ObjNode):
        node.setSelectableInViewport(not locked)


def _parm(node: hou.OpNode, name: str) -> hou.Parm:
    p = node.parm(name)
    if p is None:
        raise hou.OperationFailed(f"{node.path()} has no parameter '{name}'")
    return p


def _tuple(node: hou.OpNode, name: str) -> hou.ParmTuple:
    p = node.parmTuple(name)
    if p is None:
        raise hou.OperationFailed(f"{node.path()} has no parameter '{name}'")
    return p


def _key(parm: hou.Parm, frame: float, value: float) -> None:
    k = hou.Keyframe(value, hou.frameToTime(frame))
    k.setExpression("linear()")
    parm.setKeyframe(k)


def _key_times(node: hou.OpNode, names: Iterable[str]) -> list[float]:
    times: set[float] = set()
    for name in names:
        tup = node.parmTuple(name)
        for p in (tup if tup is not None else ()):
            times.update(hou.timeToFrame(k.time()) for k in p.keyframes())
    return sorted(times)


def _key_matrix(node: hou.ObjNode, m: Sequence[float], frame: float) -> None:
    parts = _m4(m).explode(transform_order="srt", rotate_order="xyz")
    for name, values in (("t", parts["translate"]), ("r", parts["rotate"]), ("s", parts["scale"])):
        for p, v in zip(_tuple(node, name), values):
            _key(p, frame, float(v))


def _matrix_at(node: hou.ObjNode, frame: float) -> list[float]:
    """The node's parameter transform at ``frame`` (evaluated from its keys)."""
    t = _tuple(node, "t").evalAsFloatsAtFrame(frame)
    r = _tuple(node, "r").evalAsFloatsAtFrame(frame)
    s = _tuple(node, "s").evalAsFloatsAtFrame(frame)
    return _flat(hou.hmath.buildTransform({"translate": t, "rotate": r, "scale": s}, "srt", "xyz"))


class HoudiniHost(HostAdapter):
    """The session's nodes in the open Houdini scene."""

    name = "houdini"
    layout = FrameLayout.POINTS  # packed Alembic primitives read the archive themselves; checks use point layout

    def __init__(self) -> None:
        self.settings: SceneSettings | None = None

    # -- nodes ----------------------------------------------------------------------------------
    def root(self) -> hou.ObjNode:
        obj = hou.node("/obj")
        assert obj is not None
        for child in obj.children():
            if child.userData("sdf_role") == "root" and isinstance(child, hou.ObjNode):
                return child
        name = f"sdf_{self.settings.name if self.settings else 'shot'}"
        root = obj.createNode("subnet", name)
        assert isinstance(root, hou.ObjNode)
        root.setUserData("sdf_role", "root")
        root.setUserData("sdf_path", "/")
        return root

    def nodes(self, role: str) -> dict[str, hou.ObjNode]:
        out: dict[str, hou.ObjNode] = {}
        for node in self.root().allSubChildren():
            if isinstance(node, hou.ObjNode) and node.userData("sdf_role") == role:
                out[node.userData("sdf_path") or ""] = node
        return out

    def _new(self, type_name: str, name: str, role: str, path: str, parent: hou.ObjNode | None) -> hou.ObjNode:
        node = self.root().createNode(type_name, name.replace("/", "_") or "node", force_valid_node_name=True)
        assert isinstance(node, hou.ObjNode)
        node.setUserData("sdf_role", role)
        node.setUserData("sdf_path", path)
        if parent is not None and parent != self.root():
            node.setFirstInput(parent)
        return node

    # -- the scene --------------------------------------------------------------------------------
    def apply_settings(self, settings: SceneSettings) -> None:
        self.settings = settings
        hou.setFps(settings.fps)
        hou.playbar.setFrameRange(settings.frame_start, settings.frame_end)
        hou.playbar.setPlaybackRange(settings.frame_start, settings.frame_end)
        hou.setFrame(settings.frame_start)
        root = self.root()
        _lock(root, False)
        _tuple(root, "r").set((-90.0 if settings.up_axis == "Z" else 0.0, 0.0, 0.0))
        _parm(root, "scale").set(settings.meters_per_unit)  # Houdini's unit is the metre
        _lock(root, True)

    def current_frame(self) -> float:
        return hou.frame()


    # -- records ----------------------------------------------------------------------------------
    # (build_records / read_records dispatch to the _build_<kind> / _read_<kind> below)

    def _build_placement(self, records: list[dict[str, Any]], editable: bool) -> None:
        wanted = {r["path"] for r in records}
        for path, node in self.nodes("node").items():
            if path not in wanted:
                node.destroy()
        for r in records:
            nodes = self.nodes("node")
            node = nodes.get(r["path"]) or self._new("null", r["name"], "node", r["path"],
                                                     nodes.get(r["parent"] or ""))
            _lock(node, False)
            node.setParmTransform(_m4(r["transform"]))
            node.setDisplayFlag(bool(r["visible"]))
            node.setUserData("sdf_name", r["name"])
            node.setUserData("sdf_leaf", "1" if r["leaf"] else "0")
            _lock(node, not editable)

    def _parent_path(self, node: hou.Node) -> str | None:
        inputs = node.inputs()
        parent = inputs[0] if inputs else None
        path = parent.userData("sdf_path") if parent is not None else None
        return None if path in (None, "/") else path

    def _read_placement(self) -> list[dict[str, Any]]:
        return [{"path": path, "parent": self._parent_path(node), "leaf": node.userData("sdf_leaf") == "1",
                 "name": node.userData("sdf_name") or node.name(), "transform": _flat(node.parmTransform()),
                 "visible": node.isDisplayFlagSet()} for path, node in self.nodes("node").items()]

    def _leaf_geometry(self) -> dict[str, hou.ObjNode]:
        return {**self.nodes("proxy"), **self.nodes("geometry")}

    def _build_materials(self, records: list[dict[str, Any]], editable: bool) -> None:
        geo = self._leaf_geometry()
        for r in records:
            node = geo.get(r["path"])
            if node is None:
                continue
            node.setUserData("sdf_material", r["material"] or "")
            parm = node.parm("shop_materialpath")
            if parm is not None:
                parm.lock(False)
                parm.set(self._material(r["material"]) if r["material"] else "")
                parm.lock(not editable)

    def _material(self, ref: str) -> str:
        """A material node per reference in /mat, holding the reference (Houdini assigns by node path)."""
        mat = hou.node("/mat")
        assert mat is not None
        for child in mat.children():
            if child.userData("sdf_material") == ref:
                return child.path()
        node = mat.createNode("principledshader::2.0", ref.rsplit("#", 1)[-1] or "material",
                              force_valid_node_name=True)
        node.setUserData("sdf_material", ref)
        return node.path()

    def _read_materials(self) -> list[dict[str, Any]]:
        out = []
        for path, node in self._leaf_geometry().items():
            if node.userData("sdf_material") is None:
                continue
            parm = node.parm("shop_materialpath")
            target = hou.node(str(parm.eval())) if parm is not None and parm.eval() else None
            ref = (target.userData("sdf_material") or target.path()) if target is not None else None
            out.append({"path": path, "material": ref})
        return out

    def _build_fx(self, records: list[dict[str, Any]], editable: bool) -> None:
        nodes = self.nodes("node")
        for r in records:
            if r["path"] in nodes:
                nodes[r["path"]].setUserData("sdf_effects", json.dumps(list(r["effects"])))

    def _read_fx(self) -> list[dict[str, Any]]:
        return [{"path": p, "effects": json.loads(n.userData("sdf_effects") or "[]")}
                for p, n in self.nodes("node").items() if n.userData("sdf_effects") is not None]

    # lights
    def _build_lights(self, records: list[dict[str, Any]], editable: bool) -> None:
        for role in ("light", "light_group"):
            for node in self.nodes(role).values():
                node.destroy()
        made: dict[str, hou.ObjNode] = {}
        for r in records:
            data = r["data"]
            parent = made.get(r["parent"] or "")
            if data["type"] == "group":
                node = self._new("null", data["name"], "light_group", r["path"], parent)
            elif data["type"] == "dome":
                node = self._new("envlight", data["name"], "light", r["path"], parent)
                if r.get("texture_file"):
                    _parm(node, "env_map").set(str(r["texture_file"]))
                    node.setUserData("sdf_texture_file", str(r["texture_file"]))
            else:
                node = self._new("hlight::2.0", data["name"], "light", r["path"], parent)
                _parm(node, "light_type").set(_LIGHT_TYPES[data["type"]])
                if data["type"] == "spot":
                    _parm(node, "coneenable").set(1)
                    _parm(node, "coneangle").set(2.0 * float(data.get("cone_angle", 45.0)))
                    _parm(node, "conedelta").set(float(data.get("cone_softness") or 0.0) * 10.0)
                if data["type"] in ("rect", "disk"):
                    w = float(data.get("width", 2.0 * float(data.get("radius") or 0.5)))
                    h = float(data.get("height", w))
                    _tuple(node, "areasize").set((w, h))
            if data["type"] != "group":
                self._light_values(node, data)
            node.setUserData("sdf_data", json.dumps(data))
            anim = data.get("animation") or {}
            if anim.get("transform"):
                for key in anim["transform"]:
                    _key_matrix(node, key[1:], float(key[0]))
            else:
                node.setParmTransform(_m4(data.get("transform")))
            node.setDisplayFlag(bool(data.get("visible", True)))
            _lock(node, not editable)
            made[r["path"]] = node

    def _light_values(self, node: hou.ObjNode, data: dict[str, Any]) -> None:
        _tuple(node, "light_color").set(tuple(float(c) for c in data.get("color", (1.0, 1.0, 1.0))))
        _parm(node, "light_intensity").set(float(data.get("intensity", 1.0)))
        _parm(node, "light_exposure").set(float(data.get("exposure", 0.0)))
        anim = data.get("animation") or {}
        for key in anim.get("intensity", ()):
            _key(_parm(node, "light_intensity"), float(key[0]), float(key[1]))
        for key in anim.get("color", ()):
            for p, v in zip(_tuple(node, "light_color"), key[1:4]):
                _key(p, float(key[0]), float(v))

    def _read_lights(self) -> list[dict[str, Any]]:
        out = []
        for role in ("light_group", "light"):
            for path, node in self.nodes(role).items():
                data = json.loads(node.userData("sdf_data") or "{}")
                anim = dict(data.get("animation") or {})
                times = _key_times(node, ("t", "r", "s"))
                if times:
                    anim["transform"] = [[t, *_matrix_at(node, t)] for t in times]
                else:
                    anim.pop("transform", None)
                    data["transform"] = _flat(node.parmTransform())
                data["visible"] = node.isDisplayFlagSet()
                if role == "light":
                    self._read_light_values(node, data, anim)
                if anim:
                    data["animation"] = anim
                else:
                    data.pop("animation", None)
                rec: dict[str, Any] = {"path": path, "parent": self._parent_path(node), "data": data}
                if node.userData("sdf_texture_file"):
                    rec["texture_file"] = node.userData("sdf_texture_file")
                out.append(rec)
        return out

    def _read_light_values(self, node: hou.ObjNode, data: dict[str, Any], anim: dict[str, Any]) -> None:
        intensity = _parm(node, "light_intensity")
        if intensity.keyframes():
            anim["intensity"] = [[hou.timeToFrame(k.time()), intensity.evalAsFloatAtFrame(hou.timeToFrame(k.time()))]
                                 for k in intensity.keyframes()]
        else:
            anim.pop("intensity", None)
            data["intensity"] = intensity.evalAsFloat()
        colour = _tuple(node, "light_color")
        times = _key_times(node, ("light_color",))
        if times:
            anim["color"] = [[t, *colour.evalAsFloatsAtFrame(t)] for t in times]
        else:
            anim.pop("color", None)
            data["color"] = list(colour.evalAsFloats())
        data["exposure"] = _parm(node, "light_exposure").evalAsFloat()
        if data["type"] == "spot":
            data["cone_angle"] = _parm(node, "coneangle").evalAsFloat() / 2.0
            data["cone_softness"] = _parm(node, "conedelta").evalAsFloat() / 10.0
        elif data["type"] == "rect":
            data["width"], data["height"] = _tuple(node, "areasize").evalAsFloats()[:2]
        elif data["type"] == "disk":
            data["radius"] = _tuple(node, "areasize").evalAsFloats()[0] / 2.0

    # cameras
    def _build_cameras(self, records: list[dict[str, Any]], editable: bool) -> None:
        for node in self.nodes("camera").values():
            node.destroy()
        for r in records:
            if r["path"] == "/cameras":
                self.root().setUserData("sdf_shot_camera", r.get("shot_camera") or "")
                continue
            d = r["data"]
            node = self._new("cam", d["name"], "camera", r["path"], None)
            _parm(node, "focal").set(float(d["focal_length"]))
            _parm(node, "aperture").set(float(d["horizontal_aperture"]))
            _parm(node, "aspect").set(1.0)
            _tuple(node, "res").set((1920, max(1, int(round(1920 * d["vertical_aperture"] / d["horizontal_aperture"])))))
            _parm(node, "near").set(float(d["near_clip"]))
            _parm(node, "far").set(float(d["far_clip"]))
            _parm(node, "fstop").set(float(d["f_stop"]))
            _parm(node, "focus").set(float(d["focus_distance"]))
            node.setUserData("sdf_vertical_aperture", repr(float(d["vertical_aperture"])))
            samples = d["transform"]["samples"]
            start = float(d["transform"]["start"])
            if len(samples) > 1:
                for i, m in enumerate(samples):
                    _key_matrix(node, m, start + i)
            else:
                node.setParmTransform(_m4(samples[0] if samples else None))
                node.setUserData("sdf_start", repr(start))
            node.setUserData("sdf_metadata", json.dumps(d.get("metadata") or {}))
            _lock(node, not editable)

    def _read_cameras(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [{"path": "/cameras",
                                      "shot_camera": self.root().userData("sdf_shot_camera") or None}]
        for path, node in self.nodes("camera").items():
            times = _key_times(node, ("t", "r", "s"))
            if times:
                start, end = int(round(times[0])), int(round(times[-1]))
                samples = [_matrix_at(node, float(f)) for f in range(start, end + 1)]
            else:
                start = int(float(node.userData("sdf_start") or (self.settings.frame_start if self.settings else 1)))
                samples = [_flat(node.parmTransform())]
            h_ap = _parm(node, "aperture").evalAsFloat()
            res = _tuple(node, "res").evalAsFloats()
            v_ap = h_ap * res[1] / res[0] if res[0] else float(node.userData("sdf_vertical_aperture") or h_ap)
            stored = node.userData("sdf_vertical_aperture")
            if stored is not None and abs(float(stored) - v_ap) < 0.5 * h_ap / res[0]:
                v_ap = float(stored)  # the resolution rounds the aspect: keep the exact film back if it still fits
            d: dict[str, Any] = {"name": path.rsplit("/", 1)[-1], "focal_length": _parm(node, "focal").evalAsFloat(),
                                 "horizontal_aperture": h_ap, "vertical_aperture": v_ap,
                                 "near_clip": _parm(node, "near").evalAsFloat(),
                                 "far_clip": _parm(node, "far").evalAsFloat(),
                                 "f_stop": _parm(node, "fstop").evalAsFloat(),
                                 "focus_distance": _parm(node, "focus").evalAsFloat(),
                                 "transform": {"start": start, "samples": samples}}
            meta = json.loads(node.userData("sdf_metadata") or "{}")
            if meta:
                d["metadata"] = meta
            out.append({"path": path, "data": d})
        return out

    # layout
    def _build_layout(self, records: list[dict[str, Any]], editable: bool) -> None:
        for node in self.nodes("layout_proxy").values():
            node.destroy()
        for r in records:
            if r["path"] == "/layout":
                self.root().setUserData("sdf_layout_camera", r.get("shot_camera") or "")
                continue
            d = r["data"]
            b = [float(v) for v in d["bounds"]]
            node = self._new("geo", d["name"], "layout_proxy", r["path"], None)
            box = node.createNode("box", "bounds")
            _tuple(box, "size").set((b[3] - b[0], b[4] - b[1], b[5] - b[2]))
            _tuple(box, "t").set(((b[0] + b[3]) / 2, (b[1] + b[4]) / 2, (b[2] + b[5]) / 2))
            node.setParmTransform(_m4(d.get("transform")))
            node.setUserData("sdf_stands_for", d.get("stands_for") or "")
            _lock(node, not editable)
            for tup_name in ("size", "t"):
                tup = box.parmTuple(tup_name)
                if tup is not None:
                    tup.lock((not editable,) * len(tup))

    def _read_layout(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [{"path": "/layout",
                                      "shot_camera": self.root().userData("sdf_layout_camera") or None}]
        for path, node in self.nodes("layout_proxy").items():
            box = node.node("bounds")
            assert box is not None
            size = _tuple(box, "size").evalAsFloats()
            center = _tuple(box, "t").evalAsFloats()
            d: dict[str, Any] = {"name": path.rsplit("/", 1)[-1],
                                 "bounds": [center[i] - size[i] / 2 for i in range(3)]
                                 + [center[i] + size[i] / 2 for i in range(3)],
                                 "transform": _flat(node.parmTransform())}
            if node.userData("sdf_stands_for"):
                d["stands_for"] = node.userData("sdf_stands_for")
            out.append({"path": path, "data": d})
        return out

    # -- geometry ---------------------------------------------------------------------------------
    def build_geometry(self, items: list[GeometryItem]) -> None:
        self._ensure_settings()
        proxies = self.nodes("proxy")
        wanted = {g.path for g in items if g.is_proxy}
        for path, stale in proxies.items():
            if path not in wanted:
                stale.destroy()
        native = self.nodes("geometry")
        nodes = self.nodes("node")
        for item in items:
            parent = nodes.get(item.path)
            if item.is_proxy:
                found = proxies.get(item.path)
                if found is None:
                    node = self._new("geo", f"{item.path.rsplit('/', 1)[-1]}_proxy", "proxy", item.path, parent)
                    sop = node.createNode("python", "packed_alembic")
                    _parm(sop, "python").set("from sdf.dcc_plugins.houdini import proxy\nproxy.cook(hou.pwd())\n")
                    _parm(sop, "python").lock(True)
                else:
                    node = found
                node.setUserData("sdf_file", item.file)
                node.setUserData("sdf_object", item.object)
                node.setUserData("sdf_owner", item.owner)
                _lock(node, True)
            elif item.path not in native:
                # Houdini's reader gets a private, checked snapshot of the cache (see sdf.dcc_plugins.snapshot).
                from sdf.dcc_plugins.snapshot import checked_snapshot

                snap, bad = checked_snapshot(item.file, item.object, self.settings.fps if self.settings else 24.0)
                if bad:
                    self.report("warning", f"{item.path}: {bad}; not loaded")
                    continue
                own = self._new("geo", item.path.rsplit("/", 1)[-1], "geometry", item.path, parent)
                abc = own.createNode("alembic", "cache")
                _parm(abc, "fileName").set(snap)
                _parm(abc, "objectPath").set(item.object)
                _parm(abc, "loadmode").set("houdini")  # unpacked: native, editable geometry
                own.setUserData("sdf_file", item.file)
                own.setUserData("sdf_object", item.object)

    def show_frame(self, item: GeometryItem, data: FrameData) -> None:
        """Packed Alembic primitives load themselves at each frame; nothing to push."""

    def proxy_state(self, item: GeometryItem) -> ProxyState | None:
        node = self.nodes("proxy").get(item.path)
        if node is None:
            return None
        from .. import feed

        record = self.load_record() or {}
        frame = self.current_frame()
        data = feed.frame(record.get("shot_file", ""), record.get("department", ""), item.path, frame,
                          layout=FrameLayout.POINTS)
        local = np.asarray(node.parmTransform().asTupleOfTuples(), dtype=np.float64)
        combined = np.asarray(data.world, dtype=np.float64) @ local
        return ProxyState(tuple(float(v) for v in combined.reshape(-1)), None, frame)

    def geometry_signature(self, item: GeometryItem) -> str:
        node = self.nodes("geometry").get(item.path)
        if node is None:
            return "deleted"
        h = hashlib.sha256()
        h.update(repr(_flat(node.parmTransform())).encode())
        for child in node.allSubChildren():
            h.update(child.type().name().encode())
            if not isinstance(child, hou.OpNode):
                continue
            for p in child.parms():
                h.update(repr((p.name(), p.rawValue(), len(p.keyframes()))).encode())
        return h.hexdigest()

    def bake_geometry(self, item: GeometryItem, frames: Iterable[float]) -> Iterator[BakedFrame]:
        node = self.nodes("geometry").get(item.path)
        return self._bake(node, list(frames)) if node is not None else iter(())

    def _bake(self, node: hou.ObjNode, frames: list[float]) -> Iterator[BakedFrame]:
        keep = hou.frame()
        try:
            for f in frames:
                hou.setFrame(f)
                sop = node.displayNode()
                if sop is None or not isinstance(sop, hou.SopNode):
                    raise hou.OperationFailed(f"{node.path()} has no geometry to bake")
                geo = sop.geometry()
                if geo is None:
                    raise hou.OperationFailed(f"{sop.path()} did not cook")
                pts = np.array(geo.pointFloatAttribValues("P"), dtype=np.float64).reshape(-1, 3)
                counts = np.array([len(list(p.vertices())) for p in geo.prims()], dtype=np.int32)
                corners = np.array([v.point().number() for p in geo.prims() for v in p.vertices()], dtype=np.int32)
                local = np.asarray(node.parmTransform().asTupleOfTuples(), dtype=np.float64)
                pos = pts @ local[:3, :3] + local[3, :3]
                yield BakedFrame(float(f), pos.astype(np.float32), counts, corners[winding_order(counts)])
        finally:
            hou.setFrame(keep)

    # -- persistence ------------------------------------------------------------------------------
    def save_record(self, record: dict[str, Any]) -> None:
        self.root().setUserData(RECORD_KEY, json.dumps(record))

    def load_record(self) -> dict[str, Any] | None:
        obj = hou.node("/obj")
        if obj is None:
            return None
        for child in obj.children():
            if child.userData("sdf_role") == "root":
                text = child.userData(RECORD_KEY)
                return dict(json.loads(text)) if text else None
        return None

    def report(self, level: str, message: str) -> None:
        severity = {"error": hou.severityType.Error, "warning": hou.severityType.Warning}.get(
            level, hou.severityType.Message)
        if hou.isUIAvailable():
            hou.ui.setStatusMessage(f"sdf: {message}", severity=severity)
        else:
            print(f"sdf {level}: {message}")
