"""Alembic -> USD for what is not plain geometry: NURBS patches, materials and their bindings.

- ``AbcGeom_NuPatch`` becomes ``UsdGeom.NurbsPatch`` (points, orders, knots, weights per sample;
  both formats store control points with u varying fastest).
- ``AbcMaterial`` materials become ``UsdShade.Material`` prims at the same place, with one shader
  per target and shader type (``arnold`` ``surface`` -> ``arnold_surface``, ``info:id`` the shader
  name, its parameters as inputs), and their shader network (``getNetworkNodeNames``) as a
  UsdShade network of the same nodes, connections, terminals and interface parameters;
  material assignments (``.material.assign`` on an object or a face set, as Maya and Houdini
  write them) become ``UsdShade`` bindings, face sets as ``materialBind`` subsets.
"""
from __future__ import annotations

import numpy as np

from sdf.alembic import io as alembic_io

from .alembic_usd_lights import usd_value, usd_value_type


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
            value = usd_value(Abc.IScalarProperty(compound, header.getName()).getValue())
        except Exception:  # noqa: BLE001 - a property the binding cannot read is left out, not fatal
            value = None
        if value is not None:
            out.append((header.getName(), value))
    return out


def _terminal(mat, target: str, stype: str):
    """The material's output for a target and shader type (``outputs:arnold:surface``)."""
    from pxr import Sdf

    make = {"surface": mat.CreateSurfaceOutput, "displacement": mat.CreateDisplacementOutput,
            "volume": mat.CreateVolumeOutput}.get(stype)
    return make(target) if make is not None else mat.CreateOutput(f"{target}:{stype}", Sdf.ValueTypeNames.Token)


def _inputs(shader, compound) -> None:
    from .options import usd_safe_name

    for pname, value in _scalars(compound):
        kind = usd_value_type(value)
        if kind is not None:
            shader.CreateInput(usd_safe_name(pname), kind).Set(value)


def material(writer, obj, path: str) -> None:
    from alembic3d import Abc, AbcMaterial
    from pxr import Sdf, UsdShade

    from .options import usd_safe_name

    mat = UsdShade.Material.Define(writer.stage, path)
    schema = AbcMaterial.IMaterial(obj, Abc.WrapExistingFlag.kWrapExisting).getSchema()
    for target in schema.getTargetNames():
        for stype in schema.getShaderTypesForTarget(target):
            name = schema.getShader(target, stype)
            shader = UsdShade.Shader.Define(writer.stage, f"{path}/{usd_safe_name(f'{target}_{stype}')}")
            shader.SetShaderId(name or stype)
            _inputs(shader, schema.getShaderParameters(target, stype))
            _terminal(mat, target, stype).ConnectToSource(shader.CreateOutput("out", Sdf.ValueTypeNames.Token))
    network(writer, schema, mat)


def network(writer, schema, mat) -> None:
    """The material's shader network: a Shader per node (``info:id`` its type, its target in custom data
    ``alembic:target``, its parameters as inputs), each connection a UsdShade connection from the source
    node's output, each terminal the material's output for that target and type, and each interface
    parameter a material input connected to the node parameter it maps to."""
    from pxr import Sdf, UsdShade

    from .options import usd_safe_name

    path = mat.GetPath()
    shaders = {}
    for name in schema.getNetworkNodeNames():
        node = schema.getNetworkNode(name)
        shader = UsdShade.Shader.Define(writer.stage, path.AppendChild(usd_safe_name(name)))
        shader.SetShaderId(node.getNodeType() or name)
        if node.getTarget():
            shader.GetPrim().SetCustomDataByKey("alembic:target", node.getTarget())
        _inputs(shader, node.getParameters())
        shaders[name] = (node, shader)

    def output(node_name: str, output_name: str):
        source = shaders.get(node_name)
        if source is None:
            writer.options.warn(f"{path}: the shader network names a node it does not have: '{node_name}'")
            return None
        out = source[1].GetOutput(usd_safe_name(output_name or "out"))
        return out if out else source[1].CreateOutput(usd_safe_name(output_name or "out"), Sdf.ValueTypeNames.Token)

    for name, (node, shader) in shaders.items():
        for i in range(node.getNumConnections()):
            c = node.getConnection(i)
            # the binding spells the key "connectedOuputName"
            src = output(c.get("connectedNodeName", ""), c.get("connectedOutputName", c.get("connectedOuputName", "")))
            if src is None:
                continue
            inp = shader.GetInput(usd_safe_name(c["inputName"]))
            if not inp:  # connected only: no value of its own, so the source's type
                inp = shader.CreateInput(usd_safe_name(c["inputName"]), src.GetTypeName())
            inp.ConnectToSource(src)
    for target in schema.getNetworkTerminalTargetNames():
        for stype in schema.getNetworkTerminalShaderTypesForTarget(target):
            t = schema.getNetworkTerminal(target, stype)
            src = output(t.get("nodeName", ""), t.get("outputName", ""))
            if src is not None:
                _terminal(mat, target, stype).ConnectToSource(src)
    interface = schema.getNetworkInterfaceParameters()
    values = dict(_scalars(interface))
    for name in schema.getNetworkInterfaceParameterMappingNames():
        m = schema.getNetworkInterfaceParameterMapping(name)
        node = shaders.get(m.get("mapToNodeName", ""))
        value = values.get(name)
        kind = usd_value_type(value) if value is not None else None
        if node is None or kind is None:
            continue
        public = mat.CreateInput(usd_safe_name(name), kind)
        public.Set(value)
        inp = node[1].GetInput(usd_safe_name(m["mapToParamName"])) or \
            node[1].CreateInput(usd_safe_name(m["mapToParamName"]), kind)
        inp.ConnectToSource(public)


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
