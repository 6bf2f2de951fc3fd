"""The Alembic schemas the toolkit knows, in one table.

Every object of an archive names its schema in its metadata (``AbcGeom_PolyMesh_v1``;
:func:`sdf.alembic.io.object_schema` drops the version). Which schemas are geometry, what each
draws as, which alembic3d class reads it and which of them each reader handles used to be spelt
in six modules, each with its own copy; a new schema (or a renamed one) is now one row here,
and every reader, the validator, the converters and the DCC plan follow it.
"""
from __future__ import annotations

from dataclasses import dataclass

POLYMESH = "AbcGeom_PolyMesh"
SUBD = "AbcGeom_SubD"
CURVES = "AbcGeom_Curve"
POINTS = "AbcGeom_Points"
XFORM = "AbcGeom_Xform"
CAMERA = "AbcGeom_Camera"
LIGHT = "AbcGeom_Light"
NUPATCH = "AbcGeom_NuPatch"
FACESET = "AbcGeom_FaceSet"
MATERIAL = "AbcMaterial_Material"


@dataclass(frozen=True)
class AlembicSchema:
    name: str                 # as in the metadata, without version: "AbcGeom_PolyMesh"
    label: str                # as a user reads it in a message: "PolyMesh"
    draws_as: str | None      # the frame's kind when drawn: "mesh", "curves", "points"; None: not drawn
    reader: str | None        # the alembic3d class that reads it ("AbcGeom.IPolyMesh")


SCHEMAS: dict[str, AlembicSchema] = {s.name: s for s in (
    AlembicSchema(POLYMESH, "PolyMesh", "mesh", "AbcGeom.IPolyMesh"),
    AlembicSchema(SUBD, "SubD", "mesh", "AbcGeom.ISubD"),
    AlembicSchema(CURVES, "Curves", "curves", "AbcGeom.ICurves"),
    AlembicSchema(POINTS, "Points", "points", "AbcGeom.IPoints"),
    AlembicSchema(XFORM, "Xform", None, "AbcGeom.IXform"),
    AlembicSchema(CAMERA, "Camera", None, "AbcGeom.ICamera"),
    AlembicSchema(LIGHT, "Light", None, "AbcGeom.ILight"),
    AlembicSchema(NUPATCH, "NuPatch", None, "AbcGeom.INuPatch"),
    AlembicSchema(FACESET, "FaceSet", None, "AbcGeom.IFaceSet"),
    AlembicSchema(MATERIAL, "Material", None, "AbcMaterial.IMaterial"),
)}

#: Schema -> what it draws as, for the shapes a player draws.
DRAWS_AS: dict[str, str] = {name: s.draws_as for name, s in SCHEMAS.items() if s.draws_as}
#: The shapes a player draws (their points, topology and stored bounds are read).
GEOMETRY: tuple[str, ...] = tuple(DRAWS_AS)
#: Shapes with faces (a topology variance, face counts and indices, UVs, normals).
MESHES: tuple[str, ...] = (POLYMESH, SUBD)
#: What the frame reader (:mod:`sdf.alembic.frames`) reads: the shapes, transforms and cameras.
FRAME_READER: tuple[str, ...] = GEOMETRY + (XFORM, CAMERA)
#: What playback (:mod:`sdf.alembic.playback_reader`, :mod:`sdf.alembic.sample_index`) reads: the shapes and transforms.
PLAYBACK: tuple[str, ...] = GEOMETRY + (XFORM,)
#: What a model tree's ``source`` may name (``sdf validate``), and what takes a material binding
#: in USD: the shapes, NURBS patches and transforms.
SOURCES: tuple[str, ...] = GEOMETRY + (NUPATCH, XFORM)


def reader_class(name: str):
    """The alembic3d class that reads objects of schema ``name`` (``AbcGeom.IPolyMesh``...), or None."""
    schema = SCHEMAS.get(name)
    if schema is None or schema.reader is None:
        return None
    import importlib

    module, _, cls = schema.reader.partition(".")
    return getattr(getattr(importlib.import_module("alembic3d"), module), cls)


def labels(names: tuple[str, ...]) -> str:
    """"PolyMesh, SubD, Curves, Points and Xform": a list of schemas as a message says it."""
    words = [SCHEMAS[n].label for n in names]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
