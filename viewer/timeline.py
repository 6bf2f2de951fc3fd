"""The window's timeline: play and step, loop, ping-pong, every frame, the in/out range, the frame
slider over the cache bar, the rate and cache line, and the cache budget.

It only shows and asks: what a button means (which frame comes next) is the viewer's player
(:class:`sdf.cache.player.Player`), reached through the window's methods. It imports Qt, so it is
imported only when a window opens (:mod:`sdf.viewer.window`).
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets


class Timeline(QtWidgets.QWidget):
    """The bottom of the window; ``viewer`` is the window whose player it drives."""

    def __init__(self, viewer, cache_bar: QtWidgets.QWidget):
        super().__init__()
        self.viewer = viewer
        grid = QtWidgets.QGridLayout(self)
        self.play_button = QtWidgets.QPushButton("play")
        self.play_button.clicked.connect(viewer.toggle_play)
        back, fwd = QtWidgets.QPushButton("<"), QtWidgets.QPushButton(">")
        back.clicked.connect(lambda: viewer.step(-1))
        fwd.clicked.connect(lambda: viewer.step(1))
        self.loop_box = QtWidgets.QCheckBox("loop")
        self.loop_box.setChecked(True)
        self.loop_box.toggled.connect(viewer.set_loop)
        self.pingpong_box = QtWidgets.QCheckBox("ping-pong")
        self.pingpong_box.setToolTip("At either end of the range, play back the other way")
        self.pingpong_box.toggled.connect(viewer.set_pingpong)
        self.every_box = QtWidgets.QCheckBox("every frame")
        self.every_box.setToolTip("Draw every frame as fast as possible instead of pacing to the shot's fps")
        self.every_box.toggled.connect(viewer.set_every_frame)
        frames = viewer.scene.frames
        self.start_box, self.end_box = QtWidgets.QSpinBox(), QtWidgets.QSpinBox()
        for b, value in ((self.start_box, frames[0]), (self.end_box, frames[-1])):
            b.setRange(frames[0], frames[-1])
            b.setValue(value)
            b.valueChanged.connect(self._range_changed)
        self.slider = QtWidgets.QSlider(QtCore.Qt.Horizontal)
        self.slider.setRange(frames[0], frames[-1])
        self.slider.valueChanged.connect(viewer.set_frame)
        self.cache_bar = cache_bar
        self.frame_label = QtWidgets.QLabel()
        self.stats_label = QtWidgets.QLabel()
        self.budget_box = QtWidgets.QSpinBox()
        self.budget_box.setRange(0, 1 << 20)
        self.budget_box.setSuffix(" MB")
        self.budget_box.setValue(int(viewer.cache.budget / 2**20))
        self.budget_box.valueChanged.connect(lambda mb: viewer.cache.set_budget(int(mb) * 2**20))
        row = QtWidgets.QHBoxLayout()
        for w in (self.play_button, back, fwd, self.loop_box, self.pingpong_box, self.every_box, self.start_box,
                  self.end_box, self.frame_label, QtWidgets.QLabel("cache budget"), self.budget_box):
            row.addWidget(w)
        grid.addLayout(row, 0, 0)
        grid.addWidget(self.slider, 1, 0)
        grid.addWidget(self.cache_bar, 2, 0)
        grid.addWidget(self.stats_label, 3, 0)

    def show_frame(self, frame: int) -> None:
        """The slider and label at ``frame`` (the slider quietly: it is not a request to move)."""
        if self.slider.value() != frame:
            self.slider.blockSignals(True)
            self.slider.setValue(frame)
            self.slider.blockSignals(False)
        self.frame_label.setText(f"frame {frame}")
        self.cache_bar.update()

    def show_playing(self, playing: bool) -> None:
        self.play_button.setText("pause" if playing else "play")

    def _range_changed(self):
        a, b = self.start_box.value(), self.end_box.value()
        if b < a:
            b = a
            self.end_box.setValue(b)
        self.viewer.player.set_range(a, b)
        self.slider.setRange(a, b)
