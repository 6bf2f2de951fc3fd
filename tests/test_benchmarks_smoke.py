"""The benchmarks run end to end (on the small demo, one repeat): they print their summary line."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("script", ["department_open.py", "playback.py", "convert.py", "viewer.py", "farm.py",
                                    "review.py", "render.py"])
def test_benchmark_runs(script, demo_master):
    _, shot = demo_master
    out = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", script), "--shot", shot, "--repeat", "1"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "summary:" in out.stdout
    if script == "playback.py":  # both raw baselines, and which one the goal uses
        assert "raw, P+N" in out.stdout and "goal: cold pass >= 1.5x raw (the full per-frame read)" in out.stdout


def test_against_an_earlier_commit_prints_both_sides(demo_master):
    """benchmarks/against.py: each commit's own script from a worktree of its own, medians side by side."""
    _, shot = demo_master
    out = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "against.py"), "HEAD", "--bench",
                          "department_open", "--rounds", "1", "--shot", shot], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert "HEAD (old) against HEAD (new)" in out.stdout  # a clone may hold only its last commit
    rows = [ln.split() for ln in out.stdout.splitlines() if ln.startswith(("eager", "lighting"))]
    assert len(rows) == 2 and all(float(r[3]) > 0 for r in rows), out.stdout
    worktrees = subprocess.run(["git", "-C", ROOT, "worktree", "list"], capture_output=True, text=True).stdout
    assert "sdf-against-" not in worktrees  # removed after the run
