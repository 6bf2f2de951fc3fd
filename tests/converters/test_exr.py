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
    assert sorted(part["channels"]) == ["A", "B", "G", "R"] and part["channels"]["R"]["type"] == "half"
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


def _tiled_windowed(path, seed, view):
    import OpenEXR

    td = OpenEXR.TileDescription()
    td.xSize, td.ySize, td.mode = 16, 16, OpenEXR.ONE_LEVEL
    h = {"compression": OpenEXR.PIZ_COMPRESSION, "type": OpenEXR.tiledimage, "tiles": td,
         "dataWindow": (np.array([10, 20], np.int32), np.array([41, 51], np.int32)),
         "displayWindow": (np.array([0, 0], np.int32), np.array([63, 63], np.int32)),
         "owner": "sdf tests", "view": view, "cameraFocalLength": 35.0, "multiView": ["left", "right"]}
    rgb = np.random.default_rng(seed).random((32, 32, 3)).astype(np.float32)
    with OpenEXR.File(h, {c: np.ascontiguousarray(rgb[..., i]) for i, c in enumerate("RGB")}) as f:
        f.write(str(path))
    return rgb


def test_pack_and_split_keep_every_header_attribute(tmp_path, run):
    import OpenEXR

    a = _tiled_windowed(tmp_path / "beauty.exr", 1, "left")
    b = _tiled_windowed(tmp_path / "diffuse.exr", 2, "left")
    packed = tmp_path / "packed.exr"
    res = run("exr", "pack", packed, "--aov", f"beauty={tmp_path / 'beauty.exr'}", "--aov",
              f"diffuse={tmp_path / 'diffuse.exr'}", "--compression", "piz")
    assert res.exit_code == 0, res.output
    out = tmp_path / "split"
    out.mkdir()
    assert run("exr", "split", packed, out).exit_code == 0
    for name, rgb in (("beauty", a), ("diffuse", b)):
        src = OpenEXR.File(str(tmp_path / f"{name}.exr")).parts[0].header
        got = OpenEXR.File(str(out / f"{name}.exr"), separate_channels=True).parts[0]
        for key in ("type", "dataWindow", "displayWindow", "owner", "view", "cameraFocalLength", "compression",
                    "multiView"):
            assert repr(got.header[key]) == repr(src[key]), key
        assert str(got.header["tiles"]) == str(src["tiles"])
        source = OpenEXR.File(str(tmp_path / f"{name}.exr"), separate_channels=True).parts[0]
        for i, c in enumerate("RGB"):
            assert np.array_equal(got.channels[c].pixels, source.channels[c].pixels)  # bit-exact
            assert np.array_equal(got.channels[c].pixels, rgb[..., i])


def test_a_truncated_multi_part_file_is_refused(tmp_path, run):
    import OpenEXR

    parts = [OpenEXR.Part({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage},
                          {f"aov{i}.R": np.full((64, 64), float(i), np.float32)}, f"aov{i}") for i in range(10)]
    full = tmp_path / "ten.exr"
    with OpenEXR.File(parts) as f:
        f.write(str(full))
    assert run("exr", "info", full).exit_code == 0
    data = full.read_bytes()
    for cut in (len(data) - 200, len(data) // 2, len(data) // 5):
        bad = tmp_path / f"cut{cut}.exr"
        bad.write_bytes(data[:cut])
        out = tmp_path / f"split{cut}"
        out.mkdir()
        for args in (["exr", "info", bad], ["exr", "split", bad, out]):
            res = run(*args)
            assert res.exit_code == 2 and "truncated" in res.output, (cut, args, res.output)
        assert not any(out.iterdir())


def test_library_noise_never_reaches_the_output(tmp_path):
    """The OpenEXR library prints to stdout and stderr; --json stays JSON and an error stays one line."""
    import json
    import subprocess
    import sys

    import OpenEXR

    good = tmp_path / "good.exr"
    with OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage},
                      {"R": np.zeros((8, 8), np.float32)}) as f:
        f.write(str(good))
    res = subprocess.run([sys.executable, "-m", "sdf.cli", "exr", "info", "--json", str(good)], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0 and json.loads(res.stdout)
    bad = tmp_path / "bad.exr"
    bad.write_bytes(good.read_bytes()[:60])
    res = subprocess.run([sys.executable, "-m", "sdf.cli", "exr", "info", "--json", str(bad)], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 2 and res.stdout == ""
    assert len([ln for ln in res.stderr.splitlines() if ln.strip()]) == 1, res.stderr


def _deep(path, seed):
    """A deep scanline image: a varying number of samples per pixel (none for some), Z and A."""
    import OpenEXR

    rng = np.random.default_rng(seed)
    h, w = 6, 7
    z, a = np.empty((h, w), dtype=object), np.empty((h, w), dtype=object)
    for y in range(h):
        for x in range(w):
            n = int(rng.integers(0, 4))
            z[y, x] = np.sort(rng.random(n).astype(np.float32)) * 100
            a[y, x] = rng.random(n).astype(np.float32)
    with OpenEXR.File({"compression": OpenEXR.ZIPS_COMPRESSION, "type": OpenEXR.deepscanline,
                       "owner": "sdf tests"}, {"Z": z, "A": a}) as f:
        f.write(str(path))


def _deep_equal(p, q):
    for y in range(p.shape[0]):
        for x in range(p.shape[1]):
            u, v = p[y, x], q[y, x]
            u = np.zeros(0, np.float32) if u is None else u
            v = np.zeros(0, np.float32) if v is None else v
            if not np.array_equal(u, v):
                return False
    return True


def test_deep_images_are_packed_and_split_as_deep(tmp_path, run):
    """Deep parts stay deep, sample by sample (never flattened), through pack and split."""
    import OpenEXR

    _deep(tmp_path / "depth.exr", 1)
    _deep(tmp_path / "matte.exr", 2)
    packed = tmp_path / "packed.exr"
    res = run("exr", "pack", packed, "--aov", f"depth={tmp_path / 'depth.exr'}", "--aov",
              f"matte={tmp_path / 'matte.exr'}", "--compression", "zips")
    assert res.exit_code == 0, res.output
    info = json.loads(run("exr", "info", packed, "--json").stdout)
    assert [p["type"] for p in info["parts"]] == ["deepscanline", "deepscanline"]
    out = tmp_path / "split"
    out.mkdir()
    assert run("exr", "split", packed, out).exit_code == 0
    for name in ("depth", "matte"):
        src = OpenEXR.File(str(tmp_path / f"{name}.exr")).parts[0]
        got = OpenEXR.File(str(out / f"{name}.exr")).parts[0]
        assert str(got.header["type"]) == str(src.header["type"]) and got.header["owner"] == "sdf tests"
        for c in ("Z", "A"):
            assert _deep_equal(got.channels[c].pixels, src.channels[c].pixels), (name, c)


def _yc(path, seed, w=8, h=8):
    """A luminance/chroma image as OpenEXR's RgbaOutputFile writes one with WRITE_YC: Y at full
    resolution, RY and BY sampled 1 in 2x2. The Python binding cannot write subsampled channels, so
    the file is written here byte by byte (uncompressed scanlines: y, size, then each channel's
    samples for that line, channels in name order)."""
    import struct

    rng = np.random.default_rng(seed)
    planes = {"BY": rng.random((h // 2, w // 2)).astype(np.float16),
              "RY": rng.random((h // 2, w // 2)).astype(np.float16), "Y": rng.random((h, w)).astype(np.float16)}

    def attr(name, kind, value):
        return name.encode() + b"\0" + kind.encode() + b"\0" + struct.pack("<i", len(value)) + value

    chl = b"".join(n.encode() + b"\0" + struct.pack("<iB3xii", 1, 0, s, s) for n, s in (("BY", 2), ("RY", 2), ("Y", 1)))
    header = (attr("channels", "chlist", chl + b"\0") + attr("compression", "compression", b"\0") +
              attr("dataWindow", "box2i", struct.pack("<4i", 0, 0, w - 1, h - 1)) +
              attr("displayWindow", "box2i", struct.pack("<4i", 0, 0, w - 1, h - 1)) +
              attr("lineOrder", "lineOrder", b"\0") + attr("pixelAspectRatio", "float", struct.pack("<f", 1.0)) +
              attr("screenWindowCenter", "v2f", struct.pack("<2f", 0, 0)) +
              attr("screenWindowWidth", "float", struct.pack("<f", 1.0)) + attr("owner", "string", b"sdf tests") + b"\0")
    head = b"\x76\x2f\x31\x01" + struct.pack("<I", 2) + header
    blocks = []
    for y in range(h):
        line = (planes["BY"][y // 2].tobytes() + planes["RY"][y // 2].tobytes() if y % 2 == 0 else b"") + \
            planes["Y"][y].tobytes()
        blocks.append(struct.pack("<ii", y, len(line)) + line)
    offsets, pos = [], len(head) + 8 * h
    for b in blocks:
        offsets.append(pos)
        pos += len(b)
    path.write_bytes(head + struct.pack(f"<{h}Q", *offsets) + b"".join(blocks))
    return planes


def test_subsampled_chroma_images_are_packed_and_split_as_stored(tmp_path, run):
    """YC images keep their channels, sampling and compression (their chunks are copied), beside an
    RGB AOV the binding encodes: info reports the sampling, split gives back the same pixels."""
    import OpenEXR

    beauty = _yc(tmp_path / "beauty.exr", 1)
    spec = _yc(tmp_path / "spec.exr", 2)
    rgb = np.random.default_rng(3).random((8, 8)).astype(np.float16)
    with OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage},
                      {"R": rgb, "G": rgb, "B": rgb}) as f:
        f.write(str(tmp_path / "diffuse.exr"))
    text = run("exr", "info", tmp_path / "beauty.exr").stdout
    assert "sampled 1 in 2x2" in text
    packed = tmp_path / "packed.exr"
    res = run("exr", "pack", packed, "--aov", f"beauty={tmp_path / 'beauty.exr'}", "--aov",
              f"diffuse={tmp_path / 'diffuse.exr'}", "--aov", f"spec={tmp_path / 'spec.exr'}")
    assert res.exit_code == 0, res.output
    info = json.loads(run("exr", "info", packed, "--json").stdout)
    assert [p["name"] for p in info["parts"]] == ["beauty", "diffuse", "spec"]
    assert info["parts"][0]["channels"]["beauty.RY"]["x_sampling"] == 2
    assert info["parts"][0]["attributes"]["owner"] == "sdf tests"
    out = tmp_path / "split"
    out.mkdir()
    assert run("exr", "split", packed, out).exit_code == 0
    for name, planes in (("beauty", beauty), ("spec", spec)):
        got = OpenEXR.File(str(out / f"{name}.exr"), separate_channels=True).parts[0]
        assert sorted(got.channels) == ["BY", "RY", "Y"] and got.header["owner"] == "sdf tests"
        for c, expect in planes.items():
            assert got.channels[c].xSampling == (2 if c != "Y" else 1)
            assert np.array_equal(got.channels[c].pixels, expect), (name, c)  # bit-exact
    diffuse = OpenEXR.File(str(out / "diffuse.exr"), separate_channels=True).parts[0]
    assert np.array_equal(diffuse.channels["G"].pixels, rgb)
    # A single YC file splits to itself, pixel for pixel.
    alone = tmp_path / "alone"
    alone.mkdir()
    assert run("exr", "split", tmp_path / "beauty.exr", alone).exit_code == 0
    got = OpenEXR.File(str(alone / "part0.exr"), separate_channels=True).parts[0]
    assert all(np.array_equal(got.channels[c].pixels, beauty[c]) for c in beauty)


def test_info_reports_deep_channel_types_from_the_header(tmp_path, run):
    """A deep tiled image (as Arnold writes them) with half, float and uint channels: info names each
    channel's pixel type as stored, not the ``object`` arrays the binding hands deep pixels in."""
    import OpenEXR

    rng = np.random.default_rng(7)
    h, w = 5, 6
    planes = {"A": np.float16, "Z": np.float32, "id": np.uint32}
    pixels = {name: np.empty((h, w), dtype=object) for name in planes}
    for y in range(h):
        for x in range(w):
            n = int(rng.integers(0, 3))
            for name, dtype in planes.items():
                pixels[name][y, x] = (rng.random(n) * 100).astype(dtype)
    path = tmp_path / "deep_tiled.exr"
    tiles = OpenEXR.TileDescription()
    tiles.xSize, tiles.ySize, tiles.mode = 4, 4, OpenEXR.ONE_LEVEL
    header = {"compression": OpenEXR.ZIPS_COMPRESSION, "type": OpenEXR.deeptile, "tiles": tiles}
    with OpenEXR.File(header, pixels) as f:
        f.write(str(path))
    data = json.loads(run("exr", "info", path, "--json").stdout)
    part = data["parts"][0]
    assert part["type"] == "deeptile"
    assert {name: ch["type"] for name, ch in part["channels"].items()} == {"A": "half", "Z": "float", "id": "uint"}
    assert all((ch["x_sampling"], ch["y_sampling"]) == (1, 1) for ch in part["channels"].values())
    text = run("exr", "info", path).stdout
    assert "object" not in text and "half" in text and "uint" in text
    # The header's own bytes agree: pixel type codes 1 (half), 2 (float), 0 (uint).
    from sdf.converters import exr_raw

    raw = exr_raw.headers(path.read_bytes(), str(path))[0][0]
    value = next(v for n, _, v in raw if n == "channels")
    assert {n: rest[0] for n, rest in exr_raw.channels(value)} == {"A": 1, "Z": 2, "id": 0}
