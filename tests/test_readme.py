"""The README's tour runs exactly as written: its shell block, then its Python snippets, in a fresh folder."""
from __future__ import annotations

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _tour_blocks():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    tour = text[text.index("## A short tour"):text.index("## Working in a DCC")]
    shell = re.findall(r"```sh\n(.*?)```", tour, re.S)
    python = re.findall(r"```python\n(.*?)```", tour, re.S)
    return shell, python


def test_the_tour_runs_as_written(tmp_path):
    shell, python = _tour_blocks()
    assert len(shell) == 1 and len(python) == 2
    os.symlink(os.path.dirname(os.path.dirname(sys.executable)), tmp_path / ".venv")  # "source .venv/bin/activate"
    script = "set -euo pipefail\n" + shell[0]
    res = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert (tmp_path / "tour" / "out" / "sh010.usda").exists() and (tmp_path / "tour" / "farm" / "manifest.json").exists()
    # The first snippet again after the second: a view goes on from the working copy, never stranded.
    for i, code in enumerate(python + python[:1]):
        res = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, (i, res.stderr[-3000:])
    res = subprocess.run([sys.executable, "-m", "sdf.cli", "status", "tour/shots/sh010/sh010.sdf", "-d", "lighting"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "key_group/key: intensity" in res.stdout, res.stdout + res.stderr  # the re-run's unpublished edit
