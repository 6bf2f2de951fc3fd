"""``sdf farm``: run batch work over many shots on Dask, or write it as an Open Job Description job."""
from __future__ import annotations

import json
import os
import sys

import click

from sdf.errors import SdfError


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}


@click.group(context_settings=CONTEXT)
def farm():
    """Batch work over many shots on an existing engine (Dask, or any farm that runs Open Job Description).

    \b
    Examples:
      sdf farm run 'shots/*/*.sdf' --step validate --step convert --step playblast --out farm_out
      sdf farm emit 'shots/*/*.sdf' --step convert --step playblast job/
      sdf farm run 'shots/*/*.sdf' --step 'custom:info=sdf info {shot}' --scheduler tcp://10.0.0.5:8786
    """


def _render_task_options(fn):
    """The options of the render step, the same as ``sdf render``'s (each task passes them on)."""
    fn = click.option("--threads", type=int, default=1, show_default=True,
                      help="render: threads per task (one task per core).")(fn)
    fn = click.option("--denoise", is_flag=True, help="render: denoise with OpenImageDenoise.")(fn)
    fn = click.option("--samples", type=int, default=None, help="render: samples per pixel.")(fn)
    fn = click.option("--resolution", default=None, help="render: WxH instead of the layers' own.")(fn)
    return fn


def _job_options(fn):
    fn = _render_task_options(fn)
    fn = click.option("--layer", "layers", multiple=True,
                      help="render: a render layer (repeat; default every enabled layer); dailies shows the first.")(fn)
    fn = click.option("--frames", default=None, help="A-B: limit the chunked steps (playblast, render) to these.")(fn)
    fn = click.option("--chunk", default=12, show_default=True, type=int,
                      help="Frames per task for playblast, exr-pack and render.")(fn)
    fn = click.option("--step", "steps", multiple=True, required=True,
                      help="validate, convert, playblast, exr-pack, render, dailies, or custom:NAME=COMMAND; repeat, "
                      "in order (dailies shows the frames of the playblast or render step before it).")(fn)
    fn = click.argument("shots", nargs=-1, required=True)(fn)
    return fn


def _render_options(resolution, samples, denoise, threads) -> tuple[str, ...]:
    """The sdf render options for a render task (checked here, so a bad one fails before any task runs)."""
    from sdf.dcc_plugins.render_plan import parse_resolution

    opts: list[str] = []
    if resolution:
        w, h = parse_resolution(resolution)
        opts += ["--resolution", f"{w}x{h}"]
    if samples is not None:
        if samples < 1:
            raise SdfError(f"--samples: {samples} is not a positive number of samples")
        opts += ["--samples", str(samples)]
    if denoise:
        opts.append("--denoise")
    opts += ["--threads", str(max(1, threads))]
    return tuple(opts)


def _dailies_options(before, layers) -> tuple[str, ...]:
    """The dailies step's source, from the steps before it: a render's frames after ``render`` (of the
    first --layer, else the first layer rendered), a playblast's after ``playblast``, the newer of the
    two after both (or after neither: whatever an earlier run left in OUT)."""
    kinds = {p.kind for p in before}
    source = {frozenset({"render"}): "render", frozenset({"playblast"}): "playblast"}.get(
        frozenset(kinds & {"render", "playblast"}), "latest")
    return ("--source", source) + (("--layer", layers[0]) if layers and source != "playblast" else ())


def _frames(text):
    if not text:
        return None
    try:
        a, _, b = text.partition("-")
        return int(a), int(b or a)
    except ValueError:
        raise SdfError(f"--frames is A-B, got '{text}'") from None


def _build(shots, steps, chunk, frames=None, layers=(), resolution=None, samples=None, denoise=False, threads=1):
    from dataclasses import replace

    from .job import build, expand_shots, parse_step

    parsed = [parse_step(s) for s in steps]
    if any(p.kind == "render" for p in parsed):
        options = _render_options(resolution, samples, denoise, threads)
        parsed = [replace(p, options=options, layers=tuple(layers)) if p.kind == "render" else p for p in parsed]
    elif layers:
        raise SdfError("--layer is for the render step: add --step render")
    parsed = [replace(p, options=_dailies_options(parsed[:i], layers)) if p.kind == "dailies" else p
              for i, p in enumerate(parsed)]
    return build(expand_shots(list(shots)), parsed, chunk, _frames(frames))


@farm.command(context_settings=CONTEXT)
@_job_options
@click.option("--out", default="farm_out", show_default=True, type=click.Path(), help="Output folder.")
@click.option("--workers", type=int, default=None, help="Local worker processes (default: the cores).")
@click.option("--scheduler", default=None, help="An existing Dask scheduler, tcp://HOST:PORT.")
@click.option("--retries", default=2, show_default=True, help="Retries of a failed task.")
@click.option("--resume", "resume", type=click.Path(), default=None,
              help="A manifest from an earlier run: skip tasks whose outputs are complete and up to date.")
@click.option("--json", "as_json", is_flag=True, help="Print the result manifest as JSON.")
def run(shots, steps, chunk, frames, layers, resolution, samples, denoise, threads, out, workers, scheduler, retries,
        resume, as_json):
    """Run the steps over the shots on a Dask cluster (local processes unless --scheduler).

    Shows a progress bar per step; exits 2 if any task failed (each failure is named with its
    shot and step), after every other task has finished.

    \b
    Example:
      sdf farm run 'shots/*/*.sdf' --step validate --step convert --step playblast --chunk 24 --json
      sdf farm run shots/sh010/sh010.sdf --step render --layer characters --frames 1001-1024 \
          --resolution 480x270 --samples 32 --chunk 4
      sdf farm run shots/sh010/sh010.sdf --step render --step dailies --layer characters --samples 32
    """
    from tqdm import tqdm

    from . import dask_run

    job = _build(shots, steps, chunk, frames, layers, resolution, samples, denoise, threads)
    out = os.path.abspath(out)
    skip = set()
    if resume:
        from sdf.runtime import jsonio

        manifest = {e["key"]: e for e in jsonio.read(resume).get("tasks", [])}
        newest: dict[str, float] = {}
        skip = {t.key for t in job.tasks if dask_run.up_to_date(t, out, manifest, newest)}
    bars = {}
    for i, step in enumerate(job.steps):
        total = sum(1 for t in job.tasks if t.step == step)
        bars[step.name] = tqdm(total=total, desc=f"{step.name:<10}", position=i, unit="task", file=sys.stderr,
                               disable=as_json or None, leave=True)
    counts = {s.name: {"failed": 0} for s in job.steps}

    def progress(res):
        bar = bars[res.step]
        if res.status in ("failed", "skipped"):
            counts[res.step]["failed"] += 1
        bar.set_postfix(failed=counts[res.step]["failed"], refresh=False)
        bar.update(1)

    try:
        results = dask_run.run(job, out, workers=workers, scheduler=scheduler, retries=retries, skip=skip,
                               progress=progress)
    finally:
        for bar in bars.values():
            bar.close()
    manifest = {"out": out, "shots": job.shots, "steps": [s.name for s in job.steps],
                "tasks": [r.as_dict() for r in results]}
    from sdf.runtime import jsonio

    jsonio.write(os.path.join(out, "manifest.json"), manifest)
    failed = [r for r in results if r.status in ("failed", "skipped")]
    if as_json:
        click.echo(json.dumps(manifest, indent=2))
    else:
        done = sum(r.status == "ok" for r in results)
        resumed = sum(r.status == "resumed" for r in results)
        click.echo(f"{done} task(s) done, {resumed} up to date, {len(failed)} failed; manifest "
                   f"{os.path.join(out, 'manifest.json')}")
    for r in failed:
        click.echo(f"error: {r.step} of {os.path.basename(r.shot)}"
                   f"{' frames ' + r.frames if r.frames else ''}: {r.error}", err=True)
    if failed:
        sys.exit(2)


@farm.command(context_settings=CONTEXT)
@_job_options
@click.argument("directory", type=click.Path())
@click.option("--name", default="sdf batch", show_default=True, help="The job's name.")
def emit(shots, steps, chunk, frames, layers, resolution, samples, denoise, threads, directory, name):
    """Write the job as an Open Job Description template (checked with openjd-model).

    DIRECTORY receives job.template.json and job.parameters.json (OutDir); run it with the
    reference runner, ``openjd run DIR/job.template.json --job-param file://DIR/job.parameters.json``,
    or submit it to a farm that runs OpenJD (AWS Deadline Cloud).

    \b
    Example:
      sdf farm emit 'shots/*/*.sdf' --step convert --step playblast --chunk 24 job/
    """
    from sdf.runtime import jsonio

    from .job import check_template, openjd_template

    job = _build(shots, steps, chunk, frames, layers, resolution, samples, denoise, threads)
    template = openjd_template(job, name)
    check_template(template)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "job.template.json")
    jsonio.write(path, template)
    jsonio.write(os.path.join(directory, "job.parameters.json"),
                 {"OutDir": os.path.abspath(os.path.join(directory, "out"))})
    click.echo(path)


@farm.command(context_settings=CONTEXT)
@click.argument("step")
@click.option("--shot", required=True, type=click.Path())
@click.option("--out", required=True, type=click.Path())
@click.option("--frames", default=None, help="A-B, for chunked steps.")
@click.option("--command", default="", help="Custom steps: the sdf command line.")
@click.option("--name", default="", help="Custom steps: the step's name.")
@click.option("--label", default="", help="The shot's output folder name (default: the shot's name).")
@click.option("--layer", default="", help="render: the render layer; dailies: the render layer shown.")
@click.option("--source", type=click.Choice(["latest", "playblast", "render"]), default="latest", show_default=True,
              help="dailies: the playblast's frames, the render's, or the newer of the two.")
@_render_task_options
def task(step, shot, out, frames, command, name, label, layer, source, resolution, samples, denoise, threads):
    """Run one task (what each farm task runs: the OpenJD step script and the Dask task alike).

    \b
    Example:
      sdf farm task playblast --shot shots/sh010/sh010.sdf --out farm_out --frames 1001-1012
      sdf farm task render --shot shots/sh010/sh010.sdf --out farm_out --frames 1001-1004 --layer characters
      sdf farm task dailies --shot shots/sh010/sh010.sdf --out farm_out --source render --layer characters
    """
    from .steps import run as run_step

    from sdf.document.frame_range import parse as parse_frames

    span = parse_frames(frames) if frames else None
    options = _render_options(resolution, samples, denoise, threads) if step == "render" else ()
    result = run_step(step, shot, os.path.abspath(out), span, command, name, label, layer, options, source)
    click.echo(f"{step} {os.path.basename(shot)}: {len(result['outputs'])} output(s) in {result['seconds']:.1f} s")


def commands():
    return [farm]
