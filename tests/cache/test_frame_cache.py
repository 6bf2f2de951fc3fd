"""The LRU frame cache: accounting, eviction, invalidation, threads, prefetch."""
import os
import shutil
import threading
import time

import numpy as np
import pytest

from sdf.cache.frame_cache import FrameCache, default_budget
from sdf.cache.prefetch import Prefetcher
from sdf.errors import SdfError


@pytest.fixture
def hero(demo_master):
    root, _ = demo_master
    return os.path.join(root, "assets", "anim", "hero_anim.abc"), "/hero/body"


def test_hits_misses_and_bytes_with_topology_counted_once(hero):
    path, obj = hero
    cache = FrameCache(1 << 30)
    frames = range(1001, 1011)
    first = [cache.get(path, obj, f, 24.0) for f in frames]
    again = [cache.get(path, obj, f, 24.0) for f in frames]
    assert all(a is b for a, b in zip(first, again))
    s = cache.snapshot()
    assert (s.hits, s.misses, s.entries) == (10, 10, 10)
    topo = first[0].topology.nbytes
    assert s.topology_bytes == topo
    assert s.bytes_held == sum(d.nbytes for d in first) + topo
    assert not first[0].positions.flags.writeable  # cached buffers are read-only


def test_lru_eviction_by_bytes(hero):
    path, obj = hero
    probe = FrameCache(1 << 30)
    d = probe.get(path, obj, 1001, 24.0)
    per_frame, topo = d.nbytes, d.topology.nbytes
    cache = FrameCache(topo + 3 * per_frame + 10)
    for f in (1001, 1002, 1003):
        cache.get(path, obj, f, 24.0)
    cache.get(path, obj, 1001, 24.0)          # 1001 becomes most recent
    cache.get(path, obj, 1004, 24.0)          # evicts 1002, the least recent
    assert cache.cached_frames(path, obj) == {1001.0, 1003.0, 1004.0}
    s = cache.snapshot()
    assert s.evictions == 1 and s.bytes_held <= cache.budget
    cache.set_budget(0)
    assert cache.snapshot().bytes_held == 0 and cache.snapshot().topology_bytes == 0


def test_frames_larger_than_the_budget_are_not_stored_and_zero_budget_works(hero):
    path, obj = hero
    cache = FrameCache(1000)
    d = cache.get(path, obj, 1001, 24.0)
    assert len(d.positions) > 0
    s = cache.snapshot()
    assert s.not_stored == 1 and s.entries == 0
    zero = FrameCache(0)
    for _ in range(2):
        assert len(zero.get(path, obj, 1001, 24.0).positions) > 0
    assert zero.snapshot().hits == 0 and zero.snapshot().misses == 2


def test_budget_from_environment(monkeypatch):
    monkeypatch.setenv("SDF_CACHE_MB", "12")
    assert default_budget() == 12 * 2**20
    assert FrameCache().budget == 12 * 2**20
    monkeypatch.setenv("SDF_CACHE_MB", "lots")
    with pytest.raises(SdfError, match="SDF_CACHE_MB"):
        default_budget()
    monkeypatch.delenv("SDF_CACHE_MB")
    assert 0 < default_budget() < os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    with pytest.raises(SdfError):
        FrameCache(-1)


def test_changed_file_invalidates_its_entries(demo_master, tmp_path):
    root, _ = demo_master
    path = str(tmp_path / "cloth.abc")
    shutil.copy(os.path.join(root, "assets", "anim", "cloth_anim.abc"), path)
    cache = FrameCache(1 << 30, check_interval=0)
    before = cache.get(path, "/cloth/clothShape", 1001, 24.0).positions.copy()
    # Replace the file (as a new publish would) with the hero's archive under the same name.
    time.sleep(0.01)
    shutil.copy(os.path.join(root, "assets", "anim", "hero_anim.abc"), path + ".new")
    os.replace(path + ".new", path)
    d = cache.get(path, "/hero/body", 1001, 24.0)
    assert len(d.positions) != len(before)
    s = cache.snapshot()
    assert s.invalidations == 1 and cache.cached_frames(path, "/hero/body") == {1001.0}


def test_thread_safety(hero):
    path, obj = hero
    cache = FrameCache(1 << 30)
    results, errors = [], []

    def worker(seed):
        rng = np.random.default_rng(seed)
        try:
            for f in rng.integers(1001, 1021, 60):
                results.append((int(f), cache.get(path, obj, int(f), 24.0)))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    s = cache.snapshot()
    assert s.hits + s.misses == 360 and s.misses == s.entries <= 20
    by_frame = {}
    for f, d in results:
        assert by_frame.setdefault(f, d) is d  # one object per key: no frame read twice and stored twice


def test_prefetcher_reads_ahead_in_play_direction_and_cancels_on_seek(hero):
    path, obj = hero
    mapped = FrameCache(1 << 30)
    pf = Prefetcher(mapped, workers=1, ahead=5)
    pf.follow([(path, obj)], 1010, 1, list(range(1001, 1049)), 24.0, loop=False)
    _wait(pf)
    pf.close()
    assert not mapped.cached_frames(path, obj)  # mapped samples are views: nothing to read ahead
    cache = FrameCache(1 << 30, mapped=False)
    pf = Prefetcher(cache, workers=1, ahead=5)
    frames = list(range(1001, 1049))
    try:
        pf.follow([(path, obj)], 1010, -1, frames, 24.0, loop=False)
        _wait(pf)
        # The current frame (so the player's other objects load beside it), then five in play direction.
        assert cache.cached_frames(path, obj) == {1005.0, 1006.0, 1007.0, 1008.0, 1009.0, 1010.0}
        pf.follow([(path, obj)], 1040, 1, frames, 24.0, loop=False)
        _wait(pf)
        assert {1041.0, 1045.0} <= cache.cached_frames(path, obj)
        # A seek replaces what was queued: nothing of the old window remains queued.
        pf.ahead = 40
        pf.follow([(path, obj)], 1001, 1, frames, 24.0, loop=False)
        pf.follow([(path, obj)], 1030, -1, frames, 24.0, loop=False)
        _wait(pf)
        assert not {f for f in cache.cached_frames(path, obj) if 1031 < f < 1040}
    finally:
        pf.close()
    assert cache.snapshot().hits == 0  # prefetch reads are not counted as misses or hits


def _wait(pf, timeout=30):
    deadline = time.time() + timeout
    while not pf.idle():
        assert time.time() < deadline
        time.sleep(0.01)
    time.sleep(0.2)


def test_a_file_replaced_with_the_same_size_and_mtime_is_seen(demo, tmp_path):
    """File identity includes the inode and change time: a same-size replacement with its modification
    time set back is still a different file, and no playback mixes frames of the two."""
    from sdf.cache.frame_cache import FrameCache

    proj, _ = demo
    a = os.path.join(proj, "assets", "anim", "props_anim.abc")
    cache = FrameCache(64 << 20, check_interval=0.0)
    first = cache.get(a, "/ball/ballShape", 1001, 24.0)
    st = os.stat(a)
    other = tmp_path / "other.abc"
    shutil.copy(a, other)
    # Same size, mtime set back: a replacement a (path, mtime, size) key cannot see.
    os.replace(other, a)
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(a).st_size == st.st_size and os.stat(a).st_mtime_ns == st.st_mtime_ns
    again = cache.get(a, "/ball/ballShape", 1001, 24.0)
    assert again is not first and cache.stats.invalidations >= 1


def test_each_distinct_sample_is_held_once(hero):
    """Frames whose samples are equal share one array; the bytes held are the distinct samples plus the
    topology once plus what is each frame's alone (its matrix)."""
    path, obj = hero
    cache = FrameCache(1 << 30)
    frames = [cache.get(path, obj, f, 24.0, layout="stored") for f in range(1001, 1121)]
    distinct = {digest: n for d in frames for _, digest, n in d.shared}
    s = cache.snapshot()
    assert len(distinct) < len(frames) / 2  # the hero holds still for many frames
    assert s.sample_bytes == sum(distinct.values())
    assert s.bytes_held == s.sample_bytes + s.topology_bytes + sum(d.own_nbytes for d in frames)
    assert s.bytes_held < sum(d.nbytes for d in frames) / 2
    assert s.shared_hits == len(frames) - len({tuple(k for _, k, _ in d.shared) for d in frames})
    cache.set_budget(0)
    assert cache.snapshot().bytes_held == 0 and cache.snapshot().sample_bytes == 0


_OVERWRITE = """
import os, subprocess, sys
import numpy as np
from sdf.cache.frame_cache import FrameCache
from sdf.errors import SdfError
hero, cloth = sys.argv[1], sys.argv[2]
cache = FrameCache(1 << 30, check_interval=0)
held = {f: cache.get(hero, "/hero/body", f, 24.0, layout="stored") for f in range(1001, 1011)}
copies = {f: d.positions.copy() for f, d in held.items()}
# Another process overwrites the hero cache in place with half of itself (a crashed export).
subprocess.run([sys.executable, "-c", "import sys; d = open(sys.argv[1], 'rb').read(); "
                "open(sys.argv[1], 'wb').write(d[: len(d) // 2])", hero], check=True, timeout=60)
for f in range(1001, 1011):  # frames already held keep playing, with their values
    d = cache.get(hero, "/hero/body", f, 24.0, layout="stored")
    np.testing.assert_array_equal(d.positions, copies[f])
try:
    cache.get(hero, "/hero/body", 1100, 24.0, layout="stored")
    raise SystemExit("a frame of the broken file was read")
except SdfError as exc:
    assert os.path.basename(hero) in str(exc), exc
assert any(os.path.basename(hero) in p for p in cache.problems), cache.problems
assert len(cache.get(cloth, "/cloth/clothShape", 1100, 24.0, layout="stored").positions)  # the rest plays
print("ok")
"""


@pytest.mark.parametrize("mapped", [True, False])
def test_a_file_overwritten_in_place_while_playing(demo, mapped):
    import subprocess
    import sys

    root, _ = demo
    hero = os.path.join(root, "assets", "anim", "hero_anim.abc")
    cloth = os.path.join(root, "assets", "anim", "cloth_anim.abc")
    script = _OVERWRITE if mapped else _OVERWRITE.replace("FrameCache(1 << 30,", "FrameCache(1 << 30, mapped=False,")
    res = subprocess.run([sys.executable, "-c", script, hero, cloth], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip() == "ok"


@pytest.mark.parametrize("mapped", [True, False])
def test_a_file_rewritten_in_place_under_an_unchanged_identity_is_really_reopened(demo, tmp_path, mapped):
    """A file rewritten in place within one tick of its timestamps keeps its identity, and the index kept
    on disk for that identity may describe the old content. The reader then finds samples missing: the
    cache must index the file again (once, not on every frame) instead of failing every retry."""
    import dataclasses
    import pickle

    from sdf.alembic import sample_index
    from sdf.alembic.io import file_identity
    from sdf.demo.assets import write_cloth

    root, _ = demo
    path = str(tmp_path / "cloth.abc")
    shutil.copy(os.path.join(root, "assets", "anim", "cloth_anim.abc"), path)
    old_index = sample_index.index_file(path)
    write_cloth(str(tmp_path / "other.abc"), list(range(1001, 1049)), 24.0, (30, 20))
    with open(path, "r+b") as fh:  # the exporter writes over its last output
        fh.write(open(tmp_path / "other.abc", "rb").read())
        fh.truncate()
    # What the race leaves: the old content's index kept under the new content's identity.
    stale = dataclasses.replace(old_index, identity=file_identity(path))
    kept = sample_index._cache_path(stale.identity)
    os.makedirs(os.path.dirname(kept), exist_ok=True)
    with open(kept, "wb") as fh:
        pickle.dump(stale, fh)

    cache = FrameCache(1 << 30, check_interval=0, mapped=mapped)
    with pytest.raises(SdfError, match="cloth.abc"):
        cache.get(path, "/cloth/clothShape", 1001, 24.0, layout="stored")
    frames = [cache.get(path, "/cloth/clothShape", f, 24.0, layout="stored") for f in range(1001, 1011)]
    assert {len(d.positions) for d in frames} == {30 * 20 + 31 + 20}  # the new content's (31 x 21 points)
    assert sample_index.index_file(path).objects.keys() == old_index.objects.keys()
    fresh = FrameCache(1 << 30, mapped=mapped)  # the index on disk was replaced: another player reads it at once
    assert len(fresh.get(path, "/cloth/clothShape", 1020, 24.0, layout="stored").positions) == 651


def test_shared_topology_is_handed_out_read_only(hero):
    """Every frame of a mesh shares its topology: no consumer may write into it (as with the samples)."""
    path, obj = hero
    cache = FrameCache(1 << 30)
    for layout in ("draw", "stored", "points"):
        a = cache.get(path, obj, 1001, 24.0, layout=layout)
        b = cache.get(path, obj, 1002, 24.0, layout=layout)
        assert a.topology is b.topology
        arrays = a.topology.arrays()
        assert arrays and all(not x.flags.writeable for x in arrays), layout
        with pytest.raises(ValueError, match="read-only"):
            arrays[0][...] = 0
    uncached = FrameCache(0).get(path, obj, 1001, 24.0)  # nothing stored: still the reader's shared topology
    assert all(not x.flags.writeable for x in uncached.topology.arrays())
