"""Opening the playback viewer window: the display check, the OpenGL context it asks for, the event loop.

The window itself is :class:`sdf.viewer.window.ViewerWindow` (its parts in :mod:`sdf.viewer.widgets`,
:mod:`sdf.viewer.controls`, :mod:`sdf.viewer.outliner` and :mod:`sdf.viewer.timeline`). Those modules
import Qt; this one imports them only when a window is made, so importing the viewer (for snapshots
and playblasts without a display) does not need Qt.
"""
from __future__ import annotations

from sdf.errors import SdfError


def make_window_class():
    """The window class (imports Qt)."""
    from .window import ViewerWindow

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
    from PySide6 import QtWidgets

    use_gl33()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    window = make_window_class()(shot, cache, camera, frame, shading, transform)
    window.show()
    app.processEvents()
    if window.view.error:
        raise SdfError(window.view.error)
    return app.exec()
