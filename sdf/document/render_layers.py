"""Render layers: members selected by path patterns, overrides, AOVs and an OpenEXR output.

Members and override targets are globs over element paths (``/chars/**``, ``/env/*/rock``)
so that a layer keeps working as the model tree grows. AOVs name a source (a renderer
variable, an LPE or a primvar) and a data type, as UsdRender's RenderVar does, so the USD
converter can write one RenderVar per AOV.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sdf.document.elements import ChildList, Element
from sdf.document.model_tree import ModelTree, pattern_regex

OVERRIDE_FIELDS = ("visible", "primary_visibility", "matte", "casts_shadows", "receives_shadows")


@dataclass(frozen=True)
class MemberState:
    """How one model-tree leaf takes part in a render layer, as every renderer of the layer sees it.

    ``state``: ``"beauty"`` (drawn), ``"matte"`` (a holdout: alpha 0, no contribution),
    ``"catcher"`` (a matte that receives shadows: shadows only), ``"indirect"`` (hidden from the
    camera, still casting shadows and reflections). ``id`` is the leaf's number in the model tree
    (:meth:`ModelTree.leaf_numbers`), the integer id matte: the same in every renderer and every layer.
    """

    path: str
    id: int
    state: str
    casts_shadows: bool = True
    receives_shadows: bool = True


@dataclass(frozen=True)
class Override:
    """Attribute values forced on the members matching ``members`` while rendering this layer."""

    members: str
    values: tuple[tuple[str, bool], ...]

    def __init__(self, members: str, **values: bool):
        unknown = set(values) - set(OVERRIDE_FIELDS)
        if unknown:
            raise TypeError(f"unknown override(s): {', '.join(sorted(unknown))}")
        object.__setattr__(self, "members", members)
        object.__setattr__(self, "values", tuple(sorted((k, bool(v)) for k, v in values.items())))

    def get(self, name: str, default=None):
        return dict(self.values).get(name, default)

    def to_json(self) -> dict:
        return {"members": self.members, **dict(self.values)}

    @classmethod
    def from_json(cls, d: dict) -> "Override":
        return cls(d["members"], **{k: v for k, v in d.items() if k != "members"})


@dataclass(frozen=True)
class AOV:
    name: str
    data_type: str = "color3f"
    source: str = "Ci"
    source_type: str = "raw"

    def to_json(self) -> dict:
        return {"name": self.name, "data_type": self.data_type, "source": self.source,
                "source_type": self.source_type}

    @classmethod
    def from_json(cls, d: dict) -> "AOV":
        return cls(d["name"], d["data_type"], d["source"], d.get("source_type", "raw"))

    def channels(self) -> tuple[str, ...]:
        """EXR channel names for this AOV in a multi-part file (``diffuse.R``...)."""
        suffix = {"color3f": "RGB", "color4f": "RGBA", "vector3f": "XYZ", "normal3f": "XYZ", "point3f": "XYZ",
                  "float": "Z" if self.name.lower() in ("depth", "z") else "V", "int": "V"}[self.data_type]
        return tuple(f"{self.name}.{c}" for c in suffix)


@dataclass(frozen=True)
class Output:
    path: str
    compression: str = "zip"
    pixel_type: str = "half"
    resolution: tuple[int, int] = (1920, 1080)

    def to_json(self) -> dict:
        return {"path": self.path, "compression": self.compression, "pixel_type": self.pixel_type,
                "resolution": list(self.resolution)}

    @classmethod
    def from_json(cls, d: dict) -> "Output":
        return cls(d["path"], d.get("compression", "zip"), d.get("pixel_type", "half"),
                   tuple(d.get("resolution", (1920, 1080))))

    def frame_path(self, frame: int, layer: str = "") -> str:
        """The output path for ``frame``: ``####`` becomes the zero-padded frame, ``${LAYER}`` the layer name."""
        path = self.path.replace("${LAYER}", layer)
        hashes = 0
        i = path.find("#")
        if i >= 0:
            while i + hashes < len(path) and path[i + hashes] == "#":
                hashes += 1
            path = path[:i] + f"{frame:0{hashes}d}" + path[i + hashes:]
        return path


class RenderLayer(Element):
    kind = "render_layers"
    _fields = ("name", "enabled", "camera", "members", "lights", "overrides", "aovs", "output")
    _schema = "renderLayer"

    def __init__(self, name: str, *, members=("/**",), lights=(), overrides=(), aovs=(AOV("beauty", "color4f", "Ci"),),
                 output: Output | dict | None = None, camera: str | None = None, enabled: bool = True):
        super().__init__()
        object.__setattr__(self, "name", name)
        values = {"enabled": enabled, "camera": camera, "members": members, "lights": lights,
                  "overrides": overrides, "aovs": aovs, "output": output}
        for key, value in values.items():
            object.__setattr__(self, key, self._coerce(key, value))

    @property
    def path(self) -> str:
        return f"/render_layers/{self.name}"

    def _coerce(self, name: str, value: Any) -> Any:
        if name in ("members", "lights"):
            return tuple(value)
        if name == "overrides":
            return tuple(v if isinstance(v, Override) else Override.from_json(v) for v in value)
        if name == "aovs":
            return tuple(v if isinstance(v, AOV) else AOV.from_json(v) for v in value)
        if name == "output":
            if value is None:
                return Output(f"renders/{self._name_for_default()}/{self._name_for_default()}.####.exr")
            return value if isinstance(value, Output) else Output.from_json(value)
        if name == "enabled":
            return bool(value)
        return value

    def _name_for_default(self) -> str:
        return self.__dict__.get("name", "layer")

    def member_nodes(self, tree: ModelTree):
        """Model-tree nodes that belong to this layer (matching any member pattern)."""
        regexes = [pattern_regex(p) for p in self.members]
        return [n for n in tree.walk() if any(rx.match(n.path) for rx in regexes)]

    def leaf_states(self, tree: ModelTree) -> dict[str, MemberState]:
        """The layer's members among the tree's leaves, each with its effective overrides: the one rule
        Cycles (``sdf render``, F12 in a session) and the viewer's preview AOVs both follow.

        A leaf is a member when it or a group above it matches a member pattern, and is left out when
        it or a group above it is hidden, or an override sets ``visible`` false."""
        numbers = tree.leaf_numbers()
        out: dict[str, MemberState] = {}
        for node in self.member_nodes(tree):
            if not node.is_leaf or not node.effectively_visible():
                continue
            ov = self.overrides_for(node.path)
            if ov.get("visible") is False:
                continue
            if ov.get("primary_visibility") is False:
                state = "indirect"
            elif ov.get("matte"):
                state = "catcher" if ov.get("receives_shadows") is True else "matte"
            else:
                state = "beauty"
            out[node.path] = MemberState(node.path, numbers[node.path], state, ov.get("casts_shadows", True),
                                         ov.get("receives_shadows", True))
        return out

    def overrides_for(self, path: str) -> dict[str, bool]:
        """Effective override values for one element: later overrides win."""
        out: dict[str, bool] = {}
        for ov in self.overrides:
            if pattern_regex(ov.members).match(path):
                out.update(dict(ov.values))
        return out

    def to_json(self) -> dict:
        d: dict[str, Any] = {"name": self.name, "members": list(self.members),
                             "aovs": [a.to_json() for a in self.aovs], "output": self.output.to_json()}
        if not self.enabled:
            d["enabled"] = False
        if self.camera:
            d["camera"] = self.camera
        if self.lights:
            d["lights"] = list(self.lights)
        if self.overrides:
            d["overrides"] = [o.to_json() for o in self.overrides]
        return d

    @classmethod
    def from_json(cls, d: dict) -> "RenderLayer":
        return cls(d["name"], members=d["members"], lights=d.get("lights", ()), overrides=d.get("overrides", ()),
                   aovs=d["aovs"], output=d["output"], camera=d.get("camera"), enabled=d.get("enabled", True))


class RenderLayerSet(Element):
    kind = "render_layers"
    name = "render_layers"
    _fields = ("layers",)
    _schema = "RenderLayerSet"

    def __init__(self, layers=()):
        super().__init__()
        object.__setattr__(self, "layers", ChildList(self, layers))

    @property
    def path(self) -> str:
        return "/render_layers"

    def __iter__(self):
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def get(self, name: str) -> RenderLayer | None:
        return self.layers.get(name)

    def to_json(self) -> dict:
        return {"layers": [l.to_json() for l in self.layers]}

    @classmethod
    def from_json(cls, d: dict) -> "RenderLayerSet":
        return cls([RenderLayer.from_json(l) for l in d.get("layers", ())])
