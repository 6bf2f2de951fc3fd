"""A department's session inside a DCC: open, draw, update, publish and status, for every host.

The session is the core of the DCC side; a host (:class:`~.host.HostAdapter`) only
translates. Its life:

**open** — the shot is opened as the department (:func:`sdf.open` with ``department=``), so
the documents of ignored kinds are never read. :func:`~.plan.plan_session` decides what is a
proxy and what is native; the host builds it; the *session record* (what was built, from
which documents, with their digests) is stored in the host's own scene file, so a saved and
reopened scene resumes the session (:meth:`Session.resume`).

**draw** — :meth:`Session.show` feeds every proxy the frame cache's buffers for a frame; the
second pass over a range plays from memory.

**publish** — the host's native state is read back into records and diffed against the
records it was built from (:mod:`.records`). Changes to data the department owns are
applied to a fresh view through the public API (ownership checked there too), checked like
any document, and published as new versions of the department's own files only
(:func:`sdf.pipeline.publish.publish` with ``kinds=``). Changes to anything else (a moved proxy, an
upstream light edited) refuse the whole publish with a line naming the element and its
owner; no change at all is "nothing to publish", never an empty version.

**update** — newer upstream versions are pulled into the proxies and read-only nodes; the
department's own native nodes are left exactly as the artist has them.
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from sdf.pipeline import publish as sdf_publish
from sdf.pipeline.publish import NothingToPublish
from sdf.errors import SdfError
from sdf.document.checks import check_document
from sdf.document.shot import PART_SCHEMAS, Shot
from sdf.document.opening import open_shot

from . import bake
from . import records as rec
from .apply import apply_changes
from .feed import cache_held
from .host import HostAdapter
from .plan import GeometryItem, SceneSettings, SessionPlan, document_digest, plan_session
from .record_kinds import BUILD_ORDER, STRUCTURAL
from .status import format_status  # noqa: F401  (re-exported: the hosts' UIs format status with it)

RECORD_SCHEMA = "DccSession.1"
#: Positions of a proxy may differ from the cache by this much before it counts as edited.
POSITION_TOL = 1e-5


class PublishRefused(SdfError):
    """The session holds edits of data another department owns: nothing is published."""


@dataclass
class Refusal:
    path: str
    what: str
    owner: str

    def line(self) -> str:
        return f"{self.path}: {self.what} is owned by {self.owner}"


@dataclass
class Changes:
    """What the host holds that differs from what the session was built from."""

    own: list[rec.Change] = field(default_factory=list)          # the department's data: publishable
    geometry: list[GeometryItem] = field(default_factory=list)   # native geometry the artist changed
    refused: list[Refusal] = field(default_factory=list)         # another department's data: refused
    notes: list[str] = field(default_factory=list)               # harmless: a deleted display node...

    @property
    def empty(self) -> bool:
        return not (self.own or self.geometry)


def _department(department: str | None, shot_file: str) -> str:
    department = department or os.environ.get("SDF_DEPARTMENT")
    if not department:
        raise SdfError("which department? choose one, or set SDF_DEPARTMENT", shot_file)
    return department


class Session:
    """One department's session in one host scene. Create it with :meth:`open` or :meth:`resume`."""

    def __init__(self, host: HostAdapter, record: dict, cache=None):
        if cache is None:
            from sdf.cache.frame_cache import FrameCache

            cache = FrameCache(populate=False)
        self.host = host
        self.record = record
        self.cache = cache
        self.geometry = [GeometryItem(**g) for g in record["geometry"]]
        self.problems: list[str] = list(record.get("problems", ()))
        self._bad_items: set[str] = set()

    # -- properties --------------------------------------------------------------------------
    @property
    def shot_file(self) -> str:
        return self.record["shot_file"]

    @property
    def department(self) -> str:
        return self.record["department"]

    @property
    def settings(self) -> SceneSettings:
        return SceneSettings(**self.record["settings"])

    @property
    def proxies(self) -> list[GeometryItem]:
        return [g for g in self.geometry if g.is_proxy]

    @property
    def native_geometry(self) -> list[GeometryItem]:
        return [g for g in self.geometry if not g.is_proxy]

    def view(self) -> Shot:
        """A fresh view of the shot on disk, as this department."""
        return open_shot(self.shot_file, self.department, config=self.record.get("config"))

    # -- open / resume -------------------------------------------------------------------------
    @classmethod
    def open(cls, host: HostAdapter, shot_file: str, department: str | None = None, *, config: str | None = None,
             cache=None) -> "Session":
        """Open ``shot_file`` as ``department`` (default ``$SDF_DEPARTMENT``) in ``host``."""
        shot_file = os.path.abspath(os.fspath(shot_file))
        department = _department(department, shot_file)
        view = open_shot(shot_file, department, config=config)
        session = cls(host, {"geometry": []}, cache)
        plan = _held_by(host, plan_session(view, session.cache))
        host.apply_settings(plan.settings)
        for kind in BUILD_ORDER:
            if kind in plan.records:
                host.build_records(kind, plan.records[kind], plan.record_access[kind] == "edit")
            if kind == "placement":
                host.build_geometry(plan.geometry)  # below the placement nodes, before leaf opinions
        if "placement" not in plan.records:
            host.build_geometry(plan.geometry)
        if "materials" in plan.records:
            session.shade(view)
        session.record = {
            "sdf_schema": RECORD_SCHEMA, "shot_file": shot_file, "department": department, "config": config,
            "host": host.name, "opened": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "settings": asdict(plan.settings), "access": plan.access, "digests": plan.digests,
            "records": plan.records, "record_access": plan.record_access,
            "geometry": [asdict(g) for g in plan.geometry], "problems": plan.problems,
            "signatures": {},
        }
        session.geometry = list(plan.geometry)
        session.problems = list(plan.problems)
        session._accept_native_geometry()
        host.save_record(session.record)
        if getattr(host, "bounds_first", False):
            session.show_bounds(host.current_frame())
        else:
            session.show(host.current_frame())
        return session

    def shade(self, view: Shot) -> None:
        """Materials get their MaterialX surface in the host; one that cannot be read is reported."""
        from .shading import material_shading

        params, problems = material_shading(view)
        for problem in problems:
            self.host.report("warning", problem)
        self.host.shade_materials(params)

    def show_bounds(self, frame: float) -> None:
        """Draw each proxy as its stored Alembic bounds (no points read): a host that opens proxies
        this way fills them afterwards with :meth:`show`. Proxies whose archive stores no bounds
        are drawn in full right away."""
        from sdf.alembic.frame_data import FrameData

        fps = self.settings.fps
        full = set()
        self.host.begin_frame()
        try:
            for item in self.proxies:
                try:
                    reader = self.cache.reader(item.file)
                    box = reader.bounds(item.object, frame, fps)
                    if box is None:
                        full.add(item.path)
                        continue
                    corners = np.array(box, dtype=np.float32)
                    world = reader.object(item.object).world_at(frame / fps)
                    self.host.show_frame(item, FrameData(item.object, frame, 0, "bounds", corners, None, None, world))
                except SdfError:
                    full.add(item.path)
        finally:
            self.host.end_frame()
        if full:
            self.show(frame, only=full)

    @classmethod
    def resume(cls, host: HostAdapter, cache=None) -> "Session | None":
        """The session stored in the host's open scene, or None if the scene holds none."""
        record = host.load_record()
        if not record:
            return None
        if record.get("sdf_schema") != RECORD_SCHEMA:
            raise SdfError(f"this scene holds a session record of schema {record.get('sdf_schema')!r}; "
                           f"this toolkit reads {RECORD_SCHEMA}", record.get("shot_file"))
        return cls(host, record, cache)

    def _accept_native_geometry(self) -> None:
        """Remember the native geometry as it is now: changes are counted from here."""
        self.record["signatures"] = {g.path: self.host.geometry_signature(g) for g in self.native_geometry}

    # -- drawing -------------------------------------------------------------------------------
    def show(self, frame: float, only: set[str] | None = None) -> list[str]:
        """Draw every proxy (or those whose path is in ``only``) at ``frame`` from the frame cache;
        returns the proxies that could not be drawn.

        Never raises for a file: a proxy whose file is missing or broken is reported (once)
        and skipped, and the rest of the shot keeps drawing.
        """
        fps = self.settings.fps
        failed = []
        self.host.begin_frame()
        try:
            self._show(frame, fps, failed, only)
        finally:
            self.host.end_frame()
        return failed

    def _show(self, frame: float, fps: float, failed: list[str], only=None) -> None:
        for item in self.proxies:
            if only is not None and item.path not in only:
                continue
            try:
                data = self.cache.get(item.file, item.object, frame, fps, layout=self.host.layout)
            except SdfError as exc:
                failed.append(item.path)
                if item.path not in self._bad_items:
                    self._bad_items.add(item.path)
                    msg = f"{item.path}: {exc}"
                    self.problems.append(msg)
                    self.host.report("warning", msg)
                continue
            self.host.show_frame(item, data)

    # -- reading the host back -----------------------------------------------------------------
    def changes(self) -> Changes:
        """Everything the host holds that differs from what this session built (or last published)."""
        out = Changes()
        access = self.record["record_access"]
        for kind, before in self.record["records"].items():
            now = self.host.read_records(kind)
            for change in rec.diff(kind, before, now):
                if kind in STRUCTURAL and change.op != "set":
                    if change.op == "remove":
                        out.notes.append(f"{change.path}: its node was deleted in {self.host.name} "
                                         "(display only; Update brings it back)")
                    continue
                if kind in STRUCTURAL and change.field in ("parent", "leaf", "name"):
                    out.refused.append(Refusal(change.path, "the model tree's structure", self._owner("model_tree")))
                    continue
                if access.get(kind) == "edit":
                    out.own.append(change)
                else:
                    shot_kind = kind
                    if kind == "placement" and self.record["access"].get("placement") in (None, "ignore"):
                        shot_kind = "model_tree"  # the model's own transforms: placement is not seen
                    out.refused.append(Refusal(change.path, f"{_field_label(change)} ({shot_kind})",
                                               self._owner(shot_kind)))
        for item in self.proxies:
            state = self.host.proxy_state(item)
            if state is None:
                out.notes.append(f"{item.path}: its proxy was deleted in {self.host.name} "
                                 "(display only; Update brings it back)")
                continue
            problem = self._proxy_problem(item, state)
            if problem:
                what = f"{problem} ({item.owner_kind})"
                if item.access == "carried":
                    what += ", a curves or points cache, which is edited in the tool that wrote it, not here"
                out.refused.append(Refusal(item.path, what, item.owner))
        signatures = self.record.get("signatures", {})
        for item in self.native_geometry:
            if self.host.geometry_signature(item) != signatures.get(item.path):
                out.geometry.append(item)
        return out

    def _owner(self, kind: str) -> str:
        """The department owning ``kind``, by the policy in force for this shot."""
        if not hasattr(self, "_policy"):
            from sdf.document.departments import load_policy

            self._policy = load_policy(self.record.get("config"), shot_dir=os.path.dirname(self.shot_file))
        return self._policy.owner(kind) or "nobody"

    def _proxy_problem(self, item: GeometryItem, state) -> str | None:
        try:
            data = self.cache.get(item.file, item.object, state.frame, self.settings.fps, layout=self.host.layout)
        except SdfError:
            return None  # a file that cannot be read was reported when drawing; not the artist's edit
        expected = np.asarray(data.world, dtype=np.float64).reshape(-1)
        if not rec.close(list(expected), list(state.matrix)):
            return "its geometry's transform"
        if state.positions is not None:
            pos = np.asarray(state.positions, dtype=np.float32).reshape(-1, 3)
            if pos.shape != data.positions.shape or not np.allclose(pos, data.positions, atol=POSITION_TOL, rtol=0):
                return "its geometry"
        return None

    # -- publish -------------------------------------------------------------------------------
    def publish(self, message: str) -> list[sdf_publish.Published]:
        """Publish the department's changes as new versions of its own files; see the module docstring."""
        if not message or not message.strip():
            raise SdfError("a publish needs a message saying what changed", self.shot_file)
        changes = self.changes()
        if changes.refused:
            first = changes.refused[:3]
            more = f" (and {len(changes.refused) - 3} more)" if len(changes.refused) > 3 else ""
            raise PublishRefused("publish refused, this session changed data the department "
                                 f"'{self.department}' does not own: " + "; ".join(r.line() for r in first) + more
                                 + ". Undo those edits, or run Update to restore them", self.shot_file)
        if changes.empty:
            raise NothingToPublish(f"nothing to publish: {self.department}'s data is unchanged in this session",
                                   self.shot_file)
        view = self.view()
        self._check_unchanged_on_disk(view)
        edited: set[str] = set()
        by_kind: dict[str, list[rec.Change]] = {}
        for change in changes.own:
            by_kind.setdefault(change.kind, []).append(change)
        for kind, kind_changes in by_kind.items():
            edited |= apply_changes(view, kind, kind_changes)
        written_caches = []
        try:
            for item in changes.geometry:
                edited.add(self._bake(view, item, written_caches))
            for kind in sorted(edited):
                doc = view.document(kind)
                check_document(PART_SCHEMAS[kind], doc.to_json(), doc.path or view.file)
            published = sdf_publish.publish(view, message=message, kinds=sorted(edited))
        except BaseException:
            for path in written_caches:  # a bake nothing will reference: take it back
                try:
                    os.unlink(path)
                except OSError:
                    pass
            raise
        self._after_publish(view, published)
        return published

    def _check_unchanged_on_disk(self, view: Shot) -> None:
        """The department's own documents must be the ones this session was built from."""
        for kind, digest in self.record["digests"].items():
            if self.record["access"].get(kind) != "edit":
                continue
            view.part(kind)
            now = document_digest(view, kind)
            if now != digest:
                where = view.document(kind).path or view.file
                raise SdfError(f"{kind} changed on disk since this session was opened (another publish of "
                               f"{self.department}'s data); reopen the shot and redo the edit", where)

    def _bake(self, view: Shot, item: GeometryItem, written: list[str]) -> str:
        """Write one native geometry item as a new Alembic cache and point the shot at it."""
        node = view.model_tree.find(item.path)
        if node is None:
            raise SdfError(f"no model-tree element {item.path} in the shot any more", view.file)
        s = self.settings
        if item.owner_kind == "animation":
            frames = list(range(s.frame_start, s.frame_end + 1))
            overlay_doc = view.overlay("animation")._doc
            base = os.path.dirname(overlay_doc.path or view.file)
            directory = os.path.join(base, "caches")
        else:
            frames = [s.frame_start]
            doc = node._doc
            base = os.path.dirname(doc.path or view.file)
            directory = os.path.join(base, "geometry")
        path = bake.next_cache_path(directory, item.path)
        baked = self.host.bake_geometry(item, frames)
        name = bake.cache_name(item.path.rsplit("/", 1)[-1])
        obj, _ = bake.write_cache(path, name, baked, s.fps)
        written.append(path)
        rel = os.path.relpath(path, base)
        if item.owner_kind == "animation":
            node.animation = {"file": rel, "object": obj}
        else:
            node.source = {"file": rel, "object": obj}
        return item.owner_kind

    def _after_publish(self, view: Shot, published) -> None:
        """The session's baseline becomes what was just published."""
        for kind in self.record["records"]:
            if self.record["record_access"].get(kind) == "edit":
                self.record["records"][kind] = rec.records(view, kind)
        for p in published:
            self.record["digests"][p.kind] = p.sha256
        geometry = []
        for item in self.geometry:
            if not item.is_proxy:
                node = view.model_tree.find(item.path)
                if node is not None:
                    item = GeometryItem(item.path, view.geometry_path(node), node.geometry.object, item.kind,
                                        item.owner_kind, item.owner, item.access, item.animated)
            geometry.append(item)
        self.geometry = geometry
        self.record["geometry"] = [asdict(g) for g in geometry]
        self._accept_native_geometry()
        self.record["published"] = [asdict(p) for p in published]
        self.host.save_record(self.record)

    # -- update --------------------------------------------------------------------------------
    def update(self) -> dict:
        """Pull newer upstream versions into the proxies and read-only nodes; own native nodes untouched.

        Returns ``{"moved": {kind: (old, new)}, "rebuilt": [kinds]}``.
        """
        access = self.record["access"]
        read_kinds = [k for k, a in access.items() if a == "read"]
        view = self.view()
        outdated = [r["kind"] for r in sdf_publish.status(view) if r["outdated"] and r["kind"] in read_kinds]
        moved = {}
        if outdated:
            moved = sdf_publish.update(self.shot_file, outdated)
            view = self.view()  # the shot now points at the new versions
        plan = _held_by(self.host, plan_session(view, self.cache))
        rebuilt = []
        own = {g.path: g for g in self.native_geometry}
        geometry = [own.get(g.path, g) if not g.is_proxy else g for g in plan.geometry]
        for kind in BUILD_ORDER:
            if kind in plan.records and plan.record_access[kind] != "edit":
                self.host.build_records(kind, plan.records[kind], False)
                self.record["records"][kind] = plan.records[kind]
                self.record["record_access"][kind] = "read"
                rebuilt.append(kind)
            if kind == "placement":
                self.host.build_geometry([g for g in geometry if g.is_proxy])
        self.geometry = geometry
        self.record["geometry"] = [asdict(g) for g in geometry]
        for kind in read_kinds:
            if kind in plan.digests:
                self.record["digests"][kind] = plan.digests[kind]
        self.record["problems"] = self.problems = list(plan.problems)
        self._bad_items.clear()
        self.host.save_record(self.record)
        self.show(self.host.current_frame())
        return {"moved": moved, "rebuilt": rebuilt}

    # -- status --------------------------------------------------------------------------------
    def status(self) -> dict:
        """The shot, the department, each part's access and pinned/latest version, and pending changes."""
        view = self.view()
        rows = []
        for row in sdf_publish.status(view):
            row = dict(row, access=self.record["access"].get(row["kind"], "ignore"))
            if row["access"] != "ignore" and row["kind"] in self.record["digests"]:
                view.part(row["kind"])
                row["changed_since_open"] = document_digest(view, row["kind"]) != self.record["digests"][row["kind"]]
            rows.append(row)
        ch = self.changes()
        return {"shot": self.shot_file, "name": self.settings.name, "department": self.department,
                "host": self.host.name, "parts": rows,
                "outdated": [r["kind"] for r in rows if r["outdated"] or r.get("changed_since_open")
                             and r["access"] == "read"],
                "changes": [c.describe() for c in ch.own] + [f"{g.path}: geometry edited" for g in ch.geometry],
                "refused": [r.line() for r in ch.refused], "notes": ch.notes,
                "proxies": len(self.proxies), "native_geometry": len(self.native_geometry),
                "cache": cache_held(self.cache), "problems": list(self.problems)}


def _held_by(host: HostAdapter, plan: SessionPlan) -> SessionPlan:
    """The plan without the record kinds ``host`` opts out of (:class:`~.host.OptOut`): they are
    neither built nor read back, so their data is not mistaken for deleted; each is a problem line."""
    for kind in [k for k in plan.records if not host.holds(k)]:
        out = host.opt_out(kind)
        plan.problems.append(f"{kind}: not shown in {host.name} ({out.reason if out else 'no codec'})")
        del plan.records[kind]
        plan.record_access.pop(kind, None)
    return plan


def _field_label(change: rec.Change) -> str:
    if change.op == "add":
        return "a new element"
    if change.op == "remove":
        return "the element (deleted)"
    return (change.field or "").split("/", 1)[-1]
