"""Benchmark: ``autograder grade --jobs N`` against plain ``nbgrader autograde``.

Both grade the same submissions of the demo assignment (the demo's sample
submissions that finish, repeated under new names: fully correct, partly
correct, wrong, raising, tampering, unanswered) in two identical copies of one
course, one after the other in this run. The script prints both wall times,
their ratio, whether the two gave the same grades, and where each submission's
time goes (from the grader's logs): validation, the gradebook work before the
kernel, kernel start, execution, kernel shutdown, scoring and saving after it.

Usage::

    python benchmarks/bench_grading.py [--copies 2] [--jobs 2] [--keep DIR]

``--copies 2`` gives 12 submissions.
"""
from __future__ import annotations

import argparse
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
from autograder.grading import read_logs

#: Samples that run to the end (the endless loop would only measure the time limit).
FINISHING = ("ada", "ben", "cat", "dan", "fay", "hal")
PHASES = ("validate", "before_kernel", "kernel_start", "execute", "kernel_stop", "after_kernel",
          "lock_wait")


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
    subprocess.run(command, cwd=cwd, env=_env(), check=True,
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


def breakdown(course: Path) -> list[tuple[str, float, float, float]]:
    """(phase, mean, median, share of the submission's time) over all logs."""
    logs = list(read_logs(ASSIGNMENT, course).values())
    total = sum(log["seconds"] for log in logs)
    rows = []
    for phase in PHASES:
        values = [log.get("timings", {}).get(phase, 0.0) for log in logs]
        rows.append((phase, statistics.fmean(values), statistics.median(values),
                     sum(values) / total if total else 0.0))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2, help="copies of the 6 samples (default 2)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--keep", default=None, help="build the courses in DIR and keep them")
    args = parser.parse_args(argv)

    _tools_on_path()
    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="bench-grading-")
    base = Path(args.keep or tmp.name)
    try:
        plain, ours, count = make_courses(base, args.copies)
        print(f"{count} submissions of {ASSIGNMENT}, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}")
        t_plain, cpu_plain = timed([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT,
                                    "--force"], plain)
        t_ours, cpu_ours = timed([sys.executable, "-m", "autograder.cli", "grade", ASSIGNMENT,
                                  "--jobs", str(args.jobs), "--force", "--course", str(ours)], ours)
        print(f"{'':28}{'wall s':>8}{'CPU s':>8}{'wall per submission':>21}")
        print(f"{'nbgrader autograde':<28}{t_plain:8.1f}{cpu_plain:8.1f}{t_plain / count:21.2f}")
        print(f"{'autograder grade --jobs ' + str(args.jobs):<28}{t_ours:8.1f}{cpu_ours:8.1f}"
              f"{t_ours / count:21.2f}")
        print(f"speed-up (wall)             {t_plain / t_ours:8.2f}x")
        # Other processes share the cores; with the cores to itself a run takes about its
        # CPU time divided by the processes it can keep busy.
        print(f"speed-up on idle cores      {cpu_plain / (cpu_ours / args.jobs):8.2f}x "
              f"(estimate: nbgrader's CPU time / ours per worker)")
        same = totals(plain) == totals(ours)
        print(f"same grades                 {'yes' if same else 'NO'}")
        if not same:
            print(f"  nbgrader:   {totals(plain)}\n  autograder: {totals(ours)}")
        logs = read_logs(ASSIGNMENT, ours)
        busy = sum(log["seconds"] for log in logs.values())
        print(f"\nper submission in the workers: {busy / count:.2f} s; "
              f"outside them (worker start-up, parent): "
              f"{max(0.0, t_ours - busy / args.jobs):.1f} s in total")
        print(f"{'phase':<15}{'mean s':>8}{'median s':>10}{'share':>8}")
        for phase, mean, median, share in breakdown(ours):
            print(f"{phase:<15}{mean:8.3f}{median:10.3f}{share:8.0%}")
        return 0 if same else 1
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
