"""Conversions run in child processes, so that no input file can crash ``sdf convert``.

alembic3d (and USD) decode some corrupted data without bounds checks: a bad array size inside
a sample makes them read outside their buffer (SIGSEGV), and a file truncated while it is
mapped faults on its missing pages (SIGBUS). The structure checks of ``sdf.alembic.io`` catch
bad offsets and sizes before the library sees a file, but not a bad value inside a sample.
In-process, such a signal kills the command with no message and leaves its staging folder
behind. So the work runs in a child (the core's one worker protocol, :mod:`sdf.runtime.isolation`),
and a child that dies by a signal becomes one error naming the input file (exit status 2),
its staging folders removed by the parent. ``sdf validate --deep`` isolates reads the same way
(``sdf.alembic.deep_check``).

The child runs :func:`run_target`, which reports two kinds of event while it works::

    ("staging", DIR)                     a staging folder was made (see ``Staging.created_hooks``)
    ("progress", [WHAT, DONE, TOTAL])    passed on to the parent's progress callback as it comes

and answers with the converter's summary, or an SdfError rebuilt in the parent. The child's own
stdout and stderr (library diagnostics) are copied to the parent's stderr after a success and
dropped otherwise, so a failure stays one line (``SDF_DEBUG=1`` shows them, with a bug's traceback).
"""
from __future__ import annotations

import importlib
import os
import shutil
import signal

from sdf.errors import SdfError
from sdf.runtime.isolation import STOP_GRACE_S, Worker, WorkerDied, report, run_parallel

from .options import ConvertError, ConvertOptions

__all__ = ["TARGETS", "STOP_GRACE_S", "LibraryCrash", "crash_error", "Job", "run_jobs", "convert", "run_target"]

#: What a child may run: name -> (module of sdf.converters, function(src, dst, options, **extra)).
TARGETS = {"convert": ("registry", "convert"), "clips": ("usd_clips", "write_clips")}

#: Signals by which a library reports corrupt input; SIGKILL is the kernel's answer to memory exhaustion.
_CRASHES = {signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT, signal.SIGFPE, signal.SIGILL}


class LibraryCrash(ConvertError):
    """A child died by a signal while converting ``file``."""


def crash_error(path: str, returncode: int) -> SdfError:
    """The one-line error for a child that ended with ``returncode`` (negative: killed by that signal)."""
    if returncode >= 0:
        return LibraryCrash(f"the conversion process ended without an answer (exit status {returncode})", path)
    try:
        sig = signal.Signals(-returncode)
        name = sig.name
    except ValueError:
        sig, name = None, f"signal {-returncode}"
    if sig == signal.SIGKILL:
        return LibraryCrash("the conversion was killed (SIGKILL), most likely for lack of memory; "
                            "--clip-frames N bounds the memory it needs", path)
    if sig not in _CRASHES:
        return LibraryCrash(f"the conversion process was stopped ({name})", path)
    ext = os.path.splitext(path)[1].lower()
    why = "it was truncated or changed while it was read, or is corrupt" if sig == signal.SIGBUS else \
        "the file is corrupt"
    if ext == ".abc":
        return LibraryCrash(f"the Alembic library crashed reading this file ({name}): {why}; export it again "
                            f"(sdf validate --deep SHOT finds corrupt caches in a shot)", path)
    if ext.startswith(".usd"):
        return LibraryCrash(f"the USD library crashed reading this file ({name}): {why}; export it again", path)
    return LibraryCrash(f"a library crashed converting this file ({name}); "
                        f"sdf validate --deep {os.path.basename(path)} finds the corrupt file it references", path)


class Job(Worker):
    """One target run in a child process (a one-shot :class:`sdf.runtime.isolation.Worker`); :func:`run_jobs`
    starts it and reads its events."""

    def __init__(self, target: str, src: str, dst: str, options: ConvertOptions | dict, **extra):
        if target not in TARGETS:
            raise ValueError(f"unknown isolated target '{target}'")
        super().__init__(file=os.fspath(src), keep_output=True)
        opts = options.to_json() if isinstance(options, ConvertOptions) else dict(options)
        self.spec = {"target": target, "src": os.fspath(src), "dst": os.fspath(dst), "options": opts,
                     "extra": extra}
        self.src = os.fspath(src)
        self.staging: list[str] = []
        self.progress: tuple[str, int, int] | None = None
        self.result: dict | None = None
        self.request = ("sdf.converters.isolated:run_target", [self.spec], {})

    def note(self, event: tuple) -> None:
        """Keep what an event says: a staging folder to remove on failure, the latest progress."""
        kind, value = event
        if kind == "staging":
            self.staging.append(value)
        elif kind == "progress":
            self.progress = tuple(value)

    def finish(self) -> dict:
        """The child's result, or its error raised here (staging removed after a failure)."""
        try:
            self.result = super().finish()
        except WorkerDied as died:
            self.remove_staging()
            raise crash_error(self.src, died.returncode) from None
        except BaseException:
            self.remove_staging()
            raise
        return self.result  # type: ignore[return-value]

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Ask a running child to stop (it cleans up as after Ctrl-C), kill it if it does not, and
        remove what it staged."""
        super().stop(grace_s)
        self.remove_staging()

    def remove_staging(self) -> None:
        for d in self.staging:
            shutil.rmtree(d, ignore_errors=True)


def run_jobs(jobs: list[Job], parallel: int = 1, on_progress=None) -> list[dict]:
    """Run ``jobs``, at most ``parallel`` at once; their results in order. The first failure (or
    Ctrl-C) stops the others and is raised; ``on_progress(job, what, done, total)`` as it comes."""
    def on_event(job, event):
        job.note(event)
        if event[0] == "progress" and on_progress is not None:
            on_progress(job, *event[1])

    return run_parallel(jobs, parallel, on_event)


def convert(src: str, dst: str, options: ConvertOptions | None = None) -> dict:
    """:func:`registry.convert` in a child process: the same result, errors and progress, but a
    library crash on a corrupt input is an SdfError naming it (exit status 2), never a signal here."""
    from .registry import check_request

    options = options or ConvertOptions()
    check_request(src, dst, options)  # the quick refusals, without starting a child
    job = Job("convert", src, dst, options)
    [result] = run_jobs([job], 1, lambda _job, what, done, total: options.tick(what, done, total))
    options.warnings.extend(w for w in result.get("warnings", []) if w not in options.warnings)
    return result


# --- the child ----------------------------------------------------------------------------

def run_target(spec: dict) -> dict:
    """In the child: run one of :data:`TARGETS`, its staging folders and progress reported as events."""
    from .options import Staging

    options = ConvertOptions.from_json(spec["options"])
    options.progress = lambda what, done, total: report(("progress", [what, done, total]))
    Staging.created_hooks.append(lambda d: report(("staging", d)))
    module, name = TARGETS[spec["target"]]
    fn = getattr(importlib.import_module(f"sdf.converters.{module}"), name)
    return fn(spec["src"], spec["dst"], options, **spec["extra"])
