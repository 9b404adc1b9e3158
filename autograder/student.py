"""Who is being graded, and the parameters of their variant of an assignment."""
from __future__ import annotations

from autograder.variants import current_student, draw

__all__ = ["current_student", "parameters"]


def parameters(assignment: str, student: str | None = None) -> dict:
    """The variant parameters ``v`` of ``assignment`` for ``student``.

    Parameters
    ----------
    assignment : str
        An assignment with a module ``autograder/questions/<assignment>.py``.
    student : str, optional
        Defaults to :func:`current_student` (``COURSEKIT_STUDENT_ID``, which
        the grader sets for each submission's kernel, else
        ``JUPYTERHUB_USER``); with no student the defaults (the lecture's
        numbers) are returned.

    Returns
    -------
    dict
        ``autograder.variants.draw(assignment, space, defaults, student)``
        from the module's ``VARIANTS``; the reference functions of the
        assignment's questions receive the same dict.

    Examples
    --------
    >>> parameters("demo_gd", student=None)["beta0"]
    4.0
    """
    from autograder import questions

    space, defaults = questions.variant_space(assignment)
    student = current_student() if student is None else student
    return dict(draw(assignment, space, defaults, student=student))
