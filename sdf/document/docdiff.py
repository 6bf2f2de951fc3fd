"""Comparing and merging versions of one part document: what a working copy changed, and how two
people's edits of the same part combine.

A department edits its *working copy* of a part (the unversioned file beside the published
versions) and publishes it as the next version. Two questions come up all the time, and both are
answered here, on the documents as JSON, so every caller (``sdf status``, ``sdf discard``, a DCC
session's Status, ``save`` and ``publish``) gives the same answer:

- *What changed?* :func:`summarize` names the elements and fields that differ, the way an artist
  thinks of them (``fill_group/fill: intensity``), not as JSON paths.
- *Can two edits be combined?* :func:`merge` is a three-way merge against the version both started
  from. Elements are matched by name (lists of named elements are sets of elements in an order,
  as in every part schema), so a lighter who changed the key and another who added a rim both keep
  their work; two different values for the same field are a conflict, named, and nothing is written.
  Why not last-writer-wins: a publish that silently reverts a colleague's published change is the
  failure this project exists to prevent.
"""
from __future__ import annotations

from typing import Any

_MISSING = object()

#: Keys holding the document's own bookkeeping rather than an element's field.
_IGNORED_KEYS = frozenset({"$schema"})


def _named_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(v, dict) and isinstance(v.get("name"), str) for v in value)


def _is_container(key: str, value: Any) -> bool:
    """A key whose value holds elements (named children, overlay opinions), not a field."""
    return _named_list(value) or key == "opinions"


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


def _element_changes(old: Any, new: Any, element: str, out: dict[str, list[str]]) -> None:
    """Collect ``{element path: [changed fields or '(added)'/'(removed)']}`` between two element dicts."""
    keys = [k for k in dict.fromkeys([*old, *new]) if k not in _IGNORED_KEYS and k != "name"]
    for key in keys:
        a, b = old.get(key, _MISSING), new.get(key, _MISSING)
        if a == b:
            continue
        if _is_container(key, a if a is not _MISSING else b) and (a is _MISSING or isinstance(a, (list, dict))) \
                and (b is _MISSING or isinstance(b, (list, dict))):
            _children_changes(key, a if a is not _MISSING else [], b if b is not _MISSING else [], element, out)
        else:
            out.setdefault(element or "(document)", []).append(key)


def _as_named(key: str, value: Any) -> dict[str, Any]:
    if key == "opinions" and isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return {v["name"]: v for v in value if isinstance(v, dict) and "name" in v}
    return {}


def _children_changes(key: str, old: Any, new: Any, element: str, out: dict[str, list[str]]) -> None:
    a, b = _as_named(key, old), _as_named(key, new)
    for name in dict.fromkeys([*a, *b]):
        path = _join(element, name.strip("/") if key == "opinions" else name)
        if name not in a:
            out.setdefault(path, []).append("(added)")
        elif name not in b:
            out.setdefault(path, []).append("(removed)")
        elif a[name] != b[name]:
            if isinstance(a[name], dict) and isinstance(b[name], dict):
                _element_changes(a[name], b[name], path, out)
            else:
                out.setdefault(path, []).append("(changed)")
    if key != "opinions" and [n for n in a if n in b] != [n for n in b if n in a]:
        out.setdefault(element or "(document)", []).append(f"{key} order")


def summarize(old: dict, new: dict, limit: int = 20) -> list[str]:
    """What differs from ``old`` to ``new``, one line per element: ``fill_group/fill: intensity, color``.

    At most ``limit`` lines; a last line says how many more elements changed."""
    out: dict[str, list[str]] = {}
    _element_changes(old, new, "", out)
    lines = [f"{path}: {', '.join(fields)}" for path, fields in out.items()]
    if len(lines) > limit:
        lines = lines[:limit] + [f"... and {len(lines) - limit} more elements"]
    return lines


class Conflict(Exception):
    """Both sides changed the same field differently (``paths`` names each one)."""

    def __init__(self, paths: list[str]):
        super().__init__(", ".join(paths))
        self.paths = paths


def merge(base: Any, ours: Any, theirs: Any) -> Any:
    """Three-way merge of two documents that both started from ``base``; raises :class:`Conflict`.

    A field changed on one side only takes that side's value; an element added or removed on one
    side is added or removed; elements are matched by name and keep our order, with elements only
    they added appended in their order."""
    merged, conflicts = merge_preferring_ours(base, ours, theirs)
    if conflicts:
        raise Conflict(conflicts)
    return merged


def merge_preferring_ours(base: Any, ours: Any, theirs: Any) -> tuple[Any, list[str]]:
    """:func:`merge`, where a field both sides changed keeps our value: ``(merged, those fields)``.

    For a publish over a version published meanwhile: the superseded value stays in that version's
    history, while every change of theirs we did not touch is kept."""
    conflicts: list[str] = []
    merged = _merge(base, ours, theirs, "", "", conflicts)
    return merged, conflicts


def _merge(base: Any, ours: Any, theirs: Any, key: str, path: str, conflicts: list[str]) -> Any:
    if ours == theirs:
        return ours
    if ours == base:
        return theirs
    if theirs == base:
        return ours
    if isinstance(ours, dict) and isinstance(theirs, dict) and (isinstance(base, dict) or base is _MISSING):
        if key == "opinions":
            return _merge_named(base if isinstance(base, dict) else {}, ours, theirs, path, conflicts, opinions=True)
        b = base if isinstance(base, dict) else {}
        out = {}
        for k in dict.fromkeys([*ours, *theirs]):
            sample = ours.get(k, theirs.get(k))
            child = path if _is_container(k, sample) else _join(path, k)  # elements name themselves
            value = _merge(b.get(k, _MISSING), ours.get(k, _MISSING), theirs.get(k, _MISSING), k, child, conflicts)
            if value is not _MISSING:
                out[k] = value
        return out
    if (_named_list(ours) or ours == []) and (_named_list(theirs) or theirs == []) \
            and (base is _MISSING or _named_list(base) or base == []):
        merged = _merge_named(_as_named(key, base if base is not _MISSING else []), _as_named(key, ours),
                              _as_named(key, theirs), path, conflicts, opinions=False)
        return list(merged.values())
    conflicts.append(path or "(document)")
    return ours


def _merge_named(base: dict, ours: dict, theirs: dict, path: str, conflicts: list[str], *, opinions: bool) -> dict:
    out = {}
    for name in dict.fromkeys([*ours, *theirs]):
        label = _join(path, name.strip("/") if opinions else name)
        value = _merge(base.get(name, _MISSING), ours.get(name, _MISSING), theirs.get(name, _MISSING), "",
                       label, conflicts)
        if value is not _MISSING:
            out[name] = value
    # Deleted on one side and untouched on the other: gone (handled by _merge returning _MISSING).
    return out
