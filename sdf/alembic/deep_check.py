"""Reading every sample of Alembic objects in a child process, so that no file can crash the caller.

The frame reader checks every invariant it relies on (counts against indices, indices against
points, sizes against the file), but alembic3d itself decodes some corrupted property data
without bounds checks: a flipped bit in an array's dimensions can make it read outside its
buffer (SIGSEGV) or allocate without limit. ``sdf validate --deep`` therefore reads samples in
a worker process (:mod:`sdf.runtime.isolation`) with an address-space limit: a corrupted file becomes one error naming the
file and the object, the worker is restarted for the remaining objects, and the command goes
on. Playback does not read through the library at all: its reader (:mod:`sdf.alembic.playback_reader`)
takes only an index from a worker and reads sample arrays from the file itself.
"""
from __future__ import annotations

import os

from sdf.errors import AlembicError, SdfError
from sdf.runtime.isolation import Worker, WorkerDied, report

#: Address space a worker may use (``SDF_DEEP_CHECK_MB``): a runaway allocation becomes an error.
DEFAULT_LIMIT_MB = 4096


def read_all_samples(items: list[tuple[str, str]], fps: float) -> list[SdfError]:
    """Read every sample of each (Alembic file, object); returns one error per object that fails."""
    errors: list[SdfError] = []
    pending = list(enumerate(items))
    limit = float(os.environ.get("SDF_DEEP_CHECK_MB") or DEFAULT_LIMIT_MB)
    while pending:
        started: list[int] = []
        done: set[int] = set()

        def on_event(event) -> None:
            kind, i, message = event
            if kind == "start":
                started.append(i)
                return
            done.add(i)
            if message is not None:
                errors.append(AlembicError(message, items[i][0]))

        worker = Worker(limit_mb=limit)
        try:
            worker.call("sdf.alembic.deep_check:read_samples", [[[i, f, o] for i, (f, o) in pending], fps],
                        on_event=on_event, last=True)
            break
        except WorkerDied as died:
            remaining = [(i, it) for i, it in pending if i not in done]
            if not remaining:
                break
            # The worker died on the object it had started: that object's file is the culprit.
            crashed = started[-1] if started and started[-1] not in done else remaining[0][0]
            path, obj = items[crashed]
            errors.append(AlembicError(f"object '{obj}': the Alembic library failed on corrupt data ({died.why})",
                                       path))
            pending = [(i, it) for i, it in remaining if i != crashed]
        finally:
            worker.close()
    return errors


def read_samples(items: list[list], fps: float) -> None:
    """In the worker: read every sample of each [index, file, object], reporting ("start", index, None)
    before and ("done", index, error message or None) after each."""
    from sdf.alembic.frames import AlembicReader
    from sdf.alembic.frame_data import FrameLayout

    readers: dict[str, AlembicReader] = {}
    for i, path, obj in items:
        report(("start", i, None))
        try:
            reader = readers.get(path) or readers.setdefault(path, AlembicReader(path))
            o = reader.object(obj)
            ts = o.time_sampling
            for k in range(o.num_samples):
                frame = ts.getSampleTime(k) * fps
                reader.read(obj, frame, fps)
                reader.read(obj, frame, fps, layout=FrameLayout.POINTS)
            report(("done", i, None))
        except SdfError as exc:
            report(("done", i, exc.message))
        except Exception as exc:  # noqa: BLE001 - the library failed on this object: its error, and go on
            text = str(exc).strip().splitlines()
            report(("done", i, f"object '{obj}': the Alembic library failed on corrupt data "
                                f"({type(exc).__name__}: {text[0] if text else ''})"))
