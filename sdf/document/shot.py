"""The shot: one small document tying together the parts of a shot.

A :class:`Shot` is opened lazily: the shot document is read and checked, but each part
(model tree, cameras, lights, render layers, overlays, rig list, layout) is read only when
first asked for, so a department view never touches the files of data it ignores. Each
part lives inline in the shot document or in its own file (one document each), referenced
by a path relative to the shot, optionally pinned to a published version or following
``"latest"``.
"""
from __future__ import annotations

import os
from types import MappingProxyType
from typing import Any, Iterator

from sdf.runtime import jsonio

from sdf.document import schema
from sdf.document.cameras import CameraSet
from sdf.document.elements import Element, GuardedDict
from sdf.errors import FormatError, ReadOnlyError, ResolveError, SdfError
from sdf.document.lights import LightTree
from sdf.document.model_tree import ModelNode, ModelTree, Overlay
from sdf.document.references import Intermediate, Layout, RigList
from sdf.document.render_layers import RenderLayerSet
from sdf.document.resolve import Resolver, find_project_root
from sdf.document.versions import latest_version, version_of, versioned_name
from sdf.document import saving
from sdf.document.parts import Document, FrameRange, PartRef, content_digest, read_document_bytes

from sdf.document.kinds import KINDS, OVERLAY_KINDS, PART_SCHEMAS, SHOT_KIND, builder  # noqa: F401  (re-exported)
from sdf.document.checks import CHECKED, MAX_ABS_FRAME, MAX_FRAMES, check_document, check_document_cached  # noqa: F401

#: Include expansions per shot (``SDF_MAX_INCLUDES`` changes it): files that include each other
#: several times multiply, and 17 small files that each include the next twice expand 131,072 times.
MAX_INCLUDES = 1000


class IgnoredError(SdfError):
    """Asking a department view for data the department ignores (it was never read)."""


class Shot(Element):
    """A shot opened from a Scene Description File (see :func:`sdf.open`)."""

    kind = SHOT_KIND
    _fields = ("name", "frame_range", "fps", "up_axis", "meters_per_unit", "search_path", "intermediate",
               "metadata")
    _schema = "Shot"

    def __init__(self, path: str, data: dict, *, department: str | None = None, policy=None,
                 allow_outside_root: bool = False, search_path=(), env=None, digest: str | None = None):
        super().__init__()
        path = os.path.abspath(path)
        object.__setattr__(self, "file", path)
        object.__setattr__(self, "name", data["name"])
        object.__setattr__(self, "frame_range", FrameRange(data["frame_range"]["start"], data["frame_range"]["end"]))
        object.__setattr__(self, "fps", float(data["fps"]))
        object.__setattr__(self, "up_axis", data["up_axis"])
        object.__setattr__(self, "meters_per_unit", float(data["meters_per_unit"]))
        object.__setattr__(self, "search_path", tuple(data.get("search_path", ())))
        object.__setattr__(self, "intermediate", tuple(Intermediate.from_json(i) for i in data.get("intermediate", ())))
        object.__setattr__(self, "metadata", GuardedDict(self, "metadata", data.get("metadata", {})))
        object.__setattr__(self, "department", department)
        object.__setattr__(self, "policy", policy)
        object.__setattr__(self, "_parts", {})
        # Read-only to callers: a view cannot re-point a part in memory and have a save write it.
        object.__setattr__(self, "parts", MappingProxyType(self._parts))
        object.__setattr__(self, "_docs", {})
        object.__setattr__(self, "_include_docs", {})
        object.__setattr__(self, "_listeners", [])
        # Kinds read at their referenced version even where this view could edit the working copy.
        object.__setattr__(self, "_published_only", set())
        base = os.path.dirname(path)
        root = find_project_root(base)
        env_path = [p for p in os.environ.get("SDF_SEARCH_PATH", "").split(os.pathsep) if p]
        resolver = Resolver(root, env=env, allow_outside_root=allow_outside_root)
        resolver.search_path = [os.path.normpath(os.path.join(base, resolver.candidates(p, base, path, "search_path")[0]))
                                for p in self.search_path] + env_path + list(search_path)
        object.__setattr__(self, "resolver", resolver)
        for kind, spec in data.get("parts", {}).items():
            if "ref" in spec and schema.SCHEMA_KEY not in spec:
                self._parts[kind] = PartRef(kind, ref=spec["ref"], version=spec.get("version"))
            else:
                self._parts[kind] = PartRef(kind, inline=spec)
        object.__setattr__(self, "_doc", Document(self, "shot", "Shot", path, self, digest=digest))

    # -- policy --------------------------------------------------------------------------------
    @property
    def path(self) -> str:
        return "/shot"

    def access(self, kind: str) -> str:
        """'edit', 'read' or 'ignore' for ``kind`` in this view."""
        if self.department is None or self.policy is None:
            return "edit"
        return self.policy.access(self.department, kind)

    def require_edit(self, kind: str, element_path: str) -> None:
        if self.access(kind) != "edit":
            owner = self.policy.owner(kind) if self.policy is not None else None
            raise ReadOnlyError(element_path, owner or "nobody", self.department, kind)

    def _emit(self, event: str, detail: str) -> None:
        for fn in self._listeners:
            fn(event, detail)

    # -- resolution ----------------------------------------------------------------------------
    @property
    def directory(self) -> str:
        return os.path.dirname(self.file)

    def resolve(self, text: str, base_dir: str | None = None, file: str | None = None, field: str | None = None,
                must_exist: bool = True) -> str:
        return self.resolver.resolve(text, base_dir or self.directory, file or self.file, field, must_exist)

    def material_library(self, node: ModelNode) -> str | None:
        """Absolute path of the material library a leaf's ``material`` names (the part before ``#``),
        tried against the folder of the document holding the node, then the shot's; None when it
        resolves against neither. One rule for every shader (the viewer's looks, a DCC's materials)."""
        lib = str(node.material).partition("#")[0]
        doc_path = node._doc.path if node._doc is not None else None
        for base in [os.path.dirname(p) for p in (doc_path, self.file) if p]:
            try:
                return self.resolve(lib, base)
            except SdfError:
                continue  # tried against the next folder; the caller reports it
        return None

    def geometry_path(self, node: ModelNode, which: str = "geometry") -> str:
        """Absolute path of a leaf's Alembic file: ``which`` is "source", "animation" or "geometry"
        (what is drawn: the animation cache when there is one). A path is written in, and so
        resolved against, the document holding the opinion: the animation overlay for an
        animation cache it sets, else the model tree document holding the node."""
        if which == "geometry":
            which = "animation" if node.animation is not None else "source"
        src = node.source if which == "source" else node.animation
        if src is None:
            raise SdfError(f"{node.path} has no {which}", self.file, "model_tree")
        doc = self._docs.get("animation") if which == "animation" else None
        if doc is not None and node.path in doc.root.opinions and self.access("animation") != "ignore":
            base_file = doc.path or self.file
        else:
            base_file = (node._doc.path if node._doc is not None else None) or self.file
        return self.resolve(src.file, os.path.dirname(base_file))

    def pinned(self, kind: str, version: int | str) -> "Shot":
        """A fresh view of this shot, read again from its file, with part ``kind`` read at published
        ``version`` ("latest" or a number): what a lead compares the current data against. Nothing
        is written; the view is for looking at history, not for saving."""
        from sdf.document.opening import open_shot  # opening imports this module

        other = open_shot(self.file, self.department, policy=self.policy,
                          allow_outside_root=self.resolver.allow_outside_root)
        ref = other._parts.get(kind)
        if ref is None or ref.ref is None:
            raise SdfError(f"part '{kind}' is not a file of its own, so it has no published versions", self.file,
                           f"parts/{kind}")
        if version != "latest":
            try:
                version = int(version)
            except (TypeError, ValueError):
                raise SdfError(f"a version is a number or 'latest', not '{version}'", self.file,
                               f"parts/{kind}") from None
        other._parts[kind] = PartRef(kind, ref=ref.ref, version=version)
        other._published_only.add(kind)
        other.part_path(kind)  # a version that was never published is an error now, naming the file
        return other

    def part_path(self, kind: str, *, version: int | str | None = "as-referenced") -> str | None:
        """The absolute file of a referenced part at its referenced (or given) version; None if inline."""
        ref = self.parts.get(kind)
        if ref is None or ref.ref is None:
            return None
        version = ref.version if version == "as-referenced" else version
        unversioned = self.resolve(ref.ref, field=f"parts/{kind}", must_exist=False)
        if version is None:
            if not os.path.exists(unversioned):
                # Fall back to the newest published version when no unversioned file exists.
                latest = latest_version(unversioned)
                if latest is None:
                    raise ResolveError(f"referenced file '{ref.ref}' not found", self.file, f"parts/{kind}")
                return self.resolve(versioned_name(ref.ref, latest), field=f"parts/{kind}")
            return self.resolve(ref.ref, field=f"parts/{kind}")
        if version == "latest":
            latest = latest_version(unversioned)
            if latest is None:
                if os.path.exists(unversioned):
                    return self.resolve(ref.ref, field=f"parts/{kind}")
                raise ResolveError(f"no published version of '{ref.ref}'", self.file, f"parts/{kind}")
            version = latest
        return self.resolve(versioned_name(ref.ref, int(version)), field=f"parts/{kind}/version")

    def working_copy_path(self, kind: str) -> str | None:
        """The part's working copy (its unversioned file) when the shot references a published version
        of it; None for inline parts and parts that reference the unversioned file itself."""
        ref = self.parts.get(kind)
        if ref is None or ref.ref is None or ref.version is None:
            return None
        return self.resolve(ref.ref, field=f"parts/{kind}", must_exist=False)

    def source_path(self, kind: str) -> str | None:
        """The file this view reads for part ``kind``; None for an inline part.

        The one rule for working copies: a view that may edit a kind reads that kind's working copy
        when there is one (so its department sees, and goes on from, its own unpublished edits);
        every other view reads the version the shot references. A view opened without a department
        edits everything, so it reads every working copy; :meth:`pinned` views read versions only."""
        working = self.working_copy_path(kind)
        if working is not None and kind not in self._published_only and self.access(kind) == "edit" \
                and os.path.isfile(working):
            return working
        return self.part_path(kind)

    def modified_parts(self) -> dict[str, list[str]]:
        """Parts this view edits whose working copy differs from the version the shot references:
        ``{kind: [what changed, per element]}`` (see :func:`sdf.document.docdiff.summarize`)."""
        from sdf.document.working_copy import modified_parts

        return modified_parts(self)

    def discard(self, kinds: list[str] | None = None) -> dict[str, list[str]]:
        """Return working copies (all this view edits, or ``kinds``) to the versions the shot references.

        Returns what was thrown away, ``{kind: [changes]}``; the view reads the versions afterwards."""
        from sdf.document.working_copy import discard

        return discard(self, kinds)

    # -- loading -------------------------------------------------------------------------------
    def part(self, kind: str) -> Element | None:
        """The root element of part ``kind``, read (and checked) on first use; None when the shot has no
        such part. Asking for a part the view's department ignores raises :class:`IgnoredError`."""
        return self._part(kind)

    def document(self, kind: str) -> "Document | None":
        """The document holding part ``kind`` (its file, version, digest, whether edited), read on first
        use; None when the shot has no such part. The public way to reach a part's file and state."""
        if self._part(kind) is None:
            return None
        return self._docs[kind]

    def loaded_document(self, kind: str) -> "Document | None":
        """The document of part ``kind`` if this view has read it already, else None (nothing is read)."""
        return self._docs.get(kind)

    def record_published(self, kind: str, ref: PartRef, file: str, version: int, digest: str,
                         content: dict, merged: bool) -> None:
        """After a publish of ``kind``: the view references ``ref`` and reads the new version (``content``,
        which a merge with others' work may have made differ from what the view held)."""
        self._parts[kind] = ref
        if merged:
            self.replace_document(kind, content)
        doc = self._docs[kind]
        doc.path, doc.version, doc.digest, doc.dirty = file, version, digest, False
        doc.base, doc.latest_at_open = content, version

    def has_unsaved_edits(self) -> bool:
        """Whether any document this view loaded holds edits not yet saved."""
        return any(d.dirty for d in self.documents())

    def is_loaded(self, kind: str) -> bool:
        return kind in self._docs

    def is_dirty(self, kind: str) -> bool:
        """Whether this view holds unsaved edits of part ``kind``."""
        doc = self._docs.get(kind)
        if doc is None:
            return False
        return doc.dirty or kind == "model_tree" and any(d.dirty for d in self._include_docs.values())

    def reload(self, kind: str) -> None:
        """Forget what this view loaded of part ``kind`` (unsaved edits included): the next access reads
        the file again. Elements taken from the old document refuse edits from then on."""
        doc = self._docs.pop(kind, None)
        if doc is None:
            return
        doc.stale = True
        if kind == "model_tree":
            for inc in self._include_docs.values():
                inc.stale = True
            self._include_docs.clear()
            object.__setattr__(self, "_include_count", 0)

    def _part(self, kind: str, *, for_read: bool = True) -> Element | None:
        if kind in self._docs:
            return self._docs[kind].root
        if self.access(kind) == "ignore":
            raise IgnoredError(f"department '{self.department}' ignores {kind} data; it was not read",
                               self.file, f"parts/{kind}")
        ref = self.parts.get(kind)
        if ref is None:
            return None
        expected = PART_SCHEMAS[kind]
        if ref.inline is not None:
            data = schema.upgrade_document(ref.inline, self.file, expected, field=f"parts/{kind}")
            check_document(expected, data, self.file, prefix=kind)
            doc_path, digest, version = None, None, None
        else:
            doc_path = self.source_path(kind)
            raw_bytes = read_document_bytes(doc_path)
            digest = content_digest(raw_bytes)
            self._emit("read", doc_path)
            text = raw_bytes.decode("utf-8", "replace")
            raw = jsonio.loads(text, doc_path)
            data = schema.upgrade_document(raw, doc_path, expected)
            if data is raw:  # upgraded documents are new content: always checked
                check_document_cached(expected, data, doc_path, digest, text=text)
            else:
                check_document(expected, data, doc_path, text=text)
            version = version_of(doc_path)
        if expected == "Overlay" and data["kind"] != kind:
            raise FormatError(f"overlay of kind '{data['kind']}' referenced as '{kind}'",
                              doc_path or self.file, "kind")
        root = builder(expected)(data)
        doc = Document(self, kind, expected, doc_path, root, digest=digest, version=version)
        doc.base = data
        if doc_path is not None:
            doc.latest_at_open = latest_version(self.resolve(ref.ref, field=f"parts/{kind}", must_exist=False)) or 0
        self._docs[kind] = doc
        if kind == "model_tree":
            self._load_includes(root, doc_path or self.file, [os.path.realpath(doc_path or self.file)])
        return root

    def _load_includes(self, node: Element, file: str, stack: list[str]) -> None:
        for child in list(node.children):
            if isinstance(child, ModelNode) and child.include is not None:
                field = (child.path.lstrip("/") + "/include")
                inc_path = self.resolve(child.include, os.path.dirname(file), file, field)
                real = os.path.realpath(inc_path)
                count = self.__dict__.get("_include_count", 0) + 1
                object.__setattr__(self, "_include_count", count)
                limit = int(os.environ.get("SDF_MAX_INCLUDES") or MAX_INCLUDES)
                if count > limit:
                    raise ResolveError(f"more than {limit} includes expanded: included files multiply (a file "
                                       "included several times by files that are themselves included several "
                                       "times); SDF_MAX_INCLUDES raises the limit", file, field)
                if real in stack:
                    chain = " -> ".join(os.path.basename(p) for p in stack + [real])
                    raise ResolveError(f"reference cycle: {chain}", file, field)
                raw = read_document_bytes(inc_path)
                self._emit("read", inc_path)
                data = schema.upgrade_document(jsonio.loads(raw.decode("utf-8", "replace"), inc_path), inc_path,
                                               "ModelTree")
                check_document("ModelTree", data, inc_path)
                sub = ModelTree.from_json(data)
                doc = Document(self, "model_tree", "ModelTree", inc_path, sub, digest=content_digest(raw))
                self._include_docs[real] = doc
                kids = list(sub.children)
                list.clear(sub.children)
                list.extend(child.children, kids)
                for k in kids:
                    object.__setattr__(k, "_parent", child)
                    k._attach(doc)
                object.__setattr__(child, "_included_doc", doc)
                self._load_includes(child, inc_path, stack + [real])
            else:
                self._load_includes(child, file, stack)

    def _overlay(self, kind: str) -> Overlay | None:
        if kind not in self.parts or self.access(kind) == "ignore":
            return None
        return self._part(kind)

    # -- the parts as typed objects -------------------------------------------------------------
    @property
    def model_tree(self) -> ModelTree:
        tree = self._part("model_tree")
        return tree if tree is not None else self._add_inline("model_tree", ModelTree())

    @property
    def cameras(self) -> CameraSet:
        cams = self._part("cameras")
        return cams if cams is not None else self._add_inline("cameras", CameraSet())

    @property
    def lights(self) -> LightTree:
        lights = self._part("lights")
        return lights if lights is not None else self._add_inline("lights", LightTree())

    @property
    def render_layers(self) -> RenderLayerSet:
        layers = self._part("render_layers")
        return layers if layers is not None else self._add_inline("render_layers", RenderLayerSet())

    @property
    def rigs(self) -> RigList:
        rigs = self._part("rig")
        return rigs if rigs is not None else self._add_inline("rig", RigList())

    @property
    def layout(self) -> Layout:
        layout = self._part("layout")
        return layout if layout is not None else self._add_inline("layout", Layout())

    def overlay(self, kind: str) -> Overlay:
        ov = self._part(kind)
        return ov if ov is not None else self._add_inline(kind, Overlay(kind))

    def _add_inline(self, kind: str, root: Element) -> Element:
        """An empty part created on first access (so ``shot.lights.children.append`` just works)."""
        self._parts[kind] = PartRef(kind, inline={})
        doc = Document(self, kind, PART_SCHEMAS[kind], None, root)
        self._docs[kind] = doc
        return root

    @property
    def shot_camera(self):
        cams = self.cameras
        name = cams.shot_camera or (cams.cameras[0].name if len(cams) else None)
        return cams.get(name) if name else None

    def documents(self) -> Iterator[Document]:
        """Every document loaded so far (the shot first)."""
        yield self._doc
        yield from self._docs.values()
        yield from self._include_docs.values()

    def load_all(self) -> None:
        """Read every part this view does not ignore (eager load)."""
        for kind in self.parts:
            if self.access(kind) != "ignore":
                self._part(kind)

    # -- writing -------------------------------------------------------------------------------
    def to_json(self) -> dict:
        parts = {}
        for kind, ref in self.parts.items():
            if ref.inline is not None:
                doc = self._docs.get(kind)
                parts[kind] = doc.to_json() if doc is not None else ref.inline
            else:
                parts[kind] = ref.to_json()
        d: dict[str, Any] = {
            "name": self.name,
            "frame_range": {"start": self.frame_range.start, "end": self.frame_range.end},
            "fps": self.fps, "up_axis": self.up_axis, "meters_per_unit": self.meters_per_unit,
            "parts": parts,
        }
        if self.search_path:
            d["search_path"] = list(self.search_path)
        if self.intermediate:
            d["intermediate"] = [i.to_json() for i in self.intermediate]
        if self.metadata:
            d["metadata"] = dict(self.metadata)
        return d

    def save(self, kinds: list[str] | None = None) -> list[str]:
        """Write every changed document in place, atomically; returns the files written.

        Only documents this view changed are written, and a view can only change what its
        department owns, so saving never rewrites another department's file. Asking to save
        a kind the department does not own (``kinds=[...]``) raises ReadOnlyError. The writing
        itself (working copies, merging with what others saved meanwhile) is :mod:`sdf.document.saving`.
        """
        return saving.save(self, kinds)

    def save_as(self, path: str) -> str:
        """Write a self-contained copy of the shot (every non-ignored part inline) to a new file ``path``.

        It only ever creates a file: an existing one (another department's part, the shot
        itself, a published version) is never replaced.
        """
        return saving.save_as(self, path)

    def replace_document(self, kind: str, data: dict) -> Element:
        """Make this view show ``data`` for part ``kind`` (after a merge wrote it): a new document in
        place of the old, whose elements refuse edits from now on (they are no longer the shot's)."""
        old = self._docs[kind]
        root = builder(old.schema_name)(data)
        doc = Document(self, kind, old.schema_name, old.path, root, digest=old.digest, version=old.version)
        doc.base, doc.latest_at_open = data, old.latest_at_open
        old.stale = True
        self._docs[kind] = doc
        return root

    def _field_json(self, name: str, value: Any) -> Any:
        if name == "frame_range" and isinstance(value, FrameRange):
            return {"start": value.start, "end": value.end}
        if name == "frame_range" and isinstance(value, (tuple, list)) and len(value) == 2:
            return {"start": value[0], "end": value[1]}
        return super()._field_json(name, value)

    def _coerce(self, name: str, value: Any) -> Any:
        if name == "frame_range":
            fr = value if isinstance(value, FrameRange) else FrameRange(*value)
            if fr.end < fr.start:
                raise ValueError("frame range end is before start")
            return fr
        if name in ("fps", "meters_per_unit"):
            return float(value)  # the range is the schema's rule, applied on assignment (sdf.document.schema.values)
        if name == "up_axis" and value not in ("Y", "Z"):
            raise ValueError("up_axis is 'Y' or 'Z'")
        if name == "intermediate":
            return tuple(v if isinstance(v, Intermediate) else Intermediate.from_json(v) for v in value)
        return value

    def referenced_files(self) -> list[tuple[str, str, str]]:
        """(role, path as written, absolute path) for every file this view references, loading parts as needed."""
        out = []
        for kind, ref in self.parts.items():
            if self.access(kind) == "ignore":
                continue
            if ref.ref is not None:
                out.append((f"part:{kind}", ref.ref, self.part_path(kind)))
        for doc in self._include_docs.values():
            out.append(("include", os.path.relpath(doc.path, self.directory), doc.path))
        if "model_tree" in self.parts and self.access("model_tree") != "ignore":
            seen = set()
            for node in self.model_tree.walk():
                for role, src in (("geometry", node.source), ("animation", node.animation)):
                    if src is not None and (src.file, role) not in seen:
                        seen.add((src.file, role))
                        base = os.path.dirname(node._doc.path or self.file)
                        out.append((role, src.file, self.resolve(src.file, base, must_exist=False)))
        if "lights" in self.parts and self.access("lights") != "ignore":
            for light in self.lights.lights():
                if light.texture:
                    base = os.path.dirname(self._docs["lights"].path or self.file)
                    out.append(("texture", light.texture, self.resolve(light.texture, base, must_exist=False)))
        if "rig" in self.parts and self.access("rig") != "ignore":
            rigs = self.rigs  # loads the part, so its document (and folder) is known
            base = os.path.dirname(self._docs["rig"].path or self.file)
            for rig in rigs:
                out.append(("rig", rig.path, self.resolve(rig.path, base, must_exist=False)))
        for item in self.intermediate:
            out.append(("intermediate", item.path, self.resolve(item.path, must_exist=False)))
        return out
