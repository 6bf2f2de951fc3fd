"""Camera paths: camera parameters plus one transform per frame.

Lens and film-back values are in millimetres, as Maya, Alembic and the film world state
them; clipping planes and focus distance are in scene units (see ``Shot.meters_per_unit``).
A static camera has one transform sample; an animated one has a sample per frame from
``start``. Frames outside the sampled range hold the nearest sample.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from sdf.document.elements import ChildList, Element, GuardedDict, as_matrix


class Camera(Element):
    kind = "cameras"
    _schema = "camera"
    _schema_fields = {"transforms": "transform/samples", "transform_start": "transform/start"}
    _fields = ("name", "focal_length", "horizontal_aperture", "vertical_aperture", "near_clip", "far_clip",
               "f_stop", "focus_distance", "transform_start", "transforms", "metadata")

    def __init__(self, name: str, *, focal_length: float = 35.0, horizontal_aperture: float = 36.0,
                 vertical_aperture: float = 24.0, near_clip: float = 0.1, far_clip: float = 10000.0,
                 f_stop: float = 5.6, focus_distance: float = 100.0, transform_start: int = 1,
                 transforms: Sequence[Sequence[float]] = (), metadata: dict | None = None):
        super().__init__()
        for key, value in dict(name=name, focal_length=float(focal_length),
                               horizontal_aperture=float(horizontal_aperture),
                               vertical_aperture=float(vertical_aperture), near_clip=float(near_clip),
                               far_clip=float(far_clip), f_stop=float(f_stop),
                               focus_distance=float(focus_distance), transform_start=int(transform_start),
                               transforms=self._coerce("transforms", transforms)).items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "metadata", GuardedDict(self, "metadata", metadata or {}))

    def _coerce(self, name: str, value: Any) -> Any:
        if name == "transforms":
            return tuple(as_matrix(m) for m in value)
        if name in ("focal_length", "horizontal_aperture", "vertical_aperture", "near_clip", "far_clip",
                    "f_stop", "focus_distance"):
            return float(value)
        if name == "transform_start":
            return int(value)
        return value

    @property
    def is_animated(self) -> bool:
        return len(self.transforms) > 1

    @property
    def frame_range(self) -> tuple[int, int]:
        return self.transform_start, self.transform_start + max(len(self.transforms), 1) - 1

    def matrix_at(self, frame: float) -> tuple[float, ...]:
        """Camera-to-world matrix at ``frame`` (held outside the sampled range, linear between samples)."""
        if not self.transforms:
            from sdf.document.elements import IDENTITY
            return IDENTITY
        t = min(max(frame - self.transform_start, 0.0), len(self.transforms) - 1)
        i = int(math.floor(t))
        f = t - i
        if f == 0.0 or i + 1 >= len(self.transforms):
            return self.transforms[i]
        a = np.asarray(self.transforms[i])
        b = np.asarray(self.transforms[i + 1])
        return tuple(float(v) for v in a * (1 - f) + b * f)

    def vertical_fov(self) -> float:
        """Vertical field of view in degrees, from focal length and film back."""
        return math.degrees(2.0 * math.atan(self.vertical_aperture / (2.0 * self.focal_length)))

    def projection(self, aspect: float | None = None) -> np.ndarray:
        """OpenGL-style projection matrix (column vectors) filling the film back, fit horizontally."""
        film_aspect = self.horizontal_aperture / self.vertical_aperture
        aspect = aspect or film_aspect
        n, f = self.near_clip, self.far_clip
        half_w = 0.5 * self.horizontal_aperture / self.focal_length * n
        half_h = half_w / aspect
        p = np.zeros((4, 4))
        p[0, 0] = n / half_w
        p[1, 1] = n / half_h
        p[2, 2] = -(f + n) / (f - n)
        p[2, 3] = -2 * f * n / (f - n)
        p[3, 2] = -1.0
        return p

    def to_json(self) -> dict:
        d = {"name": self.name, "focal_length": self.focal_length,
             "horizontal_aperture": self.horizontal_aperture, "vertical_aperture": self.vertical_aperture,
             "near_clip": self.near_clip, "far_clip": self.far_clip, "f_stop": self.f_stop,
             "focus_distance": self.focus_distance,
             "transform": {"start": self.transform_start, "samples": [list(m) for m in self.transforms]}}
        if self.metadata:
            d["metadata"] = dict(self.metadata)
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Camera":
        return cls(d["name"], focal_length=d["focal_length"], horizontal_aperture=d["horizontal_aperture"],
                   vertical_aperture=d["vertical_aperture"], near_clip=d["near_clip"], far_clip=d["far_clip"],
                   f_stop=d.get("f_stop", 5.6), focus_distance=d.get("focus_distance", 100.0),
                   transform_start=d["transform"]["start"], transforms=d["transform"]["samples"],
                   metadata=d.get("metadata"))


class CameraSet(Element):
    kind = "cameras"
    name = "cameras"
    _schema = "CameraSet"
    _fields = ("cameras", "shot_camera")

    def __init__(self, cameras=(), shot_camera: str | None = None):
        super().__init__()
        object.__setattr__(self, "cameras", ChildList(self, cameras))
        object.__setattr__(self, "shot_camera", shot_camera)

    @property
    def path(self) -> str:
        return "/cameras"

    def get(self, name: str) -> Camera | None:
        return self.cameras.get(name)

    def __iter__(self):
        return iter(self.cameras)

    def __len__(self) -> int:
        return len(self.cameras)

    def to_json(self) -> dict:
        d: dict[str, Any] = {"cameras": [c.to_json() for c in self.cameras]}
        if self.shot_camera:
            d["shot_camera"] = self.shot_camera
        return d

    @classmethod
    def from_json(cls, d: dict) -> "CameraSet":
        return cls([Camera.from_json(c) for c in d.get("cameras", ())], d.get("shot_camera"))
