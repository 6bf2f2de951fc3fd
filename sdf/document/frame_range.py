"""Frame ranges given on a command line (``--frames 1001-1024``): one parser, one set of rules.

``sdf play``, ``sdf cache stats``, ``sdf view --playblast``, ``sdf convert`` and ``sdf farm task``
each parsed ``--frames`` themselves, with rules of their own (one took ``A``, one did not; one
took ``1001-``; one took negative frames). Every command now calls :func:`parse` (or
:func:`shot_frames`, which also keeps the frames inside a shot's range), so a spec means the same
everywhere:

- ``A-B``: frames A to B, both included (``1001-1024``); B before A is refused;
- ``A``: that frame alone (``1001``);
- frames may be negative (``-10--1``, ``-5-5``); spaces around the numbers are ignored;
- anything else is one error line naming the option and what was given.
"""
from __future__ import annotations

import re

from sdf.errors import SdfError

_SPEC = re.compile(r"\s*(-?\d+)\s*(?:-\s*(-?\d+)\s*)?")


def parse(spec: str, option: str = "--frames") -> tuple[int, int]:
    """(first, last) of ``spec`` ("A-B" or "A"), both included; an SdfError naming ``option`` otherwise."""
    m = _SPEC.fullmatch(spec or "")
    if m is None:
        raise SdfError(f"{option} expects A-B, got '{spec}'")
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) is not None else first
    if last < first:
        raise SdfError(f"{option} {spec}: end is before start")
    return first, last


def shot_frames(spec: str | None, shot, option: str = "--frames") -> list[int]:
    """The frames of ``spec`` inside ``shot``'s frame range (all of it when ``spec`` is empty); frames
    outside it are refused, naming the shot file and its range."""
    start, end = shot.frame_range.start, shot.frame_range.end
    if spec:
        first, last = parse(spec, option)
        if first < start or last > end:
            raise SdfError(f"{option} {spec} is outside the shot's range {start}-{end}", shot.file, "frame_range")
        start, end = first, last
    return list(range(start, end + 1))
