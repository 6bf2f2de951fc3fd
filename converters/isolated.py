"""Conversions run in child processes, so that no input file can crash ``sdf convert``.

alembic3d (and USD) decode some corrupted data without bounds checks: a bad array size inside
a sample makes them read outside their buffer (SIGSEGV), and a file truncated while it is
mapped faults on its missing pages (SIGBUS). The structure checks of ``sdf.alembic_io`` catch
bad offsets and sizes before the library sees a file, but not a bad value inside a sample.
In-process, such a signal kills the command with no message and leaves its staging folder
behind. So the work runs in a child, ``python -m sdf.converters.isolated FD``, and a child that
dies by a signal becomes one error naming the input file (exit status 2), its staging folders
removed by the parent. ``sdf validate --deep`` isolates reads the same way (``sdf.deep_check``).

The protocol: the parent writes one JSON job to the child's stdin; the child answers with JSON
lines on a pipe of its own (file descriptor FD, not stdout, which libraries may print to)::

    {"staging": DIR}                     a staging folder was made (see ``Staging.created_hooks``)
    {"progress": [WHAT, DONE, TOTAL]}    passed on to the parent's progress callback as it comes
    {"result": {...}}                    the converter's summary
    {"error": {"type", "message", "file", "field", "exit_code"}}   an SdfError, rebuilt in the parent
    {"bug": "TypeError: ...", "traceback": "..."}                   anything else: a bug
    {"interrupted": true}                Ctrl-C (or the parent went away): cleaned up, exit 130

The child's own stdout and stderr (library diagnostics) go to a temporary file that the parent
copies to its stderr after a success and drops otherwise, so a failure stays one line
(``SDF_DEBUG=1`` shows it, with the child's traceback).
"""
from __future__ import annotations

import importlib
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile

from sdf.errors import SdfError

from .options import ConvertError, ConvertOptions

#: What a child may run: name -> (module of sdf.converters, function(src, dst, options, **extra)).
TARGETS = {"convert": ("registry", "convert"), "clips": ("usd_clips", "write_clips")}

#: Signals by which a library reports corrupt input; SIGKILL is the kernel's answer to memory exhaustion.
_CRASHES = {signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT, signal.SIGFPE, signal.SIGILL}

#: Seconds a child gets to clean up after Ctrl-C or a sibling's failure before it is killed.
STOP_GRACE_S = 10.0


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


def _rebuild(err: dict) -> SdfError:
    """The child's SdfError as the same class in the parent (``str()`` and exit status unchanged)."""
    import sdf.errors as errors

    from . import options as opts

    cls = getattr(errors, err["type"], None) or getattr(opts, err["type"], None) or \
        (LibraryCrash if err["type"] == "LibraryCrash" else SdfError)
    if not (isinstance(cls, type) and issubclass(cls, SdfError)):
        cls = SdfError
    exc = cls.__new__(cls)
    SdfError.__init__(exc, err["message"], err.get("file"), err.get("field"))
    exc.exit_code = err.get("exit_code", 2)
    return exc


class Job:
    """One target run in a child process; :func:`run_jobs` starts it and reads its answers."""

    def __init__(self, target: str, src: str, dst: str, options: ConvertOptions | dict, **extra):
        if target not in TARGETS:
            raise ValueError(f"unknown isolated target '{target}'")
        opts = options.to_json() if isinstance(options, ConvertOptions) else dict(options)
        self.spec = {"target": target, "src": os.fspath(src), "dst": os.fspath(dst), "options": opts,
                     "extra": extra}
        self.src = os.fspath(src)
        self.staging: list[str] = []
        self.progress: tuple[str, int, int] | None = None
        self.answer: dict | None = None
        self.result: dict | None = None
        self.proc: subprocess.Popen | None = None
        self.fd = -1
        self._buffer = b""

    def start(self) -> None:
        read, write = os.pipe()
        self.log = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", "sdf.converters.isolated", str(write)],
                                         stdin=subprocess.PIPE, stdout=self.log, stderr=self.log, pass_fds=(write,))
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)
        self.fd = read
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(self.spec).encode())
            self.proc.stdin.close()
        except BrokenPipeError:  # the child died at once: finish() reports how
            pass

    def feed(self, data: bytes) -> list[dict]:
        """Messages complete in what was read so far."""
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        messages = []
        for line in lines:
            msg = json.loads(line)
            if "staging" in msg:
                self.staging.append(msg["staging"])
            elif "progress" in msg:
                self.progress = tuple(msg["progress"])
                messages.append(msg)
            else:
                self.answer = msg
        return messages

    def finish(self) -> dict:
        """Wait for the child; its result, or its error raised here (staging removed after a signal)."""
        assert self.proc is not None
        code = self.proc.wait()
        self.log.seek(0)
        diagnostics = self.log.read().decode("utf-8", "replace")
        self.log.close()
        answer = self.answer or {}
        debug = bool(os.environ.get("SDF_DEBUG"))
        if "result" in answer:
            if diagnostics:
                sys.stderr.write(diagnostics)
            self.result = answer["result"]
            return self.result
        self.remove_staging()
        if debug and diagnostics:
            sys.stderr.write(diagnostics)
        if "error" in answer:
            raise _rebuild(answer["error"])
        if "interrupted" in answer:
            raise KeyboardInterrupt
        if "bug" in answer:
            if debug:
                sys.stderr.write(answer.get("traceback", ""))
            name, _, message = answer["bug"].partition(": ")
            raise type(name or "RuntimeError", (RuntimeError,), {})(message)
        raise crash_error(self.src, code)

    def stop(self) -> None:
        """Ask a running child to stop (it cleans up as after Ctrl-C), kill it if it does not, and
        remove what it staged."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            except ProcessLookupError:
                pass
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if not self.log.closed:
            self.log.close()
        self.remove_staging()

    def remove_staging(self) -> None:
        import shutil

        for d in self.staging:
            shutil.rmtree(d, ignore_errors=True)


def run_jobs(jobs: list[Job], parallel: int = 1, on_progress=None) -> list[dict]:
    """Run ``jobs``, at most ``parallel`` at once; their results in order. The first failure (or
    Ctrl-C) stops the others and is raised; ``on_progress(job, what, done, total)`` as it comes."""
    pending = list(jobs)
    running: dict[int, Job] = {}
    selector = selectors.DefaultSelector()
    try:
        while pending or running:
            while pending and len(running) < max(1, parallel):
                job = pending.pop(0)
                job.start()
                selector.register(job.fd, selectors.EVENT_READ, job)
                running[job.fd] = job
            for key, _ in selector.select():
                job = key.data
                data = os.read(job.fd, 1 << 16)
                if data:
                    for msg in job.feed(data):
                        if on_progress is not None:
                            on_progress(job, *msg["progress"])
                    continue
                selector.unregister(job.fd)
                del running[job.fd]
                os.close(job.fd)
                job.fd = -1
                job.finish()
    except BaseException:
        for job in running.values():
            job.stop()
        raise
    finally:
        selector.close()
    return [job.result for job in jobs]


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

def _stop_on_sigterm_and_parent_exit() -> None:
    """SIGTERM (from a parent stopping us, or sent when the parent dies) becomes KeyboardInterrupt,
    so staging folders are removed as after Ctrl-C."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def _child(fd: int) -> int:
    out = os.fdopen(fd, "w", encoding="utf-8")

    def say(**msg) -> None:
        out.write(json.dumps(msg, default=str) + "\n")
        out.flush()

    try:
        _stop_on_sigterm_and_parent_exit()
        from .options import Staging

        spec = json.loads(sys.stdin.read())
        options = ConvertOptions.from_json(spec["options"])
        options.progress = lambda what, done, total: say(progress=[what, done, total])
        Staging.created_hooks.append(lambda d: say(staging=d))
        module, name = TARGETS[spec["target"]]
        fn = getattr(importlib.import_module(f"sdf.converters.{module}"), name)
        say(result=fn(spec["src"], spec["dst"], options, **spec["extra"]))
        return 0
    except SdfError as exc:
        say(error={"type": type(exc).__name__, "message": exc.message, "file": exc.file, "field": exc.field,
                   "exit_code": exc.exit_code})
        return exc.exit_code
    except KeyboardInterrupt:
        say(interrupted=True)
        return 130
    except BaseException as exc:  # a bug: the parent reports it as one
        import traceback

        say(bug=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
        return 1


if __name__ == "__main__":
    sys.exit(_child(int(sys.argv[1])))
