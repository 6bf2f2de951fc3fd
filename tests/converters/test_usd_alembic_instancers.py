"""USD -> Alembic: PointInstancer prototypes reached through references, and purposes.

The stages are made here with the USD API: a component asset file (a render mesh and a proxy
mesh under one Xform, an implicit Sphere under a render-purpose scope and a Cube under a
proxy-purpose scope), and a set whose PointInstancer instances it through references kept
where real scenes keep prototypes: below an ``over``, below a ``class``, and as an instanceable
``def``.
"""
import numpy as np
import pytest

from sdf.alembic import io as alembic_io
from sdf.converters.options import ConvertOptions
from sdf.converters.registry import convert

POSITIONS = [(0.0, 0, 0), (10.0, 0, 0), (20.0, 0, 0), (30.0, 0, 0), (40.0, 0, 0), (50.0, 0, 0)]
PROTO_INDICES = [0, 1, 2, 0, 1, 2]


def _mesh(stage, path, purpose, offset):
    from pxr import UsdGeom

    mesh = UsdGeom.Mesh.Define(stage, path)
    mesh.GetPointsAttr().Set([(offset, 0, 0), (offset + 1, 0, 0), (offset, 1, 0)])
    mesh.GetFaceVertexCountsAttr().Set([3])
    mesh.GetFaceVertexIndicesAttr().Set([0, 1, 2])
    mesh.GetSubdivisionSchemeAttr().Set("none")
    mesh.CreatePurposeAttr().Set(purpose)
    return mesh


def _pawn(path):
    from pxr import Kind, Usd, UsdGeom

    stage = Usd.Stage.CreateNew(path)
    root = UsdGeom.Xform.Define(stage, "/Pawn")
    Usd.ModelAPI(root.GetPrim()).SetKind(Kind.Tokens.component)
    stage.SetDefaultPrim(root.GetPrim())
    UsdGeom.Xform.Define(stage, "/Pawn/Geom_Top")
    _mesh(stage, "/Pawn/Geom_Top/Render", "render", 0.0)
    _mesh(stage, "/Pawn/Geom_Top/Proxy", "proxy", 0.25)
    UsdGeom.Scope.Define(stage, "/Pawn/render").CreatePurposeAttr().Set("render")
    UsdGeom.Sphere.Define(stage, "/Pawn/render/ball").GetRadiusAttr().Set(0.5)
    UsdGeom.Scope.Define(stage, "/Pawn/proxy").CreatePurposeAttr().Set("proxy")
    UsdGeom.Cube.Define(stage, "/Pawn/proxy/box").GetSizeAttr().Set(1.0)
    stage.GetRootLayer().Save()


def _set(tmp_path):
    from pxr import Gf, Sdf, Usd, UsdGeom

    _pawn(str(tmp_path / "pawn.usda"))
    stage = Usd.Stage.CreateNew(str(tmp_path / "set.usda"))
    pi = UsdGeom.PointInstancer.Define(stage, "/World/pawns")
    stage.OverridePrim("/World/pawns/Prototypes")  # an over: not drawn on its own
    below_over = stage.DefinePrim("/World/pawns/Prototypes/white")
    below_over.GetReferences().AddReference("./pawn.usda")
    stage.CreateClassPrim("/_protos")                # a class: abstract
    in_class = stage.DefinePrim("/_protos/black")
    in_class.GetReferences().AddReference("./pawn.usda")
    instanceable = stage.DefinePrim("/World/protos/red")
    instanceable.GetReferences().AddReference("./pawn.usda")
    instanceable.SetInstanceable(True)
    UsdGeom.Imageable(stage.GetPrimAtPath("/World/protos")).CreateVisibilityAttr().Set("invisible")
    pi.GetPrototypesRel().SetTargets([Sdf.Path("/World/pawns/Prototypes/white"), Sdf.Path("/_protos/black"),
                                      Sdf.Path("/World/protos/red")])
    pi.GetProtoIndicesAttr().Set(PROTO_INDICES)
    pi.GetPositionsAttr().Set([Gf.Vec3f(*p) for p in POSITIONS])
    stage.GetRootLayer().Save()
    return str(tmp_path / "set.usda")


def _instances(out):
    """{instance index: {leaf name: world x of its first point}} of what arrived under the instancer."""
    from sdf.alembic.frames import AlembicReader

    r = AlembicReader(out)
    found = {}
    for path in r.objects():
        if "/pawns/instance_" not in path:
            continue
        index = int(path.split("/pawns/instance_")[1].split("/")[0])
        f = r.read(path, 0, 24.0)
        if not len(f.positions):
            continue  # a transform
        found.setdefault(index, {})[path.rsplit("/", 1)[-1]] = float((f.positions[0] @ f.world[:3, :3] +
                                                                       f.world[3, :3])[0])
    return found


@pytest.mark.parametrize("mode", ["instance", "expand"])
def test_every_prototype_and_instance_of_a_point_instancer_arrives(tmp_path, mode):
    src = _set(tmp_path)
    out = str(tmp_path / "set.abc")
    opts = ConvertOptions(instances=mode)
    convert(src, out, opts)
    found = _instances(out)
    assert sorted(found) == list(range(len(POSITIONS)))  # every instance
    for i, leaves in found.items():
        # The render purpose by default: the render mesh and the sphere, at the instance's place.
        assert sorted(leaves) == ["RenderShape", "ballShape"], (i, leaves)
        assert leaves["RenderShape"] == pytest.approx(POSITIONS[i][0])
    archive = alembic_io.open_archive(out, cached=False)
    roots = [p for p, o in alembic_io.walk_objects(archive) if o.isInstanceRoot() and "/pawns/" in p]
    # One written copy per prototype; every other instance an Alembic instance of it.
    assert len(roots) == (len(POSITIONS) - 3 if mode == "instance" else 0), roots
    left_out = next(w for w in opts.warnings if "purpose 'proxy'" in w)
    for path in ("/World/pawns/Prototypes/white/Geom_Top/Proxy", "/_protos/black/proxy"):
        assert path in left_out


@pytest.mark.parametrize("purpose, expect", [("proxy", ["ProxyShape", "boxShape"]),
                                             ("all", ["ProxyShape", "RenderShape", "ballShape", "boxShape"])])
def test_purpose_option_chooses_what_is_written(tmp_path, run, purpose, expect):
    src = _set(tmp_path)
    out = tmp_path / "set.abc"
    res = run("convert", src, out, "--purpose", purpose)
    assert res.exit_code == 0, res.output
    found = _instances(str(out))
    assert all(sorted(leaves) == expect for leaves in found.values()), found
    assert len(found) == len(POSITIONS)
    if purpose == "proxy":
        assert "purpose 'render'" in res.stderr and "--purpose render writes them" in res.stderr
    else:
        assert "left out" not in res.stderr


def test_implicit_shapes_under_purpose_scopes(tmp_path):
    """The component asset alone: its Sphere (render scope) is written, its Cube (proxy scope) is
    named in a warning, never dropped without a word."""
    from alembic3d import Abc, AbcGeom

    _pawn(str(tmp_path / "pawn.usda"))
    out = str(tmp_path / "pawn.abc")
    opts = ConvertOptions()
    convert(str(tmp_path / "pawn.usda"), out, opts)
    archive = alembic_io.open_archive(out, cached=False)
    meshes = {p: o for p, o in alembic_io.walk_objects(archive) if alembic_io.object_schema(o) == "AbcGeom_PolyMesh"}
    assert sorted(meshes) == ["/Pawn/Geom_Top/Render/RenderShape", "/Pawn/render/ball/ballShape"]
    ball = AbcGeom.IPolyMesh(meshes["/Pawn/render/ball/ballShape"], Abc.WrapExistingFlag.kWrapExisting)
    pts = np.asarray(ball.getSchema().getValue().getPositions())
    assert np.allclose(np.linalg.norm(pts, axis=1), 0.5, atol=1e-5)  # the sphere's radius
    assert any("purpose 'proxy'" in w and "/Pawn/proxy" in w and "/Pawn/Geom_Top/Proxy" in w for w in opts.warnings)


def test_a_prototype_whose_reference_cannot_be_opened_is_named(tmp_path):
    from pxr import Gf, Usd, UsdGeom

    stage = Usd.Stage.CreateNew(str(tmp_path / "set.usda"))
    pi = UsdGeom.PointInstancer.Define(stage, "/World/pawns")
    ok = stage.DefinePrim("/World/pawns/Prototypes/ok")
    _mesh(stage, "/World/pawns/Prototypes/ok/tri", "default", 0.0)
    lost = stage.DefinePrim("/World/pawns/Prototypes/lost")
    lost.GetReferences().AddReference("./missing_pawn.usda")
    pi.GetPrototypesRel().SetTargets([ok.GetPath(), lost.GetPath()])
    pi.GetProtoIndicesAttr().Set([0, 1])
    pi.GetPositionsAttr().Set([Gf.Vec3f(0, 0, 0), Gf.Vec3f(1, 0, 0)])
    stage.GetRootLayer().Save()
    opts = ConvertOptions()
    convert(str(tmp_path / "set.usda"), str(tmp_path / "set.abc"), opts)
    assert any(w.startswith("composition:") and "missing_pawn.usda" in w for w in opts.warnings), opts.warnings


def test_points_mode_writes_every_prototype_once(tmp_path):
    """``--instances points``: a point per instance, and each prototype (below an over, a class, or
    instanceable) written once under ``prototypes`` with its render geometry."""
    from alembic3d import Abc, AbcGeom

    src = _set(tmp_path)
    out = str(tmp_path / "set.abc")
    convert(src, out, ConvertOptions(instances="points"))
    archive = alembic_io.open_archive(out, cached=False)
    objects = dict(alembic_io.walk_objects(archive))
    points = AbcGeom.IPoints(objects["/World/pawns/points"], Abc.WrapExistingFlag.kWrapExisting).getSchema()
    assert np.allclose(np.asarray(points.getValue().getPositions()), POSITIONS)
    shapes = sorted(p for p, o in objects.items() if p.startswith("/World/pawns/prototypes/")
                    and alembic_io.object_schema(o) == "AbcGeom_PolyMesh")
    assert shapes == [f"/World/pawns/prototypes/{name}/{leaf}" for name in ("black", "red", "white")
                      for leaf in ("Geom_Top/Render/RenderShape", "render/ball/ballShape")]
