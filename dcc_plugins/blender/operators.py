"""Operators, the sidebar panel and the frame handler: Blender's UI over the core's Session.

Each operator is a few lines: it calls the scene's :class:`~sdf.dcc_plugins.actions.SceneActions`
(the same actions as Maya's menu and Houdini's shelf, which find or resume the session),
and turns a :class:`~sdf.errors.SdfError` into one error line in Blender's report (and
``{'CANCELLED'}`` for a script). The frame handler draws the proxies at every frame change;
it is ``persistent``, so it survives opening another ``.blend``, and a saved scene that
holds a session resumes it from its stored record.
"""

import functools
import os

import bpy
from bpy.app.handlers import persistent
from bpy.props import StringProperty

from sdf.dcc_plugins.actions import SceneActions
from sdf.dcc_plugins.feed import cache_held, format_cache
from sdf.dcc_plugins.session import Session
from sdf.errors import SdfError

from .host import BlenderHost

_actions: dict[str, SceneActions] = {}   # scene name pointer -> what the UI does with that scene's session
_status: dict[str, list[str]] = {}   # scene -> last status lines shown in the panel


def _frame_cache():
    """The process-wide frame cache of DCC sessions (:func:`sdf.dcc_plugins.feed.frame_cache`): every
    session and scene shares its memory, and the native meshes' readers are the proxies' readers."""
    from sdf.dcc_plugins.feed import frame_cache

    return frame_cache()


def _key(scene) -> str:
    return f"{scene.name}:{scene.as_pointer()}"


def scene_actions(scene=None) -> SceneActions:
    """Open, update, publish and status for ``scene`` (default: the current one): the same
    :class:`~sdf.dcc_plugins.actions.SceneActions` as Maya's menu and Houdini's shelf, one per scene."""
    scene = scene or bpy.context.scene
    found = _actions.get(_key(scene))
    if found is None:
        found = _actions[_key(scene)] = SceneActions(functools.partial(BlenderHost, scene), "the SDF tab")
    return found


def current_session(scene=None) -> Session | None:
    """The session of ``scene`` (default: the current one), resumed from the scene's record if needed."""
    return scene_actions(scene).current()


def last_status(scene=None) -> list[str]:
    scene = scene or bpy.context.scene
    return _status.get(_key(scene), [])


def _fail(op, exc: Exception) -> set[str]:
    op.report({"ERROR"}, str(exc))
    return {"CANCELLED"}


class SDF_OT_open_shot(bpy.types.Operator):
    """Open a shot as a department: proxies for upstream data, native nodes for the department's own"""

    bl_idname = "sdf.open_shot"
    bl_label = "Open Shot as Department"
    bl_options = {"REGISTER"}

    filepath: StringProperty(name="Shot", subtype="FILE_PATH", description="The shot's .sdf file")
    department: StringProperty(name="Department", description="Department to work as (default: $SDF_DEPARTMENT)",
                               default="")
    filter_glob: StringProperty(default="*.sdf", options={"HIDDEN"})

    def invoke(self, context, event):
        if not self.department:
            self.department = os.environ.get("SDF_DEPARTMENT", "")
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        host = BlenderHost(context.scene, bounds_first=True)
        try:
            s = scene_actions(context.scene).open_shot(bpy.path.abspath(self.filepath), self.department, host)
        except SdfError as exc:
            return _fail(self, exc)
        finally:
            host.bounds_first = False
        from .view_layers import sync_session

        sync_session(s)  # the render layers as view layers: F12 renders what sdf render renders
        # Proxies open as their bounds; their geometry fills in right after, one proxy per UI tick
        # (or all at once at the next frame change, whichever comes first).
        bpy.app.timers.register(functools.partial(_fill_next, _key(context.scene)), first_interval=0.0)
        n = len(s.proxies)
        self.report({"INFO"}, f"{s.settings.name} opened as {s.department}: {n} proxies, "
                              f"{len(s.native_geometry)} native geometry, ignored: "
                              f"{', '.join(k for k, a in s.record['access'].items() if a == 'ignore') or 'nothing'}")
        for p in s.problems:
            self.report({"WARNING"}, p)
        return {"FINISHED"}


class _NeedsSession:
    @classmethod
    def poll(cls, context):
        return context.scene is not None and bool(context.scene.get("sdf_session"))

    def session(self, context) -> Session | None:
        return current_session(context.scene)


class SDF_OT_update(_NeedsSession, bpy.types.Operator):
    """Pull newer upstream versions into the proxies; your own edits are kept"""

    bl_idname = "sdf.update"
    bl_label = "Update"

    def execute(self, context):
        try:
            result = scene_actions(context.scene).update()
            from .view_layers import sync_session

            sync_session(self.session(context))
        except SdfError as exc:
            return _fail(self, exc)
        moved = ", ".join(f"{k} v{a or 0:03d}->v{b:03d}" for k, (a, b) in result["moved"].items())
        self.report({"INFO"}, f"updated {', '.join(result['rebuilt']) or 'nothing'}" + (f"; pins moved: {moved}"
                                                                                         if moved else ""))
        return {"FINISHED"}


class SDF_OT_publish(_NeedsSession, bpy.types.Operator):
    """Publish a new version of your department's data (a message is required)"""

    bl_idname = "sdf.publish"
    bl_label = "Publish"

    message: StringProperty(name="Message", description="What changed, for the shot's history", default="")

    def invoke(self, context, event):
        return context.window_manager.invoke_props_dialog(self)

    def execute(self, context):
        try:
            published = scene_actions(context.scene).publish(self.message)
        except SdfError as exc:
            return _fail(self, exc)
        self.report({"INFO"}, "published " + ", ".join(os.path.basename(f) for f in published))
        return {"FINISHED"}


class SDF_OT_status(_NeedsSession, bpy.types.Operator):
    """The shot, the department, pinned versions and which are outdated; pending and refused changes"""

    bl_idname = "sdf.status"
    bl_label = "Status"

    def execute(self, context):
        try:
            lines = scene_actions(context.scene).status()
        except SdfError as exc:
            return _fail(self, exc)
        _status[_key(context.scene)] = lines
        for line in lines:
            print(line)
        self.report({"INFO"}, lines[0])
        return {"FINISHED"}


class SDF_PT_session(bpy.types.Panel):
    bl_label = "SDF Session"
    bl_idname = "SDF_PT_session"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "SDF"

    def draw(self, context):
        layout = self.layout
        layout.operator(SDF_OT_open_shot.bl_idname, icon="FILEBROWSER")
        if not context.scene.get("sdf_session"):
            layout.label(text="No shot open")
            return
        row = layout.row(align=True)
        row.operator(SDF_OT_update.bl_idname, icon="FILE_REFRESH")
        row.operator(SDF_OT_publish.bl_idname, icon="EXPORT")
        layout.operator(SDF_OT_status.bl_idname, icon="INFO")
        box = layout.box()
        for line in last_status(context.scene) or ["Press Status to check versions"]:
            box.label(text=line.strip())
        # Live, not only at Status: the cache's share of the memory the artist's system monitor shows.
        layout.label(text=format_cache(cache_held(_frame_cache())), icon="MEMORY")


def _fill_next(key: str):
    """Timer: give one proxy still drawn as bounds its geometry; stop when none is left."""
    found = _actions.get(key)
    s = found.session if found is not None else None
    if s is None:
        return None
    try:
        pending = s.host.unfilled()
        if not pending:
            return None
        s.show(s.host.current_frame(), only={pending[0]})
    except Exception as exc:  # a timer must never raise into Blender's event loop
        print(f"sdf: cannot fill a proxy: {exc}")
        return None
    return 0.0 if len(pending) > 1 else None


CLASSES = (SDF_OT_open_shot, SDF_OT_update, SDF_OT_publish, SDF_OT_status, SDF_PT_session)


@persistent
def _on_frame(scene, depsgraph=None):
    if not scene.get("sdf_session"):
        return
    try:
        s = current_session(scene)
        if s is not None:
            s.show(scene.frame_current)
    except Exception as exc:  # a handler must never break playback; the session reports file problems itself
        print(f"sdf: cannot draw frame {scene.frame_current}: {exc}")


@persistent
def _on_load(*_args):
    _actions.clear()  # another file: its scenes' sessions are resumed from their records on demand
    _status.clear()
    _restore_snapshots()
    for scene in bpy.data.scenes:
        if scene.get("sdf_session"):
            _on_frame(scene)


def _restore_snapshots() -> None:
    """A saved scene's native meshes read private snapshots of their caches (see ``host.snapshot``),
    which lived in the Blender session that made them: take them again from the files they came from."""
    import os

    from sdf.dcc_plugins.snapshot import snapshot

    for obj in bpy.data.objects:
        source = obj.get("sdf_file")
        for mod in obj.modifiers:
            if mod.type == "MESH_SEQUENCE_CACHE" and mod.cache_file is not None and source and \
                    not os.path.exists(bpy.path.abspath(mod.cache_file.filepath)) and os.path.exists(source):
                mod.cache_file.filepath = snapshot(source, bpy.app.tempdir or None)


def register_handlers() -> None:
    # Registration (Blender's start-up) pays the toolkit's imports, not the artist's first Open.
    import alembic3d  # noqa: F401
    import sdf.cache.frame_cache  # noqa: F401
    import sdf.dcc_plugins.plan  # noqa: F401
    import sdf.pipeline.publish  # noqa: F401

    for lst, fn in ((bpy.app.handlers.frame_change_post, _on_frame), (bpy.app.handlers.load_post, _on_load)):
        if fn not in lst:
            lst.append(fn)


def unregister_handlers() -> None:
    for lst, fn in ((bpy.app.handlers.frame_change_post, _on_frame), (bpy.app.handlers.load_post, _on_load)):
        while fn in lst:
            lst.remove(fn)
