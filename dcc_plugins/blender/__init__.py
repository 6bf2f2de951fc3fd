"""sdf in Blender: open a shot as a department, draw other departments' data as read-only
proxies from the frame cache, edit the department's own data natively, publish it.

Two ways in, one code path:

- as a Blender extension (this folder, with ``blender_manifest.toml``, zipped and installed;
  the toolkit itself installed into Blender's Python: see the README), Blender calls
  :func:`register`;
- as ``sdf.dcc_plugins.blender`` in a Blender whose Python has the toolkit (``bpy`` from
  PyPI, a farm node), a script calls ``register()`` itself.

Then ``bpy.ops.sdf.open_shot(filepath=..., department=...)``, ``bpy.ops.sdf.update()``,
``bpy.ops.sdf.publish(message=...)`` and ``bpy.ops.sdf.status()`` drive a session, from the
"SDF" tab of the 3D view's sidebar or from a script. :func:`session` returns the Python
:class:`~sdf.dcc_plugins.Session` of the current scene for scripts that want more.
"""
from __future__ import annotations

from .operators import CLASSES, current_session as session, last_status, register_handlers, unregister_handlers

__all__ = ["register", "unregister", "session", "last_status"]


def register() -> None:
    import bpy

    for cls in CLASSES:
        bpy.utils.register_class(cls)
    register_handlers()
    from sdf.alembic.sample_index import warm_up

    warm_up()  # Alembic files are indexed by a worker process: start it while Blender starts


def unregister() -> None:
    import bpy

    unregister_handlers()
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
