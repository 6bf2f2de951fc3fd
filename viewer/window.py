"""The playback viewer window (PySide6 + moderngl): the parts put together, and what they share.

Layout: the 3D view in the middle (:mod:`sdf.viewer.widgets`); on the left how it looks and what it
is compared with (:mod:`sdf.viewer.controls`), the outliner (:mod:`sdf.viewer.outliner`) and the
colour controls; along the bottom the timeline (:mod:`sdf.viewer.timeline`). Each part only shows
and asks; the window holds the state they share (frame, hidden and selected elements, camera,
comparison) and the one player (:class:`sdf.cache.player.Player`, the one ``sdf play`` uses) that
decides which frame comes next: in real time at the shot's fps, skipping frames when drawing cannot
keep up, or every frame as fast as possible. The prefetcher reads ahead of the playhead in the
direction of play.

This module imports Qt: :mod:`sdf.viewer.app` imports it only when a window opens, so importing
the viewer does not need Qt.
"""
from __future__ import annotations

import os

import numpy as np
from PySide6 import QtCore, QtWidgets

from sdf.cache.player import Player
from sdf.cache.prefetch import Prefetcher
from sdf.alembic.frame_data import PLAYER_LAYOUT
from sdf.errors import SdfError

from .colour import Transform
from .controls import CompareControls, ViewControls
from .outliner import Outliner
from .view_camera import scene_bounds, view_for
from .scene import build_scene
from .timeline import Timeline
from .view_camera import OrbitCamera
from .widgets import CacheBar, ColourControls, GLView


def _mb(n: float) -> str:
    """Bytes for a status line: MB below a gigabyte, GB above (never "2 of 6026 MB")."""
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


class ViewerWindow(QtWidgets.QMainWindow):
    def __init__(self, shot, cache, camera: str | None = None, frame: int | None = None,
                 shading: str = "department", transform=None):
        super().__init__()
        self.shot, self.cache = shot, cache
        self.transform = transform or Transform.open(os.path.dirname(os.path.abspath(shot.file)))
        self.exposure, self.gamma = 0.0, 1.0  # stops before the view transform; gamma after it
        self.scene = build_scene(shot, cache, shading=shading)
        self.gate, self.grid = True, True  # film gate through a shot camera; a ground grid in the free one
        names = [c.name for c in self.scene.cameras]
        if camera and camera not in names:
            raise SdfError(f"no camera '{camera}' (cameras: {', '.join(names) or 'none in this view'})",
                           shot.file, "cameras")
        self.camera_name = camera
        frames = self.scene.frames
        # Which frame comes next (loop, ping-pong, pacing) is the player's decision, as in `sdf play`.
        self.player = Player(frames, shot.fps)
        self.player.seek(frame if frame is not None else frames[0])
        self.hidden: set[str] = set()
        self.selected: set[str] = set()
        self.loop, self.pingpong = True, False  # the two check boxes; the player's mode follows them
        self.compare_scene = None   # the shot with one part at another published version (see compare)
        self.compare_mode = "wipe"
        self.wireframe = False
        self.orbit = OrbitCamera(np.zeros(3))
        self.orbit.frame(*scene_bounds(self.scene, cache, self.frame))
        self.prefetcher = Prefetcher(cache, layout=PLAYER_LAYOUT)
        self.setWindowTitle(f"sdf view - {shot.name}" + (f" [{shot.department}]" if shot.department else ""))
        self._build()
        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(self.tick)
        self.stats_timer = QtCore.QTimer(self)
        self.stats_timer.timeout.connect(self.update_stats)
        self.stats_timer.start(250)
        self.set_frame(self.frame)

    # -- the parts -------------------------------------------------------------------------------
    def _build(self):
        self.view = GLView(self)
        self.controls = ViewControls(self)
        self.compare = CompareControls(self)
        self.outliner = Outliner(self.shot, self.scene)
        self.outliner.visibility_changed.connect(self._visibility_changed)
        self.outliner.selection_changed.connect(self._outliner_selected)
        self.statusBar().showMessage("")  # made now, so naming a hovered element never resizes the view
        self.search = QtWidgets.QLineEdit()
        self.search.setPlaceholderText("search elements")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.filter_outliner)
        self.colour = ColourControls(self)
        left = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(left)
        for w in (self.controls, self.compare, self.search, self.outliner, self.colour):
            lay.addWidget(w)
        if self.scene.missing:
            missing = QtWidgets.QLabel("missing:\n" + "\n".join(self.scene.missing))
            missing.setWordWrap(True)
            missing.setStyleSheet("color: #e07050")
            lay.addWidget(missing)
        # The HUD: shot, camera, lens, frame and rate, over the top of the view.
        self.hud = QtWidgets.QLabel(self.view)
        self.hud.setStyleSheet("color: #e8e8e8; background: rgba(0, 0, 0, 90); padding: 2px 6px;"
                               "font-family: monospace;")
        self.hud.move(8, 8)
        split = QtWidgets.QSplitter()
        split.addWidget(left)
        split.addWidget(self.view)
        split.setStretchFactor(1, 3)
        self.timeline = Timeline(self, CacheBar(self))
        central = QtWidgets.QWidget()
        v = QtWidgets.QVBoxLayout(central)
        v.addWidget(split, 1)
        v.addWidget(self.timeline)
        self.setCentralWidget(central)
        self.resize(1280, 800)
        # The controls by name, as scripts and tests reach them.
        for part, names in ((self.controls, ("camera_box", "wire_box", "shading_box", "gate_box", "grid_box")),
                            (self.timeline, ("play_button", "loop_box", "pingpong_box", "every_box", "start_box",
                                             "end_box", "slider", "cache_bar", "frame_label", "stats_label",
                                             "budget_box"))):
            for name in names:
                setattr(self, name, getattr(part, name))
        self.compare_edit, self.compare_box = self.compare.edit, self.compare.mode_box

    # -- what is drawn, and how --------------------------------------------------------------------
    def set_camera(self, text):
        self.camera_name = None if text == "free camera" else text
        self.view.update()

    def set_wireframe(self, on):
        self.wireframe = bool(on)
        self.view.update()

    def set_shading(self, text):
        self.scene.shading = text
        self.view.update()

    def set_overlay(self, name, on):
        """Show or hide the film gate (``"gate"``) or the ground grid (``"grid"``)."""
        setattr(self, name, bool(on))
        self.view.update()

    def frame_all(self):
        self.camera_box.setCurrentText("free camera")
        self.orbit.frame(*scene_bounds(self.scene, self.cache, self.frame))
        self.view.update()

    def set_compare(self, spec: str):
        """Compare with ``KIND@VERSION`` (empty: stop comparing); a bad spec is named in the status bar."""
        from .compare import parse

        spec = spec.strip()
        if not spec:
            self.compare_scene = None
        else:
            try:
                kind, version = parse(spec)
                self.compare_scene = build_scene(self.shot.pinned(kind, version), self.cache,
                                                 shading=self.scene.shading, layer=self.scene.layer)
            except SdfError as exc:
                self.compare_scene = None
                self.statusBar().showMessage(f"compare: {exc}", 8000)
        self.view.update()

    def set_compare_mode(self, mode: str):
        self.compare_mode = mode
        self.view.update()

    # -- elements: shown, found, picked, selected ---------------------------------------------------
    def outliner_rows(self) -> list[tuple[str, str]]:
        return self.outliner.rows()

    def visible_rows(self) -> list[str]:
        return [label for label, _ in self.outliner.rows(shown_only=True)]

    def filter_outliner(self, text):
        self.outliner.filter(text)

    def _visibility_changed(self, path: str, visible: bool):
        (self.hidden.discard if visible else self.hidden.add)(path)
        self.view.update()

    def _outliner_selected(self, paths: set[str]):
        self.selected = paths
        self.view.update()

    def select(self, path: str | None):
        """Select an element (None: nothing): highlighted in the view and the outliner."""
        self.selected = {path} if path else set()
        self.outliner.select_path(path)
        self.view.update()

    def pick_at(self, x: float, y: float) -> str | None:
        """The element drawn at widget pixel (x, y): the id matte of the current view, rendered aside."""
        view = self.view
        if view.renderer is None:
            return None
        view.makeCurrent()
        ratio = view.devicePixelRatio()
        w, h = max(int(view.width() * ratio), 1), max(int(view.height() * ratio), 1)
        r = view.renderer
        saved = (r.aov, r.background, r.highlight)
        try:
            r.aov, r.background, r.highlight = 3, (0.0, 0.0, 0.0, 0.0), set()
            vm, proj = view_for(self.scene, self.camera_name, self.frame, w / h, self.orbit)
            ids = r.draw_to_array(self.scene, self.cache, self.frame, vm, proj, (w, h), hidden=self.hidden,
                                  look_through=self.camera_name, floats=True)
            px = ids[min(int(y * ratio), h - 1), min(int(x * ratio), w - 1)]
        finally:
            r.aov, r.background, r.highlight = saved
            view.doneCurrent()
        ident = int(round(float(px[0])))
        return next((i.node for i in self.scene.items if i.id == ident), None) if ident else None

    def hover(self, x: float, y: float):
        """Name the element under the mouse once it rests (a pick draws the frame aside: not at every move)."""
        self._hover_at = (x, y)
        if not hasattr(self, "_hover_timer"):
            self._hover_timer = QtCore.QTimer(self)
            self._hover_timer.setSingleShot(True)
            self._hover_timer.timeout.connect(lambda: self.hover_now(*self._hover_at))
        self._hover_timer.start(120)

    def hover_now(self, x: float, y: float):
        name = self.pick_at(x, y)
        self.view.setToolTip(name or "")
        self.hovered = name
        self.statusBar().showMessage(name or "", 2000)

    # -- playing: the player decides, the window shows -----------------------------------------------
    @property
    def frame(self) -> int:
        return self.player.frame

    @property
    def range(self) -> list[int]:
        return [self.player.in_frame, self.player.out_frame]

    @property
    def playing(self) -> bool:
        return self.player.playing

    @property
    def direction(self) -> int:
        return self.player.direction

    @property
    def every_frame(self) -> bool:
        return self.player.every_frame

    @property
    def fps_measured(self) -> float:
        return self.player.fps_measured

    def set_loop(self, on):
        self.loop = bool(on)
        self._sync_mode()

    def set_pingpong(self, on):
        self.pingpong = bool(on)
        self._sync_mode()

    def _sync_mode(self):
        self.player.set_mode("pingpong" if self.pingpong else "loop" if self.loop else "once")

    def set_every_frame(self, on):
        self.player.set_every_frame(on)
        if self.playing:
            self.timer.start(int(1000 * self.player.interval))

    def set_frame(self, frame):
        """Go to ``frame`` (the slider, the timeline, keys): playing goes on from there."""
        self.player.seek(int(frame))
        self._show()

    def step(self, n):
        self.player.step(n)
        self._show()

    def toggle_play(self):
        self.pause() if self.playing else self.play()

    def play(self):
        self.player.play()
        self.timeline.show_playing(True)
        self.timer.start(int(1000 * self.player.interval))

    def pause(self):
        self.player.pause()
        self.timeline.show_playing(False)
        self.timer.stop()

    def tick(self):
        new = self.player.tick()
        if not self.player.playing:
            self.pause()  # once, past the out frame
            return
        if new is None:
            return  # real time: the next frame is not due yet
        self._show()
        self.view.repaint()  # draw now: playback time is drawing time

    def _show(self):
        """Show the player's frame: timeline, HUD, read-ahead and the view."""
        self.timeline.show_frame(self.frame)
        self.hud.setText(self.hud_text())
        self.hud.adjustSize()
        self.prefetcher.follow(self._pairs(), self.frame, self.direction, self._play_frames(),
                               self.shot.fps, loop=self.loop)
        self.view.update()

    def _pairs(self):
        return [(i.file, i.object) for i in self.scene.items if i.animated]

    def _play_frames(self):
        return self.player.range

    def keyPressEvent(self, e):
        """The usual playback keys: space plays and pauses, arrows step, Home and End jump to the range's ends."""
        key = e.key()
        if key == QtCore.Qt.Key_Space:
            self.toggle_play()
        elif key in (QtCore.Qt.Key_Left, QtCore.Qt.Key_Right):
            self.pause()
            self.step(-1 if key == QtCore.Qt.Key_Left else 1)
        elif key in (QtCore.Qt.Key_Home, QtCore.Qt.Key_End):
            self.pause()
            self.set_frame(self.range[0] if key == QtCore.Qt.Key_Home else self.range[1])
        else:
            super().keyPressEvent(e)

    # -- what it says ------------------------------------------------------------------------------
    def hud_text(self) -> str:
        """What the HUD shows: shot, camera and lens, frame of the range, the rate played at."""
        cam = next((c for c in self.scene.cameras if c.name == self.camera_name), None)
        lens = f"  {cam.name} {cam.focal_length:g} mm" if cam is not None else "  free camera"
        rate = f"{self.fps_measured:4.1f}" if self.playing else "--"
        return (f"{self.shot.name}{lens}  frame {self.frame} [{self.range[0]}-{self.range[1]}]"
                f"  {rate}/{self.shot.fps:g} fps")

    def update_stats(self):
        s = self.cache.snapshot()
        rate = f"{self.fps_measured:5.1f} fps" if self.playing else "stopped"
        problems = (self.view.renderer.problems if self.view.renderer is not None else []) + self.cache.problems
        self.stats_label.setText(f"{rate} (shot {self.shot.fps:g} fps)   cache: "
                                 f"{100 * s.hit_rate:.0f}% hits, {_mb(s.bytes_held)} of "
                                 f"{_mb(s.budget)}, {s.entries} frames"
                                 + (f"   not playing: {problems[-1]}" if problems else ""))
        self.cache_bar.update()

    def closeEvent(self, event):
        self.timer.stop()
        self.prefetcher.close()
        self.view.release()
        super().closeEvent(event)
