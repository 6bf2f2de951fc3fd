"""The complete example in docs/format.md conforms to the published schema."""
import json
import os
import re

from sdf.document import schema
from sdf.document.checks import check_document

DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "format.md")


def test_every_json_example_in_the_format_doc_is_valid():
    text = open(DOC, encoding="utf-8").read()
    blocks = re.findall(r"```json\n(.*?)```", text, re.S)
    assert len(blocks) >= 4
    names = []
    for block in blocks:
        doc = json.loads(block)
        name, _ = schema.parse_tag(doc, DOC)
        check_document(name, doc, DOC)
        names.append(name)
        for kind, part in doc.get("parts", {}).items():
            if "sdf_schema" in part:
                from sdf.document.shot import PART_SCHEMAS
                check_document(PART_SCHEMAS[kind], part, DOC, prefix=kind)
    assert {"Shot", "LightTree", "Overlay", "RenderLayerSet"} <= set(names)
