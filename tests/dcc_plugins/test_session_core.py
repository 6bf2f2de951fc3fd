"""The host-independent DCC core, driven through the reference in-memory host (no DCC imported)."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from sdf.dcc_plugins import NothingToPublish, PublishRefused, Session, plan_session
from sdf.dcc_plugins.memory import MemoryHost
from sdf.dcc_plugins.records import close, diff
from sdf.errors import ReadOnlyError, SdfError
from sdf.alembic.frames import AlembicReader
from sdf.document.opening import open_shot

from conftest import tree_hashes


def _changed(before, after):
    return {k for k in set(before) | set(after) if before.get(k) != after.get(k)} - {"shots/sh010/.sdf-shot.lock"}


def test_core_imports_no_dcc():
    code = ("import sys, sdf.dcc_plugins, sdf.dcc_plugins.memory, sdf.dcc_plugins.session; "
            "bad = [m for m in ('bpy', 'maya', 'hou') if m in sys.modules]; print(bad); sys.exit(bool(bad))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_plan_per_department(demo):
    _, shot = demo
    plan = plan_session(open_shot(shot, "lighting"))
    assert set(plan.ignored) == {"rig", "layout"}
    assert set(plan.owned) == {"lights", "render_layers"}
    assert plan.record_access == {"placement": "read", "materials": "read", "fx": "read", "cameras": "read",
                                  "lights": "edit"}
    assert all(g.is_proxy for g in plan.geometry) and len(plan.geometry) == 8
    anim = plan_session(open_shot(shot, "animation"))
    by = {g.path: g.access for g in anim.geometry}
    assert by["/chars/hero/body"] == "edit" and by["/env/rock"] == "read"
    assert by["/env/grass"] == "carried" and by["/fx/sparks"] == "carried"  # curves, points
    fl = plan_session(open_shot(shot, "final_layout"))
    assert fl.record_access["placement"] == "edit" and "lights" not in fl.records


def test_ignored_data_is_never_read(demo):
    _, shot = demo
    view = open_shot(shot, "lighting")
    reads = []
    view._listeners.append(lambda event, path: reads.append(path))
    Session.open(MemoryHost(), shot, "lighting")  # its own view; spy on the documents a fresh view reads
    plan_session(view)
    assert reads and not [p for p in reads if "/rig/" in p or "/layout/" in p]


def test_proxies_draw_from_the_frame_cache(demo):
    _, shot = demo
    host = MemoryHost()
    s = Session.open(host, shot, "lighting")
    for frame in (1001, 1033):
        host.frame = frame
        s.show(frame)
        for item in s.proxies:
            fd = AlembicReader(item.file).read(item.object, frame, 24.0)
            assert np.array_equal(host.proxies[item.path]["positions"], fd.positions)
    s.show(1033)
    assert s.cache.stats.hits >= len(s.proxies)  # the second pass over a frame is served from memory


def test_light_edit_publishes_only_lighting(demo):
    proj, shot = demo
    host = MemoryHost()
    s = Session.open(host, shot, "lighting")
    with pytest.raises(NothingToPublish):
        s.publish("nothing yet")
    before = tree_hashes(proj)
    host.nodes["lights"]["/lights/key_group/key"]["data"]["intensity"] = 5.0
    published = s.publish("brighter key")
    assert [p.kind for p in published] == ["lights"]  # render layers unchanged: no empty version
    assert _changed(before, tree_hashes(proj)) == {"shots/sh010/lighting/lights.v001.json",
                                                    "shots/sh010/lighting/lights.v001.meta.json",
                                                    "shots/sh010/lighting/lights.json",  # the working copy follows
                                                    "shots/sh010/sh010.sdf"}
    assert open_shot(shot).lights.find("key_group/key").intensity == 5.0
    with pytest.raises(NothingToPublish):
        s.publish("again")
    with pytest.raises(SdfError, match="message"):
        s.publish("  ")


def test_float32_round_trip_is_no_change(demo):
    _, shot = demo
    host = MemoryHost()
    s = Session.open(host, shot, "tracking")
    for r in host.nodes["cameras"].values():
        if "data" in r:
            r["data"]["transform"]["samples"] = [[float(np.float32(v)) for v in m]
                                                 for m in r["data"]["transform"]["samples"]]
            r["data"]["focal_length"] = float(np.float32(r["data"]["focal_length"]))
    assert s.changes().empty


@pytest.mark.parametrize("edit, owner", [
    (lambda h: h.nodes["placement"]["/props/crate"].__setitem__("visible", False), "final_layout"),
    (lambda h: h.nodes["cameras"]["/cameras/shotCam"]["data"].__setitem__("focal_length", 50.0), "tracking"),
    (lambda h: h.nodes["materials"]["/props/ball"].__setitem__("material", "x.mtlx#y"), "texture_shader"),
    (lambda h: h.proxies["/env/rock"]["positions"].__setitem__(0, 9.0), "model"),
    (lambda h: h.proxies["/props/ball"].__setitem__("matrix", (2.0,) + h.proxies["/props/ball"]["matrix"][1:]),
     "animation"),
])
def test_upstream_edits_refused_naming_the_owner(demo, edit, owner):
    proj, shot = demo
    host = MemoryHost()
    s = Session.open(host, shot, "lighting")
    edit(host)
    host.nodes["lights"]["/lights/key_group/key"]["data"]["intensity"] = 4.0
    before = tree_hashes(proj)
    with pytest.raises(PublishRefused, match=f"owned by {owner}"):
        s.publish("sneaky")
    assert tree_hashes(proj) == before


def test_deleted_display_nodes_are_notes_not_edits(demo):
    _, shot = demo
    host = MemoryHost()
    s = Session.open(host, shot, "lighting")
    del host.proxies["/env/rock"]
    del host.nodes["placement"]["/env/grass"]
    ch = s.changes()
    assert ch.empty and not ch.refused and len(ch.notes) == 2


def test_add_and_remove_lights(demo):
    _, shot = demo
    host = MemoryHost()
    s = Session.open(host, shot, "lighting")
    del host.nodes["lights"]["/lights/rim_group/rim"]
    host.nodes["lights"]["/lights/key_group/bounce"] = {
        "path": "/lights/key_group/bounce", "parent": "/lights/key_group",
        "data": {"name": "bounce", "type": "rect", "color": [1, 1, 1], "intensity": 0.5, "width": 1, "height": 1}}
    s.publish("bounce instead of rim")
    lights = open_shot(shot).lights
    assert lights.find("key_group/bounce").type == "rect" and lights.find("rim_group/rim") is None


def test_bad_host_value_is_checked_like_any_edit(demo):
    _, shot = demo
    host = MemoryHost()
    s = Session.open(host, shot, "final_layout")
    host.nodes["placement"]["/props/ball"]["transform"] = [0.0] * 16  # singular
    with pytest.raises(SdfError):
        s.publish("broken")


def test_animation_bake_writes_a_new_cache(demo):
    proj, shot = demo
    host = MemoryHost()
    s = Session.open(host, shot, "animation")
    host.deformers["/props/ball"] = lambda f, p: p + np.float32([0.0, 0.1, 0.0])
    before = tree_hashes(proj)
    s.publish("ball bounces higher")
    changed = _changed(before, tree_hashes(proj))
    assert "shots/sh010/animation/caches/props_ball.v001.abc" in changed
    view = open_shot(shot, "animation")
    node = view.model_tree.find("/props/ball")
    from sdf.dcc_plugins.memory import read_alembic_mesh

    src = os.path.join(proj, "assets", "anim", "props_anim.abc")
    world = AlembicReader(src).object("/ball/ballShape").world_at
    for f in (1001, 1030):
        p, counts, idx = read_alembic_mesh(src, "/ball/ballShape", f, 24.0)
        w = world(f / 24.0)
        expected = p @ w[:3, :3] + w[3, :3] + np.float32([0.0, 0.1, 0.0])
        q, counts2, idx2 = read_alembic_mesh(view.geometry_path(node), node.animation.object, f, 24.0)
        assert np.allclose(q, expected, atol=1e-5)
        assert np.array_equal(counts, counts2) and np.array_equal(idx, idx2)
    with pytest.raises(NothingToPublish):
        s.publish("again")


def test_resume_from_the_stored_record_and_update(demo):
    _, shot = demo
    host = MemoryHost()
    Session.open(host, shot, "lighting")
    s = Session.resume(host)
    assert s.department == "lighting" and len(s.proxies) == 8
    host.nodes["lights"]["/lights/rim_group/rim"]["data"]["intensity"] = 9.0  # unpublished own edit
    from sdf.pipeline.publish import publish

    model = open_shot(shot, "model")
    model.model_tree.find("/env/rock").source = {"file": "model/crystal.abc", "object": "/crystal/crystalShape"}
    publish(model, message="rock is a crystal")
    result = s.update()
    assert "placement" in result["rebuilt"] and "lights" not in result["rebuilt"]
    assert host.proxies["/env/rock"]["item"].object == "/crystal/crystalShape"
    assert host.nodes["lights"]["/lights/rim_group/rim"]["data"]["intensity"] == 9.0
    st = s.status()
    assert any(c.startswith("/lights/rim_group/rim") for c in st["changes"])
    assert s.publish("rim") and open_shot(shot).lights.find("rim_group/rim").intensity == 9.0


def test_concurrent_publish_of_the_same_department_is_refused(demo):
    _, shot = demo
    a, b = MemoryHost(), MemoryHost()
    sa, sb = Session.open(a, shot, "lighting"), Session.open(b, shot, "lighting")
    a.nodes["lights"]["/lights/key_group/key"]["data"]["intensity"] = 4.0
    b.nodes["lights"]["/lights/key_group/key"]["data"]["intensity"] = 7.0
    sa.publish("a")
    with pytest.raises(SdfError, match="changed on disk since this session was opened"):
        sb.publish("b")


def test_department_from_environment(demo, monkeypatch):
    _, shot = demo
    monkeypatch.setenv("SDF_DEPARTMENT", "fx")
    assert Session.open(MemoryHost(), shot).department == "fx"
    monkeypatch.delenv("SDF_DEPARTMENT")
    with pytest.raises(SdfError, match="which department"):
        Session.open(MemoryHost(), shot)


def test_publish_kinds_refuses_kinds_not_owned(demo):
    from sdf.pipeline.publish import publish

    _, shot = demo
    with pytest.raises(ReadOnlyError):
        publish(open_shot(shot, "lighting"), message="x", kinds=["placement"])


def test_tolerant_compare_and_diff():
    assert close(1.0, 1.0 + 1e-7) and not close(1.0, 1.001)
    assert close([1.0, {"a": 2.0}], [1.0 + 1e-7, {"a": 2.0}])
    before = [{"path": "/a", "transform": None}]
    assert diff("placement", before, [{"path": "/a", "transform": [1.0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]}]) == []


def test_winding_order_reverses_each_polygon():
    from sdf.dcc_plugins.bake import winding_order

    assert winding_order([3, 4]).tolist() == [2, 1, 0, 6, 5, 4, 3]
    assert winding_order([4, 4]).tolist() == [3, 2, 1, 0, 7, 6, 5, 4]
    order = winding_order([3, 5, 4])
    assert np.array_equal(order[order], np.arange(12))  # its own inverse


def test_feed_resolves_elements_as_the_department_sees_them(demo):
    from sdf.dcc_plugins import feed

    _, shot = demo
    path, obj, fps = feed.resolve(shot, "lighting", "/props/ball")
    assert path.endswith("anim/props_anim.abc") and obj == "/ball/ballShape" and fps == 24.0
    path, _, _ = feed.resolve(shot, "model", "/props/ball")  # model ignores animation: the rest pose
    assert path.endswith("model/props.abc")
    a = feed.frame(shot, "lighting", "/props/ball", 1010)
    assert a is feed.frame(shot, "lighting", "/props/ball", 1010)  # the second pass comes from memory
    lo, hi = feed.bounds(shot, "lighting", "/props/ball", 1010)
    assert np.all(a.positions.min(axis=0) >= lo - 1e-4)
    with pytest.raises(SdfError):
        feed.resolve(shot, "lighting", "/props/nothing")
    feed.forget(shot)


def test_status_shows_unpublished_edits_of_the_working_copy(demo):
    """Edits saved to lighting's working copy (through the API, or a session of another artist) are shown
    by the session's Status as unpublished, with what changed, and the session builds from them."""
    from sdf.dcc_plugins.session import format_status
    from sdf.pipeline.publish import publish

    _, shot = demo
    publish(open_shot(shot, "lighting"), message="v1")
    view = open_shot(shot, "lighting")
    view.lights.find("fill_group/fill").intensity = 2.75
    view.save()
    host = MemoryHost()
    s = Session.open(host, shot, "lighting")
    assert host.nodes["lights"]["/lights/fill_group/fill"]["data"]["intensity"] == 2.75
    rows = {r["kind"]: r for r in s.status()["parts"]}
    assert rows["lights"]["modified"] and rows["lights"]["changes"] == ["fill_group/fill: intensity"]
    lines = format_status(s.status())
    assert any("lights" in ln and "UNPUBLISHED EDITS" in ln for ln in lines)
    assert any(ln.strip() == "fill_group/fill: intensity" for ln in lines)
