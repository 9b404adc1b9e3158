"""What an assignment keeps from the grading sandbox: reference code and answers in data.

An answer key (``autograder/questions/<assignment>.py``) may declare

* ``WITHHELD``: coursekit modules or members that implement what its questions ask for;
* ``WITHHELD_DATA``: coursekit data files whose sandbox copy is rewritten, e.g. without the
  labels of the images the grader holds back.

:func:`autograder.grading.runtime.build_runtime` reads both through this module when it
writes the sandbox's copy of the course code.
"""
from __future__ import annotations

import re

from autograder.questions import assignment_module

__all__ = ["withheld", "withheld_data"]


def withheld(assignment: str) -> tuple[str, ...]:
    """The course code absent from the sandbox while ``assignment`` is graded.

    A module's ``WITHHELD`` tuple names the reference implementations of what
    its questions ask for: coursekit modules (``"coursekit.gd"``) or single
    names in them (``"coursekit.linear.ridge"``).  The grading sandbox gets a
    copy of coursekit without them (see :mod:`autograder.grading.runtime`), so
    an answer that reaches them, by any route, finds nothing to call.

    Raises
    ------
    ValueError
        If an entry is not a dotted name inside ``coursekit``.
    """
    module = assignment_module(assignment)
    names = tuple(getattr(module, "WITHHELD", ()) or ())
    bad = [n for n in names if not (isinstance(n, str) and re.fullmatch(r"coursekit(\.\w+)+", n))]
    if bad:
        raise ValueError(f"WITHHELD of {assignment!r} must name coursekit modules or their "
                         f"members, e.g. 'coursekit.gd'; got {bad}")
    return names


def withheld_data(assignment: str) -> dict:
    """Data files of coursekit that the sandbox gets rewritten while ``assignment`` is graded.

    A module's ``WITHHELD_DATA`` maps a path inside the ``coursekit`` package
    (``"datasets/digits.csv.gz"``) to a function that rewrites the sandbox's copy of
    that file in place, e.g. without the labels of the images the grader holds back
    (see :mod:`autograder.grading.runtime`).

    Raises
    ------
    ValueError
        If a key is not a relative path inside coursekit or a value is not callable.
    """
    module = assignment_module(assignment)
    data = dict(getattr(module, "WITHHELD_DATA", {}) or {})
    bad = [k for k, f in data.items() if not (isinstance(k, str) and k and not k.startswith("/")
                                              and ".." not in k.split("/") and callable(f))]
    if bad:
        raise ValueError(f"WITHHELD_DATA of {assignment!r} must map paths inside coursekit, e.g. "
                         f"'datasets/digits.csv.gz', to functions that rewrite them; got {bad}")
    return data
