"""``autograder demo``: the whole pipeline on sample submissions, in a throwaway course.

The demo's assignment, ``demo_gd``, is no part of the course: its source sits in
the demo's own course directory, ``demo/solutions/demo_gd`` of this checkout, and
it is never released in ``notebooks/``.  The demo copies it and
``nbgrader_config.py`` into a temporary course directory (SQLite gradebook),
builds the student version there, writes one submission per kind of student an
instructor meets, grades them all, writes feedback and the instructor's report, and
prints a table, what each student is told, and a summary of the report.

The report (an HTML page and nbgrader's grades CSV) is the one thing kept
from a temporary course: it is written outside it, to
``./autograder-demo-report/`` (``-2``, ``-3``... when that exists) or to a
chosen directory, and never over an existing file.
"""
from __future__ import annotations

import itertools
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

ASSIGNMENT = "demo_gd"
REPO_ROOT = Path(__file__).resolve().parents[1]
#: The demo assignment's source in a checkout, in the demo's own course directory (not the course's).
DEMO_SOURCE = Path("demo") / "solutions" / ASSIGNMENT
#: Where the report goes by default, relative to the current directory (numbered if taken).
DEFAULT_REPORT_DIR = "autograder-demo-report"
REPORT_FILES = (f"{ASSIGNMENT}_grades.csv", f"{ASSIGNMENT}_report.html")

_STALE_GRADIENT = '''def gradient_descent(grad, x0, lr, steps):
    x = np.asarray(x0, dtype=float)
    g = grad(x)
    path = [x]
    for _ in range(steps):
        x = x - lr * g
        path.append(x)
    return np.array(path)'''

_ASCENT_ITERATES = '''iterates = {}
for alpha in (1, 0.01, 0.1):
    beta, path = beta0, []
    for _ in range(3):
        beta = beta + alpha * (10 * beta - 3)
        path.append(beta)
    iterates[f"alpha={alpha}"] = path'''

_ASCENT_GD = '''def gradient_descent(grad, x0, lr, steps):
    path = [np.asarray(x0, dtype=float)]
    for _ in range(steps):
        path.append(path[-1] + lr * grad(path[-1]))
    return np.array(path)'''

_RAISES_GD = '''def gradient_descent(grad, x0, lr, steps):
    path = [np.asarray(x0, dtype=float)]
    for r in range(steps):
        path.append(path[r] - lr * grad(path[r + 1]))
    return np.array(path)'''

_LOOPS_GD = '''def gradient_descent(grad, x0, lr, steps):
    x = np.asarray(x0, dtype=float)
    path = [x]
    r = 0
    while r < steps:            # r is never increased
        x = x - lr * grad(x)
    path.append(x)
    return np.array(path)'''

_TAMPER_ONE_STEP = '''one_step = "1"

# Make every check pass, whatever the answers:
import numpy as np
import autograder
np.isclose = lambda *args, **kwargs: True
np.allclose = lambda *args, **kwargs: True
autograder.check = lambda *args, **kwargs: print("correct!")
get_ipython().showtraceback = lambda *args, **kwargs: None'''

_TAMPER_GD = '''def gradient_descent(grad, x0, lr, steps):
    return np.zeros(steps + 1)'''


@dataclass(frozen=True)
class Sample:
    """One sample submission: who, what it shows, its answer cells, the expected score."""

    student: str
    description: str
    answers: dict          # grade_id of an answer cell -> source ("solution" = the reference)
    expected_score: float
    corrupt: bool = False


SAMPLES = (
    Sample("ada", "fully correct", {"iterates_answer": "solution", "one_step_answer": "solution",
                                    "gd_answer": "solution"}, 6),
    Sample("ben", "partly correct", {"iterates_answer": "solution", "one_step_answer": 'one_step = "0.01"',
                                     "gd_answer": _STALE_GRADIENT}, 3),
    Sample("cat", "wrong (gradient ascent)", {"iterates_answer": _ASCENT_ITERATES,
                                              "one_step_answer": 'one_step = "1"', "gd_answer": _ASCENT_GD}, 0),
    Sample("dan", "code that raises", {"iterates_answer": "solution", "one_step_answer": "solution",
                                       "gd_answer": _RAISES_GD}, 4),
    Sample("eve", "loops forever", {"iterates_answer": "solution", "one_step_answer": "solution",
                                    "gd_answer": _LOOPS_GD}, 4),
    Sample("fay", "tampers with the checks", {"iterates_answer": "solution", "one_step_answer": _TAMPER_ONE_STEP,
                                              "gd_answer": _TAMPER_GD}, 3),
    Sample("gus", "corrupted file", {}, 0, corrupt=True),
    Sample("hal", "unanswered", {}, 0),
)


def make_course(course: Path, repo_root: Path = REPO_ROOT) -> Path:
    """Copy the course configuration and the demo assignment's sources into ``course``.

    Raises
    ------
    FileNotFoundError
        If ``repo_root`` is not a coursekit checkout (no nbgrader_config.py or
        demo/solutions/demo_gd).
    """
    config, source = repo_root / "nbgrader_config.py", repo_root / DEMO_SOURCE
    if not config.is_file() or not source.is_dir():
        raise FileNotFoundError(f"{repo_root} has no nbgrader_config.py and {DEMO_SOURCE}: "
                                "the demo needs a coursekit source checkout (pip install -e .)")
    course.mkdir(parents=True, exist_ok=True)
    shutil.copy(config, course / "nbgrader_config.py")
    shutil.copytree(source, course / "solutions" / ASSIGNMENT, dirs_exist_ok=True)
    return course


def solution_sources(solution: Path) -> dict[str, str]:
    """grade_id -> source of each answer cell of the solution notebook, solution markers removed."""
    nb = nbformat.read(str(solution), as_version=4)
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            out[meta["grade_id"]] = re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", "", cell.source,
                                           flags=re.MULTILINE).rstrip()
    return out


def write_submissions(course: Path, samples=SAMPLES) -> list[Path]:
    """Write ``submitted/<student>/demo_gd/demo_gd.ipynb`` for each sample from the student version."""
    release = course / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    solutions = solution_sources(course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    paths = []
    for sample in samples:
        path = course / "submitted" / sample.student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        if sample.corrupt:
            path.write_text('{"cells": [ this is not JSON', encoding="utf-8")
        else:
            nb = nbformat.read(str(release), as_version=4)
            for cell in nb.cells:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if grade_id in sample.answers:
                    answer = sample.answers[grade_id]
                    cell.source = solutions[grade_id] if answer == "solution" else answer
            nbformat.write(nb, str(path))
        paths.append(path)
    return paths


def run_demo(keep: str | None = None, jobs: int = 2, timeout: float = 5.0, out=print,
             report_dir: str | None = None) -> list:
    """Build, submit, grade, give feedback and report in a throwaway course; print what happened.

    Parameters
    ----------
    keep : str, optional
        Directory to build the course in and keep (default: a temporary one, removed at the end).
    jobs : int
        Grading worker processes.
    timeout : float
        Per-cell time limit in seconds (cuts off the endless loop).
    out : callable
        Where the progress lines, the table and the report's summary go.
    report_dir : str, optional
        Directory for the report's HTML page and CSV (created if needed; it
        must not hold them already). Default: :func:`fresh_directory`
        ``("autograder-demo-report")`` in the current directory.

    Returns
    -------
    list of autograder.grading.SubmissionResult

    Raises
    ------
    ValueError
        If ``report_dir`` already holds a report (nothing is overwritten).
    """
    from autograder.course import build
    from autograder.feedback import write_feedback
    from autograder.grading import grade_assignment
    from autograder.tables import report_summary, results_table

    start = time.monotonic()
    reports = report_directory(report_dir)
    tmp = None if keep else tempfile.TemporaryDirectory(prefix="autograder-demo-")
    course = Path(keep or tmp.name).resolve()
    done = False
    try:
        make_course(course)
        build([ASSIGNMENT], course)
        out(f"course: {course}\nbuilt notebooks/{ASSIGNMENT}/{ASSIGNMENT}.ipynb; "
            f"{len(SAMPLES)} sample submissions follow")
        write_submissions(course)
        results = grade_assignment(ASSIGNMENT, course_dir=course, jobs=jobs, timeout=timeout,
                                   force=True, progress=False)
        pages = write_feedback(ASSIGNMENT, course)
        csv_path, html_path = _report(course, reports)
        notes = {s.student: f"{s.description} (expect {s.expected_score:g})" for s in SAMPLES}
        out("")
        out(results_table(results, notes))
        out("")
        out(_confinement(course))
        out("")
        out("What the feedback tells each student about their wrong answers:")
        for sample in SAMPLES:
            for line in student_hints(course, sample.student):
                out(f"  {sample.student}: {line}")
        out("")
        out(report_summary(ASSIGNMENT, course))
        out("")
        if keep:
            out(f"feedback: {len(pages)} pages under {course / 'feedback'}")
        out(f"report: {html_path}\n        {csv_path}")
        out(f"done in {time.monotonic() - start:.0f} s"
            + ("" if keep else "; the course was temporary (use --keep DIR to look at its files)"))
        done = True
        return results
    finally:
        if tmp is not None:
            tmp.cleanup()
        if not done and reports.is_dir() and not any(reports.iterdir()):
            reports.rmdir()  # claimed for a report that was never written


def _confinement(course: Path) -> str:
    """One line on whether the kernels could write outside their notebooks' folders."""
    from autograder.grading import read_logs

    logs = read_logs(ASSIGNMENT, course).values()
    ways = sorted({log.get("confinement") for log in logs if log.get("confinement") != "not run"})
    if ways and "unconfined" not in ways:
        return (f"Every kernel ran in its own sandbox ({'; '.join(ways)}): it saw the system, "
                "the venv and its own files, nothing of the course, the gradebook or the other "
                "submissions.")
    return "Kernels ran UNCONFINED, with the grader's rights: only trusted notebooks are safe."


def fresh_directory(base: str | Path) -> Path:
    """Create and return ``base``, or ``base-2``, ``base-3``... the first name not taken.

    The directory is created here (``mkdir`` without ``exist_ok`` claims it
    atomically), so two demos run at once never share one.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> [fresh_directory(root / "report").name for _ in range(3)]
    ['report', 'report-2', 'report-3']
    """
    base = Path(base)
    for n in itertools.count(1):
        path = base if n == 1 else base.with_name(f"{base.name}-{n}")
        try:
            path.mkdir(parents=True)
        except FileExistsError:
            continue
        return path.resolve()
    raise AssertionError("unreachable")  # pragma: no cover


def report_directory(report_dir: str | Path | None = None) -> Path:
    """The directory the demo's report goes to, created; it never holds a report already.

    Parameters
    ----------
    report_dir : str or path, optional
        A chosen directory (created if needed). Default: a fresh
        ``./autograder-demo-report`` (see :func:`fresh_directory`).

    Raises
    ------
    ValueError
        If ``report_dir`` already holds one of :data:`REPORT_FILES`, or is a file.
    RuntimeError
        If the directory cannot be created (e.g. no write permission).
    """
    try:
        if report_dir is None:
            return fresh_directory(DEFAULT_REPORT_DIR)
        path = Path(report_dir)
        if path.exists() and not path.is_dir():
            raise ValueError(f"--report-dir {path} is a file, not a directory")
        taken = [name for name in REPORT_FILES if (path / name).exists()]
        if taken:
            raise ValueError(f"{path} already holds {', '.join(taken)}; the demo never overwrites "
                             "files: choose another --report-dir or remove them")
        path.mkdir(parents=True, exist_ok=True)
        return path.resolve()
    except PermissionError as exc:
        raise RuntimeError(f"cannot create the report directory: {exc}; "
                           "choose a writable place with --report-dir DIR") from None


def student_hints(course: Path, student: str) -> list[str]:
    """One line per wrong question of ``student``: question, points and the hint shown."""
    from autograder.feedback import question_rows, verdict_parts

    lines = []
    from autograder.grading import course_directory, load_course_config

    coursedir = course_directory(load_course_config(course))
    directory = Path(coursedir.format_path(coursedir.autograded_directory, student, ASSIGNMENT))
    for path in sorted(directory.glob("*.ipynb")):
        rows, _ = question_rows(path)
        for row in rows:
            if not row.get("correct"):
                wrong = [p for p in verdict_parts(row) if not p.get("correct")]
                said = wrong[0].get("message", "") if wrong else ""
                hint = (row.get("hint") or "").splitlines()
                text = hint[0] if hint else said
                if row.get("mistake") == "raised" and said:
                    text = f"{said}. {text}"
                lines.append(f"{row['question']} {row['score']:g}/{row['max_score']:g}: {text}")
    return lines


def _report(course: Path, out_dir: Path) -> tuple[Path, Path]:
    from autograder.report import write_report

    return write_report(ASSIGNMENT, course_dir=course, out_dir=out_dir)
