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
