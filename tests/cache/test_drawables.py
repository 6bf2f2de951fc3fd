"""The one drawables rule (sdf.cache.drawables): which leaves are drawn, from which file, whose they are, of
which kind and whether animated; and the viewer, ``sdf play`` and the DCC plan following it alike."""
from __future__ import annotations

import os

import pytest

import sdf
from sdf.cache.drawables import Drawable, drawables
from sdf.cache.frame_cache import FrameCache
from sdf.cache.playback import playable_items
from sdf.dcc_plugins.plan import plan_session
from sdf.document.model_tree import AlembicSource
from sdf.document.shot import IgnoredError
from sdf.viewer.scene import build_scene

#: The demo shot seen by animation: (leaf, file, kind, owner kind, owner, editable, animated).
ANIMATION_VIEW = [
    ("/chars/hero/body", "hero_anim.abc", "mesh", "animation", "animation", True, True),
    ("/env/rock", "rock.abc", "mesh", "model_tree", "model", False, False),
    ("/env/grass", "grass_anim.abc", "curves", "animation", "animation", True, True),
    ("/env/crystal", "crystal_anim.abc", "mesh", "animation", "animation", True, True),
    ("/props/ball", "props_anim.abc", "mesh", "animation", "animation", True, True),
    ("/props/crate", "props_anim.abc", "mesh", "animation", "animation", True, True),
    ("/fx/flag", "cloth_anim.abc", "mesh", "animation", "animation", True, True),
    ("/fx/sparks", "sparks_anim.abc", "points", "animation", "animation", True, True),
]


def _rows(items: list[Drawable]):
    return [(d.node, os.path.basename(d.file), d.kind, d.owner_kind, d.owner, d.editable, d.animated) for d in items]


def test_the_rule_on_the_demo_shot(demo_master):
    _, path = demo_master
    items, problems = drawables(sdf.open(path, department="animation"), FrameCache().reader)
    assert problems == [] and _rows(items) == ANIMATION_VIEW
    assert all(os.path.isabs(d.file) and d.visible for d in items)
    assert [d.object for d in items][:3] == ["/hero/body", "/rock/rockShape", "/grass/grassShape"]


def test_owner_follows_the_department_view(demo_master):
    """Lighting reads the animation caches, owned by animation; model sees rest geometry only (it ignores
    animation), every leaf its own and none animated."""
    _, path = demo_master
    lighting, _ = drawables(sdf.open(path, department="lighting"), FrameCache().reader)
    assert [(n, f, k, ok, o, a) for n, f, k, ok, o, _, a in _rows(lighting)] == \
        [(n, f, k, ok, o, a) for n, f, k, ok, o, _, a in ANIMATION_VIEW]
    assert not any(d.editable for d in lighting)
    model, _ = drawables(sdf.open(path, department="model"), FrameCache().reader)
    assert [d.node for d in model] == [r[0] for r in ANIMATION_VIEW]
    assert {(d.owner_kind, d.owner, d.editable, d.animated) for d in model} == {("model_tree", "model", True, False)}
    assert not any("_anim" in d.file for d in model)


def test_filters_are_arguments(demo_master):
    _, path = demo_master
    shot = sdf.open(path)  # every kind editable: hidden in memory, nothing saved
    shot.model_tree.find("/props").visible = False  # a hidden group hides every leaf below it
    shot.model_tree.find("/env/rock").visible = False
    reader = FrameCache().reader
    shown, _ = drawables(shot, reader)
    every, _ = drawables(shot, reader, visible_only=False)
    moving, _ = drawables(shot, reader, animated_only=True)
    assert [d.node for d in shown] == ["/chars/hero/body", "/env/grass", "/env/crystal", "/fx/flag", "/fx/sparks"]
    assert [d.node for d in every] == [r[0] for r in ANIMATION_VIEW]
    assert {d.node for d in every if not d.visible} == {"/env/rock", "/props/ball", "/props/crate"}
    assert [d.node for d in moving] == [d.node for d in shown if d.animated] == [d.node for d in shown]
    static, _ = drawables(shot, reader, visible_only=False, animated_only=True)
    assert "/env/rock" not in {d.node for d in static} and "/props/ball" in {d.node for d in static}


def test_a_leaf_that_cannot_be_drawn_is_a_problem_the_rest_still_drawn(demo):
    root, path = demo
    anim = os.path.join(root, "assets", "anim", "hero_anim.abc")
    data = open(anim, "rb").read()
    open(anim, "wb").write(data[: len(data) // 2])
    items, problems = drawables(sdf.open(path, department="animation"), FrameCache().reader)
    assert len(problems) == 1 and problems[0].startswith("/chars/hero/body: ") and "truncated" in problems[0]
    assert [d.node for d in items] == [r[0] for r in ANIMATION_VIEW[1:]]


def test_an_object_that_is_not_geometry_is_not_drawn(demo):
    """A leaf naming a transform: the rule refuses it for every caller, named with the leaf."""
    _, path = demo
    shot = sdf.open(path)
    rock = shot.model_tree.find("/env/rock")
    reader = FrameCache().reader
    rock.source = AlembicSource(rock.source.file, "/rock")  # the shape's parent transform
    items, problems = drawables(shot, reader)
    assert "/env/rock" not in {d.node for d in items} and len(items) == len(ANIMATION_VIEW) - 1
    assert problems == ["/env/rock: " + problems[0].split(": ", 1)[1]] and "'/rock' is not geometry (AbcGeom_Xform" in problems[0]


def test_a_view_that_ignores_the_model_tree_draws_nothing(demo_master):
    _, path = demo_master
    layout = sdf.open(path, department="layout")
    assert drawables(layout, FrameCache().reader) == ([], [])
    with pytest.raises(IgnoredError, match="ignores model_tree"):
        drawables(layout, FrameCache().reader, need_tree=True)
    with pytest.raises(IgnoredError, match="ignores model_tree"):
        playable_items(layout, FrameCache())


@pytest.mark.parametrize("department", ["animation", "lighting", "model", "final_layout"])
def test_viewer_playback_and_plan_agree(demo, department):
    """The three callers draw the same leaves from the same files with the same owners and animation;
    each keeps only its own filter (the plan: hidden leaves too; ``sdf play``: animated ones)."""
    _, path = demo
    placing = sdf.open(path, department="final_layout")
    placing.model_tree.find("/env/crystal").visible = False
    placing.save()
    shot = sdf.open(path, department=department)
    cache = FrameCache()
    rule, _ = drawables(shot, cache.reader)
    scene = build_scene(shot, cache)
    played, _ = playable_items(shot, cache, animated_only=False)
    moving, _ = playable_items(shot, cache)
    plan = plan_session(shot, cache)
    hidden = {"/env/crystal"} if shot.access("placement") != "ignore" else set()  # model ignores placement
    assert rule and {d.node for d in rule} == {r[0] for r in ANIMATION_VIEW} - hidden
    assert played == rule and moving == [d for d in rule if d.animated]
    assert [(i.node, i.file, i.object, i.editable, i.animated) for i in scene.items] == \
        [(d.node, d.file, d.object, d.editable, d.animated) for d in rule]
    planned = {g.path: g for g in plan.geometry}
    assert set(planned) == {d.node for d in rule} | hidden
    for d in rule:
        g = planned[d.node]
        assert (g.file, g.object, g.kind, g.owner_kind, g.owner, g.animated) == \
            (d.file, d.object, d.kind, d.owner_kind, d.owner, d.animated)
        assert (g.access != "read") == d.editable
