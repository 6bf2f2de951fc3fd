"""Run in Houdini's Python shell (or hython) to verify the package in a licensed Houdini.

Generates the demo shot into a temporary folder, opens it as lighting and prints what the
session built; then checks the proxies' packed Alembic primitives and that a publish with
nothing changed is refused. Expected last line: ``sdf in Houdini: OK``.
"""
import tempfile

import hou

from sdf.dcc_plugins.houdini import actions
from sdf.demo import generate
from sdf.errors import SdfError

hou.hipFile.clear(suppress_save_prompt=True)
shot = generate(tempfile.mkdtemp(prefix="sdf_demo_"), "small")
session = actions.open_shot(shot, "lighting")
print("\n".join(actions.status()))
host = session.host
for path, node in sorted(host.nodes("proxy").items()) if hasattr(host, "nodes") else ():
    sop = node.displayNode()
    geo = sop.geometry() if isinstance(sop, hou.SopNode) else None
    prims = [p for p in geo.prims() if isinstance(p, hou.PackedPrim)] if geo is not None else []
    print(f"  {path}: {node.path()} holds {len(prims)} packed Alembic primitive(s)")
    assert len(prims) == 1
obj = hou.node("/obj")
assert obj is not None
print("lights:", [n.path() for n in obj.allSubChildren() if n.type().name() == "hlight::2.0"])
try:
    actions.publish("nothing changed")
    raise AssertionError("an unchanged session published")
except SdfError as exc:
    print("refused as expected:", exc)
print("sdf in Houdini: OK")
