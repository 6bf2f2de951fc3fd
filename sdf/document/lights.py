"""The light tree: lights and groups with type, transform, colour, intensity and animation.

Light types follow UsdLux (distant, point/sphere, spot, rect, disk, dome) so the USD
converter maps them one to one. Animated attributes are keyed (``[frame, value...]``) and
linearly interpolated; ``value_at`` gives the effective value at a frame.
"""
from __future__ import annotations

from typing import Any, Iterator

from sdf.document.elements import IDENTITY, ChildList, Element, GuardedDict, Keys, as_matrix, compose

LIGHT_TYPES = ("distant", "point", "spot", "rect", "disk", "sphere", "dome")
_OPTIONAL = ("radius", "width", "height", "angle", "cone_angle", "cone_softness")


class LightNode(Element):
    kind = "lights"
    _schema = "lightNode"

    def local_matrix_at(self, frame: float) -> tuple[float, ...]:
        return self.transform or IDENTITY

    def world_matrix_at(self, frame: float) -> tuple[float, ...]:
        chain = []
        node: Element | None = self
        while isinstance(node, LightNode):
            chain.append(node.local_matrix_at(frame))
            node = node._parent
        return compose(*chain)

    def walk(self) -> Iterator["LightNode"]:
        yield self
        for child in getattr(self, "children", ()):
            yield from child.walk()


class LightGroup(LightNode):
    type = "group"
    _fields = ("name", "transform", "visible", "children", "metadata")

    def __init__(self, name: str, *, transform=None, visible: bool = True, children=(), metadata=None):
        super().__init__()
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "transform", None if transform is None else as_matrix(transform))
        object.__setattr__(self, "visible", bool(visible))
        object.__setattr__(self, "metadata", GuardedDict(self, "metadata", metadata or {}))
        object.__setattr__(self, "children", ChildList(self, children))

    def _coerce(self, name, value):
        return as_matrix(value) if name == "transform" and value is not None else value

    def to_json(self) -> dict:
        d: dict[str, Any] = {"name": self.name, "type": "group"}
        if self.transform is not None:
            d["transform"] = list(self.transform)
        if not self.visible:
            d["visible"] = False
        if self.metadata:
            d["metadata"] = dict(self.metadata)
        d["children"] = [c.to_json() for c in self.children]
        return d


class Light(LightNode):
    _fields = ("name", "type", "transform", "visible", "color", "intensity", "exposure", "texture",
               "animation", "metadata") + _OPTIONAL

    def __init__(self, name: str, type: str, *, transform=None, visible: bool = True, color=(1.0, 1.0, 1.0),
                 intensity: float = 1.0, exposure: float = 0.0, texture: str | None = None, animation=None,
                 metadata=None, **optional):
        super().__init__()
        if type not in LIGHT_TYPES:
            raise ValueError(f"unknown light type {type!r}")
        unknown = set(optional) - set(_OPTIONAL)
        if unknown:
            raise TypeError(f"unknown light parameter(s): {', '.join(sorted(unknown))}")
        for key, value in dict(name=name, type=type, transform=self._coerce("transform", transform),
                               visible=bool(visible), color=self._coerce("color", color),
                               intensity=float(intensity), exposure=float(exposure), texture=texture).items():
            object.__setattr__(self, key, value)
        for key in _OPTIONAL:
            object.__setattr__(self, key, None if optional.get(key) is None else float(optional[key]))
        object.__setattr__(self, "animation", GuardedDict(self, "animation", self._coerce("animation", animation)))
        object.__setattr__(self, "metadata", GuardedDict(self, "metadata", metadata or {}))

    def _coerce(self, name, value):
        if name == "transform":
            return None if value is None else as_matrix(value)
        if name == "color":
            return tuple(float(c) for c in value)
        if name == "animation":
            return GuardedDict(self, "animation",
                               {k: v if isinstance(v, Keys) else Keys(v) for k, v in (value or {}).items()})
        if name in ("intensity", "exposure") or (name in _OPTIONAL and value is not None):
            return float(value)
        return value

    @property
    def is_animated(self) -> bool:
        return any(len(k) > 1 for k in self.animation.values())

    def value_at(self, attribute: str, frame: float):
        """The effective value of ``intensity``, ``exposure``, ``color`` or ``transform`` at ``frame``."""
        keys = self.animation.get(attribute)
        if keys is None:
            return getattr(self, attribute)
        values = keys.at(frame)
        if attribute in ("intensity", "exposure"):
            return values[0]
        return tuple(values)

    def local_matrix_at(self, frame: float) -> tuple[float, ...]:
        return self.value_at("transform", frame) or IDENTITY

    def to_json(self) -> dict:
        d: dict[str, Any] = {"name": self.name, "type": self.type, "color": list(self.color),
                             "intensity": self.intensity}
        if self.exposure:
            d["exposure"] = self.exposure
        if self.transform is not None:
            d["transform"] = list(self.transform)
        if not self.visible:
            d["visible"] = False
        for key in _OPTIONAL:
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        if self.texture is not None:
            d["texture"] = self.texture
        if self.animation:
            d["animation"] = {k: v.to_json() for k, v in self.animation.items()}
        if self.metadata:
            d["metadata"] = dict(self.metadata)
        return d


def light_from_json(d: dict) -> LightNode:
    if d["type"] == "group":
        return LightGroup(d["name"], transform=d.get("transform"), visible=d.get("visible", True),
                          metadata=d.get("metadata"), children=[light_from_json(c) for c in d.get("children", ())])
    optional = {k: d[k] for k in _OPTIONAL if k in d}
    return Light(d["name"], d["type"], transform=d.get("transform"), visible=d.get("visible", True),
                 color=d.get("color", (1.0, 1.0, 1.0)), intensity=d.get("intensity", 1.0),
                 exposure=d.get("exposure", 0.0), texture=d.get("texture"), animation=d.get("animation"),
                 metadata=d.get("metadata"), **optional)


class LightTree(Element):
    kind = "lights"
    name = "lights"
    _schema = "LightTree"
    _fields = ("children",)

    def __init__(self, children=()):
        super().__init__()
        object.__setattr__(self, "children", ChildList(self, children))

    @property
    def path(self) -> str:
        return "/lights"

    def walk(self) -> Iterator[LightNode]:
        for child in self.children:
            yield from child.walk()

    def lights(self) -> list[Light]:
        return [n for n in self.walk() if isinstance(n, Light)]

    def find(self, path: str) -> LightNode | None:
        node: Element = self
        for name in [p for p in path.split("/") if p and p != "lights"]:
            node = node.children.get(name) if hasattr(node, "children") else None
            if node is None:
                return None
        return node if isinstance(node, LightNode) else None

    def to_json(self) -> dict:
        return {"children": [c.to_json() for c in self.children]}

    @classmethod
    def from_json(cls, d: dict) -> "LightTree":
        return cls([light_from_json(c) for c in d.get("children", ())])
