"""How each kind of question captures an answer and judges it.

Two steps, deliberately separate:

* :func:`capture` runs in the student's kernel.  It turns the answer into
  recordable data: the value itself for value kinds; for behavioural kinds
  ("function", "layer", "optimizer") the outputs of the student's code on
  hidden inputs regenerated from a seed.
* :func:`judge` runs anywhere, on data only.  It recomputes the reference with
  coursekit (and the declared mistakes) on the same seeded inputs and compares.

The grader calls only :func:`judge`, in its own process, on records parsed by
:mod:`autograder.record`, so nothing the student's code does in the kernel can
change a verdict except producing correct outputs.

How a kind compares is in its own module: :mod:`autograder.numeric` (numbers and
arrays, and the generic diagnoses), :mod:`autograder.expression_answers`
(expressions and derivatives) and :mod:`autograder.behaviour` (functions,
layers and optimizers, from their outputs on the hidden inputs).
"""
from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder import record
from autograder.behaviour import judge_behaviour
from autograder.capture import DRIVERS, run_cases
from autograder.expression_answers import compare_expression
from autograder.hints import hint_for
from autograder.numeric import (
    compare_numeric,
    default_rate,
    describe,
    error_part,
    factors_of,
)
from autograder.questions import Question
from autograder.verdict import Part, Verdict, failed, scored

VALUE_KINDS = ("number", "array", "expression", "choice", "text")


def trial_seed(question_id: str, student: str | None, nonce: str | None = None) -> int:
    """The seed of a question's hidden inputs for one student (63-bit).

    Without ``nonce`` it is stable (the inputs a student meets while working);
    while grading the grader mixes in a fresh nonce per run, so the hidden
    inputs are unknown until the notebook runs.
    """
    text = f"coursekit|{question_id}|{student or ''}" + (f"|{nonce}" if nonce else "")
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


def trials(q: Question, v: dict, seed: int) -> list:
    """The hidden inputs of a behavioural question for ``seed``."""
    assert q.inputs is not None, f"{q.id} has no hidden inputs"
    out = q.inputs(np.random.default_rng(seed), v)
    if not isinstance(out, list) or not out:
        raise ValueError(f"inputs of {q.id} must return a non-empty list of trials")
    return out


def capture(q: Question, answer: Any, v: dict, seed: int) -> dict:
    """Recordable data describing ``answer`` (runs student code for behavioural kinds)."""
    if q.kind in VALUE_KINDS:
        return {"value": answer}
    return run_cases(q.kind, answer, trials(q, v, seed))


@dataclass(frozen=True)
class Expected:
    """What a question's answers are compared with, for one student and seed.

    Attributes
    ----------
    reference : object
        The expected value (value kinds) or the reference's outputs on the
        hidden inputs (behavioural kinds).
    mistakes : dict
        Tag -> the answer (or outputs) that mistake produces.
    cases : list or None
        The hidden inputs (behavioural kinds).
    """

    reference: Any
    mistakes: dict
    cases: list | None = None


def expect(q: Question, v: dict, seed: int) -> Expected:
    """Compute what answers to ``q`` are judged against (the reference and the declared mistakes).

    The grader calls this before the student's code runs, so a verdict never
    depends on code the submission could have changed on disk.
    """
    if q.kind in VALUE_KINDS:
        return Expected(q.reference(v), {tag: f(v) for tag, f in q.mistakes.items()})
    cases = trials(q, v, seed)
    if q.score is not None:  # judged by its measure, not against the reference's outputs
        return Expected(None, {}, cases)
    run = DRIVERS[q.kind]
    reference = [run(q.reference(v), copy.deepcopy(c)) for c in cases]
    wrong = {tag: [run(f(v), copy.deepcopy(c)) for c in cases] for tag, f in q.mistakes.items()}
    return Expected(reference, wrong, cases)


def judge(q: Question, payload: dict, v: dict, seed: int, expected: Expected | None = None) -> Verdict:
    """The verdict on a captured (or recorded, then decoded) answer.

    ``expected`` is :func:`expect` ``(q, v, seed)``, computed here if not given.
    """
    expected = expect(q, v, seed) if expected is None else expected
    if q.kind in VALUE_KINDS:
        if "value" not in payload:
            return failed(q.id, q.points, "the record holds no answer", "bad_record", hint_for(q, "bad_record"))
        return _judge_value(q, payload["value"], expected, factors_of(v))
    return judge_behaviour(q, payload, seed, expected,
                            factors_of(v, expected.cases) + default_rate(q, v), v)


def _judge_value(q: Question, answer: Any, expect: Expected, factors: tuple = ()) -> Verdict:
    expected, mistakes = expect.reference, expect.mistakes
    if isinstance(expected, dict):
        if not isinstance(answer, dict):
            return failed(q.id, q.points,
                          f"expected a dict with keys {sorted(expected)}, got {describe(answer)}",
                          "wrong_type", hint_for(q, "wrong_type"))
        parts = []
        for key, exp in expected.items():
            wrong = {tag: m[key] for tag, m in mistakes.items() if isinstance(m, dict) and key in m}
            if key not in answer:
                parts.append(Part(key, False, f"no answer for {key!r}", "wrong_keys", hint_for(q, "wrong_keys")))
            else:
                parts.append(_compare_value(q, key, answer[key], exp, wrong, factors))
        return scored(q.id, q.points, parts)
    return scored(q.id, q.points, [_compare_value(q, "", answer, expected, mistakes, factors)])


def _compare_value(q: Question, name: str, answer: Any, expected: Any, mistakes: dict,
                   factors: tuple = ()) -> Part:
    if isinstance(answer, record.RecordedError):
        return error_part(q, name, answer)
    if q.kind in ("number", "array"):
        return compare_numeric(q, name, answer, expected, mistakes, factors)
    if q.kind == "expression":
        return compare_expression(q, name, answer, expected, mistakes)
    return _compare_text(q, name, answer, expected, mistakes)


def _compare_text(q: Question, name: str, answer: Any, expected: Any, mistakes: dict) -> Part:
    accepted = expected if isinstance(expected, (tuple, list)) else (expected,)
    if not isinstance(answer, (str, int, float)) or isinstance(answer, bool):
        return Part(name, False, f"expected a text answer; you gave {describe(answer)}", "wrong_type",
                    hint_for(q, "wrong_type"))
    given = _normal_text(str(answer), q.kind)
    if given in {_normal_text(str(x), q.kind) for x in accepted}:
        return Part(name, True)
    if q.kind == "choice" and given not in {_normal_text(str(o), "choice") for o in q.options}:
        tag = "not_an_option"
        return Part(name, False, f"expected one of {list(q.options)}; you gave {answer!r}", tag,
                    hint_for(q, tag))
    found = next((t for t, w in mistakes.items() if _normal_text(str(w), q.kind) == given), None)
    return Part(name, False, f"{answer!r} is not the answer", found, hint_for(q, found))


def _normal_text(s: str, kind: str) -> str:
    s = s.strip()
    return s if kind == "choice" else " ".join(s.casefold().split())
