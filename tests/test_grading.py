"""Tests for autograder.grading: parallel, bounded, sandboxed and resumable grading.

The slow tests build a tiny nbgrader course in a temporary directory (stock
nbgrader test cells, no question registry) so that every expected score can
be read off the submissions by eye.
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.grading import (
    PHASES,
    SubmissionResult,
    grade_assignment,
    load_course_config,
    read_logs,
    sandbox,
    validate_notebook,
)

ASSIGNMENT = "ps1"
LOG_KEYS = {"student", "assignment", "status", "reason", "score", "max_score", "flags", "seconds",
            "confinement"}


# ------------------------------------------------------------------- a tiny course


def _cell(source, grade_id, *, solution=False, points=None):
    cell = new_code_cell(source)
    cell.metadata.nbgrader = {"grade": points is not None, "grade_id": grade_id,
                              "locked": not solution, "solution": solution, "schema_version": 3}
    if points is not None:
        cell.metadata.nbgrader["points"] = points
    return cell


# Two graded cells: test_square (2 points) needs `square`; test_who (1 point)
# passes only if the kernel's COURSEKIT_STUDENT_ID equals the id the student wrote.
SOURCE_CELLS = [
    _cell("student_id = None\n### BEGIN SOLUTION\nstudent_id = 'solution'\n### END SOLUTION",
          "who", solution=True),
    _cell("def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION",
          "square", solution=True),
    _cell("assert square(3) == 9\nassert square(-2) == 4", "test_square", points=2),
    _cell("import os\nassert student_id == os.environ['COURSEKIT_STUDENT_ID']", "test_who", points=1),
]
CORRECT_SQUARE = "def square(x):\n    return x * x"


def _tools_env():
    # nbgrader runs `alembic` by name when it creates a gradebook.
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def make_course(root: Path, submissions: dict) -> Path:
    """A course with assignment ps1 generated, and ``submissions``: student -> answers or raw text.

    Answers map an answer cell's grade_id to its source; ``who`` defaults to the
    student's own id. A string instead of a dict is written as the file's text.
    """
    (root / "source" / ASSIGNMENT).mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'tiny'\n")
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(new_notebook(cells=SOURCE_CELLS, metadata={"kernelspec": kernelspec}),
                   root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT],
                   cwd=root, check=True, capture_output=True, env=_tools_env())
    for student, answers in submissions.items():
        submit(root, student, answers)
    return root


def submit(root: Path, student: str, answers) -> None:
    directory = root / "submitted" / student / ASSIGNMENT
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{ASSIGNMENT}.ipynb"
    if isinstance(answers, str):
        path.write_text(answers)
        return
    answers = {"who": f"student_id = {student!r}", **answers}
    nb = nbformat.read(root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    nbformat.write(nb, path)


def gradebook_rows(root: Path) -> dict:
    """(student, cell) -> (number of grade rows, auto score), read with sqlite3 directly."""
    query = """
        SELECT sa.student_id, bc.name, COUNT(*), SUM(g.auto_score), SUM(g.auto_score IS NULL)
        FROM grade g
        JOIN submitted_notebook sn ON g.notebook_id = sn.id
        JOIN submitted_assignment sa ON sn.assignment_id = sa.id
        JOIN base_cell bc ON g.cell_id = bc.id
        GROUP BY sa.student_id, bc.name"""
    with sqlite3.connect(root / "gradebook.db") as db:
        rows = db.execute(query).fetchall()
    return {(student, cell): (count, score, nulls) for student, cell, count, score, nulls in rows}


def scores_by_student(rows: dict) -> dict:
    totals = {}
    for (student, _), (_, score, _) in rows.items():
        totals[student] = totals.get(student, 0.0) + (score or 0.0)
    return totals


# ------------------------------------------------------------------------- fast tests


def test_validate_notebook_accepts_a_notebook(tmp_path):
    path = tmp_path / "ok.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("1 + 1")]), path)
    assert validate_notebook(path) is None


@pytest.mark.parametrize("content, reason", [
    (None, "ps1.ipynb is missing"),
    ('{"cells": [', "ps1.ipynb is not valid JSON (Expecting value at line 1, column 12)"),
    ('[1, 2, 3]', "ps1.ipynb is valid JSON but not a Jupyter notebook"),
    ('{"hello": "world"}', "ps1.ipynb is valid JSON but not a Jupyter notebook"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "ps1.ipynb is not a text file (not UTF-8"),
])
def test_validate_notebook_names_the_problem(tmp_path, content, reason):
    path = tmp_path / "ps1.ipynb"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    assert validate_notebook(path).startswith(reason)


@pytest.mark.parametrize("kwargs, match", [
    ({"jobs": 0}, "jobs must be a positive integer"),
    ({"jobs": 2.0}, "jobs must be a positive integer"),
    ({"timeout": 0}, "timeout must be a positive number"),
    ({"memory_limit_mb": 8}, "memory_limit_mb must be at least 256"),
])
def test_grade_assignment_rejects_bad_settings(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        grade_assignment(ASSIGNMENT, tmp_path, **kwargs)


def test_grade_assignment_needs_an_existing_course(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        grade_assignment(ASSIGNMENT, tmp_path / "nowhere")


@pytest.mark.slow  # workers start booting before the course is read
def test_grade_assignment_needs_a_gradebook_and_does_not_create_one(tmp_path):
    with pytest.raises(ValueError, match="no gradebook at .*gradebook.db; build the assignment"):
        grade_assignment(ASSIGNMENT, tmp_path)
    assert not (tmp_path / "gradebook.db").exists()  # and it did not create an empty one


def test_load_course_config_reads_the_course_file_and_pins_the_root(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.Execute.timeout = 7\nc.CourseDirectory.root = '/elsewhere'\n")
    config = load_course_config(tmp_path)
    assert config.Execute.timeout == 7
    assert config.CourseDirectory.root == str(tmp_path.resolve())


def test_read_logs_skips_unreadable_files(tmp_path):
    directory = tmp_path / "autograder_log" / ASSIGNMENT
    directory.mkdir(parents=True)
    good = SubmissionResult("alice", ASSIGNMENT, "graded", score=2.0, max_score=3.0).as_dict()
    (directory / "alice.json").write_text(json.dumps(good))
    (directory / "bob.json").write_text("{half written")
    logs = read_logs(ASSIGNMENT, tmp_path)
    assert list(logs) == ["alice"] and set(logs["alice"]) == LOG_KEYS


def test_every_preprocessor_takes_the_gradebook_lock_unless_known_not_to_open_the_gradebook():
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        ClearOutput,
        LimitOutput,
        OverwriteCells,
        OverwriteKernelspec,
        SaveAutoGrades,
    )

    from autograder.grading.engine import _Timed
    from autograder.grading.execute import SandboxedExecute
    from autograder.preprocessors import ScoreRecordedAnswers

    class ImportsTheGradebookInAMethod:
        def __call__(self, nb, resources):
            from nbgrader.api import Gradebook  # noqa: F401 - invisible in the module's globals
            return nb, resources

    locked = [SaveAutoGrades(), OverwriteCells(), OverwriteKernelspec(), AssignLatePenalties(),
              ImportsTheGradebookInAMethod()]
    free = [ClearOutput(), LimitOutput(), ScoreRecordedAnswers(), SandboxedExecute()]
    assert all(_Timed(pp, {}, False, {}).locked for pp in locked)
    assert not any(_Timed(pp, {}, False, {}).locked for pp in free)


# ------------------------------------------------------------------------- slow tests

BLAS_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# Alice's answer cell prints what her kernel sees of the BLAS thread settings.
SHOW_BLAS = f"import os\nprint({{name: os.environ.get(name) for name in {BLAS_VARIABLES!r}}})"
SUBMISSIONS = {
    "alice": {"square": CORRECT_SQUARE, "who": "student_id = 'alice'\n" + SHOW_BLAS},
    "bob": {"square": "def square(x):\n    return 2 * x"},  # square(-2) == -4: test fails
    "hang": {"square": "import time\ntime.sleep(1000)\n" + CORRECT_SQUARE},
    "hog": {"square": "hog = bytearray(8 * 2**30)\n" + CORRECT_SQUARE},
    "die": {"square": "import os\nos._exit(3)"},
    "stubborn": {"square": textwrap.dedent("""
        import time
        while True:
            try:
                time.sleep(1000)
            except KeyboardInterrupt:
                pass""")},
    "broken": '{"cells": [',
    "stranger": '{"hello": "world"}',
}
# Vandal tries to change the course around its notebook, then answers correctly. Its kernel
# runs in autograded/vandal/ps1/, three levels below the course root.
VANDAL_TARGETS = ("source/ps1/ps1.ipynb", "gradebook.db", "submitted/alice/ps1/ps1.ipynb",
                  "nbgrader_config.py")
VANDAL = textwrap.dedent(f"""
    import os, tempfile
    for target in {VANDAL_TARGETS!r}:
        try:
            with open(os.path.join("../../..", target), "a") as f:
                f.write("vandalised")
            print("wrote", target)
        except OSError as error:
            print("refused", target, type(error).__name__)
    try:
        os.remove("../../../release/ps1/ps1.ipynb")
        print("removed the release")
    except OSError as error:
        print("refused removal", type(error).__name__)
    with open("mine.txt", "w") as f:
        f.write("my own file")
    with tempfile.NamedTemporaryFile() as f:
        f.write(b"scratch")
    print("own files written")
""") + CORRECT_SQUARE
SUBMISSIONS["vandal"] = {"square": VANDAL}
# (status, score, words in the reason), worked out from the cells above.
EXPECTED = {
    "alice": ("graded", 3.0, []),
    "bob": ("graded", 1.0, []),
    "hang": ("timeout", 1.0, ["'square' exceeded the 3 s time limit"]),
    "hog": ("failed", 1.0, ["'square' ran out of memory (limit 1024 MB)"]),
    "die": ("failed", 0.0, ["kernel died while running cell 'square' (exit code 3)"]),
    "stubborn": ("failed", 0.0, ["'square' exceeded", "did not respond"]),
    "broken": ("failed", 0.0, ["not valid JSON"]),
    "stranger": ("failed", 0.0, ["not a Jupyter notebook"]),
    "future": ("failed", 0.0, ["could not be graded (SchemaTooNewError"]),
    "vandal": ("graded", 3.0, []),
}


def _submit_future_metadata(root: Path) -> None:
    """A correct notebook whose nbgrader metadata is from a newer schema: nbgrader refuses it."""
    submit(root, "future", {"square": CORRECT_SQUARE})
    path = root / "submitted" / "future" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata.nbgrader["schema_version"] = 99
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("course"), SUBMISSIONS)
    _submit_future_metadata(root)
    _COURSE_FILES[root] = {path: path.read_bytes() for path in _course_files(root)}
    # The instructor sets MKL's thread count and leaves the other two unset.
    saved = {name: os.environ.pop(name, None) for name in BLAS_VARIABLES}
    os.environ["MKL_NUM_THREADS"] = "3"
    try:
        results = grade_assignment(ASSIGNMENT, root, jobs=2, timeout=3, memory_limit_mb=1024,
                                   progress=False)
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value
    return root, results


@pytest.mark.slow
def test_every_submission_is_graded_and_bad_ones_are_reported_with_a_reason(graded_course):
    _, results = graded_course
    assert [r.student for r in results] == sorted(EXPECTED)
    for result in results:
        status, score, words = EXPECTED[result.student]
        assert (result.status, result.score, result.max_score) == (status, score, 3.0), result
        for word in words:
            assert word in result.reason, result
        if status == "graded":
            assert result.reason == ""


_COURSE_FILES: dict = {}  # course root -> {path: bytes} before grading


def _course_files(root: Path) -> list:
    return [root / "nbgrader_config.py", root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
            *(root / "source" / ASSIGNMENT).glob("*.ipynb"), *(root / "submitted").rglob("*.ipynb")]


@pytest.mark.slow
def test_a_kernel_cannot_change_the_course_around_its_notebook(graded_course):
    root, results = graded_course
    assert {path: path.read_bytes() for path in _course_files(root)} == _COURSE_FILES[root]
    assert not any(b"vandalised" in path.read_bytes() for path in root.rglob("*") if path.is_file()
                   and "vandal" not in path.parts)
    nb = nbformat.read(root / "autograded" / "vandal" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    square = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "square")
    printed = "".join(o.text for o in square.outputs if o.output_type == "stream").splitlines()
    assert [line.split()[0] for line in printed] == ["refused"] * (len(VANDAL_TARGETS) + 1) + [
        "own"]
    assert printed[-1] == "own files written"  # in its private working directory, gone after
    assert not (root / "autograded" / "vandal" / ASSIGNMENT / "mine.txt").exists()
    logs = read_logs(ASSIGNMENT, root)
    ran = [log for log in logs.values() if log["confinement"] not in ("", "not run")]
    assert {log["student"] for log in ran} >= {s for s, e in EXPECTED.items() if e[0] != "failed"}
    assert all(log["confined"] and "bubblewrap" in log["confinement"] for log in ran)


@pytest.mark.slow
def test_gradebook_has_exactly_one_grade_per_cell_and_student(graded_course):
    root, _ = graded_course
    rows = gradebook_rows(root)
    assert set(rows) == {(s, c) for s in EXPECTED for c in ("test_square", "test_who")}
    assert all(count == 1 and nulls == 0 for count, _, nulls in rows.values())
    assert scores_by_student(rows) == {s: expected[1] for s, expected in EXPECTED.items()}


@pytest.mark.slow
def test_each_kernel_ran_with_its_own_student_id(graded_course):
    # test_who compares the id each student wrote with the kernel's COURSEKIT_STUDENT_ID.
    rows = gradebook_rows(graded_course[0])
    for student in ("alice", "bob", "hang", "hog"):
        assert rows[(student, "test_who")][1] == 1.0


@pytest.mark.slow
def test_kernels_run_one_blas_thread_unless_the_instructor_set_another(graded_course):
    root, _ = graded_course
    nb = nbformat.read(root / "autograded" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                       as_version=4)
    who = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "who")
    printed = "".join(o.text for o in who.outputs if o.output_type == "stream")
    assert printed.strip() == repr({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                                    "MKL_NUM_THREADS": "3"})


@pytest.mark.slow
def test_cells_after_a_lost_kernel_are_marked_not_run(graded_course):
    root, _ = graded_course
    nb = nbformat.read(root / "autograded" / "die" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                       as_version=4)
    errors = {c.metadata.nbgrader["grade_id"]: [o.ename for o in c.outputs if o.output_type == "error"]
              for c in nb.cells if c.cell_type == "code"}
    assert errors["square"] == ["KernelDied"]
    assert errors["test_square"] == errors["test_who"] == ["CellNotRun"]


@pytest.mark.slow
def test_every_submission_has_a_log_with_the_documented_fields(graded_course):
    root, results = graded_course
    logs = read_logs(ASSIGNMENT, root)
    assert set(logs) == set(EXPECTED)
    for result in results:
        log = logs[result.student]
        assert LOG_KEYS <= set(log)
        assert {k: log[k] for k in LOG_KEYS} == result.as_dict()
        # The phases inside the worker's job are disjoint parts of its wall time.
        timings = log["timings"]
        assert set(timings) <= set(PHASES)
        inside = sum(v for k, v in timings.items() if k not in ("worker_start", "lock_wait"))
        assert 0 <= inside <= log["seconds"] + 0.01
        if result.student == "alice":
            assert timings["execute"] > 0
    # Each of the two workers charges its start-up to its first submission only.
    assert sum(log["timings"].get("worker_start", 0) > 0 for log in logs.values()) == 2


@pytest.mark.slow
def test_rerun_skips_finished_work_and_changes_nothing(graded_course):
    root, results = graded_course
    before = gradebook_rows(root)
    started = time.monotonic()
    again = grade_assignment(ASSIGNMENT, root, jobs=2, timeout=3, progress=False)
    assert time.monotonic() - started < 30  # no kernel was started for 9 submissions
    assert {r.status for r in again} == {"skipped"}
    assert [(r.student, r.score) for r in again] == [(r.student, r.score) for r in results]
    assert gradebook_rows(root) == before


@pytest.mark.slow
def test_a_resubmission_is_regraded_and_force_regrades_without_duplicates(graded_course):
    root, _ = graded_course
    submit(root, "bob", {"square": CORRECT_SQUARE})
    results = {r.student: r for r in grade_assignment(ASSIGNMENT, root, jobs=1, timeout=3,
                                                       progress=False)}
    assert results["bob"].status == "graded" and results["bob"].score == 3.0
    assert all(r.status == "skipped" for s, r in results.items() if s != "bob")
    forced = grade_assignment(ASSIGNMENT, root, jobs=1, timeout=3, students=["alice"],
                              force=True, progress=False)
    assert [(r.student, r.status, r.score) for r in forced] == [("alice", "graded", 3.0)]
    rows = gradebook_rows(root)
    assert all(count == 1 for count, _, _ in rows.values())
    assert scores_by_student(rows)["bob"] == 3.0


@pytest.mark.slow
def test_unknown_student_or_assignment_is_a_clear_error(graded_course):
    root, _ = graded_course
    with pytest.raises(ValueError, match=r"no submission of 'ps1' .* for students \['zoe'\]"):
        grade_assignment(ASSIGNMENT, root, students=["zoe"], progress=False)
    with pytest.raises(ValueError, match="assignment 'ps9' is not in the gradebook"):
        grade_assignment("ps9", root, progress=False)


_GRADE_SCRIPT = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from autograder.grading import grade_assignment
try:
    grade_assignment("ps1", sys.argv[1], jobs=2, timeout=20, progress=False)
except KeyboardInterrupt:
    sys.exit(130)
"""


@pytest.mark.slow
def test_an_interrupted_run_resumes_to_the_grades_of_an_uninterrupted_one(tmp_path):
    slow = "import time\ntime.sleep(2)\n"
    submissions = {f"s{i}": {"square": slow + (CORRECT_SQUARE if i % 2 == 0
                                               else "def square(x):\n    return x + x")}
                   for i in range(4)}
    root = make_course(tmp_path, submissions)
    script = tmp_path / "grade.py"
    script.write_text(_GRADE_SCRIPT)
    process = subprocess.Popen([sys.executable, str(script), str(root)], env=_tools_env(),
                               stderr=subprocess.DEVNULL)
    log_dir = root / "autograder_log" / ASSIGNMENT
    _wait_until(lambda: any(log_dir.glob("*.json")), process)
    children = _descendants(process.pid)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    assert not [pid for pid in children if _alive(pid)], "a worker or kernel survived Ctrl-C"
    finished = set(read_logs(ASSIGNMENT, root))
    assert 0 < len(finished) < 4

    results = grade_assignment(ASSIGNMENT, root, jobs=2, timeout=20, progress=False)
    assert {r.student for r in results if r.status == "skipped"} == finished
    assert all(r.status == "graded" for r in results if r.student not in finished)
    rows = gradebook_rows(root)
    assert all(count == 1 and nulls == 0 for count, _, nulls in rows.values())
    # s0, s2 are right (3 points); s1, s3 double instead of squaring (test_who only).
    assert scores_by_student(rows) == {"s0": 3.0, "s1": 1.0, "s2": 3.0, "s3": 1.0}


def _wait_until(condition, process, timeout=120.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, "the grading run ended before it could be interrupted"
        assert time.monotonic() < deadline, "nothing was graded in time"
        time.sleep(0.1)


def _descendants(pid):
    import psutil
    return [child.pid for child in psutil.Process(pid).children(recursive=True)]


def _alive(pid):
    import psutil
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow
def test_a_threaded_caller_gets_spawned_workers_and_the_same_grades(graded_course):
    # Forking a process with several threads is unsafe, so workers start as fresh interpreters.
    import threading

    root, _ = graded_course
    before = gradebook_rows(root)
    out = []
    caller = threading.Thread(target=lambda: out.append(grade_assignment(
        ASSIGNMENT, root, jobs=1, timeout=3, students=["alice"], force=True, progress=False)))
    caller.start()
    caller.join(timeout=120)
    assert [(r.student, r.status, r.score) for r in out[0]] == [("alice", "graded", 3.0)]
    assert gradebook_rows(root) == before


def test_without_bubblewrap_grading_refuses_and_names_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    sandbox.check_available.cache_clear()
    try:
        with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
            grade_assignment(ASSIGNMENT, tmp_path)
    finally:
        sandbox.check_available.cache_clear()
    assert not (tmp_path / "autograder_log").exists()  # nothing was graded


@pytest.mark.slow
def test_an_unconfined_run_is_graded_and_every_log_says_so(tmp_path):
    root = make_course(tmp_path, {"alice": {"square": CORRECT_SQUARE}})
    (result,) = grade_assignment(ASSIGNMENT, root, jobs=1, timeout=10, progress=False,
                                 confine=False)
    assert (result.status, result.score, result.confinement) == ("graded", 3.0, "unconfined")
    log = read_logs(ASSIGNMENT, root)["alice"]
    assert log["confined"] is False and log["confinement"] == "unconfined"


def test_the_nbgrader_internals_the_engine_builds_on_are_still_there():
    """nbgrader is pinned below its next minor release; this fails loudly if a patch moves them."""
    import inspect

    from nbgrader.converters import Autograde, BaseConverter

    assert callable(getattr(Autograde, "init_assignment", None))
    assert callable(getattr(Autograde, "_init_preprocessors", None))
    assert "_sanitizing" in inspect.getsource(Autograde)
    assert callable(getattr(BaseConverter, "convert_single_notebook", None))
    assert "_preprocessors" in inspect.getsource(Autograde._init_preprocessors)
    assert {"sanitize_preprocessors", "autograde_preprocessors"} <= set(Autograde.class_traits())
