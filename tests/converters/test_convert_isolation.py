"""`sdf convert` runs the conversion in a child process: no input file can kill the command by a signal.

The crashing files are real: a valid archive written by the toolkit with one byte changed, the
operation code of a transform, which alembic3d uses unchecked as a table index (SIGSEGV); and an
archive truncated while it is being read (SIGBUS on its mapped pages).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from sdf.demo import assets


def _sdf(*args, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "sdf.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, **(env or {})), **kw)


def _data_blocks(data: bytes):
    """(offset, length) of the bytes of every data block of an Ogawa file: groups are a count and one
    8-byte child offset each, the top bit marking data; data blocks are an 8-byte size and the bytes."""
    stack, seen = [int.from_bytes(data[8:16], "little")], set()
    while stack:
        group = stack.pop()
        if group == 0 or group in seen:
            continue
        seen.add(group)
        count = int.from_bytes(data[group:group + 8], "little")
        for k in range(count):
            child = int.from_bytes(data[group + 8 + 8 * k:group + 16 + 8 * k], "little")
            if child >> 63:
                at = child & ~(1 << 63)
                if at:
                    yield at + 8, int.from_bytes(data[at:at + 8], "little")
            else:
                stack.append(child)


def make_crashing_archive(path: str) -> None:
    """A cloth cache whose transform's operation code (one byte after the 16-byte sample key, 0x30: a
    matrix) is set to 0xF0, an operation that does not exist: alembic3d reads past its table (SIGSEGV)."""
    good = path + ".good.abc"
    assets.write_cloth(good, list(range(1001, 1009)), 24.0, (6, 5))
    data = bytearray(open(good, "rb").read())
    os.unlink(good)
    ops = [at + 16 for at, n in _data_blocks(bytes(data)) if n == 17 and data[at + 16] == 0x30]
    assert len(ops) == 1, ops
    data[ops[0]] = 0xF0
    open(path, "wb").write(bytes(data))


def _assert_one_line_and_nothing_left(res, out_dir, before, *needles):
    assert res.returncode == 2, (res.returncode, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert sorted(os.listdir(out_dir)) == before, "output or temporary files left behind"


@pytest.mark.parametrize("clips", [(), ("--clip-frames", "2", "-j", "1"), ("--clip-frames", "2", "-j", "2")],
                         ids=["one-layer", "clips-in-the-child", "clips-in-workers"])
def test_a_file_that_crashes_the_alembic_library_is_one_line_exit_2(tmp_path, clips):
    src = tmp_path / "broken.abc"
    make_crashing_archive(str(src))
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.usda").write_text("#usda 1.0\n")
    before = sorted(os.listdir(out))
    res = _sdf("convert", src, out / "broken.usdc", *clips, "--force")
    _assert_one_line_and_nothing_left(res, out, before, "error: ", "broken.abc: the Alembic library crashed reading "
                                      "this file (SIGSEGV)")
    assert (out / "keep.usda").read_text() == "#usda 1.0\n"


def test_python_api_raises_a_library_crash(tmp_path):
    from sdf.converters.isolated import LibraryCrash, convert

    src = tmp_path / "broken.abc"
    make_crashing_archive(str(src))
    with pytest.raises(LibraryCrash) as info:
        convert(str(src), str(tmp_path / "b.usda"))
    assert info.value.file == str(src) and info.value.exit_code == 2
    assert os.listdir(tmp_path) == ["broken.abc"]


def _children(pid: int) -> list[int]:
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as fh:
            out += [int(c) for c in fh.read().split()]
    return out


def _maps(pid: int, path: str) -> bool:
    try:
        with open(f"/proc/{pid}/maps") as fh:
            return path in fh.read()
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="watches /proc for the mapped archive")
def test_an_archive_truncated_while_it_converts(tmp_path):
    """Truncated under a running conversion once alembic3d has mapped it: SIGBUS in the child, one line,
    exit 2, nothing left."""
    src = tmp_path / "cloth.abc"
    assets.write_cloth(str(src), list(range(1001, 1121)), 24.0, (300, 200))  # 87 MB: about a second to read
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "sdf.cli", "convert", str(src), str(out / "c.usdc"),
                             "--clip-frames", "0"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while proc.poll() is None and not any(_maps(c, str(src)) for c in _children(proc.pid)):
        assert time.monotonic() < deadline
        time.sleep(0.002)
    os.truncate(src, 1 << 20)  # every page the reader has yet to touch is gone
    _, err = proc.communicate(timeout=120)
    res = subprocess.CompletedProcess(proc.args, proc.returncode, "", err)
    _assert_one_line_and_nothing_left(res, out, [], "cloth.abc: the Alembic library crashed reading this file "
                                      "(SIGBUS): it was truncated or changed while it was read")


def test_ctrl_c_leaves_nothing_and_exits_130(tmp_path):
    src = tmp_path / "cloth.abc"
    # Long enough that the interrupt lands mid-conversion on a quiet machine too (120 frames finished
    # within the half second once).
    assets.write_cloth(str(src), list(range(1001, 1361)), 24.0, (160, 120))
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "sdf.cli", "convert", str(src), str(out / "c.usdc"),
                             "--clip-frames", "10", "-j", "2"], stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            # A terminal's foreground job takes Ctrl-C; a test run started in the background
                            # (`pytest &`) would hand its children SIGINT ignored.
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not any(n.startswith(".sdf-convert") for n in os.listdir(out)) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal does: the whole foreground group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "interrupted" and "Traceback" not in err
    assert os.listdir(out) == []


@pytest.mark.parametrize("clips", ["0", "3"])
def test_progress_and_warnings_reach_the_user(tmp_path, clips):
    src = tmp_path / "cloth.abc"
    assets.write_cloth(str(src), list(range(1001, 1013)), 24.0, (8, 6))
    res = _sdf("convert", src, tmp_path / "c.usda", "--clip-frames", clips, env={"SDF_PROGRESS": "1"})
    assert res.returncode == 0, res.stderr
    assert "convert cloth.abc" in res.stderr and ("cloth.abc: clips" in res.stderr) == (clips != "0")
    assert "c.usda (alembic-usd" in res.stdout


def test_a_successful_conversion_is_the_same_as_in_process(tmp_path):
    from pxr import Usd

    from sdf.converters.isolated import convert as isolated
    from sdf.converters.options import ConvertOptions
    from sdf.converters.registry import convert

    src = tmp_path / "hero.abc"
    assets.write_hero(str(src), list(range(1001, 1011)), 24.0, (10, 6))
    a = convert(str(src), str(tmp_path / "a.usda"), ConvertOptions())
    ticks = []
    b = isolated(str(src), str(tmp_path / "b.usda"), ConvertOptions(progress=lambda *t: ticks.append(t)))
    assert {k: v for k, v in a.items() if k != "output"} == {k: v for k, v in b.items() if k != "output"}
    assert ticks and ticks[-1][1] == ticks[-1][2]
    one, two = Usd.Stage.Open(str(tmp_path / "a.usda")), Usd.Stage.Open(str(tmp_path / "b.usda"))
    strip = lambda s: "\n".join(ln for ln in s.splitlines() if "sdf:source" not in ln)  # noqa: E731
    assert strip(one.GetRootLayer().ExportToString()) == strip(two.GetRootLayer().ExportToString())


def test_crash_messages_name_the_signal_and_the_file():
    from sdf.converters.isolated import crash_error

    assert "(SIGBUS)" in str(crash_error("/x/a.abc", -signal.SIGBUS)) and str(crash_error("/x/a.abc", -7)).count(
        "a.abc") == 1
    assert "lack of memory" in str(crash_error("a.abc", -signal.SIGKILL))
    assert "USD library crashed" in str(crash_error("a.usdc", -signal.SIGSEGV))
    assert "sdf validate --deep sh010.sdf" in str(crash_error("sh010.sdf", -signal.SIGSEGV))
