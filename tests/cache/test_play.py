"""`sdf play` and `sdf cache stats` on the demo shot."""
import json
import os
import shutil

import pytest


def test_play_two_passes_second_from_cache(run, demo):
    _, shot = demo
    result = run("play", shot, "--passes", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    p1, p2 = data["passes"]
    assert p1["frames"] == p2["frames"] == 48
    assert p2["hit_rate"] == 1.0 and p2["misses"] == 0
    assert p1["bytes_uploaded"] == p2["bytes_uploaded"] > 0
    assert {o["node"] for o in data["objects"]} == {"/chars/hero/body", "/env/grass", "/env/crystal",
                                                    "/props/ball", "/props/crate", "/fx/flag", "/fx/sparks"}
    assert data["cache"]["evictions"] == 0
    text = run("play", shot, "--frames", "1001-1010").stdout
    assert "pass 1:" in text and "pass 2:" in text and "hit rate 100.0%" in text


def test_play_with_a_small_budget_evicts_and_says_so(run, demo):
    _, shot = demo
    result = run("play", shot, "--cache-mb", "0.5", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["cache"]["evictions"] > 0 and data["cache"]["bytes_held"] <= 0.5 * 2**20
    assert data["passes"][1]["hit_rate"] < 1.0
    text = run("play", shot, "--cache-mb", "0.5")
    assert "evicted" in text.stderr


def test_play_with_zero_budget_still_plays(run, demo):
    _, shot = demo
    data = json.loads(run("play", shot, "--cache-mb", "0", "--frames", "1001-1005", "--json").stdout)
    assert [p["hit_rate"] for p in data["passes"]] == [0.0, 0.0]
    assert data["cache"]["bytes_held"] == 0


def test_play_respects_departments(run, demo):
    _, shot = demo
    data = json.loads(run("play", shot, "--department", "lighting", "--frames", "1001-1003", "--json").stdout)
    assert len(data["objects"]) == 7
    result = run("play", shot, "--department", "layout")
    assert result.exit_code == 2 and "ignores model_tree" in result.stderr


@pytest.mark.parametrize("spec, message", [("900-1010", "outside the shot's range 1001-1048"),
                                           ("1010-1001", "end is before start"), ("abc", "expects A-B")])
def test_play_bad_frames(run, demo, spec, message):
    result = run("play", demo[1], "--frames", spec)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output


def test_play_with_a_truncated_cache_is_refused_as_validate_refuses_it(run, demo):
    """`sdf play` makes validate's checks first (sdf.pipeline.validate.open_checked): one line, exit 2. The playback
    library itself still reports a bad file and plays the rest (a file can go bad while a window plays)."""
    import sdf
    from sdf.cache.frame_cache import FrameCache
    from sdf.cache.playback import playable_items

    root, shot = demo
    path = os.path.join(root, "assets", "anim", "hero_anim.abc")
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])
    result = run("play", shot, "--frames", "1001-1004", "--json")
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0] == [l for l in run("validate", shot).stderr.splitlines()][0]
    assert "animation.json: opinions/chars/hero/body/animation" in lines[0] and "truncated" in lines[0]
    items, problems = playable_items(sdf.open(shot), FrameCache())
    assert any(p.startswith("/chars/hero/body:") and "truncated" in p for p in problems)
    assert "/chars/hero/body" not in {i.node for i in items} and items


def test_a_file_replaced_while_playing_is_reread(demo):
    import sdf
    from sdf.cache.frame_cache import FrameCache
    from sdf.cache.playback import play, playable_items

    root, shot_path = demo
    shot = sdf.open(shot_path)
    cache = FrameCache(1 << 30, check_interval=0)
    items, _ = playable_items(shot, cache)
    frames = list(range(1001, 1006))
    seen = []

    def draw(frame, data):
        seen.append(sum(len(d.positions) for d in data))
        if frame == 1003 and len(seen) == 3:  # mid-pass, a new cloth cache is published over the old one
            src = os.path.join(root, "assets", "anim", "cloth_anim.abc")
            shutil.copy(src, src + ".tmp")
            os.utime(src + ".tmp", (1, 1))
            os.replace(src + ".tmp", src)

    results = play(shot, cache, frames, passes=2, prefetch=False, items=items, draw=draw)
    assert cache.snapshot().invalidations > 0
    assert results[1].misses > 0  # the replaced file's frames were read again
    assert len(set(seen)) >= 1


def test_cache_stats_command(run, demo):
    _, shot = demo
    data = json.loads(run("cache", "stats", shot, "--frames", "1001-1010", "--json").stdout)
    assert data["cache"]["entries"] == 70 and data["cache"]["misses"] == 70
    assert data["cache"]["topology_bytes"] > 0
    assert all(o["frames_cached"] == 10 for o in data["objects"])
    assert "hits/misses" in run("cache", "stats", shot, "--frames", "1001-1002").stdout


def test_cache_stats_reports_the_last_plays_cache(run, demo, tmp_path, monkeypatch):
    monkeypatch.setenv("SDF_CACHE_DIR", str(tmp_path / "user-cache"))
    _, shot = demo
    before = json.loads(run("cache", "stats", shot, "--frames", "1001-1004", "--json").stdout)
    assert before["source"] == "fresh pass" and before["cache"]["hits"] == 0
    played = json.loads(run("play", shot, "-d", "animation", "--passes", "2", "--json").stdout)
    assert played["cache"]["hits"] > 0
    after = json.loads(run("cache", "stats", shot, "--json").stdout)
    assert after["source"] == "last play" and after["department"] == "animation"
    assert after["cache"] == played["cache"] and after["frames"] == [1001, 1048]
    assert [p["hit_rate"] for p in after["passes"]] == [p["hit_rate"] for p in played["passes"]]
    assert {o["node"]: o["frames_cached"] for o in after["objects"]} == {o["node"]: 48 for o in played["objects"]}
    text = run("cache", "stats", shot).stdout
    assert text.startswith("last play     sdf play at ") and "as animation, frames 1001-1048, 2 passes" in text
    assert f"hits/misses   {played['cache']['hits']}/{played['cache']['misses']}" in text
    # Another view, or asked for: a fresh pass, which says so.
    other = run("cache", "stats", shot, "-d", "lighting", "--frames", "1001-1002").stdout
    assert other.startswith("fresh pass") and "--frames or --cache-mb given" in other
    assert json.loads(run("cache", "stats", shot, "-d", "lighting", "--json").stdout)["source"] == "fresh pass"
    assert json.loads(run("cache", "stats", shot, "--fresh", "--json").stdout)["source"] == "fresh pass"


def test_play_without_a_writable_cache_directory_still_plays(run, demo, tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("SDF_CACHE_DIR", str(blocked / "sdf"))
    _, shot = demo
    assert run("play", shot, "--frames", "1001-1002").exit_code == 0
    assert json.loads(run("cache", "stats", shot, "--json").stdout)["source"] == "fresh pass"


def test_play_real_time_is_paced_by_the_player_and_counts_dropped_frames(run, demo):
    """--real-time plays as the viewer does (sdf.cache.player.Player): at the shot's 24 fps, never faster,
    each frame either shown or counted as dropped, and the last frame always shown."""
    _, shot = demo
    result = run("play", shot, "--real-time", "--frames", "1001-1013", "--passes", "2", "--json")
    assert result.exit_code == 0, result.output
    for p in json.loads(result.stdout)["passes"]:
        assert p["frames"] + p["dropped"] == 13 and p["frames"] >= 2
        assert p["seconds"] >= 12 / 24 - 0.01  # twelve frame steps at 24 fps: half a second at least
        assert p["fps"] <= 24 * 13 / 12 + 0.1
    text = run("play", shot, "--real-time", "--frames", "1001-1005", "--passes", "1").stdout
    assert "dropped" in text
    plain = json.loads(run("play", shot, "--frames", "1001-1005", "--json").stdout)
    assert [p["dropped"] for p in plain["passes"]] == [0, 0]
