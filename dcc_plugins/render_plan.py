"""Planning a render: what each of the shot's render layers means to a path tracer, decided once.

The host-independent half of ``sdf render`` (the Blender host does the rest in
:mod:`sdf.dcc_plugins.blender.view_layers` and ``render_worker``). :func:`plan_render` reads the
shot as the department that owns the render layers and turns each layer into plain data:

- **members**: each model-tree leaf the layer's patterns select (itself or an ancestor), with
  its effective overrides reduced to one *state*: ``beauty``; ``matte`` (a holdout: alpha 0, no
  contribution); ``catcher`` (a matte that receives shadows: *shadows only*, through a shadow
  catcher); ``indirect`` (``primary_visibility: false``: unseen by the camera, still casting
  shadows and reflecting). ``visible: false`` removes the member; ``casts_shadows: false`` is
  kept as a flag. ``receives_shadows: false`` has no Cycles equivalent: a warning, once per layer;
- **lights**: the lights the layer names (all when it names none);
- **AOVs**: each AOV's *recipe*, by its source (:func:`aov_recipe`); an AOV no pass can make (an
  LPE Cycles has no fixed pass for) is a warning naming it and is left out of the file;
- **output**: the layer's EXR path template (absolute), resolution, pixel type and compression.

Bad requests (an unknown layer, frames outside the shot) are :class:`~sdf.errors.SdfError`:
one line naming the shot file and the field.
"""
from __future__ import annotations

import os
import re

from sdf.document.versions import part_versions
from sdf.runtime.identity import artist
from sdf.errors import SdfError
from sdf.document.frame_range import shot_frames
from sdf.document.shot import Shot
from sdf.document.opening import open_shot

STATES = ("beauty", "matte", "catcher", "indirect")
#: Sources that name Cycles' fixed data passes directly.
_DATA = {"z": "depth", "depth": "depth", "Z": "depth", "N": "normal", "normal": "normal", "P": "position",
         "position": "position", "id": "object_id", "objectid": "object_id", "object_id": "object_id",
         "crypto": "cryptomatte", "cryptomatte": "cryptomatte", "crypto_object": "cryptomatte",
         "shadow": "shadow", "Ci": "beauty", "beauty": "beauty", "a": "alpha", "alpha": "alpha"}
#: Light-path expressions with a Cycles equivalent: (event letter -> Cycles pass family).
_EVENTS = {"RD": "Diff", "RS": "Gloss", "TS": "Trans", "T.": "Trans", "TD": "Trans"}
_TAIL = r"(\[<L\.>O\]|\[O<L\.>\]|<L\.>|L|\[LO\]|\[OL\])"
_LPE = [(re.compile(rf"^C<(R[DS]|T[SD.])>{_TAIL}$"), "direct"),
        (re.compile(rf"^C<(R[DS]|T[SD.])>\.\+{_TAIL}$"), "indirect"),
        (re.compile(rf"^C<(R[DS]|T[SD.])>\.\*{_TAIL}$"), "total")]


def aov_recipe(aov) -> tuple[dict | None, str | None]:
    """(recipe, warning) for one AOV: how its pixels come from Cycles' passes.

    Recipes: ``{"pass": "beauty"|"depth"|"normal"|"position"|"object_id"|"cryptomatte"|"shadow"|"alpha"}``;
    ``{"pass": "light", "family": "Diff"|"Gloss"|"Trans", "part": "direct"|"indirect"|"total"}``
    (colour x light, as the LPE means); ``{"pass": "emission"}``; ``{"pass": "lightgroup", "group": NAME}``;
    ``{"pass": "primvar", "primvar": NAME}`` (through a shader AOV output)."""
    src = aov.source.strip()
    kind = aov.source_type
    if kind == "lpe":
        expr = src.replace(" ", "")
        if expr in ("CO", "C<L.>", "C[LO]", "C[OL]"):
            return {"pass": "emission"}, None
        for rx, part in _LPE:
            m = rx.match(expr)
            if m:
                return {"pass": "light", "family": _EVENTS[m.group(1)], "part": part}, None
        return None, (f"AOV '{aov.name}': light-path expression {src!r} has no Cycles equivalent (Cycles has "
                      "fixed passes, no LPEs); the part is left out")
    if src.startswith("lightgroup:") or kind == "lightgroup":
        return {"pass": "lightgroup", "group": src.split(":", 1)[-1]}, None
    if src in _DATA:
        return {"pass": _DATA[src]}, None
    if kind == "primvar":
        return {"pass": "primvar", "primvar": src}, None
    return None, f"AOV '{aov.name}': source {src!r} ({kind}) is not something Cycles renders; the part is left out"


def lightgroup_name(group: str) -> str:
    """A light group's name as Cycles accepts it (letters, digits and underscores)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", group.strip("/").rsplit("/", 1)[-1]) or "group"


def _ancestors(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def layer_members(shot: Shot, layer) -> tuple[dict[str, dict], list[str]]:
    """(leaf path -> {"state", "casts_shadows", "id"}, warnings) for one render layer, by the layer's
    one membership rule (:meth:`sdf.document.render_layers.RenderLayer.leaf_states`)."""
    states = layer.leaf_states(shot.model_tree)
    out = {p: {"state": m.state, "casts_shadows": m.casts_shadows, "id": m.id} for p, m in states.items()}
    no_receive = [p for p, m in states.items() if not m.receives_shadows]
    warnings = []
    if no_receive:
        warnings.append(f"render layer '{layer.name}': receives_shadows: false ({no_receive[0]}"
                        f"{f' and {len(no_receive) - 1} more' if len(no_receive) > 1 else ''}) has no Cycles "
                        "equivalent; those members still receive shadows")
    return out, warnings


def layer_lights(shot: Shot, layer) -> tuple[list[str], dict[str, str]]:
    """(the light paths lighting this layer, light path -> light group name).

    A light's group is its top-level group in the light tree (a light at the top is its own)."""
    from sdf.document.model_tree import pattern_regex

    if "lights" not in shot.parts:
        return [], {}
    rx = [pattern_regex(p) for p in layer.lights]
    chosen, groups = [], {}
    for node in shot.lights.walk():
        if node.type == "group":
            continue
        top = "/".join(node.path.split("/")[:3])
        groups[node.path] = lightgroup_name(top)
        if not rx or any(r.match(p) for r in rx for p in _ancestors(node.path)):
            if node.visible:
                chosen.append(node.path)
    return chosen, groups


def plan_layer(shot: Shot, layer, out_dir: str, resolution=None) -> dict:
    members, warnings = layer_members(shot, layer)
    lights, groups = layer_lights(shot, layer)
    aovs = []
    for aov in layer.aovs:
        recipe, warning = aov_recipe(aov)
        if warning:
            warnings.append(f"render layer '{layer.name}': {warning}")
        if recipe is not None:
            if recipe["pass"] == "lightgroup" and recipe["group"] not in set(groups.values()):
                warnings.append(f"render layer '{layer.name}': AOV '{aov.name}' names light group "
                                f"'{recipe['group']}', which the light tree has not; the part is left out")
                continue
            aovs.append({**aov.to_json(), "recipe": recipe})
    cams = shot.cameras if "cameras" in shot.parts else None
    camera = layer.camera or (cams.shot_camera if cams is not None else None)
    if cams is None or camera is None or cams.get(camera) is None:
        raise SdfError(f"render layer '{layer.name}': camera '{camera}' is not in the shot's cameras",
                       shot.file, f"render_layers/{layer.name}/camera")
    res = tuple(resolution) if resolution else tuple(layer.output.resolution)
    return {"name": layer.name, "camera": camera, "members": members, "lights": lights, "light_groups": groups,
            "aovs": aovs, "warnings": warnings, "resolution": list(res),
            "pixel_type": layer.output.pixel_type, "compression": layer.output.compression,
            "output": os.path.join(out_dir, layer.output.path.replace("${LAYER}", layer.name))}


def session_layers(view: Shot) -> list[dict]:
    """Every enabled render layer planned for a DCC session's view (none if it does not see them or
    one cannot be planned: a session opens anyway, and ``sdf render`` names the problem)."""
    if "render_layers" not in view.parts or view.access("render_layers") == "ignore":
        return []
    out = []
    for layer in view.render_layers:
        if layer.enabled:
            try:
                out.append(plan_layer(view, layer, os.path.dirname(view.file)))
            except SdfError:
                continue
    return out


def frame_file(template: str, frame: int) -> str:
    """The layer's output template (``####`` for the frame) at one frame."""
    from sdf.document.render_layers import Output

    return Output(template).frame_path(frame)


def render_department(shot_file: str, config: str | None = None) -> str:
    """The department that owns render layers (by the shot's policy; lighting in the default)."""
    from sdf.document.departments import load_policy

    policy = load_policy(config, shot_dir=os.path.dirname(os.path.abspath(shot_file)))
    return policy.owner("render_layers") or "lighting"


def plan_render(shot_file: str, layers: list[str] | None, frames: str | None, *, all_layers: bool = False,
                out: str | None = None, resolution=None, samples: int | None = None, denoise: bool = False,
                threads: int = 2, config: str | None = None) -> dict:
    """The whole job as plain data (what the renderer's worker reads). See the module docstring."""
    shot_file = os.path.abspath(os.fspath(shot_file))
    department = render_department(shot_file, config)
    shot = open_shot(shot_file, department, config=config)
    if "render_layers" not in shot.parts or not len(shot.render_layers):
        raise SdfError("the shot has no render layers", shot_file, "render_layers")
    names = [l.name for l in shot.render_layers]
    if all_layers:
        chosen = [l for l in shot.render_layers if l.enabled]
    else:
        if not layers:
            raise SdfError(f"which render layer? give --layer NAME (the shot has {', '.join(names)}) or --all-layers",
                           shot_file)
        chosen = []
        for name in layers:
            layer = shot.render_layers.get(name)
            if layer is None:
                raise SdfError(f"no render layer '{name}' (the shot has {', '.join(names)})", shot_file,
                               "render_layers")
            chosen.append(layer)
    if samples is not None and samples < 1:
        raise SdfError(f"--samples: {samples} is not a positive number of samples", shot_file)
    if resolution is not None and (len(resolution) != 2 or min(resolution) < 1):
        raise SdfError(f"--resolution: {resolution} is not WxH", shot_file)
    span = shot_frames(frames, shot)
    a, b = span[0], span[-1]
    out_dir = os.path.abspath(out) if out else os.path.dirname(shot_file)
    return {"shot": shot_file, "name": shot.name, "department": department, "config": config,
            "frames": [a, b], "samples": int(samples or 64), "denoise": bool(denoise), "threads": int(threads),
            "fps": shot.fps, "up_axis": shot.up_axis, "layers": [plan_layer(shot, l, out_dir, resolution) for l in chosen],
            # What the frames are made from, and by whom: written into every EXR's headers.
            "versions": dict(part_versions(shot)), "artist": artist()}


def newest_input(shot_file: str) -> float:
    """The newest modification time among the shot and every file it references (caches, documents,
    textures, material libraries): a render older than this is out of date."""
    import sdf

    times = [os.path.getmtime(shot_file)]
    for _, _, path in sdf.open(shot_file).referenced_files():
        try:
            times.append(os.path.getmtime(path))
        except (OSError, TypeError):
            pass
    return max(times)


def is_current(path: str, layer: dict, job: dict, newest: float) -> bool:
    """A rendered file that needs no re-render: complete (it opens), newer than every input, and made
    with this job's layer, frame, samples, denoising and resolution (its headers say so)."""
    if not os.path.isfile(path) or os.path.getmtime(path) < newest:
        return False
    try:
        import OpenEXR

        with OpenEXR.File(path) as f:
            h = dict(f.parts[0].header)
            size = [f.parts[0].width(), f.parts[0].height()]
            names = [p.name() for p in f.parts]
    except Exception:  # noqa: BLE001 - unreadable (a partial file from elsewhere): render it again
        return False
    return (h.get("sdf/layer") == layer["name"] and h.get("samples") == job["samples"]
            and bool(h.get("denoised")) == job["denoise"] and size == list(layer["resolution"])
            and all(a["name"] in names or f"{a['name']}00" in names for a in layer["aovs"]))


def skip_current(job: dict) -> list[list]:
    """``[layer, frame]`` of every output already rendered and up to date (``--resume``)."""
    newest = newest_input(job["shot"])
    skip = []
    for layer in job["layers"]:
        for f in range(job["frames"][0], job["frames"][1] + 1):
            if is_current(frame_file(layer["output"], f), layer, job, newest):
                skip.append([layer["name"], f])
    return skip


def parse_resolution(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not m or int(m.group(1)) < 1 or int(m.group(2)) < 1:
        raise SdfError(f"--resolution: {text!r} is not WxH (for example 480x270)")
    return int(m.group(1)), int(m.group(2))
