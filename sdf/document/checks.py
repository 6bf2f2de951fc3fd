"""What a shot document or part document must satisfy beyond its JSON Schema, and a cache of documents
that passed (by content hash), so published versions read again and again are checked once.

Structure is the schema's (:func:`sdf.document.schema.check_structure`); here are the rules a schema cannot
say: finite numbers, usable matrices, unique names, keys that increase, overlays that set only what
their kind may set, sane frame ranges.
"""
from __future__ import annotations

import math
import os
import re
from typing import Any

from sdf.runtime import jsonio

from sdf.document import schema
from sdf.document.elements import first_bad_matrix, matrix_problem
from sdf.runtime import user_cache
from sdf.errors import FormatError, has_control_characters

MAX_FRAMES = 1_000_000
MAX_ABS_FRAME = 10_000_000


def _first_nonfinite(value: Any, path: list) -> list | None:
    if isinstance(value, float) and not math.isfinite(value):
        return path
    if isinstance(value, dict):
        for k, v in value.items():
            found = _first_nonfinite(v, path + [k])
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = _first_nonfinite(v, path + [i])
            if found is not None:
                return found
    return None


class _CheckedCache:
    """Documents already checked, by content hash: checking is a pure function of the bytes and the schema.

    Published versions never change, so the same document is read again and again by every
    department view; re-validating it each time was most of the cost of opening a view.
    A marker entry (:func:`sdf.runtime.user_cache.entry` ``checked``, ``<sha256>-<name>``) records a document that passed,
    where the key hashes the published schema and the modules holding the semantic checks; a changed
    document, schema or check simply misses. Only successes are cached; SDF_NO_CHECK_CACHE=1
    turns it off.
    """

    def __init__(self):
        self._code: str | None = None
        self._seen: set[str] = set()

    def _entry(self, key: str) -> str | None:
        if self._code is None:
            from sdf.document import elements

            try:  # the schema, and the code of the semantic checks (here and the matrix checks)
                self._code = user_cache.code_key(schema.SCHEMA_FILE, __file__, elements.__file__)
            except OSError:
                self._code = ""
        return user_cache.entry("checked", key, code=self._code) if self._code else None

    def passed(self, name: str, digest: str) -> bool:
        key = f"{digest}-{name}"
        if key in self._seen:
            return True
        path = self._entry(key)
        if path and os.path.exists(path):
            self._seen.add(key)
            return True
        return False

    def record(self, name: str, digest: str) -> None:
        key = f"{digest}-{name}"
        self._seen.add(key)
        user_cache.store(self._entry(key), b"")  # a read-only cache: only speed is lost


CHECKED = _CheckedCache()


def check_document_cached(name: str, doc: dict, file: str | None, digest: str, text: str | None = None) -> None:
    """:func:`check_document`, skipped for a document (by content hash) that already passed."""
    if os.environ.get("SDF_NO_CHECK_CACHE") or not CHECKED.passed(name, digest):
        check_document(name, doc, file, text=text)
        CHECKED.record(name, digest)


def check_document(name: str, doc: dict, file: str | None, prefix: str = "", text: str | None = None) -> None:
    """Structure (JSON Schema) plus what a schema cannot say: finite numbers, usable matrices, unique names.

    ``text`` is the document's source when known: a document whose text has no NaN or
    Infinity literal needs no walk over every number.
    """
    bad = _first_nonfinite(doc, []) if text is None or jsonio.has_nonfinite(text) else None
    if bad is not None:
        field = schema.field_path(doc, bad)
        raise FormatError("NaN or infinite number", file, f"{prefix}/{field}" if prefix else field)
    schema.check_structure(name, doc, file, prefix)
    if text is None or _CONTROL_ESCAPES.search(text):
        bad = _first_control_name(doc)
        if bad is not None:
            field = schema.field_path(doc, bad)
            raise FormatError("a name or path cannot hold control characters (a newline, a tab...)", file,
                              f"{prefix}/{field}" if prefix else field)

    def where(*parts: str) -> str:
        return "/".join(p for p in (prefix, *parts) if p)

    def check_nodes(nodes: list, path: str, key: str = "children") -> None:
        seen = set()
        for node in nodes:
            node_path = f"{path}/{node['name']}" if path else node["name"]
            if node["name"] in seen:
                raise FormatError(f"duplicate name '{node['name']}'", file, where(node_path))
            seen.add(node["name"])
            if "transform" in node:
                problem = matrix_problem(node["transform"])
                if problem:
                    raise FormatError(problem, file, where(node_path, "transform"))
            for attr, keys in (node.get("animation") or {}).items() if name == "LightTree" else ():
                _check_keys(keys, attr, file, where(node_path, "animation", attr))
            if "include" in node and node.get("children"):
                raise FormatError("a node with 'include' takes its children from the included file",
                                  file, where(node_path, "children"))
            check_nodes(node.get(key, []), node_path, key)

    if name in ("ModelTree", "LightTree"):
        check_nodes(doc["children"], "")
    elif name == "Overlay":
        for path, op in doc["opinions"].items():
            if "transform" in op and matrix_problem(op["transform"]):
                raise FormatError(matrix_problem(op["transform"]), file, where("opinions", path, "transform"))
            allowed = set(_OVERLAY_FIELDS[doc["kind"]])
            extra = set(op) - allowed
            if extra:
                raise FormatError(f"{doc['kind']} overlay cannot set {', '.join(sorted(extra))}", file,
                                  where("opinions", path))
    elif name == "CameraSet":
        seen = set()
        for cam in doc["cameras"]:
            if cam["name"] in seen:
                raise FormatError(f"duplicate camera '{cam['name']}'", file, where(cam["name"]))
            seen.add(cam["name"])
            if cam["near_clip"] >= cam["far_clip"]:
                raise FormatError("near_clip must be less than far_clip", file, where(cam["name"], "near_clip"))
            bad = first_bad_matrix(cam["transform"]["samples"])
            if bad is not None:
                i, problem = bad
                raise FormatError(problem, file, where(cam["name"], "transform", f"samples[{i}]"))
    elif name == "RenderLayerSet":
        seen = set()
        for layer in doc["layers"]:
            if layer["name"] in seen:
                raise FormatError(f"duplicate render layer '{layer['name']}'", file, where(layer["name"]))
            seen.add(layer["name"])
            aovs = [a["name"] for a in layer["aovs"]]
            if len(set(aovs)) != len(aovs):
                raise FormatError("duplicate AOV name", file, where(layer["name"], "aovs"))
    elif name == "Layout":
        for p in doc["proxies"]:
            b = p["bounds"]
            if any(b[i] > b[i + 3] for i in range(3)):
                raise FormatError("bounds min is greater than max", file, where(p["name"], "bounds"))
            if "transform" in p and matrix_problem(p["transform"]):
                raise FormatError(matrix_problem(p["transform"]), file, where(p["name"], "transform"))
    elif name == "Shot":
        fr = doc["frame_range"]
        if fr["end"] < fr["start"]:
            raise FormatError(f"end {fr['end']} is before start {fr['start']}", file, where("frame_range"))
        if fr["end"] - fr["start"] + 1 > MAX_FRAMES or max(abs(fr["start"]), abs(fr["end"])) > MAX_ABS_FRAME:
            raise FormatError(f"absurd frame range {fr['start']}-{fr['end']}", file, where("frame_range"))


#: How JSON text spells a control character inside a string (raw ones are not valid JSON).
_CONTROL_ESCAPES = re.compile(r"\\[nrtbf]|\\u00[01]")


def _first_control_name(doc: Any) -> list | None:
    """Path to the first name (a "name" value) or overlay path key holding a control character.

    JSON Schema's ``$`` is matched by Python's re before a final newline, so ``"hero\n"``
    passes the name pattern; this closes that gap for every name and element path.
    """
    stack: list[tuple[Any, list]] = [(doc, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            for k, v in value.items():
                if isinstance(k, str) and has_control_characters(k) and path and path[-1] == "opinions":
                    return path + [k]
                if k == "name" and isinstance(v, str) and has_control_characters(v):
                    return path + [k]
                if isinstance(v, (dict, list)):
                    stack.append((v, path + [k]))
        elif isinstance(value, list):
            stack.extend((v, path + [i]) for i, v in enumerate(value) if isinstance(v, (dict, list)))
    return None


_OVERLAY_FIELDS = {"placement": ("transform", "visible"), "materials": ("material",), "fx": ("effects",),
                   "animation": ("animation",)}
_KEY_WIDTH = {"intensity": 1, "exposure": 1, "color": 3, "transform": 16}


def _check_keys(keys: list, attr: str, file: str | None, field: str) -> None:
    width = _KEY_WIDTH[attr]
    last = -math.inf
    for k in keys:
        if len(k) != width + 1:
            raise FormatError(f"each key is [frame, {width} value(s)], got {len(k)} numbers", file, field)
        if k[0] <= last:
            raise FormatError("key frames must increase", file, field)
        last = k[0]
        if attr == "transform" and matrix_problem(k[1:]):
            raise FormatError(matrix_problem(k[1:]), file, field)
