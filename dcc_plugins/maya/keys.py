"""Matrices and keys between the documents and Maya: ``xform`` matrices, linear transform keys, key times.

Maya's matrices are row vectors like the documents', so a document matrix is ``xform -matrix`` as
it is; a keyed transform is written as translate, rotate and scale keys with linear tangents and
read back by evaluating the node's matrix at each key's time.
"""
from __future__ import annotations

import math
from typing import Iterable, cast

import maya.api.OpenMaya as om
import maya.cmds as cmds

#: The identity, for a record whose transform is None.
IDENTITY = (1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0)
#: A 4x4 matrix as ``xform -matrix`` takes it: 16 floats, row vectors.
M16 = tuple[float, float, float, float, float, float, float, float, float, float, float, float, float, float, float, float]
#: The channels a keyed transform is written to.
CHANNELS = ("translateX", "translateY", "translateZ", "rotateX", "rotateY", "rotateZ", "scaleX", "scaleY", "scaleZ")


def m16(values: Iterable[float] | None) -> M16:
    """A record's matrix (None: the identity) as ``xform -matrix`` takes it."""
    m = tuple(float(v) for v in (values if values is not None else IDENTITY))
    if len(m) != 16:
        raise ValueError(f"a matrix has 16 values, got {len(m)}")
    return cast(M16, m)


def matrix(node: str, time: float | None = None) -> list[float]:
    """A transform's local matrix (row vectors), now or at ``time``."""
    if time is None:
        values = cmds.xform(node, query=True, matrix=True, objectSpace=True)
    else:
        values = cmds.getAttr(f"{node}.matrix", time=time)
    return [float(v) for v in cast(Iterable[float], values)]


def key_matrix(node: str, m: list[float], frame: float) -> None:
    """Key translate, rotate and scale to the document matrix ``m`` at ``frame`` (linear tangents)."""
    tm = om.MTransformationMatrix(om.MMatrix(m))
    t = tm.translation(om.MSpace.kTransform)
    r = tm.rotation(False)
    s = tm.scale(om.MSpace.kTransform)
    values = (t.x, t.y, t.z, math.degrees(r.x), math.degrees(r.y), math.degrees(r.z), s[0], s[1], s[2])
    for channel, value in zip(CHANNELS, values):
        cmds.setKeyframe(node, attribute=channel, time=frame, value=float(value), inTangentType="linear",
                         outTangentType="linear")


def key_times(node: str, attributes: Iterable[str]) -> list[float]:
    """The frames any of ``attributes`` is keyed at."""
    times: set[float] = set()
    for attr in attributes:
        found = cmds.keyframe(node, attribute=attr, query=True, timeChange=True)
        times.update(float(t) for t in cast(Iterable[float], found or []))
    return sorted(times)
