"""The playback reader: the same frames as the library-backed reader, shared samples, and no file can crash it."""
import glob
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from sdf.errors import AlembicError
from sdf.alembic.frames import AlembicReader, gather_draw
from sdf.alembic.playback_reader import PlaybackReader

CORPUS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "corpus", "abc_cortex")


def _files(root):
    return sorted(glob.glob(os.path.join(root, "assets", "*", "*.abc")))


def _same(a, b, what):
    assert (a is None) == (b is None), what
    if a is not None:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=what)


def _drawn(d):
    """Positions, normals and UVs at every triangle corner, as the GPU draws them."""
    from sdf.alembic.topology import draw_uvs

    p, n = gather_draw(d.positions, d.normals, d.topology)
    i = d.topology.indices
    uv = draw_uvs(d.topology)
    return p[i], None if n is None else n[i], None if uv is None else uv[i]


def _compare(path, frames, fps, interpolations=("nearest", "floor", "linear")):
    ref, new = AlembicReader(path), PlaybackReader(path)
    checked = 0
    for obj in ref.objects():
        if ref.object(obj).schema_name == "AbcGeom_Camera":
            continue
        assert new.is_animated(obj) == ref.is_animated(obj), obj
        assert new.num_samples(obj) == ref.num_samples(obj), obj
        _same(new.bounds(obj, frames[0], fps), ref.bounds(obj, frames[0], fps), f"{obj} bounds")
        for f in frames:
            for interp in interpolations:
                for layout in ("draw", "points", "stored"):
                    a = ref.read(obj, f, fps, interp, layout=layout)
                    b = new.read(obj, f, fps, interp, layout=layout)
                    what = f"{os.path.basename(path)}:{obj} frame {f} {interp} {layout}"
                    assert (a.kind, a.sample) == (b.kind, b.sample), what
                    np.testing.assert_allclose(b.world, a.world, rtol=0, atol=1e-12, err_msg=what)
                    _same(b.positions, a.positions, what + " positions")
                    _same(b.normals, a.normals, what + " normals")
                    _same(b.widths, a.widths, what + " widths")
                    _same(b.ids, a.ids, what + " ids")
                    _same(b.velocities, a.velocities, what + " velocities")
                    if layout == "stored" and a.topology is not None and a.topology.kind == "triangles":
                        # The playback reader's stored topology gives every split corner its own vertex
                        # (no sort); what is drawn, corner by corner of every triangle, must be the same.
                        for x, y in zip(_drawn(b), _drawn(a)):
                            _same(x, y, what + " drawn triangles")
                    elif a.topology is not None:
                        for name in ("indices", "uvs", "point_of_vertex", "normal_of_vertex", "face_counts"):
                            _same(getattr(b.topology, name), getattr(a.topology, name), f"{what} {name}")
                        for name in ("normals_scope", "normals_need", "curve"):
                            assert getattr(b.topology, name) == getattr(a.topology, name), f"{what} {name}"
                        assert b.topology.face_sets.keys() == a.topology.face_sets.keys(), what
                        for k in a.topology.face_sets:
                            _same(b.topology.face_sets[k], a.topology.face_sets[k], f"{what} face set {k}")
                    checked += 1
    return checked


def test_same_frames_as_the_library_reader_on_the_demo(demo_master):
    root, _ = demo_master
    for path in _files(root):
        # whole frames, a half frame (nearest breaks ties like the library), and frames outside the samples
        assert _compare(path, [1001, 1004.5, 1012, 990, 2000], 24.0)


@pytest.mark.parametrize("name", sorted(os.listdir(CORPUS)) if os.path.isdir(CORPUS) else [])
def test_same_frames_as_the_library_reader_on_the_corpus(name):
    if not name.endswith(".abc"):
        pytest.skip("not an archive")  # LICENSE and notes beside the archives
    path = os.path.join(CORPUS, name)
    ref = AlembicReader(path)
    times = [t for o in ref.objects() for r in [ref.time_range(o)] if r for t in r]
    lo, hi = (min(times), max(times)) if times else (0.0, 0.0)
    frames = sorted({lo * 24, hi * 24, (lo + hi) * 12, (lo + hi) * 12 + 0.25})
    assert _compare(path, frames, 24.0) >= 0


def test_equal_samples_are_one_array_and_views_of_the_file(demo_master):
    root, _ = demo_master
    path = os.path.join(root, "assets", "anim", "hero_anim.abc")
    r = PlaybackReader(path)
    assert r.mode == "mapped"
    frames = [r.read("/hero/body", f, 24.0, layout="stored") for f in range(1001, 1021)]
    digests = [d.shared[0][1] for d in frames]
    by_digest = {}
    for d, key in zip(frames, digests):
        by_digest.setdefault(key, d.positions)
        assert by_digest[key] is d.positions  # equal samples: the very same array
    assert len(by_digest) < len(frames)
    assert not frames[0].positions.flags.writeable and not frames[0].positions.flags.owndata
    copied = PlaybackReader(path, mapped=False)
    assert copied.mode == "copied"
    np.testing.assert_array_equal(copied.read("/hero/body", 1005, 24.0, layout="stored").positions,
                                  frames[4].positions)


_TRUNCATE = textwrap.dedent("""
    import os, subprocess, sys
    import numpy as np
    from sdf.errors import AlembicError
    from sdf.alembic.playback_reader import PlaybackReader
    path, mapped = sys.argv[1], sys.argv[2] == "mapped"
    r = PlaybackReader(path, mapped=mapped)
    assert r.mode == sys.argv[2], r.mode
    held = r.read("/hero/body", 1001, 24.0, layout="stored")
    before = held.positions.copy()
    # Another process truncates the file in place, as an overwriting writer does first.
    subprocess.run([sys.executable, "-c", f"open({path!r}, 'r+b').truncate(4096)"], check=True, timeout=60)
    np.testing.assert_array_equal(held.positions, before)   # held samples keep playing, no SIGBUS
    assert float(held.positions.sum()) == float(before.sum())
    try:
        r.read("/hero/body", 1019, 24.0, layout="stored")
    except AlembicError as exc:
        assert os.path.basename(path) in str(exc) and "changed on disk" in str(exc), exc
        print("ok")
    """)


@pytest.mark.parametrize("mode", ["mapped", "copied"])
def test_a_file_truncated_while_it_plays_is_an_error_not_a_signal(demo_master, tmp_path, mode):
    root, _ = demo_master
    path = tmp_path / "hero.abc"
    path.write_bytes(open(os.path.join(root, "assets", "anim", "hero_anim.abc"), "rb").read())
    res = subprocess.run([sys.executable, "-c", _TRUNCATE, str(path), mode], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "ok"


def test_a_sample_rewritten_in_place_is_an_error(demo_master, tmp_path):
    """Copying mode checks the digest in front of every block it reads: bytes changed behind the index
    (same size, same place) are refused, not drawn."""
    root, _ = demo_master
    path = tmp_path / "hero.abc"
    path.write_bytes(open(os.path.join(root, "assets", "anim", "hero_anim.abc"), "rb").read())
    r = PlaybackReader(str(path), mapped=False)
    o = r.object("/hero/body")
    digest = o.index.arrays["P"][7]
    offset, _ = r.store.blocks[digest]
    with open(path, "r+b") as fh:
        fh.seek(offset - 16)
        fh.write(b"\xff" * 16)
    with pytest.raises(AlembicError, match="changed on disk"):
        r.read("/hero/body", 1008, 24.0, layout="stored")


def test_sizes_that_do_not_match_are_errors(demo_master, tmp_path):
    root, _ = demo_master
    path = os.path.join(root, "assets", "anim", "hero_anim.abc")
    r = PlaybackReader(path)
    o = r.object("/hero/body")
    digest = o.index.arrays["P"][0]
    with pytest.raises(AlembicError, match="not a whole number"):
        r.store.array(digest, np.float32, 7)  # a block whose length does not fit the values asked for
    with pytest.raises(AlembicError, match="no data block"):
        r.store.array(b"\x01" * 16, np.float32, 3)
    # A positions sample whose point count does not match the mesh's topology (here: another array's block).
    o.index.arrays["P"] = [o.index.arrays["P"][0]] + [o.index.arrays["uv"][0]] * (len(o.times) - 1)
    r.read("/hero/body", 1001, 24.0, layout="draw")
    with pytest.raises(AlembicError, match="hero_anim.abc"):
        r.read("/hero/body", 1010, 24.0, layout="draw")


_MUTANTS = textwrap.dedent("""
    import json, os, sys
    from sdf.cache.frame_cache import FrameCache
    from sdf.errors import SdfError
    items = json.load(open(sys.argv[1]))
    cache = FrameCache(256 << 20)
    errors = ok = 0
    for path, obj, frames in items:
        for f in frames:
            for layout in ("stored", "draw", "points"):
                try:
                    cache.get(path, obj, f, 24.0, layout=layout)
                    ok += 1
                except SdfError as exc:
                    assert os.path.basename(path) in str(exc) and "\\n" not in str(exc), exc
                    errors += 1
    print(ok, errors)
    """)


def test_mutated_files_never_crash_the_playback_path(demo, tmp_path):
    """The fuzz mutants among which the Alembic library itself dies by a signal: read through the
    frame cache (index worker plus our own sample reads), one process survives them all."""
    import json

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
    from test_fuzz import _mutants

    proj, _ = demo
    items = _mutants(proj, tmp_path, 6, 100)
    frames = list(range(1001, 1121, 7))
    listing = tmp_path / "items.json"
    listing.write_text(json.dumps([[p, o, frames] for p, o in items]))
    res = subprocess.run([sys.executable, "-c", _MUTANTS, str(listing)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    ok, errors = map(int, res.stdout.split())
    assert ok and errors


def test_a_worker_that_dies_on_a_file_is_one_error_and_the_next_file_is_indexed(demo_master):
    """No fuzzed file made the library crash while indexing (the structure check runs first), so the
    worker's death is made real here: a first worker kills itself with SIGSEGV on its first request."""
    from sdf.alembic.sample_index import Indexer

    root, _ = demo_master
    a, b = _files(root)[:2]
    crashing = [sys.executable, "-c", "import os, signal, sys; sys.stdin.readline(); os.kill(os.getpid(), signal.SIGSEGV)"]
    indexer = Indexer(crashing)
    with pytest.raises(AlembicError) as info:
        indexer.index(a)
    assert os.path.basename(a) in str(info.value) and "SIGSEGV" in str(info.value) and "\n" not in str(info.value)
    indexer.command = [sys.executable, "-m", "sdf.alembic.sample_index"]
    assert indexer.index(b).objects  # a new worker serves the next file
    indexer.close()


_IDLE_MAIN_THREAD = textwrap.dedent("""
    import signal, subprocess, sys, time
    import numpy as np
    from sdf.alembic.ogawa import SampleStore
    from sdf.alembic.sample_index import build_index
    path = sys.argv[1]
    store = SampleStore(path)
    assert store.mode == "mapped"
    digest = build_index(path).objects["/hero/body"].arrays["P"][0]
    held = store.array(digest, np.float32, 3)
    before = held.copy()
    # As if the main thread were busy in C (a GUI loop) and never ran the SIGIO handler:
    signal.signal(signal.SIGIO, signal.SIG_IGN)
    t = time.monotonic()
    subprocess.run([sys.executable, "-c", "import sys; open(sys.argv[1], 'r+b').truncate(100)", path],
                   check=True, timeout=60)
    waited = time.monotonic() - t
    assert store.changed and waited < 5, waited   # the watcher thread gave the file up, not the kernel's timeout
    np.testing.assert_array_equal(held, before)
    print("ok")
    """)


def test_a_lease_break_is_noticed_without_the_signal_handler(demo_master, tmp_path):
    root, _ = demo_master
    path = tmp_path / "hero.abc"
    path.write_bytes(open(os.path.join(root, "assets", "anim", "hero_anim.abc"), "rb").read())
    res = subprocess.run([sys.executable, "-c", _IDLE_MAIN_THREAD, str(path)], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "ok"


def test_a_real_file_that_crashes_the_library_in_the_index_worker(tmp_path):
    """A cloth cache whose transform operation code is out of range: alembic3d dies by SIGSEGV reading
    the transform, which the index worker does; the player gets one error naming the file."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "converters"))
    from test_convert_isolation import make_crashing_archive

    from sdf.cache.frame_cache import FrameCache

    path = str(tmp_path / "broken.abc")
    make_crashing_archive(path)
    cache = FrameCache(64 << 20)
    with pytest.raises(AlembicError) as info:
        cache.get(path, "/cloth/clothShape", 1001, 24.0, layout="stored")
    assert os.path.basename(path) in str(info.value) and "SIG" in str(info.value) and "\n" not in str(info.value)


def test_the_index_cache_keeps_the_most_recently_used_indexes(demo_master, tmp_path, monkeypatch):
    import glob as globmod

    from sdf.alembic.sample_index import index_file

    root, _ = demo_master
    monkeypatch.setenv("SDF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SDF_INDEX_CACHE_ENTRIES", "3")
    files = _files(root)[:5]
    for f in files:
        index_file(f)
    kept = globmod.glob(str(tmp_path / "cache" / "index-*" / "*" / "*.pickle"))
    assert len(kept) == 3
    again = index_file(files[-1])  # served from the disk cache, identical
    assert again.objects.keys() == index_file(files[-1]).objects.keys()
