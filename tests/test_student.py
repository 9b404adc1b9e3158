"""Who is graded and which variant of an assignment they get."""
import pytest

from autograder import current_student, parameters
from autograder.questions import UnknownQuestionError, variant_space
from autograder.variants import draw


def test_no_student_gets_the_defaults_and_they_are_not_the_lectures_start(monkeypatch):
    monkeypatch.delenv("COURSEKIT_STUDENT_ID", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    assert current_student() is None
    assert parameters("demo_gd") == variant_space("demo_gd")[1]
    assert parameters("demo_gd")["beta0"] != 4.0


def test_student_from_the_environment_gets_the_same_draw_as_the_grader(monkeypatch):
    space, defaults = variant_space("demo_gd")
    monkeypatch.setenv("COURSEKIT_STUDENT_ID", "fay")
    assert current_student() == "fay"
    assert parameters("demo_gd") == parameters("demo_gd", "fay") == draw("demo_gd", space, defaults, "fay")
    assert parameters("demo_gd")["beta0"] in space["beta0"]


def test_unknown_assignment_is_a_clear_error():
    with pytest.raises(UnknownQuestionError, match="autograder/questions/nope.py"):
        parameters("nope")


def test_a_variants_module_that_cannot_load_is_an_error_not_the_lecture_defaults(monkeypatch):
    import importlib
    import sys

    import autograder.student as student

    monkeypatch.setitem(sys.modules, "autograder.variants", None)   # importing it raises ImportError
    try:
        with pytest.raises(ImportError):
            importlib.reload(student)
            student.parameters("demo_gd", "fay")
    finally:
        monkeypatch.undo()
        importlib.reload(student)
