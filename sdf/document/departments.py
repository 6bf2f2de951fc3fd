"""Department policy: who owns, who reads, and who ignores each kind of shot data.

The policy is data, not code: a JSON document (``DepartmentPolicy.1``) listing, per
department, the kinds it ``owns`` (may edit and publish) and the kinds it ``reads``
(sees read-only). Every other kind is *ignored*: a view for that department never reads
it from disk. The built-in default is the table from the design paper, with one
deliberate addition: lighting also reads final-layout placement, because lit objects
must stand where final layout put them.

Which file is in force, first match wins: ``--config`` / ``config=``; ``$SDF_CONFIG``;
``departments`` named in the project's ``sdf-project.json``; the built-in default.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from types import MappingProxyType

from sdf.runtime import jsonio

from sdf.document import schema
from sdf.errors import FormatError, SdfError
from sdf.document.resolve import PROJECT_FILE, find_project_root

DEFAULT_FILE = os.path.join(os.path.dirname(__file__), "departments.default.json")


@dataclass(frozen=True)
class Department:
    name: str
    owns: frozenset[str]
    reads: frozenset[str]


class Policy:
    """Who may edit what. Immutable: a view holds its policy, and nothing reachable from a view may
    change who owns what (the policy decides every write)."""

    __slots__ = ("_departments", "_source", "_owner")

    def __init__(self, departments: dict[str, Department], source: str):
        object.__setattr__(self, "_departments", MappingProxyType(dict(departments)))
        object.__setattr__(self, "_source", source)
        object.__setattr__(self, "_owner", MappingProxyType({kind: d.name for d in departments.values()
                                                             for kind in d.owns}))

    def __setattr__(self, name, value):
        raise AttributeError("a department policy cannot be changed once loaded")

    @property
    def departments(self):
        return self._departments

    @property
    def source(self) -> str:
        return self._source

    def require_department(self, name: str) -> Department:
        dept = self.departments.get(name)
        if dept is None:
            import difflib

            close = difflib.get_close_matches(name, list(self.departments), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise SdfError(f"unknown department '{name}'{hint} (departments: {', '.join(sorted(self.departments))})")
        return dept

    def access(self, department: str, kind: str) -> str:
        dept = self.require_department(department)
        if kind in dept.owns:
            return "edit"
        if kind in dept.reads:
            return "read"
        return "ignore"

    def owner(self, kind: str) -> str | None:
        return self._owner.get(kind)

    def table(self) -> list[dict]:
        from sdf.document.shot import KINDS

        rows = []
        for name in sorted(self.departments):
            d = self.departments[name]
            rows.append({"department": name, "owns": sorted(d.owns), "reads": sorted(d.reads),
                         "ignores": [k for k in KINDS if k not in d.owns and k not in d.reads]})
        return rows


def parse_policy(data: dict, source: str, digest: str | None = None) -> Policy:
    """The policy in ``data`` (read from ``source``), checked. With the file's ``digest``, a policy that
    already passed its structure check (by content hash: :func:`sdf.document.checks.check_document_cached`)
    is not checked again: every department view reads it, and the check is most of its cost."""
    from sdf.document.checks import CHECKED
    from sdf.document.shot import KINDS

    raw = data
    data = schema.upgrade_document(data, source, "DepartmentPolicy")
    cacheable = digest is not None and data is raw  # an upgraded policy is new content: always checked
    check_now = not cacheable or bool(os.environ.get("SDF_NO_CHECK_CACHE")) or \
        not CHECKED.passed("DepartmentPolicy", digest)
    if check_now:
        schema.check_structure("DepartmentPolicy", data, source)
    departments = {}
    owners: dict[str, str] = {}
    for name, entry in sorted(data["departments"].items()):
        for role in ("owns", "reads"):
            for kind in entry.get(role, []):
                if kind not in KINDS:
                    raise FormatError(f"unknown kind '{kind}' (kinds: {', '.join(KINDS)})", source,
                                      f"departments/{name}/{role}")
        both = set(entry.get("owns", [])) & set(entry.get("reads", []))
        if both:
            raise FormatError(f"'{sorted(both)[0]}' is both owned and read", source, f"departments/{name}")
        for kind in entry.get("owns", []):
            if kind in owners:
                raise FormatError(f"'{kind}' is owned by both '{owners[kind]}' and '{name}'", source,
                                  f"departments/{name}/owns")
            owners[kind] = name
        departments[name] = Department(name, frozenset(entry.get("owns", [])), frozenset(entry.get("reads", [])))
    if check_now and cacheable:
        CHECKED.record("DepartmentPolicy", digest)  # only a policy that passed every rule above
    return Policy(departments, source)


def read_project(shot_dir: str) -> tuple[str, dict | None]:
    """(project root, the settings of its ``sdf-project.json``, or None when there is none).

    The file is free-form apart from ``departments``, the one setting the toolkit reads: it must
    be a path (text), and a key that is almost ``departments`` is taken for a misspelling rather
    than silently leaving the built-in policy in force.
    """
    root = find_project_root(shot_dir)
    project_file = os.path.join(root, PROJECT_FILE)
    if not os.path.isfile(project_file):
        return root, None
    import difflib  # only for a project file (a department view without one does not pay for the import)

    project = jsonio.read(project_file)
    if not isinstance(project, dict):
        raise FormatError(f"expected an object, got {type(project).__name__}", project_file)
    if "departments" in project and not isinstance(project["departments"], str):
        raise FormatError("wrong type: the department policy is named by its path (text)", project_file,
                          "departments")
    for key in project:
        if key != "departments" and difflib.get_close_matches(key, ["departments"], n=1, cutoff=0.75):
            raise FormatError(schema.unknown_field_message({key: None}, ["departments"]), project_file)
    return root, project


def load_policy(config: str | None = None, shot_dir: str | None = None) -> Policy:
    path = config or os.environ.get("SDF_CONFIG")
    if not path and shot_dir:
        root, project = read_project(shot_dir)
        if project is not None and "departments" in project:
            # It decides who may edit what: held to the same rules as any reference (inside the
            # project, a regular file of bounded size, read by jsonio).
            from sdf.document.resolve import Resolver

            project_file = os.path.join(root, PROJECT_FILE)
            path = Resolver(root).resolve(project["departments"], root, project_file, "departments")
    path = path or DEFAULT_FILE
    raw = jsonio.read_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8 text (byte {exc.start})", path) from None
    return parse_policy(jsonio.loads(text, path), path, hashlib.sha256(raw).hexdigest())
