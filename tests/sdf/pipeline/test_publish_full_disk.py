"""A publish on a real filesystem that fills up at each step: either it publishes everything, or the
shot is exactly as it was (never pinned to a version that was rolled back)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

import sdf
from conftest import tree_hashes

PAGE = 4096


@pytest.fixture
def small_fs():
    """A 1 MiB tmpfs of our own (the tests run as root, as CI does): a disk that really fills."""
    where = tempfile.mkdtemp(prefix="sdf-fullfs-")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", where], capture_output=True, text=True)
    assert res.returncode == 0, f"cannot mount a small tmpfs for the full-disk test: {res.stderr}"
    try:
        yield where
    finally:
        subprocess.run(["umount", where], check=False)
        os.rmdir(where)


def _fill_to(folder: str, free: int) -> None:
    """Leave about ``free`` bytes writable on the filesystem holding ``folder``."""
    st = os.statvfs(folder)
    avail = st.f_bavail * st.f_frsize
    with open(os.path.join(folder, "filler"), "wb") as fh:
        fh.write(b"\0" * max(0, avail - free))


def test_publish_on_a_filling_disk_is_all_or_nothing(demo, small_fs):
    proj, shot = demo
    rel = os.path.relpath(shot, proj)
    outcomes = {"published": 0, "refused": 0}
    for level in range(0, 14):
        root = os.path.join(small_fs, f"p{level}")
        shutil.copytree(proj, root, ignore=shutil.ignore_patterns("assets", "cache"))
        here = os.path.join(root, rel)
        view = sdf.open(here, department="lighting")
        view.lights.find("key_group/key").metadata["note"] = "x" * 3000
        view.save()
        before = tree_hashes(root)
        _fill_to(small_fs, level * PAGE)
        res = subprocess.run([sys.executable, "-m", "sdf.cli", "publish", here, "-d", "lighting", "-m", "full"],
                             capture_output=True, text=True, timeout=120)
        os.unlink(os.path.join(small_fs, "filler"))
        after = tree_hashes(root)
        if res.returncode == 0:
            outcomes["published"] += 1
            reopened = sdf.open(here, department="lighting")
            assert reopened.parts["lights"].version == 1
            assert reopened.lights.find("key_group/key").metadata["note"] == "x" * 3000
            assert reopened.modified_parts() == {}
        else:
            outcomes["refused"] += 1
            assert res.returncode == 2, res.stderr
            lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
            assert len(lines) == 1 and "nothing was published" in lines[0], res.stderr
            new = {k for k in after if k not in before} - {os.path.join(os.path.dirname(rel), ".sdf-shot.lock")}
            assert not new, (level, new)
            assert all(after[k] == before[k] for k in before), level
            sdf.open(here, department="lighting").lights  # the shot still opens: nothing pinned is missing
        shutil.rmtree(root)
    assert outcomes["published"] and outcomes["refused"], outcomes  # both sides of the edge were exercised
