"""HTML feedback built from stored verdicts only: escaped, complete, no test code."""
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.feedback import render, write_feedback


def _autograded(tmp_path, student="ada", flags=(), folder="autograded"):
    cell = new_code_cell('check("a1.q", secret_reference_code())')
    cell.metadata["autograder"] = {"question": "a1.q", "score": 1.0, "max_score": 2.0, "correct": False,
                                   "mistake": "wrong_sign", "hint": "Check the sign.",
                                   "message": "a1.q: 1/2 points\n  not yet: <b>x</b>\n      hint: Check the sign."}
    nb = new_notebook(cells=[cell], metadata={"autograder": {"flags": list(flags), "student": student}})
    path = tmp_path / folder / student / "a1" / "nb1.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, str(path))
    return path


def test_page_shows_verdicts_totals_and_flags_escaped(tmp_path):
    _autograded(tmp_path, flags=[{"cell": "answer", "reason": "reassigns np.isclose <evil>"}])
    (page,) = write_feedback("a1", tmp_path)
    assert page == tmp_path / "feedback" / "ada" / "a1" / "feedback.html"
    html = page.read_text()
    assert "Score: <b>1</b> of 2 points" in html and "Check the sign." in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert "reassigns np.isclose &lt;evil&gt;" in html
    assert "secret_reference_code" not in html and "check(" not in html


def test_students_filter_and_nothing_graded_error(tmp_path):
    _autograded(tmp_path, "ada")
    _autograded(tmp_path, "ben")
    assert [p.parts[-3] for p in write_feedback("a1", tmp_path, students=["ben"])] == ["ben"]
    with pytest.raises(FileNotFoundError, match="autograder grade a2"):
        write_feedback("a2", tmp_path)


def test_failed_submission_page_uses_the_log():
    html = render("gus", "a1", {}, {"status": "failed", "reason": "not valid JSON", "score": 0, "max_score": 6})
    assert "could not be graded completely (failed): not valid JSON" in html and "of 6 points" in html


def test_the_graders_own_errors_are_not_shown_to_the_student(tmp_path):
    _autograded(tmp_path, flags=[{"cell": "t1", "reason": "grader error judging a1.q: AssertionError('expected 0.3')",
                                  "internal": True},
                                 {"cell": "answer", "reason": "reassigns np.isclose"}])
    (page,) = write_feedback("a1", tmp_path)
    html = page.read_text()
    assert "0.3" not in html and "your instructor has the details" in html and "reassigns np.isclose" in html


def test_feedback_without_the_grading_logs_module_is_an_error_not_pages_without_logs(tmp_path, monkeypatch):
    _autograded(tmp_path)
    monkeypatch.setitem(sys.modules, "autograder.grading", None)   # importing it raises ImportError
    with pytest.raises(ImportError):
        write_feedback("a1", tmp_path)


def test_the_course_configured_folders_are_read_and_written(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.autograded_directory = 'graded'\n"
        "c.CourseDirectory.feedback_directory = 'returned'\n")
    _autograded(tmp_path, folder="graded")
    (page,) = write_feedback("a1", tmp_path)
    assert page == tmp_path / "returned" / "ada" / "a1" / "feedback.html"
    assert "Check the sign." in page.read_text()
