"""What the sdf shelf tools and menu items do in Houdini (also callable from hython scripts).

``open_shot(path, department)``, ``update()``, ``publish(message)`` and ``status()`` drive the
scene's session; the ``ui_*`` variants ask for their arguments with Houdini's dialogs and turn
an :class:`~sdf.errors.SdfError` into one message, never a traceback.
"""
from __future__ import annotations

import os
from typing import Any, Callable

import hou

from .. import feed
from ..session import Session, format_status
from .host import HoudiniHost
from sdf.errors import SdfError

_session: Session | None = None


def current() -> Session | None:
    """The session of the open scene, resumed from the scene's record when needed."""
    global _session
    if _session is None:
        _session = Session.resume(HoudiniHost(), cache=feed.frame_cache())
    return _session


def open_shot(path: str, department: str | None = None) -> Session:
    global _session
    _session = Session.open(HoudiniHost(), path, department or None, cache=feed.frame_cache())
    return _session


def _require() -> Session:
    s = current()
    if s is None:
        raise SdfError("no shot is open in this scene: use sdf > Open Shot as Department first")
    return s


def update() -> dict[str, Any]:
    s = _require()
    feed.forget(s.shot_file)
    return s.update()


def publish(message: str) -> list[str]:
    return [p.file for p in _require().publish(message)]


def status() -> list[str]:
    return format_status(_require().status())


def _guard(fn: Callable[[], None]) -> None:
    try:
        fn()
    except SdfError as exc:
        if hou.isUIAvailable():
            hou.ui.displayMessage(str(exc), severity=hou.severityType.Error, title="sdf")
        else:
            print(f"sdf: {exc}")


def ui_open() -> None:
    def run() -> None:
        path = hou.ui.selectFile(title="Open shot", pattern="*.sdf", chooser_mode=hou.fileChooserMode.Read)
        if not path:
            return
        button, dept = hou.ui.readInput("Department:", buttons=("Open", "Cancel"), close_choice=1,
                                        initial_contents=os.environ.get("SDF_DEPARTMENT", ""), title="sdf")
        if button == 0:
            s = open_shot(hou.text.expandString(path), dept)
            hou.ui.setStatusMessage(f"sdf: {s.settings.name} opened as {s.department}: {len(s.proxies)} proxies")
    _guard(run)


def ui_update() -> None:
    def run() -> None:
        result = update()
        hou.ui.setStatusMessage(f"sdf: updated {', '.join(result['rebuilt']) or 'nothing'}")
    _guard(run)


def ui_publish() -> None:
    def run() -> None:
        button, message = hou.ui.readInput("What changed?", buttons=("Publish", "Cancel"), close_choice=1,
                                           title="sdf")
        if button == 0:
            files = publish(message)
            hou.ui.setStatusMessage("sdf: published " + ", ".join(os.path.basename(f) for f in files))
    _guard(run)


def ui_status() -> None:
    def run() -> None:
        hou.ui.displayMessage("\n".join(status()), title="sdf status")
    _guard(run)
