"""Matrices, parameters and keys between the documents and Houdini.

``hou.Matrix4`` is row-major with row vectors, like the documents, so a record's matrix is
Houdini's as it is. A keyed transform is written as translate, rotate and scale keys (``srt``,
``xyz``) with linear segments and read back by evaluating the parameters at each key's frame.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import hou

#: The identity, for a record whose transform is None.
IDENTITY = (1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0)


def m4(values: Sequence[float] | None) -> hou.Matrix4:
    """A record's matrix (None: the identity) as Houdini's (both row-major, row vectors)."""
    return hou.Matrix4([float(v) for v in (values if values is not None else IDENTITY)])


def flat(m: hou.Matrix4) -> list[float]:
    """A Houdini matrix as a record's 16 floats."""
    return [float(v) for v in m.asTuple()]


def parm(node: hou.OpNode, name: str) -> hou.Parm:
    """A parameter the node type must have (keys and values are set on parameters)."""
    p = node.parm(name)
    if p is None:
        raise hou.OperationFailed(f"{node.path()} has no parameter '{name}'")
    return p


def parm_tuple(node: hou.OpNode, name: str) -> hou.ParmTuple:
    """A parameter tuple the node type must have."""
    p = node.parmTuple(name)
    if p is None:
        raise hou.OperationFailed(f"{node.path()} has no parameter '{name}'")
    return p


def set_key(p: hou.Parm, frame: float, value: float) -> None:
    """Key ``p`` to ``value`` at ``frame``, linear to the next key."""
    k = hou.Keyframe(value, hou.frameToTime(frame))
    k.setExpression("linear()")
    p.setKeyframe(k)


def key_times(node: hou.OpNode, names: Iterable[str]) -> list[float]:
    """The frames any parameter of the tuples ``names`` is keyed at."""
    times: set[float] = set()
    for name in names:
        tup = node.parmTuple(name)
        for p in (tup if tup is not None else ()):
            times.update(hou.timeToFrame(k.time()) for k in p.keyframes())
    return sorted(times)


def key_matrix(node: hou.ObjNode, m: Sequence[float], frame: float) -> None:
    """Key the node's translate, rotate and scale to the document matrix ``m`` at ``frame``."""
    parts = m4(m).explode(transform_order="srt", rotate_order="xyz")
    for name, values in (("t", parts["translate"]), ("r", parts["rotate"]), ("s", parts["scale"])):
        for p, v in zip(parm_tuple(node, name), values):
            set_key(p, frame, float(v))


def matrix_at(node: hou.ObjNode, frame: float) -> list[float]:
    """The node's parameter transform at ``frame`` (evaluated from its keys)."""
    t = parm_tuple(node, "t").evalAsFloatsAtFrame(frame)
    r = parm_tuple(node, "r").evalAsFloatsAtFrame(frame)
    s = parm_tuple(node, "s").evalAsFloatsAtFrame(frame)
    return flat(hou.hmath.buildTransform({"translate": t, "rotate": r, "scale": s}, "srt", "xyz"))
