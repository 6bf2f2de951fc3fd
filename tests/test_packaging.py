"""pyproject.toml ships every file the hosts need, and declares every folder setuptools sees as a package.

setuptools treats a folder inside a package whose name Python could import (``maya/scripts``,
``houdini/toolbar``) as a package; one missing from ``packages`` gets its files shipped anyway
with a ``BuildBackendWarning`` block per folder on every ``pip install``. This checks the same
rule on the tree, without building a wheel (that needs the package index).
"""
from __future__ import annotations

import fnmatch
import os
import subprocess
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _config() -> dict:
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        return tomllib.load(fh)["tool"]["setuptools"]


def _folder(package: str, package_dir: dict[str, str]) -> str:
    parts = package.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in package_dir:
            return os.path.join(ROOT, package_dir[prefix], *parts[n:])
    return os.path.join(ROOT, *parts)


def _tracked() -> set[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return {os.path.join(ROOT, p) for p in out.decode().split("\0") if p}


def test_every_importable_folder_with_files_is_a_declared_package():
    config = _config()
    declared = set(config["packages"])
    folders = {_folder(p, config["package-dir"]): p for p in declared}
    tracked = _tracked()
    missing = []
    for folder, package in folders.items():
        for name in sorted(os.listdir(folder)):
            sub = os.path.join(folder, name)
            has_files = any(f.startswith(sub + os.sep) for f in tracked)
            if os.path.isdir(sub) and name.isidentifier() and has_files and f"{package}.{name}" not in declared:
                missing.append(f"{package}.{name}")
    assert not missing, f"folders setuptools would warn about (add them to packages): {missing}"


def test_every_tracked_file_of_a_package_is_shipped():
    """Each file under a package's folder is a module of the deepest package holding it, or matches
    that package's package-data globs: otherwise no wheel holds it."""
    config = _config()
    data = config["package-data"]
    folders = {_folder(p, config["package-dir"]): p for p in config["packages"]}
    left_out = []
    for path in sorted(_tracked()):
        owners = [f for f in folders if path.startswith(f + os.sep)]
        if not owners:
            continue  # not in any package (tests, benchmarks, scripts)
        folder = max(owners, key=len)
        rel = os.path.relpath(path, folder)
        if os.sep not in rel and rel.endswith(".py"):
            continue  # a module of that package
        if not any(fnmatch.fnmatch(rel, glob) for glob in data.get(folders[folder], ())):
            left_out.append(os.path.relpath(path, ROOT))
    assert not left_out, f"files no wheel would hold (add them to package-data): {left_out}"
