"""Checking a shot and everything it references, down to the Alembic object.

Opening a shot checks its own structure; ``validate`` goes further and reads every part,
every included model tree, every referenced file, and finds each leaf's object in its Alembic
archive. Problems are collected (one line each) rather than stopping at the first, so a TD
fixing a broken shot sees the whole list at once.

Every other command that reads a shot (info, tree, play, view's snapshots and playblasts,
convert) opens it through :func:`open_checked`: the same checks on what its view reads, the
first problem raised as one line. There is one check, so a shot that passes ``validate`` is one
every command can read, and one that fails it fails them all the same way.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from sdf.alembic import sample_index
from sdf.alembic.schemas import SOURCES as GEOMETRY_SCHEMAS
from sdf.errors import AlembicError, ResolveError, SdfError
from sdf.document.shot import IgnoredError, Shot
from sdf.document.opening import open_shot


@dataclass
class Report:
    file: str
    errors: list[SdfError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_first(self) -> None:
        """Raise the first error (same class, file and field), saying how many more there are."""
        if not self.errors:
            return
        first = self.errors[0]
        if len(self.errors) == 1:
            raise first
        more = len(self.errors) - 1
        exc = type(first).__new__(type(first))
        exc.__dict__.update(first.__dict__)
        exc.message = f"{first.message} (and {more} more problem{'s' if more > 1 else ''}: sdf validate lists them)"
        Exception.__init__(exc, str(exc))
        raise exc


def _node_location(shot: Shot, node) -> tuple[str, str]:
    doc = node._doc
    if doc is None or doc.path is None:
        return shot.file, "model_tree/" + node.path.lstrip("/")
    return doc.path, node.path.lstrip("/")


def validate(path: str, *, department: str | None = None, config: str | None = None,
             allow_outside_root: bool = False, check_alembic: bool = True, deep: bool = False) -> Report:
    """Check a shot, its project file and the department policy in force; ``deep`` also reads every
    sample of every referenced Alembic object through the frame reader (whose checks catch corrupted
    counts, indices and sizes), one error per bad object."""
    report = Report(path)
    check_project(path, config, report)
    try:
        shot = open_shot(path, department, config=config, allow_outside_root=allow_outside_root)
    except SdfError as exc:
        if str(exc) not in {str(e) for e in report.errors}:  # a bad policy is named once
            report.errors.append(exc)
        return report
    check(shot, report, check_alembic=check_alembic, deep=deep)
    return report


def check_project(path: str, config: str | None, report: Report) -> None:
    """The project's ``sdf-project.json`` and the department policy in force for the shot at ``path``
    (``config``, ``$SDF_CONFIG`` or the one the project names): a policy that cannot be read, or that
    lies outside the project, fails here rather than when a department opens the shot."""
    from sdf.document.departments import load_policy, read_project

    shot_dir = os.path.dirname(os.path.abspath(path))
    try:
        _, project = read_project(shot_dir)
        if config or os.environ.get("SDF_CONFIG") or (project is not None and "departments" in project):
            load_policy(config, shot_dir=shot_dir)  # the built-in one is the package's own, tested with it
    except SdfError as exc:
        report.errors.append(exc)


def open_checked(path, department: str | None = None, *, config: str | None = None,
                 allow_outside_root: bool = False, check_alembic: bool = True, **kw) -> Shot:
    """Open a shot and make every check ``sdf validate`` makes on what the view reads; raise the first
    problem (counting the others). Every command that reads a shot opens it here, so a shot that
    fails ``validate`` fails them too, with the same line."""
    shot = open_shot(path, department, config=config, allow_outside_root=allow_outside_root, **kw)
    check(shot, check_alembic=check_alembic).raise_first()
    return shot


def check(shot: Shot, report: Report | None = None, *, check_alembic: bool = True, deep: bool = False) -> Report:
    """The checks of ``sdf validate`` on an open view: every part it reads (a part its department
    ignores is never read, so never checked), every included tree, every referenced file, and each
    leaf's object in its Alembic archive. Problems are collected, one per line."""
    report = report if report is not None else Report(shot.file)
    loaded = {}
    for kind in shot.parts:
        try:
            loaded[kind] = shot.part(kind)
        except IgnoredError:
            continue
        except SdfError as exc:
            report.errors.append(exc)

    tree = loaded.get("model_tree")
    cameras = loaded.get("cameras")
    if tree is not None:
        _check_model_tree(shot, tree, report, check_alembic)
        if deep and check_alembic:
            _read_every_sample(shot, tree, report)
        paths = {n.path for n in tree.walk()}
        for kind in ("placement", "materials", "fx", "animation"):
            overlay = loaded.get(kind)
            if overlay is None:
                continue
            doc = shot.loaded_document(kind)
            for element_path in overlay.opinions:
                if element_path not in paths:
                    report.errors.append(SdfError(f"no element '{element_path}' in the model tree",
                                                  doc.path or shot.file, f"opinions{element_path}"))
    cam_names = {c.name for c in cameras} if cameras is not None else set()
    if cameras is not None and cameras.shot_camera and cameras.shot_camera not in cam_names:
        report.errors.append(SdfError(f"no camera '{cameras.shot_camera}'", _doc_file(shot, "cameras"),
                                      _f(shot, "cameras", "shot_camera")))
    layout = loaded.get("layout")
    if layout is not None and layout.shot_camera and cameras is not None and layout.shot_camera not in cam_names:
        report.errors.append(SdfError(f"no camera '{layout.shot_camera}'", _doc_file(shot, "layout"),
                                      _f(shot, "layout", "shot_camera")))
    layers = loaded.get("render_layers")
    if layers is not None:
        for layer in layers:
            if layer.camera and cameras is not None and layer.camera not in cam_names:
                report.errors.append(SdfError(f"no camera '{layer.camera}'", _doc_file(shot, "render_layers"),
                                              _f(shot, "render_layers", f"{layer.name}/camera")))
            if tree is not None and not layer.member_nodes(tree):
                report.warnings.append(f"render layer '{layer.name}': member patterns match nothing")
    lights = loaded.get("lights")
    if lights is not None:
        base = os.path.dirname(_doc_file(shot, "lights"))
        for light in lights.lights():
            if light.texture:
                _check_file(shot, light.texture, base, _doc_file(shot, "lights"),
                            _f(shot, "lights", light.path.replace("/lights/", "", 1) + "/texture"), report)
    rigs = loaded.get("rig")
    if rigs is not None:
        base = os.path.dirname(_doc_file(shot, "rig"))
        for rig in rigs:
            _check_file(shot, rig.path, base, _doc_file(shot, "rig"), _f(shot, "rig", f"{rig.name}/path"), report)
    for item in shot.intermediate:
        _check_file(shot, item.path, shot.directory, shot.file, f"intermediate/{item.name}/path", report)
    return report


def _read_every_sample(shot: Shot, tree, report: Report) -> None:
    """Every sample of every referenced object, read in a worker process (see :mod:`sdf.alembic.deep_check`)."""
    from sdf.alembic.deep_check import read_all_samples

    items: list[tuple[str, str]] = []
    for node in tree.leaves():
        for which, src in (("source", node.source), ("animation", node.animation)):
            if src is None:
                continue
            try:
                path = shot.geometry_path(node, which)
            except SdfError:
                continue  # reported by the reference checks
            if (path, src.object) not in items:
                items.append((path, src.object))
    report.errors.extend(read_all_samples(items, shot.fps))


def _doc_file(shot: Shot, kind: str) -> str:
    doc = shot.loaded_document(kind)
    return doc.path if doc is not None and doc.path else shot.file


def _f(shot: Shot, kind: str, rest: str) -> str:
    doc = shot.loaded_document(kind)
    return rest if doc is not None and doc.path else f"{kind}/{rest}"


def _check_file(shot: Shot, text: str, base: str, file: str, field: str, report: Report) -> str | None:
    """The file a reference names, or None with the problem reported: missing, outside the project,
    or a folder (``'../..'`` exists, but no material, effect, rig or cache is a directory)."""
    try:
        path = shot.resolve(text, base, file, field)
    except SdfError as exc:
        report.errors.append(exc)
        return None
    if os.path.isdir(path):
        report.errors.append(ResolveError(f"'{text}' is a directory, not a file", file, field))
        return None
    return path


def _check_model_tree(shot: Shot, tree, report: Report, check_alembic: bool) -> None:
    # Objects are looked up in the file's index, made by the Alembic library in a worker process
    # (sdf.alembic.sample_index, kept on disk per file version): a file that would crash the library costs
    # a worker, never the command, and a player checking its shot reads the index it plays from.
    indexes: dict[str, object] = {}
    for node in tree.walk():
        # Material and effect references name files (a material library, an effect setup);
        # the part after '#' is an element inside that file.
        for attr, kind, values in (("material", "materials", [node.material] if node.material else []),
                                   ("effects", "fx", list(node.effects))):
            for value in values:
                doc = shot.loaded_document(kind)
                if doc is not None and node.path in doc.root.opinions:
                    file, where = doc.path or shot.file, f"opinions{node.path}/{attr}"
                else:
                    file, where = _node_location(shot, node)
                    where = f"{where}/{attr}"
                _check_file(shot, value.split("#", 1)[0], os.path.dirname(file), file, where, report)
        for attr in ("source", "animation"):
            src = getattr(node, attr)
            if src is None:
                continue
            file, where = _node_location(shot, node)
            anim = shot.loaded_document("animation") if attr == "animation" else None
            if anim is not None and node.path in anim.root.opinions:
                doc = anim
                file, where = doc.path or shot.file, f"opinions{node.path}/animation"
                base = os.path.dirname(doc.path or shot.file)
            else:
                where = f"{where}/{attr}"
                base = os.path.dirname(file)
            abc_path = _check_file(shot, src.file, base, file, where, report)
            if abc_path is None or not check_alembic:
                continue
            try:
                if abc_path not in indexes:
                    indexes[abc_path] = sample_index.index_file(abc_path)
                schemas = indexes[abc_path].schemas
            except SdfError as exc:
                if exc.file == abc_path:
                    exc = SdfError(exc.message, file, f"{where}: {os.path.basename(abc_path)}")
                report.errors.append(exc)
                continue
            obj = "/" + "/".join(p for p in src.object.split("/") if p)
            if obj not in schemas:
                report.errors.append(AlembicError(f"no object '{src.object}' in {os.path.basename(abc_path)}",
                                                  file, where))
                continue
            schema = schemas[obj]
            if schema not in GEOMETRY_SCHEMAS:
                report.errors.append(SdfError(f"object '{src.object}' in {os.path.basename(abc_path)} is "
                                              f"{schema or 'untyped'}, not geometry", file, where))
