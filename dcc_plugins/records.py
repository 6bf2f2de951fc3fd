"""Shot data as flat *records*, the neutral form a host builds native nodes from and reads back.

A host (Blender, Maya, Houdini) never sees the document model. It gets, per kind of data,
a list of plain records in the documents' own JSON conventions (row-vector 4x4 matrices as
16 floats, colours as 3 floats, keys as ``[frame, value...]``), builds its native nodes from
them, and later reads its nodes back into records of the same shape. The core then diffs
the two lists (:func:`diff`), so everything a host contributes to a publish is a list of
records, and all the logic (what changed, who owns it, how to apply it) is here, tested
without any DCC.

Every record has a ``path``: the element's path in the shot (``/chars/hero``,
``/lights/key_group/key``, ``/cameras/shotCam``). The kinds:

``placement``
    one record per model-tree node: ``parent``, ``leaf``, ``transform`` (local, or None for
    identity), ``visible``. The transform hierarchy every host builds first: proxies and
    native geometry hang below it.
``materials`` / ``fx``
    one record per leaf: ``material`` (a reference such as ``materials/shading.mtlx#skin``) /
    ``effects`` (a list of references).
``lights``
    one record per light or group: ``parent`` and ``data`` (the light's document JSON without
    its children).
``cameras``
    one record per camera: ``data`` (the camera's document JSON), plus one record
    ``/cameras`` holding ``shot_camera``.
``layout``
    one record per layout proxy: ``data`` (name, bounds, transform, target), plus ``/layout``
    holding ``shot_camera``.

Floating-point values come back from a host in its own precision (Blender stores float32),
so :func:`diff` compares numbers with a tolerance, and an unchanged value keeps the
document's exact number: reading a session back never rewrites what nobody touched.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sdf.document.elements import IDENTITY
from sdf.document.shot import Shot

from .record_kinds import NAMES, SOURCE_PART  # noqa: F401  (SOURCE_PART: re-exported for the planner)

#: Relative tolerance for numbers read back from a host (float32 has ~7 significant digits).
REL_TOL = 2e-6
#: Absolute floor of the tolerance (values near zero, e.g. matrix entries of a rotation).
ABS_TOL = 1e-5

#: The kinds a host can hold as native data (declared in :mod:`.record_kinds`).
RECORD_KINDS = NAMES


def transform_kind(shot: Shot) -> str:
    """The kind that owns model-node transforms in this view: the placement overlay, unless it is ignored
    (then the model's own base transforms are what the department sees, owned by model)."""
    if "placement" in shot.parts and shot.access("placement") != "ignore":
        return "placement"
    return "model_tree"


def kind_of_records(shot: Shot, kind: str) -> str:
    """The shot data kind whose access decides whether records of ``kind`` may be edited."""
    return transform_kind(shot) if kind == "placement" else kind


# -- shot -> records ---------------------------------------------------------------------------

def placement_records(shot: Shot) -> list[dict]:
    out = []
    for node in shot.model_tree.walk():
        parent = node._parent
        t = node.transform
        out.append({"path": node.path, "parent": parent.path if getattr(parent, "name", "") else None,
                    "leaf": node.is_leaf, "name": node.name,
                    "transform": None if t is None else list(t), "visible": bool(node.visible)})
    return out


def material_records(shot: Shot) -> list[dict]:
    return [{"path": n.path, "material": n.material} for n in shot.model_tree.leaves()]


def fx_records(shot: Shot) -> list[dict]:
    return [{"path": n.path, "effects": list(n.effects)} for n in shot.model_tree.walk()]


def light_records(shot: Shot) -> list[dict]:
    """Lights and groups; a textured light (a dome) also carries ``texture_file``, resolved, for the host to load."""
    out = []
    doc = shot.loaded_document("lights")
    base = None
    for node in shot.lights.walk():
        data = node.to_json()
        data.pop("children", None)
        parent = node._parent
        r = {"path": node.path, "parent": None if parent is shot.lights else parent.path, "data": data}
        if data.get("texture"):
            import os

            base = os.path.dirname((doc.path if doc is not None else None) or shot.file)
            r["texture_file"] = shot.resolve(data["texture"], base, must_exist=False)
        out.append(r)
    return out


def camera_records(shot: Shot) -> list[dict]:
    cams = shot.cameras
    out = [{"path": "/cameras", "shot_camera": cams.shot_camera}]
    out += [{"path": c.path, "data": c.to_json()} for c in cams]
    return out


def layout_records(shot: Shot) -> list[dict]:
    layout = shot.layout
    out = [{"path": "/layout", "shot_camera": layout.shot_camera}]
    out += [{"path": f"/layout/{p.name}", "data": p.to_json()} for p in layout.proxies]
    return out


#: Each record kind's records from a shot (every name of :data:`.record_kinds.NAMES` has one).
FROM_SHOT = {"placement": placement_records, "materials": material_records, "fx": fx_records,
             "lights": light_records, "cameras": camera_records, "layout": layout_records}


def records(shot: Shot, kind: str) -> list[dict]:
    """The records of ``kind`` for this view (the document's current values, overlays composed)."""
    return FROM_SHOT[kind](shot)


# -- comparison --------------------------------------------------------------------------------

def close(a: Any, b: Any) -> bool:
    """Equal, with numbers compared to float32 precision (recursively through lists and dicts)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        a, b = float(a), float(b)
        if not (math.isfinite(a) and math.isfinite(b)):
            return a == b
        return abs(a - b) <= max(ABS_TOL, REL_TOL * max(abs(a), abs(b)))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    return a == b


def _norm_transform(v):
    """None and the identity are the same transform."""
    if v is None:
        return list(IDENTITY)
    return list(v)


@dataclass(frozen=True)
class Change:
    """One difference between the document and the host: ``op`` is "set", "add" or "remove"."""

    kind: str          # record kind (placement, lights...)
    path: str          # element path
    op: str
    field: str | None  # for "set": the changed field (a key of the record, or data/<key>)
    old: Any = None
    new: Any = None

    def describe(self) -> str:
        if self.op == "set":
            return f"{self.path}: {self.field} changed"
        return f"{self.path}: {'added' if self.op == 'add' else 'removed'}"


def diff(kind: str, before: list[dict], after: list[dict]) -> list[Change]:
    """What changed from the document's records ``before`` to the host's records ``after``."""
    old = {r["path"]: canonical(kind, r) for r in before}
    new = {r["path"]: canonical(kind, r) for r in after}
    changes: list[Change] = []
    for path, rec in new.items():
        if path not in old:
            changes.append(Change(kind, path, "add", None, None, rec))
            continue
        prev = rec_fields(old[path])
        cur = rec_fields(rec)
        for key in sorted(set(prev) | set(cur)):
            a, b = prev.get(key), cur.get(key)
            if key.endswith("transform") and all(v is None or isinstance(v, (list, tuple)) for v in (a, b)):
                a, b = _norm_transform(a), _norm_transform(b)
            if not close(a, b):
                changes.append(Change(kind, path, "set", key, prev.get(key), cur.get(key)))
    for path in old:
        if path not in new:
            changes.append(Change(kind, path, "remove", None, old[path], None))
    return changes


def canonical(kind: str, rec: dict) -> dict:
    """A record with its ``data`` in the document's canonical form (defaults dropped, types coerced),
    so that a host writing ``exposure: 0.0`` where the document omits it is no change."""
    data = rec.get("data")
    if data is None:
        return rec
    from sdf.document.cameras import Camera
    from sdf.document.lights import light_from_json
    from sdf.document.references import Proxy

    try:
        if kind == "lights":
            obj = light_from_json(dict(data, children=[]) if data.get("type") == "group" else data)
            data = obj.to_json()
            data.pop("children", None)
        elif kind == "cameras":
            data = Camera.from_json(data).to_json()
        elif kind == "layout":
            data = Proxy.from_json(data).to_json()
    except (KeyError, TypeError, ValueError) as exc:
        from sdf.errors import FormatError

        raise FormatError(f"cannot be read back from the host: {exc}", None, rec.get("path")) from None
    return dict(rec, data=data)


def rec_fields(rec: dict) -> dict:
    """A record flattened to comparable fields: ``data`` entries become ``data/<key>``."""
    out = {}
    for k, v in rec.items():
        if k == "path":
            continue
        if k == "data" and isinstance(v, dict):
            for dk, dv in v.items():
                out[f"data/{dk}"] = dv
        else:
            out[k] = v
    return out
