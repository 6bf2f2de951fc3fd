"""The viewer's widgets: the OpenGL view, the timeline's cache bar and the colour controls.

``GLView`` draws the scene through the renderer (or, comparing versions, the two pictures put
together) and turns mouse drags into orbit and pan, a click into a selection and a resting
mouse into the element's name; ``CacheBar`` is the timeline under the frame slider;
``ColourControls`` chooses the OpenColorIO display and view and sets exposure and gamma.

The scene is drawn scene-linear and multisampled, then shown through the viewer's colour
transform on the GPU (:class:`sdf.viewer.display.DisplayPass`).

This module imports Qt: it is imported only when a window opens (:mod:`sdf.viewer.window`).
"""
from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtOpenGLWidgets import QOpenGLWidget

from .display import DisplayPass, window_samples
from .programs import release_framebuffer
from .render import Renderer
from .view_camera import view_for


class GLView(QOpenGLWidget):
    def __init__(self, viewer):
        super().__init__()
        self.viewer = viewer
        self.ctx = None
        self.renderer = None
        self.last_timing = None
        self.error = None
        self._drag = None
        self.setMinimumSize(320, 200)
        self.setMouseTracking(True)

    def initializeGL(self):
        import moderngl
        try:
            self.ctx = moderngl.create_context(require=330)
            self.renderer = Renderer(self.ctx)
        except Exception as exc:
            self.error = f"cannot create an OpenGL 3.3 context: {exc}"
            return
        try:
            self.renderer.display = self.display = DisplayPass(self.ctx, self.viewer.transform,
                                                                window_samples(self.ctx))
        except Exception as exc:  # the driver refused OCIO's shader: say so instead of a black view
            self.error = f"cannot compile the OpenColorIO display shader ({self.viewer.transform.label}): {exc}"
            self.renderer.release()
            self.renderer = None

    def paintGL(self):
        if self.renderer is None:
            return
        v = self.viewer
        fbo = self.ctx.detect_framebuffer(self.defaultFramebufferObject())
        ratio = self.devicePixelRatio()
        w, h = max(int(self.width() * ratio), 1), max(int(self.height() * ratio), 1)
        self.ctx.viewport = (0, 0, w, h)
        view, proj = view_for(v.scene, v.camera_name, v.frame, w / h, v.orbit)
        self.renderer.wireframe = v.wireframe
        self.renderer.gate, self.renderer.grid = v.gate, v.grid
        self.renderer.highlight = v.selected
        if self.display.transform is not v.transform:
            self.display.set_transform(v.transform)
        self.display.exposure, self.display.gamma = v.exposure, v.gamma
        if v.compare_scene is not None:
            self._paint_compare(fbo, w, h)
            return
        self.last_timing = self.renderer.render(v.scene, v.cache, v.frame, view, proj,
                                                self.display.framebuffer((w, h)), hidden=v.hidden,
                                                look_through=v.camera_name)
        self.display.present(fbo, (0, 0, w, h))

    def release(self):
        """GL objects given back while the context is current (the window calls this as it closes)."""
        if self.renderer is None:
            return
        self.makeCurrent()
        self.display.release()
        self.renderer.release()
        self.renderer = None
        self.doneCurrent()

    def _paint_compare(self, fbo, w, h):
        """Both versions drawn aside, put together (sdf.viewer.compare) and copied onto the view."""
        from .compare import draw_compare

        v = self.viewer
        picture = draw_compare(self.renderer, v.scene, v.compare_scene, v.cache, v.frame, v.camera_name, v.orbit,
                               (w, h), v.compare_mode, v.hidden)
        tex = self.ctx.texture((picture.shape[1], picture.shape[0]), 4,
                               np.ascontiguousarray(picture[::-1]).tobytes())
        src = self.ctx.framebuffer(color_attachments=[tex])
        try:
            self.ctx.copy_framebuffer(fbo, src)
        finally:
            release_framebuffer(src)

    def mousePressEvent(self, e):
        self._drag = (e.position().x(), e.position().y(), e.modifiers())
        self._press = (e.position().x(), e.position().y())

    def mouseMoveEvent(self, e):
        if self._drag is None:
            self.viewer.hover(e.position().x(), e.position().y())  # names the element under the mouse
            return
        if self.viewer.camera_name:
            return
        x, y, mods = self._drag
        dx, dy = e.position().x() - x, e.position().y() - y
        if mods & QtCore.Qt.ShiftModifier:
            self.viewer.orbit.pan(dx, dy)
        else:
            self.viewer.orbit.orbit(dx, dy)
        self._drag = (e.position().x(), e.position().y(), mods)
        self.update()

    def mouseReleaseEvent(self, e):
        self._drag = None
        px, py = getattr(self, "_press", (None, None))
        if px is not None and abs(e.position().x() - px) + abs(e.position().y() - py) < 3:
            self.viewer.select(self.viewer.pick_at(px, py))  # a click, not a drag: select

    def wheelEvent(self, e):
        if not self.viewer.camera_name:
            self.viewer.orbit.zoom(e.angleDelta().y() / 120.0)
            self.update()


class CacheBar(QtWidgets.QWidget):
    """The timeline: frame numbers, the in/out range, cached frames filled in (like Maya's cached
    playback bar) with a legend, and the current frame; a click or drag sets the frame."""

    BAR = 8

    def __init__(self, viewer):
        super().__init__()
        self.viewer = viewer
        self.setFixedHeight(self.BAR + 18)

    def cached(self) -> set[float]:
        v = self.viewer
        frames = None
        for item in v.scene.items:
            if not item.animated:
                continue
            held = v.cache.cached_frames(item.file, item.object)
            frames = held if frames is None else frames & held
        return frames or set()

    def _scale(self):
        """The frame numbers and the legend, drawn once per width and range, not at every paint (text
        drawn at every repaint during playback also trips a reference-count bug in PySide6 6.12's
        text drawing, which aborts the interpreter at exit)."""
        frames = self.viewer.scene.frames
        key = (self.width(), frames[0], frames[-1])
        if getattr(self, "_scale_key", None) == key:
            return self._scale_pixmap
        pix = QtGui.QPixmap(max(self.width(), 1), self.height() - self.BAR)
        pix.fill(QtGui.QColor(40, 40, 44))
        p = QtGui.QPainter(pix)
        p.setPen(QtGui.QColor(170, 170, 175))
        font = p.font()
        font.setPointSize(7)
        p.setFont(font)
        w = self.width() / len(frames)
        fm = p.fontMetrics()
        words = ("cached", "current", "in/out")
        legend_x = self.width() - sum(fm.horizontalAdvance(wd) + 22 for wd in words)
        for f in self.labels():
            x = (f - frames[0]) * w
            if x + fm.horizontalAdvance(str(f)) + 10 > legend_x:
                break  # the legend has the bar's right end
            p.drawLine(QtCore.QPointF(x, 0), QtCore.QPointF(x, 3))
            p.drawText(QtCore.QPointF(x + 2, 13), str(f))
        x = legend_x
        for colour, word in zip(((60, 170, 90), (240, 200, 60), (75, 78, 88)), words):
            p.fillRect(QtCore.QRectF(x, 6, 8, 8), QtGui.QColor(*colour))
            p.drawText(QtCore.QPointF(x + 11, 14), word)
            x += fm.horizontalAdvance(word) + 22
        p.end()
        self._scale_key, self._scale_pixmap = key, pix
        return pix

    def labels(self) -> list[int]:
        """The frame numbers written under the bar: every 1, 2, 5, 10... frames, so they never crowd."""
        frames = self.viewer.scene.frames
        if not frames:
            return []
        px = self.width() / len(frames)
        step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000, 10 ** 9) if s * px >= 36)
        return [f for f in frames if f % step == 0]

    def frame_at(self, x: float) -> int:
        frames = self.viewer.scene.frames
        i = int(x / max(self.width(), 1) * len(frames))
        return frames[max(0, min(i, len(frames) - 1))]

    def mousePressEvent(self, e):
        self.viewer.set_frame(self.frame_at(e.position().x()))

    def mouseMoveEvent(self, e):
        self.viewer.set_frame(self.frame_at(e.position().x()))

    def paintEvent(self, event):
        p = QtGui.QPainter(self)
        frames = self.viewer.scene.frames
        p.fillRect(self.rect(), QtGui.QColor(40, 40, 44))
        if not frames:
            p.end()
            return
        w = self.width() / len(frames)
        bar = QtCore.QRectF(0, 0, self.width(), self.BAR)
        p.fillRect(bar, QtGui.QColor(55, 55, 60))
        lo, hi = self.viewer.range
        p.fillRect(QtCore.QRectF((lo - frames[0]) * w, 0, (hi - lo + 1) * w, self.BAR), QtGui.QColor(75, 78, 88))
        held = self.cached()
        for i, f in enumerate(frames):
            if float(f) in held:
                p.fillRect(QtCore.QRectF(i * w, 2, max(w, 1), self.BAR - 4), QtGui.QColor(60, 170, 90))
        i = frames.index(self.viewer.frame) if self.viewer.frame in frames else 0
        p.fillRect(QtCore.QRectF(i * w, 0, max(w, 2), self.BAR), QtGui.QColor(240, 200, 60))
        p.drawPixmap(0, self.BAR, self._scale())
        p.end()


class ColourControls(QtWidgets.QGroupBox):
    """Display and view (OCIO), exposure in stops and gamma: what the window's pixels go through."""

    def __init__(self, viewer):
        super().__init__("colour")
        self.viewer = viewer
        t = viewer.transform
        form = QtWidgets.QFormLayout(self)
        self.display_box = QtWidgets.QComboBox()
        self.display_box.addItems(t.displays())
        self.display_box.setCurrentText(t.display)
        self.view_box = QtWidgets.QComboBox()
        self.view_box.addItems(t.views(t.display))
        self.view_box.setCurrentText(t.view)
        self.exposure_box = QtWidgets.QDoubleSpinBox()
        self.exposure_box.setRange(-10.0, 10.0)
        self.exposure_box.setSingleStep(0.5)
        self.exposure_box.setSuffix(" stops")
        self.gamma_box = QtWidgets.QDoubleSpinBox()
        self.gamma_box.setRange(0.1, 4.0)
        self.gamma_box.setSingleStep(0.1)
        self.gamma_box.setValue(1.0)
        self.display_box.currentTextChanged.connect(self._display_changed)
        self.view_box.currentTextChanged.connect(self._view_changed)
        self.exposure_box.valueChanged.connect(lambda x: self._set("exposure", x))
        self.gamma_box.valueChanged.connect(lambda x: self._set("gamma", x))
        for label, w in (("display", self.display_box), ("view", self.view_box),
                         ("exposure", self.exposure_box), ("gamma", self.gamma_box)):
            form.addRow(label, w)
        self.setToolTip(f"OpenColorIO config: {t.source}")

    def _display_changed(self, display):
        if not display:
            return
        t = self.viewer.transform
        views = t.views(display)
        view = t.view if t.view in views else t.config.getDefaultView(display)
        self.view_box.blockSignals(True)
        self.view_box.clear()
        self.view_box.addItems(views)
        self.view_box.setCurrentText(view)
        self.view_box.blockSignals(False)
        self.set_view(display, view)

    def _view_changed(self, view):
        if view:
            self.set_view(self.display_box.currentText(), view)

    def set_view(self, display, view):
        """Show the picture through another display/view of the same config."""
        self.viewer.transform = self.viewer.transform.with_view(display, view)
        self.viewer.view.update()

    def _set(self, name, value):
        setattr(self.viewer, name, float(value))
        self.viewer.view.update()
