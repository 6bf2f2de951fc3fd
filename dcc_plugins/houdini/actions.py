"""What the sdf shelf tools and menu items do in Houdini (also callable from hython scripts).

``open_shot(path, department)``, ``update()``, ``publish(message)`` and ``status()`` drive the
scene's session; the ``ui_*`` variants ask for their arguments with Houdini's dialogs and turn
an :class:`~sdf.errors.SdfError` into one message, never a traceback.
"""
from __future__ import annotations

import os
from typing import Any, Callable

import hou

from ..actions import SceneActions
from ..session import Session
from .host import HoudiniHost
from sdf.errors import SdfError

#: The scene's session and what the shelf and menu do with it (shared with Maya: sdf.dcc_plugins.actions).
ACTIONS = SceneActions(HoudiniHost, "sdf")


def current() -> Session | None:
    return ACTIONS.current()


def open_shot(path: str, department: str | None = None) -> Session:
    return ACTIONS.open_shot(path, department)


def update() -> dict[str, Any]:
    return ACTIONS.update()


def publish(message: str) -> list[str]:
    return ACTIONS.publish(message)


def status() -> list[str]:
    return ACTIONS.status()


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
