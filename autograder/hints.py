"""Hints in tiers: a nudge towards the idea first, the rule after repeated wrong attempts.

A hint is either one text or a tuple of texts, its *tiers*, from the nudge to
the rule or formula that applies.  No tier ever holds the expected value, a
line of the solution's code or the finished derivation
(``tests/test_hints.py`` walks every question of the course to make sure).

Which tier is shown
-------------------
* In the student's kernel, :func:`autograder.check` counts the wrong attempts
  at each question in this session (:func:`count_wrong_attempt`).  The first
  :data:`ATTEMPTS_PER_TIER` wrong attempts show tier 1, the next ones tier 2,
  and so on up to the last tier.  A correct answer does not reset the count.
* While grading, and in the feedback and the report built from it, the
  verdict shows the **last** tier: a graded answer cannot be tried again, so
  the rule is what the student learns from.  This is the default of
  :func:`hint_for`, so the grader's verdicts need no attempt count.

Where a hint comes from
-----------------------
:func:`tiers` looks, in order, at the question's ``hints[tag]``, the generic
hints of :func:`generic` (mistakes recognised for every question, and the
derivative mistakes that :mod:`coursekit.symbolic` diagnoses, with its tiers),
and the question's ``hints["default"]``.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from autograder.mistakes import DERIVATIVE

if TYPE_CHECKING:  # only for annotations: the registry imports this module
    from autograder.questions import Question
    from autograder.verdict import Verdict

#: Wrong attempts at a question before the next tier is shown.
ATTEMPTS_PER_TIER = 2

_WRITING = "Write the expression with *, ** and functions like exp(x), using only the allowed variables."

#: Tag -> tiers of the hints for mistakes recognised for every question.
GENERIC: dict[str, tuple[str, ...]] = {  # keyed by the members of Mistake outside DERIVATIVE
    "timeout": ("Check that every loop ends: its counter must change, or its condition become false.",),
    "missing": ("Fill in your answer where the notebook says so, then run the cell.",),
    "not_implemented": ("Replace `raise NotImplementedError` with your solution.",),
    "raised": ("Run your code on a small example and read the traceback.",),
    "wrong_type": ("Check what your answer is: print(type(answer)).",),
    "wrong_shape": ("Compare the shape of your answer with the one asked for.",
                    "print(np.shape(answer)) and compare it with the shape the question asks for: "
                    "how many rows, how many columns, and what each one holds."),
    "transposed": ("Your array has the right values in transposed order: check the axis order.",),
    "wrong_sign": ("Your answer has the right size but the opposite sign.",
                   "Your answer has the right size but the opposite sign: descent moves against the "
                   "gradient, and a difference such as prediction minus target has a fixed order."),
    "not_finite": ("Your answer contains NaN or infinity: the values diverged or divided by zero.",),
    "all_zero": ("Your result is all zeros: is some part of it never filled in?",
                 "Your result is all zeros: is a gradient (e.g. the bias gradient, a sum of the "
                 "upstream gradient over the batch) or a result never filled in?"),
    "rounded": ("Your answer is the expected value rounded to a few significant digits: give more digits "
                "(use the computed value itself, not a rounded copy).",),
    "scaled": ("Your answer is off by a constant factor: which factor could you have lost or added?",
               "Your answer is off by a constant factor. The usual suspects: a factor two (from the "
               "square of a squared loss, or the half in front of it), the batch size ℓ (a sum where "
               "a mean is asked, or back), a percentage, or the learning rate applied twice."),
    "at_zero": ("Your result is right everywhere except where the input is exactly zero: what does the "
                "lecture's convention say there?",
                "The lecture's convention decides at zero: ReLU gives 0 at 0 and its derivative at 0 is "
                "0, so let the gradient through only where x > 0 (not x >= 0)."),
    "not_an_option": ("Answer with one of the options, exactly as written.",),
    "wrong_keys": ("Give an answer for every part, under the keys the notebook uses.",),
    "bad_record": ("Run the notebook from the top as handed out, without changing the test cells or "
                   "replacing check().",),
    "other_inputs": ("Run the notebook from the top as handed out, without changing who you are "
                     "(COURSEKIT_STUDENT_ID) or how it is graded.",),
    "unreadable": (_WRITING,),
    "flagged": ("This answer was set aside: the grader's checks flagged how it was reached. Solve it "
                "with your own code, and run the notebook as handed out.",),
    "gradient_length": ("Give one derivative per variable, as a list.",),
}


def as_tiers(hint: str | tuple | list) -> tuple[str, ...]:
    """A hint as its tuple of tiers (one text is one tier).

    Raises
    ------
    ValueError
        If ``hint`` is neither a non-empty text nor a non-empty sequence of them.
    """
    tiers = (hint,) if isinstance(hint, str) else tuple(hint) if isinstance(hint, (tuple, list)) else ()
    if not tiers or not all(isinstance(t, str) and t for t in tiers):
        raise ValueError(f"a hint is a text or a tuple of texts (nudge, ..., rule), got {hint!r}")
    return tiers


def generic(tag: str | None) -> tuple[str, ...]:
    """The generic tiers of ``tag``, empty if it has none.

    :data:`GENERIC`'s; for a derivative mistake (:data:`autograder.mistakes.DERIVATIVE`) the
    tiers of :mod:`coursekit.symbolic.hints`, the ones the derivative checker shows too
    (imported on first need: they come with sympy).
    """
    if tag in GENERIC:
        return GENERIC[tag]
    if tag in DERIVATIVE:
        from coursekit.symbolic.hints import TIERS

        return TIERS[tag]
    return ()


def tiers(q: Question, tag: str | None) -> tuple[str, ...]:
    """The tiers of the hint for ``tag``: the question's, else the generic one, else the question's default."""
    if tag is not None and tag in q.hints:
        return as_tiers(q.hints[tag])
    if generic(tag):
        return generic(tag)
    return as_tiers(q.hints["default"]) if "default" in q.hints else ()


def hint_for(q: Question, tag: str | None, tier: int | None = None) -> str:
    """The hint for ``tag`` at ``tier`` (1 = the nudge; None = the last tier, the rule).

    A tier beyond the last gives the last.
    """
    found = tiers(q, tag)
    if not found:
        return ""
    return found[-1] if tier is None else found[min(max(int(tier), 1), len(found)) - 1]


def tier_after(wrong_attempts: int) -> int:
    """The tier shown at the ``wrong_attempts``-th wrong attempt (1 for the first :data:`ATTEMPTS_PER_TIER`)."""
    return 1 + max(int(wrong_attempts) - 1, 0) // ATTEMPTS_PER_TIER


_WRONG_ATTEMPTS: dict[str, int] = {}   # question id -> wrong attempts in this session
_NOT_ATTEMPTS = ("missing", "not_implemented")   # running a cell not yet answered is no attempt


def count_wrong_attempt(question_id: str) -> int:
    """Count one more wrong attempt at ``question_id`` in this session; return the count."""
    _WRONG_ATTEMPTS[question_id] = _WRONG_ATTEMPTS.get(question_id, 0) + 1
    return _WRONG_ATTEMPTS[question_id]


def reset_attempts() -> None:
    """Forget every attempt counted in this session."""
    _WRONG_ATTEMPTS.clear()


def at_tier(verdict: Verdict, q: Question, tier: int | None) -> Verdict:
    """``verdict`` on question ``q`` with the hint of every wrong part at ``tier`` (see :func:`hint_for`)."""
    parts = tuple(p if p.correct else replace(p, hint=hint_for(q, p.mistake, tier)) for p in verdict.parts)
    return replace(verdict, parts=parts)


def in_session(verdict: Verdict, q: Question) -> Verdict:
    """The verdict a student sees in the kernel: a wrong one counts an attempt and gets that attempt's tier."""
    if verdict.correct or verdict.mistake in _NOT_ATTEMPTS:
        return verdict
    return at_tier(verdict, q, tier_after(count_wrong_attempt(verdict.question)))
