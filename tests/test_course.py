"""Generic tests of the course: every assignment in ``solutions/`` and its student version.

The demo's assignment (``demo/solutions/demo_gd``, never released in ``notebooks/``) follows the same
conventions: the tests that read only a source notebook check it too.

Conventions every assignment follows (so these tests apply to all of them)
--------------------------------------------------------------------------
* Source ``solutions/<a>/<a>.ipynb``; student version ``notebooks/<a>/<a>.ipynb``, produced only by
  ``nbgrader generate_assignment <a>`` (or ``autograder build <a>``); questions in
  ``autograder/questions/<a>.py`` with ids ``"<a>.<question>"``.
* Answer cell: code, ``grade_id="a_<question>"``, ``solution=True, grade=False``; its solution sits in
  ``### BEGIN SOLUTION`` / ``### END SOLUTION``. A value answer starts with the comment
  ``# <variable> = ...`` (outside the region) so the student knows what to set; a function answer
  keeps its ``def`` line and docstring outside the region.
* Test cell: code, ``grade_id="q_<question>"``, ``grade=True, locked=True``; source
  ``check("<a>.<question>", answer)``; for function questions a ``### BEGIN HIDDEN TESTS`` region adds
  ``check("<a>.<question>_hidden", answer)`` (edge cases on other hidden inputs). The cell's
  ``points`` equal the sum of the points of the questions it checks; only ``check(...)`` calls grade
  (the grader rewrites a test cell's outputs from its answer records, so bare asserts would not count).
* Free text ("why" questions): markdown, ``grade_id="why_<topic>"``, ``solution=True, grade=True``
  with points, the model answer inside a solution region; graded by hand.
* Locked set-up code (imports, ``parameters("<a>")``): ``grade_id="setup_<name>"``, ``locked=True``.
* Demonstrations that call coursekit's reference implementations (plots, training runs):
  ``grade_id="demo_<name>"``, ``locked=True`` (the tamper analysis skips locked cells, so the
  distributed notebook raises no flag; grading restores them).
* Prose and other code cells carry no nbgrader metadata. No cell outside answer and test cells may use
  students' answers (the blank student version runs to the end with errors only in answer and test
  cells).
* Outputs cleared in git; cell ids stable (the grade_id with dashes, else ``cell-NNN``).

Fast tests read the notebooks; tests marked slow run nbgrader and kernels on a temporary copy of
the course (never the repository's gradebook).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder import questions
from autograder.cells import checked_questions
from autograder.grading.runtime import WITHHELD_ERROR

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir()
                     if p.is_dir() and (p / f"{p.name}.ipynb").exists())
DEMO = "demo_gd"   # the demo's assignment, in the demo's own course directory
SOURCES = {**{a: ROOT / "solutions" / a / f"{a}.ipynb" for a in ASSIGNMENTS},
           DEMO: ROOT / "demo" / "solutions" / DEMO / f"{DEMO}.ipynb"}
VENV_BIN = Path(sys.executable).parent
LECTURES = ROOT.parent / "shared" / "lectures"   # the lecture notes, beside the project
SOLUTION_STUDENT = "course_test_solution"   # not the defaults: its variant is drawn from the id
BLANK_STUDENT = "course_test_blank"


def _source(a: str) -> nbformat.NotebookNode:
    return nbformat.read(SOURCES[a], as_version=4)


def _release_path(a: str) -> Path:
    return ROOT / "notebooks" / a / f"{a}.ipynb"


def _release(a: str) -> nbformat.NotebookNode:
    path = _release_path(a)
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `nbgrader generate_assignment {a}`")
    return nbformat.read(path, as_version=4)


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _is_test(cell) -> bool:
    m = _nbgrader(cell)
    return cell.cell_type == "code" and m.get("grade", False) and not m.get("solution", False)


def _is_manual(cell) -> bool:
    m = _nbgrader(cell)
    return m.get("grade", False) and m.get("solution", False)


_REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)


def _region_lines(nb) -> set[str]:
    """Distinctive lines inside solution and hidden-test regions (not also used outside them)."""
    inside, outside = set(), set()
    for cell in nb.cells:
        for match in _REGION.finditer(cell.source):
            inside.update(line.strip() for line in match[2].splitlines())
        outside.update(line.strip() for line in _REGION.sub("", cell.source).splitlines())
    return {line for line in inside - outside if len(line) >= 12}


# ---------------------------------------------------------------- fast: structure of the notebooks

def test_there_are_assignments():
    assert ASSIGNMENTS, "no solutions/<assignment>/<assignment>.ipynb found"


def test_the_release_directory_holds_exactly_the_course_assignments():
    released = sorted(p.name for p in (ROOT / "notebooks").iterdir() if p.is_dir())
    assert released == ASSIGNMENTS and DEMO not in released


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_outputs_are_cleared_in_git(a):
    for nb, where in ((_source(a), "solutions"), (_release(a), "notebooks")):
        dirty = [c.get("id") for c in nb.cells
                 if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
        assert not dirty, f"{where}/{a}: cells with outputs or execution counts: {dirty}"


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_student_version_has_no_solution_or_hidden_test_text(a):
    release = _release(a)
    text = "\n".join(c.source for c in release.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "_hidden\""):
        assert marker not in text, f"notebooks/{a} contains {marker!r}"
    student_lines = {line.strip() for line in text.splitlines()}
    leaked = sorted(_region_lines(_source(a)) & student_lines)
    assert not leaked, f"notebooks/{a} contains solution or hidden-test lines: {leaked[:5]}"


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_the_distributed_notebook_raises_no_tamper_flag(a):
    from autograder import tamper

    assert tamper.scan(_release(a), a) == []


@pytest.mark.parametrize("a", sorted(SOURCES))
def test_grade_ids_are_unique_and_cells_well_formed(a):
    nb = _source(a)
    ids = [_nbgrader(c)["grade_id"] for c in nb.cells if "grade_id" in _nbgrader(c)]
    assert len(ids) == len(set(ids)), f"duplicate grade ids in {a}"
    for cell in nb.cells:
        m = _nbgrader(cell)
        if not m:
            assert "BEGIN SOLUTION" not in cell.source and "BEGIN HIDDEN" not in cell.source, \
                f"{a}: a cell without nbgrader metadata has a solution/hidden region"
            continue
        assert m.get("schema_version") == 3, f"{a}/{m.get('grade_id')}: schema_version"
        if m.get("solution"):
            assert "### BEGIN SOLUTION" in cell.source, f"{a}/{m['grade_id']}: no solution region"
        if m.get("grade"):
            assert m.get("points", 0) > 0, f"{a}/{m['grade_id']}: graded cell without points"
        if _is_test(cell):
            assert m.get("locked"), f"{a}/{m['grade_id']}: test cells must be locked"


@pytest.mark.parametrize("a", sorted(SOURCES))
def test_points_add_up_and_every_question_is_asked(a):
    nb = _source(a)
    registered = questions.for_assignment(a)
    asked = []
    for cell in filter(_is_test, nb.cells):
        ids = checked_questions(cell.source)
        assert ids, f"{a}/{_nbgrader(cell)['grade_id']}: a test cell that calls no check()"
        unknown = [q for q in ids if q not in registered]
        assert not unknown, f"{a}: test cell checks unregistered questions {unknown}"
        expected = sum(registered[q].points for q in ids)
        assert _nbgrader(cell)["points"] == pytest.approx(expected), \
            f"{a}/{_nbgrader(cell)['grade_id']}: cell points != points of {ids}"
        asked += ids
    assert sorted(asked) == sorted(set(asked)), f"{a}: a question is checked in two cells"
    assert set(asked) == set(registered), f"{a}: questions never asked: {set(registered) - set(asked)}"
    auto = sum(q.points for q in registered.values())
    manual = sum(_nbgrader(c)["points"] for c in nb.cells if _is_manual(c))
    total = sum(_nbgrader(c).get("points", 0) for c in nb.cells)
    assert total == pytest.approx(auto + manual)
    if re.match(r"^\d\d_", a):  # course assignments (not the pipeline demo) ask at least one "why"
        assert manual > 0, f"{a}: needs at least one manually graded 'why' question"


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_student_version_keeps_every_graded_cell(a):
    source, release = _source(a), _release(a)
    def graded(nb):
        return [(_nbgrader(c)["grade_id"], _nbgrader(c).get("points")) for c in nb.cells
                if _nbgrader(c).get("grade") or _nbgrader(c).get("solution")]
    assert graded(source) == graded(release)


@pytest.mark.parametrize("a", sorted(SOURCES))
def test_each_notebook_opens_with_objectives_prerequisites_time_and_lectures(a):
    first = _source(a).cells[0].source
    for item in ("Learning objectives.", "Prerequisites.", "Estimated time.", "Lectures covered."):
        assert f"* **{item}**" in first, f"{a}: the first cell lacks {item!r}"
    lectures = re.search(r"\* \*\*Lectures covered\.\*\*(.*)", first)[1]
    files = re.findall(r"`(\d{3}_[0-9a-f]{16})`", lectures)
    assert files, f"{a}: no lecture file named"
    if LECTURES.is_dir():
        assert all((LECTURES / f"{name}.txt").exists() for name in files), files


def test_the_course_covers_every_lecture_file():
    if not LECTURES.is_dir():
        pytest.skip(f"the lecture notes are not at {LECTURES}")
    named = {name for a in ASSIGNMENTS for name in re.findall(r"`(\d{3}_[0-9a-f]{16})`", _source(a).cells[0].source)}
    assert named == {p.stem for p in LECTURES.glob("*.txt")}


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_errata_boxes_name_lecture_files_and_slides_that_exist(a):
    if not LECTURES.is_dir():
        pytest.skip(f"the lecture notes are not at {LECTURES}")
    boxes = [c.source for c in _source(a).cells if c.cell_type == "markdown" and "**Errata" in c.source]
    assert len(boxes) <= 1, f"{a}: one errata box per notebook"
    for box in boxes:
        files = re.findall(r"`(\d{3}_[0-9a-f]{16})`", box)
        assert files, f"{a}: the errata box names no lecture file"
        texts = [(LECTURES / f"{name}.txt").read_text() for name in files]
        for title in re.findall(r'slides? "([^"]+)"', box):
            assert any(title in text for text in texts), f"{a}: no slide {title!r} in {files}"


@pytest.mark.parametrize("a", sorted(SOURCES))
def test_every_why_question_has_a_rubric_whose_split_adds_up_to_its_points(a):
    for cell in filter(_is_manual, _source(a).cells):
        points = _nbgrader(cell)["points"]
        rubric = re.search(r"\*Rubric \((\d+(?:\.\d+)?) points?\)\.\*(.*?)### END SOLUTION", cell.source, re.S)
        assert rubric, f"{a}/{_nbgrader(cell)['grade_id']}: no rubric"
        split = len(re.findall(r"(?<![(\w])1 point:", rubric[2])) + 0.5 * len(re.findall(r"Half a point:", rubric[2]))
        assert float(rubric[1]) == points == split, f"{a}/{_nbgrader(cell)['grade_id']}: {rubric[1]}, {split}, {points}"


#: What a set-up cell may import from coursekit: data, test functions and the gradient-check tool, none of
#: which is an exercise's reference; the demonstrations import the reference implementations they use.
SETUP_MODULES = {"coursekit.data", "coursekit.functions", "coursekit.gradcheck"}


@pytest.mark.parametrize("a", sorted(SOURCES))
def test_set_up_cells_do_not_import_the_reference_implementations(a):
    import ast

    for cell in _source(a).cells:
        if not _nbgrader(cell).get("grade_id", "").startswith("setup"):
            continue
        tree = ast.parse("\n".join(line for line in cell.source.splitlines() if not line.startswith("%")))
        imported = {n.name for node in ast.walk(tree) if isinstance(node, ast.Import) for n in node.names}
        imported |= {f"{node.module}.{n.name}" if node.module == "coursekit" else node.module
                     for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for n in node.names}
        extra = {m for m in imported if m.startswith("coursekit")} - SETUP_MODULES
        assert not extra, f"{a}/{_nbgrader(cell)['grade_id']} imports {sorted(extra)}"


#: Questions worked by hand (pen and paper): the notebook must not print their answers.
BY_HAND = {"02_gradient_descent": ("alpha_1", "alpha_2", "alpha_3", "slopes"),
           "04_classification": ("perceptron_output", "softmax_example", "ce_examples", "bce_table"),
           "06_backprop": ("table", "worked_example"), "08_mlp": ("image_weights",)}


@pytest.mark.parametrize("a", sorted(BY_HAND))
def test_the_notebook_text_does_not_print_the_answers_of_its_pen_and_paper_exercises(a):
    from test_hints import (  # the detector of hints that give values away
        _flat_numbers,
        _numbers,
        _reveals,
    )

    from autograder.student import parameters

    v = parameters(a, None)   # the lecture's numbers, the ones a notebook could quote
    given = {abs(x) for x in _flat_numbers([value for value in v.values() if not isinstance(value, str)])}
    values = [x for name in BY_HAND[a] for x in _flat_numbers(questions.get(f"{a}.{name}").reference(v))
              if abs(x) not in given]   # a number the exercise states is no answer given away
    for cell in _release(a).cells:
        if cell.cell_type != "markdown":
            continue
        quoted = [n for n in _numbers(cell.source) if n[1] >= 2 and not n[2]]   # 2+ significant digits
        shown = sorted({n[0] for n in quoted if any(_reveals(n, x) for x in values)})
        assert not shown, f"{a}/{cell.get('id')} prints answers of exercises done by hand: {shown}"


# ---------------------------------------------------------------- slow: nbgrader on a temporary course

def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("COURSEKIT_DB_URL", "COURSEKIT_STUDENT_ID", "JUPYTERHUB_USER", "NBGRADER_EXECUTION")}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("MPLBACKEND", "Agg")
    # correctness here, not speed (test_solution_runs_... checks the time budget): a generous per-cell
    # limit keeps a busy machine from turning slow imports into lost points
    env.setdefault("COURSEKIT_CELL_TIMEOUT", "180")
    env.update(extra)
    return env


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(VENV_BIN / args[0]), *args[1:]], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _course(tmp: Path, a: str) -> Path:
    """A temporary course with this assignment's source, config and a fresh gradebook."""
    course = tmp / "course"
    shutil.copytree(ROOT / "solutions" / a, course / "solutions" / a)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    _run(["nbgrader", "generate_assignment", a, "--force"], course)
    return course


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the solution and the blank student version of an assignment, once per assignment."""
    cache: dict[str, Path] = {}

    def grade(a: str) -> Path:
        if a not in cache:
            course = _course(tmp_path_factory.mktemp(a), a)
            for student, notebook in ((SOLUTION_STUDENT, ROOT / "solutions" / a / f"{a}.ipynb"),
                                      (BLANK_STUDENT, _release_path(a))):
                target = course / "submitted" / student / a
                target.mkdir(parents=True)
                nb = nbformat.read(notebook, as_version=4)
                nbformat.write(nb, target / f"{a}.ipynb")
            _run(["nbgrader", "autograde", a, "--force"], course)
            cache[a] = course
        return cache[a]
    return grade


def _scores(course: Path, a: str, student: str) -> dict[str, tuple[float, float]]:
    """grade_id -> (auto score, max score) of the autograded (code) cells, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(a, a, student)
        return {g.name: (g.auto_score, g.max_score) for g in nb.grades if g.cell.cell_type == "code"}


def _errors(course: Path, a: str, student: str) -> str:
    """The first errors of the autograded notebook, to explain a failure."""
    path = course / "autograded" / student / a / f"{a}.ipynb"
    if not path.exists():
        return f"no autograded notebook at {path}"
    nb = nbformat.read(path, as_version=4)
    found = [f"{c.get('id')}: {o.ename}: {o.evalue[:200]}" for c in nb.cells if c.cell_type == "code"
             for o in c.outputs if o.output_type == "error"]
    return "errors: " + ("; ".join(found[:3]) or "none")


@pytest.mark.slow
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_solution_scores_full_marks_through_nbgrader(a, graded):
    course = graded(a)
    scores = _scores(course, a, SOLUTION_STUDENT)
    assert scores, f"{a}: no autograded cells"
    lost = {gid: s for gid, s in scores.items() if s[0] != pytest.approx(s[1])}
    assert not lost, f"{a}: the solution loses points in {lost}; {_errors(course, a, SOLUTION_STUDENT)}"


@pytest.mark.slow
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_blank_student_version_scores_zero_and_runs_to_the_end(a, graded):
    course = graded(a)
    scores = _scores(course, a, BLANK_STUDENT)
    assert scores and all(s[0] == 0 for s in scores.values()), f"{a}: blank version scores {scores}"
    executed = nbformat.read(course / "autograded" / BLANK_STUDENT / a / f"{a}.ipynb", as_version=4)
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code), f"{a}: not every cell ran"
    for cell in code:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if any(o.ename == WITHHELD_ERROR for o in errors):
            continue  # uses withheld reference code: not run in grading, said in the feedback
        if errors and not (_nbgrader(cell).get("solution") or _is_test(cell)):
            pytest.fail(f"{a}: cell {cell.get('id')} (not an answer or test cell) fails in the blank "
                        f"version: {errors[0].ename}: {errors[0].evalue}")


@pytest.mark.slow
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_student_version_is_in_sync_with_solutions(a, tmp_path):
    course = _course(tmp_path, a)
    fresh = nbformat.read(course / "notebooks" / a / f"{a}.ipynb", as_version=4)
    committed = _release(a)
    assert [(c.get("id"), c.cell_type, c.source, c.metadata) for c in fresh.cells] == \
        [(c.get("id"), c.cell_type, c.source, c.metadata) for c in committed.cells], \
        f"notebooks/{a} is stale: regenerate it with `nbgrader generate_assignment {a} --force`"
    assert fresh.metadata == committed.metadata


@pytest.mark.slow
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_solution_runs_top_to_bottom_in_a_fresh_kernel_within_a_minute(a, tmp_path):
    from nbclient import NotebookClient

    nb = _source(a)
    client = NotebookClient(nb, timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    client.execute()   # raises CellExecutionError at the first failing cell
    seconds = time.perf_counter() - start
    # a budget from the course requirements, not a benchmark: typical runs take a few seconds
    assert seconds < 60, f"{a}: the solution took {seconds:.0f} s"
