"""Running a planned render in a Python that has ``bpy``: finding it, feeding it the job, following it.

The toolkit's own Python rarely has ``bpy`` (the wheel pins Python 3.11 and weighs ~800 MB), so
the render runs in a separate process: ``--blender PATH`` or ``$SDF_BLENDER`` (a ``blender``
executable or a Python with ``bpy``), else ``$SDF_BLENDER_PYTHON``, else the ``.venv-blender``
that ``scripts/dev`` makes next to the toolkit. The worker
(:mod:`sdf.dcc_plugins.blender.render_worker`) reports on stdout line by line; this module turns
that into progress, a report, and one-line errors: a missing Blender says how to get one; a
renderer that dies says the shot, layer and frame, and no partial EXR is left (outputs are
renamed into place only when complete, and a dead worker's temporary files are removed).
"""
from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Callable

from sdf.errors import SdfError

HOW_TO_GET = ("`scripts/dev blender -c pass` installs one into .venv-blender (bpy 5.0.1, Python 3.11); "
              "or pass --blender / set SDF_BLENDER to a blender executable or a Python with bpy")
MARK = "@@sdf "


def _toolkit_root() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.dirname(here)


def find_blender(explicit: str | None = None) -> str:
    """The executable a render runs in (see the module docstring), or SdfError saying how to get one."""
    for source, value in (("--blender", explicit), ("SDF_BLENDER", os.environ.get("SDF_BLENDER")),
                          ("SDF_BLENDER_PYTHON", os.environ.get("SDF_BLENDER_PYTHON"))):
        if value:
            if not (os.path.isfile(value) and os.access(value, os.X_OK)):
                raise SdfError(f"no Blender at {value} (from {source}): {HOW_TO_GET}")
            return value
    default = os.path.join(_toolkit_root(), ".venv-blender", "bin", "python")
    if os.path.isfile(default):
        return default
    raise SdfError(f"no Blender found: {HOW_TO_GET}")


def worker_command(blender: str, job_file: str) -> list[str]:
    """A ``blender`` executable runs the worker as a script; a Python runs it as a module."""
    if os.path.basename(blender).lower().startswith("blender"):
        from sdf.dcc_plugins.blender import render_worker

        return [blender, "-b", "--factory-startup", "--python-exit-code", "2", "--python",
                render_worker.__file__.replace(".pyc", ".py"), "--", job_file]
    return [blender, "-m", "sdf.dcc_plugins.blender.render_worker", job_file]


def _clean_partial(job: dict, layer: str | None, frame: int | None) -> None:
    from .render_plan import frame_file

    for l in job["layers"]:
        if layer is not None and l["name"] != layer:
            continue
        frames = [frame] if frame is not None else range(job["frames"][0], job["frames"][1] + 1)
        for f in frames:
            for tmp in glob.glob(glob.escape(frame_file(l["output"], f)) + ".tmp*"):
                try:
                    os.unlink(tmp)
                except OSError:
                    pass


def run(job: dict, blender: str | None = None, on_event: Callable[[dict], None] | None = None,
        env: dict | None = None) -> dict:
    """Render a planned job; returns ``{"frames": [...done events...], "warnings": [...], "blender": version,
    "timing": {...}}``: ``timing`` holds the run's fixed costs, ``ready`` (seconds from starting Blender's
    process to bpy imported), ``scene_build`` (the session's scene and the view layers, once per run) and
    ``total``; each frame's own seconds are in its ``done`` row."""
    exe = find_blender(blender)
    total = len(job["layers"]) * (job["frames"][1] - job["frames"][0] + 1)
    if len(job.get("skip", ())) == total:  # everything up to date: no Blender to start
        from .render_plan import frame_file

        outputs = {l["name"]: l["output"] for l in job["layers"]}
        skipped = [{"layer": l, "frame": f, "file": frame_file(outputs[l], f)} for l, f in job["skip"]]
        for row in skipped:
            if on_event is not None:
                on_event({"event": "skipped", **row})
        return {"shot": job["shot"], "frames": [], "skipped": skipped, "warnings": [], "blender": None, "timing": {}}
    fd, job_file = tempfile.mkstemp(prefix="sdf-render-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(job, fh)
    report: dict = {"shot": job["shot"], "frames": [], "warnings": [], "blender": None, "timing": {}}
    timing = report["timing"]  # the run's fixed costs apart from its frames (seconds)
    t_start = time.perf_counter()
    current: dict = {}
    err_event: dict | None = None
    tail: list[str] = []
    run_env = dict(env or os.environ)
    run_env.setdefault("PYTHONUNBUFFERED", "1")
    try:
        try:
            proc = subprocess.Popen(worker_command(exe, job_file), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, env=run_env, bufsize=1)
        except OSError as exc:
            raise SdfError(f"cannot start Blender at {exe} ({exc.strerror}): {HOW_TO_GET}") from None
        assert proc.stdout is not None
        for line in proc.stdout:
            if not line.startswith(MARK):
                tail = (tail + [line.rstrip()])[-20:]
                continue
            event = json.loads(line[len(MARK):])
            kind = event["event"]
            if kind == "ready":
                report["blender"] = event["blender"]
                timing["ready"] = round(time.perf_counter() - t_start, 3)  # the process started, sdf and bpy imported
            elif kind == "built":
                timing["scene_build"] = event["seconds"]
            elif kind == "start":
                current = event
            elif kind == "done":
                report["frames"].append({k: v for k, v in event.items() if k != "event"})
                current = {}
            elif kind == "skipped":
                report.setdefault("skipped", []).append({k: v for k, v in event.items() if k != "event"})
            elif kind == "warning":
                if event["message"] not in report["warnings"]:
                    report["warnings"].append(event["message"])
                else:
                    continue
            elif kind == "error":
                err_event = event
            if on_event is not None:
                on_event(event)
        code = proc.wait()
        timing["total"] = round(time.perf_counter() - t_start, 3)
    finally:
        os.unlink(job_file)
    if code != 0 or err_event is not None:
        _clean_partial(job, current.get("layer"), current.get("frame"))
        if err_event is not None and err_event.get("kind") == "no_bpy" or report["blender"] is None and not current:
            why = err_event["message"] if err_event else _last(tail) or f"exit status {code}"
            raise SdfError(f"Blender at {exe} is not usable ({why}): {HOW_TO_GET}")
        if err_event is not None and err_event.get("kind") == "shot":
            raise SdfError(err_event["message"])
        where = f"render layer '{current['layer']}' frame {current['frame']}" if current else "setting up the scene"
        if code < 0:  # a crash (a signal): Blender's last line says nothing about it
            import signal

            why = f"the renderer died of {signal.Signals(-code).name}"
        else:
            why = (err_event or {}).get("message") or _last(tail) or f"exit status {code}"
        raise SdfError(f"the renderer failed on {where} ({why}); no partial file was left", job["shot"])
    return report


def _last(lines: list[str]) -> str:
    for line in reversed(lines):
        if line.strip():
            return line.strip()[:300]
    return ""


def progress_printer(total: int, stream=sys.stderr) -> Callable[[dict], None]:
    """Per-frame progress lines on stderr (and every warning once)."""
    done = [0]

    def show(event: dict) -> None:
        if event["event"] == "done":
            done[0] += 1
            print(f"render {event['layer']} frame {event['frame']} ({done[0]}/{total}): {event['seconds']:.2f} s, "
                  f"{event['samples']} samples, {event['memory_mb']:.0f} MB -> {event['file']}", file=stream,
                  flush=True)
        elif event["event"] == "skipped":
            done[0] += 1
            print(f"render {event['layer']} frame {event['frame']} ({done[0]}/{total}): up to date, skipped",
                  file=stream, flush=True)
        elif event["event"] == "warning":
            print(f"warning: {event['message']}", file=stream, flush=True)

    return show
