"""The per-user cache's one entry rule: where an entry lives, whole-or-nothing writes, pruning, and
that validators, checked markers, sample indexes and play records all are entries of it."""
import glob
import os
import stat
import subprocess
import sys

import pytest

from sdf.runtime import user_cache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("SDF_CACHE_DIR", str(root))
    return root


def test_an_entry_is_namespaced_versioned_and_fanned_out(cache):
    key = user_cache.key_of("/shots/sh010/anim.abc")
    path = user_cache.entry("index", key, ".pickle", code="abc123")
    assert path == str(cache / "index-abc123" / key[:2] / (key + ".pickle"))
    assert user_cache.load(path) is None  # not there yet
    assert user_cache.store(path, b"payload") and user_cache.load(path) == b"payload"
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert not glob.glob(str(cache / "**" / "*.tmp"), recursive=True)


def test_code_key_changes_with_the_code(tmp_path):
    code = tmp_path / "module.py"
    code.write_text("x = 1\n")
    first = user_cache.code_key(str(code), extra="1.0")
    assert first == user_cache.code_key(str(code), extra="1.0") and len(first) == 16
    assert first != user_cache.code_key(str(code), extra="1.1")
    code.write_text("x = 2\n")
    assert first != user_cache.code_key(str(code), extra="1.0")


def test_no_safe_directory_means_no_entry_and_no_error(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # others could plant entries: not used
    monkeypatch.setenv("SDF_CACHE_DIR", str(shared))
    assert user_cache.entry("checked", "ab" * 32) is None
    assert user_cache.store(None, b"x") is False and user_cache.load(None) is None


def test_a_store_that_cannot_write_loses_only_the_entry(cache):
    """(A file in the way of its folder: permissions would not bind the root user CI runs as.)"""
    path = user_cache.entry("plays", "ef" * 16, ".json")
    os.makedirs(os.path.dirname(os.path.dirname(path)))
    open(os.path.dirname(path), "w").close()  # a file where the entry's folder would be
    assert user_cache.store(path, b"{}") is False and not os.path.exists(path)


def test_prune_keeps_the_most_recently_used(cache):
    paths = []
    for i in range(6):
        p = user_cache.entry("index", user_cache.key_of(str(i)), ".pickle", code="k")
        user_cache.store(p, b"x")
        os.utime(p, (1000 + i, 1000 + i))
        paths.append(p)
    os.utime(paths[0], (5000, 5000))  # read recently: kept
    user_cache.prune(str(cache / "index-k"), 3)
    assert [os.path.exists(p) for p in paths] == [True, False, False, False, True, True]


def test_every_cache_of_the_toolkit_is_an_entry(cache, demo):
    """Opening, checking and playing a shot leaves only entries of the one rule in the cache."""
    import sdf
    from sdf.cache import play_record
    from sdf.cache.frame_cache import FrameCache
    from sdf.cache.playback import playable_items

    _, path = demo
    # In a fresh process: this one may have checked the demo's documents already (kept in memory).
    res = subprocess.run([sys.executable, "-m", "sdf.cli", "validate", path], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    items, _ = playable_items(sdf.open(path), FrameCache())
    assert items
    play_record.save(path, None, [1001, 1002], [], {}, [], 0)
    names = sorted({p.name.split("-")[0] for p in cache.iterdir()})
    assert set(names) <= {"checked", "index", "plays", "validators"} and {"checked", "index", "plays"} <= set(names)
    for folder in cache.iterdir():
        for sub in folder.iterdir():
            assert sub.is_dir() and len(sub.name) == 2, sub
            assert all(f.name.startswith(sub.name) for f in sub.iterdir()), sub
