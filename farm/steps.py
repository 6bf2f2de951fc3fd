"""The work of one farm task: what ``sdf farm task STEP ...`` runs, on a Dask worker or under OpenJD.

Every engine runs the same command line, so what runs locally is what runs on the farm. A
task is idempotent: it writes its outputs through the toolkit's atomic writes (a temporary
file renamed into place), so a retry after a killed worker never leaves a half-written
output, and running it twice gives the same files.

Steps, each per shot:

``validate``  ``sdf validate``; writes ``OUT/<shot>/validate.json`` (the report).
``convert``   the shot to its USD department layer stack, ``OUT/<shot>/usd/<shot>.usda``.
``playblast`` a chunk of frames to ``OUT/<shot>/playblast/<shot>.####.png`` (one task per chunk).
``render``    one render layer over a chunk of frames through Cycles (``sdf render``), into
              ``OUT/<shot>/<the layer's output path>``; frames already rendered and up to date are skipped;
              its report (seconds per frame, the fixed costs apart) in ``OUT/<shot>/render-reports/``.
``exr-pack``  for each render layer, the per-AOV images ``<output>.<aov>.####.exr`` packed into the
              layer's multi-part output (one task per chunk of frames).
``dailies``  after ``playblast`` or ``render``: the shot's frames as a movie with an OpenTimelineIO timeline
              of it, ``OUT/<shot>/dailies/<shot>.otio`` and ``.mp4`` (``sdf dailies`` over ``OUT`` joins the
              shots). Its ``--source`` says which frames: the playblast's, the render's (of ``--layer``, else
              the first layer rendered, through the OCIO view), or ``latest``, the newer of the two.
``custom``    any ``sdf`` command line; ``{shot}``, ``{out}``, ``{name}`` and ``{frames}`` are replaced.
"""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time

from sdf.runtime import jsonio
from sdf.errors import SdfError

STEPS = ("validate", "convert", "playblast", "exr-pack", "render", "dailies", "custom")
#: Steps whose tasks are chunks of frames (the others are one task per shot).
CHUNKED = ("playblast", "exr-pack", "render")


def shot_name(shot: str) -> str:
    return os.path.splitext(os.path.basename(shot))[0]


def sdf_command() -> list[str]:
    """How to run the toolkit's CLI from here: the same interpreter, so workers use the same install."""
    return [sys.executable, "-m", "sdf.cli"]


def outputs_of(step: str, shot: str, out: str, frames: tuple[int, int] | None, name: str = "",
               label: str = "", layer: str = "") -> list[str]:
    """The files a task writes (for the manifest and for --resume); ``label`` names the shot's output folder."""
    label = label or shot_name(shot)
    base = os.path.join(out, label)
    if step == "validate":
        return [os.path.join(base, "validate.json")]
    if step == "convert":
        return [os.path.join(base, "usd", f"{shot_name(shot)}.usda")]
    if step == "playblast" and frames is not None:
        return [os.path.join(base, "playblast", f"{shot_name(shot)}.{f:04d}.png")
                for f in range(frames[0], frames[1] + 1)]
    if step == "exr-pack" and frames is not None:
        import sdf

        view = sdf.open(shot)
        root = os.path.dirname(shot)
        return [os.path.join(root, layer.output.frame_path(f, layer.name))
                for layer in view.render_layers for f in range(frames[0], frames[1] + 1)]
    if step == "dailies":
        return [os.path.join(base, "dailies", f"{shot_name(shot)}{ext}") for ext in (".otio", ".mp4")]
    if step == "render" and frames is not None:
        import sdf

        view = sdf.open(shot)
        return [os.path.join(base, l.output.frame_path(f, l.name)) for l in view.render_layers
                if l.name == layer or (not layer and l.enabled) for f in range(frames[0], frames[1] + 1)]
    if step == "custom":
        return [os.path.join(base, "custom", f"{name or 'custom'}.done.json")]
    return []


def run(step: str, shot: str, out: str, frames: tuple[int, int] | None = None, command: str = "",
        name: str = "", label: str = "", layer: str = "", options: tuple[str, ...] = (),
        source: str = "latest") -> dict:
    """Run one task; returns ``{"outputs": [...], "seconds": s}`` or raises SdfError with one line.
    ``source``: the dailies step's (see the module docstring)."""
    t0 = time.perf_counter()
    shot = os.path.abspath(shot)
    label = label or shot_name(shot)
    base = os.path.join(out, label)
    os.makedirs(base, exist_ok=True)
    if step == "validate":
        proc = _sdf("validate", "--json", shot, ok=(0, 2))
        report = json.loads(proc.stdout)[0]
        jsonio.write(os.path.join(base, "validate.json"), report)
        if not report["ok"]:
            raise SdfError(report["errors"][0] if report["errors"] else "invalid", shot)
    elif step == "convert":
        os.makedirs(os.path.join(base, "usd"), exist_ok=True)
        _sdf("convert", shot, os.path.join(base, "usd", f"{shot_name(shot)}.usda"), "--force")
    elif step == "playblast":
        a, b = _need_frames(frames, step)
        _sdf("view", shot, "--playblast", os.path.join(base, "playblast"), "--frames", f"{a}-{b}")
    elif step == "exr-pack":
        _exr_pack(shot, _need_frames(frames, step))
    elif step == "dailies":
        os.makedirs(os.path.join(base, "dailies"), exist_ok=True)
        _sdf("dailies", shot, *dailies_sources(base, source, layer), "--movie",
             "--out", os.path.join(base, "dailies", f"{shot_name(shot)}.otio"))
    elif step == "render":
        a, b = _need_frames(frames, step)
        if not layer:
            raise SdfError("the render step renders one layer per task: give --layer NAME")
        _render(shot, base, layer, (a, b), options)
    elif step == "custom":
        if not command:
            raise SdfError("a custom step needs a command line")
        a, b = frames or (0, 0)
        args = [arg.format(shot=shot, out=out, name=name, frames=f"{a}-{b}") for arg in shlex.split(command)]
        if args and args[0] == "sdf":
            args = args[1:]
        proc = _sdf(*args)
        os.makedirs(os.path.join(base, "custom"), exist_ok=True)
        jsonio.write(os.path.join(base, "custom", f"{name or 'custom'}.done.json"),
                     {"command": args, "stdout": proc.stdout[-4000:]})
    else:
        raise SdfError(f"unknown step '{step}' (steps: {', '.join(STEPS)})")
    return {"outputs": outputs_of(step, shot, out, frames, name, label, layer), "seconds": time.perf_counter() - t0}


def render_report_path(base: str, layer: str, frames: tuple[int, int]) -> str:
    """Where a render task leaves its report: per frame seconds, and its fixed costs apart (``timing``)."""
    return os.path.join(base, "render-reports", f"{layer}.{frames[0]:04d}-{frames[1]:04d}.json")


def _render(shot: str, base: str, layer: str, frames: tuple[int, int], options: tuple[str, ...]) -> None:
    """One render task: ``sdf render``'s own function in this process (the task starts Blender's process
    and no second toolkit one), its options parsed by ``sdf render``'s own parser. The chunk's frames are
    stepped in one Blender (bpy imported and the scene built once a task); ``--resume``: a rescheduled task
    (a killed worker) renders only what is missing or out of date."""
    import click

    from sdf.dcc_plugins.cli import render as render_command, render_layers

    argv = [shot, "--layer", layer, "--frames", f"{frames[0]}-{frames[1]}", "--out", base, "--resume", *options]
    try:
        params = render_command.make_context("render", argv).params
    except click.ClickException as exc:
        raise SdfError(f"sdf render: {exc.format_message()}") from None
    params.pop("as_json")
    report = render_layers(**params, env=_task_env())
    os.makedirs(os.path.join(base, "render-reports"), exist_ok=True)
    jsonio.write(render_report_path(base, layer, frames), report)


DAILIES_SOURCES = ("latest", "playblast", "render")


def dailies_sources(base: str, source: str, layer: str = "") -> list[str]:
    """The ``sdf dailies`` options that find a shot's frames in its farm folder ``base``: the
    playblast step's ``base/playblast``, the render step's layers' outputs under ``base``."""
    if source not in DAILIES_SOURCES:
        raise SdfError(f"--source: '{source}' is not one of {', '.join(DAILIES_SOURCES)}")
    playblasts = os.path.join(base, "playblast")
    if source == "latest" and not os.path.isdir(playblasts):
        source = "render"  # no playblast step ran for this shot: its render is the only candidate
    args = ["--source", source]
    if source != "render":
        args += ["--playblasts", playblasts]
    if source != "playblast":
        args += ["--renders", base] + (["--layer", layer] if layer else [])
    return args


def _need_frames(frames, step: str) -> tuple[int, int]:
    if frames is None:
        raise SdfError(f"the {step} step runs on a chunk of frames: give --frames A-B")
    return frames


def _task_env() -> dict[str, str]:
    """One core per task: a farm runs one task per core, so a task's own threads (Mesa's llvmpipe
    rasteriser, BLAS) would only fight the task next to it. Set a variable to override."""
    env = dict(os.environ)
    for name in ("LP_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    return env


def _sdf(*args: str, ok=(0,)) -> subprocess.CompletedProcess:
    proc = subprocess.run([*sdf_command(), *args], capture_output=True, text=True, env=_task_env())
    if proc.returncode not in ok:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()] or [f"exit status {proc.returncode}"]
        raise SdfError(f"sdf {args[0]}: {lines[-1].removeprefix('error: ')}")
    return proc


def _exr_pack(shot: str, frames: tuple[int, int]) -> None:
    import sdf
    from sdf.converters.exr import pack
    from sdf.converters.options import ConvertError

    view = sdf.open(shot)
    root = os.path.dirname(shot)
    for layer in view.render_layers:
        for f in range(frames[0], frames[1] + 1):
            target = os.path.join(root, layer.output.frame_path(f, layer.name))
            stem, ext = os.path.splitext(target)
            stem, number = stem.rsplit(".", 1) if "." in os.path.basename(stem) else (stem, "")
            inputs = {a.name: f"{stem}.{a.name}.{number}{ext}" if number else f"{stem}.{a.name}{ext}"
                      for a in layer.aovs}
            missing = [p for p in inputs.values() if not os.path.exists(p)]
            if missing:
                raise SdfError(f"render layer '{layer.name}' frame {f}: no AOV image {os.path.basename(missing[0])}",
                               missing[0])
            try:
                pack(inputs, target, aovs=layer.aovs, compression=layer.output.compression, force=True)
            except ConvertError as exc:
                raise SdfError(exc.message, exc.file) from None
