"""The viewer window, for real, under Xvfb with Mesa's software OpenGL."""
import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module")
def session(demo_master):
    pytest.importorskip("PySide6")
    if shutil.which("xvfb-run") is None:
        pytest.fail("xvfb-run is missing: scripts/dev installs it (Debian package xvfb)")
    _, shot = demo_master
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", sys.executable,
                           os.path.join(HERE, "window_session.py"), shot],
                          capture_output=True, text=True, timeout=600)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
    assert line, f"window session failed:\n{proc.stdout}\n{proc.stderr}"
    # The viewer must also quit cleanly: GL objects and Qt text left to the garbage collector once the
    # application is gone have aborted the interpreter at exit.
    assert proc.returncode == 0, f"the window session did not exit cleanly ({proc.returncode}):\n{proc.stderr[-2000:]}"
    return json.loads(line[len("RESULT "):])


def test_window_draws_through_opengl(session):
    assert session["gl_error"] is None
    assert session["distinct_colours"] > 50


def test_second_pass_is_served_from_the_cache(session):
    first, second = session["passes"]
    assert first["frame"] == second["frame"] == 1048
    assert second["misses"] == 0 and second["hits"] > 0  # hit rate 100%
    assert second["fps"] > 0
    assert session["cached_frames"] == 48
    # After playing, the status says so: "stopped" rather than a stale "0.0 fps"; sizes in GB past 1 GB.
    import re

    assert "% hits" in session["stats_label"]
    assert re.search(r"^(stopped|\s*\d+\.\d fps) \(shot 24 fps\)", session["stats_label"]), session["stats_label"]
    assert "0.0 fps" not in session["stats_label"]


def test_outliner_shows_department_access(session):
    rows = dict(session["outliner"])
    assert rows["model tree"] == "read-only"
    assert rows["model tree/chars/hero/body"] == "editable"  # animation owns its cache
    assert rows["model tree/env/rock"] == "read-only"
    assert rows["cameras/shotCam"] == "read-only"
    assert rows["lights"] == "ignored" and rows["render layers"] == "ignored"


def test_controls_change_the_image(session):
    assert session["wireframe_changed"] > 0.01
    assert session["hidden_changed"] > 0.01
    assert session["free_changed"] > 0.01
    assert session["hidden"] == ["/cameras/witnessCam"] and 0 < session["camera_hidden_changed"] < 0.05
    assert session["budget_after"] == 2**20 and session["held_after"] <= 2**20


def test_paced_playback_follows_the_clock(session):
    assert 12 <= session["realtime_frames_per_second"] <= 30  # the shot's 24 fps, frames dropped if needed


def test_keys_timeline_and_ping_pong(session):
    keys = session["keys"]
    lo, hi = session["range"]
    assert (keys["right"], keys["left"], keys["end"], keys["home"]) == (1011, 1010, hi, lo)
    assert keys["space_plays"] and keys["space_pauses"]
    labels = session["timeline_labels"]
    assert labels and all(b > a for a, b in zip(labels, labels[1:]))
    assert abs(session["timeline_click_frame"] - (lo + hi) / 2) <= 2  # a click on the timeline sets the frame
    seen = session["pingpong_frames"]
    assert max(seen) == hi and seen[-1] < hi  # reached the end and came back
    assert any(b < a for a, b in zip(seen, seen[1:]))


def test_outliner_search_hover_and_selection(session):
    rows = session["search_rows"]
    assert rows and any(r.endswith("hero") or "hero" in r.split("/")[-1] for r in rows)
    assert all("hero" in r for r in rows if r.count("/") >= 2)  # only the matches (and the rows above them)
    assert session["picked"] == "/chars/hero/body"
    assert session["tooltip"] == "/chars/hero/body"
    assert session["selection_changed"] > 0.001 and session["outliner_selected"] == ["/chars/hero/body"]
    assert "shotCam" in session["hud"] and "frame 1001" in session["hud"]


def test_compare_versions_in_the_window(session):
    assert session["compare_error"] == ""
    changed = session["compare_changed"]
    assert all(v > 0.001 for v in changed.values()), changed  # wipe, side and ghost each show the old crate


def test_window_pixels_go_through_the_ocio_display_view(session):
    """A scene-linear value lands on the code value OCIO's own CPU processor gives (within 1/255);
    another view and another exposure change the pixels, each again as the CPU processor says."""
    colour = session["colour"]
    for name, entry in colour.items():
        assert max(abs(a - b) for a, b in zip(entry["pixel"], entry["cpu"])) <= 1, (name, entry)
    assert colour["default"]["view"] != colour["untonemapped"]["view"] == "Un-tone-mapped"
    assert colour["default"]["pixel"] != colour["untonemapped"]["pixel"]
    assert sum(colour["plus_one_stop"]["pixel"]) > sum(colour["untonemapped"]["pixel"])
    assert "Un-tone-mapped" in session["colour_views"]
