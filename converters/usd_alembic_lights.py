"""USD -> Alembic for what a layout artist or a lighter looks through: cameras and UsdLux lights.

Mixed into the converter (:mod:`usd_alembic`), which owns the hierarchy walk.

- ``UsdGeom.Camera`` becomes an Alembic camera, every time sample. USD stores focal length,
  apertures and aperture offsets in tenths of a scene unit; Alembic wants millimetres for the
  lens and centimetres for the film back, so they are scaled by the stage's metersPerUnit
  (Maya's centimetre stages: 1 USD unit is 1 mm; Blender's metre stages: 35 mm is stored 0.35).
  Clipping planes and focus distance are distances in the scene and follow ``--meters-per-unit``;
  shutter open and close (time codes around the frame) become seconds.
- A UsdLux light (any prim with ``LightAPI``: sphere, rect, disk, cylinder, distant, dome...)
  becomes an Alembic light. Alembic's light schema has no light type or intensity, so they
  travel as the light's user properties (``.userProperties``), which Alembic readers list:
  ``type`` (the USD type name, ``SphereLight``), and every ``inputs:`` attribute under its
  name without the prefix (``color``, ``intensity``, ``exposure``, ``radius``, ``width``,
  ``shaping:cone:angle``...) plus the shape switches that are no inputs (``treatAsPoint``,
  ``treatAsLine``), each with every time sample. Alembic -> USD reads them back
  (:mod:`alembic_usd_lights`), so a round trip keeps the light.
- The light's camera (Alembic's frustum of a light) is written from a ``Camera`` child named
  ``frustum`` when the light has one, which is how Alembic -> USD carries it.
"""
from __future__ import annotations

from sdf.alembic.write import put

#: The user property holding the USD light type (``SphereLight``...).
TYPE_PROPERTY = "type"
#: The child Camera prim that stands for an Alembic light's camera (its frustum).
FRUSTUM = "frustum"
#: Light attributes that are not ``inputs:`` but describe the light's shape.
SHAPE_SWITCHES = ("treatAsPoint", "treatAsLine")


def light_property_name(attr_name: str) -> str | None:
    """The Alembic user property a light attribute travels as, or None when it does not travel."""
    if attr_name.startswith("inputs:"):
        return attr_name[len("inputs:"):]
    return attr_name if attr_name in SHAPE_SWITCHES else None


def _alembic_property(compound, name: str, type_name: str, ts: int):
    """(an Alembic scalar property for a USD value type, a converter of values), or None."""
    import imath
    from alembic3d import Abc

    kinds = {
        "float": (Abc.OFloatProperty, float), "half": (Abc.OFloatProperty, float),
        "double": (Abc.ODoubleProperty, float), "int": (Abc.OInt32Property, int),
        "bool": (Abc.OBoolProperty, bool), "string": (Abc.OStringProperty, str),
        "token": (Abc.OStringProperty, str),
        "asset": (Abc.OStringProperty, lambda v: v.path if hasattr(v, "path") else str(v)),
        "color3f": (Abc.OC3fProperty, lambda v: imath.Color3f(*map(float, v))),
        "float3": (Abc.OV3fProperty, lambda v: imath.V3f(*map(float, v))),
        "vector3f": (Abc.OV3fProperty, lambda v: imath.V3f(*map(float, v))),
        "float2": (Abc.OV2fProperty, lambda v: imath.V2f(*map(float, v))),
    }
    kind = kinds.get(type_name)
    if kind is None:
        return None
    cls, conv = kind
    return cls(compound, name, ts), conv


class CameraLightMixin:
    def camera_sample(self, cam, tc):
        """An Alembic CameraSample of ``cam`` (a UsdGeom.Camera) at ``tc``, in Alembic's units."""
        from alembic3d import AbcGeom

        to_mm = self.mpu / 0.01  # tenths of a scene unit -> millimetres
        s = AbcGeom.CameraSample()
        s.setFocalLength(float(cam.GetFocalLengthAttr().Get(tc)) * to_mm)
        s.setHorizontalAperture(float(cam.GetHorizontalApertureAttr().Get(tc)) * to_mm / 10.0)
        s.setVerticalAperture(float(cam.GetVerticalApertureAttr().Get(tc)) * to_mm / 10.0)
        s.setHorizontalFilmOffset(float(cam.GetHorizontalApertureOffsetAttr().Get(tc) or 0) * to_mm / 10.0)
        s.setVerticalFilmOffset(float(cam.GetVerticalApertureOffsetAttr().Get(tc) or 0) * to_mm / 10.0)
        near, far = cam.GetClippingRangeAttr().Get(tc)
        s.setNearClippingPlane(float(near) * self.scale)
        s.setFarClippingPlane(float(far) * self.scale)
        s.setFStop(float(cam.GetFStopAttr().Get(tc) or 0))
        s.setFocusDistance(float(cam.GetFocusDistanceAttr().Get(tc) or 0) * self.scale)
        s.setShutterOpen(float(cam.GetShutterOpenAttr().Get(tc) or 0) / self.fps)
        s.setShutterClose(float(cam.GetShutterCloseAttr().Get(tc) or 0) / self.fps)
        return s

    def camera_times(self, cam):
        return self.times_for(cam.GetFocalLengthAttr(), cam.GetHorizontalApertureAttr(),
                              cam.GetVerticalApertureAttr(), cam.GetHorizontalApertureOffsetAttr(),
                              cam.GetVerticalApertureOffsetAttr(), cam.GetClippingRangeAttr(), cam.GetFStopAttr(),
                              cam.GetFocusDistanceAttr(), cam.GetShutterOpenAttr(), cam.GetShutterCloseAttr())

    def camera(self, prim, oxf) -> None:
        from alembic3d import AbcGeom
        from pxr import UsdGeom

        cam = UsdGeom.Camera(prim)
        if cam.GetProjectionAttr().Get() == UsdGeom.Tokens.orthographic:
            self.options.warn(f"{prim.GetPath()}: orthographic camera written as a perspective one (Alembic "
                              "cameras have no projection)")
        schema = AbcGeom.OCamera(oxf, prim.GetName() + "Shape", self.ts).getSchema()
        for tc in self.camera_times(cam):
            put(schema, self.camera_sample(cam, tc))
        self.cameras += 1

    def frustum_of(self, prim):
        """The light's ``frustum`` Camera child, or None."""
        child = prim.GetChild(FRUSTUM)
        return child if child and child.GetTypeName() == "Camera" else None

    def light(self, prim, oxf) -> None:
        """A UsdLux light as an Alembic light: its type and inputs as user properties, every time sample."""
        from alembic3d import AbcGeom
        from pxr import UsdGeom

        light = AbcGeom.OLight(oxf, prim.GetName() + "Shape", self.ts)
        schema = light.getSchema()
        user = schema.getUserProperties()
        kind = _alembic_property(user, TYPE_PROPERTY, "string", self.ts)[0]
        kind.setValue(str(prim.GetTypeName()) or "LightAPI")
        skipped = []
        for attr in sorted(prim.GetAttributes(), key=lambda a: a.GetName()):
            name = light_property_name(attr.GetName())
            if name is None or name == TYPE_PROPERTY:
                continue
            times = self.times_for(attr)
            values = [attr.Get(tc) for tc in times]
            if any(v is None for v in values):
                continue  # no value at all (an asset input left empty): nothing to carry
            made = _alembic_property(user, name, str(attr.GetTypeName()), self.ts)
            if made is None:
                skipped.append(f"{attr.GetName()} ({attr.GetTypeName()})")
                continue
            prop, conv = made
            for v in values:
                prop.setValue(conv(v))
        frustum = self.frustum_of(prim)
        if frustum is not None:
            cam = UsdGeom.Camera(frustum)
            for tc in self.camera_times(cam):
                schema.setCameraSample(self.camera_sample(cam, tc))
        if skipped:
            self.options.warn(f"{prim.GetPath()}: light inputs of types Alembic has no property for, not written: "
                              f"{', '.join(skipped)}")
        self.lights += 1
