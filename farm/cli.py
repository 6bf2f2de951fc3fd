"""``sdf farm``: run batch work over many shots on Dask, or write it as an Open Job Description job."""
from __future__ import annotations

import json
import os
import sys

import click


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


def _job_options(fn):
    fn = click.option("--chunk", default=12, show_default=True, type=int,
                      help="Frames per task for playblast and exr-pack.")(fn)
    fn = click.option("--step", "steps", multiple=True, required=True,
                      help="validate, convert, playblast, exr-pack, or custom:NAME=COMMAND; repeat, in order.")(fn)
    fn = click.argument("shots", nargs=-1, required=True)(fn)
    return fn


def _build(shots, steps, chunk):
    from .job import build, expand_shots, parse_step

    return build(expand_shots(list(shots)), [parse_step(s) for s in steps], chunk)


@farm.command(context_settings=CONTEXT)
@_job_options
@click.option("--out", default="farm_out", show_default=True, type=click.Path(), help="Output folder.")
@click.option("--workers", type=int, default=None, help="Local worker processes (default: the cores).")
@click.option("--scheduler", default=None, help="An existing Dask scheduler, tcp://HOST:PORT.")
@click.option("--retries", default=2, show_default=True, help="Retries of a failed task.")
@click.option("--resume", "resume", type=click.Path(), default=None,
              help="A manifest from an earlier run: skip tasks whose outputs are complete and up to date.")
@click.option("--json", "as_json", is_flag=True, help="Print the result manifest as JSON.")
def run(shots, steps, chunk, out, workers, scheduler, retries, resume, as_json):
    """Run the steps over the shots on a Dask cluster (local processes unless --scheduler).

    Shows a progress bar per step; exits 2 if any task failed (each failure is named with its
    shot and step), after every other task has finished.

    \b
    Example:
      sdf farm run 'shots/*/*.sdf' --step validate --step convert --step playblast --chunk 24 --json
    """
    from tqdm import tqdm

    from . import dask_run

    job = _build(shots, steps, chunk)
    out = os.path.abspath(out)
    skip = set()
    if resume:
        from sdf import jsonio

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
    from sdf import jsonio

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
def emit(shots, steps, chunk, directory, name):
    """Write the job as an Open Job Description template (checked with openjd-model).

    DIRECTORY receives job.template.json and job.parameters.json (OutDir); run it with the
    reference runner, ``openjd run DIR/job.template.json --job-param file://DIR/job.parameters.json``,
    or submit it to a farm that runs OpenJD (AWS Deadline Cloud).

    \b
    Example:
      sdf farm emit 'shots/*/*.sdf' --step convert --step playblast --chunk 24 job/
    """
    from sdf import jsonio

    from .job import check_template, openjd_template

    job = _build(shots, steps, chunk)
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
def task(step, shot, out, frames, command, name, label):
    """Run one task (what each farm task runs: the OpenJD step script and the Dask task alike).

    \b
    Example:
      sdf farm task playblast --shot shots/sh010/sh010.sdf --out farm_out --frames 1001-1012
    """
    from .steps import run as run_step

    from sdf.frame_range import parse as parse_frames

    span = parse_frames(frames) if frames else None
    result = run_step(step, shot, os.path.abspath(out), span, command, name, label)
    click.echo(f"{step} {os.path.basename(shot)}: {len(result['outputs'])} output(s) in {result['seconds']:.1f} s")


def commands():
    return [farm]
