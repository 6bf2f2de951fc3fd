"""The renderer's side of ``sdf render``: runs in a Python with ``bpy`` (or a ``blender`` executable).

``python -m sdf.dcc_plugins.blender.render_worker JOB.json`` (or ``blender -b --python
render_worker.py -- JOB.json``) reads a job planned by :func:`sdf.dcc_plugins.render_plan.plan_render`,
builds the scene with the Blender host's own session code (the same translation a lighting
session in Blender gets: proxies filled from the shot's Alembic leaves at each frame, cameras,
lights, materials), turns the render layers into view layers (:mod:`.view_layers`) and renders
each layer at each frame with Cycles, one view layer at a time. Blender's multi-layer EXR goes to
a private temporary folder; :mod:`sdf.dcc_plugins.render_exr` turns it into the layer's own
multi-part file (temporary file, then rename).

It talks to the caller on stdout, one JSON object per line prefixed ``@@sdf `` (Blender prints
its own lines there too): ``ready``, ``built`` (the seconds the
scene and its view layers took, once per run), then per frame and layer ``start`` and ``done`` (file,
seconds, CPU seconds, samples, peak memory), ``warning`` lines, and ``error`` for a failure it can name.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import tempfile
import time

MARK = "@@sdf "


def say(event: str, **fields) -> None:
    sys.stdout.write(MARK + json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def _job_path(argv: list[str]) -> str:
    args = argv[argv.index("--") + 1:] if "--" in argv else argv[1:]
    return args[0]


def configure(scene, job: dict, threads: int) -> None:
    from .view_layers import configure as cycles

    cycles(scene, job["samples"], job["denoise"], threads)
    scene.render.use_compositing = False
    scene.render.use_sequencer = False
    scene.render.image_settings.exr_codec = "NONE"  # a private file read once: no time spent compressing it


def main(argv: list[str]) -> int:
    try:
        import bpy
    except ImportError as exc:
        say("error", kind="no_bpy", message=f"cannot import bpy ({exc})")
        return 3
    job = json.load(open(_job_path(argv), encoding="utf-8"))
    say("ready", blender=bpy.app.version_string)
    t_build = time.perf_counter()
    bpy.ops.wm.read_factory_settings(use_empty=True)

    from sdf.dcc_plugins.render_exr import write_layer_file
    from sdf.dcc_plugins.session import Session
    from sdf.errors import SdfError

    from .host import BlenderHost
    from .view_layers import build_view_layers

    scene = bpy.context.scene
    host = BlenderHost(scene)
    host.report = lambda level, message: say("warning", message=message)  # type: ignore[method-assign]
    try:
        session = Session.open(host, job["shot"], job["department"], config=job.get("config"))
    except SdfError as exc:
        say("error", kind="shot", message=str(exc))
        return 2
    configure(scene, job, job["threads"])
    view_layers = build_view_layers(host, job["layers"])
    # What every task pays once before its first frame (a farm sizes its chunks by it).
    say("built", seconds=round(time.perf_counter() - t_build, 3))
    cameras = host.nodes("camera")
    tmp = tempfile.mkdtemp(prefix="sdf-render-")
    a, b = job["frames"]
    skip = job.get("skip", [])
    try:
        for frame in range(a, b + 1):
            t_scene = time.perf_counter()
            scene.frame_set(frame)
            failed = session.show(frame)
            t_scene = time.perf_counter() - t_scene
            for path in failed:
                say("warning", message=f"frame {frame}: {path} could not be read; rendered without it")
            for layer in job["layers"]:
                name = layer["name"]
                if [name, frame] in skip:
                    say("skipped", layer=name, frame=frame, file=_frame_file(layer["output"], frame))
                    continue
                for n, vl in view_layers.items():
                    vl.use = n == name
                vl = view_layers[name]
                scene.camera = cameras.get(f"/cameras/{layer['camera']}")
                scene.render.resolution_x, scene.render.resolution_y = layer["resolution"]
                scene.cycles.seed = frame  # fixed per frame: reruns and thread counts agree
                say("start", layer=name, frame=frame)
                t0, cpu0 = time.perf_counter(), _cpu()
                raw = os.path.join(tmp, f"{name}.{frame}.exr")
                scene.render.filepath = raw
                bpy.ops.render.render(write_still=True)
                t_render = time.perf_counter() - t0
                meta = {"shot": job["name"], "shot_file": job["shot"], "layer": name, "frame": frame,
                        "camera": layer["camera"], "renderer": "Cycles", "renderer_version": bpy.app.version_string,
                        "samples": int(job["samples"]), "seed": frame, "denoise": bool(job["denoise"]),
                        "fps": job["fps"], "up_axis": job.get("up_axis", "Y"),
                        "versions": job.get("versions", {}), "artist": job.get("artist", "")}
                target = _frame_file(layer["output"], frame)
                parts = write_layer_file(raw, target, layer, vl.name, meta)
                os.unlink(raw)
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
                say("done", layer=name, frame=frame, file=target, seconds=round(time.perf_counter() - t0, 3),
                    render_seconds=round(t_render, 3), scene_seconds=round(t_scene, 3),
                    cpu_seconds=round(_cpu() - cpu0, 3),
                    samples=int(job["samples"]), memory_mb=round(peak, 1), parts=parts)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _cpu() -> float:
    """CPU seconds this process has used, all its threads together: over a frame's seconds, how many
    cores the frame kept busy (a farm sizes its workers by it: one a core only if a task uses one)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _frame_file(template: str, frame: int) -> str:
    from sdf.dcc_plugins.render_plan import frame_file

    return frame_file(template, frame)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
