"""Reading every sample of Alembic objects in a child process, so that no file can crash the caller.

The frame reader checks every invariant it relies on (counts against indices, indices against
points, sizes against the file), but alembic3d itself decodes some corrupted property data
without bounds checks: a flipped bit in an array's dimensions can make it read outside its
buffer (SIGSEGV) or allocate without limit. ``sdf validate --deep`` therefore reads samples in
a worker process with an address-space limit: a corrupted file becomes one error naming the
file and the object, the worker is restarted for the remaining objects, and the command goes
on. Playback does not read through the library at all: its reader (:mod:`sdf.playback_reader`)
takes only an index from a worker and reads sample arrays from the file itself.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from .errors import AlembicError, SdfError

#: Address space a worker may use (``SDF_DEEP_CHECK_MB``): a runaway allocation becomes an error.
DEFAULT_LIMIT_MB = 4096


def read_all_samples(items: list[tuple[str, str]], fps: float) -> list[SdfError]:
    """Read every sample of each (Alembic file, object); returns one error per object that fails."""
    errors: list[SdfError] = []
    pending = list(enumerate(items))
    while pending:
        proc = subprocess.Popen([sys.executable, "-m", "sdf.deep_check", str(fps)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps([[i, f, o] for i, (f, o) in pending]))
        proc.stdin.close()
        done: set[int] = set()
        current = None
        for line in proc.stdout:
            msg = json.loads(line)
            if msg["status"] == "start":
                current = msg["i"]
                continue
            done.add(msg["i"])
            if msg["status"] == "error":
                path, obj = items[msg["i"]]
                errors.append(AlembicError(msg["message"], path))
        code = proc.wait()
        remaining = [(i, it) for i, it in pending if i not in done]
        if code == 0 or not remaining:
            break
        # The worker died on the object it had started: that object's file is the culprit.
        crashed = current if current is not None and current not in done else remaining[0][0]
        path, obj = items[crashed]
        why = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
        errors.append(AlembicError(f"object '{obj}': the Alembic library failed on corrupt data ({why})", path))
        pending = [(i, it) for i, it in remaining if i != crashed]
    return errors


def _worker(fps: float) -> None:
    import resource

    limit = int(float(os.environ.get("SDF_DEEP_CHECK_MB") or DEFAULT_LIMIT_MB)) << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from .frames import AlembicReader

    items = json.loads(sys.stdin.read())
    readers: dict[str, AlembicReader] = {}

    def say(**msg) -> None:
        sys.stdout.write(json.dumps(msg) + "\n")
        sys.stdout.flush()

    for i, path, obj in items:
        say(i=i, status="start")
        try:
            reader = readers.get(path) or readers.setdefault(path, AlembicReader(path))
            o = reader.object(obj)
            ts = o.time_sampling
            for k in range(o.num_samples):
                frame = ts.getSampleTime(k) * fps
                reader.read(obj, frame, fps)
                reader.read(obj, frame, fps, layout="points")
            say(i=i, status="ok")
        except SdfError as exc:
            say(i=i, status="error", message=exc.message)


if __name__ == "__main__":
    _worker(float(sys.argv[1]))
