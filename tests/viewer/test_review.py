"""Review-grade pixels: OCIO display/view transforms, burn-ins, movies (PyAV) and dailies (OTIO)."""
import os
import subprocess
import sys
import urllib.parse

import numpy as np
import pytest

import sdf
from sdf.runtime import jsonio
from sdf.cache.frame_cache import FrameCache

pytest.importorskip("moderngl")

from sdf.viewer.colour import Transform  # noqa: E402
from sdf.viewer.images import read_png  # noqa: E402
from sdf.viewer.render import BACKGROUND  # noqa: E402
from sdf.viewer.scene import build_scene  # noqa: E402

SDF = [sys.executable, "-m", "sdf.cli"]
W, H = 320, 180


def sdf_cli(*args, env=None):
    return subprocess.run([*SDF, *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def gl():
    from sdf.viewer.offscreen import create_context
    return create_context()


def _view(path, gl, transform, department="animation"):
    from sdf.viewer.offscreen import OffscreenView

    cache = FrameCache()
    scene = build_scene(sdf.open(path, department=department), cache, shading="materials")
    return OffscreenView(scene, cache, W, H, ctx=gl, transform=transform)


@pytest.mark.parametrize("view", [None, "Un-tone-mapped"])
def test_every_pixel_is_the_code_value_ocios_cpu_processor_gives(demo, gl, view):
    """The GPU path (OCIO's generated shader and LUT textures) against OCIO's own CPU processor,
    pixel by pixel, on a real frame: within one code value everywhere."""
    _, path = demo
    t = Transform.open(None, None, view)
    v = _view(path, gl, t)
    shown, _ = v.render(1001, "shotCam")
    linear = v.linear()
    v.release()
    expected = t.encode_u8(linear[..., :3]).astype(int)
    assert np.abs(shown[..., :3].astype(int) - expected).max() <= 1
    assert len(np.unique(shown.reshape(-1, 4), axis=0)) > 50  # a real picture, not one flat colour


def test_the_playblast_is_written_through_the_default_view_and_views_differ(demo, run, tmp_path):
    _, path = demo
    t = Transform.open()
    assert t.view == t.config.getDefaultView(t.config.getDefaultDisplay())
    pngs = {}
    for name, extra in (("default", []), ("raw", ["--view", "Un-tone-mapped"])):
        res = run("view", path, "-d", "animation", "--playblast", tmp_path / name, "--frames", "1001-1002",
                  "--size", f"{W}x{H}", "--no-burn-in", *extra)
        assert res.exit_code == 0, res.output
        pngs[name] = read_png(str(tmp_path / name / "sh010.1001.png"))
    corner = pngs["default"][H - 3, W - 3, :3].astype(int)  # background: a known scene-linear value
    assert np.abs(corner - t.encode_u8(BACKGROUND)).max() <= 1
    raw = t.with_view(t.display, "Un-tone-mapped")
    assert np.abs(pngs["raw"][H - 3, W - 3, :3].astype(int) - raw.encode_u8(BACKGROUND)).max() <= 1
    assert np.mean(np.any(pngs["default"] != pngs["raw"], axis=-1)) > 0.5  # switching view changes the pixels
    manifest = jsonio.read(str(tmp_path / "raw" / "sh010.playblast.json"))
    assert manifest["view"] == "Un-tone-mapped" and manifest["department"] == "animation"


def test_exr_outputs_stay_scene_linear_and_say_so(demo, run, tmp_path):
    import OpenEXR

    _, path = demo
    res = run("view", path, "--snapshot", tmp_path / "lin.exr", "--size", f"{W}x{H}")
    assert res.exit_code == 0, res.output
    with OpenEXR.File(str(tmp_path / "lin.exr")) as f:
        header, rgba = dict(f.header()), f.channels()["RGBA"].pixels.copy()
    assert header["colorSpace"] == "Linear Rec.709 (sRGB)"
    assert np.allclose(header["chromaticities"], (0.64, 0.33, 0.30, 0.60, 0.15, 0.06, 0.3127, 0.3290), atol=1e-4)
    assert np.allclose(rgba[H - 3, W - 3, :3], BACKGROUND, atol=2e-3)  # the linear value, not a code value


def test_a_bad_ocio_config_is_one_line_and_exit_2(demo, tmp_path):
    _, path = demo
    bad = tmp_path / "broken.ocio"
    bad.write_text("ocio_profile_version: 2\nroles: [this is not a config\n")
    for value in (bad, tmp_path / "missing.ocio"):
        res = sdf_cli("view", path, "--snapshot", tmp_path / "x.png", env={"OCIO": str(value)})
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert res.returncode == 2 and len(lines) == 1, res.stderr
        assert "$OCIO" in lines[0] and os.path.basename(str(value)) in lines[0]
        assert not (tmp_path / "x.png").exists()
    res = sdf_cli("view", path, "--snapshot", tmp_path / "x.png", "--view", "No Such View")
    assert res.returncode == 2 and "no view 'No Such View'" in res.stderr and "Un-tone-mapped" in res.stderr


def test_the_project_names_its_config_display_and_view(demo, tmp_path):
    root, path = demo
    project = os.path.join(root, "sdf-project.json")
    data = jsonio.read(project)
    data["colour"] = {"config": "ocio://default", "display": "sRGB - Display", "view": "Raw"}
    jsonio.write(project, data)
    t = Transform.open(os.path.dirname(path))
    assert t.source == "ocio://default" and t.view == "Raw"
    assert np.array_equal(t.encode_u8([0.5, 0.25, 0.125]), [128, 64, 32])  # Raw passes code values through


def test_burn_in_is_on_by_default_legible_where_it_is_and_nowhere_else(demo, run, tmp_path):
    _, path = demo
    for name, extra in (("on", []), ("off", ["--no-burn-in"])):
        res = run("view", path, "-d", "animation", "--playblast", tmp_path / name, "--frames", "1001-1001",
                  "--size", "960x540", *extra)
        assert res.exit_code == 0, res.output
    on, off = (read_png(str(tmp_path / n / "sh010.1001.png")) for n in ("on", "off"))
    band = int(round(540 * 0.028)) + 2 * 5
    top, bottom, middle = slice(0, band), slice(540 - band, 540), slice(band + 2, 540 - band - 2)
    assert np.mean(np.any(on[top] != off[top], axis=-1)) > 0.3  # the band and its text
    assert np.mean(np.any(on[bottom] != off[bottom], axis=-1)) > 0.3
    assert np.array_equal(on[middle], off[middle])  # the picture itself is untouched
    # The text is text: many light pixels on the dark band, in the corners where it is written.
    light = on[top, :200, :3].min(axis=-1) > 180
    assert light.sum() > 60


def test_burn_in_text_says_what_the_frame_is(demo, run, tmp_path):
    from sdf.viewer.burnin import BurnIn, parse_fields

    _, path = demo
    shot = sdf.open(path, department="animation")
    b = BurnIn.for_shot(shot, range(1001, 1049), "shotCam")
    text = b.corners(1010)
    assert text["tl"].startswith("sh010") and "animation" in text["tl"]
    assert text["br"].startswith("1010  [1001-1048]") and "24 fps" in text["br"]
    assert text["bl"] == "shotCam 35mm"
    assert "animation working" in text["bc"] and b.date in text["tr"]
    only = BurnIn.for_shot(shot, range(1001, 1049), "shotCam", parse_fields("shot,frame")).corners(1010)
    assert only["tl"] == "sh010" and only["br"].startswith("1010") and not (only["tr"] or only["bl"] or only["bc"])
    bad = run("view", path, "--playblast", tmp_path / "pb", "--burn-in-fields", "shot,weather")
    assert bad.exit_code == 2 and "weather" in bad.output and "versions" in bad.output
    assert not (tmp_path / "pb").exists()  # refused before anything is written


@pytest.mark.parametrize("ext,codec,pix_fmt", [(".mp4", "h264", "yuv420p"), (".mov", "prores", "yuv422p10le")])
def test_movie_decodes_to_the_frames_rate_size_and_timecode(demo, run, tmp_path, ext, codec, pix_fmt):
    from sdf.viewer.movie import probe

    _, path = demo
    movie = tmp_path / f"sh010{ext}"
    res = run("view", path, "-d", "animation", "--playblast", tmp_path / "pb", "--movie", movie, "--slate",
              "--frames", "1001-1006", "--size", f"{W}x{H}")
    assert res.exit_code == 0, res.output
    info = probe(str(movie))
    assert (info["frames"], info["width"], info["height"]) == (7, W, H)  # the slate and six frames
    assert info["rate"] == 24 and info["codec"] == codec and info["pix_fmt"] == pix_fmt
    assert info["timecode"] == "00:00:41:16"  # the slate at 1000: frame 1001 is 00:00:41:17
    assert (info["color_primaries"], info["color_trc"], info["colorspace"]) == (1, 1, 1)  # Rec.709 tagged
    assert sorted(os.listdir(tmp_path / "pb"))[:2] == ["sh010.1001.png", "sh010.1002.png"]  # the sequence too
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp" + ext) or n.startswith(".sh010")]


def test_movie_timecode_and_rates():
    from fractions import Fraction

    from sdf.viewer.movie import frame_rate, timecode

    assert timecode(1001, 24) == "00:00:41:17" and timecode(86400, 24) == "01:00:00:00"
    assert frame_rate(23.976) == Fraction(24000, 1001) and frame_rate(25.0) == 25


def _second_shot(path, name, frames):
    """A copy of the demo shot under another name and range, beside it."""
    data = jsonio.read(path)
    data["name"] = name
    data["frame_range"] = list(frames) if isinstance(data.get("frame_range"), list) else \
        {"start": frames[0], "end": frames[1]}
    other = os.path.join(os.path.dirname(path), f"{name}.sdf")
    jsonio.write(other, data)
    return other


def test_dailies_timeline_reads_back_with_opentimelineio(demo, run, tmp_path):
    import opentimelineio as otio

    from sdf.viewer.movie import probe

    _, path = demo
    second = _second_shot(path, "sh020", (1010, 1013))
    assert run("view", path, "-d", "animation", "--playblast", tmp_path / "pb" / "a", "--frames", "1001-1005",
               "--size", f"{W}x{H}", "--movie", tmp_path / "pb" / "a" / "sh010.mp4").exit_code == 0
    res = run("view", second, "-d", "animation", "--playblast", tmp_path / "pb" / "b", "--size", f"{W}x{H}")
    assert res.exit_code == 0, res.output
    out = tmp_path / "review.otio"
    res = run("dailies", second, path, "--playblasts", tmp_path / "pb", "--out", out, "--movie")
    assert res.exit_code == 0, res.output
    timeline = otio.adapters.read_from_file(str(out))
    clips = list(timeline.find_clips())
    assert [c.name for c in clips] == ["sh020", "sh010"]  # the order given: the cut
    b, a = clips
    assert b.source_range.start_time.to_frames() == 1010 and b.source_range.duration.to_frames() == 4
    assert a.source_range.start_time.to_frames() == 1001 and a.source_range.duration.to_frames() == 5
    assert b.source_range.start_time.rate == 24
    assert b.media_reference.schema_name() == "ImageSequenceReference"
    assert a.media_reference.schema_name() == "ExternalReference"  # the movie, when there is one
    assert set(a.media_references()) == {"movie", "image_sequence"}
    for clip in clips:
        for ref in clip.media_references().values():
            url = ref.target_url_for_image_number(0) if hasattr(ref, "target_url_for_image_number") \
                else ref.target_url
            assert os.path.isfile(urllib.parse.unquote(urllib.parse.urlparse(url).path)), url
            avail, used = ref.available_range, clip.source_range
            assert avail.start_time <= used.start_time and used.end_time_exclusive() <= avail.end_time_exclusive()
    assert a.metadata["sdf"]["department"] == "animation" and "animation" in a.metadata["sdf"]["versions"]
    assert timeline.duration().to_frames() == 9
    movie = timeline.metadata["sdf"]["movie"]
    info = probe(movie)
    assert (info["frames"], info["width"], info["height"], info["rate"]) == (9, W, H, 24)
    assert info["timecode"] == "01:00:00:00"


def test_dailies_of_a_movie_written_alone(demo, run, tmp_path):
    import opentimelineio as otio

    _, path = demo
    (tmp_path / "m").mkdir()
    res = run("view", path, "--movie", tmp_path / "m" / "sh010.mov", "--frames", "1001-1003", "--size", f"{W}x{H}")
    assert res.exit_code == 0, res.output
    assert sorted(os.listdir(tmp_path / "m")) == ["sh010.mov", "sh010.playblast.json"]
    assert run("dailies", path, "--playblasts", tmp_path / "m", "--out", tmp_path / "r.otio").exit_code == 0
    clip, = otio.adapters.read_from_file(str(tmp_path / "r.otio")).find_clips()
    assert clip.media_reference.target_url.endswith("sh010.mov")
    assert (clip.source_range.start_time.to_frames(), clip.source_range.duration.to_frames()) == (1001, 3)


def test_dailies_without_a_playblast_is_one_line(demo, run, tmp_path):
    _, path = demo
    (tmp_path / "empty").mkdir()
    res = sdf_cli("dailies", path, "--playblasts", tmp_path / "empty", "--out", tmp_path / "r.otio")
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.returncode == 2 and len(lines) == 1 and "no playblast" in lines[0], res.stderr
    assert not (tmp_path / "r.otio").exists()


def test_materialx_colour_spaces_are_honoured(tmp_path):
    """An sRGB-authored base colour becomes its linear value; a document-wide space applies to every
    input that does not name its own; an unknown space is reported, not guessed."""
    from sdf.viewer.looks import read_library

    lib = tmp_path / "m.mtlx"
    lib.write_text("""<?xml version="1.0"?>
<materialx version="1.38" colorspace="acescg">
  <standard_surface name="a_srf" type="surfaceshader">
    <input name="base_color" type="color3" value="0.5, 0.5, 0.5" colorspace="srgb_texture" />
  </standard_surface>
  <surfacematerial name="a" type="material"><input name="surfaceshader" type="surfaceshader" nodename="a_srf" /></surfacematerial>
  <standard_surface name="b_srf" type="surfaceshader">
    <input name="base_color" type="color3" value="1, 0, 0" />
  </standard_surface>
  <surfacematerial name="b" type="material"><input name="surfaceshader" type="surfaceshader" nodename="b_srf" /></surfacematerial>
  <standard_surface name="c_srf" type="surfaceshader">
    <input name="base_color" type="color3" value="0.2, 0.3, 0.4" colorspace="no_such_space" />
  </standard_surface>
  <surfacematerial name="c" type="material"><input name="surfaceshader" type="surfaceshader" nodename="c_srf" /></surfacematerial>
</materialx>
""")
    problems = []
    colours = read_library(str(lib), problems)
    assert np.allclose(colours["a"], [0.2140] * 3, atol=1e-3)  # sRGB 0.5 is linear 0.214
    assert colours["b"][0] > 1.0 and colours["b"][1] < 0  # ACEScg red is outside Rec.709
    assert colours["c"] == (0.2, 0.3, 0.4) and "no_such_space" in problems[0]
