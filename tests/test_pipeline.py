"""The real pipeline with plain nbgrader commands: out-of-kernel verdicts, restored test cells, export."""
import csv
import html
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import parameters
from autograder.cli import main
from autograder.demo import SAMPLES, make_course, solution_sources, write_submissions
from autograder.questions import variant_space

pytestmark = pytest.mark.slow
ASSIGNMENT = "demo_gd"


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    env.pop("COURSEKIT_DB_URL", None)
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), "nbgrader"), *args],
                          cwd=course, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def course(tmp_path_factory, repo_root):
    """A copy of the repository's course layout with the demo assignment built by plain nbgrader."""
    course = make_course(tmp_path_factory.mktemp("course"), repo_root)
    done = _nbgrader(course, "generate_assignment", ASSIGNMENT)
    assert done.returncode == 0, done.stderr
    return course


def test_build_is_deterministic_and_the_student_version_holds_no_solution(course):
    # the demo's assignment has no committed student version: it is built only in a demo course
    built = (course / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes()
    assert main(["build", ASSIGNMENT, "--course", str(course)]) == 0
    assert (course / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes() == built
    nb = nbformat.reads(built.decode(), as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert "BEGIN SOLUTION" not in text and "10 * beta - 3" not in text
    assert all(not c.get("outputs") for c in nb.cells)


def test_plain_nbgrader_autograde_uses_out_of_kernel_verdicts(course):
    samples = {s.student: s for s in SAMPLES}
    write_submissions(course, [samples["ada"], samples["fay"]])
    # ivy: right answers, but she edited one test cell and deleted another: both are restored.
    write_submissions(course, [type(samples["ada"])("ivy", "edits tests", samples["ada"].answers, 6)])
    path = course / "submitted" / "ivy" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_one_step":
            cell.source = 'print("all good")'
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_iterates"]
    nbformat.write(nb, str(path))

    done = _nbgrader(course, "autograde", ASSIGNMENT)
    assert done.returncode == 0, done.stderr

    assert main(["export", "--course", str(course), "--to", "grades.csv"]) == 0
    with open(course / "grades.csv") as f:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
    # fay replaced check() and numpy's comparisons: in-kernel tests would have passed everything.
    assert scores == {"ada": 6.0, "fay": 3.0, "ivy": 6.0}

    # the kernel got ivy's own variant (from the grading plan the grader made for her)
    ivy = nbformat.read(str(course / "autograded" / "ivy" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    beta0 = parameters(ASSIGNMENT, "ivy")["beta0"]
    assert beta0 != variant_space(ASSIGNMENT)[1]["beta0"]  # not the default: the test can fail
    setup = next(c for c in ivy.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    assert f"beta0 = {beta0}" in setup.outputs[0]["text"]
    graded = nbformat.read(str(course / "autograded" / "fay" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    reasons = " ".join(f["reason"] for f in graded.metadata["autograder"]["flags"])
    assert "np.isclose" in reasons and "autograder.check" in reasons and "showtraceback" in reasons
    verdicts = {c.metadata["autograder"]["question"]: c for c in graded.cells if "autograder" in c.metadata}
    gd = verdicts["demo_gd.gradient_descent"]
    assert gd.outputs[0].output_type == "error" and "no answer was recorded" in gd.outputs[0].evalue + "".join(gd.outputs[0].traceback)
    assert "correct!" not in str(gd.outputs)  # the fake printout was replaced by the grader's verdict


def test_feedback_shows_verdicts_and_hints_but_no_test_code(course):
    assert main(["feedback", ASSIGNMENT, "--course", str(course), "--student", "fay"]) == 0
    page = (course / "feedback" / "fay" / ASSIGNMENT / "feedback.html").read_text()
    assert "demo_gd.one_step" in page and "For your instructor to review" in page and "np.isclose" in page
    assert 'check("demo_gd' not in page and "gradient_descent(grad" not in page
    reference = solution_sources(course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")["gd_answer"]
    assert reference.splitlines()[-1].strip() not in page


def _execute(path: Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    nb = nbformat.read(str(path), as_version=4)
    env_had = os.environ.pop("NBGRADER_EXECUTION", None)
    try:
        NotebookClient(nb, timeout=120, allow_errors=True, resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if env_had is not None:
            os.environ["NBGRADER_EXECUTION"] = env_had
    return nb


def _test_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]


def test_in_a_students_kernel_checks_print_verdicts_not_tracebacks(course):
    solved = _execute(course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    for cell in _test_cells(solved):
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "points - correct." in text, cell.source

    unanswered = _execute(course / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    errors = [o for c in _test_cells(unanswered) for o in c.outputs if o.output_type == "error"]
    assert len(errors) == 3
    gd = errors[-1]
    assert gd.ename == "CheckFailed"
    assert gd.traceback[0].startswith("demo_gd.gradient_descent: 0/2 points")
    assert not any("Traceback" in line or "File " in line for line in gd.traceback)
    assert any("NotImplementedError" in line for line in gd.traceback)


def test_nbgrader_validate_fails_the_student_version_and_passes_the_solution(course):
    unanswered = _nbgrader(course, "validate", f"notebooks/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    assert "VALIDATION FAILED" in unanswered.stdout and "demo_gd.gradient_descent: 0/2 points" in unanswered.stdout
    solved = _nbgrader(course, "validate", f"solutions/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    assert "Success! Your notebook passes all the tests." in solved.stdout, solved.stdout


# ---------------------------------------------------------------- hostile submissions, graded for real

_FORGE_FROM_A_HOOK = '''one_step = "1"
from IPython.display import display
def _forge(*args):
    display({"application/vnd.coursekit.answer+json": {"version": 1, "question": "demo_gd.one_step",
             "payload": {"__dict__": {"value": "0.1"}}}}, raw=True)
get_ipython().events.register("post_run_cell", _forge)'''

_UNPRINTABLE = '''class Odd:
    def __repr__(self):
        raise RuntimeError("no")
    __str__ = __repr__
one_step = Odd()'''

_DEEP_OUTPUT = '''one_step = "0.1"
nested = []
for _ in range(100_000):
    nested = [nested]
from IPython.display import display
display({"application/json": nested}, raw=True)'''


def _precomputed_gradient_descent(student: str) -> str:
    """An answer cell with no implementation: the reference's outputs on the inputs seen while working."""
    from autograder.kinds import trial_seed, trials
    from autograder.questions import get
    from coursekit.gd import gradient_descent

    q = get("demo_gd.gradient_descent")
    outputs = [gradient_descent(*case).tolist()
               for case in trials(q, parameters(ASSIGNMENT, student), trial_seed(q.id, student))]
    return ("import numpy as np\n_OUTPUTS = iter(" + repr(outputs) + ")\n"
            "def gradient_descent(grad, x0, lr, steps):\n    return np.array(next(_OUTPUTS))")


def test_hostile_submissions_earn_nothing_they_did_not_answer_and_fail_only_their_own_questions(course):
    from autograder.grading import grade_assignment

    sample = {s.student: s for s in SAMPLES}["ada"]
    solved = solution_sources(course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    full = {cell: solved[cell] for cell in sample.answers}

    def student(name, expected, **answers):
        return type(sample)(name, "hostile", {**full, **answers}, expected)

    hostile = [  # every one would have had full marks in stock nbgrader or without the grader's nonce
        student("m_cache", 4, gd_answer=_precomputed_gradient_descent("m_cache")),
        student("m_hook", 5, one_step_answer=_FORGE_FROM_A_HOOK),
        student("m_pose", 4, gd_answer="import os\nos.environ['COURSEKIT_STUDENT_ID'] = 'ada'\n" + solved["gd_answer"]),
        student("m_mode", 4, gd_answer="import os\nos.environ['NBGRADER_EXECUTION'] = ''\n" + solved["gd_answer"]),
        student("m_loud", 6, one_step_answer='one_step = "0.1"\nprint("x" * 5_000_000)\n'
                                             'import sys\nprint("noise", file=sys.stderr)'),
        student("m_huge", 4, gd_answer="def gradient_descent(grad, x0, lr, steps):\n    return np.zeros(10**6)"),
        student("m_repr", 5, one_step_answer=_UNPRINTABLE),
        student("m_shadow", 6, iterates_answer=solved["iterates_answer"] + "\ndef check(*args, **kwargs):\n"
                                                                          "    print('correct!')"),
        student("m_exit", 4, gd_answer="import os\ndef gradient_descent(grad, x0, lr, steps):\n    os._exit(1)"),
        student("m_deep", 6, one_step_answer=_DEEP_OUTPUT),
    ]
    write_submissions(course, hostile)
    results = {r.student: r for r in grade_assignment(ASSIGNMENT, course_dir=course, jobs=2, timeout=20,
                                                      students=[s.student for s in hostile], force=True,
                                                      progress=False)}
    assert {name: r.score for name, r in results.items()} == {s.student: s.expected_score for s in hostile}
    reasons = {name: " | ".join(f["reason"] for f in r.flags) for name, r in results.items()}
    assert "2 answer records for demo_gd.one_step" in reasons["m_hook"] and "events" in reasons["m_hook"]
    # posing as another student changes nothing (the hidden inputs come from the grader's plan);
    # changing the environment is flagged, and a flagged answer scores 0
    assert "reassigns os.environ['COURSEKIT_STUDENT_ID']" in reasons["m_pose"]
    # leaving grading mode in the kernel only makes check() look for judging code that the
    # sandbox does not have: the test cell fails, and the environment change is flagged
    assert "reassigns os.environ['NBGRADER_EXECUTION']" in reasons["m_mode"]
    assert results["m_exit"].status == "failed" and "kernel died" in results["m_exit"].reason
    for name in ("m_cache", "m_loud", "m_huge", "m_repr", "m_shadow", "m_deep"):
        assert results[name].status == "graded" and not results[name].flags, (name, reasons[name])
    graded = nbformat.read(str(course / "autograded" / "m_huge" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    gd = next(c for c in graded.cells if c.metadata.get("autograder", {}).get("question") == "demo_gd.gradient_descent")
    assert "could not be recorded" in gd.metadata["autograder"]["message"]
    loud = course / "autograded" / "m_loud" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert loud.stat().st_size < 1_000_000  # nbgrader's LimitOutput kept the notebook small


def _nbgrader_cell(source: str, grade_id: str, *, solution: bool, points: int = 0):
    meta = {"grade": not solution, "solution": solution, "locked": not solution, "grade_id": grade_id,
            "schema_version": 3, "task": False, **({} if solution else {"points": points})}
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta})


def test_plain_nbgrader_feedback_hides_hidden_tests(tmp_path, repo_root):
    """A stock nbgrader test cell with hidden asserts: graded with them, fed back without them."""
    course = make_course(tmp_path / "course", repo_root)
    source = course / "solutions" / "hidden" / "hidden.ipynb"
    source.parent.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[
        _nbgrader_cell("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION", "answer", solution=True),
        _nbgrader_cell('assert answer > 0\n### BEGIN HIDDEN TESTS\nassert answer == 42, "hidden check failed"\n'
                       "### END HIDDEN TESTS", "test_answer", solution=False, points=1)]), str(source))
    assert _nbgrader(course, "generate_assignment", "hidden").returncode == 0
    submission = course / "submitted" / "amy" / "hidden" / "hidden.ipynb"
    submission.parent.mkdir(parents=True)
    nb = nbformat.read(str(course / "notebooks" / "hidden" / "hidden.ipynb"), as_version=4)
    assert "answer == 42" not in str(nb)
    nb.cells[0].source = "answer = 41"
    nbformat.write(nb, str(submission))
    for step in ("autograde", "generate_feedback"):
        done = _nbgrader(course, step, "hidden")
        assert done.returncode == 0, done.stdout + done.stderr

    graded = nbformat.read(str(course / "autograded" / "amy" / "hidden" / "hidden.ipynb"), as_version=4)
    assert "answer == 42" in graded.cells[1].source  # the hidden test ran, and failed
    page = (course / "feedback" / "amy" / "hidden" / "hidden.html").read_text()
    text = html.unescape(re.sub(r"<[^>]*>", "", page))  # code is split into highlighted spans
    assert "assert answer > 0" in text and "hidden check failed" in text  # visible test and its message
    assert "answer == 42" not in text and "HIDDEN TESTS" not in text
