"""Diff and three-way merge of part documents, on the shapes every part schema uses."""
from __future__ import annotations

import pytest

from sdf.document.docdiff import Conflict, merge, merge_preferring_ours, summarize


def _lights(**fields):
    key = {"name": "key", "type": "distant", "intensity": 3.0, "color": [1, 1, 1]}
    fill = {"name": "fill", "type": "sphere", "intensity": 0.8}
    key.update(fields.get("key", {}))
    fill.update(fields.get("fill", {}))
    return {"$schema": "LightTree.1", "children": [{"name": "g", "children": [key, fill]}]}


def test_summarize_names_elements_and_fields():
    assert summarize(_lights(), _lights(fill={"intensity": 1.5})) == ["g/fill: intensity"]
    new = _lights()
    new["children"][0]["children"].append({"name": "rim", "type": "sphere", "intensity": 1.0})
    del new["children"][0]["children"][0]
    assert summarize(_lights(), new) == ["g/key: (removed)", "g/rim: (added)"]
    assert summarize({"kind": "placement", "opinions": {"/chars/hero": {"transform": [1]}}},
                     {"kind": "placement", "opinions": {"/chars/hero": {"transform": [2]}, "/env": {"visible": False}}}
                     ) == ["chars/hero: transform", "env: (added)"]
    many = {"children": [{"name": f"n{i}", "v": 1} for i in range(30)]}
    changed = {"children": [{"name": f"n{i}", "v": 2} for i in range(30)]}
    lines = summarize(many, changed, limit=5)
    assert len(lines) == 6 and lines[-1] == "... and 25 more elements"


def test_merge_keeps_both_sides_changes():
    base = _lights()
    ours = _lights(key={"intensity": 5.0})
    theirs = _lights(fill={"color": [1, 0, 0]})
    theirs["children"][0]["children"].append({"name": "rim", "type": "sphere", "intensity": 1.0})
    merged = merge(base, ours, theirs)
    key, fill, rim = merged["children"][0]["children"]
    assert key["intensity"] == 5.0 and fill["color"] == [1, 0, 0] and rim["name"] == "rim"


def test_merge_deletions_and_conflicts():
    base = _lights()
    ours = _lights()
    del ours["children"][0]["children"][1]  # we deleted fill
    assert [c["name"] for c in merge(base, ours, _lights(key={"intensity": 4.0}))["children"][0]["children"]] == ["key"]
    with pytest.raises(Conflict) as err:  # they edited what we deleted
        merge(base, ours, _lights(fill={"intensity": 2.0}))
    assert err.value.paths == ["g/fill"]
    with pytest.raises(Conflict, match="g/key/intensity"):
        merge(base, _lights(key={"intensity": 1.0}), _lights(key={"intensity": 2.0}))
    merged, kept = merge_preferring_ours(base, _lights(key={"intensity": 1.0}), _lights(key={"intensity": 2.0},
                                                                                         fill={"intensity": 9.0}))
    assert kept == ["g/key/intensity"]
    assert merged["children"][0]["children"][0]["intensity"] == 1.0
    assert merged["children"][0]["children"][1]["intensity"] == 9.0
