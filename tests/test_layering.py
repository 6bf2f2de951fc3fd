"""Dependencies point one way: the core `sdf` package imports none of the packages built on it."""
import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UPPER = ("sdf.cache", "sdf.converters", "sdf.viewer", "sdf.dcc_plugins")


def _imports(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_core_imports_nothing_built_on_it():
    offenders = []
    for d, _, files in os.walk(os.path.join(ROOT, "sdf")):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(d, f)
                offenders += [f"{os.path.relpath(path, ROOT)}: {m}" for m in _imports(path) if m.startswith(UPPER)]
    assert offenders == []


def test_cache_and_converters_do_not_import_the_viewer_or_each_other():
    for pkg, banned in (("cache", ("sdf.converters", "sdf.viewer")), ("converters", ("sdf.cache", "sdf.viewer"))):
        for f in os.listdir(os.path.join(ROOT, pkg)):
            if f.endswith(".py"):
                mods = list(_imports(os.path.join(ROOT, pkg, f)))
                assert not [m for m in mods if m.startswith(banned)], (pkg, f)


def test_dcc_core_imports_no_host():
    """All DCC logic lives in the host-independent core: only dcc_plugins/<host>/ may import a DCC."""
    hosts = ("bpy", "mathutils", "maya", "hou", "pxr.Usdviewq")
    core = os.path.join(ROOT, "dcc_plugins")
    for f in os.listdir(core):
        if f.endswith(".py"):
            mods = list(_imports(os.path.join(core, f)))
            assert not [m for m in mods if m.split(".")[0] in hosts or m in hosts], f
