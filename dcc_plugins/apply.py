"""Applying a host's changes to a department view, through the toolkit's public API.

Every change goes through the same typed objects and ownership checks as any script's edit
(``light.intensity = 4.0``), so a host can never write what the department does not own: the
view raises :class:`~sdf.errors.ReadOnlyError` first. After applying, the caller checks each
changed document with the same rules as ``sdf validate`` before anything is published.
"""
from __future__ import annotations

from sdf.document.cameras import Camera
from sdf.errors import SdfError
from sdf.document.lights import Light, LightGroup, light_from_json
from sdf.document.references import Proxy
from sdf.document.shot import Shot

from .record_kinds import STRUCTURAL  # noqa: F401  (re-exported: a structural kind's add/remove is dropped)
from .records import Change, transform_kind


def apply_changes(view: Shot, kind: str, changes: list[Change]) -> set[str]:
    """Apply ``changes`` of one record kind to ``view``; returns the shot kinds edited."""
    fn = APPLIERS[kind]
    edited: set[str] = set()
    for change in changes:
        edited |= fn(view, change)
    return edited


def _node(view: Shot, path: str):
    node = view.model_tree.find(path)
    if node is None:
        raise SdfError(f"no model-tree element {path} in the shot any more", view.file, "model_tree")
    return node


def _placement(view: Shot, change: Change) -> set[str]:
    if change.op != "set" or change.field not in ("transform", "visible"):
        return set()
    node = _node(view, change.path)
    setattr(node, change.field, change.new)
    return {transform_kind(view)}


def _leaf_field(field: str):
    def apply(view: Shot, change: Change) -> set[str]:
        if change.op != "set" or change.field != field:
            return set()
        setattr(_node(view, change.path), field, change.new)
        return {"materials" if field == "material" else "fx"}
    return apply


def _light_parent(view: Shot, parent_path):
    if parent_path is None:
        return view.lights
    parent = view.lights.find(parent_path)
    if not isinstance(parent, LightGroup):
        raise SdfError(f"no light group {parent_path} to add a light to", view.file, "lights")
    return parent


def _lights(view: Shot, change: Change) -> set[str]:
    tree = view.lights
    if change.op == "add":
        rec = change.new
        _light_parent(view, rec.get("parent")).children.append(light_from_json(dict(rec["data"], children=[])
                                                                                if rec["data"]["type"] == "group"
                                                                                else rec["data"]))
        return {"lights"}
    node = tree.find(change.path)
    if node is None:
        raise SdfError(f"no light {change.path} in the shot any more", view.file, "lights")
    if change.op == "remove":
        node._parent.children.remove(node)
        return {"lights"}
    field = change.field.split("/", 1)[-1]
    if field in ("name", "type") or (change.field == "parent"):
        raise SdfError(f"{change.path}: renaming, re-typing or re-parenting a light is done by deleting it and "
                       "adding a new one", view.file, "lights")
    value = change.new
    if field == "animation":
        value = value or {}
    elif field == "metadata":
        value = dict(value or {})
    if isinstance(node, Light) or field in ("transform", "visible", "metadata"):
        if field == "metadata":
            node.metadata.clear()
            node.metadata.update(value)
        else:
            setattr(node, field, value)
    return {"lights"}


def _cameras(view: Shot, change: Change) -> set[str]:
    cams = view.cameras
    if change.path == "/cameras":
        if change.op == "set" and change.field == "shot_camera":
            cams.shot_camera = change.new
            return {"cameras"}
        return set()
    if change.op == "add":
        cams.cameras.append(Camera.from_json(change.new["data"]))
        return {"cameras"}
    name = change.path.rsplit("/", 1)[-1]
    cam = cams.get(name)
    if cam is None:
        raise SdfError(f"no camera {name} in the shot any more", view.file, "cameras")
    if change.op == "remove":
        cams.cameras.remove(cam)
        return {"cameras"}
    field = change.field.split("/", 1)[-1]
    if field == "name":
        raise SdfError(f"{change.path}: renaming a camera is done by adding a new one", view.file, "cameras")
    if field == "transform":
        cam.transform_start = change.new["start"]
        cam.transforms = change.new["samples"]
    elif field == "metadata":
        cam.metadata.clear()
        cam.metadata.update(change.new or {})
    else:
        setattr(cam, field, change.new)
    return {"cameras"}


def _layout(view: Shot, change: Change) -> set[str]:
    layout = view.layout
    if change.path == "/layout":
        if change.op == "set" and change.field == "shot_camera":
            layout.shot_camera = change.new
            return {"layout"}
        return set()
    name = change.path.rsplit("/", 1)[-1]
    proxies = [p for p in layout.proxies if p.name != name]
    if change.op != "remove":
        data = change.new["data"] if change.op == "add" else dict(
            next(p for p in layout.proxies if p.name == name).to_json(), **{change.field.split("/", 1)[-1]: change.new})
        proxies.append(Proxy.from_json(data))
        order = [p.name for p in layout.proxies]
        proxies.sort(key=lambda p: order.index(p.name) if p.name in order else len(order))
    layout.proxies = tuple(proxies)
    return {"layout"}


#: How each record kind's changes are applied (every name of :data:`.record_kinds.NAMES` has one).
APPLIERS = {"placement": _placement, "materials": _leaf_field("material"), "fx": _leaf_field("effects"),
            "lights": _lights, "cameras": _cameras, "layout": _layout}
