"""One protocol for every worker process: run a function in a child, so that no input file can kill the caller.

alembic3d and USD decode some corrupted data without bounds checks: a bad array size inside a
sample makes them read outside their buffer (SIGSEGV) or allocate without limit, and a file
truncated while it is mapped faults on its missing pages (SIGBUS). In-process, such a signal
kills the command (or the DCC session) with no message. So the work that lets the library read
a file runs in a child process, and a child that dies by a signal, an address-space limit or a
timeout becomes one :class:`WorkerDied` naming the file, which its caller words for its user.
Three callers share it: ``sdf convert`` (:mod:`sdf.converters.isolated`), the playback index
worker (:mod:`sdf.alembic.sample_index`) and ``sdf validate --deep`` (:mod:`sdf.alembic.deep_check`).

The protocol. The parent writes requests, one JSON line each, to the child's stdin::

    {"call": "package.module:function", "args": [...], "kwargs": {...}}

The child answers on a pipe of its own (the descriptor named by ``$SDF_ISOLATION_FD``; stdout
and stderr are left to libraries that print), each answer an 8-byte little-endian size and a
pickle of a tuple::

    ("event", VALUE)                     sent by report(VALUE) while the function runs
    ("result", VALUE)                    the function's return value
    ("error", {"class", "message", "file", "field", "exit_code"})   an SdfError, rebuilt in the parent
    ("bug", "TypeError: ...", TRACEBACK) anything else: a bug, raised in the parent as one
    ("interrupted", None)                Ctrl-C or SIGTERM: the function cleaned up; the child exits 130

A child serves requests until its stdin closes: one request for a one-shot job (``last=True``),
or many for a long-lived worker whose start-up is paid once. The parent and the child are the same
user's own code, so pickle (which the index's numpy arrays need) is safe here.
"""
from __future__ import annotations

import importlib
import json
import os
import pickle
import select
import selectors
import signal
import struct
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable

from sdf.errors import SdfError

#: Seconds a child gets to clean up after Ctrl-C or a sibling's failure before it is killed.
STOP_GRACE_S = 10.0


class WorkerDied(SdfError):
    """The child ended without answering: killed by a signal (a library crash, SIGKILL for lack of
    memory), past its address-space limit, past its timeout, or exited. ``why`` says which in a few
    words ("signal SIGSEGV", "exit status 1", "no answer within 30 s")."""

    def __init__(self, file: str | None, returncode: int, timeout_s: float | None = None):
        self.returncode = returncode
        self.timed_out = timeout_s is not None
        self.why = f"no answer within {timeout_s:g} s" if timeout_s is not None else describe_exit(returncode)
        super().__init__(f"the worker process ended without an answer ({self.why})", file)


def describe_exit(returncode: int) -> str:
    """"signal SIGSEGV" for a child killed by a signal (negative return code), else "exit status N"."""
    if returncode >= 0:
        return f"exit status {returncode}"
    try:
        return f"signal {signal.Signals(-returncode).name}"
    except ValueError:
        return f"signal {-returncode}"


def python_executable() -> str:
    """A Python interpreter to run a worker with. Inside a DCC ``sys.executable`` may be the
    application itself (Maya's GUI binary, Houdini), so its own Python is looked for beside it
    (mayapy, hython); ``$SDF_PYTHON`` overrides."""
    if os.environ.get("SDF_PYTHON"):
        return os.environ["SDF_PYTHON"]
    exe = sys.executable or "python3"
    if os.path.basename(exe).lower().startswith(("python", "pypy")):
        return exe
    folder = os.path.dirname(exe)
    for name in ("mayapy", "hython", "python3", "python"):
        for candidate in (os.path.join(folder, name), os.path.join(folder, name + ".exe")):
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    return exe


def _rebuild(err: dict) -> SdfError:
    """The child's SdfError as the same class in the parent (``str()`` and exit status unchanged)."""
    module, _, name = err["class"].partition(":")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        cls = SdfError
    if not (isinstance(cls, type) and issubclass(cls, SdfError)):
        cls = SdfError
    exc = cls.__new__(cls)
    SdfError.__init__(exc, err["message"], err.get("file"), err.get("field"))
    exc.exit_code = err.get("exit_code", 2)
    return exc


class Worker:
    """A child process that runs functions on request (see the module's documentation).

    ``file`` names the input in a :class:`WorkerDied`; ``limit_mb`` caps the child's address space, so
    a runaway allocation is an error rather than the machine's memory; ``timeout_s`` bounds each
    request. ``detached`` workers run in a session of their own: a terminal's Ctrl-C does not reach
    them and they outlive the thread that started them (a long-lived worker shared by threads);
    otherwise Ctrl-C reaches the child, which cleans up and answers ``interrupted``, and the child is
    sent SIGTERM if the parent dies. With ``keep_output`` the child's stdout and stderr (library
    diagnostics) are copied to ours after a success and dropped after a failure, so a failure stays
    one line (``SDF_DEBUG=1`` shows them, with a bug's traceback); otherwise they are discarded.
    """

    def __init__(self, command: list[str] | None = None, *, file: str | None = None, limit_mb: float | None = None,
                 timeout_s: float | None = None, detached: bool = False, keep_output: bool = False):
        self.command = command
        self.file = file
        self.limit_mb = limit_mb
        self.timeout_s = timeout_s
        self.detached = detached
        self.keep_output = keep_output
        self.proc: subprocess.Popen | None = None
        self.fd = -1
        self.answer: tuple | None = None
        #: (function, args, kwargs) of a one-shot worker that :func:`run_parallel` runs
        self.request: tuple[str, list, dict] | None = None
        self._output = None
        self._output_at = 0
        self._buffer = b""
        self._deadline: float | None = None
        self._timed_out = False

    # -- the child's life ------------------------------------------------------------------------
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and self.fd >= 0

    def start(self) -> None:
        """Start the child (a no-op while it runs)."""
        if self.alive():
            return
        self._close_pipe()
        read, write = os.pipe()
        env = dict(os.environ, SDF_ISOLATION_FD=str(write))
        if self.limit_mb:
            env["SDF_ISOLATION_MB"] = str(self.limit_mb)
        if not self.detached:
            env["SDF_ISOLATION_PDEATHSIG"] = "1"
        # The child must import this very package, wherever it was imported from (a DCC's sys.path).
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        if self.keep_output and self._output is None:
            self._output = tempfile.TemporaryFile()
        out = self._output if self._output is not None else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(self.command or [python_executable(), "-m", "sdf.runtime.isolation"],
                                         stdin=subprocess.PIPE, stdout=out, stderr=out, pass_fds=(write,), env=env,
                                         start_new_session=self.detached)
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)
        self.fd = read
        self._buffer = b""

    def fileno(self) -> int:
        return self.fd

    # -- one request -----------------------------------------------------------------------------
    def send(self, function: str, args: list | tuple = (), kwargs: dict | None = None, *, last: bool = False) -> None:
        """Ask the child (started if need be) to run ``function`` ("package.module:name"); with ``last``
        its stdin is closed after, so it exits once it has answered."""
        self.start()
        self.answer = None
        self._timed_out = False
        self._deadline = time.monotonic() + self.timeout_s if self.timeout_s else None
        if self._output is not None:
            self._output_at = self._output.seek(0, os.SEEK_END)
        assert self.proc is not None and self.proc.stdin is not None
        line = json.dumps({"call": function, "args": list(args), "kwargs": kwargs or {}}) + "\n"
        try:
            self.proc.stdin.write(line.encode("utf-8", "surrogateescape"))
            self.proc.stdin.flush()
            if last:
                self.proc.stdin.close()
        except BrokenPipeError:  # the child died at once: finish() reports how
            pass

    def feed(self, data: bytes) -> list:
        """The events complete in what was read so far; a final answer is kept in ``answer``."""
        self._buffer += data
        events = []
        while len(self._buffer) >= 8:
            size = struct.unpack("<Q", self._buffer[:8])[0]
            if len(self._buffer) < 8 + size:
                break
            msg = pickle.loads(self._buffer[8:8 + size])
            self._buffer = self._buffer[8 + size:]
            if msg[0] == "event":
                events.append(msg[1])
            else:
                self.answer = msg
        return events

    def expire(self) -> bool:
        """Kill the child if its request is past ``timeout_s`` (its pipe then ends); whether it was."""
        if self._deadline is not None and time.monotonic() >= self._deadline and self.proc is not None:
            self._timed_out = True
            self._deadline = None
            self.proc.kill()
            return True
        return False

    def seconds_left(self) -> float | None:
        return None if self._deadline is None else max(0.0, self._deadline - time.monotonic())

    def finish(self) -> Any:
        """The request's result, or its error raised here: the child's SdfError, a bug, Ctrl-C, or
        :class:`WorkerDied` when the child ended without answering."""
        answer = self.answer
        if answer is None or answer[0] == "interrupted" or self.proc.stdin.closed:  # type: ignore[union-attr]
            code = self.proc.wait()  # type: ignore[union-attr]
        debug = bool(os.environ.get("SDF_DEBUG"))
        output = self._read_output()
        if answer is not None and answer[0] == "result":
            if output:
                sys.stderr.write(output)
            return answer[1]
        if debug and output:
            sys.stderr.write(output)
        if answer is None:
            self._close_pipe()
            raise WorkerDied(self.file, code, self.timeout_s if self._timed_out else None)
        if answer[0] == "error":
            raise _rebuild(answer[1])
        if answer[0] == "interrupted":
            raise KeyboardInterrupt
        if debug:
            sys.stderr.write(answer[2])
        name, _, message = answer[1].partition(": ")
        raise type(name or "RuntimeError", (RuntimeError,), {})(message)

    def call(self, function: str, args: list | tuple = (), kwargs: dict | None = None, *,
             on_event: Callable[[Any], None] | None = None, last: bool = False) -> Any:
        """Run ``function(*args, **kwargs)`` in the child and wait: its result, or its error raised here;
        ``on_event(value)`` for each :func:`report` as it comes."""
        self.send(function, args, kwargs, last=last)
        while self.answer is None:
            if self._deadline is not None:
                if not select.select([self.fd], [], [], self.seconds_left())[0]:
                    self.expire()
                    continue
            data = os.read(self.fd, 1 << 16)
            if not data:
                break
            for event in self.feed(data):
                if on_event is not None:
                    on_event(event)
        return self.finish()

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Ask a running child to stop (it cleans up as after Ctrl-C); kill it if it does not in time."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            except ProcessLookupError:
                pass
        self._close_pipe()
        self._close_output()

    def close(self) -> None:
        """Let the child finish (its stdin closed); killed if it has not within a few seconds."""
        if self.proc is not None:
            try:
                if self.proc.stdin is not None and not self.proc.stdin.closed:
                    self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self._close_pipe()
        self._close_output()

    def _close_pipe(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def _close_output(self) -> None:
        if self._output is not None:
            self._output.close()
            self._output = None

    def _read_output(self) -> str:
        if self._output is None:
            return ""
        self._output.seek(self._output_at)
        return self._output.read().decode("utf-8", "replace")


def run_parallel(workers: list[Worker], parallel: int = 1,
                 on_event: Callable[[Worker, Any], None] | None = None) -> list:
    """Run one-shot workers, each with a ``request`` attribute ((function, args, kwargs), see
    :meth:`Worker.send`), at most ``parallel`` at once; their results in order. The first failure
    (or Ctrl-C) stops the others and is raised; ``on_event(worker, value)`` as events come."""
    pending = list(workers)
    running: dict[int, Worker] = {}
    results: dict[int, Any] = {}
    selector = selectors.DefaultSelector()
    try:
        while pending or running:
            while pending and len(running) < max(1, parallel):
                worker = pending.pop(0)
                function, args, kwargs = worker.request  # type: ignore[misc]
                worker.send(function, args, kwargs, last=True)
                selector.register(worker.fd, selectors.EVENT_READ, worker)
                running[worker.fd] = worker
            waits = [w.seconds_left() for w in running.values() if w.seconds_left() is not None]
            ready = selector.select(min(waits) if waits else None)
            if not ready:
                for worker in running.values():
                    worker.expire()
                continue
            for key, _ in ready:
                worker = key.data
                data = os.read(worker.fd, 1 << 16)
                if data:
                    for event in worker.feed(data):
                        if on_event is not None:
                            on_event(worker, event)
                    if worker.answer is None:
                        continue
                selector.unregister(worker.fd)
                del running[worker.fd]
                try:
                    results[id(worker)] = worker.finish()
                finally:
                    worker.close()
    except BaseException:
        for worker in running.values():
            worker.stop()
        raise
    finally:
        selector.close()
    return [results[id(w)] for w in workers]


# --- the child ----------------------------------------------------------------------------------
_channel = None


def in_worker() -> bool:
    """Whether this process is a worker serving requests."""
    return _channel is not None


def report(value: Any) -> None:
    """In a worker: send ``value`` (picklable) to the parent's ``on_event`` now. Elsewhere: nothing."""
    if _channel is not None:
        _send("event", value)


def _send(*msg) -> None:
    blob = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
    _channel.write(struct.pack("<Q", len(blob)) + blob)  # type: ignore[union-attr]
    _channel.flush()  # type: ignore[union-attr]


def _limit_and_signals() -> None:
    """The address-space limit, and SIGTERM (from a parent stopping us, or sent when the parent dies)
    as KeyboardInterrupt, so the function cleans up as after Ctrl-C."""
    limit = os.environ.pop("SDF_ISOLATION_MB", None)
    if limit:
        import resource

        size = int(float(limit)) << 20
        try:
            resource.setrlimit(resource.RLIMIT_AS, (size, size))
        except (ValueError, OSError):
            pass

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    if os.environ.pop("SDF_ISOLATION_PDEATHSIG", None) and sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def serve() -> int:
    """The child's loop: answer each request on stdin until it closes. A module whose own ``__main__``
    calls this can stand in for ``python -m sdf.runtime.isolation`` as a worker's command."""
    global _channel
    _channel = os.fdopen(int(os.environ.pop("SDF_ISOLATION_FD")), "wb")
    try:
        _limit_and_signals()
        for line in sys.stdin.buffer:
            request = json.loads(line)
            try:
                module, _, name = request["call"].partition(":")
                fn = getattr(importlib.import_module(module), name)
                _send("result", fn(*request["args"], **request["kwargs"]))
            except SdfError as exc:
                _send("error", {"class": f"{type(exc).__module__}:{type(exc).__qualname__}", "message": exc.message,
                                "file": exc.file, "field": exc.field, "exit_code": exc.exit_code})
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # a bug: the parent reports it as one
                import traceback

                _send("bug", f"{type(exc).__name__}: {exc}", traceback.format_exc())
    except KeyboardInterrupt:
        try:
            _send("interrupted", None)
        except OSError:
            pass
        return 130
    return 0


if __name__ == "__main__":
    # Serve from the imported module, so that report() in the functions it runs finds the channel.
    from sdf.runtime.isolation import serve as _serve

    sys.exit(_serve())
