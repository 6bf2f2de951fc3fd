"""Alembic -> USD for what is not plain geometry: NURBS patches, lights, materials and their bindings.

- ``AbcGeom_NuPatch`` becomes ``UsdGeom.NurbsPatch`` (points, orders, knots, weights per sample;
  both formats store control points with u varying fastest).
- ``AbcGeom_Light`` becomes a ``UsdLux.SphereLight`` at the light's transform: Alembic's light
  schema stores a camera (the light's frustum) and the exporter's own properties, never a light
  type or intensity, so the light keeps its name and place and its user properties are carried
  as ``userProperties:`` attributes for a lighter to read; a warning says the type is assumed.
- ``AbcMaterial`` materials become ``UsdShade.Material`` prims at the same place, with one shader
  per target and shader type (``arnold`` ``surface`` -> ``arnold_surface``, ``info:id`` the shader
  name, its parameters as inputs); material assignments (``.material.assign`` on an object or a
  face set, as Maya and Houdini write them) become ``UsdShade`` bindings, face sets as
  ``materialBind`` subsets.
"""
from __future__ import annotations

import numpy as np

from sdf import alembic_io


def usd_path_of(writer, abc_path: str) -> str:
    """The USD path an Alembic object path is written at (under the stage's root prim)."""
    from .options import usd_safe_name

    return writer.root + "".join("/" + usd_safe_name(p) for p in abc_path.split("/") if p)


def nupatch(writer, schema, patch) -> None:
    from pxr import Vt

    for index, tc in writer.samples(schema):
        s = schema.getValue(alembic_io.select(schema, index))
        points = np.asarray(s.getPositions(), np.float32)
        writer.put(patch.GetPointsAttr(), Vt.Vec3fArray.FromNumpy(points), tc)
        writer.put(patch.GetUVertexCountAttr(), int(s.getNumU()), tc)
        writer.put(patch.GetVVertexCountAttr(), int(s.getNumV()), tc)
        writer.put(patch.GetUOrderAttr(), int(s.getUOrder()), tc)
        writer.put(patch.GetVOrderAttr(), int(s.getVOrder()), tc)
        writer.put(patch.GetUKnotsAttr(), Vt.DoubleArray.FromNumpy(np.asarray(s.getUKnot(), np.float64)), tc)
        writer.put(patch.GetVKnotsAttr(), Vt.DoubleArray.FromNumpy(np.asarray(s.getVKnot(), np.float64)), tc)
        weights = s.getPositionWeights()
        if weights is not None and len(weights) == len(points):
            writer.put(patch.GetPointWeightsAttr(), Vt.DoubleArray.FromNumpy(np.asarray(weights, np.float64)), tc)


def _value(v):
    """A scalar Alembic property value as something USD can hold, or None."""
    from pxr import Gf

    if isinstance(v, (bool, int, float, str)):
        return v
    try:
        parts = [float(v[i]) for i in range(len(v))]
    except (TypeError, IndexError):
        return None
    return {2: Gf.Vec2f, 3: Gf.Vec3f, 4: Gf.Vec4f}.get(len(parts), lambda *a: None)(*parts)


def _sdf_type(v):
    from pxr import Gf, Sdf

    for kind, name in ((bool, Sdf.ValueTypeNames.Bool), (int, Sdf.ValueTypeNames.Int), (float, Sdf.ValueTypeNames.Float),
                       (str, Sdf.ValueTypeNames.String), (Gf.Vec2f, Sdf.ValueTypeNames.Float2),
                       (Gf.Vec3f, Sdf.ValueTypeNames.Color3f), (Gf.Vec4f, Sdf.ValueTypeNames.Float4)):
        if isinstance(v, kind):
            return name
    return None


def _scalars(compound):
    """(name, value) of the scalar properties of an Alembic compound property (first sample)."""
    from alembic3d import Abc

    if compound is None or not compound.valid():
        return []
    out = []
    for i in range(compound.getNumProperties()):
        header = compound.getPropertyHeader(i)
        if not header.isScalar():
            continue
        try:
            value = _value(Abc.IScalarProperty(compound, header.getName()).getValue())
        except Exception:  # noqa: BLE001 - a property the binding cannot read is left out, not fatal
            value = None
        if value is not None:
            out.append((header.getName(), value))
    return out


def light(writer, obj, path: str) -> None:
    from alembic3d import Abc, AbcGeom
    from pxr import UsdLux

    lamp = UsdLux.SphereLight.Define(writer.stage, path)
    schema = AbcGeom.ILight(obj, Abc.WrapExistingFlag.kWrapExisting).getSchema()
    carried = 0
    for name, value in _scalars(schema.getUserProperties()) + _scalars(schema.getArbGeomParams()):
        kind = _sdf_type(value)
        if kind is not None:
            lamp.GetPrim().CreateAttribute(f"userProperties:{name}", kind).Set(value)
            carried += 1
    writer.options.warn(f"{obj.getFullName()}: an Alembic light stores no type or intensity; written as a "
                        f"UsdLux SphereLight at its place ({carried} exporter propert{'y' if carried == 1 else 'ies'} "
                        "carried as userProperties:)")


def material(writer, obj, path: str) -> None:
    from alembic3d import AbcMaterial
    from pxr import Sdf, UsdShade

    mat = UsdShade.Material.Define(writer.stage, path)
    schema = AbcMaterial.IMaterial(obj, __import__("alembic3d").Abc.WrapExistingFlag.kWrapExisting).getSchema()
    for target in schema.getTargetNames():
        for stype in schema.getShaderTypesForTarget(target):
            name = schema.getShader(target, stype)
            from .options import usd_safe_name

            shader = UsdShade.Shader.Define(writer.stage, f"{path}/{usd_safe_name(f'{target}_{stype}')}")
            shader.SetShaderId(name or stype)
            for pname, value in _scalars(schema.getShaderParameters(target, stype)):
                kind = _sdf_type(value)
                if kind is not None:
                    shader.CreateInput(usd_safe_name(pname), kind).Set(value)
            out = shader.CreateOutput("out", Sdf.ValueTypeNames.Token)
            terminal = {"surface": mat.CreateSurfaceOutput, "displacement": mat.CreateDisplacementOutput,
                        "volume": mat.CreateVolumeOutput}.get(stype)
            if terminal is not None:
                terminal(target).ConnectToSource(out)


def bind(writer, obj, prim) -> None:
    """The object's material assignment, if it has one, as a binding."""
    from alembic3d import AbcMaterial
    from pxr import UsdShade

    try:
        target = AbcMaterial.getMaterialAssignmentPath(obj)
    except Exception:  # noqa: BLE001 - objects without the property
        return
    if target:
        mat = UsdShade.Material.Define(writer.stage, usd_path_of(writer, target))
        UsdShade.MaterialBindingAPI.Apply(prim).Bind(mat)


def face_set_material(writer, face_set_obj) -> str | None:
    """The material path a face set is assigned to (as a USD path), or None."""
    from alembic3d import AbcMaterial

    try:
        target = AbcMaterial.getMaterialAssignmentPath(face_set_obj)
    except Exception:  # noqa: BLE001
        return None
    return usd_path_of(writer, target) if target else None
