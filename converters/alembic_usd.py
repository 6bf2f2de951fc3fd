"""Alembic -> USD.

usd-core has no Alembic plugin, so this translation is ours. Choices, stated once:

- The archive becomes one root prim named after the file (the stage's default prim), so a
  whole asset can be referenced and can carry an axis or units correction.
- Alembic stores polygons clockwise. Like USD's own Alembic plugin, meshes are authored with
  ``orientation = "leftHanded"`` and their indices untouched, so every index (and every
  face-varying UV index) survives exactly.
- Time: a sample at ``t`` seconds is authored at time code ``t * fps``; the stage's
  timeCodesPerSecond and framesPerSecond are ``fps`` (from ``--fps``, else the archive's
  uniform sampling, else 24). Objects with one sample get a default value, not a time sample.
- Cameras: Alembic gives focal length in mm and film back in cm; USD wants both in tenths
  of a scene unit, i.e. ``mm * 0.01 / metersPerUnit`` (mm when the scene is in centimetres).
- Units: Alembic has none. An archive written by USD -> Alembic states its units in its
  description (``metersPerUnit 1``); otherwise Maya's and unknown writers' archives are taken to
  be centimetres, Houdini's and Blender's metres (from the application string); ``--meters-per-unit``
  and ``--up-axis`` bake a conversion into the root prim's transform.

This module is the walk: which prim each Alembic object becomes, transforms, visibility, which
samples are authored and the stage's time and units. What each shape writes is
:mod:`sdf.converters.alembic_usd_shapes` (meshes, curves, points, cameras); lights and materials
are :mod:`.alembic_usd_lights` and :mod:`.alembic_usd_shading`.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from sdf.alembic import io as alembic_io
from sdf.alembic import schemas as abc_schemas

from . import alembic_usd_lights as lights
from . import alembic_usd_shading as shading
from . import alembic_usd_shapes as shapes
from .options import ConvertError, ConvertOptions, Staging, axis_matrix, units_matrix, usd_safe_name

if TYPE_CHECKING:
    from pxr import Gf

#: How USD -> Alembic states the units it wrote in the archive's description (Alembic has no unit field).
UNITS_NOTE = "metersPerUnit"


def archive_units(archive) -> float:
    """Meters per unit stated by the archive (``metersPerUnit N`` in its description, as USD -> Alembic
    writes it), else implied by the application that wrote it."""
    import re

    from alembic3d import Abc

    try:
        info = Abc.GetArchiveInfo(archive)
        app = (info.get("appName") or info.get("userDescription") or "") if isinstance(info, dict) else str(info)
        description = str(info.get("userDescription") or "") if isinstance(info, dict) else ""
    except Exception:
        app = description = ""
    stated = re.search(UNITS_NOTE + r" ([0-9.eE+-]+)", description)
    if stated:
        try:
            value = float(stated.group(1))
            if value > 0:
                return value
        except ValueError:
            pass
    app = app.lower()
    return 1.0 if ("houdini" in app or "blender" in app) else 0.01


def archive_fps(archive) -> float | None:
    """Frames per second from the archive's time samplings, weighted by how many samples use each.

    Uniform samplings give their rate; an acyclic one (a tracked camera written frame by frame)
    gives the rate of its typical interval. Each candidate counts as many times as the most
    samples any property takes from it, so a sampling used once (Maya's one-second default, say)
    does not outvote the one every animated object uses.
    """
    weights: dict[float, int] = {}
    for i in range(1, archive.getNumTimeSamplings()):
        ts = archive.getTimeSampling(i)
        tst = ts.getTimeSamplingType()
        try:
            used = int(archive.getMaxNumSamplesForTimeSamplingIndex(i))
        except Exception:
            used = 1
        rate = None
        if tst.isUniform() and tst.getTimePerCycle() > 0:
            rate = 1.0 / tst.getTimePerCycle()
        elif tst.isAcyclic():
            times = np.asarray(ts.getStoredTimes(), dtype=np.float64)
            steps = np.diff(times)
            steps = steps[steps > 1e-9]
            if len(steps):
                rate = 1.0 / float(np.median(steps))
        if rate is not None and used > 1:
            rate = _nice_rate(rate)
            weights[rate] = weights.get(rate, 0) + used
    return max(weights, key=weights.get) if weights else None


#: Frame rates as productions name them: a measured rate this close to one is that one.
_RATES = (23.976, 24.0, 25.0, 29.97, 30.0, 47.952, 48.0, 50.0, 59.94, 60.0, 12.0, 15.0, 120.0)


def _nice_rate(rate: float) -> float:
    for r in _RATES:
        if abs(rate - r) < 1e-3 * r:
            return 24000 / 1001 if r == 23.976 else 30000 / 1001 if r == 29.97 else \
                48000 / 1001 if r == 47.952 else 60000 / 1001 if r == 59.94 else r
    return round(rate, 6)


def snap_code(tc: float) -> float:
    """A time code (seconds x fps) snapped to its frame when floating point is all that separates them:
    5.999999999999999 becomes 6.0, a real sub-frame sample (5.5, 5.25) stays where it is."""
    nearest = round(tc)
    return float(nearest) if abs(tc - nearest) <= 1e-6 * max(1.0, abs(tc)) else tc


def _matrix(m) -> "Gf.Matrix4d":
    from pxr import Gf
    return Gf.Matrix4d(*[m[i][j] for i in range(4) for j in range(4)])


class StageWriter:
    def __init__(self, stage, fps: float, mpu: float, options: ConvertOptions):
        self.stage = stage
        self.fps = fps
        self.mpu = mpu
        self.options = options
        self.codes: list[float] = []

    def samples(self, source) -> list[tuple[int, float | None]]:
        """(index, time code or None for a single default value) of the samples to author.

        A property Alembic reports constant (every sample the same: Alembic stores such
        repeats once) gets one default value instead of a time sample per frame.
        """
        n = source.getNumSamples()
        if n == 0:
            return []
        constant = getattr(source, "isConstant", None)
        if n == 1 or (constant is not None and constant()):
            return [(0, None)]
        ts = source.getTimeSampling()
        out = []
        for i in range(n):
            tc = snap_code(ts.getSampleTime(i) * self.fps)
            if self.options.in_range(tc):
                out.append((i, tc))
        out = self.keep(out)
        self.codes.extend(tc for _, tc in out)
        return out

    def keep(self, timed: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """The time samples to author out of every one in range: all of them (one value clip keeps fewer)."""
        return timed

    @staticmethod
    def put(attr, value, tc) -> None:
        from pxr import Usd
        attr.Set(value, Usd.TimeCode.Default() if tc is None else tc)

    # -- objects -----------------------------------------------------------------------------
    def object(self, obj, path) -> None:
        from alembic3d import Abc, AbcGeom
        from pxr import UsdGeom

        schema_name = alembic_io.object_schema(obj)
        wrap = Abc.WrapExistingFlag.kWrapExisting
        if schema_name == abc_schemas.XFORM:
            prim = UsdGeom.Xform.Define(self.stage, path)
            self.xform(AbcGeom.IXform(obj, wrap).getSchema(), prim)
        elif schema_name in abc_schemas.MESHES:
            cls = abc_schemas.reader_class(schema_name)
            shapes.mesh(self, cls(obj, wrap).getSchema(), UsdGeom.Mesh.Define(self.stage, path), schema_name)
        elif schema_name == abc_schemas.CURVES:
            shapes.curves(self, AbcGeom.ICurves(obj, wrap).getSchema(), UsdGeom.BasisCurves.Define(self.stage, path))
        elif schema_name == abc_schemas.POINTS:
            shapes.points(self, AbcGeom.IPoints(obj, wrap).getSchema(), UsdGeom.Points.Define(self.stage, path))
        elif schema_name == abc_schemas.CAMERA:
            shapes.camera(self, AbcGeom.ICamera(obj, wrap).getSchema(), UsdGeom.Camera.Define(self.stage, path))
        elif schema_name == abc_schemas.FACESET:
            return  # written with its mesh
        elif schema_name == abc_schemas.NUPATCH:
            shading.nupatch(self, AbcGeom.INuPatch(obj, wrap).getSchema(), UsdGeom.NurbsPatch.Define(self.stage, path))
        elif schema_name == abc_schemas.LIGHT:
            lights.light(self, obj, path)
        elif schema_name == abc_schemas.MATERIAL:
            shading.material(self, obj, path)
        else:
            self.options.warn(f"skipped {obj.getFullName()}: unsupported Alembic schema "
                              f"'{schema_name or 'untyped'}' (children kept under an Xform)")
            UsdGeom.Xform.Define(self.stage, path)
        self.visibility(obj, path)
        if schema_name in abc_schemas.SOURCES:
            shading.bind(self, obj, self.stage.GetPrimAtPath(path))
        for i in range(obj.getNumChildren()):
            child = obj.getChild(i)
            if alembic_io.object_schema(child) == abc_schemas.FACESET:
                continue
            self.object(child, f"{path}/{usd_safe_name(child.getName())}")

    def visibility(self, obj, path) -> None:
        from alembic3d import AbcGeom
        from pxr import UsdGeom

        try:
            prop = AbcGeom.GetVisibilityProperty(obj)
        except Exception:
            return
        if not prop.valid() or prop.getNumSamples() == 0:
            return
        img = UsdGeom.Imageable(self.stage.GetPrimAtPath(path))
        if not img:
            return
        attr = img.CreateVisibilityAttr()
        for i, tc in self.samples(prop):
            hidden = int(prop.getValue(alembic_io.select(prop, i))) == 0
            self.put(attr, UsdGeom.Tokens.invisible if hidden else UsdGeom.Tokens.inherited, tc)

    def xform(self, schema, prim) -> None:
        samples = self.samples(schema)
        if not samples:
            return
        op = prim.MakeMatrixXform()
        for i, tc in samples:
            s = schema.getValue(alembic_io.select(schema, i))
            self.put(op, _matrix(s.getMatrix()), tc)
            if not s.getInheritsXforms():
                prim.SetResetXformStack(True)


def write_stage_from_alembic(src: str, usd_path: str, options: ConvertOptions, root_name: str | None = None,
                             writer_class=StageWriter) -> dict:
    """Translate ``src`` into a new stage saved at ``usd_path`` (no staging: the caller stages)."""
    from pxr import Sdf, Usd, UsdGeom

    archive = alembic_io.open_archive(src, cached=False)
    fps = options.fps or archive_fps(archive) or 24.0
    source_mpu = archive_units(archive)
    mpu = options.meters_per_unit or source_mpu
    up = options.up_axis or "Y"
    layer = Sdf.Layer.CreateNew(usd_path)
    stage = Usd.Stage.Open(layer)
    root = "/" + usd_safe_name(root_name or os.path.splitext(os.path.basename(src))[0])
    root_prim = UsdGeom.Xform.Define(stage, root)
    stage.SetDefaultPrim(root_prim.GetPrim())
    correction = axis_matrix("Y", up) @ units_matrix(source_mpu, mpu)
    if not np.allclose(correction, np.identity(4)):
        root_prim.MakeMatrixXform().Set(_matrix(correction))
    writer = writer_class(stage, fps, mpu, options)
    writer.root = root
    top = archive.getTop()
    n = top.getNumChildren()
    for i in range(n):
        child = top.getChild(i)
        writer.object(child, f"{root}/{usd_safe_name(child.getName())}")
        options.tick(os.path.basename(src), i + 1, n)
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z if up == "Z" else UsdGeom.Tokens.y)
    UsdGeom.SetStageMetersPerUnit(stage, mpu)
    stage.SetTimeCodesPerSecond(fps)
    stage.SetFramesPerSecond(fps)
    if writer.codes:
        stage.SetStartTimeCode(min(writer.codes))
        stage.SetEndTimeCode(max(writer.codes))
    layer.customLayerData = {"sdf:source": os.path.abspath(src),
                             "sdf:sourceIdentity": alembic_io.identity_text(src)}
    layer.Save()
    return {"fps": fps, "meters_per_unit": mpu, "up_axis": up, "root": root, "time_codes": len(set(writer.codes)),
            "warnings": list(options.warnings)}


def alembic_to_usd(src: str, dst: str, options: ConvertOptions) -> dict:
    """One USD layer, or value clips (``usd_clips``) when asked for or when the cache is too large for one."""
    if not os.path.exists(src):
        raise ConvertError("input not found", src)
    from .usd_clips import alembic_to_usd_clips, frames_per_clip

    per_clip = frames_per_clip(src, options)
    if per_clip:
        return alembic_to_usd_clips(src, dst, options, per_clip)
    return alembic_to_one_layer(src, dst, options)


def alembic_to_one_layer(src: str, dst: str, options: ConvertOptions) -> dict:
    with Staging(dst, options.force) as staging:
        staging.check_targets([dst])
        info = write_stage_from_alembic(src, staging.path(dst), options)
        staging.commit()
    return dict(info, output=dst)
