"""``sdf render``: the shot's render layers through Cycles into multi-part OpenEXR, one file per layer and frame."""
from __future__ import annotations

import json
import os

import click

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}


def render_options(fn):
    """The options ``sdf render`` and the farm's render step share."""
    for opt in reversed([
        click.option("--layer", "layers", multiple=True, help="A render layer to render; repeat for more."),
        click.option("--all-layers", is_flag=True, help="Every enabled render layer."),
        click.option("--resolution", default=None, help="WxH instead of the layers' own (previews)."),
        click.option("--samples", type=int, default=None, help="Samples per pixel (default 64)."),
        click.option("--denoise", is_flag=True, help="Denoise with OpenImageDenoise."),
        click.option("--blender", default=None, type=click.Path(),
                     help="A blender executable or a Python with bpy (default $SDF_BLENDER, then .venv-blender)."),
    ]):
        fn = opt(fn)
    return fn


@click.command(context_settings=CONTEXT)
@click.argument("shot", type=click.Path())
@render_options
@click.option("--frames", default=None, help="A-B inside the shot's range (default: the whole range).")
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Folder the layers' output paths are relative to (default: the shot's folder).")
@click.option("--threads", type=int, default=2, show_default=True, help="Render threads (fixed: reruns agree).")
@click.option("--resume", is_flag=True,
              help="Skip frames already rendered and up to date (newer than the shot and what it references, "
                   "same samples, resolution and AOVs).")
@click.option("--json", "as_json", is_flag=True, help="Print the report (per layer and frame) as JSON.")
def render(shot, layers, all_layers, resolution, samples, denoise, blender, frames, out, threads, resume, as_json):
    """Render the shot's render layers with Cycles, one multi-part OpenEXR per layer per frame.

    Each layer renders through its own camera at its output's resolution, pixel type and
    compression into its output path; parts are named by the layer's AOVs. Progress goes to
    stderr per frame; warnings (an LPE Cycles cannot make, receives_shadows) are printed once.

    \b
    Example:
      sdf render shots/sh010/sh010.sdf --layer characters --frames 1001-1004 \\
          --resolution 480x270 --samples 32 --json
    """
    report = render_layers(shot, layers, frames, all_layers=all_layers, resolution=resolution, samples=samples,
                           denoise=denoise, blender=blender, out=out, threads=threads, resume=resume)
    if as_json:
        click.echo(json.dumps(report, indent=2, sort_keys=True))
    else:
        skipped = len(report.get("skipped", []))
        click.echo(f"{len(report['frames'])} file(s) written{f', {skipped} up to date' if skipped else ''} under "
                   f"{report['folder']}")


def render_layers(shot, layers=(), frames=None, *, all_layers=False, resolution=None, samples=None, denoise=False,
                  blender=None, out=None, threads=2, resume=False, env=None) -> dict:
    """What ``sdf render`` does, in this process: plan, render in Blender (progress and warnings on stderr),
    return the report. The farm's render step calls it too, so a task starts one process (Blender's), not
    a toolkit process that starts Blender. ``env``: the renderer's environment (default this one's)."""
    from .render_plan import parse_resolution, plan_render, skip_current
    from .render_run import find_blender, progress_printer, run

    exe = find_blender(blender)  # before anything else: a missing Blender is the one line said
    res = parse_resolution(resolution)
    job = plan_render(shot, list(layers), frames, all_layers=all_layers, out=out, resolution=res, samples=samples,
                      denoise=denoise, threads=threads)
    if resume:
        job["skip"] = skip_current(job)
    total = len(job["layers"]) * (job["frames"][1] - job["frames"][0] + 1)
    show = progress_printer(total)

    def on_event(event):
        if event["event"] == "ready":  # the plan's warnings once Blender is known to work
            for layer in job["layers"]:
                for w in layer["warnings"]:
                    click.echo(f"warning: {w}", err=True)
        show(event)

    report = run(job, exe, on_event, env=env)
    report["layers"] = [{"name": l["name"], "camera": l["camera"], "resolution": l["resolution"],
                         "aovs": [a["name"] for a in l["aovs"]], "warnings": l["warnings"]} for l in job["layers"]]
    report["folder"] = os.path.dirname(job["layers"][0]["output"])
    return report


def commands():
    return [render]
