"""A tiny shot for texture checks: one textured quad seen from straight above.

The quad is ``/env/card`` (x, z in -1..1 at y = 0, UVs 0..1 with u along +x and v along +z), its
material ``materials/look.mtlx#card`` a ``standard_surface`` whose base colour is an ``<image>`` of
``card.png`` (``colorspace`` as given; the file written by the caller). The camera ``top`` looks
down -Y from (0, 4, 0) with +Z towards the bottom of the picture, so u grows left to right and v bottom to top.
"""
from __future__ import annotations

import os

import numpy as np

from sdf.demo import geometry
from sdf.document.cameras import Camera, CameraSet
from sdf.document.elements import as_matrix
from sdf.document.model_tree import ModelNode, ModelTree, Overlay
from sdf.document.opening import create_shot

LIBRARY = """<?xml version="1.0"?>
<materialx version="1.38">
  <image name="card_tex" type="color3">
    <input name="file" type="filename" value="{file}" {space} />
  </image>
  <standard_surface name="card_srf" type="surfaceshader">
    <input name="base_color" type="color3" nodename="card_tex" />
  </standard_surface>
  <surfacematerial name="card" type="material">
    <input name="surfaceshader" type="surfaceshader" nodename="card_srf" />
  </surfacematerial>
</materialx>
"""


def _card(path):
    from alembic3d import AbcGeom

    from sdf.alembic.write import frame_sampling, int_array, put, uint_array, v2f, v3f, write_archive

    pos, counts, idx, uvs, uv_idx = geometry.grid(1, 1, size=2.0)
    order = geometry.alembic_winding(counts)
    sample = AbcGeom.OPolyMeshSchemaSample(v3f(pos), int_array(np.asarray(idx)[order]), int_array(counts))
    uvs = np.c_[uvs[:, 0], 1.0 - uvs[:, 1]].astype(np.float32)  # v up the picture: +z is down it
    sample.setUVs(AbcGeom.OV2fGeomParamSample(v2f(uvs), uint_array(np.asarray(uv_idx)[order]),
                                              AbcGeom.GeometryScope.kFacevaryingScope))
    sample.setNormals(AbcGeom.ON3fGeomParamSample(v3f(np.tile([0.0, 1.0, 0.0], (len(pos), 1)).astype(np.float32)),
                                                  AbcGeom.GeometryScope.kVertexScope))

    def body(archive):
        ts = frame_sampling(archive, 24.0, 1)
        xf = AbcGeom.OXform(archive.getTop(), "card", ts)
        put(AbcGeom.OPolyMesh(xf, "cardShape", ts).getSchema(), sample)

    write_archive(path, body, description="texture test card")


def make(out: str, file: str = "card.png", space: str = 'colorspace="srgb_texture"') -> str:
    """Write the shot under ``out`` (the texture itself is the caller's); returns the shot file."""
    assets = os.path.join(out, "assets")
    os.makedirs(os.path.join(assets, "materials"), exist_ok=True)
    with open(os.path.join(out, "sdf-project.json"), "w") as fh:
        fh.write('{"project": "texture-test"}')
    with open(os.path.join(assets, "materials", "look.mtlx"), "w") as fh:
        fh.write(LIBRARY.format(file=file, space=space))
    _card(os.path.join(assets, "card.abc"))
    tree = ModelTree([ModelNode("env", children=[ModelNode("card", source={"file": "card.abc",
                                                                            "object": "/card/cardShape"})])])
    materials = Overlay("materials", {"/env/card": {"material": "materials/look.mtlx#card"}})
    m = np.identity(4)
    m[0, :3], m[1, :3], m[2, :3], m[3, :3] = (1, 0, 0), (0, 0, -1), (0, 1, 0), (0, 4, 0)  # looking down -Y
    cam = Camera("top", transform_start=1, transforms=[as_matrix(m)], focal_length=35.0, horizontal_aperture=36.0,
                 vertical_aperture=36.0, near_clip=0.1, far_clip=100.0)
    shot = os.path.join(out, "shots", "tx", "tx.sdf")
    create_shot(shot, "tx", frame_range=(1, 1), fps=24.0, up_axis="Y", meters_per_unit=1.0,
                search_path=["../../assets"],
                parts={"model_tree": (tree, "model/model_tree.json"),
                       "materials": (materials, "texture_shader/materials.json"),
                       "cameras": (CameraSet([cam], shot_camera="top"), "tracking/cameras.json")})
    return shot


def texture_path(shot: str, file: str = "card.png") -> str:
    return os.path.join(os.path.dirname(shot), "..", "..", "assets", "materials", file)
