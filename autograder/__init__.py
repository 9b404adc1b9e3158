"""autograder: nbgrader-based grading for the coursekit course.

Test cells call :func:`check`; notebooks draw their numbers with
:func:`parameters`.  Questions are declared in :mod:`autograder.questions`.
"""
from autograder.checks import CheckFailed, check
from autograder.student import current_student, parameters

__all__ = ["check", "CheckFailed", "parameters", "current_student"]
