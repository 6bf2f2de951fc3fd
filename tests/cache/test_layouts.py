"""Frame layouts: one enumeration (sdf.alembic.frame_data.FrameLayout), one default for every reading API, and the
old strings still the same arguments and the same cache keys."""
from __future__ import annotations

import os
import time

import pytest

from sdf.cache.frame_cache import FrameCache
from sdf.cache.prefetch import Prefetcher
from sdf.alembic.frames import AlembicReader
from sdf.alembic.frame_data import DEFAULT_LAYOUT, LAYOUTS, PLAYER_LAYOUT, FrameLayout


@pytest.fixture
def hero(demo_master):
    root, _ = demo_master
    return os.path.join(root, "assets", "anim", "hero_anim.abc"), "/hero/body"


def test_a_string_and_its_member_are_one_cache_entry(hero):
    path, obj = hero
    cache = FrameCache(1 << 30, mapped=False)
    first = cache.get(path, obj, 1001, 24.0, layout="stored")
    assert cache.contains(path, obj, 1001, 24.0, layout=FrameLayout.STORED)
    assert cache.get(path, obj, 1001, 24.0, layout=FrameLayout.STORED) is first
    assert cache.snapshot().hits == 1 and cache.snapshot().misses == 1
    drawn = cache.get(path, obj, 1001, 24.0)  # the default: another layout, another entry
    assert drawn is cache.get(path, obj, 1001, 24.0, layout=DEFAULT_LAYOUT) is not first


def test_the_layouts_read_as_documented(hero):
    path, obj = hero
    reader = AlembicReader(path)
    drawn = reader.read(obj, 1001, 24.0)
    points = reader.read(obj, 1001, 24.0, layout=FrameLayout.POINTS)
    assert DEFAULT_LAYOUT == "draw" and PLAYER_LAYOUT == "stored" and [str(x) for x in LAYOUTS] == \
        ["draw", "points", "stored"]
    assert drawn.topology.kind == "triangles" and points.topology.kind == "polygons"
    assert len(drawn.positions) == drawn.topology.vertex_count >= len(points.positions)
    with pytest.raises(ValueError, match="layout is one of draw, points, stored"):
        reader.read(obj, 1001, 24.0, layout="triangles")


def test_the_prefetcher_reads_in_the_layout_its_player_reads(hero):
    """A prefetcher and a cache left at their defaults spell the same keys: what is read ahead is hit."""
    path, obj = hero
    cache = FrameCache(1 << 30, mapped=False)
    pf = Prefetcher(cache, workers=1, ahead=4)
    try:
        pf.follow([(path, obj)], 1001, 1, list(range(1001, 1049)), 24.0, loop=False)
        deadline = time.time() + 30
        while not pf.idle() or not cache.contains(path, obj, 1005, 24.0):
            assert time.time() < deadline
            time.sleep(0.01)
    finally:
        pf.close()
    for f in range(1001, 1006):
        cache.get(path, obj, f, 24.0)
    assert cache.snapshot().hits == 5 and cache.snapshot().misses == 0


def test_no_module_spells_a_layout_itself():
    """Layouts are named through FrameLayout and its defaults only: a string such as ``layout="points"`` in a
    module is a second spelling that the enumeration's next change would miss."""
    import ast

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    names = {str(x) for x in LAYOUTS}
    offenders = []

    def is_layout(node):
        return (isinstance(node, ast.Name) and node.id == "layout") or \
            (isinstance(node, ast.Attribute) and node.attr == "layout")

    def spelled(node):
        return isinstance(node, ast.Constant) and node.value in names

    for top in ("sdf", "cache", "converters", "viewer", "dcc_plugins", "farm"):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                path = os.path.join(d, f)
                if not f.endswith(".py") or path.endswith(os.path.join("alembic", "frame_data.py")):
                    continue
                for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
                    hits = []
                    if isinstance(node, ast.keyword) and node.arg == "layout":
                        hits = [node.value]
                    elif isinstance(node, ast.Compare) and any(is_layout(n) for n in [node.left, *node.comparators]):
                        hits = [node.left, *node.comparators]
                    elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and \
                            any(is_layout(t) for t in (node.targets if isinstance(node, ast.Assign) else [node.target])):
                        hits = [node.value]
                    elif isinstance(node, ast.arguments):
                        args = node.posonlyargs + node.args
                        hits = [v for a, v in zip(args[len(args) - len(node.defaults):], node.defaults) if a.arg == "layout"]
                        hits += [v for a, v in zip(node.kwonlyargs, node.kw_defaults) if a.arg == "layout" and v]
                    offenders += [f"{os.path.relpath(path, root)}:{n.lineno}" for n in hits if spelled(n)]
    assert offenders == []
