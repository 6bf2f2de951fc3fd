"""Alembic -> USD for lights: ``AbcGeom_Light`` becomes a UsdLux light, with its camera.

Alembic's light schema stores a camera (the light's frustum) and the exporter's own
properties, never a light type or intensity. So:

- when the light's user properties name a UsdLux type (``type = "RectLight"``, as
  :mod:`usd_alembic_lights` writes them), the light is that type and every other user property
  becomes the ``inputs:`` attribute of that name (``intensity`` -> ``inputs:intensity``,
  ``shaping:cone:angle`` -> ``inputs:shaping:cone:angle``, with ``ShapingAPI`` applied) or the
  shape switch of that name (``treatAsPoint``), every sample a time sample;
- otherwise (Maya's, Houdini's lights) it is a ``SphereLight`` at the light's place, and a
  warning says the type is assumed;
- user properties USD has no attribute for are kept as ``userProperties:<name>``;
- the light's camera, when it has one, becomes a ``Camera`` child named ``frustum`` (every
  sample, in USD's units), which USD -> Alembic writes back as the light's camera.
"""
from __future__ import annotations

from sdf.alembic import io as alembic_io

from .alembic_usd_shapes import camera as write_camera
from .options import usd_safe_name
from .usd_alembic_lights import FRUSTUM, SHAPE_SWITCHES, TYPE_PROPERTY


def usd_value(v):
    """A scalar Alembic property value as something USD can hold, or None."""
    from pxr import Gf

    if isinstance(v, (bool, int, float, str)):
        return v
    try:
        parts = [float(v[i]) for i in range(len(v))]
    except (TypeError, IndexError):
        return None
    return {2: Gf.Vec2f, 3: Gf.Vec3f, 4: Gf.Vec4f}.get(len(parts), lambda *a: None)(*parts)


def usd_value_type(v):
    """The USD value type a scalar read by ``usd_value`` is written as (vectors of 3 as colours)."""
    from pxr import Gf, Sdf

    for kind, name in ((bool, Sdf.ValueTypeNames.Bool), (int, Sdf.ValueTypeNames.Int), (float, Sdf.ValueTypeNames.Float),
                       (str, Sdf.ValueTypeNames.String), (Gf.Vec2f, Sdf.ValueTypeNames.Float2),
                       (Gf.Vec3f, Sdf.ValueTypeNames.Color3f), (Gf.Vec4f, Sdf.ValueTypeNames.Float4)):
        if isinstance(v, kind):
            return name
    return None


def _scalar_properties(compound):
    """(name, IScalarProperty) of each scalar property of an Alembic compound property."""
    from alembic3d import Abc

    if compound is None or not compound.valid():
        return []
    out = []
    for i in range(compound.getNumProperties()):
        header = compound.getPropertyHeader(i)
        if header.isScalar():
            out.append((header.getName(), Abc.IScalarProperty(compound, header.getName())))
    return out


def _light_type(properties) -> str | None:
    """The UsdLux type the user properties name, or None."""
    from pxr import Tf, Usd, UsdLux

    prop = dict(properties).get(TYPE_PROPERTY)
    if prop is None or prop.getNumSamples() == 0:
        return None
    try:
        name = str(prop.getValue(alembic_io.select(prop, 0)))
    except Exception:  # noqa: BLE001 - a type property of another kind: not ours
        return None
    t = Usd.SchemaRegistry.GetTypeFromName(name)
    if t == Tf.Type.Unknown:
        return None
    return name if t.IsA(UsdLux.BoundableLightBase) or t.IsA(UsdLux.NonboundableLightBase) else None


def _target_attribute(prim, name: str):
    """The light attribute a user property named ``name`` goes to (applying the API that owns it), or None."""
    from pxr import UsdLux

    candidates = [name] if name in SHAPE_SWITCHES else [f"inputs:{name}"]
    if name.startswith("shaping:"):
        UsdLux.ShapingAPI.Apply(prim)
    elif name.startswith("shadow:"):
        UsdLux.ShadowAPI.Apply(prim)
    for attr_name in candidates:
        definition = prim.GetPrimDefinition().GetAttributeDefinition(attr_name)
        if definition:
            return prim.CreateAttribute(attr_name, definition.GetTypeName())
    return None


def _put_all(writer, attr, timed) -> bool:
    """Author every (time code, value) on ``attr``; False when USD refuses a value's type."""
    from pxr import Sdf, Tf

    try:
        for tc, value in timed:
            if str(attr.GetTypeName()) == "asset":
                value = Sdf.AssetPath(str(value))
            writer.put(attr, value, tc)
    except Tf.ErrorException:
        return False
    return True


def light(writer, obj, path: str) -> None:
    from alembic3d import Abc, AbcGeom
    from pxr import UsdGeom

    schema = AbcGeom.ILight(obj, Abc.WrapExistingFlag.kWrapExisting).getSchema()
    properties = _scalar_properties(schema.getUserProperties())
    usd_type = _light_type(properties)
    prim = writer.stage.DefinePrim(path, usd_type or "SphereLight")
    carried, mismatched = 0, []
    for name, prop in properties + _scalar_properties(schema.getArbGeomParams()):
        if usd_type and name == TYPE_PROPERTY:
            continue
        timed = []
        for index, tc in writer.samples(prop):
            try:
                value = usd_value(prop.getValue(alembic_io.select(prop, index)))
            except Exception:  # noqa: BLE001 - a property the binding cannot read is left out, not fatal
                value = None
            if value is None:
                break
            timed.append((tc, value))
        if not timed or usd_value_type(timed[0][1]) is None:
            continue
        attr = _target_attribute(prim, name) if usd_type else None
        if attr is not None and not _put_all(writer, attr, timed):
            prim.RemoveProperty(attr.GetName())  # another type than USD's input: kept as a user property
            mismatched.append(name)
            attr = None
        if attr is None:
            safe = ":".join(usd_safe_name(part) for part in name.split(":"))
            _put_all(writer, prim.CreateAttribute(f"userProperties:{safe}", usd_value_type(timed[0][1])), timed)
        carried += 1
    if mismatched:
        writer.options.warn(f"{obj.getFullName()}: light properties whose type is not the UsdLux input's, kept as "
                            f"userProperties: {', '.join(mismatched)}")
    cam_schema = schema.getCameraSchema()
    if cam_schema.valid() and cam_schema.getNumSamples():
        write_camera(writer, cam_schema, UsdGeom.Camera.Define(writer.stage, f"{path}/{FRUSTUM}"))
    if usd_type is None:
        writer.options.warn(f"{obj.getFullName()}: an Alembic light stores no type or intensity; written as a "
                            f"UsdLux SphereLight at its place ({carried} exporter propert"
                            f"{'y' if carried == 1 else 'ies'} carried as userProperties:)")
