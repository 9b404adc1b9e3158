"""Tests for autograder.parallel: worker processes, crashes, Ctrl-C, progress line."""
import io
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from autograder.parallel import JobError, run_jobs, start_method, uninterruptible
from autograder.progress import Progress


def _square(x):
    return x * x


def _pid_and_double(x):
    return os.getpid(), 2 * x


def _fail_on_three(x):
    if x == 3:
        raise ValueError("three is not allowed")
    return x


def _die_on_two(x):
    if x == 2:
        os._exit(7)
    return x


_STATE = {}
BOTH_STARTS = pytest.mark.parametrize("start", ["fork", "spawn"])


def _remember(value):
    _STATE["value"] = value


def _read_state(_):
    return _STATE.get("value")


@pytest.mark.slow  # starts worker interpreters
@BOTH_STARTS
def test_run_jobs_returns_results_in_payload_order(start):
    assert run_jobs(_square, list(range(7)), jobs=2, start=start) == [x * x for x in range(7)]


@pytest.mark.slow  # starts worker interpreters
@BOTH_STARTS
def test_run_jobs_uses_the_requested_number_of_worker_processes(start):
    results = run_jobs(_pid_and_double, list(range(6)), jobs=2, start=start)
    assert [doubled for _, doubled in results] == [0, 2, 4, 6, 8, 10]
    pids = {pid for pid, _ in results}
    assert len(pids) == 2 and os.getpid() not in pids


@pytest.mark.slow  # starts worker interpreters
def test_a_job_that_raises_becomes_a_job_error_and_the_rest_still_run():
    results = run_jobs(_fail_on_three, [1, 2, 3, 4], jobs=2)
    assert results[:2] == [1, 2] and results[3] == 4
    assert isinstance(results[2], JobError)
    assert "ValueError: three is not allowed" in results[2].message
    assert "Traceback" in results[2].details


@pytest.mark.slow  # starts worker interpreters
@BOTH_STARTS
def test_a_dead_worker_costs_only_its_job_and_is_replaced(start):
    results = run_jobs(_die_on_two, [1, 2, 3, 4, 5], jobs=1, start=start)
    assert results[0] == 1 and results[2:] == [3, 4, 5]
    assert isinstance(results[1], JobError)
    assert "exit code 7" in results[1].message


@pytest.mark.slow  # starts worker interpreters
@BOTH_STARTS
def test_initializer_runs_in_every_worker_before_its_jobs(start):
    assert run_jobs(_read_state, [0, 1, 2], jobs=2, initializer=_remember,
                    initargs=("ready",), start=start) == ["ready"] * 3


@pytest.mark.slow  # starts worker interpreters
def test_on_result_sees_every_job_once():
    seen = []
    run_jobs(_square, [3, 4, 5], jobs=2, on_result=lambda i, v: seen.append((i, v)))
    assert sorted(seen) == [(0, 9), (1, 16), (2, 25)]


@pytest.mark.slow  # starts worker interpreters
@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_forked_workers_start_with_the_parents_state_and_spawned_ones_fresh(start):
    # Earlier tests in the same session may leave threads running; then a requested fork
    # falls back to spawn (see start_method), and the workers must start fresh.
    forked = start_method(start) == "fork"
    seen = "set in the parent" if forked else None
    _STATE["value"] = "set in the parent"
    try:
        assert run_jobs(_read_state, [0, 1], jobs=2, start=start) == [seen, seen]
    finally:
        _STATE.clear()


def test_start_method_forks_only_a_single_threaded_process():
    # A fresh interpreter has only its main thread (this test process may have more).
    code = "from autograder.parallel import start_method as s; print(s('auto'), s('fork'))"
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert fresh.stdout.split() == ["fork", "fork"]
    assert start_method("spawn") == "spawn"
    resolved = []
    thread = threading.Thread(target=lambda: resolved.append(start_method("fork")))
    thread.start()
    thread.join()
    assert resolved == ["spawn"]


def test_start_method_rejects_an_unknown_method():
    with pytest.raises(ValueError, match="start must be one of"):
        start_method("forkserver")


@pytest.mark.parametrize("jobs", [0, -1, 1.5, True])
def test_run_jobs_rejects_a_bad_number_of_jobs(jobs):
    with pytest.raises(ValueError, match="jobs must be a positive integer"):
        run_jobs(_square, [1], jobs=jobs)


@pytest.mark.slow  # starts worker interpreters
@BOTH_STARTS
def test_ctrl_c_in_the_parent_stops_every_worker(tmp_path, start):
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(f"""
        import signal, sys, time
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from autograder.parallel import run_jobs
        try:
            run_jobs(time.sleep, [60] * 4, jobs=2, start={start!r})
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(3)
    """))
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    workers = _wait_for_children(process.pid, 2)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 3 and "interrupted" in out
    assert not [pid for pid in workers if _alive(pid)]


def test_uninterruptible_defers_a_signal_until_the_block_ends():
    received = []
    previous = signal.signal(signal.SIGTERM, lambda *a: received.append(time.monotonic()))
    try:
        with uninterruptible():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            assert received == []
            left_block = time.monotonic()
        assert received and received[0] >= left_block
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_progress_line_counts_failures_and_estimates_time_left():
    stream = io.StringIO()
    bar = Progress(4, jobs=2, stream=stream, label="submissions")
    bar.started -= 10.0  # as if two jobs took 10 s in total
    bar.update(failed=False, note="alice: graded")
    bar.update(failed=True, note="bob: failed")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2  # not a terminal: one line per finished job
    assert "2/4 submissions, 1 failed" in lines[1] and lines[1].endswith("bob: failed")
    # 2 done in ~10 s, 2 left: ~10 s to go
    assert "~0:10 left" in lines[1]


def _wait_for_children(pid, count, timeout=30.0):
    import psutil
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = psutil.Process(pid).children()
        if len(children) >= count:
            time.sleep(1.0)  # let them reach their first job
            return [child.pid for child in children]
        time.sleep(0.1)
    raise AssertionError(f"{count} workers did not start")


def _alive(pid):
    import psutil
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
