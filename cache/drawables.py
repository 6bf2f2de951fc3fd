"""What a shot draws: the one rule every player, viewer and DCC session follows.

A *drawable* is a model-tree leaf whose Alembic object is geometry a player can draw. The rule
decides, once for every caller:

- **which file**: the leaf's animation cache when it has one (and the view sees animation),
  else its rest geometry (:meth:`sdf.document.shot.Shot.geometry_path`);
- **who owns it**: the kind of data the geometry belongs to (``"animation"`` for an animation
  cache, ``"model_tree"`` for rest geometry), the department the policy gives that kind, and
  whether this view's department edits it;
- **what it is**: ``"mesh"``, ``"curves"`` or ``"points"`` (:data:`sdf.alembic.schemas.DRAWS_AS`),
  and whether it is animated, both read from the Alembic file.

A leaf whose file cannot be read, or whose object is missing or is not geometry, is not drawn:
it is named in the problems, so a shot with holes still draws what it has. What each caller
shows is then its own filter, passed as arguments: the viewer and ``sdf play`` draw visible
leaves only, ``sdf play`` animated ones only, a DCC session every leaf (hidden ones too, so the
host can show and hide them).

Before this module the viewer, the playback path and the DCC plan each walked the tree with a
rule of their own, and could disagree on which file a leaf plays or who owns it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sdf.alembic.schemas import DRAWS_AS
from sdf.document.shot import Shot
from sdf.errors import SdfError


@dataclass(frozen=True)
class Drawable:
    """One drawn leaf: where its geometry is, what it is and whose it is."""

    node: str          # model-tree path of the leaf
    file: str          # absolute Alembic path
    object: str        # object path inside the archive
    kind: str          # "mesh", "curves" or "points"
    owner_kind: str    # "animation" (an animation cache) or "model_tree" (rest geometry)
    owner: str         # the department owning owner_kind ("nobody" without a policy)
    editable: bool     # this view's department edits owner_kind
    animated: bool     # more than one sample
    visible: bool      # the leaf and all its ancestors are visible


def sees(shot: Shot, kind: str) -> bool:
    """The shot has part ``kind`` and this view does not ignore it."""
    return kind in shot.parts and shot.access(kind) != "ignore"


def owner_kind(shot: Shot, node) -> str:
    """Which kind owns what is drawn for ``node``: its animation cache when there is one and the view
    sees animation, else the model tree's rest geometry."""
    return "animation" if node.animation is not None and sees(shot, "animation") else "model_tree"


def drawables(shot: Shot, reader_for: Callable[[str], object], *, visible_only: bool = True,
              animated_only: bool = False, need_tree: bool = False) -> tuple[list[Drawable], list[str]]:
    """The shot's drawable leaves in model-tree order, and the problems of those that cannot be drawn
    (``"<leaf path>: <reason>"``).

    ``reader_for(path)`` gives the reader of an Alembic file (a :class:`sdf.cache.frame_cache.FrameCache`'s
    ``reader``, so what is looked at here is the open file that is then played).
    ``visible_only`` leaves hidden leaves out (not even read); ``animated_only`` leaves static ones out.
    A view that ignores the model tree draws nothing; with ``need_tree`` it raises
    :class:`sdf.document.shot.IgnoredError` instead (a player with nothing it could ever play)."""
    if not need_tree and not sees(shot, "model_tree"):
        return [], []
    tree = shot.model_tree  # a view ignoring it raises IgnoredError here (need_tree)
    policy = shot.policy
    items: list[Drawable] = []
    problems: list[str] = []
    for node in tree.leaves():
        visible = node.effectively_visible()
        if visible_only and not visible:
            continue
        geo = node.geometry
        kind_of_data = owner_kind(shot, node)
        try:
            path = shot.geometry_path(node)
            reader = reader_for(path)
            obj = reader.object(geo.object)
            kind = DRAWS_AS.get(obj.schema_name)
            if kind is None:
                raise SdfError(f"object '{geo.object}' is not geometry ({obj.schema_name})", path)
            animated = reader.is_animated(geo.object)
        except SdfError as exc:
            problems.append(f"{node.path}: {exc}")
            continue
        if animated_only and not animated:
            continue
        owner = (policy.owner(kind_of_data) if policy is not None else None) or "nobody"
        items.append(Drawable(node.path, path, geo.object, kind, kind_of_data, owner,
                              shot.access(kind_of_data) == "edit", animated, visible))
    return items, problems
