"""The Maya host: :class:`~sdf.dcc_plugins.host.HostAdapter` in terms of ``maya.cmds``.

Translation only; the session core decides everything. What a session builds:

- a ``sdf_<shot>`` transform as the root, and the scene's time unit, linear unit, up axis and
  playback range set from the shot (Maya's matrices are row vectors like the documents', so
  a document matrix is ``xform -matrix`` as it is);
- a transform per model-tree node (placement), and below each leaf either an ``sdfProxy``
  locator (other departments' geometry, drawn from the frame cache, node and transform locked
  with ``lockNode``) or native geometry imported with Maya's own ``AbcImport`` (the
  department's own caches, deformed by the artist and baked back at publish);
- lights as Maya lights (``directionalLight``, ``pointLight``, ``spotLight``, ``areaLight``; a
  dome as an ``ambientLight`` keeping its texture path), with ``intensity = intensity x
  2^exposure`` and keys as linear animation curves; cameras as Maya cameras keyed per frame
  (film back in inches, as Maya stores it); materials as shading groups holding the material
  reference in ``sdfMaterial``; layout proxies as cubes.

Every node carries ``sdfPath`` and ``sdfRole`` string attributes: they identify it, not its
(renamable) name. The session record lives in a ``network`` node, ``sdfSession``, saved with
the scene.
"""
from __future__ import annotations

import hashlib
import json
import math
from typing import Any, Iterable, Iterator, cast

import maya.api.OpenMaya as om
import maya.cmds as cmds
import numpy as np

from ..bake import winding_order
from ..host import BakedFrame, HostAdapter, ProxyState
from ..plan import GeometryItem, SceneSettings
from sdf.alembic.frame_data import FrameData, FrameLayout

RECORD_NODE = "sdfSession"
_TIME_UNITS = {24.0: "film", 25.0: "pal", 30.0: "ntsc", 48.0: "show", 50.0: "palf", 60.0: "ntscf",
               23.976: "23.976fps", 29.97: "29.97fps", 47.952: "47.952fps", 59.94: "59.94fps"}
_LINEAR_UNITS = {0.001: "mm", 0.01: "cm", 1.0: "m", 1000.0: "km", 0.0254: "in", 0.3048: "ft", 0.9144: "yd"}
_LIGHT_TYPES = {"distant": "directionalLight", "point": "pointLight", "sphere": "pointLight", "spot": "spotLight",
                "rect": "areaLight", "disk": "areaLight", "dome": "ambientLight"}
_MM_PER_INCH = 25.4
#: A 4x4 matrix as ``xform -matrix`` takes it: 16 floats, row vectors.
M16 = tuple[float, float, float, float, float, float, float, float, float, float, float, float, float, float, float, float]
_CHANNELS = ("translateX", "translateY", "translateZ", "rotateX", "rotateY", "rotateZ", "scaleX", "scaleY", "scaleZ")


def _add_string(node: str, name: str, value: str) -> None:
    if not cmds.attributeQuery(name, node=node, exists=True):
        cmds.addAttr(node, longName=name, dataType="string")
    cmds.setAttr(f"{node}.{name}", value, type="string")


def _get_string(node: str, name: str, default: str = "") -> str:
    if not cmds.attributeQuery(name, node=node, exists=True):
        return default
    value = cmds.getAttr(f"{node}.{name}")
    return default if value is None else str(value)


def _m16(values: Iterable[float] | None) -> M16:
    m = tuple(float(v) for v in (values if values is not None else _IDENTITY))
    if len(m) != 16:
        raise ValueError(f"a matrix has 16 values, got {len(m)}")
    return cast(M16, m)


def _lock(node: str, locked: bool) -> None:
    for attr in ("translate", "rotate", "scale", "shear", "rotatePivot", "scalePivot", "visibility"):
        if cmds.attributeQuery(attr, node=node, exists=True):
            cmds.setAttr(f"{node}.{attr}", lock=locked)
    cmds.lockNode(node, lock=locked)


def _matrix(node: str, time: float | None = None) -> list[float]:
    """A transform's local matrix (row vectors), now or at ``time``."""
    if time is None:
        values = cmds.xform(node, query=True, matrix=True, objectSpace=True)
    else:
        values = cmds.getAttr(f"{node}.matrix", time=time)
    return [float(v) for v in cast(Iterable[float], values)]


def _key_matrix(node: str, m: list[float], frame: float) -> None:
    """Key translate, rotate and scale to the document matrix ``m`` at ``frame`` (linear tangents)."""
    tm = om.MTransformationMatrix(om.MMatrix(m))
    t = tm.translation(om.MSpace.kTransform)
    r = tm.rotation(False)
    s = tm.scale(om.MSpace.kTransform)
    values = (t.x, t.y, t.z, math.degrees(r.x), math.degrees(r.y), math.degrees(r.z), s[0], s[1], s[2])
    for channel, value in zip(_CHANNELS, values):
        cmds.setKeyframe(node, attribute=channel, time=frame, value=float(value), inTangentType="linear",
                         outTangentType="linear")


def _key_times(node: str, attributes: Iterable[str]) -> list[float]:
    times: set[float] = set()
    for attr in attributes:
        found = cmds.keyframe(node, attribute=attr, query=True, timeChange=True)
        times.update(float(t) for t in cast(Iterable[float], found or []))
    return sorted(times)


def _points(shape: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points (object space), polygon counts and corner indices of a mesh, through OpenMaya."""
    sel = om.MSelectionList()
    sel.add(shape)
    fn = om.MFnMesh(sel.getDagPath(0))
    # The stubs type MSpace's constants as int but getPoints' argument as MSpace: same value, cast.
    points = fn.getPoints(cast(om.MSpace, om.MSpace.kObject))
    pts = np.array([(points[i].x, points[i].y, points[i].z) for i in range(len(points))], dtype=np.float64)
    counts, corners = fn.getVertices()
    return pts, np.array(list(counts), dtype=np.int32), np.array(list(corners), dtype=np.int32)


class MayaHost(HostAdapter):
    """The session's nodes in the open Maya scene."""

    name = "maya"
    layout = FrameLayout.DRAW  # sdfProxy hands Viewport 2.0 the cache's GPU-ready buffers as they are

    def __init__(self) -> None:
        self.settings: SceneSettings | None = None

    # -- nodes ----------------------------------------------------------------------------------
    def nodes(self, role: str) -> dict[str, str]:
        """sdf path -> node name, for the session's nodes of one role."""
        out: dict[str, str] = {}
        for node in cast(list[str], cmds.ls("*.sdfRole", objectsOnly=True, recursive=True, long=True) or []):
            if _get_string(node, "sdfRole") == role:
                out[_get_string(node, "sdfPath")] = node
        return out

    def _tag(self, node: str, role: str, path: str) -> str:
        _add_string(node, "sdfRole", role)
        _add_string(node, "sdfPath", path)
        return node

    def root(self) -> str:
        found = self.nodes("root").get("/")
        if found is not None:
            return found
        name = f"sdf_{self.settings.name if self.settings else 'shot'}"
        root = cmds.createNode("transform", name=name)
        return cmds.ls(self._tag(root, "root", "/"), long=True)[0]

    def _delete(self, nodes: Iterable[str]) -> None:
        for node in nodes:
            if cmds.objExists(node):
                cmds.lockNode(node, lock=False)
                for child in cast(list[str], cmds.listRelatives(node, allDescendents=True, fullPath=True) or []):
                    cmds.lockNode(child, lock=False)
                cmds.delete(node)

    # -- the scene --------------------------------------------------------------------------------
    def apply_settings(self, settings: SceneSettings) -> None:
        self.settings = settings
        unit = _TIME_UNITS.get(round(settings.fps, 3), f"{settings.fps:g}fps")
        cmds.currentUnit(time=unit)
        linear = _LINEAR_UNITS.get(settings.meters_per_unit)
        if linear is not None:
            cmds.currentUnit(linear=linear)
        cmds.upAxis(axis=settings.up_axis.lower())
        cmds.playbackOptions(minTime=settings.frame_start, maxTime=settings.frame_end,
                             animationStartTime=settings.frame_start, animationEndTime=settings.frame_end)
        cmds.currentTime(settings.frame_start)
        root = self.root()
        _lock(root, False)
        if linear is None:  # a unit Maya has no name for: scale the root from centimetres
            s = settings.meters_per_unit / 0.01
            cmds.setAttr(f"{root}.scale", s, s, s)
        _lock(root, True)

    def current_frame(self) -> float:
        return float(cast(float, cmds.currentTime(query=True)))


    # -- records ----------------------------------------------------------------------------------
    # (build_records / read_records dispatch to the _build_<kind> / _read_<kind> below)

    def _build_placement(self, records: list[dict[str, Any]], editable: bool) -> None:
        existing = self.nodes("node")
        self._delete(n for p, n in existing.items() if p not in {r["path"] for r in records})
        root = self.root()
        for r in records:
            node = self.nodes("node").get(r["path"])
            parent = (self.nodes("node").get(r["parent"]) or root) if r["parent"] else root
            if node is None:
                made = cmds.createNode("transform", name=r["name"], parent=parent)
                node = cmds.ls(made, long=True)[0]
                self._tag(node, "node", r["path"])
            _lock(node, False)
            cmds.xform(node, matrix=_m16(r["transform"]), objectSpace=True)
            cmds.setAttr(f"{node}.visibility", bool(r["visible"]))
            _add_string(node, "sdfName", r["name"])
            _add_string(node, "sdfLeaf", "1" if r["leaf"] else "0")
            _lock(node, not editable)

    def _read_placement(self) -> list[dict[str, Any]]:
        out = []
        for path, node in self.nodes("node").items():
            parents = cast(list[str], cmds.listRelatives(node, parent=True, fullPath=True) or [])
            parent = _get_string(parents[0], "sdfPath") if parents else ""
            out.append({"path": path, "parent": None if parent in ("", "/") else parent,
                        "leaf": _get_string(node, "sdfLeaf") == "1", "name": _get_string(node, "sdfName"),
                        "transform": _matrix(node), "visible": bool(cmds.getAttr(f"{node}.visibility"))})
        return out

    def _leaf_shapes(self) -> dict[str, str]:
        out = {}
        for role in ("proxy", "geometry"):
            out.update(self.nodes(role))
        return out

    def _build_materials(self, records: list[dict[str, Any]], editable: bool) -> None:
        shapes = self._leaf_shapes()
        for r in records:
            shape = shapes.get(r["path"])
            if shape is None:
                continue
            _add_string(shape, "sdfMaterialRef", r["material"] or "")
            if not r["material"]:
                continue
            sg = self._shading_group(r["material"])
            locked = bool(cast(list[bool], cmds.lockNode(shape, query=True, lock=True))[0])
            cmds.lockNode(shape, lock=False)
            cmds.sets(shape, edit=True, forceElement=sg)
            cmds.lockNode(shape, lock=locked)

    def _shading_group(self, ref: str) -> str:
        for sg in cast(list[str], cmds.ls(type="shadingEngine") or []):
            if _get_string(sg, "sdfMaterial") == ref:
                return sg
        name = ref.rsplit("#", 1)[-1] or "material"
        shader = cast(str, cmds.shadingNode("lambert", asShader=True, name=f"{name}_mtl"))
        sg = cast(str, cmds.sets(renderable=True, noSurfaceShader=True, empty=True, name=f"{name}SG"))
        cmds.connectAttr(f"{shader}.outColor", f"{sg}.surfaceShader", force=True)
        _add_string(sg, "sdfMaterial", ref)
        return sg

    def _read_materials(self) -> list[dict[str, Any]]:
        out = []
        for path, shape in self._leaf_shapes().items():
            if not cmds.attributeQuery("sdfMaterialRef", node=shape, exists=True):
                continue
            sgs = cast(list[str], cmds.listConnections(f"{shape}.instObjGroups", type="shadingEngine") or [])
            ref = None
            for sg in sgs:
                ref = _get_string(sg, "sdfMaterial", sg) or None
                break
            out.append({"path": path, "material": ref})
        return out

    def _build_fx(self, records: list[dict[str, Any]], editable: bool) -> None:
        nodes = self.nodes("node")
        for r in records:
            node = nodes.get(r["path"])
            if node is not None:
                cmds.lockNode(node, lock=False)
                _add_string(node, "sdfEffects", json.dumps(list(r["effects"])))
                cmds.lockNode(node, lock=not editable)

    def _read_fx(self) -> list[dict[str, Any]]:
        out = []
        for path, node in self.nodes("node").items():
            if cmds.attributeQuery("sdfEffects", node=node, exists=True):
                out.append({"path": path, "effects": json.loads(_get_string(node, "sdfEffects", "[]"))})
        return out

    # lights
    def _build_lights(self, records: list[dict[str, Any]], editable: bool) -> None:
        old = {**self.nodes("light"), **self.nodes("light_group")}
        self._delete(old.values())
        made: dict[str, str] = {}
        root = self.root()
        for r in records:
            data = r["data"]
            parent = made.get(r["parent"] or "", root)
            if data["type"] == "group":
                node = cmds.createNode("transform", name=data["name"], parent=parent)
                node = cmds.ls(node, long=True)[0]
                self._tag(node, "light_group", r["path"])
            else:
                shape = cast(str, cmds.shadingNode(_LIGHT_TYPES[data["type"]], asLight=True, name=data["name"]))
                node = (cmds.listRelatives(shape, parent=True, fullPath=True) or cmds.ls(shape, long=True))[0]
                node = cast(list[str], cmds.parent(node, parent))[0]
                node = cmds.ls(node, long=True)[0]
                self._tag(node, "light", r["path"])
                self._light_values(node, data)
            _add_string(node, "sdfData", json.dumps(data))
            if r.get("texture_file"):
                _add_string(node, "sdfTextureFile", r["texture_file"])
            anim = data.get("animation") or {}
            if anim.get("transform"):
                for key in anim["transform"]:
                    _key_matrix(node, [float(v) for v in key[1:]], float(key[0]))
            else:
                cmds.xform(node, matrix=_m16(data.get("transform")), objectSpace=True)
            cmds.setAttr(f"{node}.visibility", bool(data.get("visible", True)))
            _lock(node, not editable)
            made[r["path"]] = node

    def _light_shape(self, node: str) -> str:
        return cast(list[str], cmds.listRelatives(node, shapes=True, fullPath=True))[0]

    def _light_values(self, node: str, data: dict[str, Any]) -> None:
        shape = self._light_shape(node)
        exposure = float(data.get("exposure", 0.0))
        scale = 2.0 ** exposure
        _add_string(shape, "sdfExposure", repr(exposure))
        cmds.setAttr(f"{shape}.color", *[float(c) for c in data.get("color", (1.0, 1.0, 1.0))], type="double3")
        cmds.setAttr(f"{shape}.intensity", float(data.get("intensity", 1.0)) * scale)
        t = data["type"]
        if t == "spot":
            cmds.setAttr(f"{shape}.coneAngle", 2.0 * float(data.get("cone_angle", 45.0)))
            cmds.setAttr(f"{shape}.penumbraAngle", float(data.get("cone_softness") or 0.0) * 10.0)
        params = {k: data[k] for k in ("radius", "width", "height", "angle") if data.get(k) is not None}
        _add_string(shape, "sdfShape", json.dumps(params))  # sizes Maya's light shapes do not hold as such
        anim = data.get("animation") or {}
        for key in anim.get("intensity", ()):
            cmds.setKeyframe(shape, attribute="intensity", time=float(key[0]), value=float(key[1]) * scale,
                             inTangentType="linear", outTangentType="linear")
        for key in anim.get("color", ()):
            for channel, value in zip(("colorR", "colorG", "colorB"), key[1:4]):
                cmds.setKeyframe(shape, attribute=channel, time=float(key[0]), value=float(value),
                                 inTangentType="linear", outTangentType="linear")

    def _read_lights(self) -> list[dict[str, Any]]:
        out = []
        for role in ("light_group", "light"):
            for path, node in self.nodes(role).items():
                data = json.loads(_get_string(node, "sdfData", "{}"))
                parents = cast(list[str], cmds.listRelatives(node, parent=True, fullPath=True) or [])
                parent = _get_string(parents[0], "sdfPath") if parents else ""
                anim = dict(data.get("animation") or {})
                times = _key_times(node, _CHANNELS)
                if times:
                    anim["transform"] = [[t, *_matrix(node, t)] for t in times]
                else:
                    anim.pop("transform", None)
                    data["transform"] = _matrix(node)
                data["visible"] = bool(cmds.getAttr(f"{node}.visibility"))
                if role == "light":
                    self._read_light_values(node, data, anim)
                if anim:
                    data["animation"] = anim
                else:
                    data.pop("animation", None)
                rec: dict[str, Any] = {"path": path, "parent": None if parent in ("", "/") else parent, "data": data}
                if cmds.attributeQuery("sdfTextureFile", node=node, exists=True):
                    rec["texture_file"] = _get_string(node, "sdfTextureFile")
                out.append(rec)
        return out

    def _read_light_values(self, node: str, data: dict[str, Any], anim: dict[str, Any]) -> None:
        shape = self._light_shape(node)
        exposure = float(_get_string(shape, "sdfExposure", "0.0"))
        scale = 2.0 ** exposure
        data["exposure"] = exposure
        times = _key_times(shape, ("intensity",))
        if times:
            values = cast(list[float], cmds.keyframe(shape, attribute="intensity", query=True, valueChange=True))
            anim["intensity"] = [[t, float(v) / scale] for t, v in zip(times, values)]
        else:
            anim.pop("intensity", None)
            data["intensity"] = float(cast(float, cmds.getAttr(f"{shape}.intensity"))) / scale
        ctimes = _key_times(shape, ("colorR", "colorG", "colorB"))
        if ctimes:
            anim["color"] = [[t, *[float(cast(float, cmds.getAttr(f"{shape}.{c}", time=t)))
                                   for c in ("colorR", "colorG", "colorB")]] for t in ctimes]
        else:
            anim.pop("color", None)
            data["color"] = [float(v) for v in cast(list[tuple[float, float, float]], cmds.getAttr(f"{shape}.color"))[0]]
        if data["type"] == "spot":
            data["cone_angle"] = float(cast(float, cmds.getAttr(f"{shape}.coneAngle"))) / 2.0
            data["cone_softness"] = float(cast(float, cmds.getAttr(f"{shape}.penumbraAngle"))) / 10.0
        data.update(json.loads(_get_string(shape, "sdfShape", "{}")))

    # cameras
    def _build_cameras(self, records: list[dict[str, Any]], editable: bool) -> None:
        self._delete(self.nodes("camera").values())
        root = self.root()
        for r in records:
            if r["path"] == "/cameras":
                cmds.lockNode(root, lock=False)
                _add_string(root, "sdfShotCamera", r.get("shot_camera") or "")
                cmds.lockNode(root, lock=True)
                continue
            d = r["data"]
            made = cast(list[str], cmds.camera(name=d["name"]))
            node = cast(list[str], cmds.parent(made[0], root))[0]
            node = cmds.ls(node, long=True)[0]
            shape = cast(list[str], cmds.listRelatives(node, shapes=True, fullPath=True))[0]
            self._tag(node, "camera", r["path"])
            cmds.setAttr(f"{shape}.focalLength", float(d["focal_length"]))
            cmds.setAttr(f"{shape}.horizontalFilmAperture", float(d["horizontal_aperture"]) / _MM_PER_INCH)
            cmds.setAttr(f"{shape}.verticalFilmAperture", float(d["vertical_aperture"]) / _MM_PER_INCH)
            cmds.setAttr(f"{shape}.nearClipPlane", float(d["near_clip"]))
            cmds.setAttr(f"{shape}.farClipPlane", float(d["far_clip"]))
            cmds.setAttr(f"{shape}.fStop", float(d["f_stop"]))
            cmds.setAttr(f"{shape}.focusDistance", float(d["focus_distance"]))
            samples = d["transform"]["samples"]
            start = float(d["transform"]["start"])
            if len(samples) > 1:
                for i, m in enumerate(samples):
                    _key_matrix(node, [float(v) for v in m], start + i)
            else:
                cmds.xform(node, matrix=_m16(samples[0] if samples else None), objectSpace=True)
                _add_string(node, "sdfStart", repr(start))
            _add_string(node, "sdfMetadata", json.dumps(d.get("metadata") or {}))
            _lock(node, not editable)

    def _read_cameras(self) -> list[dict[str, Any]]:
        root = self.root()
        out: list[dict[str, Any]] = [{"path": "/cameras", "shot_camera": _get_string(root, "sdfShotCamera") or None}]
        for path, node in self.nodes("camera").items():
            shape = cast(list[str], cmds.listRelatives(node, shapes=True, fullPath=True))[0]
            times = _key_times(node, _CHANNELS)
            if times:
                start, end = int(round(times[0])), int(round(times[-1]))
                samples = [_matrix(node, float(f)) for f in range(start, end + 1)]
            else:
                start = int(float(_get_string(node, "sdfStart", str(self.settings.frame_start if self.settings else 1))))
                samples = [_matrix(node)]

            def get(attr: str) -> float:
                return float(cast(float, cmds.getAttr(f"{shape}.{attr}")))

            d: dict[str, Any] = {"name": path.rsplit("/", 1)[-1], "focal_length": get("focalLength"),
                                 "horizontal_aperture": get("horizontalFilmAperture") * _MM_PER_INCH,
                                 "vertical_aperture": get("verticalFilmAperture") * _MM_PER_INCH,
                                 "near_clip": get("nearClipPlane"), "far_clip": get("farClipPlane"),
                                 "f_stop": get("fStop"), "focus_distance": get("focusDistance"),
                                 "transform": {"start": start, "samples": samples}}
            meta = json.loads(_get_string(node, "sdfMetadata", "{}"))
            if meta:
                d["metadata"] = meta
            out.append({"path": path, "data": d})
        return out

    # layout
    def _build_layout(self, records: list[dict[str, Any]], editable: bool) -> None:
        self._delete(self.nodes("layout_proxy").values())
        root = self.root()
        for r in records:
            if r["path"] == "/layout":
                cmds.lockNode(root, lock=False)
                _add_string(root, "sdfLayoutCamera", r.get("shot_camera") or "")
                cmds.lockNode(root, lock=True)
                continue
            d = r["data"]
            b = [float(v) for v in d["bounds"]]
            made = cast(list[str], cmds.polyCube(name=d["name"], width=b[3] - b[0], height=b[4] - b[1],
                                                 depth=b[5] - b[2], constructionHistory=False))
            node = cast(list[str], cmds.parent(made[0], root))[0]
            node = cmds.ls(node, long=True)[0]
            cmds.move((b[0] + b[3]) / 2, (b[1] + b[4]) / 2, (b[2] + b[5]) / 2, f"{node}.vtx[*]", relative=True,
                      objectSpace=True)
            cmds.xform(node, matrix=_m16(d.get("transform")), objectSpace=True)
            self._tag(node, "layout_proxy", r["path"])
            _add_string(node, "sdfStandsFor", d.get("stands_for") or "")
            _lock(node, not editable)

    def _read_layout(self) -> list[dict[str, Any]]:
        root = self.root()
        out: list[dict[str, Any]] = [{"path": "/layout", "shot_camera": _get_string(root, "sdfLayoutCamera") or None}]
        for path, node in self.nodes("layout_proxy").items():
            pts = np.array(cast(list[float], cmds.xform(f"{node}.vtx[*]", query=True, translation=True,
                                                        objectSpace=True)), dtype=np.float64).reshape(-1, 3)
            d: dict[str, Any] = {"name": path.rsplit("/", 1)[-1],
                                 "bounds": [*map(float, pts.min(axis=0)), *map(float, pts.max(axis=0))],
                                 "transform": _matrix(node)}
            if _get_string(node, "sdfStandsFor"):
                d["stands_for"] = _get_string(node, "sdfStandsFor")
            out.append({"path": path, "data": d})
        return out

    # -- geometry ---------------------------------------------------------------------------------
    def build_geometry(self, items: list[GeometryItem]) -> None:
        self._ensure_settings()
        proxies = self.nodes("proxy")
        wanted = {g.path for g in items if g.is_proxy}
        self._delete(cast(list[str], cmds.listRelatives(shape, parent=True, fullPath=True))[0]
                     for path, shape in proxies.items() if path not in wanted)
        native = self.nodes("geometry")
        nodes = self.nodes("node")
        record = self.load_record() or {}
        for item in items:
            parent = nodes.get(item.path, self.root())
            if item.is_proxy:
                if item.path in proxies and item.path in wanted:
                    shape = proxies[item.path]
                    cmds.lockNode(shape, lock=False)
                    _add_string(shape, "elementPath", item.path)
                    cmds.lockNode(shape, lock=True)
                    continue
                self._build_proxy(item, parent, record)
            elif item.path not in native:
                self._build_native(item, parent)

    def _build_proxy(self, item: GeometryItem, parent: str, record: dict[str, Any]) -> None:
        name = item.path.rsplit("/", 1)[-1]
        xform = cmds.createNode("transform", name=f"{name}_proxy", parent=parent)
        xform = cmds.ls(xform, long=True)[0]
        shape = cmds.createNode("sdfProxy", name=f"{name}_proxyShape", parent=xform)
        shape = cmds.ls(shape, long=True)[0]
        cmds.setAttr(f"{shape}.shotFile", record.get("shot_file", ""), type="string")
        cmds.setAttr(f"{shape}.department", record.get("department", ""), type="string")
        cmds.setAttr(f"{shape}.elementPath", item.path, type="string")
        cmds.connectAttr("time1.outTime", f"{shape}.time", force=True)
        self._tag(shape, "proxy", item.path)
        _add_string(shape, "sdfOwner", item.owner)
        _lock(xform, True)
        cmds.lockNode(shape, lock=True)

    def _build_native(self, item: GeometryItem, parent: str) -> None:
        """The department's own geometry: Maya's AbcImport, live on the cache, below the leaf."""
        before = set(cast(list[str], cmds.listRelatives(parent, children=True, fullPath=True) or []))
        name = item.object.rstrip("/").rsplit("/", 1)[-1]
        cmds.lockNode(parent, lock=False)
        # AbcImport is the command of Maya's AbcImport plugin: it joins maya.cmds when the plugin loads,
        # so the stubs (generated from maya.cmds without plugins) do not list it.
        cmds.loadPlugin("AbcImport", quiet=True)
        abc_import = getattr(cmds, "AbcImport")
        # Maya's reader gets a private, checked snapshot of the cache (see sdf.dcc_plugins.snapshot).
        from sdf.dcc_plugins.snapshot import checked_snapshot

        fps = self.settings.fps if self.settings is not None else 24.0
        snap, bad = checked_snapshot(item.file, item.object, fps)
        if bad:
            self.report("warning", f"{item.path}: {bad}; not imported")
            cmds.lockNode(parent, lock=_get_string(parent, "sdfRole") == "node" and
                          bool(cmds.getAttr(f"{parent}.translate", lock=True)))
            return
        abc_import(snap, mode="import", filterObjects=f"^{name}$", reparent=parent)
        made = [c for c in cast(list[str], cmds.listRelatives(parent, children=True, fullPath=True) or [])
                if c not in before]
        for node in made:
            for shape in cast(list[str], cmds.listRelatives(node, allDescendents=True, type="mesh",
                                                            fullPath=True) or []):
                self._tag(shape, "geometry", item.path)
        cmds.lockNode(parent, lock=_get_string(parent, "sdfRole") == "node" and
                      bool(cmds.getAttr(f"{parent}.translate", lock=True)))

    def show_frame(self, item: GeometryItem, data: FrameData) -> None:
        """sdfProxy pulls its own frames at draw time; dirtying it is all a push needs."""
        shape = self.nodes("proxy").get(item.path)
        if shape is not None:
            cmds.dgdirty(shape)

    def proxy_state(self, item: GeometryItem) -> ProxyState | None:
        shape = self.nodes("proxy").get(item.path)
        if shape is None:
            return None
        from .. import feed

        xform = cast(list[str], cmds.listRelatives(shape, parent=True, fullPath=True))[0]
        frame = self.current_frame()
        record = self.load_record() or {}
        data = feed.frame(record.get("shot_file", ""), record.get("department", ""), item.path, frame)
        local = np.asarray(_matrix(xform), dtype=np.float64).reshape(4, 4)
        combined = np.asarray(data.world, dtype=np.float64) @ local  # row vectors: Alembic, then the proxy's own
        # The points are drawn straight from the cache; there is nothing in Maya to edit them with.
        return ProxyState(tuple(float(v) for v in combined.reshape(-1)), None, frame)

    def geometry_signature(self, item: GeometryItem) -> str:
        shape = self.nodes("geometry").get(item.path)
        if shape is None:
            return "deleted"
        h = hashlib.sha256()
        xform = cast(list[str], cmds.listRelatives(shape, parent=True, fullPath=True))[0]
        h.update(repr(_matrix(xform)).encode())
        for node in cast(list[str], cmds.listHistory(shape) or []):
            h.update(repr((cmds.nodeType(node), node)).encode())
            for attr in cast(list[str], cmds.listAttr(node, keyable=True, scalar=True) or []):
                try:
                    h.update(repr((attr, cmds.getAttr(f"{node}.{attr}"))).encode())
                except RuntimeError:
                    continue
        for node in (xform, shape):
            for t in _key_times(node, cast(list[str], cmds.listAttr(node, keyable=True) or [])):
                h.update(repr(t).encode())
        tweaks = cmds.getAttr(f"{shape}.pnts[*]") if cmds.getAttr(f"{shape}.pnts", size=True) else []
        h.update(repr(tweaks).encode())
        return h.hexdigest()

    def bake_geometry(self, item: GeometryItem, frames: Iterable[float]) -> Iterator[BakedFrame]:
        shape = self.nodes("geometry").get(item.path)
        return self._bake(shape, list(frames)) if shape is not None else iter(())

    def _bake(self, shape: str, frames: list[float]) -> Iterator[BakedFrame]:
        keep = self.current_frame()
        xform = cast(list[str], cmds.listRelatives(shape, parent=True, fullPath=True))[0]
        try:
            for f in frames:
                cmds.currentTime(f)
                pts, counts, corners = _points(shape)
                local = np.asarray(_matrix(xform), dtype=np.float64).reshape(4, 4)  # into the leaf's space
                pos = pts @ local[:3, :3] + local[3, :3]
                yield BakedFrame(float(f), pos.astype(np.float32), counts, corners[winding_order(counts)])
        finally:
            cmds.currentTime(keep)

    # -- persistence ------------------------------------------------------------------------------
    def save_record(self, record: dict[str, Any]) -> None:
        if not cmds.objExists(RECORD_NODE):
            cmds.createNode("network", name=RECORD_NODE)
        _add_string(RECORD_NODE, "record", json.dumps(record))

    def load_record(self) -> dict[str, Any] | None:
        if not cmds.objExists(RECORD_NODE):
            return None
        text = _get_string(RECORD_NODE, "record")
        return cast(dict[str, Any], json.loads(text)) if text else None

    def report(self, level: str, message: str) -> None:
        {"error": om.MGlobal.displayError, "warning": om.MGlobal.displayWarning}.get(
            level, om.MGlobal.displayInfo)(f"sdf: {message}")


_IDENTITY = (1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0)
