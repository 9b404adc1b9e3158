"""``check``: the one function test cells call.

While a student works (and under ``nbgrader validate``),
``check(question_id, answer)`` judges the answer in the kernel and prints a
friendly verdict.  While nbgrader autogrades (``NBGRADER_EXECUTION`` is set),
it only *records* the answer as JSON in a ``display_data`` output, using the
grading plan the grader put in the sandbox (:mod:`autograder.capture`: the
question kinds and hidden inputs, no references and no seeds);
:class:`autograder.preprocessors.ScoreRecordedAnswers` then judges the record
in the grader's own process.  Both modes go through the same record, so a
verdict in the notebook is the verdict the grader gives.

Only the grading path is imported at start-up: the questions and the judging
code load when a student checks an answer while working, so a grading
sandbox that lacks them (it does) still runs every test cell.
"""
from __future__ import annotations

import json
import os
from typing import Any

from autograder import capture, record
from autograder.student import current_student, parameters

_NO_ANSWER = Ellipsis


class CheckFailed(AssertionError):
    """A wrong answer, shown in the notebook as its verdict instead of a traceback."""

    def __init__(self, verdict) -> None:
        super().__init__(verdict.text())
        self.verdict = verdict

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing a traceback: the student sees the verdict only.
        return self.verdict.text().splitlines()


def grading() -> bool:
    """Whether this process runs under ``nbgrader autograde`` (answers are recorded, not judged).

    nbgrader sets ``NBGRADER_EXECUTION=autograde`` when grading and
    ``NBGRADER_EXECUTION=validate`` for a student's Validate button; validating
    must judge in the kernel, or every answer would look right.
    """
    return os.environ.get("NBGRADER_EXECUTION", "") not in ("", "validate")


def answer_record(question_id: str, answer: Any) -> dict:
    """The record of ``answer`` to ``question_id`` for the current student.

    Runs the student's code for behavioural kinds; never raises for a bad
    answer, however odd the object (the problem is recorded instead).  While
    grading, only the grading plan is used (:func:`autograder.capture.planned_record`).
    """
    if grading():
        return capture.planned_record(question_id, answer, _NO_ANSWER)
    from autograder import kinds, questions

    q = questions.get(question_id)
    student = current_student()
    if answer is _NO_ANSWER:
        return record.make_record(q.id, {"missing": True})
    try:
        payload = kinds.capture(q, answer, parameters(q.assignment, student),
                                kinds.trial_seed(q.id, student))
        return record.make_record(q.id, payload)
    except record.RecordError as exc:
        return record.make_record(q.id, {"unrecordable": str(exc)})
    except Exception as exc:  # an answer whose methods raise (__iter__, __float__, ...) is a wrong answer
        problem = record.error_entry(exc)["__error__"]
        return record.make_record(q.id, {"unrecordable": f"reading it raised {problem['type']}: "
                                                          f"{problem['message'][:200]}"})


def judge_record(data: Any, student: str | None, nonce: str | None = None,
                 expected: dict | None = None):
    """Judge a published record for ``student`` (the grader's side; data only).

    Parameters
    ----------
    data : object
        The published record (JSON data).
    student : str or None
        Whose variant and hidden inputs to judge against.
    nonce : str, optional
        The grader's secret of this run, mixed into the seeds of the hidden
        inputs (see :func:`autograder.kinds.trial_seed`); it never enters the
        kernel.
    expected : dict, optional
        Question id -> :class:`autograder.kinds.Expected` computed before the
        student's code ran (see :func:`autograder.kinds.expect`).

    Raises
    ------
    autograder.record.RecordError
        If ``data`` is not a valid record.
    autograder.questions.UnknownQuestionError
        If the record names an unknown question.
    """
    from autograder import kinds, questions
    from autograder.hints import hint_for
    from autograder.verdict import failed

    qid, payload = record.parse_record(data)
    q = questions.get(qid)
    if payload.get("missing"):
        return failed(q.id, q.points, "no answer given yet", "missing",
                      hint_for(q, "missing"))
    if "unrecordable" in payload:
        return failed(q.id, q.points, f"your answer could not be recorded: {payload['unrecordable']}",
                      "wrong_type", hint_for(q, "wrong_type"))
    v = parameters(q.assignment, student)
    return kinds.judge(q, payload, v, kinds.trial_seed(q.id, student, nonce),
                       (expected or {}).get(q.id))


def check(question_id: str, answer: Any = _NO_ANSWER) -> float | None:
    """Check ``answer`` to question ``question_id``.

    Parameters
    ----------
    question_id : str
        ``"<assignment>.<name>"``, declared in ``autograder/questions/<assignment>.py``.
    answer : object
        The student's answer: a number, array, dict of parts, text, sympy
        expression, function, layer class or optimizer class, depending on
        the question's kind.

    Returns
    -------
    float or None
        None when fully correct (or while grading); the partial score when
        some parts are right (nbgrader reads it as partial credit).

    Raises
    ------
    CheckFailed
        When no part is right; it shows as the verdict with a hint, not as a
        traceback.
    autograder.questions.UnknownQuestionError
        For an unknown question id.

    Examples
    --------
    >>> check("demo_gd.one_step", "0.1")      # doctest: +SKIP
    demo_gd.one_step: 1/1 points - correct.
    """
    data = answer_record(question_id, answer)
    if grading():
        _publish(data)
        return None
    from autograder import hints, questions

    # The same JSON round trip as when grading, so both modes judge the same data; the hint's tier
    # follows the wrong attempts at this question in the session (autograder.hints).
    verdict = judge_record(json.loads(json.dumps(data)), current_student())
    verdict = hints.in_session(verdict, questions.get(verdict.question))
    if verdict.score == 0:
        raise CheckFailed(verdict)
    print(verdict.text())
    return None if verdict.correct else verdict.score


def _publish(data: dict) -> None:
    from IPython.display import publish_display_data

    publish_display_data({record.MIME: data,
                          "text/plain": f"answer to {data['question']} recorded for grading"})
