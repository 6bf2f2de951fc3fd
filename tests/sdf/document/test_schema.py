import json

import pytest

import sdf
from sdf.document import schema
from sdf.errors import SchemaVersionError


def _v1_shot():
    return {
        "sdf_schema": "Shot.1", "name": "old", "frame_range": [101, 148], "fps": 25, "up_axis": "Y",
        "units": "cm",
        "parts": {"cameras": {"sdf_schema": "CameraSet.1", "cameras": [{
            "name": "cam", "focal_length": 35, "horizontal_aperture": 36, "vertical_aperture": 24,
            "near_clip": 0.1, "far_clip": 1000,
            "transform": {"start": 101, "samples": [[1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 10, 1]]}}]}},
    }


def test_version_1_document_is_upgraded_on_read(tmp_path):
    p = tmp_path / "old.sdf"
    p.write_text(json.dumps(_v1_shot()))
    shot = sdf.open(p)
    assert (shot.frame_range.start, shot.frame_range.end) == (101, 148)
    assert shot.meters_per_unit == 0.01
    assert shot.cameras.get("cam").matrix_at(120)[14] == 10
    # Saving writes the current version; the upgrade is not repeated.
    shot.fps = 24
    shot.save()
    data = json.loads(p.read_text())
    assert data["sdf_schema"] == "Shot.2"
    assert data["frame_range"] == {"start": 101, "end": 148}
    assert "units" not in data


def test_future_version_is_refused(tmp_path):
    doc = _v1_shot()
    doc["sdf_schema"] = "Shot.9"
    p = tmp_path / "future.sdf"
    p.write_text(json.dumps(doc))
    with pytest.raises(SchemaVersionError, match=r"Shot\.9 is newer"):
        sdf.open(p)


def test_unknown_schema_and_malformed_tag():
    with pytest.raises(SchemaVersionError, match="unknown schema 'Scene'"):
        schema.upgrade_document({"sdf_schema": "Scene.1"}, "x.sdf")
    with pytest.raises(sdf.FormatError, match="malformed schema tag"):
        schema.upgrade_document({"sdf_schema": "Shot"}, "x.sdf")


def test_published_schema_covers_every_current_schema():
    defs = schema.published_schema()["$defs"]
    for name, version in schema.CURRENT.items():
        assert defs[name]["properties"]["sdf_schema"]["const"] == f"{name}.{version}"


def test_demo_documents_validate_against_published_schema(demo_master):
    import os

    import jsonschema

    root, shot = demo_master
    full = schema.published_schema()
    for d, _, files in os.walk(os.path.dirname(shot)):
        for f in files:
            data = json.load(open(os.path.join(d, f)))
            name = data["sdf_schema"].split(".")[0]
            jsonschema.validate(data, dict(full, **{"$ref": f"#/$defs/{name}"}))


@pytest.mark.parametrize("mutate", [
    lambda d: d["cameras"][0].update(focal_length="35"),
    lambda d: d["cameras"][0].update(focal_length=-1),
    lambda d: d["cameras"][0]["transform"]["samples"].append([1, 2, 3]),
    lambda d: d["cameras"][0].update(extra=1),
    lambda d: d["cameras"][0].pop("near_clip"),
    lambda d: d["cameras"][0].update(name="bad name!"),
    lambda d: d.update(shot_camera=3),
])
def test_compiled_and_reference_validators_agree(demo_master, mutate):
    import os

    _, shot = demo_master
    doc = json.load(open(os.path.join(os.path.dirname(shot), "tracking", "cameras.json")))
    assert schema._fast_validators()["CameraSet"](doc) is not None or True  # the good document passes
    mutate(doc)
    with pytest.raises(Exception):
        schema._fast_validators()["CameraSet"](doc)
    assert list(schema._validator("CameraSet").iter_errors(doc))
    with pytest.raises(sdf.FormatError):
        schema.check_structure("CameraSet", doc, "cameras.json")


def test_every_schema_has_a_compiled_validator():
    assert set(schema._fast_validators()) == set(schema.CURRENT)
