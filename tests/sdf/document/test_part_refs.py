"""A part reference that names no file is reported (``sdf status`` asks first), never taken as up to date."""
from __future__ import annotations

import json
import os

import pytest

import sdf
from sdf.errors import ResolveError
from sdf.document.part_refs import check_part_refs, unresolvable_part_refs


def _set_parts(shot: str, **parts) -> None:
    doc = json.load(open(shot))
    doc["parts"].update(parts)
    with open(shot, "w") as fh:
        json.dump(doc, fh)


def test_a_good_shot_has_no_unresolvable_reference(demo):
    _, shot = demo
    assert unresolvable_part_refs(sdf.open(shot)) == []
    check_part_refs(sdf.open(shot, department="lighting"))


@pytest.mark.parametrize("kind, ref, message", [
    ("lights", {"ref": "lighting/lightz.json"}, "parts/lights: referenced file 'lighting/lightz.json' not found"),
    ("cameras", {"ref": "tracking/cameras.json", "version": 7},
     "parts/cameras/version: referenced file 'tracking/cameras.v007.json' not found"),
    ("rig", {"ref": "rig"}, "parts/rig: 'rig' is a directory, not a part document"),
    ("layout", {"ref": "${NO_SUCH_VARIABLE}/layout.json"}, "parts/layout: undefined variable ${NO_SUCH_VARIABLE}"),
    ("materials", {"ref": "../../../elsewhere/materials.json"}, "parts/materials: '../../../elsewhere/materials.json' "
                                                                "resolves outside the project root"),
])
def test_each_kind_of_unresolvable_reference_is_one_line_naming_the_shot_and_field(demo, kind, ref, message):
    _, shot = demo
    _set_parts(shot, **{kind: ref})
    view = sdf.open(shot)  # opening reads no part: the shot itself is well formed
    errors = unresolvable_part_refs(view)
    assert len(errors) == 1 and errors[0].file == shot, errors
    assert f"{errors[0].field}: {errors[0].message}".startswith(message), errors
    assert "\n" not in str(errors[0])
    with pytest.raises(ResolveError) as err:
        check_part_refs(view)
    assert err.value.file == shot and err.value.field.startswith(f"parts/{kind}") and err.value.exit_code == 2


def test_latest_of_a_part_never_published_and_gone(demo):
    _, shot = demo
    os.remove(os.path.join(os.path.dirname(shot), "fx", "fx.json"))
    _set_parts(shot, fx={"ref": "fx/fx.json", "version": "latest"})
    (error,) = unresolvable_part_refs(sdf.open(shot))
    assert (error.field, error.message) == ("parts/fx", "no published version of 'fx/fx.json'")


def test_every_broken_reference_is_listed_in_part_order_whatever_the_view(demo):
    _, shot = demo
    _set_parts(shot, lights={"ref": "lighting/lightz.json"}, cameras={"ref": "tracking/nope.json"})
    for department in (None, "animation", "lighting"):
        fields = [e.field for e in unresolvable_part_refs(sdf.open(shot, department=department))]
        assert fields == ["parts/cameras", "parts/lights"], (department, fields)


def test_a_published_and_pinned_part_resolves(demo, run):
    _, shot = demo
    assert run("publish", shot, "-d", "lighting", "-m", "v1").exit_code == 0
    view = sdf.open(shot)
    assert view.parts["lights"].version == 1 and unresolvable_part_refs(view) == []
