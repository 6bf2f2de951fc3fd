"""MaterialX image textures: which colour space a texture is read in, and what the shared reader makes of a
library (the hosts, the viewer and the USD export all take their textures from here)."""
import os

import numpy as np

import sdf
from sdf.dcc_plugins.shading import material_shading, read_library
from sdf.dcc_plugins.textures import SPACES, host_space, texture_colour_space
from sdf.demo.assets import write_png

LIBRARY = """<?xml version="1.0"?>
<materialx version="1.38" {root}>
  <image name="paint_tex" type="color3">
    <input name="file" type="filename" value="{file}" {space} />
  </image>
  <image name="rough_tex" type="float">
    <input name="file" type="filename" value="rough.png" colorspace="srgb_texture" />
  </image>
  <standard_surface name="paint_srf" type="surfaceshader">
    <input name="base" type="float" value="0.5" />
    <input name="base_color" type="color3" nodename="paint_tex" />
    <input name="specular_roughness" type="float" nodename="rough_tex" />
  </standard_surface>
  <surfacematerial name="paint" type="material">
    <input name="surfaceshader" type="surfaceshader" nodename="paint_srf" />
  </surfacematerial>
  <nodegraph name="NG_wood">
    <image name="grain" type="color3">
      <input name="file" type="filename" value="wood.exr" />
    </image>
    <output name="out" type="color3" nodename="grain" />
  </nodegraph>
  <standard_surface name="wood_srf" type="surfaceshader">
    <input name="base_color" type="color3" nodegraph="NG_wood" output="out" />
  </standard_surface>
  <surfacematerial name="wood" type="material">
    <input name="surfaceshader" type="surfaceshader" nodename="wood_srf" />
  </surfacematerial>
</materialx>
"""


def _library(folder, file="paint.png", space="", root=""):
    path = os.path.join(folder, "look.mtlx")
    with open(path, "w") as fh:
        fh.write(LIBRARY.format(file=file, space=space, root=root))
    return path


def test_colour_space_from_the_attribute_else_the_file_type():
    assert texture_colour_space("lin_rec709", "a.png") == "lin_rec709"
    assert texture_colour_space("srgb_texture", "a.exr") == "srgb_texture"
    assert texture_colour_space(None, "a.png") == texture_colour_space(None, "a.JPG") == "srgb_texture"
    assert texture_colour_space(None, "a.exr") == texture_colour_space(None, "a.hdr") == "lin_rec709"
    assert texture_colour_space("srgb_texture", "rough.png", "float") == "raw"  # data is never converted
    assert host_space("srgb_texture") == (SPACES["srgb_texture"], None)
    assert (SPACES["srgb_texture"].blender, SPACES["srgb_texture"].usd) == ("sRGB", "sRGB")
    assert (SPACES["lin_rec709"].blender, SPACES["lin_rec709"].usd) == ("Linear Rec.709", "raw")
    space, problem = host_space("g22_rec709")
    assert space == SPACES["srgb_texture"] and "g22_rec709" in problem


def test_library_textures_with_their_colour_spaces(tmp_path):
    path = _library(str(tmp_path), space='colorspace="lin_rec709"')
    lib = read_library(path)
    paint = lib["paint"]["textures"]
    assert paint["base_color"].file == os.path.join(str(tmp_path), "paint.png")
    assert paint["base_color"].colorspace == "lin_rec709"   # declared wins over the PNG's type
    assert paint["specular_roughness"].colorspace == "raw"
    assert lib["paint"]["base"] == 0.5
    wood = lib["wood"]["textures"]["base_color"]           # through a node graph's output
    assert wood.file == os.path.join(str(tmp_path), "wood.exr") and wood.colorspace == "lin_rec709"
    # None declared: by file type; the document's colorspace scopes down to the file when declared there
    assert read_library(_library(str(tmp_path)))["paint"]["textures"]["base_color"].colorspace == "srgb_texture"
    scoped = read_library(_library(str(tmp_path), root='colorspace="acescg" fileprefix="maps/"'))
    assert scoped["paint"]["textures"]["base_color"].colorspace == "acescg"
    assert scoped["paint"]["textures"]["base_color"].file == os.path.join(str(tmp_path), "maps", "paint.png")


def test_missing_texture_is_one_line_naming_material_and_file(demo):
    """The demo's cloth has a texture: deleted, every shader of materials gets one line and the constant."""
    _, shot_path = demo
    shot = sdf.open(shot_path, department="lighting")
    params, problems = material_shading(shot)
    cloth = params["materials/shading.mtlx#cloth"]
    assert cloth["textures"]["base_color"].colorspace == "srgb_texture" and problems == []
    os.remove(cloth["textures"]["base_color"].file)
    params, problems = material_shading(sdf.open(shot_path, department="lighting"))
    assert params["materials/shading.mtlx#cloth"]["textures"] == {}
    missing = [p for p in problems if "flag.png" in p]
    assert len(missing) == 1 and "materials/shading.mtlx#cloth" in missing[0] and "not found" in missing[0]


def test_demo_texture_is_a_small_srgb_png(demo):
    from PIL import Image

    root, _ = demo
    path = os.path.join(root, "assets", "textures", "flag.png")
    assert os.path.getsize(path) < 8192
    image = Image.open(path)
    assert image.mode == "RGB" and len(np.unique(np.asarray(image).reshape(-1, 3), axis=0)) >= 3


def test_png_writer_round_trips(tmp_path):
    from PIL import Image

    rgb = (np.arange(4 * 5 * 3) * 7 % 256).astype(np.uint8).reshape(4, 5, 3)
    write_png(str(tmp_path / "a.png"), rgb)
    assert np.array_equal(np.asarray(Image.open(str(tmp_path / "a.png"))), rgb)
