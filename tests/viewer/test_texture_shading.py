"""The viewer's GL shading of image textures: the texture is seen, sampled with the mesh's UVs, and
reaches the picture scene-linear as OpenColorIO converts it from its colour space."""
import os
import sys

import numpy as np
import pytest

import sdf
from sdf.cache.frame_cache import FrameCache
from sdf.demo.assets import write_png

pytest.importorskip("moderngl")

sys.path.insert(0, os.path.dirname(__file__))
import texture_shot  # noqa: E402

from sdf.viewer.scene import build_scene  # noqa: E402

W = H = 64
#: The headlight on a card facing the camera: colour * (0.3 + 0.7 |n.l|), l = (0.3, 0.6, 1) in view space.
HEADLIGHT = 0.3 + 0.7 / np.linalg.norm([0.3, 0.6, 1.0])
#: Code values of the card's quadrants: top left, bottom left, right half.
TOP_LEFT, BOTTOM_LEFT, RIGHT = 200, 120, 50


@pytest.fixture(scope="module")
def gl():
    from sdf.viewer.offscreen import create_context

    return create_context()


def _card_texture(path):
    rgb = np.full((8, 8, 3), RIGHT, np.uint8)
    rgb[:4, :4] = TOP_LEFT
    rgb[4:, :4] = BOTTOM_LEFT
    write_png(path, rgb)


def _render(shot_path, gl, shading="materials"):
    from sdf.viewer.offscreen import OffscreenView

    cache = FrameCache()
    scene = build_scene(sdf.open(shot_path, department="lighting"), cache, shading=shading)
    view = OffscreenView(scene, cache, W, H, ctx=gl)
    view.render(1, "top")
    linear, problems = view.linear()[..., :3].copy(), list(view.renderer.problems)
    view.release()
    return scene, linear, problems


def _quadrants(linear):
    """Mean linear RGB at the middle of the card's top-left, bottom-left and right quadrants."""
    q = W // 8  # the card spans the middle half of the picture: x and y in 16..48
    return [linear[y - 2:y + 2, x - 2:x + 2].reshape(-1, 3).mean(0)
            for x, y in ((W // 2 - q, H // 2 - q), (W // 2 - q, H // 2 + q), (W // 2 + q, H // 2))]


def _ocio(code, space="srgb_texture"):
    from sdf.viewer.colour import image_to_linear

    return float(image_to_linear(np.full((1, 3), code / 255.0), space)[0, 0])


def test_srgb_texture_is_drawn_linear_with_the_meshs_uvs(tmp_path, gl):
    shot = texture_shot.make(str(tmp_path))
    _card_texture(texture_shot.texture_path(shot))
    scene, linear, problems = _render(shot, gl)
    assert problems == [] and scene.missing == []
    card = scene.items[0]
    assert card.texture is not None and card.texture.colorspace == "srgb_texture"
    top_left, bottom_left, right = _quadrants(linear)
    # the pixels vary as the texture does, upright (UV (0, 0) at its lower left)
    assert top_left[0] > bottom_left[0] > right[0]
    # ... at OCIO's linear values (times the headlight), not the code values
    for measured, code in ((top_left, TOP_LEFT), (bottom_left, BOTTOM_LEFT), (right, RIGHT)):
        assert measured == pytest.approx([_ocio(code) * HEADLIGHT] * 3, rel=0.01, abs=0.002), (code, measured)
    assert _ocio(128) == pytest.approx(0.2159, abs=1e-4)


def test_linear_declared_texture_is_not_converted(tmp_path, gl):
    shot = texture_shot.make(str(tmp_path), space='colorspace="lin_rec709"')
    _card_texture(texture_shot.texture_path(shot))
    _, linear, _ = _render(shot, gl)
    assert _quadrants(linear)[2] == pytest.approx([RIGHT / 255.0 * HEADLIGHT] * 3, rel=0.01)


def test_exr_texture_is_linear_by_its_file_type(tmp_path, gl):
    import OpenEXR

    shot = texture_shot.make(str(tmp_path), file="card.exr", space="")
    rgb = np.full((8, 8, 3), 0.25, np.float32)
    rgb[:, 4:] = 0.75
    with OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}, {"RGB": rgb}) as f:
        f.write(texture_shot.texture_path(shot, "card.exr"))
    scene, linear, _ = _render(shot, gl)
    assert scene.items[0].texture.colorspace == "lin_rec709"
    left, _, right = _quadrants(linear)
    assert left == pytest.approx([0.25 * HEADLIGHT] * 3, rel=0.01)
    assert right == pytest.approx([0.75 * HEADLIGHT] * 3, rel=0.01)


def test_missing_texture_is_one_line_and_the_card_still_draws(tmp_path, gl):
    shot = texture_shot.make(str(tmp_path))  # no texture file written
    scene, linear, _ = _render(shot, gl)
    missing = [m for m in scene.missing if "card.png" in m]
    assert len(missing) == 1 and "materials/look.mtlx#card" in missing[0]
    assert scene.items[0].texture is None
    left, _, right = _quadrants(linear)
    assert left == pytest.approx(right, abs=1e-3) and left[0] > 0.5  # the base weight's white, lit


def test_department_shading_ignores_textures(tmp_path, gl):
    shot = texture_shot.make(str(tmp_path))
    _card_texture(texture_shot.texture_path(shot))
    _, linear, _ = _render(shot, gl, shading="department")
    top_left, _, right = _quadrants(linear)
    assert top_left == pytest.approx(right, abs=1e-3)


def test_demo_flag_is_textured(demo, gl):
    """The demo shot's cloth wears its sRGB flag texture in the viewer: read, uploaded, no problem."""
    from sdf.viewer.offscreen import OffscreenView

    _, path = demo
    cache = FrameCache()
    scene = build_scene(sdf.open(path, department="lighting"), cache, shading="materials")
    flag = next(i for i in scene.items if i.node == "/fx/flag")
    assert flag.texture is not None and flag.texture.file.endswith("flag.png")
    assert flag.texture.colorspace == "srgb_texture" and not any("flag" in m for m in scene.missing)
    view = OffscreenView(scene, cache, W, H, ctx=gl)
    view.render(1001, "shotCam")
    assert view.renderer.problems == [] and view.renderer.textured is not None
    view.release()
