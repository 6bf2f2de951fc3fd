"""Opening and creating a shot: the entry points that turn a path into a :class:`~sdf.document.shot.Shot`.

Apart from the shot view because they decide what the view never sees: whether the file is a
shot at all (a binary file given by mistake is named for what it is, with the command the user
probably meant), which department policy applies, and, for a new shot, that part files are on
disk before the shot document that points at them.
"""
from __future__ import annotations

import os

from sdf.document import schema
from sdf.document.checks import check_document, check_document_cached
from sdf.document.elements import Element
from sdf.document.kinds import PART_SCHEMAS
from sdf.document.parts import content_digest, read_document_bytes
from sdf.document.shot import Shot
from sdf.errors import FormatError, SdfError
from sdf.runtime import jsonio

_NOT_A_SHOT_HINT = {
    "an Alembic archive": "reference it from a model tree, or try: sdf convert FILE out.usda",
    "an Alembic archive (HDF5)": "convert it with abcconvert -toOgawa, then reference it from a model tree",
    "an OpenEXR image": "try: sdf exr info FILE",
    "a USD crate file": "to make a shot of it: sdf convert FILE shot.sdf",
}


def _binary_kind(head: bytes) -> str | None:
    """What a binary file given as a shot really is, for an error that names the user's mistake."""
    if head.startswith(b"Ogawa"):
        return "an Alembic archive"
    if head.startswith(b"\x89HDF"):
        return "an Alembic archive (HDF5)"
    if head.startswith(b"\x76\x2f\x31\x01"):
        return "an OpenEXR image"
    if head.startswith(b"PXR-USDC"):
        return "a USD crate file"
    return None


def open_shot(path: str | os.PathLike, department: str | None = None, *, config: str | None = None,
              allow_outside_root: bool = False, search_path=(), env=None, policy=None) -> Shot:
    """Open a shot. With ``department``, the view enforces the studio's department policy."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise FormatError("is a directory; give the shot's .sdf file", path)
    raw_bytes = read_document_bytes(path)
    kind = _binary_kind(raw_bytes[:16])
    if kind is not None:
        raise FormatError(f"{kind}, not a shot (.sdf); {_NOT_A_SHOT_HINT[kind]}", path)
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8 text (byte {exc.start})", path) from None
    raw = jsonio.loads(text, path)
    data = schema.upgrade_document(raw, path, "Shot")
    if data is raw:
        check_document_cached("Shot", data, path, content_digest(raw_bytes), text=text)
    else:
        check_document("Shot", data, path, text=text)
    if department is not None and policy is None:
        from sdf.document.departments import load_policy

        policy = load_policy(config, shot_dir=os.path.dirname(os.path.abspath(path)))
        policy.require_department(department)
    return Shot(path, data, department=department, policy=policy, allow_outside_root=allow_outside_root,
                search_path=search_path, env=env, digest=content_digest(raw_bytes))


def create_shot(path: str | os.PathLike, name: str, *, frame_range: tuple[int, int], fps: float = 24.0,
                up_axis: str = "Y", meters_per_unit: float = 0.01, parts: dict[str, tuple[Element, str | None]] = (),
                intermediate=(), search_path=(), metadata=None) -> Shot:
    """Write a new shot: each part goes to its own file (``(element, relative path)``) or inline (``None``).

    Part files are written before the shot document, so a crash leaves no shot pointing at
    missing parts.
    """
    path = os.path.abspath(os.fspath(path))
    base = os.path.dirname(path)
    os.makedirs(base, exist_ok=True)
    part_specs = {}
    for kind, (element, rel) in dict(parts).items():
        if kind not in PART_SCHEMAS:
            raise SdfError(f"unknown part kind '{kind}'", path, "parts")
        doc = {schema.SCHEMA_KEY: schema.tag(PART_SCHEMAS[kind]), **element.to_json()}
        if rel is None:
            part_specs[kind] = doc
        else:
            target = os.path.join(base, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            jsonio.write(target, doc)
            part_specs[kind] = {"ref": rel}
    data = {schema.SCHEMA_KEY: schema.tag("Shot"), "name": name,
            "frame_range": {"start": int(frame_range[0]), "end": int(frame_range[1])}, "fps": float(fps),
            "up_axis": up_axis, "meters_per_unit": float(meters_per_unit), "parts": part_specs}
    if search_path:
        data["search_path"] = list(search_path)
    if intermediate:
        data["intermediate"] = [i.to_json() if hasattr(i, "to_json") else i for i in intermediate]
    if metadata:
        data["metadata"] = metadata
    check_document("Shot", data, path)
    jsonio.write(path, data)
    return open_shot(path)
