"""Run under Xvfb by test_window.py: drives the real viewer window and prints what it saw as JSON."""
import json
import sys
import time

import numpy as np

import sdf
from sdf.cache.frame_cache import FrameCache


def pixels(widget):
    img = widget.grabFramebuffer().convertToFormat(__import__("PySide6.QtGui", fromlist=["QImage"]).QImage.Format_RGBA8888)
    ptr = img.constBits()
    return np.frombuffer(ptr, np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine() // 4, 4)[
        :, :img.width()].copy()


def main(shot_path):
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from sdf.viewer.app import make_window_class, use_gl33

    use_gl33()
    app = QApplication([])

    # A private copy of the demo, where final layout has published the crate twice (for the compare).
    import os
    import shutil
    import tempfile

    from crate_versions import publish_crate_moves

    project = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(shot_path))))
    copy = os.path.join(tempfile.mkdtemp(prefix="sdf-window-"), "proj")
    shutil.copytree(project, copy)
    shot_path = os.path.join(copy, os.path.relpath(os.path.abspath(shot_path), project))
    publish_crate_moves(shot_path)
    shot = sdf.open(shot_path, department="animation")
    cache = FrameCache()
    window = make_window_class()(shot, cache, camera="shotCam")
    window.resize(900, 600)
    window.show()
    QTest.qWaitForWindowExposed(window)
    out = {"outliner": window.outliner_rows(), "gl_error": window.view.error}
    QTest.mouseClick(window.every_box, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.LeftButton)
    window.loop_box.setChecked(False)
    passes = []
    for _ in range(2):
        window.set_frame(window._play_frames()[0])
        QTest.qWait(300)  # let the prefetcher settle so the pass measures playback, not set-up
        before = cache.snapshot()
        QTest.mouseClick(window.play_button, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.LeftButton)
        t = time.time()
        while window.playing and time.time() - t < 120:
            QTest.qWait(5)
        after = cache.snapshot()
        passes.append({"hits": after.hits - before.hits, "misses": after.misses - before.misses,
                       "frame": window.frame, "fps": window.fps_measured})
    out["passes"] = passes
    window.update_stats()
    out["stats_label"] = window.stats_label.text()
    # Real-time playback: the frame follows the clock (24 fps), whatever the drawing costs.
    window.every_box.setChecked(False)
    window.loop_box.setChecked(True)
    window.set_frame(1001)
    window.play()
    t0 = time.time()
    QTest.qWait(1000)
    advanced = window.frame - 1001
    out["realtime_frames_per_second"] = advanced / (time.time() - t0)
    window.pause()
    out["cached_frames"] = len(window.cache_bar.cached())
    window.set_frame(1001)
    app.processEvents()
    shaded = pixels(window.view)
    window.wire_box.setChecked(True)
    app.processEvents()
    wire = pixels(window.view)
    window.wire_box.setChecked(False)
    out["distinct_colours"] = int(len(np.unique(shaded.reshape(-1, 4), axis=0)))
    out["wireframe_changed"] = float(np.mean(np.any(shaded != wire, axis=-1)))
    # Hide the hero from the outliner: the image changes.
    item = None
    root = window.outliner.invisibleRootItem()
    stack = [root.child(i) for i in range(root.childCount())]
    while stack:
        it = stack.pop()
        if it.data(0, 256) == "/chars/hero/body":
            item = it
        stack.extend(it.child(i) for i in range(it.childCount()))
    from PySide6.QtCore import Qt
    item.setCheckState(0, Qt.Unchecked)
    app.processEvents()
    out["hidden_changed"] = float(np.mean(np.any(pixels(window.view) != shaded, axis=-1)))
    item.setCheckState(0, Qt.Checked)
    window.camera_box.setCurrentText("free camera")
    app.processEvents()
    free = pixels(window.view)
    out["free_changed"] = float(np.mean(np.any(free != shaded, axis=-1)))
    # Hide the witness camera's gizmo from the outliner: only its lines disappear.
    window.orbit.zoom(-12)  # back off so the cameras around the set are in view
    window.view.update()
    app.processEvents()
    free = pixels(window.view)
    stack = [root.child(i) for i in range(root.childCount())]
    while stack:
        it = stack.pop()
        if it.data(0, 256) == "/cameras/witnessCam":
            it.setCheckState(0, Qt.Unchecked)
        stack.extend(it.child(i) for i in range(it.childCount()))
    app.processEvents()
    out["camera_hidden_changed"] = float(np.mean(np.any(pixels(window.view) != free, axis=-1)))
    out["hidden"] = sorted(window.hidden)
    # Keys: arrows step, Home and End jump to the range's ends, space plays and pauses.
    window.camera_box.setCurrentText("shotCam")
    window.set_frame(1010)
    keys = {}
    for name, key in (("right", Qt.Key_Right), ("left", Qt.Key_Left), ("end", Qt.Key_End), ("home", Qt.Key_Home)):
        QTest.keyClick(window, key)
        keys[name] = window.frame
    QTest.keyClick(window, Qt.Key_Space)
    keys["space_plays"] = window.playing
    QTest.keyClick(window, Qt.Key_Space)
    keys["space_pauses"] = not window.playing
    out["keys"] = keys
    out["range"] = list(window.range)
    out["timeline_labels"] = window.cache_bar.labels()
    window.cache_bar.mousePressEvent(type("E", (), {"position": lambda self: __import__("PySide6.QtCore", fromlist=["QPointF"]).QPointF(window.cache_bar.width() / 2, 3)})())
    out["timeline_click_frame"] = window.frame
    # Ping-pong: from near the end, every frame, the playhead comes back.
    window.every_box.setChecked(True)
    window.loop_box.setChecked(False)
    window.pingpong_box.setChecked(True)
    window.set_frame(window.range[1] - 2)
    seen = []
    window.play()
    t = time.time()
    while time.time() - t < 20 and (len(seen) < 8):
        QTest.qWait(5)
        if not seen or seen[-1] != window.frame:
            seen.append(window.frame)
    window.pause()
    out["pingpong_frames"] = seen
    window.pingpong_box.setChecked(False)
    window.every_box.setChecked(False)
    # Outliner search.
    window.search.setText("hero")
    app.processEvents()
    out["search_rows"] = window.visible_rows()
    window.search.setText("")
    # Hover and click: the element under the mouse is named and selected, in the view and the outliner.
    window.set_frame(1001)
    app.processEvents()
    from sdf.viewer.gizmos import fit_gate
    from sdf.viewer.view_camera import view_for

    hero = next(i for i in window.scene.items if i.node == "/chars/hero/body")
    d = cache.get(hero.file, hero.object, 1001, shot.fps, layout="stored")
    centre = np.r_[d.positions.mean(0), 1.0] @ (d.world @ hero.node_matrix)
    wv, hv = window.view.width(), window.view.height()
    vm, proj = view_for(window.scene, "shotCam", 1001, wv / hv)
    proj, _ = fit_gate(window.scene, "shotCam", proj)
    clip = proj @ vm @ centre
    ndc = clip[:3] / clip[3]
    x, y = (ndc[0] * 0.5 + 0.5) * wv, (1 - (ndc[1] * 0.5 + 0.5)) * hv
    out["picked"] = window.pick_at(x, y)
    window.hover(x, y)
    QTest.qWait(300)  # the name comes once the mouse rests
    out["tooltip"] = window.view.toolTip()
    before_sel = pixels(window.view)
    window.select(out["picked"])
    app.processEvents()
    out["selection_changed"] = float(np.mean(np.any(pixels(window.view) != before_sel, axis=-1)))
    out["outliner_selected"] = [i.data(0, 256) for i in window.outliner.selectedItems()]
    out["hud"] = window.hud.text()
    window.select(None)
    app.processEvents()
    plain = pixels(window.view)
    window.statusBar().clearMessage()
    window.set_compare("placement@1")
    app.processEvents()
    out["compare_error"] = window.statusBar().currentMessage()
    compared = {}
    for mode in ("wipe", "side", "ghost"):
        window.compare_box.setCurrentText(mode)
        app.processEvents()
        compared[mode] = float(np.mean(np.any(pixels(window.view) != plain, axis=-1)))
    out["compare_changed"] = compared
    window.set_compare("")
    # Colour: a known scene-linear value fills the view (everything hidden, no gate), read back from the
    # window's own framebuffer, against OCIO's CPU processor; then another view, then exposure.
    saved = (set(window.hidden), window.gate, window.view.renderer.background)
    window.hidden = {i.node for i in window.scene.items} | {c.path for c in window.scene.cameras} | \
        {lt.path for lt in window.scene.lights}
    window.gate = False
    known = (0.18, 0.09, 0.45)
    window.view.renderer.background = (*known, 1.0)
    colour = {}
    for name, action in (("default", lambda: None),
                         ("untonemapped", lambda: window.colour.view_box.setCurrentText("Un-tone-mapped")),
                         ("plus_one_stop", lambda: window.colour.exposure_box.setValue(1.0))):
        action()
        window.view.update()
        app.processEvents()
        img = pixels(window.view)
        scale = 2.0 if name == "plus_one_stop" else 1.0
        colour[name] = {"pixel": img[img.shape[0] // 2, img.shape[1] // 2, :3].tolist(),
                        "cpu": window.transform.encode_u8(np.array(known) * scale).tolist(),
                        "view": window.transform.view}
    out["colour"] = colour
    out["colour_views"] = [window.colour.view_box.itemText(i) for i in range(window.colour.view_box.count())]
    window.colour.exposure_box.setValue(0.0)
    window.hidden, window.gate, window.view.renderer.background = saved
    window.budget_box.setValue(1)
    out["budget_after"] = cache.budget
    out["held_after"] = cache.snapshot().bytes_held
    window.close()
    print("RESULT " + json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
