"""sdf.runtime.isolation: the one protocol by which every worker process (convert, the index, validate --deep)
runs a function in a child. The children here run this very module's functions (it is put on their
PYTHONPATH) and die for real: by a signal, past a timeout, past their address-space limit."""
from __future__ import annotations

import os
import resource
import signal
import time

import pytest

from sdf.errors import AlembicError
from sdf.runtime.isolation import Worker, WorkerDied, describe_exit, report, run_parallel

HERE = os.path.dirname(os.path.abspath(__file__))
ME = "test_worker_process"


@pytest.fixture(autouse=True)
def _children_import_this_module(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (HERE, os.environ.get("PYTHONPATH")) if p))


# -- what the children run --------------------------------------------------------------------------
def counted(n: int) -> dict:
    for k in range(n):
        report(("step", k))
    return {"pid": os.getpid(), "n": n}


def refuse(path: str) -> None:
    raise AlembicError("no object '/x'", path, "objects")


def buggy() -> None:
    return {}["missing"]


def crash() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def address_space() -> int:
    return resource.getrlimit(resource.RLIMIT_AS)[0]


def allocate(mb: int) -> int:
    return len(bytearray(mb << 20))


# -- the tests --------------------------------------------------------------------------------------
def test_a_result_and_events_in_order_from_one_long_lived_child():
    worker = Worker(detached=True)
    events = []
    first = worker.call(f"{ME}:counted", [3], on_event=events.append)
    second = worker.call(f"{ME}:counted", [1])
    worker.close()
    assert first["n"] == 3 and events == [("step", 0), ("step", 1), ("step", 2)]
    assert first["pid"] == second["pid"] != os.getpid()  # one child served both requests


def test_an_sdf_error_comes_back_as_the_same_class_naming_the_file():
    worker = Worker()
    with pytest.raises(AlembicError) as info:
        worker.call(f"{ME}:refuse", ["/shots/a.abc"], last=True)
    worker.close()
    assert info.value.file == "/shots/a.abc" and info.value.field == "objects" and info.value.exit_code == 2
    assert str(info.value).endswith("a.abc: objects: no object '/x'")


def test_a_bug_in_the_child_is_raised_as_one():
    worker = Worker()
    with pytest.raises(RuntimeError) as info:
        worker.call(f"{ME}:buggy", last=True)
    worker.close()
    assert type(info.value).__name__ == "KeyError" and "missing" in str(info.value)


def test_a_child_killed_by_a_signal_is_one_line_naming_the_file_and_the_next_request_gets_a_new_child():
    worker = Worker(file="/shots/broken.abc", detached=True)
    pid = worker.call(f"{ME}:counted", [0])["pid"]
    with pytest.raises(WorkerDied) as info:
        worker.call(f"{ME}:crash")
    died = info.value
    assert died.returncode == -signal.SIGSEGV and died.why == "signal SIGSEGV" and not died.timed_out
    assert "broken.abc" in str(died) and "SIGSEGV" in str(died) and "\n" not in str(died) and died.exit_code == 2
    assert worker.call(f"{ME}:counted", [0])["pid"] != pid
    worker.close()


def test_a_child_past_its_timeout_is_killed():
    worker = Worker(file="slow.abc", timeout_s=0.5)
    t = time.monotonic()
    with pytest.raises(WorkerDied) as info:
        worker.call("time:sleep", [30], last=True)
    worker.close()
    assert time.monotonic() - t < 10
    assert info.value.timed_out and info.value.why == "no answer within 0.5 s" and "slow.abc" in str(info.value)


def test_the_address_space_limit_holds_in_the_child():
    worker = Worker(limit_mb=512)
    assert worker.call(f"{ME}:address_space") == 512 << 20
    with pytest.raises(RuntimeError) as info:  # a runaway allocation fails in the child, not here
        worker.call(f"{ME}:allocate", [1024])
    assert type(info.value).__name__ == "MemoryError"
    assert worker.call(f"{ME}:allocate", [16], last=True) == 16 << 20  # and the child goes on
    worker.close()


def test_run_parallel_returns_results_in_order_and_stops_the_others_at_the_first_failure():
    workers = []
    for n in (2, 0, 1):
        w = Worker()
        w.request = (f"{ME}:counted", [n], {})
        workers.append(w)
    seen = []
    results = run_parallel(workers, 2, lambda w, e: seen.append((workers.index(w), e)))
    assert [r["n"] for r in results] == [2, 0, 1] and len({r["pid"] for r in results}) == 3
    assert sorted(seen) == [(0, ("step", 0)), (0, ("step", 1)), (2, ("step", 0))]

    slow, bad = Worker(), Worker(file="bad.abc")
    slow.request = ("time:sleep", [30], {})
    bad.request = (f"{ME}:crash", [], {})
    t = time.monotonic()
    with pytest.raises(WorkerDied) as info:
        run_parallel([slow, bad], 2)
    assert "bad.abc" in str(info.value) and time.monotonic() - t < 15
    assert slow.proc is not None and slow.proc.poll() is not None  # stopped, not left running


def test_describe_exit():
    assert describe_exit(-signal.SIGBUS) == "signal SIGBUS" and describe_exit(3) == "exit status 3"
    assert describe_exit(-99) == "signal 99"
