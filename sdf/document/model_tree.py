"""The model tree: a hierarchy whose leaves point into Alembic files.

Several departments contribute to one tree, each in its own file, the way USD composes
layers: the *model* department owns the structure and the geometry sources; *final layout*
owns placement (transforms, visibility); *texture & shader* owns material assignments;
*effects* owns effect references; *animation* owns the animation caches that replace a
leaf's static geometry during the shot. The other departments' contributions live in
:class:`Overlay` documents keyed by element path. A :class:`ModelNode` shows the composed
value (overlay opinion if there is one, else the model's base value), and an edit goes to
the document of the kind that owns the field: the edit target follows ownership, so no
department ever writes into another's file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Iterator

from sdf.document.elements import IDENTITY, ChildList, Element, GuardedDict, as_matrix, compose

#: Which data kind owns each composed field of a model node.
FIELD_KIND = {
    "transform": "placement",
    "visible": "placement",
    "material": "materials",
    "effects": "fx",
    "animation": "animation",
}
OVERLAY_FIELDS = {
    "placement": ("transform", "visible"),
    "materials": ("material",),
    "fx": ("effects",),
    "animation": ("animation",),
}
_DEFAULTS: dict[str, Any] = {"transform": None, "visible": True, "material": None, "effects": (), "animation": None}


@dataclass(frozen=True)
class AlembicSource:
    """An object inside an Alembic archive: ``file`` as written in the document, ``object`` an absolute path."""

    file: str
    object: str

    def to_json(self) -> dict:
        return {"file": self.file, "object": self.object}

    @classmethod
    def from_json(cls, d: dict | "AlembicSource" | None) -> "AlembicSource | None":
        if d is None or isinstance(d, AlembicSource):
            return d
        return cls(d["file"], d["object"])


def _coerce_field(name: str, value: Any) -> Any:
    if name == "transform":
        return None if value is None else as_matrix(value)
    if name == "visible":
        return bool(value)
    if name in ("source", "animation"):
        return AlembicSource.from_json(value)
    if name == "effects":
        return tuple(str(v) for v in (value or ()))
    if name == "material":
        return None if value is None else str(value)
    return value


class ModelNode(Element):
    """A group (with children) or a leaf (with an Alembic ``source``) of the model tree."""

    kind = "model_tree"
    _fields = ("name", "source", "include", "children", "metadata")
    _schema = "modelNode"

    def __init__(self, name: str, *, transform=None, visible: bool = True, source=None, animation=None,
                 material: str | None = None, effects=(), children=(), metadata=None, include: str | None = None):
        super().__init__()
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "source", AlembicSource.from_json(source))
        object.__setattr__(self, "include", include)
        object.__setattr__(self, "_base", {
            "transform": _coerce_field("transform", transform),
            "visible": bool(visible),
            "material": material,
            "effects": _coerce_field("effects", effects),
            "animation": AlembicSource.from_json(animation),
        })
        object.__setattr__(self, "metadata", GuardedDict(self, "metadata", metadata or {}))
        object.__setattr__(self, "children", ChildList(self, children))
        object.__setattr__(self, "_included_doc", None)

    def _field_kind(self, field: str) -> str:
        return FIELD_KIND.get(field, "model_tree")

    def _coerce(self, name: str, value: Any) -> Any:
        return _coerce_field(name, value)

    def _field_location(self, name: str) -> tuple[str | None, str]:
        """A composed field is named where the edit goes: the owning department's overlay, if the view has one."""
        overlay = self._overlay(FIELD_KIND[name]) if name in FIELD_KIND and self._doc is not None else None
        if overlay is not None and overlay._doc is not None:
            return overlay._doc.path or self._doc.shot.file, f"opinions{self.path}/{name}"
        return super()._field_location(name)

    def _before_edit(self, field: str) -> None:
        if field == "children" and self._included_doc is not None:
            self._included_doc.before_edit(self, "model_tree")
        else:
            super()._before_edit(field)

    # -- composed fields ---------------------------------------------------------------------
    def _overlay(self, kind: str):
        doc = self._doc
        shot = getattr(doc, "shot", None)
        return shot._overlay(kind) if shot is not None else None

    def _get(self, field: str) -> Any:
        overlay = self._overlay(FIELD_KIND[field])
        if overlay is not None:
            opinion = overlay.opinions.get(self.path)
            if opinion is not None and field in opinion:
                return opinion[field]
        return self._base[field]

    def _set(self, field: str, value: Any) -> None:
        value = _coerce_field(field, value)
        kind = FIELD_KIND[field]
        overlay = self._overlay(kind)
        if overlay is not None:
            overlay.set_opinion(self.path, field, value)
        else:
            super()._before_edit(field)
            self._base[field] = value

    transform = property(lambda self: self._get("transform"), lambda self, v: self._set("transform", v),
                         doc="Local 4x4 matrix (row-major, row vectors) or None for identity.")
    visible = property(lambda self: self._get("visible"), lambda self, v: self._set("visible", v))
    material = property(lambda self: self._get("material"), lambda self, v: self._set("material", v),
                        doc="Material reference, e.g. 'materials/hero.mtlx#skin'.")
    effects = property(lambda self: self._get("effects"), lambda self, v: self._set("effects", v),
                       doc="Effect references (fx department).")
    animation = property(lambda self: self._get("animation"), lambda self, v: self._set("animation", v),
                         doc="Animation cache replacing the static source during the shot.")

    # -- structure ---------------------------------------------------------------------------
    @property
    def is_leaf(self) -> bool:
        return self.source is not None

    @property
    def geometry(self) -> AlembicSource | None:
        """What to draw for this leaf: the animation cache when there is one, else the model source."""
        return self.animation or self.source

    def effectively_visible(self) -> bool:
        """Visible, and so are all its ancestors (one hidden group hides everything below it)."""
        node: Element | None = self
        while isinstance(node, ModelNode):
            if not node.visible:
                return False
            node = node._parent
        return True

    def local_matrix(self) -> tuple[float, ...]:
        return self.transform or IDENTITY

    def world_matrix(self) -> tuple[float, ...]:
        chain = []
        node: Element | None = self
        while isinstance(node, ModelNode):
            chain.append(node.local_matrix())
            node = node._parent
        return compose(*chain)

    def walk(self) -> Iterator["ModelNode"]:
        yield self
        for child in self.children:
            yield from child.walk()

    def to_json(self) -> dict:
        d: dict[str, Any] = {"name": self.name}
        base = self._base
        if base["transform"] is not None:
            d["transform"] = list(base["transform"])
        if not base["visible"]:
            d["visible"] = False
        if self.source is not None:
            d["source"] = self.source.to_json()
        if base["animation"] is not None:
            d["animation"] = base["animation"].to_json()
        if base["material"] is not None:
            d["material"] = base["material"]
        if base["effects"]:
            d["effects"] = list(base["effects"])
        if self.metadata:
            d["metadata"] = dict(self.metadata)
        if self.include is not None:
            d["include"] = self.include
        elif self.children:
            d["children"] = [c.to_json() for c in self.children]
        return d

    @classmethod
    def from_json(cls, d: dict) -> "ModelNode":
        return cls(d["name"], transform=d.get("transform"), visible=d.get("visible", True),
                   source=d.get("source"), animation=d.get("animation"), material=d.get("material"),
                   effects=d.get("effects", ()), metadata=d.get("metadata"), include=d.get("include"),
                   children=[cls.from_json(c) for c in d.get("children", ())])


class ModelTree(Element):
    """The root of the model tree (path ``/``)."""

    kind = "model_tree"
    name = ""
    _fields = ("children",)
    _schema = "ModelTree"

    def __init__(self, children=()):
        super().__init__()
        object.__setattr__(self, "children", ChildList(self, children))

    @property
    def path(self) -> str:
        return "/"

    def walk(self) -> Iterator[ModelNode]:
        for child in self.children:
            yield from child.walk()

    def leaves(self) -> Iterator[ModelNode]:
        return (n for n in self.walk() if n.is_leaf)

    def leaf_numbers(self) -> dict[str, int]:
        """Each leaf's number, 1, 2... in walk order: the integer id matte every renderer writes."""
        return {n.path: i for i, n in enumerate(self.leaves(), start=1)}

    def find(self, path: str) -> ModelNode | None:
        node: Element = self
        for name in [p for p in path.split("/") if p]:
            node = node.children.get(name)
            if node is None:
                return None
        return node if isinstance(node, ModelNode) else None

    def match(self, pattern: str) -> list[ModelNode]:
        """Nodes whose path matches a glob (``*`` within one level, ``**`` across levels)."""
        rx = pattern_regex(pattern)
        return [n for n in self.walk() if rx.match(n.path)]

    def to_json(self) -> dict:
        return {"children": [c.to_json() for c in self.children]}

    @classmethod
    def from_json(cls, d: dict) -> "ModelTree":
        return cls([ModelNode.from_json(c) for c in d.get("children", ())])


def pattern_regex(pattern: str) -> re.Pattern:
    """Compile a path glob: ``**`` spans levels, ``*`` and ``?`` stay within one; a match also covers descendants."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("^" + "".join(out).rstrip("/") + "(/.*)?$")


class Overlay(Element):
    """One department's opinions on model-tree fields, keyed by element path.

    ``opinions`` is a read-only mapping of read-only mappings: an opinion changes only through
    :meth:`set_opinion` (what the composed node fields call), which asks the view for permission.
    """

    _fields = ()

    def __init__(self, kind: str, opinions: dict | None = None):
        super().__init__()
        object.__setattr__(self, "kind", kind)
        ops = {}
        for path, fields in (opinions or {}).items():
            ops[path] = MappingProxyType({k: _coerce_field(k, v) for k, v in fields.items()})
        object.__setattr__(self, "_ops", ops)
        object.__setattr__(self, "_view", MappingProxyType(ops))

    @property
    def opinions(self):
        return self._view

    @property
    def path(self) -> str:
        return f"({self.kind})"

    def set_opinion(self, element_path: str, field: str, value: Any) -> None:
        if self._doc is not None:
            self._doc.before_edit_path(element_path, self.kind)
        fields = dict(self._ops.get(element_path, {}))
        fields[field] = value
        self._ops[element_path] = MappingProxyType(fields)

    def to_json(self) -> dict:
        out = {}
        for path, fields in sorted(self.opinions.items()):
            d = {}
            for k, v in fields.items():
                if k == "transform":
                    v = None if v is None else list(v)
                elif k == "animation":
                    v = None if v is None else v.to_json()
                elif k == "effects":
                    v = list(v)
                if v is not None:
                    d[k] = v
            if d:
                out[path] = d
        return {"kind": self.kind, "opinions": out}

    @classmethod
    def from_json(cls, d: dict) -> "Overlay":
        return cls(d["kind"], d.get("opinions", {}))
