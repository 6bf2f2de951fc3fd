"""Benchmarks side by side with an earlier commit: did a change make anything slower?

Each commit runs its own benchmark scripts (a script measures what its commit's code can do) from a
clean worktree of its own, on the same shot, alternating old and new in every round so that the
load of a shared machine falls on both alike. The figures compared are the ones each script prints
as its result; the raw alembic3d read the playback and convert scripts time beside sdf is the same
code in both trees, so it shows how loaded each run was.

Both trees are imported with ``PYTHONPATH`` set to the worktree, so the environment's installed
``sdf`` is not used; the packages that live beside ``sdf/`` in a checkout (``cache``,
``converters``...) are linked into the worktree's ``sdf/`` for that. The Blender session runs in
the Blender environment (``$SDF_BLENDER_PYTHON``, else ``.venv-blender``).

    python benchmarks/against.py 920dbd7 --rounds 3
    python benchmarks/against.py dc7ede3 --bench department_open --bench dcc_blender
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from _common import demo_shot, table  # noqa: E402

PACKAGES = ("cache", "converters", "viewer", "farm", "dcc_plugins")

#: benchmark -> (its arguments, the figures read from its output: name -> (line pattern, column))
BENCHES = {
    "department_open": (["--repeat", "5"], {"eager open ms": (r"eager\s", 1), "lighting open ms": (r"lighting\s", 1)}),
    "playback": (["--repeat", "1"], {"raw ms/frame": (r"raw\s+\d", 1), "reader ms/frame": (r"reader\s", 1),
                                     "cold ms/frame": (r"cold\s+\d", 1), "warm ms/frame": (r"warm\s", 1)}),
    "convert": (["--repeat", "1", "--what", "throughput"], {"convert M vertex-frames/s": (r"summary:", "M/s"),
                                                           "convert / raw read": (r"summary:", "x the raw")}),
    "dcc_blender": (["--repeat", "1"], {"session open s": (r"session\s", 1), "first frame drawn s": (r"session\s", 3),
                                        "pass 1 ms/frame": (r"session\s", 5), "pass 2 ms/frame": (r"session\s", 6)}),
}


def worktree(rev: str, where: str, side: str) -> str:
    path = os.path.join(where, side)
    subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", path, rev], check=True,
                   capture_output=True, text=True)
    for name in PACKAGES:
        link = os.path.join(path, "sdf", name)
        if os.path.isdir(os.path.join(path, name)) and not os.path.exists(link):
            os.symlink(os.path.join("..", name), link)
    return path


def figure(output: str, pattern: str, column) -> float | None:
    for line in output.splitlines():
        if re.match(pattern, line):
            if isinstance(column, int):
                try:
                    return float(line.split()[column])
                except (IndexError, ValueError):
                    return None
            m = re.search(r"([\d.]+)\s*" + re.escape(column), line)
            return float(m.group(1)) if m else None
    return None


def run(tree: str, bench: str, shot: str) -> tuple[dict[str, float | None], str]:
    args, figures = BENCHES[bench]
    python = sys.executable
    if bench == "dcc_blender":
        python = os.environ.get("SDF_BLENDER_PYTHON") or os.path.join(ROOT, ".venv-blender", "bin", "python")
    env = dict(os.environ, PYTHONPATH=tree)
    res = subprocess.run([python, os.path.join(tree, "benchmarks", bench + ".py"), "--shot", shot, *args],
                         cwd=tempfile.gettempdir(), env=env, capture_output=True, text=True)
    out = res.stdout + res.stderr
    if res.returncode:
        sys.exit(f"{bench} in {tree} failed:\n{out[-2000:]}")
    return {name: figure(out, *how) for name, how in figures.items()}, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="example: python benchmarks/against.py 920dbd7 --rounds 3",
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rev", help="the earlier commit")
    ap.add_argument("--new", default="HEAD", help="the later commit (default HEAD; uncommitted changes are not measured)")
    ap.add_argument("--bench", action="append", choices=sorted(BENCHES), help="repeatable (default: all)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--shot", help="the shot (default: the medium demo, made by the later commit)")
    args = ap.parse_args()
    benches = args.bench or list(BENCHES)
    shot = args.shot or demo_shot("medium")
    with tempfile.TemporaryDirectory(prefix="sdf-against-") as where:
        trees = {"old": worktree(args.rev, where, "old"), "new": worktree(args.new, where, "new")}
        try:
            got: dict[tuple[str, str], list[float]] = {}
            loads = []
            for r in range(args.rounds):
                for side, tree in trees.items():
                    for bench in benches:
                        loads.append(os.getloadavg()[0])
                        figures, _ = run(tree, bench, shot)
                        print(f"round {r + 1} {side} {bench}: {figures}", file=sys.stderr, flush=True)
                        for name, value in figures.items():
                            if value is not None:
                                got.setdefault((name, side), []).append(value)
            names = [n for b in benches for n in BENCHES[b][1]]
            rows = []
            for name in names:
                old, new = got.get((name, "old")), got.get((name, "new"))
                if old and new:
                    mo, mn = statistics.median(old), statistics.median(new)
                    rows.append([name, f"{mo:.3g}", f"{mn:.3g}", f"{mn / mo:.2f}",
                                 f"{min(old):.3g}-{max(old):.3g} / {min(new):.3g}-{max(new):.3g}"])
            print(f"{args.rev} (old) against {args.new} (new), shot {shot}, medians of {args.rounds} rounds, "
                  f"load (1 min) {min(loads):.2f}-{max(loads):.2f}")
            print(table(["figure", "old", "new", "new/old", "range old / new"], rows))
        finally:
            for tree in trees.values():
                subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", tree], capture_output=True)


if __name__ == "__main__":
    main()
