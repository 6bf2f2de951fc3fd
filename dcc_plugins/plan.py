"""Planning a DCC session: from a shot and a department, what the host must build.

:func:`plan_session` decides, once and for every host alike:

- which model-tree leaves are **proxies** (geometry another department owns: drawn
  read-only from the frame cache) and which are **native geometry** (geometry the
  department owns: animation caches for animation, rest geometry for model);
- which record kinds (:mod:`.records`) become native nodes, each either editable (the
  department owns the kind) or read-only (it reads it);
- which kinds are **ignored**: their documents are never opened, so nothing the department
  does not need is read from disk (the view raises if anything asks);
- the scene settings the host follows (frame range, fps, up axis, units).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sdf.runtime import jsonio
from sdf.cache.drawables import drawables
from sdf.errors import SdfError
from sdf.document.shot import KINDS, Shot

from . import records as rec
from .record_kinds import kind as record_kind


@dataclass(frozen=True)
class SceneSettings:
    """What the host scene follows: frames, rate, up axis and the size of a scene unit in metres."""

    name: str
    frame_start: int
    frame_end: int
    fps: float
    up_axis: str
    meters_per_unit: float


@dataclass(frozen=True)
class GeometryItem:
    """A leaf whose Alembic object the host draws: a proxy (``access`` read) or native geometry (edit)."""

    path: str          # model-tree path of the leaf
    file: str          # absolute Alembic path
    object: str        # object inside the archive
    kind: str          # "mesh", "curves" or "points"
    owner_kind: str    # "animation" (an animation cache) or "model_tree" (rest geometry)
    owner: str         # the department owning it
    access: str        # "read" (a proxy), "edit" (native geometry) or "carried" (owned, drawn as a proxy)
    animated: bool

    @property
    def is_proxy(self) -> bool:
        return self.access != "edit"


@dataclass
class SessionPlan:
    shot_file: str
    department: str
    settings: SceneSettings
    access: dict[str, str]                          # every shot kind -> edit / read / ignore
    geometry: list[GeometryItem] = field(default_factory=list)
    records: dict[str, list[dict]] = field(default_factory=dict)   # record kind -> records
    record_access: dict[str, str] = field(default_factory=dict)    # record kind -> edit / read
    problems: list[str] = field(default_factory=list)              # leaves that cannot be drawn
    digests: dict[str, str] = field(default_factory=dict)          # kind -> sha256 of the document read

    @property
    def proxies(self) -> list[GeometryItem]:
        return [g for g in self.geometry if g.is_proxy]

    @property
    def native_geometry(self) -> list[GeometryItem]:
        return [g for g in self.geometry if not g.is_proxy]

    @property
    def ignored(self) -> list[str]:
        return [k for k, a in self.access.items() if a == "ignore"]

    @property
    def owned(self) -> list[str]:
        return [k for k, a in self.access.items() if a == "edit"]


def settings_of(shot: Shot) -> SceneSettings:
    return SceneSettings(shot.name, shot.frame_range.start, shot.frame_range.end, shot.fps, shot.up_axis,
                         shot.meters_per_unit)


def document_digest(shot: Shot, kind: str) -> str | None:
    """sha256 of a loaded part as read (file parts) or as serialised (inline parts)."""
    doc = shot.loaded_document(kind)
    if doc is None:
        return None
    if doc.digest is not None:
        return doc.digest
    return hashlib.sha256(jsonio.dumps(doc.to_json()).encode("utf-8")).hexdigest()


def plan_session(shot: Shot, cache=None) -> SessionPlan:
    """Plan a session for the department ``shot`` was opened for (``sdf.open(path, department=...)``).

    ``cache`` (a :class:`sdf.cache.FrameCache`) provides readers, so the plan's look at each
    Alembic object is the same open file the proxies will play from.
    """
    if shot.department is None:
        raise SdfError("a DCC session needs a department (open the shot with department=...)", shot.file)
    access = {kind: shot.access(kind) for kind in KINDS}
    plan = SessionPlan(shot.file, shot.department, settings_of(shot), access)
    has_tree = "model_tree" in shot.parts and access["model_tree"] != "ignore"
    for kind in rec.RECORD_KINDS:
        declared = record_kind(kind)
        seen = [declared.part] + ([declared.opinions] if declared.opinions else [])
        if any(k not in shot.parts or access[k] == "ignore" for k in seen):
            continue  # the part is not there or not read; or its leaves are, without these opinions
        plan.records[kind] = rec.records(shot, kind)
        plan.record_access[kind] = "edit" if shot.access(rec.kind_of_records(shot, kind)) == "edit" else "read"
    if has_tree:
        plan.geometry, plan.problems = _geometry(shot, cache)
    plan.digests = {k: d for k in shot.parts if shot.is_loaded(k) for d in [document_digest(shot, k)] if d}
    return plan


def _reader(cache, path):
    if cache is not None:
        return cache.reader(path)
    from sdf.alembic.playback_reader import PlaybackReader

    return PlaybackReader(path)


def _geometry(shot: Shot, cache) -> tuple[list[GeometryItem], list[str]]:
    """Every leaf the drawables rule draws, hidden ones too (the host shows and hides them)."""
    drawn, problems = drawables(shot, lambda path: _reader(cache, path), visible_only=False)
    items = []
    for d in drawn:
        # Native geometry is meshes: curves and points caches the department owns are drawn like
        # proxies and carried unchanged (edited in the tool that wrote them).
        if d.editable:
            access = "edit" if d.kind == "mesh" else "carried"
        else:
            access = "read"
        items.append(GeometryItem(d.node, d.file, d.object, d.kind, d.owner_kind, d.owner, access, d.animated))
    return items, problems
