"""A batch job over many shots: tasks with dependencies, and the same job as an Open Job Description template.

A job is a list of steps (in order: each step depends on the one before, so ``--step convert
--step playblast`` converts before it playblasts) applied to a set of shots. Each step
expands to tasks: one per shot, or one per chunk of frames per shot for the chunked steps.
:func:`openjd_template` writes the job in the open format that AWS Deadline Cloud runs
natively (specification ``jobtemplate-2023-09``): job parameters (the output folder, the
toolkit's command), one step per step with its task parameters (shot, and frame chunk paired
with it by an associative combination) and step dependencies. Every task runs ``sdf farm task``,
the same command the Dask runner runs.
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field

from sdf.errors import SdfError

from .steps import CHUNKED, STEPS, shot_name


@dataclass(frozen=True)
class Step:
    kind: str                  # validate, convert, playblast, exr-pack, render, custom
    name: str                  # unique within the job (the kind, or the custom step's name)
    command: str = ""          # custom steps: the sdf command line
    options: tuple[str, ...] = ()  # render: the sdf render options every task passes (--samples 32 ...);
    #                                dailies: its source (--source render --layer L)
    layers: tuple[str, ...] = ()   # render: the render layers (none: every enabled layer of each shot)


@dataclass(frozen=True)
class Task:
    step: Step
    shot: str
    label: str                 # the shot's output folder name (its name, made unique in the job)
    frames: tuple[int, int] | None = None
    depends: tuple[str, ...] = ()
    layer: str = ""            # render: the one render layer this task renders

    @property
    def key(self) -> str:
        chunk = f"@{self.frames[0]}-{self.frames[1]}" if self.frames else ""
        layer = f"/{self.layer}" if self.layer else ""
        return f"{self.step.name}:{self.label}{layer}{chunk}"

    def argv(self, out: str) -> list[str]:
        """The ``sdf farm task`` arguments that run this task (what OpenJD's step script runs too)."""
        args = ["farm", "task", self.step.kind, "--shot", self.shot, "--out", out, "--label", self.label]
        if self.frames:
            args += ["--frames", f"{self.frames[0]}-{self.frames[1]}"]
        if self.step.kind == "custom":
            args += ["--command", self.step.command, "--name", self.step.name]
        if self.layer:
            args += ["--layer", self.layer]
        return args + list(self.step.options)


@dataclass
class Job:
    shots: list[str]
    steps: list[Step]
    chunk: int = 12
    tasks: list[Task] = field(default_factory=list)
    frames: tuple[int, int] | None = None   # limits the chunked steps (playblast, render...)


def parse_step(text: str) -> Step:
    """``validate`` ... or ``custom:NAME=sdf info {shot}`` (a custom step with its command line)."""
    if text.startswith("custom"):
        rest = text[len("custom"):].lstrip(":")
        name, sep, command = rest.partition("=")
        if not sep or not command.strip():
            raise SdfError(f"a custom step is written custom:NAME=COMMAND, got '{text}'")
        if not name.isidentifier():
            raise SdfError(f"custom step name '{name}' must be a word (letters, digits, _)")
        return Step("custom", name, command.strip())
    if text not in STEPS:
        raise SdfError(f"unknown step '{text}' (steps: {', '.join(STEPS[:-1])}, custom:NAME=COMMAND)")
    return Step(text, text)


def expand_shots(patterns: list[str]) -> list[str]:
    """Shot files from paths and globs (``shots/*/*.sdf``), absolute, sorted, each once."""
    shots: list[str] = []
    for pattern in patterns:
        found = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not found:
            raise SdfError(f"no shot matches '{pattern}'")
        for path in found:
            path = os.path.abspath(path)
            if not os.path.isfile(path):
                raise SdfError("shot file not found", path)
            if path not in shots:
                shots.append(path)
    return shots


def labels(shots: list[str]) -> dict[str, str]:
    """An output folder name per shot: its name, or, where names repeat, its project's folder and name."""
    from sdf.document.resolve import find_project_root

    names = [shot_name(s) for s in shots]
    out = {}
    for shot, name in zip(shots, names):
        if names.count(name) > 1:
            name = f"{os.path.basename(find_project_root(os.path.dirname(shot)))}_{name}"
        out[shot] = name
    values = list(out.values())
    for i, shot in enumerate(shots):  # still the same: number them
        if values.count(out[shot]) > 1:
            out[shot] = f"{out[shot]}_{i + 1}"
    return out


def build(shots: list[str], steps: list[Step], chunk: int = 12, frames: tuple[int, int] | None = None) -> Job:
    """Expand steps over shots into tasks, each depending on the previous step's tasks of its shot.

    ``frames`` limits the chunked steps to that range (inside every shot's own); a render step
    has one task per render layer and chunk."""
    import sdf

    if chunk < 1:
        raise SdfError("--chunk must be at least 1 frame")
    names = [s.name for s in steps]
    if len(set(names)) != len(names):
        raise SdfError("a step is given twice; name custom steps differently")
    job = Job(shots, steps, chunk, frames=frames)
    ranges = {}
    layers: dict[str, list[str]] = {}
    label = labels(shots)
    for shot in shots:
        view = sdf.open(shot)
        fr = view.frame_range
        ranges[shot] = (fr.start, fr.end)
        if frames is not None:
            if frames[0] > frames[1] or frames[0] < fr.start or frames[1] > fr.end:
                raise SdfError(f"--frames: {frames[0]}-{frames[1]} is outside the shot's frame range "
                               f"{fr.start}-{fr.end}", shot, "frame_range")
            ranges[shot] = frames
        for step in steps:
            if step.kind == "render":
                layers[shot] = _render_layers(view, step.layers, shot)
    previous: dict[str, list[str]] = {s: [] for s in shots}
    for step in steps:
        current: dict[str, list[str]] = {s: [] for s in shots}
        for shot in shots:
            chunks = _chunks(*ranges[shot], chunk) if step.kind in CHUNKED else [None]
            for layer in (layers[shot] if step.kind == "render" else [""]):
                for span in chunks:
                    task = Task(step, shot, label[shot], span, tuple(previous[shot]), layer)
                    job.tasks.append(task)
                    current[shot].append(task.key)
        previous = current
    return job


def _render_layers(view, wanted: tuple[str, ...], shot: str) -> list[str]:
    if "render_layers" not in view.parts or not len(view.render_layers):
        raise SdfError("the shot has no render layers to render", shot, "render_layers")
    names = [l.name for l in view.render_layers]
    for name in wanted:
        if name not in names:
            raise SdfError(f"no render layer '{name}' (the shot has {', '.join(names)})", shot, "render_layers")
    return list(wanted) or [l.name for l in view.render_layers if l.enabled]


def _chunks(start: int, end: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(a + size - 1, end)) for a in range(start, end + 1, size)]


# -- Open Job Description ----------------------------------------------------------------------

def openjd_template(job: Job, name: str = "sdf batch") -> dict:
    """The job as an OpenJD job template (a dict; written as JSON or YAML)."""
    steps = []
    prev = None
    for step in job.steps:
        tasks = [t for t in job.tasks if t.step == step]
        params = [{"name": "Shot", "type": "STRING", "range": [t.shot for t in tasks]},
                  {"name": "Label", "type": "STRING", "range": [t.label for t in tasks]}]
        args = ["farm", "task", step.kind, "--shot", "{{Task.Param.Shot}}", "--out", "{{Param.OutDir}}",
                "--label", "{{Task.Param.Label}}"]
        space: dict = {"taskParameterDefinitions": params, "combination": "(Shot, Label)"}
        if step.kind in CHUNKED:
            params.append({"name": "Frames", "type": "STRING",
                           "range": [f"{t.frames[0]}-{t.frames[1]}" for t in tasks]})
            space["combination"] = "(Shot, Label, Frames)"  # paired by position: each shot with its chunks
            args += ["--frames", "{{Task.Param.Frames}}"]
        if step.kind == "render":  # one task per layer and chunk, paired by position like the rest
            params.append({"name": "Layer", "type": "STRING", "range": [t.layer for t in tasks]})
            space["combination"] = "(Shot, Label, Frames, Layer)"
            args += ["--layer", "{{Task.Param.Layer}}", *step.options]
        if step.kind == "custom":
            args += ["--command", step.command, "--name", step.name]
        if step.kind == "dailies":  # where its frames come from: the same for every shot
            args += list(step.options)
        entry = {"name": step.name, "parameterSpace": space,
                 "script": {"actions": {"onRun": {"command": "{{Param.SdfPython}}",
                                                  "args": ["-m", "sdf.cli", *args]}}}}
        if prev is not None:
            entry["dependencies"] = [{"dependsOn": prev}]
        steps.append(entry)
        prev = step.name
    import sys

    return {
        "specificationVersion": "jobtemplate-2023-09",
        "name": name,
        "parameterDefinitions": [
            {"name": "OutDir", "type": "PATH", "objectType": "DIRECTORY", "dataFlow": "OUT",
             "description": "Where every task writes its outputs."},
            {"name": "SdfPython", "type": "STRING", "default": sys.executable,
             "description": "The Python interpreter that has the sdf toolkit installed (on the worker)."},
        ],
        "steps": steps,
    }


def check_template(template: dict) -> None:
    """Validate a template with the reference implementation (openjd-model); one-line error if invalid."""
    from openjd.model import DecodeValidationError, decode_job_template

    try:
        decode_job_template(template=template, supported_extensions=None)
    except DecodeValidationError as exc:
        first = str(exc).strip().splitlines()
        raise SdfError(f"invalid OpenJD job template: {' '.join(first[:3])}") from None
