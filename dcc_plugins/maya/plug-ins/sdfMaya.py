"""Maya plugin entry (``cmds.loadPlugin("sdfMaya")``): the sdfProxy locator, its draw override, the sdf menu.

The code lives in the toolkit (``sdf.dcc_plugins.maya``), installed into Maya's Python; this
file only registers it, as Maya expects of a file on ``MAYA_PLUG_IN_PATH``.
"""
import maya.api.OpenMaya as om

from sdf.dcc_plugins.maya import menu, proxy
from sdf.alembic.sample_index import warm_up


def maya_useNewAPI() -> None:
    """Tells Maya this plugin uses Python API 2.0."""


def initializePlugin(obj: om.MObject) -> None:
    plugin = om.MFnPlugin(obj, "sdf toolkit", "0.1.0", "Any")
    proxy.register(plugin)
    menu.install()
    warm_up()  # Alembic files are indexed by a worker process (mayapy): start it with the plugin


def uninitializePlugin(obj: om.MObject) -> None:
    plugin = om.MFnPlugin(obj)
    menu.uninstall()
    proxy.deregister(plugin)
