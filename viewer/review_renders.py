"""Renders as dailies: a shot's ``sdf render`` frames found, described and read back for review.

``sdf render`` writes one multi-part scene-linear OpenEXR per render layer per frame at the layer's
output path (``renders/${LAYER}/${LAYER}.####.exr``), relative to the shot's folder or to its
``--out`` folder (the farm's ``OUT/<shot>``). For dailies a shot's render is one layer's frames:
the layer asked for, else the first of the shot's layers (in the shot's order, the order ``sdf
render`` renders them) that has frames on disk; the picture is one AOV's part, found by the sdf
AOV's name or source (``Ci`` is the beauty), in the colour space its header names.

The entry :func:`find_render` returns has the keys of a playblast manifest (shot, department,
versions, camera, artist, date, written, fps, frames...) so the timeline treats both alike, plus
the render's own (layer, AOV, renderer, samples, colour space). The versions and the artist are
the ones the render wrote into its headers (``sdf/versions``, ``owner``); for a render without them,
the shot's versions as the render department sees it now and the file's owner. ``up_to_date`` says
whether any input changed after the render (the rule ``sdf render --resume`` uses).
"""
from __future__ import annotations

import datetime
import json
import os

import numpy as np

from sdf.errors import SdfError, display_path


class NotFound(SdfError):
    """No dailies of this kind for a shot (as opposed to a bad request): ``--source latest`` tries the other kind."""


def render_layer(view, name: str | None, where: str):
    """The shot's render layer ``name`` (None: every layer, in order), or SdfError naming the shot's layers."""
    if "render_layers" not in view.parts or not len(view.render_layers):
        raise NotFound("the shot has no render layers, so no renders", where, "render_layers")
    layers = list(view.render_layers)
    if name is None:
        return layers
    for layer in layers:
        if layer.name == name:
            return [layer]
    raise SdfError(f"--layer: no render layer '{name}' (the shot has {', '.join(l.name for l in layers)})", where,
                   "render_layers")


def pick_aov(layer, wanted: str, where: str):
    """The layer's AOV named ``wanted``, else the one whose source is ``wanted`` (``Ci``: the beauty)."""
    for test in (lambda a: a.name == wanted, lambda a: a.source == wanted):
        for aov in layer.aovs:
            if test(aov):
                return aov
    have = ", ".join(f"{a.name} ({a.source})" for a in layer.aovs)
    raise SdfError(f"--aov: render layer '{layer.name}' has no AOV named or sourced '{wanted}' (AOVs: {have})", where,
                   f"render_layers/{layer.name}/aovs")


def sequence_parts(layer, root: str) -> tuple[str, str, str, int]:
    """(folder, name prefix, name suffix, frame padding) of the layer's frames under ``root``: how an
    image-sequence reference names them. The frame number must be in the file name."""
    path = os.path.join(root, layer.output.path.replace("${LAYER}", layer.name))
    folder, name = os.path.split(path)
    i = name.find("#")
    if i < 0:
        raise SdfError(f"render layer '{layer.name}': the output path {layer.output.path} has no #### for the frame "
                       "in its file name", None, f"render_layers/{layer.name}/output")
    n = len(name) - i - len(name[i:].lstrip("#"))
    return folder, name[:i], name[i + n:], n


def _frames_under(view, layer, root: str) -> list[int]:
    fr = view.frame_range
    return [f for f in range(fr.start, fr.end + 1)
            if os.path.isfile(os.path.join(root, layer.output.frame_path(f, layer.name)))]


def read_header(path: str, part: str) -> dict:
    """The header of part ``part`` of an EXR (headers only, no pixels), or SdfError naming the file."""
    import OpenEXR

    try:
        with OpenEXR.File(path, header_only=True) as f:
            parts = {p.name(): dict(p.header) for p in f.parts}
    except Exception as exc:  # noqa: BLE001 - OpenEXR raises plain exceptions for a broken file
        raise SdfError(f"cannot read the OpenEXR file ({str(exc).strip().splitlines()[0] if str(exc) else exc})",
                       path) from None
    if part not in parts:
        raise SdfError(f"no part '{part}' in the render (parts: {', '.join(parts)}); sdf render leaves out an AOV "
                       "Cycles cannot make", path)
    return parts[part]


def find_render(shot_file: str, roots: list[str], layer_name: str | None = None, aov_name: str = "Ci",
                department: str | None = None, display: str | None = None, view: str | None = None) -> dict:
    """The shot's render for dailies (see the module docstring) under ``roots`` (each searched as an
    ``sdf render --out`` folder and as a farm's ``OUT`` holding ``<shot>/``); the newest when several
    have it. Raises :class:`NotFound` when there is none, SdfError for a bad request. ``transform``
    in the entry is the project's display/view (``display``, ``view`` when given) from the EXR's
    colour space: what the movie draws its frames through."""
    import sdf
    from sdf.dcc_plugins.render_plan import newest_input, render_department

    from .burnin import BurnIn
    from .colour import Transform, exr_space

    shot_file = os.path.abspath(shot_file)
    owner = render_department(shot_file)
    if department and department != owner:
        raise NotFound(f"renders are {owner}'s (the department owning render layers), not {department}'s", shot_file)
    shot = sdf.open(shot_file, department=owner)
    layers = render_layer(shot, layer_name, shot_file)
    aovs = {l.name: pick_aov(l, aov_name, shot_file) for l in layers} if layer_name else {}
    candidates = []
    for root in roots:
        for base in (root, os.path.join(root, shot.name)):
            for layer in layers:
                frames = _frames_under(shot, layer, base)
                if frames:
                    candidates.append((layer, base, frames))
                    break  # the first layer rendered here
    if not candidates:
        which = f"of render layer '{layer_name}'" if layer_name else "of any render layer"
        raise NotFound(f"no render {which} under {', '.join(display_path(r) for r in roots)}", shot_file)
    newest = None
    for layer, base, frames in candidates:
        files = [os.path.join(base, layer.output.frame_path(f, layer.name)) for f in frames]
        mtime = max(os.path.getmtime(p) for p in files)
        if newest is None or mtime > newest[0]:
            newest = (mtime, layer, base, frames, files)
    mtime, layer, base, frames, files = newest
    aov = aovs.get(layer.name) or pick_aov(layer, aov_name, shot_file)
    header = read_header(files[0], aov.name)
    shot_in_file = header.get("sdf/shot")
    if shot_in_file is not None and str(shot_in_file) != shot.name:
        raise SdfError(f"the render is of shot '{shot_in_file}', not '{shot.name}'", files[0], "sdf/shot")
    folder, prefix, suffix, padding = sequence_parts(layer, base)
    camera = str(header.get("camera") or layer.camera or "")
    written = datetime.datetime.fromtimestamp(mtime, datetime.timezone.utc)
    info = BurnIn.for_shot(shot, frames, camera or None)
    info.source = f"render {layer.name} {aov.name}"
    info.artist = str(header.get("owner") or _owner(files[0]))
    if header.get("sdf/versions"):  # what the frames were made from, as the render recorded it
        try:
            info.versions = sorted(json.loads(str(header["sdf/versions"])).items())
        except (ValueError, AttributeError):
            raise SdfError("not a JSON object of part versions", files[0], "sdf/versions") from None
    info.date = written.astimezone().date().isoformat()
    transform = Transform.open(os.path.dirname(shot_file), display, view)
    transform = transform.from_space(exr_space(transform.config, header, files[0]))
    fps = header.get("framesPerSecond")
    rate = float(fps[0]) / float(fps[1]) if fps is not None else float(shot.fps)
    return {
        "source": "render", "shot": shot.name, "shot_file": shot_file, "department": owner,
        "versions": dict(info.versions), "camera": camera, "lens": info.lens, "artist": info.artist,
        "date": info.date, "written": written.isoformat(), "fps": rate, "range": [frames[0], frames[-1]],
        "frames": frames, "files": files, "folder": folder, "name_prefix": prefix, "name_suffix": suffix,
        "frame_padding": padding, "format": "exr", "manifest": files[0], "layer": layer.name, "aov": aov.name,
        "part": aov.name, "channels": list(aov.channels()), "renderer": str(header.get("renderer", "")),
        "renderer_version": str(header.get("rendererVersion", "")), "samples": _int(header.get("samples")),
        "colour_space": transform.space, "display": transform.display, "view": transform.view,
        "transform": transform,
        "up_to_date": mtime >= newest_input(shot_file), "burn_in": info,
    }


def _int(value):
    return int(value) if value is not None else None


def _owner(path: str) -> str:
    """Who rendered the frame, for a render whose headers do not say (no ``owner``): the file's owner."""
    try:
        import pwd

        return pwd.getpwuid(os.stat(path).st_uid).pw_name
    except (KeyError, ImportError, OSError):
        return "unknown"


def read_linear(entry: dict, frame: int) -> np.ndarray:
    """Frame ``frame`` of a render entry: the AOV's part as scene-linear RGB (h, w, 3) float32 in its
    own colour space (one channel is grey; alpha is left out: premultiplied colour over black)."""
    import OpenEXR

    path = entry["files"][entry["frames"].index(frame)]
    try:
        with OpenEXR.File(path, separate_channels=True) as f:
            part = next((p for p in f.parts if p.name() == entry["part"]), None)
            if part is None:
                raise SdfError(f"no part '{entry['part']}' in this frame of the render", path)
            chans = [part.channels[c].pixels for c in entry["channels"] if c in part.channels]
    except SdfError:
        raise
    except Exception as exc:  # noqa: BLE001 - a truncated or foreign file
        raise SdfError(f"cannot read the OpenEXR file ({str(exc).strip().splitlines()[0] if str(exc) else exc})",
                       path) from None
    if not chans:
        raise SdfError(f"part '{entry['part']}' has none of the channels {', '.join(entry['channels'])}", path)
    if len(chans) < 3:
        chans = [chans[0]] * 3
    return np.stack([np.asarray(c, np.float32) for c in chans[:3]], axis=-1)


def resize_linear(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Scene-linear RGB resampled to ``size`` (w, h) in linear light (a triangle filter, widened when
    shrinking, so a 4K render becomes a clean HD movie)."""
    from PIL import Image

    w, h = size
    if rgb.shape[1] == w and rgb.shape[0] == h:
        return rgb
    return np.stack([np.asarray(Image.fromarray(np.ascontiguousarray(rgb[..., c]), "F")
                                .resize((w, h), Image.Resampling.BILINEAR)) for c in range(3)], axis=-1)


def display_frame(entry: dict, frame: int, transform, size: tuple[int, int] | None, burn_in: bool) -> np.ndarray:
    """One review frame of a render: read, resized in linear light, through ``transform`` (a
    :class:`~sdf.viewer.colour.Transform` from the EXR's colour space), burn-in drawn. (h, w, 4) uint8."""
    rgb = read_linear(entry, frame)
    if size is not None:
        rgb = resize_linear(rgb, size)
    out = np.empty(rgb.shape[:2] + (4,), np.uint8)
    out[..., :3] = transform.encode_u8(rgb)
    out[..., 3] = 255
    return entry["burn_in"].draw(out, frame) if burn_in else out
