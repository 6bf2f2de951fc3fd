"""sdf.document.frame_range: the one parser of --frames, and every command that takes --frames using it."""
from __future__ import annotations

import subprocess
import sys

import pytest

import sdf
from sdf.errors import SdfError
from sdf.document.frame_range import parse, shot_frames


@pytest.mark.parametrize("spec, span", [("1001-1024", (1001, 1024)), ("1001", (1001, 1001)),
                                        (" 1001 - 1002 ", (1001, 1002)), ("-5", (-5, -5)), ("-10--1", (-10, -1)),
                                        ("-5-5", (-5, 5))])
def test_parse(spec, span):
    assert parse(spec) == span


@pytest.mark.parametrize("spec, message", [("abc", "--frames expects A-B, got 'abc'"), ("1001-", "expects A-B"),
                                           ("", "expects A-B"), ("1-2-3", "expects A-B"), ("1.5-3", "expects A-B"),
                                           ("1024-1001", "--frames 1024-1001: end is before start")])
def test_parse_refuses(spec, message):
    with pytest.raises(SdfError) as info:
        parse(spec)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_shot_frames_stay_inside_the_shot(demo_master):
    _, path = demo_master
    shot = sdf.open(path)
    start, end = shot.frame_range.start, shot.frame_range.end
    assert shot_frames(None, shot) == list(range(start, end + 1))
    assert shot_frames(f"{start + 1}-{start + 3}", shot) == [start + 1, start + 2, start + 3]
    assert shot_frames(str(end), shot) == [end]
    with pytest.raises(SdfError) as info:
        shot_frames(f"{start - 1}-{end}", shot)
    assert info.value.file == shot.file and info.value.field == "frame_range"
    assert f"outside the shot's range {start}-{end}" in str(info.value)


@pytest.mark.parametrize("command", [["play", "{shot}"], ["cache", "stats", "{shot}"],
                                     ["convert", "{abc}", "{tmp}/out.usda"],
                                     ["farm", "task", "playblast", "--shot", "{shot}", "--out", "{tmp}/farm"]],
                         ids=["play", "cache-stats", "convert", "farm-task"])
def test_every_command_refuses_a_bad_spec_the_same_way(demo_master, tmp_path, command):
    import os

    root, shot = demo_master
    abc = os.path.join(root, "assets", "anim", "hero_anim.abc")
    args = [a.format(shot=shot, abc=abc, tmp=tmp_path) for a in command]
    res = subprocess.run([sys.executable, "-m", "sdf.cli", *args, "--frames", "1001-"], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 2, res.stderr
    assert res.stderr.strip().splitlines() == ["error: --frames expects A-B, got '1001-'"], res.stderr
