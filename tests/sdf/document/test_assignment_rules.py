"""The Python API refuses a bad value on assignment, with the schema's own rule (sdf.document.schema.values):
the error names the file, the element and the field, like the checks of a document read from disk."""
import json
import os

import numpy as np
import pytest

import sdf
from sdf.document.cameras import Camera
from sdf.document.elements import Element
from sdf.errors import FieldValueError
from sdf.document.lights import Light
from sdf.document.schema import published_schema
from sdf.document.schema.values import describe, field_schema

from conftest import tree_hashes


@pytest.fixture
def lighting(demo, monkeypatch):
    root, shot = demo
    monkeypatch.chdir(os.path.dirname(shot))
    return root, sdf.open("sh010.sdf", department="lighting")


@pytest.mark.parametrize("value", ["bright", -1.0, float("nan"), float("inf"), None, True, "2.0", [1.0]])
def test_readme_light_intensity_is_refused_with_file_element_field_and_rule(lighting, value):
    root, view = lighting
    key = view.lights.find("key_group/key")
    before_value, before = key.intensity, tree_hashes(root)
    with pytest.raises(sdf.FormatError) as info:
        key.intensity = value
    text = str(info.value)
    assert text.startswith("lighting/lights.json: key_group/key/intensity: must be a number >= 0"), text
    assert info.value.file.endswith(os.path.join("lighting", "lights.json"))
    assert info.value.field == "key_group/key/intensity"
    assert isinstance(info.value, ValueError)  # what callers assigning a bad value have always caught
    assert key.intensity == before_value and not view.lights._doc.dirty  # nothing changed, nothing to save
    assert view.save() == [] and tree_hashes(root) == before


def test_good_values_still_go_through_and_save(lighting):
    root, view = lighting
    key = view.lights.find("key_group/key")
    key.intensity = 3          # an int is a number
    key.exposure = np.float32(-0.5)  # numpy scalars are numbers
    key.color = np.array([1.0, 0.5, 0.25])
    key.transform = np.eye(4)  # a 4x4 array is a matrix
    key.animation = {"intensity": [[1001, 1.0], [1010, 2.0]]}
    view.save()
    data = json.load(open(os.path.join("lighting", "lights.json")))
    saved = data["children"][0]["children"][0]
    assert saved["intensity"] == 3.0 and saved["exposure"] == -0.5 and saved["color"] == [1.0, 0.5, 0.25]
    assert saved["animation"] == {"intensity": [[1001, 1.0], [1010, 2.0]]}
    assert sdf.open("sh010.sdf").lights.find("key_group/key").transform == tuple(np.eye(4).reshape(-1))


@pytest.mark.parametrize("field,value,where,rule", [
    ("color", "red", "color", "must be a colour (3 numbers >= 0)"),
    ("color", (1.0, -1.0, 0.0), "color", "must be a colour (3 numbers >= 0)"),
    ("type", "laser", "type", "must be one of 'group', 'distant', 'point', 'spot', 'rect', 'disk', 'sphere', 'dome'"),
    ("transform", [1, 2], "transform", "must be a 4x4 matrix (16 numbers)"),
    ("texture", "", "texture", "must be a path (non-empty text)"),
    ("cone_angle", 200, "cone_angle", "must be a number >= 0 and <= 180"),
    ("cone_softness", "soft", "cone_softness", "must be a number >= 0 and <= 1"),
    ("exposure", "high", "exposure", "must be a number"),
    ("visible", "yes", "visible", "must be true or false"),
    ("name", "key light", "name", "must be a name (a letter or '_', then letters, digits, '_', '.' or '-')"),
    ("animation", {"intensity": [[1001]]}, "animation/intensity", "must be animation keys"),
    ("animation", {"intensty": [[1001, 1]]}, "animation", "unknown field 'intensty' (did you mean 'intensity'?)"),
])
def test_every_light_field_follows_the_schema(lighting, field, value, where, rule):
    _, view = lighting
    with pytest.raises(FieldValueError) as info:
        setattr(view.lights.find("key_group/key"), field, value)
    assert str(info.value) == f"lighting/lights.json: key_group/key/{where}: {rule}" or \
        str(info.value).startswith(f"lighting/lights.json: key_group/key/{where}: {rule}")


def test_cameras_layers_shot_and_model_fields_follow_the_schema(demo, monkeypatch):
    root, shot = demo
    monkeypatch.chdir(os.path.dirname(shot))
    view = sdf.open("sh010.sdf")
    before = tree_hashes(root)
    cam = view.cameras.get("shotCam")
    body = view.model_tree.find("/chars/hero/body")
    layer = view.render_layers.get("characters")
    cases = [
        (cam, "focal_length", 0, "tracking/cameras.json: shotCam/focal_length: must be a number > 0"),
        (cam, "transforms", [], "tracking/cameras.json: shotCam/transforms: must be a non-empty list of 4x4 "
                                "matrices (16 numbers each)"),
        (cam, "transform_start", 1.5, "tracking/cameras.json: shotCam/transform_start: must be a whole number"),
        (view.cameras, "shot_camera", "shot cam", "tracking/cameras.json: shot_camera: must be a name"),
        (layer, "members", [], "lighting/render_layers.json: characters/members: must be a non-empty list of "
                               "paths starting with '/'"),
        (layer, "output", {"path": "x.png"}, "lighting/render_layers.json: characters/output/path: must be a "
                                             "file name ending .exr"),
        (layer, "enabled", "no", "lighting/render_layers.json: characters/enabled: must be true or false"),
        (view, "fps", 0, "sh010.sdf: fps: must be a number >= 1 and <= 1000"),
        (view, "up_axis", "X", "sh010.sdf: up_axis: must be one of 'Y', 'Z'"),
        (view, "frame_range", (1010, 1001), "sh010.sdf: frame_range: frame range end is before start"),
        (view, "frame_range", (1, "a"), "sh010.sdf: frame_range/end: must be a whole number"),
        (body, "source", {"file": "model/hero.abc", "object": "body"},
         "model/model_tree.json: chars/hero/body/source/object: must be a path starting with '/'"),
        # Composed fields are named where the edit goes: the owning department's overlay.
        (body, "transform", [0] * 3, "final_layout/placement.json: opinions/chars/hero/body/transform: must be "
                                     "a 4x4 matrix (16 numbers)"),
        (body, "material", 3, "texture_shader/materials.json: opinions/chars/hero/body/material: must be text"),
        (body, "effects", "smoke", "fx/fx.json: opinions/chars/hero/body/effects: must be a list of texts"),
        (body, "animation", {"file": "anim/hero_anim.abc"}, "animation/animation.json: opinions/chars/hero/body/"
                                                           "animation: must be an Alembic source"),
    ]
    for element, field, value, expected in cases:
        with pytest.raises(FieldValueError) as info:
            setattr(element, field, value)
        assert str(info.value).startswith(expected), (field, str(info.value))
    assert view.save() == [] and tree_hashes(root) == before


def test_every_typed_field_of_every_element_class_has_its_rule_in_the_schema():
    """One rule: each class names its schema definition, and every field it stores is described there
    (or is structural: children lists, metadata dicts)."""
    from sdf.document.cameras import CameraSet
    from sdf.document.lights import LightGroup, LightTree
    from sdf.document.model_tree import FIELD_KIND, ModelNode, ModelTree
    from sdf.document.references import Layout, RigList
    from sdf.document.render_layers import RenderLayer, RenderLayerSet
    from sdf.document.shot import Shot

    defs = published_schema()["$defs"]
    for cls in (Light, LightGroup, LightTree, Camera, CameraSet, ModelNode, ModelTree, RenderLayer, RenderLayerSet,
                RigList, Layout, Shot):
        assert cls._schema in defs, cls
        fields = set(cls._fields) | (set(FIELD_KIND) if cls is ModelNode else set())
        for name in fields:
            found = field_schema(cls._schema, cls._schema_fields.get(name, name))
            assert found is not None, (cls.__name__, name)
            assert describe(found[0])  # said in words


def test_detached_elements_are_checked_too():
    light = Light("key", "point")
    with pytest.raises(FieldValueError, match=r"^key/intensity: must be a number >= 0$"):
        light.intensity = -1.0
    cam = Camera("cam")
    with pytest.raises(FieldValueError, match=r"^cam/far_clip: must be a number > 0$"):
        cam.far_clip = -5


def test_a_misspelt_attribute_is_named_with_a_suggestion(lighting):
    _, view = lighting
    with pytest.raises(AttributeError, match=r"Light has no field 'intensty' \(did you mean 'intensity'\?\)"):
        view.lights.find("key_group/key").intensty = 1.0


def test_inline_parts_are_named_in_the_shot_document(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shot = sdf.create_shot(tmp_path / "s.sdf", "s", frame_range=(1, 10),
                           parts={"lights": (sdf.LightTree([Light("sun", "distant")]), None)})
    with pytest.raises(FieldValueError, match=r"^s\.sdf: lights/sun/intensity: must be a number >= 0$"):
        shot.lights.find("sun").intensity = -2


def test_the_rule_text_comes_from_the_schema():
    assert describe({"type": "number", "minimum": 0}) == "a number >= 0"
    assert describe({"type": "number", "exclusiveMinimum": 0, "maximum": 1000}) == "a number > 0 and <= 1000"
    assert describe({"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}) == \
        "a list of 2 whole numbers"
    assert describe({"enum": ["Y", "Z"]}) == "one of 'Y', 'Z'"
    assert isinstance(Light("a", "point"), Element)
