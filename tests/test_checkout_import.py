"""``import sdf`` from the folder holding a checkout named ``sdf``: an error that says what happened.

Python looks in the current folder first; there, a checkout named ``sdf`` would be imported as an
empty namespace package, and the failure would come later as "module 'sdf' has no attribute
'open'". The checkout's root ``__init__.py`` says instead which folder was found and what to do.
"""
from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_a_checkout_named_sdf_in_the_current_folder_is_named_in_the_error(tmp_path):
    os.symlink(ROOT, tmp_path / "sdf")  # as `git clone ... sdf` would leave it
    res = subprocess.run([sys.executable, "-c", "import sdf; sdf.open"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 1
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: 'import sdf' found the checkout ") and str(tmp_path / "sdf") in last, last
    assert "run Python from another folder" in last and "has no attribute" not in res.stderr


def test_elsewhere_the_installed_package_is_imported(tmp_path):
    res = subprocess.run([sys.executable, "-c", "import sdf; print(sdf.open.__module__)"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout.strip() == "sdf.document.opening", res.stderr


def test_the_checkout_root_is_harmless_under_another_name():
    """Test runners import a checkout's root ``__init__.py`` under its folder's name: nothing happens."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("checkout_root", os.path.join(ROOT, "__init__.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.__doc__.startswith("Not a package")
