"""Dailies from renders: real Cycles frames (64x36, 4 samples) as an OpenTimelineIO clip and a review movie.

The shot is the render tests' (``tests/dcc_plugins/render_shot.py``): a ground, two spheres, a sun,
frames 1-3 at 24 fps. Layers ``all`` (the first in the shot's order) and ``matte`` are rendered
once for the module; the checks read the timeline back with opentimelineio, decode the movie with
PyAV and compare its pixels with OCIO's own processor applied to the EXR's values.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.parse

import numpy as np
import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "dcc_plugins"))
import render_shot  # noqa: E402
from test_blender import blender_python  # noqa: E402

SDF = [sys.executable, "-m", "sdf.cli"]
FRAMES = (1, 3)


def sdf_cli(*args):
    return subprocess.run([*SDF, *map(str, args)], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, SDF_BLENDER_PYTHON=blender_python()))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The shot file, with layers all and matte rendered (frames 1-3) beside it."""
    shot = render_shot.make(str(tmp_path_factory.mktemp("review_renders")))
    res = sdf_cli("render", shot, "--layer", "all", "--layer", "matte", "--frames", "1-3", "--samples", "4")
    assert res.returncode == 0, res.stderr[-3000:]
    return shot


def _exr_file(shot, layer, frame):
    return os.path.join(os.path.dirname(shot), "renders", layer, f"{layer}.{frame:04d}.exr")


def _path(url):
    return urllib.parse.unquote(urllib.parse.urlparse(url).path)


def test_the_timeline_of_renders_reads_back_with_opentimelineio(rendered, run, tmp_path):
    import opentimelineio as otio

    out = tmp_path / "review.otio"
    res = run("dailies", rendered, rendered, "--source", "render", "--out", out)  # one shot twice: two clips
    assert res.exit_code == 0, res.output
    timeline = otio.adapters.read_from_file(str(out))
    clips = list(timeline.find_clips())
    assert len(clips) == 2 and timeline.duration().to_frames() == 6
    clip = clips[0]
    assert (clip.source_range.start_time.to_frames(), clip.source_range.duration.to_frames()) == (1, 3)
    assert clip.source_range.start_time.rate == 24
    ref = clip.media_reference
    assert ref.schema_name() == "ImageSequenceReference"
    paths = [_path(ref.target_url_for_image_number(i)) for i in range(ref.number_of_images_in_sequence())]
    assert paths == [_exr_file(rendered, "all", f) for f in range(1, 4)]  # the first layer, every frame
    assert all(os.path.isfile(p) for p in paths)
    assert ref.available_range.start_time.to_frames() == 1 and ref.available_range.duration.to_frames() == 3
    facts = clip.metadata["sdf"]
    assert (facts["source"], facts["layer"], facts["aov"], facts["renderer"]) == ("render", "all", "beauty", "Cycles")
    assert facts["shot"] == "rt" and facts["department"] == "lighting" and facts["samples"] == 4
    assert facts["versions"]["render_layers"] == "working" and facts["up_to_date"] is True
    assert facts["colour_space"] == "Linear Rec.709 (sRGB)"  # the header's lin_rec709_scene, as the config names it
    # Another layer by name, found under a farm's OUT (which holds <shot>/renders/...).
    farm_out = tmp_path / "farm_out"
    shutil.copytree(os.path.join(os.path.dirname(rendered), "renders", "matte"), farm_out / "rt" / "renders" / "matte")
    res = run("dailies", rendered, "--source", "render", "--renders", farm_out, "--layer", "matte", "--out", out)
    assert res.exit_code == 0, res.output
    clip, = otio.adapters.read_from_file(str(out)).find_clips()
    assert clip.metadata["sdf"]["layer"] == "matte"
    assert _path(clip.media_reference.target_url_for_image_number(0)).startswith(str(farm_out))


def test_the_movie_decodes_and_its_pixels_are_ocios(rendered, run, tmp_path):
    """The movie's frames, size and rate; a pixel on a flat stretch of ground equals OCIO's own
    processor (the default display/view from the EXR's colour space) applied to the EXR's linear value."""
    import av
    import OpenEXR
    import PyOpenColorIO as OCIO

    from sdf.viewer.movie import probe

    out = tmp_path / "light.otio"
    res = run("dailies", rendered, "--source", "render", "--out", out, "--movie", "--size", "320x180")
    assert res.exit_code == 0, res.output
    movie = tmp_path / "light.mp4"
    info = probe(str(movie))
    assert (info["frames"], info["width"], info["height"], info["rate"]) == (3, 320, 180, 24)
    assert info["timecode"] == "01:00:00:00" and (info["color_primaries"], info["colorspace"]) == (1, 1)

    with OpenEXR.File(_exr_file(rendered, "all", 1), separate_channels=True) as f:
        part = next(p for p in f.parts if p.name() == "beauty")
        linear = np.stack([part.channels[f"beauty.{c}"].pixels.astype(np.float32) for c in "RGB"], axis=-1)
        header = dict(part.header)
    config = OCIO.Config.CreateFromFile("ocio://studio-config-latest")
    display = config.getDefaultDisplay()
    cpu = config.getProcessor(OCIO.DisplayViewTransform(src=header["colorSpace"], display=display,
                                                        view=config.getDefaultView(display))).getDefaultCPUProcessor()
    # The flattest 3x3 patch of lit ground clear of the burn-in bands (5x: EXR pixel (x, y) is movie (5x+2, 5y+2)).
    best = None
    for y in range(6, 30):
        for x in range(2, 62):
            patch = linear[y - 1:y + 2, x - 1:x + 2]
            spread = float(patch.max(axis=(0, 1)).max() - patch.min(axis=(0, 1)).min())
            if linear[y, x].min() > 0.2 and (best is None or spread < best[0]):
                best = (spread, x, y)
    spread, x, y = best
    assert spread < 0.05
    expected = np.clip(np.array(cpu.applyRGB([float(v) for v in linear[y, x]])), 0, 1) * 255
    with av.open(str(movie)) as c:
        frame = next(c.decode(video=0))
    rgb = frame.reformat(format="rgb24", src_colorspace="ITU709", dst_colorspace="ITU709",
                         src_color_range="MPEG", dst_color_range="JPEG").to_ndarray()
    got = rgb[5 * y + 2, 5 * x + 2].astype(float)
    assert np.abs(got - expected).max() <= 4, (got, expected, (x, y))
    assert expected.min() > 60  # a lit grey, not black: the check means something
    # The burn-in is drawn into the movie: the top band differs from the picture under it.
    assert rgb[:17].mean() < rgb[20:160].mean() - 20


def test_latest_takes_whichever_is_newer(rendered, run, tmp_path):
    pytest.importorskip("moderngl")
    import opentimelineio as otio

    pb = tmp_path / "pb"
    res = run("view", rendered, "--playblast", pb, "--frames", "1-3", "--size", "64x36")
    assert res.exit_code == 0, res.output
    out = tmp_path / "r.otio"

    def source():
        res = run("dailies", rendered, "--playblasts", pb, "--out", out)
        assert res.exit_code == 0, res.output
        clip, = otio.adapters.read_from_file(str(out)).find_clips()
        return clip.metadata["sdf"]["source"]

    assert source() == "playblast"  # written after the render
    later = os.path.getmtime(pb / "rt.playblast.json") + 60
    for f in range(1, 4):
        os.utime(_exr_file(rendered, "all", f), (later, later))
    assert source() == "render"


def test_bad_requests_are_one_line_and_exit_2(rendered, tmp_path):
    for args, words in (((["--layer", "nosuch"]), ("no render layer 'nosuch'", "all, matte")),
                        (["--aov", "nosuch"], ("no AOV named or sourced 'nosuch'", "beauty (Ci)")),
                        (["--layer", "unseen"], ("no render of render layer 'unseen'",)),
                        (["--aov", "depth"], ("is data (colorSpace 'data')",))):
        res = sdf_cli("dailies", rendered, "--source", "render", *args, "--out", tmp_path / "x.otio")
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert res.returncode == 2 and len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
        assert all(w in lines[0] for w in words), lines[0]
    assert not (tmp_path / "x.otio").exists()


def test_the_burn_in_says_render_layer_and_aov(rendered):
    from sdf.viewer.review import find_dailies

    entry = find_dailies(rendered, "render", [], [os.path.dirname(rendered)], layer="matte", aov="Ci")
    text = entry["burn_in"].corners(2)
    assert text["tl"] == "rt  lighting  render matte beauty"
    assert text["bl"] == "shotCam 35mm" and text["br"].startswith("2  [1-3]")
    assert "render_layers working" in text["bc"]
    # At 320x180 both top corners do not fit: the top right (artist, date) gives way to what the picture is.
    import dataclasses

    black = np.zeros((180, 320, 4), np.uint8)
    no_who = dataclasses.replace(entry["burn_in"], fields=tuple(f for f in entry["burn_in"].fields
                                                                 if f not in ("artist", "date")))
    assert np.array_equal(entry["burn_in"].draw(black, 2), no_who.draw(black, 2))
    wide = np.zeros((540, 1920, 4), np.uint8)
    assert not np.array_equal(entry["burn_in"].draw(wide, 2), no_who.draw(wide, 2))


def test_the_exr_colour_space_by_name_alias_or_chromaticities():
    from sdf.errors import SdfError
    from sdf.viewer.colour import CHROMATICITIES, Transform, exr_space

    t = Transform.open()
    config = t.config
    assert exr_space(config, {"colorSpace": "lin_rec709_scene"}) == "Linear Rec.709 (sRGB)"  # Cycles' alias
    assert exr_space(config, {"colorSpace": "ACEScg"}) == "ACEScg"
    assert exr_space(config, {"chromaticities": CHROMATICITIES["ACEScg"]}) == "ACEScg"  # no name: the primaries
    assert exr_space(config, {}) == t.working  # neither: OpenEXR's default primaries, Rec.709
    for header, words in (({"colorSpace": "data"}, "is data"), ({"colorSpace": "no_such"}, "no colour space for"),
                          ({"chromaticities": (0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.3, 0.3)}, "chromaticities")):
        with pytest.raises(SdfError, match=words):
            exr_space(config, header, "x.exr")
    # The same display and view from another space: ACEScg's (1, 0, 0) is not Rec.709's.
    acescg = t.from_space("ACEScg")
    assert (acescg.display, acescg.view) == (t.display, t.view)
    assert not np.array_equal(acescg.encode_u8([1.0, 0.0, 0.0]), t.encode_u8([1.0, 0.0, 0.0]))
    assert t.with_view(t.display, "Un-tone-mapped").space == t.working


def test_a_render_of_odd_size_still_makes_the_movie(rendered, run, tmp_path):
    """A preview rendered at an odd size (63x35) makes a movie one row and column smaller: 4:2:0
    needs even sizes, and the day's movie should not fail on a preview's resolution."""
    from sdf.viewer.movie import probe

    res = sdf_cli("render", rendered, "--layer", "all", "--frames", "1-2", "--samples", "1", "--resolution", "63x35",
                  "--out", tmp_path / "odd")
    assert res.returncode == 0, res.stderr[-3000:]
    out = tmp_path / "odd.otio"
    res = run("dailies", rendered, "--source", "render", "--renders", tmp_path / "odd", "--out", out, "--movie")
    assert res.exit_code == 0, res.output
    info = probe(str(tmp_path / "odd.mp4"))
    assert (info["frames"], info["width"], info["height"]) == (2, 62, 34)


def test_the_clip_credits_the_artist_and_versions_the_render_recorded(rendered, run, tmp_path):
    """A render made for an artist (``SDF_ARTIST``, as a farm task runs) is credited to that artist, and
    its part versions are the ones in its headers (``sdf/versions``), not the shot's at review time."""
    import json

    import opentimelineio as otio
    import OpenEXR

    env = dict(os.environ, SDF_BLENDER_PYTHON=blender_python(), SDF_ARTIST="ana")
    res = subprocess.run([*SDF, "render", rendered, "--layer", "all", "--frames", "1-1", "--samples", "1",
                          "--out", str(tmp_path / "ana")], capture_output=True, text=True, timeout=300, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    exr = os.path.join(tmp_path, "ana", "renders", "all", "all.0001.exr")
    with OpenEXR.File(exr) as f:
        header = dict(f.parts[0].header)
    assert header["owner"] == "ana"
    out = tmp_path / "ana.otio"
    res = run("dailies", rendered, "--source", "render", "--renders", tmp_path / "ana", "--out", out)
    assert res.exit_code == 0, res.output
    clip, = otio.adapters.read_from_file(str(out)).find_clips()
    facts = clip.metadata["sdf"]
    assert facts["artist"] == "ana" and facts["versions"] == json.loads(header["sdf/versions"])
