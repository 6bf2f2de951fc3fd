"""Matrices and keys between the documents and Blender: conversion, F-curves, change fingerprints.

The documents use row vectors (translation in the last row); Blender's ``Matrix`` uses column
vectors, so one is the other's transpose. Keyed transforms are written as location, quaternion
rotation and scale keys with linear interpolation, and read back by evaluating the F-curves at
each frame (no scene frame change).
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
from mathutils import Matrix

from sdf.document.elements import IDENTITY

def to_blender(m) -> Matrix:
    """A document matrix (16 floats, row vectors) as a Blender Matrix (column vectors)."""
    a = np.asarray(IDENTITY if m is None else m, dtype=np.float64).reshape(4, 4).T
    return Matrix(a.tolist())


def from_blender(m: Matrix) -> list[float]:
    return [float(v) for v in np.array(m, dtype=np.float64).T.reshape(-1)]


def channelbag(id_data):
    """The F-curves animating ``id_data`` (Blender 4.4+ slotted actions, or the older flat list)."""
    ad = id_data.animation_data
    if ad is None or ad.action is None:
        return []
    action = ad.action
    if hasattr(action, "fcurves") and not hasattr(ad, "action_slot"):
        return list(action.fcurves)
    from bpy_extras import anim_utils

    bag = anim_utils.action_get_channelbag_for_slot(action, ad.action_slot)
    return list(bag.fcurves) if bag is not None else []


def linear(id_data) -> None:
    for fc in channelbag(id_data):
        for kp in fc.keyframe_points:
            kp.interpolation = "LINEAR"


def curves_for(id_data, data_path: str) -> dict[int, object]:
    return {fc.array_index: fc for fc in channelbag(id_data) if fc.data_path == data_path}


def key_frames(id_data, data_paths: Iterable[str]) -> list[float]:
    frames = set()
    for fc in channelbag(id_data):
        if fc.data_path in data_paths:
            frames.update(kp.co[0] for kp in fc.keyframe_points)
    return sorted(frames)


def matrix_at(obj, frame: float) -> list[float]:
    """The object's local matrix at ``frame``, evaluated from its F-curves (no scene frame change)."""
    loc = list(obj.location)
    scale = list(obj.scale)
    mode = obj.rotation_mode
    rot_path = "rotation_quaternion" if mode == "QUATERNION" else "rotation_euler"
    rot = list(obj.rotation_quaternion) if mode == "QUATERNION" else list(obj.rotation_euler)
    for path, values in (("location", loc), ("scale", scale), (rot_path, rot)):
        for i, fc in curves_for(obj, path).items():
            values[i] = fc.evaluate(frame)
    from mathutils import Euler, Quaternion, Vector

    r = Quaternion(rot).normalized().to_matrix() if mode == "QUATERNION" else Euler(rot, mode).to_matrix()
    m = Matrix.LocRotScale(Vector(loc), r, Vector(scale))
    return from_blender(m)


def key_matrix(obj, m, frame: float, prev_quat=None):
    """Key location, rotation (quaternion) and scale of ``obj`` to the document matrix ``m`` at ``frame``."""
    obj.rotation_mode = "QUATERNION"
    loc, quat, scale = to_blender(m).decompose()
    if prev_quat is not None:
        quat.make_compatible(prev_quat)
    obj.location, obj.rotation_quaternion, obj.scale = loc, quat, scale
    for path in ("location", "rotation_quaternion", "scale"):
        obj.keyframe_insert(path, frame=frame)
    return quat


def rna_signature(struct, h) -> None:
    """Feed every plain, writable property of an RNA struct (a modifier, a constraint) to a hash."""
    for prop in struct.bl_rna.properties:
        if prop.identifier in ("rna_type", "name", "show_expanded", "is_override_data_editable") or prop.is_readonly:
            continue
        try:
            value = getattr(struct, prop.identifier)
        except AttributeError:
            continue
        if prop.type in ("BOOLEAN", "INT", "FLOAT", "STRING", "ENUM"):
            try:
                value = tuple(value) if getattr(prop, "array_length", 0) else value
            except TypeError:
                pass
            h.update(repr((prop.identifier, value)).encode())
        elif prop.type == "POINTER":
            h.update(repr((prop.identifier, getattr(value, "name", None))).encode())


def fcurve_signature(id_data, h) -> None:
    for fc in channelbag(id_data):
        h.update(fc.data_path.encode())
        h.update(str(fc.array_index).encode())
        n = len(fc.keyframe_points)
        co = np.empty(n * 2, np.float32)
        fc.keyframe_points.foreach_get("co", co)
        h.update(co.tobytes())


