"""Who is being graded, and the parameters of their variant of an assignment."""
from __future__ import annotations

from autograder import capture, record
from autograder.variants import current_student

__all__ = ["current_student", "parameters"]


def parameters(assignment: str, student: str | None = None) -> dict:
    """The variant parameters ``v`` of ``assignment`` for ``student``.

    Parameters
    ----------
    assignment : str
        An assignment with a module ``autograder/questions/<assignment>.py``.
    student : str, optional
        Defaults to :func:`current_student`; with no student the defaults
        are returned.

    Returns
    -------
    dict
        ``autograder.variants.draw(assignment, space, defaults, student, accept)``
        from the module's ``VARIANTS``; the reference functions of the
        assignment's questions receive the same dict.  While grading, the
        grading plan's copy (the grader drew it for this submission's
        student; the questions themselves are not in the sandbox).

    Examples
    --------
    >>> parameters("demo_gd", student=None)["beta0"]
    3.0
    """
    plan = capture.grading_plan()
    if plan is not None and plan.get("assignment") == assignment and student is None:
        return record.decode(plan["parameters"])
    from autograder import questions
    from autograder.variants import draw

    space, defaults = questions.variant_space(assignment)
    accept = questions.variant_accept(assignment)
    student = current_student() if student is None else student
    return dict(draw(assignment, space, defaults, student=student, accept=accept))
