"""ScoreRecordedAnswers on hand-made executed notebooks: verdicts from records only."""
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.utils import determine_grade

from autograder import preprocessors
from autograder.cells import checked_questions
from autograder.checks import answer_record
from autograder.preprocessors import (
    HideHiddenTests,
    ScoreRecordedAnswers,
    StudentEnvironment,
    autograde_preprocessors,
    feedback_preprocessors,
)
from autograder.questions import QuestionSet
from autograder.record import MIME

QUESTIONS = QuestionSet()  # registered for each test only (tests/conftest.py)


@QUESTIONS.question("unit_pp.vector", kind="array", points=2, rtol=1e-9)
def _vector(v):
    return {"first": np.array([1.0, 2.0]), "second": np.array([3.0])}


@QUESTIONS.question("unit_pp.scalar", kind="number")
def _scalar(v):
    return 0.3


def _test_cell(source, outputs, points=2, grade_id="test"):
    meta = {"nbgrader": {"grade": True, "solution": False, "locked": True, "points": points,
                         "grade_id": grade_id, "schema_version": 3, "task": False}}
    cell = new_code_cell(source, metadata=meta, execution_count=3)
    cell.outputs = outputs
    return cell


def _record_output(qid, answer):
    return new_output("display_data", data={MIME: answer_record(qid, answer), "text/plain": "recorded"})


def _score(*cells, student="s1", assignment="unit_pp"):
    nb = new_notebook(cells=list(cells))
    nb, _ = ScoreRecordedAnswers().preprocess(nb, {"nbgrader": {"student": student, "assignment": assignment}})
    return nb


def test_correct_record_gets_full_points_as_nbgrader_sees_them():
    nb = _score(_test_cell('check("unit_pp.vector", x)',
                           [_record_output("unit_pp.vector", {"first": [1, 2], "second": [3]})]))
    cell = nb.cells[0]
    assert determine_grade(cell) == (2.0, 2.0)
    assert cell.metadata["autograder"]["correct"] is True
    assert nb.metadata["autograder"] == {"student": "s1", "assignment": "unit_pp", "flags": [],
                                         "withheld_cells": [], "score": 2.0, "max_score": 2.0}


def test_cells_stopped_by_withheld_course_code_are_listed_for_the_feedback():
    stopped = new_code_cell("gd.gradient_descent(f, 1, 0.1, 3)", outputs=[new_output(
        "error", ename="WithheldWhileGrading", evalue="coursekit.gd.gradient_descent is not "
        "available while this notebook is graded", traceback=[])])
    nb = _score(stopped, _test_cell('check("unit_pp.scalar", x)', [_record_output("unit_pp.scalar", 0.3)],
                                    points=1))
    assert nb.metadata["autograder"]["withheld_cells"] == ["#1"]


def test_partial_record_gets_partial_credit_via_execute_result():
    nb = _score(_test_cell('check("unit_pp.vector", x)',
                           [_record_output("unit_pp.vector", {"first": [1, 2], "second": [4]})]))
    assert determine_grade(nb.cells[0]) == (1.0, 2.0)
    meta = nb.cells[0].metadata["autograder"]
    assert set(meta) >= {"question", "score", "max_score", "correct", "mistake", "hint", "message"}
    assert meta["score"] == 1.0 and meta["correct"] is False


def test_in_kernel_success_output_is_ignored_without_a_valid_record():
    fake = [new_output("stream", name="stdout", text="unit_pp.scalar: 1/1 points - correct.\n"),
            new_output("execute_result", data={"text/plain": "1.0"}, execution_count=3)]
    nb = _score(_test_cell('check("unit_pp.scalar", x)', fake, points=1))
    assert determine_grade(nb.cells[0]) == (0, 1.0)
    assert "no answer was recorded" in nb.cells[0].metadata["autograder"]["message"]


def test_missing_answer_reports_the_kernel_error_and_scores_zero():
    err = new_output("error", ename="NameError", evalue="name 'x' is not defined", traceback=[])
    nb = _score(_test_cell('check("unit_pp.scalar", x)', [err], points=1))
    assert determine_grade(nb.cells[0]) == (0, 1.0)
    assert "name 'x' is not defined" in nb.cells[0].outputs[0]["traceback"][1]


def test_record_for_another_question_or_duplicates_earn_nothing_and_are_flagged():
    other = _record_output("unit_pp.scalar", 0.3)
    nb = _score(_test_cell('check("unit_pp.vector", x)', [other]))
    assert determine_grade(nb.cells[0])[0] == 0
    twice = [_record_output("unit_pp.scalar", 0.3)] * 2
    nb = _score(_test_cell('check("unit_pp.scalar", x)', twice, points=1))
    assert determine_grade(nb.cells[0])[0] == 0
    assert "2 answer records" in nb.metadata["autograder"]["flags"][0]["reason"]


def test_malformed_or_hostile_records_are_data_errors_not_crashes():
    for data in [{"version": 1, "question": "unit_pp.scalar", "payload": {"__pickle__": "gASV"}},
                 {"version": 1, "question": "unit_pp.scalar", "payload": "not a dict"},
                 "not even an object"]:
        out = new_output("display_data", data={MIME: data})
        nb = _score(_test_cell('check("unit_pp.scalar", x)', [out], points=1))
        assert determine_grade(nb.cells[0])[0] == 0
        assert nb.metadata["autograder"]["flags"], data


@QUESTIONS.question("unit_pp.broken", kind="number")
def _broken(v):
    raise RuntimeError("reference module missing")


def test_a_broken_reference_scores_zero_flags_it_and_spares_the_other_cells():
    nb = _score(_test_cell('check("unit_pp.broken", x)', [_record_output("unit_pp.broken", 1.0)], points=1,
                           grade_id="t1"),
                _test_cell('check("unit_pp.scalar", x)', [_record_output("unit_pp.scalar", 0.3)], points=1,
                           grade_id="t2"))
    assert determine_grade(nb.cells[0])[0] == 0 and determine_grade(nb.cells[1])[0] == 1.0
    (flag,) = nb.metadata["autograder"]["flags"]
    assert flag["cell"] == "t1" and "reference module missing" in flag["reason"] and flag["internal"]


def test_scores_scale_to_the_cell_points_and_combine_several_checks():
    outs = [_record_output("unit_pp.scalar", 0.3),
            _record_output("unit_pp.vector", {"first": [0, 0], "second": [0]})]
    nb = _score(_test_cell('check("unit_pp.scalar", a)\ncheck("unit_pp.vector", b)', outs, points=6))
    # 1 of 3 question points right -> 2 of the cell's 6
    assert determine_grade(nb.cells[0]) == (2.0, 6.0)
    assert nb.cells[0].metadata["autograder"]["question"] == "unit_pp.scalar,unit_pp.vector"


def test_plain_nbgrader_test_cells_are_left_alone():
    out = [new_output("stream", name="stdout", text="ok\n")]
    nb = _score(_test_cell("assert 1 + 1 == 2", out))
    assert nb.cells[0].outputs == out and "autograder" not in nb.cells[0].metadata


def test_checked_questions_reads_literal_ids_only():
    assert checked_questions('from autograder import check\ncheck("a.b", x)\nautograder.check("a.c", y)') == ["a.b", "a.c"]
    assert checked_questions("check(name, x)") == [] and checked_questions("def (") == []


def test_student_environment_plans_the_student_without_touching_this_process_environment(
        monkeypatch):
    monkeypatch.delenv("COURSEKIT_STUDENT_ID", raising=False)
    before = dict(os.environ)
    _, resources = StudentEnvironment().preprocess(
        new_notebook(), {"nbgrader": {"student": "ada", "assignment": "unit_pp"}})
    assert dict(os.environ) == before
    plan = resources["autograder"]["plan"]
    assert (plan["student"], plan["assignment"]) == ("ada", "unit_pp")
    assert plan["questions"]["unit_pp.scalar"] == {"kind": "number"}


def test_a_kernel_gets_only_its_own_environment_with_one_blas_thread_unless_the_instructor_chose(
        monkeypatch):
    from autograder.grading.execute import kernel_environment

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "4")
    monkeypatch.setenv("GRADER_SECRET", "s3cret")
    env = kernel_environment("ada")
    assert (env["OMP_NUM_THREADS"], env["OPENBLAS_NUM_THREADS"], env["MKL_NUM_THREADS"]) == (
        "1", "1", "4")
    assert (env["COURSEKIT_STUDENT_ID"], env["NBGRADER_EXECUTION"]) == ("ada", "autograde")
    assert "GRADER_SECRET" not in env and "s3cret" not in env.values()


def test_execute_is_replaced_by_the_sandboxed_one_with_the_scoring_around_it():
    from nbgrader.preprocessors import Execute, SaveAutoGrades

    from autograder.grading.execute import SandboxedExecute

    steps = autograde_preprocessors()
    at = steps.index(SandboxedExecute)
    assert Execute not in steps
    assert steps[at - 1] is StudentEnvironment and steps[at + 1] is ScoreRecordedAnswers
    assert steps.index(ScoreRecordedAnswers) < steps.index(SaveAutoGrades)
    with pytest.raises(ValueError, match="no Execute"):
        autograde_preprocessors([SaveAutoGrades])


def test_flagged_answers_score_zero_unless_the_instructor_keeps_their_points():
    answer = new_code_cell("import numpy as np\nnp.isclose = lambda *a, **k: True\nx = 0.3",
                           metadata={"nbgrader": {"grade": False, "solution": True, "locked": False,
                                                  "grade_id": "answer", "schema_version": 3, "task": False}})

    def run(**config):
        test = _test_cell('check("unit_pp.scalar", x)', [_record_output("unit_pp.scalar", 0.3)], points=1)
        nb = new_notebook(cells=[answer, test])
        nb, _ = ScoreRecordedAnswers(**config).preprocess(nb, {"nbgrader": {"student": "s", "assignment": "unit_pp"}})
        return nb

    flagged = run()
    assert determine_grade(flagged.cells[1])[0] == 0
    (flag,) = flagged.metadata["autograder"]["flags"]
    assert flag["questions"] == ["unit_pp.scalar"] and "np.isclose" in flag["reason"]
    assert determine_grade(run(zero_flagged=False).cells[1])[0] == 1.0


def test_a_test_cell_that_ran_cleanly_without_a_record_is_flagged():
    printed = [new_output("stream", name="stdout", text="unit_pp.scalar: 1/1 points - correct.\n")]
    nb = _score(_test_cell('check("unit_pp.scalar", x)', printed, points=1, grade_id="t"))
    (flag,) = nb.metadata["autograder"]["flags"]
    assert flag["cell"] == "t" and "recorded no answer" in flag["reason"]
    err = new_output("error", ename="NameError", evalue="name 'x' is not defined", traceback=[])
    assert _score(_test_cell('check("unit_pp.scalar", x)', [err], points=1)).metadata["autograder"]["flags"] == []


def _double_inputs(rng, v):
    return [(rng.normal(size=3),) for _ in range(2)]


@QUESTIONS.question("unit_pp.double", kind="function", inputs=_double_inputs)
def _double(v):
    return lambda x: 2 * x


def test_student_environment_draws_a_fresh_nonce_and_the_expected_answers():
    runs = [StudentEnvironment().preprocess(new_notebook(), {"nbgrader": {"student": "ada", "assignment": "unit_pp"}})[1]
            for _ in range(2)]
    first, second = (r["autograder"] for r in runs)
    assert first["nonce"] != second["nonce"] and second["nonce"] not in os.environ.values()
    assert first["expected"]["unit_pp.scalar"].reference == 0.3
    assert "unit_pp.broken" not in first["expected"]  # a broken reference is judged (and reported) later
    x = first["expected"]["unit_pp.double"].cases[0][0]
    np.testing.assert_array_equal(first["expected"]["unit_pp.double"].reference[0], 2 * x)


def test_the_kernel_records_on_this_runs_hidden_inputs_from_the_plan_alone(monkeypatch, tmp_path):
    from autograder import capture

    resources = {"nbgrader": {"student": "ada", "assignment": "unit_pp"}}
    stale = _test_cell('check("unit_pp.double", f)', [_record_output("unit_pp.double", lambda x: 2 * x)],
                       points=1, grade_id="t2")  # made while working, before grading
    _, resources = StudentEnvironment().preprocess(new_notebook(), resources)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(resources["autograder"]["plan"]))
    monkeypatch.setenv(capture.PLAN_ENV, str(plan))
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    capture._PLAN.clear()
    good = _test_cell('check("unit_pp.double", f)', [_record_output("unit_pp.double", lambda x: 2 * x)], points=1)
    nb, _ = ScoreRecordedAnswers().preprocess(new_notebook(cells=[good, stale]), resources)
    assert determine_grade(nb.cells[0])[0] == 1.0 and determine_grade(nb.cells[1])[0] == 0
    (flag,) = nb.metadata["autograder"]["flags"]
    assert flag["cell"] == "t2" and "other hidden inputs" in flag["reason"]


def test_code_fingerprint_sees_changed_loaded_modules_and_new_startup_files(tmp_path, monkeypatch):
    import importlib

    from autograder import preprocessors

    package = tmp_path / "fakecourse"
    package.mkdir()
    (package / "__init__.py").write_text("REFERENCE = 1\n")
    (package / "unused.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(preprocessors, "_CODE_PACKAGES", ("fakecourse",))
    monkeypatch.setattr(preprocessors, "_WHOLE_PACKAGES", ())
    monkeypatch.setattr(preprocessors.site, "getsitepackages", lambda: [str(tmp_path)])
    monkeypatch.delitem(sys.modules, "fakecourse", raising=False)
    importlib.import_module("fakecourse")
    before = preprocessors.code_fingerprint()
    assert list(before) == [str(package / "__init__.py")]  # what the grader loaded, not every file
    (package / "__init__.py").write_text("REFERENCE = 2\n")
    (package / "unused.py").write_text("print('never imported by the grader')")
    (tmp_path / "evil.pth").write_text("import os\n")
    changed = preprocessors.changed_files(before, preprocessors.code_fingerprint())
    assert changed == sorted([str(package / "__init__.py"), str(tmp_path / "evil.pth")])
    monkeypatch.delitem(sys.modules, "fakecourse")


def test_the_courses_own_packages_are_fingerprinted_whole_so_a_first_import_is_no_change(tmp_path,
                                                                                       monkeypatch):
    import importlib

    from autograder import preprocessors

    package = tmp_path / "fakekit"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "later.py").write_text("VALUE = 1\n")
    (package / "data" / "labels.csv").write_text("1,2,3\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(preprocessors, "_CODE_PACKAGES", ("fakekit",))
    monkeypatch.setattr(preprocessors, "_WHOLE_PACKAGES", ("fakekit",))
    monkeypatch.setattr(preprocessors.site, "getsitepackages", lambda: [])
    monkeypatch.delitem(sys.modules, "fakekit", raising=False)
    importlib.import_module("fakekit")
    before = preprocessors.code_fingerprint()
    assert str(package / "later.py") in before and str(package / "data" / "labels.csv") in before
    importlib.import_module("fakekit.later")   # first imported while a kernel runs
    assert preprocessors.changed_files(before, preprocessors.code_fingerprint()) == []
    (package / "data" / "labels.csv").write_text("3,2,1\n")
    (package / "planted.py").write_text("")
    changed = preprocessors.changed_files(before, preprocessors.code_fingerprint())
    assert changed == sorted([str(package / "data" / "labels.csv"), str(package / "planted.py")])
    monkeypatch.delitem(sys.modules, "fakekit.later")
    monkeypatch.delitem(sys.modules, "fakekit")


def test_a_run_that_changed_the_grader_code_is_flagged_and_judged_only_by_prior_expectations():
    import autograder.questions
    from autograder.kinds import Expected

    before = preprocessors.code_fingerprint()
    touched = str(Path(autograder.questions.__file__))
    before[touched] = "0" * 64  # as if the file had other content when the run started
    resources = {"nbgrader": {"student": "s1", "assignment": "unit_pp"},
                 "autograder": {"code": before, "expected": {"unit_pp.scalar": Expected(0.3, {})}}}
    prepared = _test_cell('check("unit_pp.scalar", x)', [_record_output("unit_pp.scalar", 0.3)], points=1,
                          grade_id="t1")
    unprepared = _test_cell('check("unit_pp.vector", x)',
                            [_record_output("unit_pp.vector", {"first": [1, 2], "second": [3]})], grade_id="t2")
    nb, _ = ScoreRecordedAnswers().preprocess(new_notebook(cells=[prepared, unprepared]), resources)
    assert determine_grade(nb.cells[0])[0] == 1.0 and determine_grade(nb.cells[1])[0] == 0
    (flag,) = nb.metadata["autograder"]["flags"]
    assert "changed on disk" in flag["reason"] and f"(1 file: {touched})" in flag["reason"]


def test_megabytes_of_output_are_cut_in_answer_cells_but_records_in_test_cells_are_read_whole():
    answer = new_code_cell("print('x' * 5_000_000)", metadata={"nbgrader": {
        "grade": False, "solution": True, "locked": False, "grade_id": "a", "schema_version": 3, "task": False}})
    answer.outputs = [new_output("stream", name="stdout", text="x" * 5_000_000),
                      new_output("display_data", data={"text/plain": "y" * 300_000}),
                      *[new_output("stream", name="stderr", text="z" * 1000) for _ in range(500)]]
    big = np.linspace(0.0, 1.0, 20_000)  # a legitimate large answer: its record is ~400 kB of JSON

    @QUESTIONS.question("unit_pp.big", kind="array", rtol=1e-12)
    def _big(v):
        return np.linspace(0.0, 1.0, 20_000)

    test = _test_cell('check("unit_pp.big", x)', [_record_output("unit_pp.big", big)], points=1)
    nb = _score(answer, test)
    assert sum(len(str(o)) for o in nb.cells[0].outputs) < 250_000
    assert "output cut" in nb.cells[0].outputs[0]["text"] and nb.cells[0].outputs[-1]["text"].startswith("... further")
    assert determine_grade(nb.cells[1])[0] == 1.0


_HIDDEN = 'assert answer > 0\n### BEGIN HIDDEN TESTS\nassert answer == 42, "not the answer"\n### END HIDDEN TESTS'


def test_feedback_pages_lose_hidden_tests_and_the_tracebacks_quoting_them():
    error = new_output("error", ename="AssertionError", evalue="not the answer",
                       traceback=["----> 3 assert answer == 42, \"not the answer\"", "AssertionError: not the answer"])
    plain = _test_cell(_HIDDEN, [error])
    scored = _test_cell('check("unit_pp.scalar", x)\n### BEGIN HIDDEN TESTS\ncheck("unit_pp.hidden", x)\n'
                        "### END HIDDEN TESTS", [new_output("error", ename="WrongAnswer", evalue="unit_pp.scalar",
                                                            traceback=["unit_pp.scalar: 0/2 points", "  hint: ..."])])
    scored.metadata["autograder"] = {"question": "unit_pp.scalar"}
    visible = _test_cell("assert answer > 0", [new_output("error", ename="AssertionError", evalue="",
                                                             traceback=["----> 1 assert answer > 0", "AssertionError"])])
    nb, _ = HideHiddenTests().preprocess(new_notebook(cells=[plain, scored, visible]), {})
    assert nb.cells[0].source == "assert answer > 0" and "42" not in str(nb.cells[0].outputs)
    assert nb.cells[0].outputs[0].traceback == ["AssertionError: not the answer"]
    assert "hidden" not in nb.cells[1].source and nb.cells[1].outputs[0].traceback[1] == "  hint: ..."
    assert nb.cells[2].outputs[0].traceback[0] == "----> 1 assert answer > 0"  # nothing hidden there


def test_feedback_preprocessors_insert_the_hiding_step_after_reading_the_grades():
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades

    assert feedback_preprocessors() == [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
    assert feedback_preprocessors([GetGrades, ClearHiddenTests]) == [GetGrades, HideHiddenTests]
