"""Parts that only point at other data: rig files, rough-layout proxies, intermediate data.

Rig files (Maya, FBX...) are referenced, never read: only the rig department's DCC opens
them. The SDF records where they are so that a pipeline can fetch them and so that
validation can check they exist.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sdf.document.elements import Element, as_matrix


@dataclass(frozen=True)
class Rig:
    name: str
    path: str
    format: str = "maya_ascii"
    asset: str | None = None

    def to_json(self) -> dict:
        d = {"name": self.name, "path": self.path, "format": self.format}
        if self.asset:
            d["asset"] = self.asset
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Rig":
        return cls(d["name"], d["path"], d["format"], d.get("asset"))


class RigList(Element):
    kind = "rig"
    name = "rig"
    _fields = ("rigs",)
    _schema = "RigList"

    def __init__(self, rigs=()):
        super().__init__()
        object.__setattr__(self, "rigs", self._coerce("rigs", rigs))

    @property
    def path(self) -> str:
        return "/rig"

    def _coerce(self, name, value):
        return tuple(r if isinstance(r, Rig) else Rig.from_json(r) for r in value)

    def __iter__(self):
        return iter(self.rigs)

    def __len__(self):
        return len(self.rigs)

    def to_json(self) -> dict:
        return {"rigs": [r.to_json() for r in self.rigs]}

    @classmethod
    def from_json(cls, d: dict) -> "RigList":
        return cls(d.get("rigs", ()))


@dataclass(frozen=True)
class Proxy:
    """A rough-layout stand-in: a box (min xyz, max xyz) placed by a transform."""

    name: str
    bounds: tuple[float, ...]
    transform: tuple[float, ...] | None = None
    stands_for: str | None = None

    def to_json(self) -> dict:
        d: dict[str, Any] = {"name": self.name, "bounds": list(self.bounds)}
        if self.transform is not None:
            d["transform"] = list(self.transform)
        if self.stands_for:
            d["stands_for"] = self.stands_for
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Proxy":
        return cls(d["name"], tuple(float(b) for b in d["bounds"]),
                   None if d.get("transform") is None else as_matrix(d["transform"]), d.get("stands_for"))


class Layout(Element):
    kind = "layout"
    name = "layout"
    _fields = ("proxies", "shot_camera")
    _schema = "Layout"

    def __init__(self, proxies=(), shot_camera: str | None = None):
        super().__init__()
        object.__setattr__(self, "proxies", self._coerce("proxies", proxies))
        object.__setattr__(self, "shot_camera", shot_camera)

    @property
    def path(self) -> str:
        return "/layout"

    def _coerce(self, name, value):
        if name == "proxies":
            return tuple(p if isinstance(p, Proxy) else Proxy.from_json(p) for p in value)
        return value

    def to_json(self) -> dict:
        d: dict[str, Any] = {"proxies": [p.to_json() for p in self.proxies]}
        if self.shot_camera:
            d["shot_camera"] = self.shot_camera
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Layout":
        return cls(d.get("proxies", ()), d.get("shot_camera"))


@dataclass(frozen=True)
class Intermediate:
    """Intermediate data (a simulation cache, a tracking solve) referenced by path, never embedded."""

    name: str
    path: str
    kind: str
    produced_by: str | None = None

    def to_json(self) -> dict:
        d = {"name": self.name, "path": self.path, "kind": self.kind}
        if self.produced_by:
            d["produced_by"] = self.produced_by
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Intermediate":
        return cls(d["name"], d["path"], d["kind"], d.get("produced_by"))
