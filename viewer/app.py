"""The playback viewer window (PySide6 + moderngl).

Layout: the 3D view in the middle; on the left an outliner of the model tree, cameras,
lights and render layers, each row saying whether this department may edit it, sees it
read-only, or ignores it (with visibility check boxes for geometry); along the bottom the
timeline: play/pause, step, loop, "every frame", frame range, the frame slider with a bar
showing which frames are cached, the measured frames per second, cache hit rate and memory,
and the cache budget.

Playback runs in real time at the shot's fps: the frame shown follows the clock, and frames
are skipped when drawing cannot keep up. With "every frame", each frame is drawn, as fast as
possible. Which frame comes next is decided by :class:`sdf.cache.player.Player` (the one
``sdf play`` uses); the window shows it. The prefetcher reads ahead of the playhead in the
direction of play.
"""
from __future__ import annotations

import os

import numpy as np

from sdf.errors import SdfError

from sdf.cache.player import Player
from sdf.cache.prefetch import Prefetcher

from .render import scene_bounds, view_for
from .scene import build_scene
from .view_camera import OrbitCamera

ACCESS = {"edit": "editable", "read": "read-only", "ignore": "ignored"}


def _mb(n: float) -> str:
    """Bytes for a status line: MB below a gigabyte, GB above (never "2 of 6026 MB")."""
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


def _qt():
    from PySide6 import QtCore, QtGui, QtWidgets
    return QtCore, QtGui, QtWidgets


def make_window_class():
    QtCore, QtGui, QtWidgets = _qt()
    from .widgets import make_widget_classes

    GLView, CacheBar, ColourControls = make_widget_classes()

    class ViewerWindow(QtWidgets.QMainWindow):
        def __init__(self, shot, cache, camera: str | None = None, frame: int | None = None,
                     shading: str = "department", transform=None):
            super().__init__()
            self.shot, self.cache = shot, cache
            from .colour import Transform

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
            self.prefetcher = Prefetcher(cache)
            self.setWindowTitle(f"sdf view - {shot.name}" + (f" [{shot.department}]" if shot.department else ""))
            self._build()
            self.timer = QtCore.QTimer(self)
            self.timer.timeout.connect(self.tick)
            self.stats_timer = QtCore.QTimer(self)
            self.stats_timer.timeout.connect(self.update_stats)
            self.stats_timer.start(250)
            self.set_frame(self.frame)

        # -- widgets ---------------------------------------------------------------------------
        def _build(self):
            self.view = GLView(self)
            self.outliner = QtWidgets.QTreeWidget()
            self.outliner.setHeaderLabels(["element", "access"])
            self.outliner.itemChanged.connect(self._visibility_changed)
            self._fill_outliner()
            # Names readable at a glance: the element column fits its names, the access column is narrow.
            self.outliner.expandAll()
            self.outliner.resizeColumnToContents(0)
            self.outliner.setMinimumWidth(min(420, self.outliner.columnWidth(0) + 110))
            left = QtWidgets.QWidget()
            lay = QtWidgets.QVBoxLayout(left)
            self.camera_box = QtWidgets.QComboBox()
            self.camera_box.addItem("free camera")
            for c in self.scene.cameras:
                self.camera_box.addItem(c.name)
            if self.camera_name:
                self.camera_box.setCurrentText(self.camera_name)
            self.camera_box.currentTextChanged.connect(self.set_camera)
            self.wire_box = QtWidgets.QCheckBox("wireframe")
            self.wire_box.toggled.connect(self.set_wireframe)
            self.shading_box = QtWidgets.QComboBox()  # department colours, materials, or the shot's lights
            self.shading_box.addItems(["department", "materials", "lights"])
            self.shading_box.setCurrentText(self.scene.shading)
            self.shading_box.currentTextChanged.connect(self.set_shading)
            self.gate_box = QtWidgets.QCheckBox("film gate and safe areas")
            self.gate_box.setChecked(self.gate)
            self.gate_box.toggled.connect(lambda on: self._set("gate", on))
            self.grid_box = QtWidgets.QCheckBox("ground grid")
            self.grid_box.setChecked(self.grid)
            self.grid_box.toggled.connect(lambda on: self._set("grid", on))
            frame_all = QtWidgets.QPushButton("frame all")
            frame_all.clicked.connect(self.frame_all)
            self.compare_edit = QtWidgets.QLineEdit()
            self.compare_edit.setPlaceholderText("compare with KIND@VERSION, e.g. animation@2")
            self.compare_edit.returnPressed.connect(lambda: self.set_compare(self.compare_edit.text()))
            self.compare_box = QtWidgets.QComboBox()
            self.compare_box.addItems(["wipe", "side", "ghost"])
            self.compare_box.currentTextChanged.connect(lambda m: self._set_compare_mode(m))
            self.statusBar().showMessage("")  # made now, so naming a hovered element never resizes the view
            self.search = QtWidgets.QLineEdit()
            self.search.setPlaceholderText("search elements")
            self.search.setClearButtonEnabled(True)
            self.search.textChanged.connect(self.filter_outliner)
            self.outliner.itemSelectionChanged.connect(self._outliner_selected)
            self.outliner.setSelectionMode(QtWidgets.QAbstractItemView.ExtendedSelection)
            for w in (self.camera_box, self.shading_box, self.wire_box, self.gate_box, self.grid_box, frame_all,
                      self.compare_edit, self.compare_box, self.search, self.outliner):
                lay.addWidget(w)
            self.colour = ColourControls(self)
            lay.addWidget(self.colour)
            # The HUD: shot, camera, lens, frame and rate, over the top of the view.
            self.hud = QtWidgets.QLabel(self.view)
            self.hud.setStyleSheet("color: #e8e8e8; background: rgba(0, 0, 0, 90); padding: 2px 6px;"
                                   "font-family: monospace;")
            self.hud.move(8, 8)
            if self.scene.missing:
                missing = QtWidgets.QLabel("missing:\n" + "\n".join(self.scene.missing))
                missing.setWordWrap(True)
                missing.setStyleSheet("color: #e07050")
                lay.addWidget(missing)
            split = QtWidgets.QSplitter()
            split.addWidget(left)
            split.addWidget(self.view)
            split.setStretchFactor(1, 3)
            # timeline
            bottom = QtWidgets.QWidget()
            tl = QtWidgets.QGridLayout(bottom)
            self.play_button = QtWidgets.QPushButton("play")
            self.play_button.clicked.connect(self.toggle_play)
            back, fwd = QtWidgets.QPushButton("<"), QtWidgets.QPushButton(">")
            back.clicked.connect(lambda: self.step(-1))
            fwd.clicked.connect(lambda: self.step(1))
            self.loop_box = QtWidgets.QCheckBox("loop")
            self.loop_box.setChecked(True)
            self.loop_box.toggled.connect(self.set_loop)
            self.pingpong_box = QtWidgets.QCheckBox("ping-pong")
            self.pingpong_box.setToolTip("At either end of the range, play back the other way")
            self.pingpong_box.toggled.connect(self.set_pingpong)
            self.every_box = QtWidgets.QCheckBox("every frame")
            self.every_box.setToolTip("Draw every frame as fast as possible instead of pacing to the shot's fps")
            self.every_box.toggled.connect(self.set_every_frame)
            frames = self.scene.frames
            self.start_box, self.end_box = QtWidgets.QSpinBox(), QtWidgets.QSpinBox()
            for b, value in ((self.start_box, frames[0]), (self.end_box, frames[-1])):
                b.setRange(frames[0], frames[-1])
                b.setValue(value)
                b.valueChanged.connect(self._range_changed)
            self.slider = QtWidgets.QSlider(QtCore.Qt.Horizontal)
            self.slider.setRange(frames[0], frames[-1])
            self.slider.valueChanged.connect(self.set_frame)
            self.cache_bar = CacheBar(self)
            self.frame_label = QtWidgets.QLabel()
            self.stats_label = QtWidgets.QLabel()
            self.budget_box = QtWidgets.QSpinBox()
            self.budget_box.setRange(0, 1 << 20)
            self.budget_box.setSuffix(" MB")
            self.budget_box.setValue(int(self.cache.budget / 2**20))
            self.budget_box.valueChanged.connect(lambda mb: self.cache.set_budget(int(mb) * 2**20))
            row = QtWidgets.QHBoxLayout()
            for w in (self.play_button, back, fwd, self.loop_box, self.pingpong_box, self.every_box, self.start_box,
                      self.end_box,
                      self.frame_label, QtWidgets.QLabel("cache budget"), self.budget_box):
                row.addWidget(w)
            tl.addLayout(row, 0, 0)
            tl.addWidget(self.slider, 1, 0)
            tl.addWidget(self.cache_bar, 2, 0)
            tl.addWidget(self.stats_label, 3, 0)
            central = QtWidgets.QWidget()
            v = QtWidgets.QVBoxLayout(central)
            v.addWidget(split, 1)
            v.addWidget(bottom)
            self.setCentralWidget(central)
            self.resize(1280, 800)

        def _fill_outliner(self):
            shot = self.shot
            self.outliner.blockSignals(True)
            self.outliner.clear()
            drawn = {i.node for i in self.scene.items} | {c.path for c in self.scene.cameras} | \
                {l.path for l in self.scene.lights}

            def add(parent, label, access, node_path=None):
                item = QtWidgets.QTreeWidgetItem(parent, [label, ACCESS[access]])
                if node_path in drawn:
                    item.setFlags(item.flags() | QtCore.Qt.ItemIsUserCheckable)
                    item.setCheckState(0, QtCore.Qt.Checked)
                    item.setData(0, QtCore.Qt.UserRole, node_path)
                return item

            for kind, label in (("model_tree", "model tree"), ("cameras", "cameras"), ("lights", "lights"),
                                ("render_layers", "render layers")):
                if kind not in shot.parts:
                    continue
                access = shot.access(kind)
                top = add(self.outliner, label, access)
                if access == "ignore":
                    continue
                if kind == "model_tree":
                    def walk(parent_item, node):
                        geo_kind = "animation" if node.animation is not None and \
                            shot.access("animation") != "ignore" else "model_tree"
                        it = add(parent_item, node.name, shot.access(geo_kind) if node.is_leaf else access,
                                 node.path)
                        for c in node.children:
                            walk(it, c)
                    for n in shot.model_tree.children:
                        walk(top, n)
                elif kind == "cameras":
                    for c in shot.cameras:
                        add(top, c.name, access, c.path)
                elif kind == "lights":
                    for n in shot.lights.walk():
                        add(top, n.path.replace("/lights/", ""), access, n.path)
                else:
                    for layer in shot.render_layers:
                        add(top, layer.name, access)
            self.outliner.expandToDepth(1)
            self.outliner.blockSignals(False)

        def outliner_rows(self) -> list[tuple[str, str]]:
            rows = []

            def walk(item, prefix):
                for i in range(item.childCount()):
                    c = item.child(i)
                    rows.append((prefix + c.text(0), c.text(1)))
                    walk(c, prefix + c.text(0) + "/")
            walk(self.outliner.invisibleRootItem(), "")
            return rows

        def _visibility_changed(self, item, column):
            path = item.data(0, QtCore.Qt.UserRole)
            if path:
                if item.checkState(0) == QtCore.Qt.Checked:
                    self.hidden.discard(path)
                else:
                    self.hidden.add(path)
                self.view.update()

        # -- state -------------------------------------------------------------------------------
        def set_camera(self, text):
            self.camera_name = None if text == "free camera" else text
            self.view.update()

        def set_wireframe(self, on):
            self.wireframe = bool(on)
            self.view.update()

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

        def _set_compare_mode(self, mode: str):
            self.compare_mode = mode
            self.view.update()

        # -- playing: the player decides, the window shows --------------------------------------
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

        def filter_outliner(self, text):
            """Show the rows whose name contains ``text`` (any case), with the rows above them."""
            needle = text.strip().lower()

            def visit(item) -> bool:
                shown = False
                for i in range(item.childCount()):
                    shown |= visit(item.child(i))
                own = not needle or needle in item.text(0).lower()
                if item is not self.outliner.invisibleRootItem():
                    item.setHidden(not (own or shown))
                    if needle and shown:
                        item.setExpanded(True)
                return own or shown
            visit(self.outliner.invisibleRootItem())

        def visible_rows(self) -> list[str]:
            rows = []

            def walk(item, prefix):
                for i in range(item.childCount()):
                    c = item.child(i)
                    if not c.isHidden():
                        rows.append(prefix + c.text(0))
                        walk(c, prefix + c.text(0) + "/")
            walk(self.outliner.invisibleRootItem(), "")
            return rows

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

        def select(self, path: str | None):
            """Select an element (None: nothing): highlighted in the view and the outliner."""
            self.selected = {path} if path else set()
            self.outliner.blockSignals(True)
            self.outliner.clearSelection()
            root = self.outliner.invisibleRootItem()
            stack = [root.child(i) for i in range(root.childCount())]
            while stack:
                it = stack.pop()
                if path and it.data(0, QtCore.Qt.UserRole) == path:
                    it.setSelected(True)
                    self.outliner.scrollToItem(it)
                stack.extend(it.child(i) for i in range(it.childCount()))
            self.outliner.blockSignals(False)
            self.view.update()

        def _outliner_selected(self):
            self.selected = {p for p in (i.data(0, QtCore.Qt.UserRole) for i in self.outliner.selectedItems()) if p}
            self.view.update()

        def set_shading(self, text):
            self.scene.shading = text
            self.view.update()

        def _set(self, name, on):
            setattr(self, name, bool(on))
            self.view.update()

        def hud_text(self) -> str:
            """What the HUD shows: shot, camera and lens, frame of the range, the rate played at."""
            cam = next((c for c in self.scene.cameras if c.name == self.camera_name), None)
            lens = f"  {cam.name} {cam.focal_length:g} mm" if cam is not None else "  free camera"
            rate = f"{self.fps_measured:4.1f}" if self.playing else "--"
            return (f"{self.shot.name}{lens}  frame {self.frame} [{self.range[0]}-{self.range[1]}]"
                    f"  {rate}/{self.shot.fps:g} fps")

        def set_every_frame(self, on):
            self.player.set_every_frame(on)
            if self.playing:
                self.timer.start(int(1000 * self.player.interval))

        def frame_all(self):
            self.camera_box.setCurrentText("free camera")
            self.orbit.frame(*scene_bounds(self.scene, self.cache, self.frame))
            self.view.update()

        def _range_changed(self):
            a, b = self.start_box.value(), self.end_box.value()
            if b < a:
                b = a
                self.end_box.setValue(b)
            self.player.set_range(a, b)
            self.slider.setRange(a, b)

        def set_frame(self, frame):
            """Go to ``frame`` (the slider, the timeline, keys): playing goes on from there."""
            self.player.seek(int(frame))
            self._show()

        def _show(self):
            """Show the player's frame: slider, labels, read-ahead and the view."""
            if self.slider.value() != self.frame:
                self.slider.blockSignals(True)
                self.slider.setValue(self.frame)
                self.slider.blockSignals(False)
            self.frame_label.setText(f"frame {self.frame}")
            self.hud.setText(self.hud_text())
            self.hud.adjustSize()
            self.prefetcher.follow(self._pairs(), self.frame, self.direction, self._play_frames(),
                                   self.shot.fps, loop=self.loop)
            self.view.update()
            self.cache_bar.update()

        def _pairs(self):
            return [(i.file, i.object) for i in self.scene.items if i.animated]

        def _play_frames(self):
            return self.player.range

        def step(self, n):
            self.player.step(n)
            self._show()

        def toggle_play(self):
            self.pause() if self.playing else self.play()

        def play(self):
            self.player.play()
            self.play_button.setText("pause")
            self.timer.start(int(1000 * self.player.interval))

        def pause(self):
            self.player.pause()
            self.play_button.setText("play")
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

    return ViewerWindow


def has_display() -> bool:
    import os
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or platform not in ("", "xcb", "wayland")


def use_gl33() -> None:
    """Ask Qt for the OpenGL 3.3 core context the renderer needs (before the application is made)."""
    from PySide6.QtGui import QSurfaceFormat

    fmt = QSurfaceFormat()
    fmt.setVersion(3, 3)
    fmt.setProfile(QSurfaceFormat.CoreProfile)
    fmt.setDepthBufferSize(24)
    QSurfaceFormat.setDefaultFormat(fmt)


def run_window(shot, cache, camera=None, frame=None, shading: str = "materials", transform=None) -> int:
    if not has_display():
        raise SdfError("no display available (DISPLAY is not set); render without a window with "
                       "'sdf view SHOT --snapshot out.png --frame N' or '--playblast DIR --frames A-B'")
    QtCore, QtGui, QtWidgets = _qt()
    use_gl33()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    window = make_window_class()(shot, cache, camera, frame, shading, transform)
    window.show()
    app.processEvents()
    if window.view.error:
        raise SdfError(window.view.error)
    return app.exec()
