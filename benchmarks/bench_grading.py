"""Benchmark: ``autograder grade --jobs N`` against plain ``nbgrader autograde``.

Both grade the same submissions of the demo assignment (the demo's sample
submissions that finish, repeated under new names: fully correct, partly
correct, wrong, raising, tampering, unanswered) in two identical copies of one
course, one after the other in this run. The script prints both wall times
and CPU times, their ratio, whether the two gave the same grades, and where
each tool spends a submission's time, phase by phase:

start-up        process start, imports, configuration (nbgrader: once per
                run; autograder: each worker's, charged to its first job)
validate        reading each notebook before any kernel starts (autograder)
setup           nbgrader's set-up of the submission in the gradebook
sanitize        the preprocessors before the kernel (clear outputs, restore
                locked cells, student environment and expected answers)
kernel_start    until the kernel answers
execute         running the cells
kernel_stop     shutting the kernel down
scoring         preprocessors after the kernel that do not open the gradebook
gradebook       those that do (saving grades), and reading the total back
other           the rest (nbconvert writing files, bookkeeping)

For ``nbgrader autograde`` the phases come from timers wrapped around
nbgrader's own methods in its process (``--plain-phases``, used internally):
the run is otherwise stock nbgrader with the course's configuration.

Usage::

    python benchmarks/bench_grading.py [--copies 2] [--jobs 2] [--repeat 1] [--keep DIR]

``--copies 2`` gives 12 submissions.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.cli import _tools_on_path, build
from autograder.demo import ASSIGNMENT, SAMPLES, Sample, make_course, write_submissions
from autograder.grading import PHASES, read_logs

#: Samples that run to the end (the endless loop would only measure the time limit).
FINISHING = ("ada", "ben", "cat", "dan", "fay", "hal")
#: Rows of the breakdown: the grader's phases with its start-up renamed, then the rest.
ROWS = ("start-up",) + tuple(p for p in PHASES if p not in ("worker_start", "lock_wait")) \
    + ("other",)
_REQUESTED_AT = "BENCH_GRADING_REQUESTED_AT"


def _env() -> dict:
    # nbgrader runs `alembic` by name; the console scripts live next to this interpreter.
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}


def make_courses(base: Path, copies: int) -> tuple[Path, Path, int]:
    """Build one course with ``6 * copies`` submissions and a second identical copy."""
    samples = [Sample(f"{s.student}{i}", s.description, s.answers, s.expected_score)
               for i in range(1, copies + 1) for s in SAMPLES if s.student in FINISHING]
    first = make_course(base / "nbgrader")
    build([ASSIGNMENT], first)
    write_submissions(first, samples)
    second = base / "autograder"
    shutil.copytree(first, second)
    return first, second, len(samples)


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + system, the command and every process it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    env = {**_env(), _REQUESTED_AT: repr(time.time())}
    subprocess.run(command, cwd=cwd, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def totals(course: Path) -> dict[str, float]:
    """Student -> total auto score, read from the gradebook with sqlite3."""
    with sqlite3.connect(course / "gradebook.db") as db:
        return dict(db.execute("""
            SELECT sa.student_id, ROUND(SUM(g.auto_score), 6) FROM grade g
            JOIN submitted_notebook sn ON g.notebook_id = sn.id
            JOIN submitted_assignment sa ON sn.assignment_id = sa.id
            GROUP BY sa.student_id""").fetchall())


def ours_per_submission(course: Path) -> dict[str, float]:
    """Phase -> mean seconds per submission, from the grader's logs (summed over workers)."""
    logs = list(read_logs(ASSIGNMENT, course).values())
    sums: collections.Counter = collections.Counter()
    for log in logs:
        timings = log.get("timings", {})
        sums.update({("start-up" if k == "worker_start" else k): v for k, v in timings.items()
                     if k != "lock_wait"})
        sums["other"] += log["seconds"] - sum(v for k, v in timings.items()
                                              if k not in ("worker_start", "lock_wait"))
    return {row: sums[row] / len(logs) for row in ROWS}


# ------------------------------------------------- plain nbgrader, with timers around it


def _plain_phases_main(out: Path) -> int:
    """Run ``nbgrader autograde`` (arguments after ``--``) with phase timers; write them as JSON."""
    requested_at = float(os.environ[_REQUESTED_AT])
    sums: collections.Counter = collections.Counter()
    _instrument_nbgrader(sums, requested_at)
    from nbgrader.apps.nbgraderapp import NbGraderApp
    argv = sys.argv[sys.argv.index("--") + 1:]
    try:
        NbGraderApp.launch_instance(argv=argv)
    except SystemExit as stop:
        if stop.code:
            raise
    out.write_text(json.dumps(sums))
    return 0


def _instrument_nbgrader(sums: collections.Counter, requested_at: float) -> None:
    """Wrap timers around nbgrader's Autograde and nbclient's kernel set-up (timing only)."""
    from nbconvert.preprocessors import ExecutePreprocessor
    from nbgrader.converters import Autograde

    from autograder.grading import _uses_gradebook

    def timed_method(cls, name, phase):
        original = getattr(cls, name)

        def wrapper(self, *args, **kwargs):
            tick = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                sums[phase] += time.perf_counter() - tick
        setattr(cls, name, wrapper)

    original_start = Autograde.start

    def start(self):
        sums["start-up"] += time.time() - requested_at
        tick = time.perf_counter()
        try:
            original_start(self)
        finally:
            sums["total"] += time.perf_counter() - tick
    Autograde.start = start
    timed_method(Autograde, "init_assignment", "setup")

    original_init = Autograde._init_preprocessors

    def init_preprocessors(self):
        original_init(self)
        pps = self.exporter._preprocessors
        for index, pp in enumerate(pps):
            if not isinstance(pp, ExecutePreprocessor):
                phase = "sanitize" if self._sanitizing else \
                    "gradebook" if _uses_gradebook(pp) else "scoring"
                pps[index] = _timed_call(pp, sums, phase)
    Autograde._init_preprocessors = init_preprocessors

    original_setup = ExecutePreprocessor.setup_kernel

    @contextlib.contextmanager
    def setup_kernel(self, **kwargs):
        tick = time.perf_counter()
        with original_setup(self, **kwargs):
            sums["kernel_start"] += time.perf_counter() - tick
            tick = time.perf_counter()
            try:
                yield
            finally:
                sums["execute"] += time.perf_counter() - tick
                tick = time.perf_counter()
        sums["kernel_stop"] += time.perf_counter() - tick
    ExecutePreprocessor.setup_kernel = setup_kernel


def _timed_call(preprocessor, sums, phase):
    def call(nb, resources):
        tick = time.perf_counter()
        try:
            return preprocessor(nb, resources)
        finally:
            sums[phase] += time.perf_counter() - tick
    return call


def plain_per_submission(sums: dict, count: int) -> dict[str, float]:
    """Phase -> mean seconds per submission of the instrumented nbgrader run."""
    inside = sum(sums.get(row, 0.0) for row in ROWS if row not in ("start-up", "other"))
    per = {row: sums.get(row, 0.0) / count for row in ROWS}
    per["other"] = (sums.get("total", 0.0) - inside) / count
    return per


# ------------------------------------------------------------------------------ main


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--plain-phases"]:
        return _plain_phases_main(Path(argv[1]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2, help="copies of the 6 samples (default 2)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="alternating runs of both tools (default 1)")
    parser.add_argument("--keep", default=None, help="build the courses in DIR and keep them")
    args = parser.parse_args(argv)
    for name in ("copies", "jobs", "repeat"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")

    _tools_on_path()
    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="bench-grading-")
    base = Path(args.keep or tmp.name)
    try:
        plain, ours, count = make_courses(base, args.copies)
        print(f"{count} submissions of {ASSIGNMENT}, {os.cpu_count()} cores")
        phases_file = base / "nbgrader-phases.json"
        plain_cmd = [sys.executable, str(Path(__file__).resolve()), "--plain-phases",
                     str(phases_file), "--", "autograde", ASSIGNMENT, "--force"]
        ours_cmd = [sys.executable, "-m", "autograder.cli", "grade", ASSIGNMENT,
                    "--jobs", str(args.jobs), "--force", "--course", str(ours)]
        label = f"autograder --jobs {args.jobs}"
        # Alternating pairs: other people's processes change the machine's load from one
        # run to the next, so each pair's ratio is compared under similar conditions.
        print(f"{'run':<5}{'load':>6}{'nbgrader wall/CPU s':>21}{label + ' wall/CPU s':>31}"
              f"{'speed-up':>10}")
        ratios = []
        for run in range(1, args.repeat + 1):
            load = os.getloadavg()[0]
            t_plain, cpu_plain = timed(plain_cmd, plain)
            t_ours, cpu_ours = timed(ours_cmd, ours)
            ratios.append(t_plain / t_ours)
            print(f"{run:<5}{load:6.1f}{t_plain:13.1f} /{cpu_plain:5.1f}{t_ours:23.1f} /"
                  f"{cpu_ours:5.1f}{ratios[-1]:9.2f}x")
        print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
        print(f"speed-up (wall), median of {len(ratios)}: {statistics.median(ratios):.2f}x; "
              f"last run's CPU time ratio {cpu_plain / cpu_ours:.2f}x (nbgrader's / ours; "
              f"on {args.jobs} idle cores the speed-up would be about {args.jobs} times this)")
        same = totals(plain) == totals(ours)
        print(f"same grades                 {'yes' if same else 'NO'}")
        if not same:
            print(f"  nbgrader:   {totals(plain)}\n  autograder: {totals(ours)}")

        plain_rows = plain_per_submission(json.loads(phases_file.read_text()), count)
        our_rows = ours_per_submission(ours)
        print(f"\nseconds per submission in the last run, by phase (ours summed over its "
              f"{args.jobs} workers)")
        print(f"{'phase':<15}{'nbgrader':>10}{label:>22}")
        for row in ROWS:
            print(f"{row:<15}{plain_rows[row]:10.3f}{our_rows[row]:22.3f}")
        print(f"{'sum':<15}{sum(plain_rows.values()):10.3f}{sum(our_rows.values()):22.3f}")
        busy = sum(log["seconds"] + log.get("timings", {}).get("worker_start", 0.0)
                   for log in read_logs(ASSIGNMENT, ours).values())
        print(f"\nautograder's parent (start-up, planning, waiting for the last worker): "
              f"{max(0.0, t_ours - busy / args.jobs):.1f} s of its {t_ours:.1f} s wall time")
        return 0 if same else 1
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
