"""Running a job on Dask: a local cluster of worker processes, or an existing cluster.

Each task is a Dask task that runs the task's ``sdf farm task`` command line in a subprocess
(the shape Dask recommends for work that is not Python functions of data), with the task's
prerequisites as its arguments, so Dask runs it only once they are done. Dask itself handles
what a farm must: a worker process that dies mid-task has its tasks rescheduled on another
worker (the local cluster's nanny restarts the process), bounded by the scheduler's
``allowed-failures``; a task that fails for a reason of its own is retried ``retries`` times,
then reported with its shot and step while every independent task goes on. Tasks are
idempotent (atomic writes), so a rerun never leaves a half-written output.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

from sdf.errors import SdfError

from .job import Job, Task

#: Seconds of the last run(): starting the cluster, running the tasks (first submit to last result), closing.
TIMING: dict[str, float] = {}

#: The marker a running task writes (for a test, or an operator, to see which worker runs what).
RUNNING_DIR = ".farm-running"


@dataclass
class Result:
    key: str
    step: str
    shot: str
    frames: str | None
    status: str                 # ok, failed, skipped (a prerequisite failed), resumed (outputs up to date)
    seconds: float = 0.0
    worker: str = ""
    outputs: list[str] = field(default_factory=list)
    error: str = ""
    attempts: int = 1

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def run_task(argv: list[str], key: str, out: str, *prerequisites: dict) -> dict:
    """Executed on a worker: run one task's command line; never raises for the task's own failure."""
    host = f"{socket.gethostname()}:{os.getpid()}"
    bad = [p for p in prerequisites if p.get("status") not in ("ok", "resumed")]
    if bad:
        return {"key": key, "status": "skipped", "worker": host, "seconds": 0.0, "attempts": 0,
                "error": f"needs {bad[0].get('key', 'an earlier task')}, which did not complete"}
    marker_dir = os.path.join(out, RUNNING_DIR)
    os.makedirs(marker_dir, exist_ok=True)
    marker = os.path.join(marker_dir, key.replace("/", "_").replace(":", "_") + ".attempt")
    attempts = 1
    try:
        with open(marker) as fh:
            attempts = len(fh.read().split()) + 1
    except OSError:
        pass
    with open(marker, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "sdf.cli", *argv], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()] or [f"exit status {proc.returncode}"]
        return {"key": key, "status": "failed", "worker": host, "error": lines[-1].removeprefix("error: "),
                "seconds": seconds, "attempts": attempts}
    return {"key": key, "status": "ok", "worker": host, "seconds": seconds, "attempts": attempts}


def cluster_client(workers: int | None, scheduler: str | None):
    """A Dask client: on an existing cluster (``tcp://host:port``), or on a local cluster of processes."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except OSError as exc:
            raise SdfError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    n = workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=40)
    return Client(cluster), cluster


def run(job: Job, out: str, *, workers: int | None = None, scheduler: str | None = None, retries: int = 2,
        skip: set[str] = frozenset(), progress=None) -> list[Result]:
    """Run every task of ``job`` (those in ``skip`` are reported as resumed); returns one Result per task."""
    from distributed import as_completed

    from .steps import outputs_of

    os.makedirs(out, exist_ok=True)
    t_start = time.perf_counter()
    client, cluster = cluster_client(workers, scheduler)
    t_submit = time.perf_counter()
    try:
        futures = {}
        by_future = {}
        for task in job.tasks:
            if task.key in skip:
                futures[task.key] = client.submit(_resumed, task.key, key=f"{task.key}#resumed", pure=False)
            else:
                prereq = [futures[k] for k in task.depends]
                futures[task.key] = client.submit(run_task, task.argv(out), task.key, out, *prereq,
                                                  key=task.key + f"#{time.time_ns()}", retries=retries, pure=False)
            by_future[futures[task.key]] = task
        results: dict[str, Result] = {}
        for fut in as_completed(list(futures.values())):
            task: Task = by_future[fut]
            try:
                value = fut.result()
            except Exception as exc:  # the engine gave up (a worker died too often): report, never crash
                value = {"status": "failed", "error": f"{type(exc).__name__}: {exc}".splitlines()[0], "worker": ""}
            value["key"] = task.key
            res = Result(task.key, task.step.name, task.shot,
                         f"{task.frames[0]}-{task.frames[1]}" if task.frames else None, value["status"],
                         value.get("seconds", 0.0), value.get("worker", ""),
                         outputs_of(task.step.kind, task.shot, out, task.frames, task.step.name, task.label, task.layer)
                         if value["status"] in ("ok", "resumed") else [],
                         value.get("error", ""), value.get("attempts", 1))
            results[task.key] = res
            if progress is not None:
                progress(res)
        TIMING.update(start=t_submit - t_start, work=time.perf_counter() - t_submit)
        return [results[t.key] for t in job.tasks]
    finally:
        t_close = time.perf_counter()
        client.close()
        if cluster is not None:
            cluster.close()
        TIMING["close"] = time.perf_counter() - t_close


def _resumed(key: str) -> dict:
    return {"status": "resumed", "key": key, "seconds": 0.0, "attempts": 0}


def up_to_date(task: Task, out: str, manifest: dict[str, dict], newest: dict[str, float] | None = None) -> bool:
    """A task whose recorded outputs all exist and are newer than its shot and everything it references.

    ``newest`` keeps each shot's newest input time across the calls of one resume: every task of a
    shot shares the answer, and finding it opens the shot and stats every file it references."""
    from .steps import outputs_of

    entry = manifest.get(task.key)
    if entry is None or entry.get("status") not in ("ok", "resumed"):
        return False
    outputs = outputs_of(task.step.kind, task.shot, out, task.frames, task.step.name, task.label, task.layer)
    if not outputs or not all(os.path.exists(p) for p in outputs):
        return False
    newest = {} if newest is None else newest
    if task.shot not in newest:
        newest[task.shot] = _newest_input(task.shot)
    return min(os.path.getmtime(p) for p in outputs) >= newest[task.shot]


def _newest_input(shot: str) -> float:
    import sdf

    times = [os.path.getmtime(shot)]
    view = sdf.open(shot)
    for _, _, path in view.referenced_files():
        try:
            times.append(os.path.getmtime(path))
        except (OSError, TypeError):
            pass
    return max(times)
