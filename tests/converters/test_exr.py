"""OpenEXR tools: info, pack per the render layer's AOVs, split, and bad files."""
import json
import os

import numpy as np
import pytest

import sdf


def _write(path, channels, dtype=np.float16):
    import OpenEXR
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    with OpenEXR.File(header, {k: v.astype(dtype) for k, v in channels.items()}) as f:
        f.write(str(path))


@pytest.fixture
def aov_images(tmp_path):
    rng = np.random.default_rng(1)
    h, w = 12, 16
    files = {}
    for name, chans in (("beauty", "RGBA"), ("diffuse", "RGB"), ("specular", "RGB"), ("N", "RGB"), ("depth", "Z")):
        data = {c: rng.random((h, w)).astype(np.float32) for c in chans}
        path = tmp_path / f"{name}.1001.exr"
        _write(path, data, np.float32 if name == "depth" else np.float16)
        files[name] = (str(path), data)
    return files


def test_info(run, aov_images):
    path, _ = aov_images["beauty"]
    data = json.loads(run("exr", "info", path, "--json").stdout)
    part = data["parts"][0]
    assert sorted(part["channels"]) == ["A", "B", "G", "R"] and part["channels"]["R"]["type"] == "float16"
    assert part["compression"].startswith("ZIP") and part["data_window"] == [[0, 0], [15, 11]]
    assert "R" in run("exr", "info", path).stdout


def test_pack_follows_the_render_layer_and_split_undoes_it(run, demo, aov_images, tmp_path):
    _, shot = demo
    out = str(tmp_path / "characters.1001.exr")
    args = ["exr", "pack", out, "--shot", shot, "--layer", "characters"]
    for name, (path, _) in aov_images.items():
        args += ["--aov", f"{name}={path}"]
    result = run(*args)
    assert result.exit_code == 0, result.output
    info = json.loads(run("exr", "info", out, "--json").stdout)
    names = [p["name"] for p in info["parts"]]
    assert names == ["beauty", "diffuse", "specular", "N", "depth"]
    layer = sdf.open(shot).render_layers.get("characters")
    for part, aov in zip(info["parts"], layer.aovs):
        assert sorted(part["channels"]) == sorted(aov.channels())
    assert sorted(info["parts"][1]["channels"]) == ["diffuse.B", "diffuse.G", "diffuse.R"]
    assert list(info["parts"][4]["channels"]) == ["depth.Z"]
    split_dir = tmp_path / "split"
    split_dir.mkdir()
    assert run("exr", "split", out, split_dir).exit_code == 0
    import OpenEXR
    for name, (path, data) in aov_images.items():
        with OpenEXR.File(str(split_dir / f"{name}.exr"), separate_channels=True) as f:
            ch = f.parts[0].channels
            for c, pixels in data.items():
                expect = pixels.astype(np.float32 if name == "depth" else np.float16)
                packed = {"R": "X", "G": "Y", "B": "Z"}[c] if name == "N" else c  # normal3f: XYZ
                np.testing.assert_array_equal(ch[packed].pixels, expect)


def test_pack_refuses_mismatches(run, demo, aov_images, tmp_path):
    _, shot = demo
    out = str(tmp_path / "x.exr")
    beauty = aov_images["beauty"][0]
    result = run("exr", "pack", out, "--shot", shot, "--layer", "characters", "--aov", f"beauty={beauty}")
    assert result.exit_code == 2 and "without an input: diffuse, specular, N, depth" in result.stderr
    args = ["exr", "pack", out, "--shot", shot, "--layer", "environment"]
    for name in ("beauty", "diffuse", "specular", "N"):
        args += ["--aov", f"{name}={aov_images['depth' if name == 'diffuse' else name][0]}"]
    result = run(*args)
    assert result.exit_code == 2 and "AOV 'diffuse' is color3f (3 channel(s)) but the image has 1" in result.stderr
    assert not os.path.exists(out) and [f for f in os.listdir(tmp_path) if f.startswith(".sdf-convert")] == []


def test_truncated_and_non_exr_files(run, aov_images, tmp_path):
    path, _ = aov_images["beauty"]
    data = open(path, "rb").read()
    trunc = tmp_path / "trunc.exr"
    trunc.write_bytes(data[: len(data) // 2])
    result = run("exr", "info", trunc)
    assert result.exit_code == 2 and "trunc.exr: truncated" in result.stderr and "Traceback" not in result.output
    other = tmp_path / "photo.exr"
    other.write_bytes(b"\x89PNG\r\n")
    result = run("exr", "info", other)
    assert result.exit_code == 2 and "photo.exr: not an OpenEXR file" in result.stderr
    assert run("exr", "info", tmp_path / "none.exr").exit_code == 2
