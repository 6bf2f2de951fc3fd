"""The shot as an indented tree, for ``sdf tree`` (and its ``--json``)."""
from __future__ import annotations

import os

from sdf.document.shot import Shot

MARKS = {"edit": "editable", "read": "read-only", "ignore": "ignored"}


def _node(label: str, kind: str, access: str, detail: str = "", children=None) -> dict:
    return {"name": label, "kind": kind, "access": access, "detail": detail, "children": children or []}


def shot_tree(shot: Shot) -> dict:
    parts = []
    acc = shot.access
    if "model_tree" in shot.parts:
        a = acc("model_tree")
        if a == "ignore":
            parts.append(_node("model_tree", "model_tree", a))
        else:
            def model(n):
                detail = []
                geo = n.geometry
                if geo is not None:
                    detail.append(f"{os.path.basename(geo.file)}:{geo.object}")
                    if n.animation is not None:
                        detail.append("animated")
                if n.material:
                    detail.append(f"material={n.material.split('#')[-1]}")
                if n.effects:
                    detail.append(f"effects={len(n.effects)}")
                if n.transform is not None:
                    detail.append("xform")
                kind = "leaf" if n.is_leaf else "group"
                # What a leaf draws is the animation cache when there is one, owned by animation.
                access = acc("animation") if n.is_leaf and n.animation is not None and \
                    acc("animation") != "ignore" else a
                return _node(n.name, kind, access, " ".join(detail), [model(c) for c in n.children])
            parts.append(_node("model_tree", "model_tree", a, "", [model(c) for c in shot.model_tree.children]))
    if "cameras" in shot.parts:
        a = acc("cameras")
        kids = []
        if a != "ignore":
            for c in shot.cameras:
                kids.append(_node(c.name, "camera", a, f"{c.focal_length:g}mm "
                                  f"{c.horizontal_aperture:g}x{c.vertical_aperture:g} "
                                  f"{'animated' if c.is_animated else 'static'}"))
        parts.append(_node("cameras", "cameras", a, "", kids))
    if "lights" in shot.parts:
        a = acc("lights")
        kids = []
        if a != "ignore":
            def light(n):
                if n.type == "group":
                    return _node(n.name, "group", a, "", [light(c) for c in n.children])
                detail = f"{n.type} intensity={n.intensity:g}" + (" animated" if n.is_animated else "")
                return _node(n.name, "light", a, detail)
            kids = [light(c) for c in shot.lights.children]
        parts.append(_node("lights", "lights", a, "", kids))
    if "render_layers" in shot.parts:
        a = acc("render_layers")
        kids = []
        if a != "ignore":
            kids = [_node(l.name, "render_layer", a, f"{len(l.members)} pattern(s), {len(l.aovs)} AOV(s) -> "
                          f"{l.output.path}") for l in shot.render_layers]
        parts.append(_node("render_layers", "render_layers", a, "", kids))
    for kind in ("placement", "animation", "materials", "fx", "rig", "layout"):
        if kind in shot.parts:
            parts.append(_node(kind, kind, acc(kind)))
    # Shot settings are always readable; only their owner (layout) may edit them.
    return _node(shot.name, "shot", "edit" if acc("layout") == "edit" else "read",
                 f"{shot.frame_range.start}-{shot.frame_range.end} @ {shot.fps:g} fps, {shot.up_axis}-up", parts)


def render_tree(data: dict, marks: bool = False) -> list[str]:
    lines = []

    def label(n):
        text = n["name"]
        if n["detail"]:
            text += f"  ({n['detail']})"
        if marks:
            text += f"  [{MARKS[n['access']]}]"
        return text

    def walk(n, prefix):
        kids = n["children"]
        for i, child in enumerate(kids):
            last = i == len(kids) - 1
            lines.append(prefix + ("`-- " if last else "|-- ") + label(child))
            walk(child, prefix + ("    " if last else "|   "))

    lines.append(label(data))
    walk(data, "")
    return lines
