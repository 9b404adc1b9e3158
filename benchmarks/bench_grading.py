"""Benchmark: ``autograder grade --jobs N`` against plain ``nbgrader autograde``, and the sandbox.

Both grade the same submissions of the demo assignment (the demo's sample
submissions that finish, repeated under new names: fully correct, partly
correct, wrong, raising, tampering, unanswered) in two identical copies of one
course, one after the other in this run. Both run every notebook in the
grading sandbox: the course's ``nbgrader_config.py`` puts
:class:`~autograder.grading.execute.SandboxedExecute` in place of nbgrader's
``Execute``. The script prints both wall times and CPU times (every process
of a run, sandboxes included, where a cpuacct control group can count them;
see :func:`timed`), their ratio, whether the two gave the same grades, and
where each tool spends a submission's time, phase by phase
(:data:`autograder.grading.PHASES`):

start-up        process start, imports, configuration (nbgrader: once per
                run; autograder: each worker's, charged to its first job)
validate        reading each notebook before any sandbox starts (autograder)
setup           nbgrader's set-up of the submission in the gradebook
sanitize        the preprocessors before the sandbox (clear outputs, restore
                locked cells, expected answers and the grading plan)
execute         the sandboxed Execute step: the sandbox's start-up, the runner,
                the kernel's start, every cell and its stop, reading the
                outputs back and merging them into the grader's notebook
scoring         preprocessors after the sandbox that do not open the gradebook
gradebook       those that do (saving grades), and reading the total back
other           the rest (nbconvert writing files, bookkeeping)

For ``nbgrader autograde`` the phases come from timers wrapped around
nbgrader's own methods and each preprocessor's call in its process
(``--plain-phases``, used internally), sorted into phases as ``autograder
grade`` sorts them (:class:`autograder.grading.engine._Timed`): the run is
otherwise stock nbgrader with the course's configuration.

Then the sandbox's own cost per submission: one trivial notebook through
:func:`autograder.grading.sandbox.run` confined (bubblewrap, ``setpriv``, a
control group) and unconfined (the same runner as a plain child process),
alternating; the median difference is what confinement adds to every
notebook. That difference is as noisy as a kernel's start, so the parts of
confinement are also timed alone, around ``true``: bubblewrap's command line
(namespaces, mounts, ``setpriv``) and a control group's creation and
removal. Next to them: the same notebook through nbgrader's stock
``Execute`` in this process (the kernel the grader started itself before the
sandbox), and the runner's imports in a fresh interpreter.

Usage::

    python benchmarks/bench_grading.py [--copies 2] [--jobs 2] [--repeat 1]
                                       [--sandbox-runs 10] [--keep DIR]

``--copies 2`` gives 12 submissions; ``--sandbox-runs 0`` skips the sandbox's cost.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import itertools
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

from autograder.demo import ASSIGNMENT, SAMPLES, Sample, make_course, write_submissions
from autograder.grading import PHASES, read_logs, sandbox

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
    subprocess.run([sys.executable, "-m", "autograder.cli", "build", ASSIGNMENT,
                    "--course", str(first)], env=_env(), check=True, stdout=subprocess.DEVNULL)
    write_submissions(first, samples)
    second = base / "autograder"
    shutil.copytree(first, second)
    return first, second, len(samples)


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of the command and every process it started.

    The CPU time comes from a cpuacct control group around the command where this
    process may make one (cgroup v1), so that the sandboxes' processes count: they are
    killed when their notebook ends, never waited for, and ``getrusage`` misses them.
    Elsewhere it is ``getrusage``'s, the graders' processes only (:data:`CPU_SCOPE`).
    """
    group = _cpu_group()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    env = {**_env(), _REQUESTED_AT: repr(time.time())}
    try:
        with tempfile.TemporaryFile() as errors:
            done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                                  stderr=errors, preexec_fn=None if group is None else
                                  lambda: (group / "cgroup.procs").write_text(str(os.getpid())))
            wall = time.perf_counter() - started
            if done.returncode:
                errors.seek(0)
                tail = errors.read().decode(errors="replace")[-3000:]
                raise RuntimeError(f"{' '.join(command)} failed (exit status "
                                   f"{done.returncode}):\n{tail}")
        if group is not None:
            return wall, int((group / "cpuacct.usage").read_text()) / 1e9
    finally:
        if group is not None:
            with contextlib.suppress(OSError):
                group.rmdir()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


_CPUACCT = Path("/sys/fs/cgroup/cpuacct")
_GROUPS = itertools.count()
#: What the CPU times cover.
CPU_SCOPE = ("every process of the run, sandboxes included (a cpuacct control group)"
             if os.access(_CPUACCT / "cgroup.procs", os.W_OK) else
             "the graders' processes only: no writable cpuacct control group here, and the "
             "sandboxes' processes are not counted")


def _cpu_group() -> Path | None:
    """A fresh cpuacct control group (cgroup v1), or None where this process cannot make one."""
    group = _CPUACCT / f"bench-grading-{os.getpid()}-{next(_GROUPS)}"
    try:
        group.mkdir()
    except OSError:
        return None
    return group


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
    """Wrap timers around nbgrader's Autograde and each of its preprocessors (timing only)."""
    from nbgrader.converters import Autograde

    from autograder.grading.engine import _Timed

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
            # the phase autograder's workers would charge it to (SandboxedExecute: "execute")
            phase = _Timed(pp, collections.Counter(), self._sanitizing, {}).phase
            pps[index] = _timed_call(pp, sums, phase)
    Autograde._init_preprocessors = init_preprocessors


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


# ------------------------------------------------------------- the sandbox's own cost


def sandbox_costs(runs: int) -> dict[str, list[float]]:
    """Seconds of a trivial notebook run ``runs`` times each way, alternating, after a warm-up.

    ``confined`` and ``unconfined`` go through :func:`autograder.grading.sandbox.run` with
    the request and limits that :class:`SandboxedExecute` builds (``<way> runner``: the
    runner's own time from its imports of nbformat and nbclient to its kernel's stop);
    ``in-process`` is nbgrader's stock ``Execute`` in this process; ``imports`` is a
    fresh interpreter importing what the runner imports (``without IRI``: without
    jsonschema's IRI grammar, as ``autograder``'s commands start); ``true``, ``bwrap`` and
    ``cgroup`` start ``true`` bare, inside the sandbox's bubblewrap command line, and in a
    fresh control group (created and removed). ``runtime`` is the one-off cost of
    :func:`autograder.grading.runtime.build_runtime` (once per process).
    """
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook
    from nbgrader.preprocessors import Execute

    from autograder.grading import cgroup
    from autograder.grading.execute import SandboxedExecute
    from autograder.grading.runtime import build_runtime

    tick = time.perf_counter()
    runtime = build_runtime(ASSIGNMENT)
    times: dict[str, list[float]] = collections.defaultdict(list)
    times["runtime"].append(time.perf_counter() - tick)
    nb = new_notebook(cells=[new_code_cell("1 + 1")])
    step = SandboxedExecute()
    limits = step._limits(nb)
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        nbformat.write(nb, os.path.join(tmp, "trivial.ipynb"))  # a submission's directory
        request = step._request(nb, Path(tmp), {}, "bench")

        def through_sandbox(confine: bool, run: int) -> float:
            outcome = sandbox.run(runtime, request, limits, f"bench-{os.getpid()}-{run}",
                                  confine=confine)
            answer = outcome.answer or {}
            outputs = (answer.get("cells") or [{}])[0].get("outputs") or [{}]
            if outputs[0].get("data", {}).get("text/plain") != "2":
                raise RuntimeError(f"the trivial notebook did not run ({outcome.confinement}): "
                                   f"{outcome.events or answer}")
            return answer["seconds"]

        def in_process(run: int) -> None:
            with _quiet_stderr():  # the kernel's start-up warnings
                Execute(extra_arguments=["--HistoryManager.hist_file=:memory:"]).preprocess(
                    nbformat.from_dict(nb), {"metadata": {"path": tmp}})

        def imports(skip_iri: bool) -> None:
            code = "import sys; sys.modules['rfc3987_syntax'] = None; " if skip_iri else ""
            _start([sys.executable, "-I", "-c", code + "import nbformat, nbclient"],
                   env=sandbox.runner_environment(str(runtime), tmp))

        true = shutil.which("true") or "/usr/bin/true"
        wrapper = sandbox.command(runtime, limits, "bench")
        if wrapper[-3] != sys.executable:
            raise RuntimeError(f"unexpected end of the sandbox's command line: {wrapper[-3:]}")

        def in_group(run: int) -> None:
            group = cgroup.Group(f"bench-{os.getpid()}-{run}", limits.memory_bytes,
                                 limits.processes)
            _start([true], preexec_fn=group.join)
            group.kill_and_remove()

        ways = {"confined": lambda run: through_sandbox(True, run),
                "unconfined": lambda run: through_sandbox(False, run),
                "in-process": in_process,
                "imports": lambda run: imports(False),
                "imports without IRI": lambda run: imports(True),
                "true": lambda run: _start([true]),
                "bwrap": lambda run: _start(wrapper[:-3] + [true])}
        if cgroup.available():
            ways["cgroup"] = in_group
        for run in range(runs + 1):  # run 0 warms each way up and is not counted
            for way, call in ways.items():
                tick = time.perf_counter()
                inside = call(run)
                if run:
                    times[way].append(time.perf_counter() - tick)
                    if inside is not None:
                        times[f"{way} runner"].append(inside)
    return times


def _start(command: list[str], **kwargs) -> None:
    subprocess.run(command, check=True, **kwargs)


@contextlib.contextmanager
def _quiet_stderr():
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def print_sandbox_costs(runs: int) -> None:
    load = os.getloadavg()[0]
    times = sandbox_costs(runs)
    ms = {way: statistics.median(values) * 1e3 for way, values in times.items()}
    cost = [(c - u) * 1e3 for c, u in zip(times["confined"], times["unconfined"])]
    print(f"\nthe sandbox's own cost: a one-cell notebook, {runs} runs each way, alternating, "
          f"medians in ms (load {load:.1f} -> {os.getloadavg()[0]:.1f})\n"
          f"{sandbox.check_available()}")
    print(f"{'':<50}{'total':>7}{'runner':>8}{'rest':>7}{'min':>7}{'max':>7}")
    for way, label in (("confined", "sandbox.run, confined"),
                       ("unconfined", "sandbox.run, unconfined (same runner)"),
                       ("in-process", "nbgrader's Execute in the grader's process"),
                       ("imports", "python -I: import nbformat, nbclient"),
                       ("imports without IRI", "the same without jsonschema's IRI grammar")):
        inside = ms.get(f"{way} runner")
        split = f"{inside:8.0f}{ms[way] - inside:7.0f}" if inside is not None else f"{'':15}"
        print(f"{label:<50}{ms[way]:7.0f}{split}{min(times[way]) * 1e3:7.0f}"
              f"{max(times[way]) * 1e3:7.0f}")
    print(f"{'confinement: confined - unconfined, paired':<50}{statistics.median(cost):7.0f}"
          f"{'':15}{min(cost):7.0f}{max(cost):7.0f}   (target <= 100 ms per submission)")
    parts = {"bwrap": "  bubblewrap, mounts, setpriv (around true)",
             "cgroup": "  a control group created, joined, removed"}
    for way, label in parts.items():
        if way in times:
            extra = [(w - t) * 1e3 for w, t in zip(times[way], times["true"])]
            print(f"{label:<50}{statistics.median(extra):7.0f}{'':15}{min(extra):7.0f}"
                  f"{max(extra):7.0f}")
    print("runner: its imports of nbformat and nbclient, the kernel's start, the cell, the "
          "kernel's stop;\nrest: the runner's process start and exit, the request, the "
          "sandbox's set-up and removal, reading the answer back")
    print(f"a sandboxed notebook costs {ms['confined'] - ms['in-process']:+.0f} ms "
          f"({ms['confined'] / ms['in-process']:.2f}x) against a kernel started in the grader's "
          f"process; building the\nruntime, once per grading process: {ms['runtime']:.0f} ms")


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
    parser.add_argument("--sandbox-runs", type=int, default=10,
                        help="runs of the sandbox's cost each way (default 10; 0 skips it)")
    parser.add_argument("--keep", default=None, help="build the courses in DIR and keep them")
    args = parser.parse_args(argv)
    for name in ("copies", "jobs", "repeat"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.sandbox_runs < 0:
        parser.error("--sandbox-runs must be at least 0")

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
        print(f"CPU: {CPU_SCOPE}")
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
        if args.sandbox_runs:
            print_sandbox_costs(args.sandbox_runs)
        return 0 if same else 1
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
