"""Run in Maya's Script Editor (Python) to verify the plugin in a licensed Maya.

Generates the demo shot into a temporary folder, opens it as lighting and prints what the
session built; then checks that proxies are locked and that a publish with nothing changed
is refused. Expected last line: ``sdf in Maya: OK``.
"""
import tempfile

import maya.cmds as cmds

from sdf.dcc_plugins.maya import menu
from sdf.demo import generate
from sdf.errors import SdfError

cmds.file(newFile=True, force=True)
shot = generate(tempfile.mkdtemp(prefix="sdf_demo_"), "small")
session = menu.open_shot(shot, "lighting")
print("\n".join(menu.status()))
proxies = cmds.ls(type="sdfProxy", long=True)
print(f"{len(proxies)} sdfProxy nodes:", *proxies, sep="\n  ")
assert len(proxies) == len(session.proxies) and all(cmds.lockNode(p, query=True, lock=True)[0] for p in proxies)
print("lights:", cmds.ls(lights=True))
print("cameras:", [c for c in cmds.ls(cameras=True) if not cmds.camera(c, query=True, startupCamera=True)])
try:
    menu.publish("nothing changed")
    raise AssertionError("an unchanged session published")
except SdfError as exc:
    print("refused as expected:", exc)
print("sdf in Maya: OK")
