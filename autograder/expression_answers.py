"""Judging expression answers: equivalence and derivative checks through :mod:`coursekit.symbolic`.

Answers are parsed by coursekit's allow-list parser (never evaluated) and compared with the
time limits it promises; a diagnosed derivative mistake gives only its tag, and the hint comes
from the question's tiers (:mod:`autograder.hints`).
"""
from __future__ import annotations

from typing import Any

from autograder.hints import hint_for
from autograder.numeric import describe
from autograder.questions import Question
from autograder.verdict import Part


def compare_expression(q: Question, name: str, answer: Any, expected: Any, mistakes: dict) -> Part:
    from coursekit.symbolic import ParseError, parse

    if not isinstance(answer, str):
        return Part(name, False, f"expected an expression (text or sympy); you gave {describe(answer)}",
                    "wrong_type", hint_for(q, "wrong_type"))
    try:
        parse(answer, _expression_symbols(q))
    except ParseError as error:     # its message names the bad part (an unknown name and the allowed ones...)
        return Part(name, False, f"{answer!r}: cannot read it: {error}", "unreadable",
                    hint_for(q, "unreadable"))
    if q.derivative_of is not None:
        result, reason, tag = _derivative_outcome(q, answer)
    else:
        result, reason, tag = _equivalence_outcome(q, answer, expected)
    if result == "yes":
        return Part(name, True)
    declared = _declared_expression_mistake(q, answer, mistakes)
    if declared is not None:
        return Part(name, False, f"{answer!r} is not the expected expression", declared,
                    hint_for(q, declared))
    if result == "undecided":
        message = f"could not confirm that {answer!r} is correct: {reason}"
    elif tag:  # a diagnosed derivative mistake: its hint tiers name the rule, not the answer
        message = f"{answer!r} is not the expected expression"
    else:
        message = f"{answer!r} is not equivalent to the expected expression ({reason})"
    return Part(name, False, message, tag, hint_for(q, tag))


def _expression_symbols(q: Question) -> tuple:
    """The variables an answer may use: the question's, or for a derivative question the
    function's variables and the one it is differentiated by (as check_derivative reads them)."""
    if q.derivative_of is None:
        return tuple(q.symbols)
    from coursekit.symbolic import parse

    function, wrt = q.derivative_of
    return tuple(sorted({s.name for s in parse(function, symbols=None).free_symbols} | {str(wrt)}))


def _derivative_outcome(q: Question, answer: str) -> tuple[str, str, str | None]:
    """(result, reason, mistake tag) from :func:`coursekit.symbolic.check_derivative`.

    The diagnosis's own sentence can come close to the answer, so only its tag is kept:
    the hint comes from the question's tiers (:mod:`autograder.hints`).
    """
    from coursekit.symbolic import check_derivative

    assert q.derivative_of is not None  # only derivative questions come here
    function, wrt = q.derivative_of
    verdict = check_derivative(function, answer, wrt=wrt)
    if verdict.correct:
        return "yes", verdict.feedback, None
    if verdict.mistake is None:  # no typical mistake recognised: its feedback names df/dx's value
        return "no", f"your answer differs from the derivative{_at_point(verdict.feedback)}", None
    return "no", "", verdict.mistake


def _equivalence_outcome(q: Question, answer: str, expected: Any) -> tuple[str, str, None]:
    """(result, reason, None) from :func:`coursekit.symbolic.equivalent`, the expected value unshown."""
    from coursekit.symbolic import equivalent

    outcome = equivalent(answer, str(expected), symbols=q.symbols)
    if outcome.result == "no":  # its reason gives both values at a point: keep only the point
        return "no", "they differ" + _at_point(outcome.reason), None
    if outcome.result == "undecided":  # its reason may print the difference, hence the expected
        return "undecided", "the check could not decide in time; write it more simply", None
    return outcome.result, outcome.reason, None


def _at_point(reason: str) -> str:
    """The counterexample's point of a reason "… differ at x=1.5 …", as " at x=1.5"."""
    import re

    number = r"-?(?:\d+(?:\.\d*)?(?:e[-+]?\d+)?|inf|nan)"
    found = re.search(rf"differ at ([A-Za-z_]\w*={number}(?:, [A-Za-z_]\w*={number})*)", reason)
    return f" at {found.group(1)}" if found else " for some values"


def _declared_expression_mistake(q: Question, answer: str, mistakes: dict) -> str | None:
    """The first declared mistake whose expression is equivalent to ``answer``, else None.

    Equivalence is decided by :func:`coursekit.symbolic.equivalent` over the
    variables an answer may use (:func:`_expression_symbols`).
    """
    from coursekit.symbolic import equivalent

    symbols = _expression_symbols(q)
    for tag, wrong in mistakes.items():
        if wrong is not None and equivalent(answer, str(wrong), symbols=symbols).result == "yes":
            return tag
    return None
