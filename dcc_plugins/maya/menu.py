"""The ``sdf`` menu in Maya's main window, and the actions behind it (also callable from scripts).

``open_shot(path, department)``, ``update()``, ``publish(message)`` and ``status()`` drive the
scene's session; the menu asks for their arguments with Maya's own dialogs. Errors a user can
act on (:class:`~sdf.errors.SdfError`) become one line in Maya's script editor and a dialog,
never a traceback.
"""
from __future__ import annotations

import os
from typing import Any, Callable

import maya.api.OpenMaya as om
import maya.cmds as cmds

from ..actions import SceneActions
from ..session import Session
from .host import MayaHost
from sdf.errors import SdfError

MENU = "sdfMenu"
#: The scene's session and what the menu does with it (shared with Houdini: sdf.dcc_plugins.actions).
ACTIONS = SceneActions(MayaHost, "sdf")


def current() -> Session | None:
    return ACTIONS.current()


def forget(*_args: Any) -> None:
    ACTIONS.forget()


def open_shot(path: str, department: str | None = None) -> Session:
    cmds.loadPlugin("sdfMaya", quiet=True)
    return ACTIONS.open_shot(path, department)


def update() -> dict[str, Any]:
    return ACTIONS.update()


def publish(message: str) -> list[str]:
    return ACTIONS.publish(message)


def status() -> list[str]:
    return ACTIONS.status()


def _guard(fn: Callable[[], None]) -> Callable[..., None]:
    def run(*_args: Any) -> None:
        try:
            fn()
        except SdfError as exc:
            om.MGlobal.displayError(f"sdf: {exc}")
            cmds.confirmDialog(title="sdf", message=str(exc), button=["OK"])
    return run


def _ui_open() -> None:
    found = cmds.fileDialog2(fileFilter="Shots (*.sdf)", dialogStyle=2, fileMode=1, caption="Open shot")
    if not found:
        return
    answer = cmds.promptDialog(title="sdf", message="Department:", text=os.environ.get("SDF_DEPARTMENT", ""),
                               button=["Open", "Cancel"], defaultButton="Open", cancelButton="Cancel")
    if answer != "Open":
        return
    s = open_shot(found[0], str(cmds.promptDialog(query=True, text=True)))
    om.MGlobal.displayInfo(f"sdf: {s.settings.name} opened as {s.department}: {len(s.proxies)} proxies")


def _ui_update() -> None:
    result = update()
    om.MGlobal.displayInfo(f"sdf: updated {', '.join(result['rebuilt']) or 'nothing'}")


def _ui_publish() -> None:
    answer = cmds.promptDialog(title="sdf", message="What changed?", button=["Publish", "Cancel"],
                               defaultButton="Publish", cancelButton="Cancel")
    if answer == "Publish":
        files = publish(str(cmds.promptDialog(query=True, text=True)))
        om.MGlobal.displayInfo("sdf: published " + ", ".join(os.path.basename(f) for f in files))


def _ui_status() -> None:
    cmds.confirmDialog(title="sdf status", message="\n".join(status()), button=["OK"])


def install() -> None:
    """Add the ``sdf`` menu to Maya's main window (idempotent; does nothing without a UI)."""
    if cmds.about(batch=True):
        return
    if cmds.menu(MENU, exists=True):
        cmds.deleteUI(MENU)
    cmds.menu(MENU, label="sdf", parent="MayaWindow", tearOff=True)
    cmds.menuItem(label="Open Shot as Department...", command=_guard(_ui_open))
    cmds.menuItem(label="Update", command=_guard(_ui_update))
    cmds.menuItem(label="Publish...", command=_guard(_ui_publish))
    cmds.menuItem(label="Status", command=_guard(_ui_status))
    cmds.scriptJob(event=("SceneOpened", forget), killWithScene=False)


def uninstall() -> None:
    if not cmds.about(batch=True) and cmds.menu(MENU, exists=True):
        cmds.deleteUI(MENU)
