"""One field's value checked against the published schema, when the Python API assigns it.

A document read from disk is checked against ``sdf.schema.json`` before any typed object is
built; an assignment through the API (``light.intensity = -1.0``) must meet the same rule, or a
``save()`` would write a document that every reader then refuses. So each element class names
the schema definition that describes it, and the value it would write for a field is checked
against that field's subschema, with the same library. The error names the file, the element
and the field, and says the rule in words made from the subschema itself
(``lighting/lights.json: key_group/key/intensity: must be a number >= 0``): there is one rule,
the schema's, and no second copy of it in the classes.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

from sdf.errors import FieldValueError
from sdf.document.schema import published_schema

#: What a reference to a shared definition means, in words (singular, plural).
_NAMED = {
    "name": ("a name (a letter or '_', then letters, digits, '_', '.' or '-')",
             "names (a letter or '_', then letters, digits, '_', '.' or '-')"),
    "path": ("a path (non-empty text)", "paths (non-empty text)"),
    "matrix": ("a 4x4 matrix (16 numbers)", "4x4 matrices (16 numbers each)"),
    "color": ("a colour (3 numbers >= 0)", "colours (3 numbers >= 0 each)"),
    "alembicSource": ("an Alembic source ({'file': path, 'object': '/path'})",
                      "Alembic sources ({'file': path, 'object': '/path'})"),
    "keys": ("animation keys ([frame, value...] each)", "lists of animation keys"),
    "version": ("a version (a whole number >= 1, or 'latest')", "versions"),
}


def _defs() -> dict:
    return published_schema()["$defs"]


@functools.lru_cache(maxsize=None)
def field_schema(definition: str, field: str) -> tuple[dict, bool] | None:
    """(subschema, required) of ``field`` (``transform/samples`` for a nested one) in ``definition``,
    or None when the definition has no such field."""
    node = _defs().get(definition)
    required = False
    for part in field.split("/"):
        node = _resolve(node) if node is not None else None
        if node is None or part not in node.get("properties", {}):
            return None
        required = part in node.get("required", ())
        node = node["properties"][part]
    return node, required


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        node = _defs()[node["$ref"].rsplit("/", 1)[-1]]
    return node


@functools.lru_cache(maxsize=None)
def _validator(definition: str, field: str):
    import jsonschema

    full = published_schema()
    pointer = "/properties/".join(field.split("/"))
    root = dict(full)  # its $id too: references inside resolve against it, as for whole documents
    root["$ref"] = f"#/$defs/{definition}/properties/{pointer}"
    return jsonschema.validators.validator_for(full)(root)


def check_field(definition: str, field: str, raw: Any, coerce, file: str | None, where: str,
                to_json=None) -> Any:
    """The value to store for ``field``: ``coerce(raw)`` (the class's conversion), once the value given
    meets the schema's rule (``to_json``, by default :func:`as_json`, says how it would be written).

    A scalar must meet the rule as given: ``"2.0"`` is not a number and ``"yes"`` is not true, even
    though Python could convert them. A container may come in another shape that converts to a
    valid one (a 4x4 numpy matrix for a matrix field): then what it converts to must meet the rule.
    Raises :class:`FieldValueError` naming ``file`` and ``where``.
    """
    to_json = to_json or as_json
    found = field_schema(definition, field)
    if found is None:
        return coerce(raw)
    data = to_json(raw)
    if data is None and not found[1]:
        try:
            return coerce(raw)  # an optional field left out
        except (TypeError, ValueError):
            raise FieldValueError(f"must be {describe(found[0])}", file, where) from None
    problem = _problem(definition, field, data)
    if problem is not None and not isinstance(data, (list, dict)):
        raise FieldValueError(problem[1], file, _join(where, problem[0]))
    try:
        value = coerce(raw)
    except (TypeError, ValueError, KeyError, IndexError) as exc:
        if problem is None:  # a rule beyond the schema's (a frame range that ends before it starts)
            raise FieldValueError(str(exc), file, where) from None
        raise FieldValueError(problem[1], file, _join(where, problem[0])) from None
    if problem is not None:
        problem = _problem(definition, field, to_json(value))
        if problem is not None:
            raise FieldValueError(problem[1], file, _join(where, problem[0]))
    return value


def _join(where: str, sub: str) -> str:
    return f"{where}/{sub}" if sub else where


def _problem(definition: str, field: str, data: Any) -> tuple[str, str] | None:
    """None if ``data`` meets the rule of ``field``; else (where inside the field, what the rule is).
    Inside an object (an animation, an Alembic source) the member at fault is named."""
    import jsonschema

    node = field_schema(definition, field)[0]
    if not _finite(data):
        return "", f"must be {describe(node)} (not NaN or infinite)"
    errors = list(_validator(definition, field).iter_errors(data))
    if not errors:
        return None
    best = jsonschema.exceptions.best_match(errors)
    resolved = _resolve(node)
    if isinstance(data, dict) and resolved.get("type") == "object":
        if best.validator == "additionalProperties" and not best.absolute_path:
            from sdf.document.schema import unknown_field_message

            return "", unknown_field_message(data, resolved.get("properties", {}))
        path = list(best.absolute_path)
        if path and isinstance(path[0], str) and path[0] in resolved.get("properties", {}):
            return path[0], f"must be {describe(resolved['properties'][path[0]])}"
    return "", f"must be {describe(node)}"


def as_json(value: Any) -> Any:
    """What ``value`` is in a document: tuples as lists, typed values by their ``to_json``, numpy as Python."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "to_json"):
        return as_json(value.to_json())
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    if isinstance(value, Mapping):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    return value  # anything else: the schema says what is wrong with it


def _finite(data: Any) -> bool:
    if isinstance(data, float):
        return math.isfinite(data)
    if isinstance(data, list):
        return all(_finite(v) for v in data)
    if isinstance(data, dict):
        return all(_finite(v) for v in data.values())
    return True


def _num(v: float) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def describe(node: dict, plural: bool = False) -> str:
    """A subschema's rule in words: ``a number >= 0``, ``one of 'Y', 'Z'``, ``a list of 3 numbers >= 0``."""
    def noun(singular: str, many: str) -> str:
        return many if plural else singular

    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in _NAMED:
            return _NAMED[name][1 if plural else 0]
        return describe(_defs()[name], plural)
    if "enum" in node:
        return "one of " + ", ".join(repr(v) for v in node["enum"])
    if "const" in node:
        return repr(node["const"])
    for key in ("oneOf", "anyOf"):
        if key in node:
            return " or ".join(describe(n, plural) for n in node[key])
    kind = node.get("type")
    bounds = []
    for key, op in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<")):
        if key in node:
            bounds.append(f"{op} {_num(node[key])}")
    if kind == "number":
        text = noun("a number", "numbers")
    elif kind == "integer":
        text = noun("a whole number", "whole numbers")
    elif kind == "boolean":
        text = noun("true or false", "true or false values")
    elif kind == "string":
        pattern = node.get("pattern", "")
        if pattern == "^/":
            text = noun("a path starting with '/'", "paths starting with '/'")
        elif pattern.endswith("$") and pattern.startswith("\\."):
            ext = pattern[1:-1]
            text = noun(f"a file name ending {ext}", f"file names ending {ext}")
        elif node.get("minLength"):
            text = noun("non-empty text", "non-empty texts")
        else:
            text = noun("text", "texts")
    elif kind == "array":
        items = describe(node.get("items", {}), plural=True) if node.get("items") else "values"
        lo, hi = node.get("minItems"), node.get("maxItems")
        count = f"{lo} " if lo is not None and lo == hi else f"at least {lo} " if lo and lo > 1 and hi is None else ""
        empty = "non-empty " if lo == 1 and hi is None else ""
        text = noun(f"a {empty}list of {count}{items}", f"{empty}lists of {count}{items}")
    elif kind == "object":
        required, known = node.get("required"), list(node.get("properties", {}))
        if required:
            text = noun("an object", "objects") + f" with {', '.join(repr(r) for r in required)}"
        elif known and node.get("additionalProperties") is False:
            text = noun("an object", "objects") + f" of any of {', '.join(repr(k) for k in known)}"
        else:
            text = noun("an object", "objects")
    else:
        text = noun("a value", "values")
    return " ".join([text] + [" and ".join(bounds)] if bounds else [text])
