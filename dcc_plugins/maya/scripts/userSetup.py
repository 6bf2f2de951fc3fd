"""Loads the sdf plugin (and with it the sdf menu) when Maya starts with this module on its path."""
import maya.cmds as cmds

cmds.evalDeferred("import maya.cmds; maya.cmds.loadPlugin('sdfMaya', quiet=True)")
