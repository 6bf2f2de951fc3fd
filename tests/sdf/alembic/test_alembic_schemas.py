"""sdf.alembic.schemas: the one table of Alembic schemas. Every schema the demo's archives (written by
alembic3d) hold is in it, its reader class reads it, and no other module spells a schema name."""
from __future__ import annotations

import ast
import os

from sdf.alembic import io as alembic_io
from sdf.alembic import schemas as abc_schemas

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def test_the_table_reads_every_object_the_demo_archives_hold(demo_master):
    from alembic3d import Abc

    root, _ = demo_master
    seen = set()
    for folder, _, files in os.walk(os.path.join(root, "assets")):
        for f in files:
            if not f.endswith(".abc"):
                continue
            for path, obj in alembic_io.walk_objects(alembic_io.open_archive(os.path.join(folder, f))):
                name = alembic_io.object_schema(obj)
                assert name in abc_schemas.SCHEMAS, (f, path, name)
                schema = abc_schemas.reader_class(name)(obj, Abc.WrapExistingFlag.kWrapExisting).getSchema()
                assert schema.valid() and schema.getNumSamples() >= 0
                seen.add(name)
    assert {abc_schemas.POLYMESH, abc_schemas.CURVES, abc_schemas.POINTS, abc_schemas.XFORM} <= seen, seen


def test_the_derived_sets():
    assert abc_schemas.GEOMETRY == (abc_schemas.POLYMESH, abc_schemas.SUBD, abc_schemas.CURVES, abc_schemas.POINTS)
    assert abc_schemas.DRAWS_AS[abc_schemas.SUBD] == "mesh" and abc_schemas.XFORM not in abc_schemas.DRAWS_AS
    assert abc_schemas.labels(abc_schemas.PLAYBACK) == "PolyMesh, SubD, Curves, Points and Xform"
    assert abc_schemas.reader_class("AbcGeom_Unknown") is None and abc_schemas.reader_class(abc_schemas.MATERIAL)


def _strings(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.body
                  and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_other_module_spells_a_schema_name():
    names = set(abc_schemas.SCHEMAS)
    offenders = []
    for pkg in ("sdf", "cache", "converters", "viewer", "dcc_plugins", "farm"):
        for folder, _, files in os.walk(os.path.join(ROOT, pkg)):
            for f in files:
                path = os.path.join(folder, f)
                if f.endswith(".py") and path != abc_schemas.__file__:
                    offenders += [f"{os.path.relpath(path, ROOT)}:{line}: {s}" for line, s in _strings(path)
                                  if s in names]
    assert offenders == []
