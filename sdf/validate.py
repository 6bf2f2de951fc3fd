"""Checking a shot and everything it references, down to the Alembic object.

Opening a shot checks its own structure; ``validate`` goes further and reads every part,
every included model tree, every referenced file, and opens every Alembic archive to find
each leaf's object. Problems are collected (one line each) rather than stopping at the
first, so a TD fixing a broken shot sees the whole list at once.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from . import alembic_io
from .alembic_schemas import SOURCES as GEOMETRY_SCHEMAS
from .errors import SdfError
from .shot import IgnoredError, Shot, open_shot


@dataclass
class Report:
    file: str
    errors: list[SdfError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _node_location(shot: Shot, node) -> tuple[str, str]:
    doc = node._doc
    if doc is None or doc.path is None:
        return shot.file, "model_tree/" + node.path.lstrip("/")
    return doc.path, node.path.lstrip("/")


def validate(path: str, *, department: str | None = None, config: str | None = None,
             allow_outside_root: bool = False, check_alembic: bool = True, deep: bool = False) -> Report:
    """Check a shot; ``deep`` also reads every sample of every referenced Alembic object through the
    frame reader (whose checks catch corrupted counts, indices and sizes), one error per bad object."""
    report = Report(path)
    try:
        shot = open_shot(path, department, config=config, allow_outside_root=allow_outside_root)
    except SdfError as exc:
        report.errors.append(exc)
        return report

    loaded = {}
    for kind in shot.parts:
        try:
            loaded[kind] = shot._part(kind)
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
            doc = shot._docs[kind]
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
    """Every sample of every referenced object, read in a worker process (see :mod:`sdf.deep_check`)."""
    from .deep_check import read_all_samples

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
    doc = shot._docs.get(kind)
    return doc.path if doc is not None and doc.path else shot.file


def _f(shot: Shot, kind: str, rest: str) -> str:
    doc = shot._docs.get(kind)
    return rest if doc is not None and doc.path else f"{kind}/{rest}"


def _check_file(shot: Shot, text: str, base: str, file: str, field: str, report: Report) -> str | None:
    try:
        return shot.resolve(text, base, file, field)
    except SdfError as exc:
        report.errors.append(exc)
        return None


def _check_model_tree(shot: Shot, tree, report: Report, check_alembic: bool) -> None:
    for node in tree.walk():
        # Material and effect references name files (a material library, an effect setup);
        # the part after '#' is an element inside that file.
        for attr, kind, values in (("material", "materials", [node.material] if node.material else []),
                                   ("effects", "fx", list(node.effects))):
            for value in values:
                doc = shot._docs.get(kind)
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
            if attr == "animation" and shot._docs.get("animation") is not None and \
                    node.path in shot._docs["animation"].root.opinions:
                doc = shot._docs["animation"]
                file, where = doc.path or shot.file, f"opinions{node.path}/animation"
                base = os.path.dirname(doc.path or shot.file)
            else:
                where = f"{where}/{attr}"
                base = os.path.dirname(file)
            abc_path = _check_file(shot, src.file, base, file, where, report)
            if abc_path is None or not check_alembic:
                continue
            try:
                archive = alembic_io.open_archive(abc_path)
                obj = alembic_io.find_object(archive, src.object, file, where)
            except SdfError as exc:
                if exc.file == abc_path:
                    exc = SdfError(exc.message, file, f"{where}: {os.path.basename(abc_path)}")
                report.errors.append(exc)
                continue
            schema = alembic_io.object_schema(obj)
            if schema not in GEOMETRY_SCHEMAS:
                report.errors.append(SdfError(f"object '{src.object}' in {os.path.basename(abc_path)} is "
                                              f"{schema or 'untyped'}, not geometry", file, where))
