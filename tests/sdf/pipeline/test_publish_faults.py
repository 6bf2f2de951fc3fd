"""Publishing under faults: a full disk or a read-only folder publishes nothing, says which file in one
line (exit 2), and leaves nothing behind; leftovers of a killed publish are cleaned by the next one."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time

from conftest import cli_as_nobody, tree_hashes

# A publisher whose process may not write files beyond LIMIT bytes: the kernel answers EFBIG
# ("File too large") to the write that crosses it, as a full disk answers ENOSPC.
LIMITED = """
import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from sdf.cli import main
main(sys.argv[2:])
"""


def _edit_lights(shot):
    import sdf

    view = sdf.open(shot, department="lighting")
    view.lights.find("key_group/key").metadata["note"] = "x" * 4000  # a version bigger than the limit
    view.save()


def test_disk_full_publishes_nothing(demo):
    proj, shot = demo
    _edit_lights(shot)
    before = tree_hashes(proj)
    res = subprocess.run([sys.executable, "-c", LIMITED, "3000", "publish", shot, "-d", "lighting", "-m", "big"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "nothing was published" in lines[0] and "lights.v001" in lines[0], res.stderr
    after = tree_hashes(proj)
    assert {k for k in after if k not in before} <= {"shots/sh010/.sdf-shot.lock"}, set(after) - set(before)
    assert all(after[k] == before[k] for k in before)


def test_read_only_folder_publishes_nothing():
    """A real second user who may write the shot folder but not lighting's: EACCES, nothing left."""
    from sdf.demo import generate

    work = tempfile.mkdtemp(prefix="sdf-ro-")
    try:
        os.chmod(work, 0o755)
        shot = generate(os.path.join(work, "proj"), "small")
        _edit_lights(shot)
        shot_dir = os.path.dirname(shot)
        for d, dirs, files in os.walk(os.path.join(work, "proj")):
            for name in files:
                os.chmod(os.path.join(d, name), 0o644)
            os.chmod(d, 0o755)
        os.chmod(shot_dir, 0o777)          # the shot folder (lock, shot document) is writable...
        os.chmod(shot, 0o666)
        before = tree_hashes(os.path.join(work, "proj"))

        if os.getuid() == 0:  # root ignores permissions: publish as another user, for whom they hold
            code, stderr = cli_as_nobody(["publish", shot, "-d", "lighting", "-m", "x"], work)
            res = subprocess.CompletedProcess([], code, "", stderr)
        else:  # an ordinary user is held to the folder's mode as it is
            res = subprocess.run([sys.executable, "-m", "sdf.cli", "publish", shot, "-d", "lighting", "-m", "x"],
                                 capture_output=True, text=True, timeout=60)
        assert res.returncode == 2, res.stderr
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and "lighting" in lines[0] and "Traceback" not in res.stderr, res.stderr
        after = tree_hashes(os.path.join(work, "proj"))
        assert {k for k in after if k not in before} <= {"shots/sh010/.sdf-shot.lock"}
        assert all(after[k] == before[k] for k in before)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_leftovers_of_a_killed_publish_are_cleaned(demo):
    _, shot = demo
    _edit_lights(shot)
    folder = os.path.join(os.path.dirname(shot), "lighting")
    stale = os.path.join(folder, ".lights.v001.json.abcd1234.tmp")
    fresh = os.path.join(folder, ".lights.v001.json.efgh5678.tmp")  # another writer's, right now
    for path in (stale, fresh):
        open(path, "w").write("partial")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    res = subprocess.run([sys.executable, "-m", "sdf.cli", "publish", shot, "-d", "lighting", "-m", "ok"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert not os.path.exists(stale) and os.path.exists(fresh)
