"""Base classes for the typed objects of a shot.

Every element belongs to a :class:`~sdf.document.Document` (one file, or one inline part)
and has a data *kind* (``model``, ``lights``...). Every mutation through the public API
(setting a field, adding or removing a child) goes through :meth:`Element._before_edit`,
which asks the shot whether the current department may edit that kind, and marks the
document dirty so that ``save`` writes only what changed. Read-only views therefore need
no second class hierarchy: the same objects refuse edits when the policy says so. Before
that, the value is checked against the field's rule in the published schema (each class
names its definition, :attr:`Element._schema`; see :mod:`sdf.document.schema.values`), so the API
can never hold a value that a document read from disk would be refused for.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

import numpy as np

IDENTITY: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0,
                               0.0, 1.0, 0.0, 0.0,
                               0.0, 0.0, 1.0, 0.0,
                               0.0, 0.0, 0.0, 1.0)


def as_matrix(values: Sequence[float]) -> tuple[float, ...]:
    """A 4x4 matrix as an immutable tuple of 16 floats (row-major, translation in 12..14)."""
    if isinstance(values, (list, tuple)) and len(values) == 16 and not isinstance(values[0], (list, tuple)):
        return tuple(map(float, values))  # the common case, from a document: no numpy round trip
    m = tuple(float(v) for v in (np.asarray(values, dtype=np.float64).reshape(-1)))
    if len(m) != 16:
        raise ValueError(f"a matrix has 16 values, got {len(m)}")
    return m


def matrix_problem(m: Sequence[float]) -> str | None:
    """Why ``m`` is not a usable transform, or None: NaN/inf, a projective column, or singular."""
    a = np.asarray(m, dtype=np.float64).reshape(4, 4)
    if not np.all(np.isfinite(a)):
        return "matrix has NaN or infinite values"
    if not np.allclose(a[:, 3], (0.0, 0.0, 0.0, 1.0), atol=1e-9):
        return "matrix last column must be 0 0 0 1 (row-vector convention)"
    det = float(np.linalg.det(a[:3, :3]))
    scale = float(np.abs(a[:3, :3]).max()) or 1.0
    if abs(det) <= 1e-12 * scale ** 3:
        return "matrix is not invertible (zero scale)"
    return None


def first_bad_matrix(matrices) -> tuple[int, str] | None:
    """(index, problem) of the first unusable matrix in a list, checked in one vectorised pass."""
    if not len(matrices):
        return None
    a = np.asarray(matrices, dtype=np.float64).reshape(-1, 4, 4)
    ok = np.all(np.isfinite(a), axis=(1, 2))
    ok &= np.all(np.abs(a[:, :, 3] - (0.0, 0.0, 0.0, 1.0)) <= 1e-9, axis=1)
    if ok.all():
        det = np.linalg.det(a[:, :3, :3])
        scale = np.abs(a[:, :3, :3]).max(axis=(1, 2))
        scale[scale == 0] = 1.0
        ok &= np.abs(det) > 1e-12 * scale ** 3
    if ok.all():
        return None
    i = int(np.argmin(ok))
    return i, matrix_problem(a[i].reshape(-1)) or "matrix is not usable"


def translation(x: float, y: float, z: float) -> tuple[float, ...]:
    m = list(IDENTITY)
    m[12:15] = [float(x), float(y), float(z)]
    return tuple(m)


def compose(*matrices: Sequence[float]) -> tuple[float, ...]:
    """Product in row-vector order: ``compose(local, parent)`` is local-then-parent."""
    out = np.identity(4)
    for m in matrices:
        out = out @ np.asarray(m, dtype=np.float64).reshape(4, 4)
    return tuple(float(v) for v in out.reshape(-1))


class Keys:
    """Animation keys ``[(frame, (v0, v1, ...)), ...]``, linearly interpolated and held at the ends."""

    __slots__ = ("frames", "values")

    def __init__(self, keys: Iterable[Sequence[float]]):
        keys = [tuple(float(x) for x in k) for k in keys]
        self.frames = np.array([k[0] for k in keys], dtype=np.float64)
        self.values = np.array([k[1:] for k in keys], dtype=np.float64)
        self.frames.flags.writeable = False  # keys change by assigning new keys, which asks permission
        self.values.flags.writeable = False

    def __len__(self) -> int:
        return len(self.frames)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Keys) and self.to_json() == other.to_json()

    def at(self, frame: float) -> tuple[float, ...]:
        if len(self.frames) == 1:
            return tuple(self.values[0])
        return tuple(float(np.interp(frame, self.frames, self.values[:, i])) for i in range(self.values.shape[1]))

    def to_json(self) -> list[list[float]]:
        return [[_num(f), *(_num(v) for v in vals)] for f, vals in zip(self.frames, self.values)]


def _num(v: float) -> float | int:
    f = float(v)
    return int(f) if f.is_integer() and abs(f) < 1e15 else f


def finite(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, (int, float)):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(finite(v) for v in value)
    return True


class Element:
    """Something in a shot with a name, a document and a data kind."""

    kind: str = "model"
    _fields: tuple[str, ...] = ()
    #: The definition in ``sdf.schema.json`` describing this element: every assignment is checked
    #: against its field's rule there (:mod:`sdf.document.schema.values`).
    _schema: str | None = None
    #: Fields stored elsewhere in the document than under their own name (``transform/samples``).
    _schema_fields: dict[str, str] = {}

    def __init__(self) -> None:
        object.__setattr__(self, "_doc", None)
        object.__setattr__(self, "_parent", None)

    # -- ownership -------------------------------------------------------------------------
    def _field_kind(self, field: str) -> str:
        return self.kind

    @property
    def path(self) -> str:
        parent = self._parent
        name = getattr(self, "name", "")
        if parent is None or not isinstance(parent, Element):
            return "/" + name
        return parent.path.rstrip("/") + "/" + name

    def _before_edit(self, field: str) -> None:
        doc = self._doc
        if doc is not None:
            doc.before_edit(self, self._field_kind(field))

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        if isinstance(getattr(type(self), name, None), property):
            # Composed fields route the edit to the document that owns them (checked here, stored there).
            self._checked(name, value)
            object.__setattr__(self, name, value)
            return
        if name not in self._fields:
            import difflib

            close = difflib.get_close_matches(name, self._fields, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise AttributeError(f"{type(self).__name__} has no field '{name}'{hint}")
        value = self._checked(name, value)
        self._before_edit(name)
        object.__setattr__(self, name, value)

    def _coerce(self, name: str, value: Any) -> Any:
        return value

    def _checked(self, name: str, value: Any) -> Any:
        """``value`` as stored, after checking what it would write against the schema's rule for the field."""
        if self._schema is None:
            return self._coerce(name, value)
        from sdf.document.schema.values import check_field

        file, where = self._field_location(name)
        return check_field(self._schema, self._schema_fields.get(name, name), value,
                           lambda v: self._coerce(name, v), file, where, lambda v: self._field_json(name, v))

    def _field_json(self, name: str, value: Any) -> Any:
        from sdf.document.schema.values import as_json

        return as_json(value)

    def _field_location(self, name: str) -> tuple[str | None, str]:
        """(file, field path) of field ``name`` for an error, as the document checks name it."""
        doc = self._doc
        path = self.path
        if doc is not None and doc.root is self:
            path = ""
        elif doc is not None and doc.root.path not in ("", "/") and path.startswith(doc.root.path + "/"):
            path = path[len(doc.root.path) + 1:]
        where = "/".join(p for p in (path.strip("/"), name) if p)
        if doc is None:
            return None, where
        if doc.path is not None:
            return doc.path, where
        return doc.shot.file, f"{doc.kind}/{where}"  # an inline part of the shot document

    def _adopt(self, child: "Element") -> None:
        object.__setattr__(child, "_parent", self)
        child._attach(self._doc)

    def _attach(self, doc) -> None:
        object.__setattr__(self, "_doc", doc)
        for value in list(vars(self).values()):
            if isinstance(value, ChildList):
                for child in value:
                    child._attach(doc)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path}>"


class ChildList(list):
    """A list of child elements whose mutators ask permission and adopt new children."""

    __slots__ = ("_owner",)

    def __init__(self, owner: Element, items: Iterable[Element] = ()):
        super().__init__()
        self._owner = owner
        for item in items:
            super().append(item)
            owner._adopt(item)

    def _edit(self) -> None:
        self._owner._before_edit("children")

    def _names(self) -> set[str]:
        return {c.name for c in self}

    def _check_new(self, item: Element, replacing: Element | None = None) -> None:
        if not isinstance(item, Element):
            raise TypeError(f"children must be elements, got {type(item).__name__}")
        if item.name in self._names() and item is not replacing:
            raise ValueError(f"{self._owner.path}: a child named '{item.name}' already exists")

    def append(self, item: Element) -> None:
        self._edit()
        self._check_new(item)
        super().append(item)
        self._owner._adopt(item)

    def insert(self, index: int, item: Element) -> None:
        self._edit()
        self._check_new(item)
        super().insert(index, item)
        self._owner._adopt(item)

    def extend(self, items: Iterable[Element]) -> None:
        for item in list(items):
            self.append(item)

    def __iadd__(self, items):
        self.extend(items)
        return self

    def remove(self, item: Element) -> None:
        self._edit()
        super().remove(item)

    def pop(self, index: int = -1) -> Element:
        self._edit()
        return super().pop(index)

    def clear(self) -> None:
        self._edit()
        super().clear()

    def __setitem__(self, index, item) -> None:
        self._edit()
        if isinstance(index, slice):
            raise TypeError("slice assignment of children is not supported; use append/remove")
        self._check_new(item, replacing=self[index])
        super().__setitem__(index, item)
        self._owner._adopt(item)

    def __delitem__(self, index) -> None:
        self._edit()
        super().__delitem__(index)

    def sort(self, *args, **kwargs) -> None:
        self._edit()
        super().sort(*args, **kwargs)

    def reverse(self) -> None:
        self._edit()
        super().reverse()

    def __imul__(self, n):
        raise TypeError("children cannot be repeated")

    def get(self, name: str) -> Element | None:
        for c in self:
            if c.name == name:
                return c
        return None


class GuardedDict(dict):
    """A dict field (metadata, animation) whose mutators ask the owning element for permission."""

    __slots__ = ("_owner", "_field")

    def __init__(self, owner: Element, field: str, items=()):
        super().__init__(items)
        self._owner = owner
        self._field = field

    def _edit(self) -> None:
        self._owner._before_edit(self._field)

    def __setitem__(self, key, value):
        self._edit()
        super().__setitem__(key, value)

    def __delitem__(self, key):
        self._edit()
        super().__delitem__(key)

    def update(self, *args, **kwargs):
        self._edit()
        super().update(*args, **kwargs)

    def pop(self, *args):
        self._edit()
        return super().pop(*args)

    def popitem(self):
        self._edit()
        return super().popitem()

    def clear(self):
        self._edit()
        super().clear()

    def setdefault(self, key, default=None):
        if key not in self:
            self._edit()
        return super().setdefault(key, default)

    def __ior__(self, other):
        self.update(other)
        return self
