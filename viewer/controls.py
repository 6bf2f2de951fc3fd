"""The window's side controls: how the view looks (camera, shading, wireframe, film gate, grid, frame
all) and what it is compared with (``KIND@VERSION``, wipe, side by side or ghost).

They only ask: each control calls the window's method of the same meaning. They import Qt, so they
are imported only when a window opens (:mod:`sdf.viewer.window`).
"""
from __future__ import annotations

from PySide6 import QtWidgets


class ViewControls(QtWidgets.QWidget):
    """Camera (free or one of the shot's), shading, wireframe, film gate and safe areas, ground grid."""

    def __init__(self, viewer):
        super().__init__()
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.camera_box = QtWidgets.QComboBox()
        self.camera_box.addItem("free camera")
        for c in viewer.scene.cameras:
            self.camera_box.addItem(c.name)
        if viewer.camera_name:
            self.camera_box.setCurrentText(viewer.camera_name)
        self.camera_box.currentTextChanged.connect(viewer.set_camera)
        self.wire_box = QtWidgets.QCheckBox("wireframe")
        self.wire_box.toggled.connect(viewer.set_wireframe)
        self.shading_box = QtWidgets.QComboBox()  # department colours, materials, or the shot's lights
        self.shading_box.addItems(["department", "materials", "lights"])
        self.shading_box.setCurrentText(viewer.scene.shading)
        self.shading_box.currentTextChanged.connect(viewer.set_shading)
        self.gate_box = QtWidgets.QCheckBox("film gate and safe areas")
        self.gate_box.setChecked(viewer.gate)
        self.gate_box.toggled.connect(lambda on: viewer.set_overlay("gate", on))
        self.grid_box = QtWidgets.QCheckBox("ground grid")
        self.grid_box.setChecked(viewer.grid)
        self.grid_box.toggled.connect(lambda on: viewer.set_overlay("grid", on))
        frame_all = QtWidgets.QPushButton("frame all")
        frame_all.clicked.connect(viewer.frame_all)
        for w in (self.camera_box, self.shading_box, self.wire_box, self.gate_box, self.grid_box, frame_all):
            lay.addWidget(w)


class CompareControls(QtWidgets.QWidget):
    """Another published version of one part to compare with, and how the two are put together."""

    def __init__(self, viewer):
        super().__init__()
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QtWidgets.QLineEdit()
        self.edit.setPlaceholderText("compare with KIND@VERSION, e.g. animation@2")
        self.edit.returnPressed.connect(lambda: viewer.set_compare(self.edit.text()))
        self.mode_box = QtWidgets.QComboBox()
        self.mode_box.addItems(["wipe", "side", "ghost"])
        self.mode_box.currentTextChanged.connect(viewer.set_compare_mode)
        lay.addWidget(self.edit)
        lay.addWidget(self.mode_box)
