"""Strict static check of the Maya and Houdini hosts against stubs generated from the real applications.

    python scripts/check_dcc_types.py            # what `scripts/dev test` runs (tests/dcc_plugins)

Maya and Houdini cannot run here, so their glue is checked with ``mypy --strict`` against
``types-maya-strict`` (maya.cmds, maya.api.OpenMaya*) and ``types-houdini`` (hou). mypy cannot
follow this repository's package-dir mapping (``sdf.dcc_plugins`` lives in ``dcc_plugins/``),
so the check runs over a temporary tree of symlinks laid out as the installed package is.
Exit status is mypy's: any error fails.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: Installed package name -> folder in the repository (pyproject.toml's package-dir).
PACKAGES = {"cache": "cache", "converters": "converters", "dcc_plugins": "dcc_plugins", "viewer": "viewer"}
#: What is checked: the hosts' packages and the files Maya and Houdini load by path.
TARGETS = ("sdf/dcc_plugins/maya", "sdf/dcc_plugins/houdini")
SCRIPTS = ("dcc_plugins/maya/plug-ins/sdfMaya.py", "dcc_plugins/maya/scripts/userSetup.py",
           "dcc_plugins/maya/verify_in_maya.py", "dcc_plugins/houdini/verify_in_houdini.py")


def build_tree(tmp: str) -> None:
    pkg = os.path.join(tmp, "sdf")
    os.makedirs(pkg)
    for name in os.listdir(os.path.join(ROOT, "sdf")):
        os.symlink(os.path.join(ROOT, "sdf", name), os.path.join(pkg, name))
    for name, folder in PACKAGES.items():
        os.symlink(os.path.join(ROOT, folder), os.path.join(pkg, name))


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="sdf-dcc-types-") as tmp:
        build_tree(tmp)
        targets = [os.path.join(tmp, t) for t in TARGETS if os.path.isdir(os.path.join(tmp, t))]
        scripts = [os.path.join(ROOT, s) for s in SCRIPTS if os.path.exists(os.path.join(ROOT, s))]
        cmd = [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--python-version", "3.11",
               "--no-incremental", "--cache-dir", os.path.join(tmp, ".mypy_cache"), *targets]
        env = dict(os.environ, MYPYPATH=tmp)
        rc = subprocess.call(cmd, cwd=tmp, env=env)
        for n, script in enumerate(scripts):  # each alone: they are top-level modules with clashing roles,
            alone = os.path.join(tmp, "scripts", str(n))  # not a package; a folder of its own keeps mypy from
            os.makedirs(alone)                           # taking the checkout's folders for packages
            os.symlink(script, os.path.join(alone, os.path.basename(script)))
            rc |= subprocess.call(cmd[:-len(targets)] + [os.path.join(alone, os.path.basename(script))], cwd=tmp,
                                  env=env)
        return rc


if __name__ == "__main__":
    sys.exit(main())
