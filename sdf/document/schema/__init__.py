"""Schema names, versions and upgrade functions, in the manner of OpenTimelineIO.

Every document carries ``"sdf_schema": "Name.N"``. On read, a document older than
this build's current version of its schema is upgraded one version at a time by
functions registered with :func:`upgrade`; a document from the future, or of a
schema this build does not know, is refused. The structure of each current
version is published as JSON Schema in ``sdf.schema.json`` beside this file, and
checked with the ``jsonschema`` library before any typed object is built.
"""
from __future__ import annotations

import copy
import functools
import json
import os
import re
import sys
from typing import Any, Callable

from sdf.errors import FormatError, SchemaVersionError
from sdf.runtime import user_cache

SCHEMA_KEY = "sdf_schema"

#: Current version of every schema this build reads and writes.
CURRENT: dict[str, int] = {
    "Shot": 2,
    "ModelTree": 1,
    "Overlay": 1,
    "CameraSet": 1,
    "LightTree": 1,
    "RenderLayerSet": 1,
    "RigList": 1,
    "Layout": 1,
    "DepartmentPolicy": 1,
}

_UPGRADES: dict[tuple[str, int], Callable[[dict], dict]] = {}
_TAG = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\.([0-9]+)$")


def tag(name: str) -> str:
    """The ``sdf_schema`` value this build writes for ``name``."""
    return f"{name}.{CURRENT[name]}"


def upgrade(name: str, from_version: int):
    """Register a function turning a ``name`` document of ``from_version`` into ``from_version + 1``."""

    def register(fn: Callable[[dict], dict]):
        _UPGRADES[(name, from_version)] = fn
        return fn

    return register


def parse_tag(doc: Any, file: str | None, field: str = "") -> tuple[str, int]:
    if not isinstance(doc, dict):
        raise FormatError(f"expected an object, got {type(doc).__name__}", file, field or None)
    value = doc.get(SCHEMA_KEY)
    where = f"{field}/{SCHEMA_KEY}" if field else SCHEMA_KEY
    if value is None:
        raise FormatError("missing schema tag (e.g. \"Shot.2\")", file, where)
    m = _TAG.match(value) if isinstance(value, str) else None
    if not m:
        raise FormatError(f"malformed schema tag {value!r}, expected Name.N", file, where)
    return m.group(1), int(m.group(2))


def upgrade_document(doc: dict, file: str | None, expected: str | tuple[str, ...] | None = None,
                     field: str = "") -> dict:
    """Return ``doc`` at the current version of its schema (a new dict if upgraded)."""
    name, version = parse_tag(doc, file, field)
    where = f"{field}/{SCHEMA_KEY}" if field else SCHEMA_KEY
    if name not in CURRENT:
        raise SchemaVersionError(f"unknown schema '{name}'", file, where)
    if expected is not None:
        allowed = (expected,) if isinstance(expected, str) else expected
        if name not in allowed:
            raise SchemaVersionError(f"expected a {' or '.join(allowed)} document, found {name}", file, where)
    current = CURRENT[name]
    if version > current:
        raise SchemaVersionError(
            f"{name}.{version} is newer than this build understands ({name}.{current}); upgrade sdf", file, where)
    if version < 1:
        raise SchemaVersionError(f"invalid version {version}", file, where)
    if version < current:
        doc = copy.deepcopy(doc)
        while version < current:
            fn = _UPGRADES.get((name, version))
            if fn is None:
                raise SchemaVersionError(f"no upgrade from {name}.{version}", file, where)
            doc = fn(doc)
            version += 1
            doc[SCHEMA_KEY] = f"{name}.{version}"
    return doc


# --- upgrade functions ---------------------------------------------------------------------

_UNITS = {"mm": 0.001, "cm": 0.01, "dm": 0.1, "m": 1.0, "km": 1000.0, "in": 0.0254, "ft": 0.3048}


@upgrade("Shot", 1)
def _shot_1_to_2(doc: dict) -> dict:
    """Shot.1 wrote ``frame_range`` as ``[start, end]`` and units as a name (``"cm"``).

    Shot.2 names the ends (``{"start", "end"}``) and stores ``meters_per_unit`` as USD does,
    so that unusual scales (Blender's metres, a studio's decimetres) need no lookup table.
    """
    fr = doc.pop("frame_range", None)
    if isinstance(fr, list) and len(fr) == 2:
        doc["frame_range"] = {"start": fr[0], "end": fr[1]}
    elif fr is not None:
        doc["frame_range"] = fr
    units = doc.pop("units", "cm")
    if isinstance(units, str) and units in _UNITS:
        doc["meters_per_unit"] = _UNITS[units]
    else:
        doc["meters_per_unit"] = units
    return doc


# --- structural validation -----------------------------------------------------------------

SCHEMA_FILE = os.path.join(os.path.dirname(__file__), "sdf.schema.json")


@functools.lru_cache(maxsize=1)
def published_schema() -> dict:
    with open(SCHEMA_FILE, encoding="utf-8") as fh:
        return json.load(fh)


@functools.lru_cache(maxsize=None)
def _validator(name: str):
    """The reference validator (jsonschema): slow, but its errors carry exact paths and messages."""
    import jsonschema

    full = published_schema()
    root = dict(full)
    root["$ref"] = f"#/$defs/{name}"
    cls = jsonschema.validators.validator_for(full)
    return cls(root)


@functools.lru_cache(maxsize=1)
def _fast_validators() -> dict[str, Callable[[dict], Any]]:
    """Compiled validators (fastjsonschema) for the happy path, about 25 times faster.

    Every definition is compiled into one code object (a root that references them all), so
    shared definitions exist once. Generating and compiling that code takes tens of
    milliseconds, too much for every process that opens a shot, so the code object is
    cached on disk with ``marshal`` under a key made of the schema file's hash, the library
    version and the interpreter's cache tag; Python's own bytecode cache is not relied on
    (PYTHONDONTWRITEBYTECODE turns it off). Empty if fastjsonschema is unavailable: the
    reference validator then does all the work.
    """
    try:
        import fastjsonschema
    except ImportError:
        return {}
    import marshal

    try:
        key = user_cache.code_key(SCHEMA_FILE, extra=fastjsonschema.VERSION)
        path = user_cache.entry("validators", key, f".{sys.implementation.cache_tag}.marshal")
    except OSError:
        path = None
    try:
        code = marshal.loads(user_cache.load(path) or b"")
    except (EOFError, ValueError, TypeError):
        full = published_schema()
        root = dict(full, anyOf=[{"$ref": f"#/$defs/{n}"} for n in CURRENT])
        code = compile(fastjsonschema.compile_to_code(root), "<sdf validators>", "exec")
        user_cache.store(path, marshal.dumps(code))  # a read-only cache directory only costs speed
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # noqa: S102 - our own published schema, compiled by fastjsonschema
    out = {}
    for name in CURRENT:
        suffix = "___defs_" + name.lower()
        fns = [v for k, v in namespace.items() if k.startswith("validate_") and k.endswith(suffix)]
        if len(fns) == 1:
            out[name] = fns[0]
    return out


def field_path(doc: Any, path) -> str:
    """A slash path for an error location, naming list items by their ``name`` where they have one."""
    parts = []
    node = doc
    for key in path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(key, int) and isinstance(node, dict) and isinstance(node.get("name"), str):
            parts.append(node["name"])
        else:
            parts.append(str(key))
    return "/".join(p for p in parts if p != "children")


def check_structure(name: str, doc: dict, file: str | None, prefix: str = "") -> None:
    """Validate ``doc`` against the published schema of ``name``; raise FormatError on the first problem."""
    fast = _fast_validators().get(name)
    if fast is not None:
        try:
            fast(doc)
            return
        except Exception:
            pass  # fall through to the reference validator for an exact message
    validator = _validator(name)
    errors = sorted(validator.iter_errors(doc), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if not errors:
        return  # the two validators disagree only on documents the reference accepts
    err = _unknown_field_first(errors)
    # Prefer the most specific message from a oneOf/anyOf.
    if err.context:
        deepest = max(len(e.absolute_path) for e in err.context)
        err = _unknown_field_first([e for e in err.context if len(e.absolute_path) == deepest])
    field = field_path(doc, err.absolute_path)
    if prefix:
        field = f"{prefix}/{field}" if field else prefix
    message = err.message
    if err.validator == "required":
        missing = message.split("'")[1] if message.count("'") >= 2 else message
        field = f"{field}/{missing}" if field else missing
        message = "missing required field"
    elif err.validator == "additionalProperties":
        message = unknown_field_message(err.instance, err.schema.get("properties", {}))
    elif err.validator == "type":
        message = f"wrong type: {message}"
    raise FormatError(message, file, field or None)


def _unknown_field_first(errors: list) -> Any:
    """The first error, or an unknown field at the same place: a misspelt field also makes the field
    it meant go missing, and the misspelling is the one to name."""
    first = errors[0]
    for e in errors:
        if e.validator == "additionalProperties" and list(e.absolute_path) == list(first.absolute_path) and \
                isinstance(e.instance, dict):
            return e
    return first


def unknown_field_message(instance: dict, known) -> str:
    """``unknown field 'frame_rnage' (did you mean 'frame_range'?)`` for the fields of ``instance``
    that are not in ``known``: the closest known name (difflib) is suggested."""
    import difflib

    known = list(known)
    parts = []
    for key in sorted(k for k in instance if k not in known):
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        parts.append(f"'{key}' (did you mean '{close[0]}'?)" if close else f"'{key}'")
    if not parts:
        return "unknown field"
    return ("unknown field " if len(parts) == 1 else "unknown fields ") + ", ".join(parts)
