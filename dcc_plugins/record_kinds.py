"""The record kinds: the one table of what a host holds as native, editable data.

A *record kind* is a kind of shot data a DCC host turns into native nodes (:mod:`.records` has
the records' shapes). Everything the core needs to know about a kind is declared here, once:
which shot part its records are read from, where it comes in the build order, and whether its
elements are the model tree's structure. The session, the planner and the host contract
(:func:`.host.register_host`, which makes every host declare a codec or an explicit opt-out
for each name in :data:`NAMES`) all read this table, so adding a kind is one line here, one
records function in :mod:`.records`, one applier in :mod:`.apply`, and a codec (or an
opt-out) in every host, which the contract check asks for by name.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordKind:
    """One kind of native data a host holds."""

    name: str
    #: The shot part its records are read from (placement, materials and effects hang on the model tree).
    part: str
    #: Position in the build order: the placement hierarchy first (geometry hangs below it), then
    #: the leaves' opinions, then the rest.
    build: int
    #: Its elements are the model tree's nodes: adding or deleting one in a host is not an edit of
    #: the shot (a deleted display node comes back at Update), and re-parenting one is refused.
    structural: bool
    summary: str
    #: The shot kind whose opinions the records carry when they hang on another part (a leaf's
    #: material comes from the ``materials`` overlay): a department that does not see that kind gets
    #: no records of it, though it sees the part they hang on. None: the records are the part's own.
    opinions: str | None = None


KINDS: tuple[RecordKind, ...] = (
    RecordKind("placement", "model_tree", 0, True, "one node per model-tree node: its transform and visibility"),
    RecordKind("materials", "model_tree", 1, True, "each leaf's material reference", "materials"),
    RecordKind("fx", "model_tree", 2, True, "each model-tree node's effect references", "fx"),
    RecordKind("lights", "lights", 5, False, "lights and light groups"),
    RecordKind("cameras", "cameras", 4, False, "cameras, and which is the shot camera"),
    RecordKind("layout", "layout", 3, False, "rough-layout proxies, and the layout camera"),
)

#: The record kinds' names, in the order sessions store and diff them.
NAMES: tuple[str, ...] = tuple(k.name for k in KINDS)
#: The order a host builds them in.
BUILD_ORDER: tuple[str, ...] = tuple(k.name for k in sorted(KINDS, key=lambda k: k.build))
#: The kinds whose elements are the model tree's structure (see :attr:`RecordKind.structural`).
STRUCTURAL: frozenset[str] = frozenset(k.name for k in KINDS if k.structural)
#: The shot part each kind's records are read from.
SOURCE_PART: dict[str, str] = {k.name: k.part for k in KINDS}


def kind(name: str) -> RecordKind:
    """The declaration of record kind ``name``; a name not in the table is a programming error."""
    for k in KINDS:
        if k.name == name:
            return k
    raise KeyError(f"no record kind {name!r} (the kinds are {', '.join(NAMES)})")
