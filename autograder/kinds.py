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
"""
from __future__ import annotations

import copy
import hashlib
import inspect
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder import record
from autograder.capture import DRIVERS, cases_digest, directions, run_cases
from autograder.hints import hint_for
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
    out = q.inputs(np.random.default_rng(seed), v)
    if not isinstance(out, list) or not out:
        raise ValueError(f"inputs of {q.id} must return a non-empty list of trials")
    return out


# ---------------------------------------------------------------- capture (in the kernel)

def capture(q: Question, answer: Any, v: dict, seed: int) -> dict:
    """Recordable data describing ``answer`` (runs student code for behavioural kinds)."""
    if q.kind in VALUE_KINDS:
        return {"value": answer}
    return run_cases(q.kind, answer, trials(q, v, seed))


def gradcheck_error(output: dict, case: dict) -> dict:
    """Relative error of the recorded backward against the recorded centred differences, per input/param.

    Uses :func:`coursekit.gradcheck.relative_error`; around 1e-7 or less means
    backward is consistent with forward.
    """
    from coursekit.gradcheck import relative_error

    errors = {}
    recorded = output.get("gradcheck") if isinstance(output, dict) else None
    if not isinstance(recorded, dict):
        return errors
    for name, d in directions(case).items():
        grad = output.get("grad_input") if name == "input" else output.get("grads", {}).get(name)
        fd = recorded.get(name)
        a = _as_numeric(grad)
        if a is None or a.shape != d.shape or not isinstance(fd, (int, float)):
            continue
        errors[name] = float(relative_error(np.array([np.sum(a * d)]), np.array([fd])))
    return errors


# ---------------------------------------------------------------- judge (on data)

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
        return _judge_value(q, payload["value"], expected, _factors_of(v))
    return _judge_behaviour(q, payload, seed, expected,
                            _factors_of(v, expected.cases) + _default_rate(q, v), v)


def _judge_value(q: Question, answer: Any, expect: Expected, factors: tuple = ()) -> Verdict:
    expected, mistakes = expect.reference, expect.mistakes
    if isinstance(expected, dict):
        if not isinstance(answer, dict):
            return failed(q.id, q.points,
                          f"expected a dict with keys {sorted(expected)}, got {_describe(answer)}",
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
        return _error_part(q, name, answer)
    if q.kind in ("number", "array"):
        return _compare_numeric(q, name, answer, expected, mistakes, factors)
    if q.kind == "expression":
        return _compare_expression(q, name, answer, expected, mistakes)
    return _compare_text(q, name, answer, expected, mistakes)


def _error_part(q: Question, name: str, err: record.RecordedError) -> Part:
    tag = "not_implemented" if err.type == "NotImplementedError" else "raised"
    message = ("not implemented yet (NotImplementedError)" if tag == "not_implemented"
               else f"your code raised {err!r}")
    return Part(name, False, message, tag, hint_for(q, tag))


def _as_numeric(answer: Any) -> np.ndarray | None:
    if isinstance(answer, (str, bytes, dict)) or answer is None:
        return None
    try:
        a = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return None
    return a


def _close(a: np.ndarray, e: np.ndarray, q: Question) -> bool:
    return a.shape == e.shape and bool(np.all(np.isclose(a, e, rtol=q.rtol, atol=q.atol, equal_nan=True)))


def _compare_numeric(q: Question, name: str, answer: Any, expected: Any, mistakes: dict,
                     factors: tuple = ()) -> Part:
    e = np.asarray(expected, dtype=float)
    a = _as_numeric(answer)
    want = _describe(e if q.kind == "array" else float(e))
    if a is None:
        return Part(name, False, f"expected {want}; you gave {_describe(answer)}", "wrong_type",
                    hint_for(q, "wrong_type"))
    if q.kind == "number" and a.size == 1:
        a = a.reshape(())  # a number given as a one-element array or list is still that number
    if _close(a, e, q):
        return Part(name, True)
    tag = _diagnose_numeric(a, e, q, mistakes, factors)
    return Part(name, False, f"expected {want}; you gave {_describe(a if a.ndim else float(a))}",
                tag, hint_for(q, tag))


def _diagnose_numeric(a: np.ndarray, e: np.ndarray, q: Question, mistakes: dict,
                      factors: tuple = ()) -> str | None:
    for tag, wrong in mistakes.items():
        w = _as_numeric(wrong)
        if w is not None and _close(a, w, q):
            return tag
    if a.shape != e.shape:
        if a.ndim == 2 and a.T.shape == e.shape and _close(a.T, e, q):
            return "transposed"
        return "wrong_shape"
    if not np.all(np.isfinite(a)) and np.all(np.isfinite(e)):
        return "not_finite"
    if np.all(a == 0) and np.any(e != 0):
        return "all_zero"
    if np.any(e != 0) and _close(-a, e, q):
        return "wrong_sign"
    if _rounded(a, e):
        return "rounded"
    ratio = _constant_ratio(a, e)
    if ratio is not None and _plausible_factor(ratio, e, factors):
        return "scaled"
    return None


def _constant_ratio(a: np.ndarray, e: np.ndarray) -> float | None:
    """The ratio ``a / e`` if it is the same for every entry (and ``a`` is 0 where ``e`` is), else None."""
    nonzero = e != 0
    if not np.any(nonzero) or np.any(a[~nonzero] != 0):
        return None
    ratios = a[nonzero] / e[nonzero]
    r = float(ratios.flat[0])
    if r == 0 or not np.isfinite(r) or not np.allclose(ratios, r, rtol=1e-6, atol=0.0):
        return None
    return r


# Slips the "scaled" hint names: a small whole factor (2 from the ½ of a squared loss, ...), a simple
# fraction, a percentage, a batch size ℓ (a sum for a mean or back), the learning rate applied twice.
_SMALL_FACTORS = tuple(sorted({p / q for p in range(1, 11) for q in range(1, 11)
                               if p != q and (p <= 4 and q <= 4 or p == 1 or q == 1)} | {100.0, 0.01}))


def _plausible_factor(ratio: float, e: np.ndarray, factors: tuple = ()) -> bool:
    """Whether ``ratio`` is one of the slips the "scaled" hint names.

    Accepted: n and 1/n for n = 2…10, simple fractions p/q with p, q ≤ 4, a
    percentage (100, 1/100), a batch factor ℓ or 1/ℓ for ℓ a dimension or the
    size of the expected value, and each of ``factors`` (e.g. batch sizes of
    the hidden inputs, the learning rate η: η applied twice gives a ratio η)
    and its inverse.  Any other constant ratio is no recognisable slip.
    """
    if ratio <= 0:
        return False
    sizes = {float(n) for n in (*e.shape, e.size) if n > 1}
    candidates = set(_SMALL_FACTORS) | sizes | {1 / n for n in sizes}
    candidates |= {float(f) for f in factors if f and np.isfinite(f)}
    candidates |= {1 / float(f) for f in factors if f and np.isfinite(f)}
    return any(np.isclose(ratio, c, rtol=1e-6, atol=0.0) for c in candidates)


def _default_rate(q: Question, v: dict) -> tuple:
    """The default ``lr`` of an optimizer question's reference, for hidden runs that rely on it."""
    if q.kind != "optimizer":
        return ()
    try:
        parameter = inspect.signature(q.reference(v)).parameters.get("lr")
    except (TypeError, ValueError):  # no signature to read
        return ()
    default = getattr(parameter, "default", None)
    if isinstance(default, (int, float)) and not isinstance(default, bool) and default > 0:
        return (float(default),)
    return ()


def _factors_of(v: dict, cases: list | None = None) -> tuple:
    """Plausible slip factors from a question's parameters and hidden inputs.

    Learning rates (parameters or hyperparameters named ``lr``,
    ``learning_rate`` or ``eta``) and the sizes of the arrays in the hidden
    inputs (batch sizes ℓ).
    """
    out: set[float] = set()

    def learning_rates(d: Any) -> None:
        if isinstance(d, dict):
            for key, value in d.items():
                if key in ("lr", "learning_rate", "eta") and isinstance(value, (int, float)) \
                        and not isinstance(value, bool) and value > 0:
                    out.add(float(value))

    def sizes(x: Any) -> None:
        if isinstance(x, np.ndarray):
            out.update(float(n) for n in (*x.shape, x.size) if n > 1)
        elif isinstance(x, (list, tuple)):
            for y in x:
                sizes(y)
        elif isinstance(x, dict):
            for y in x.values():
                sizes(y)

    learning_rates(v)
    for case in cases or ():
        if isinstance(case, dict):
            learning_rates(case.get("hyper"))
        sizes(case)
    return tuple(sorted(out))


_ROUNDED_DIGITS = (1, 2, 3)


def _rounded(a: np.ndarray, e: np.ndarray) -> bool:
    r"""Whether every entry of ``a`` is ``e`` rounded (or cut) to 1-3 significant digits.

    Notes
    -----
    With :math:`m = 10^{k - 1 - \lfloor \log_{10} |e| \rfloor}` for ``k``
    significant digits, rounding gives :math:`\operatorname{round}(e m) / m`
    and cutting :math:`\operatorname{trunc}(e m) / m`; e.g. σ(−6) ≈ 0.002473
    rounds to 0.002 (k = 1) and 0.0025 (k = 2).  Entries where ``e`` is 0,
    and whole numbers below 1000 (counts, given exactly: 10 for 12 is not
    rounding), must be given exactly.
    """
    if a.shape != e.shape or not np.all(np.isfinite(a)) or not np.all(np.isfinite(e)):
        return False
    nonzero = e != 0
    if not np.any(nonzero) or np.any(a[~nonzero] != 0):
        return False
    a, e = a[nonzero], e[nonzero]
    may_round = (e != np.round(e)) | (np.abs(e) >= 1000)
    matched = np.isclose(a, e, rtol=1e-9, atol=0.0)
    for k in _ROUNDED_DIGITS:
        m = 10.0 ** (k - 1 - np.floor(np.log10(np.abs(e))))
        for cut in (np.round, np.trunc):
            matched |= may_round & np.isclose(a, cut(e * m) / m, rtol=1e-9, atol=0.0)
    return bool(np.all(matched))


def _describe(x: Any) -> str:
    """What a value is in kind: type, shape and rough magnitude (never its digits)."""
    if isinstance(x, record.RecordedError):
        return f"an error ({x!r})"
    if x is None:
        return "None (did the cell define your answer?)"
    if isinstance(x, bool):
        return "a bool"
    if isinstance(x, (int, float, np.number)):
        return f"a number of order {_magnitude(np.array([float(x)]))}"
    if isinstance(x, str):
        return f"the text {x[:40]!r}" if len(x) <= 40 else f"a text of {len(x)} characters"
    if isinstance(x, dict):
        return f"a dict with keys {sorted(map(str, x))[:8]}"
    a = _as_numeric(x)
    if a is None:
        return f"a {type(x).__name__}"
    what = "an array" if isinstance(x, np.ndarray) else f"a {type(x).__name__}"
    return f"{what} of shape {a.shape} with values of order {_magnitude(a)}"


def _magnitude(a: np.ndarray) -> str:
    finite = np.abs(a[np.isfinite(a)])
    if finite.size == 0:
        return "nan/inf" if a.size else "- (empty)"
    peak = float(finite.max())
    return "0" if peak == 0 else f"1e{int(np.floor(np.log10(peak))):+03d}"


def _compare_text(q: Question, name: str, answer: Any, expected: Any, mistakes: dict) -> Part:
    accepted = expected if isinstance(expected, (tuple, list)) else (expected,)
    if not isinstance(answer, (str, int, float)) or isinstance(answer, bool):
        return Part(name, False, f"expected a text answer; you gave {_describe(answer)}", "wrong_type",
                    hint_for(q, "wrong_type"))
    given = _normal_text(str(answer), q.kind)
    if given in {_normal_text(str(x), q.kind) for x in accepted}:
        return Part(name, True)
    if q.kind == "choice" and given not in {_normal_text(str(o), "choice") for o in q.options}:
        tag = "not_an_option"
        return Part(name, False, f"expected one of {list(q.options)}; you gave {answer!r}", tag,
                    hint_for(q, tag))
    tag = next((t for t, w in mistakes.items() if _normal_text(str(w), q.kind) == given), None)
    return Part(name, False, f"{answer!r} is not the answer", tag, hint_for(q, tag))


def _normal_text(s: str, kind: str) -> str:
    s = s.strip()
    return s if kind == "choice" else " ".join(s.casefold().split())


def _compare_expression(q: Question, name: str, answer: Any, expected: Any, mistakes: dict) -> Part:
    from coursekit.symbolic import ParseError, parse

    if not isinstance(answer, str):
        return Part(name, False, f"expected an expression (text or sympy); you gave {_describe(answer)}",
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


# ---------------------------------------------------------------- behavioural kinds

def _judge_behaviour(q: Question, payload: dict, seed: int, expect: Expected,
                     factors: tuple = (), v: dict | None = None) -> Verdict:
    cases = expect.cases
    if payload.get("inputs") != cases_digest(cases):
        return failed(q.id, q.points,
                      "the recorded outputs were computed on other inputs than the grader's",
                      "other_inputs", hint_for(q, "other_inputs"))
    if "not_callable" in payload:
        what = {"function": "a function", "layer": "a layer class", "optimizer": "an optimizer class"}[q.kind]
        return failed(q.id, q.points, f"expected {what}; you gave a {payload['not_callable']}",
                      "wrong_type", hint_for(q, "wrong_type"))
    outputs = payload.get("outputs")
    if not isinstance(outputs, list) or len(outputs) != len(cases):
        return failed(q.id, q.points, "the record holds the wrong number of outputs", "bad_record",
                      hint_for(q, "bad_record"))
    errors = [o for o in outputs if isinstance(o, record.RecordedError)]
    if errors:
        part = _error_part(q, "", errors[0])
        msg = part.message if part.mistake == "not_implemented" else (
            f"on {len(errors)} of {len(cases)} hidden inputs " + part.message)
        return failed(q.id, q.points, msg, part.mistake, part.hint)
    if q.score is not None:
        return scored(q.id, q.points, list(q.score(q, outputs, v, seed)))
    reference, wrong = expect.reference, expect.mistakes
    if q.kind == "layer":
        return scored(q.id, q.points, _layer_parts(q, outputs, reference, wrong, cases, factors))
    if q.kind == "optimizer":
        return scored(q.id, q.points, [_compare_paths(q, outputs, reference, wrong, cases, factors)])
    if q.kind == "function":
        inputs = [_aligned_input(c, r) for c, r in zip(cases, reference)]
        return scored(q.id, q.points, [_compare_outputs(q, "", outputs, reference, wrong, cases, factors,
                                                        inputs)])
    return scored(q.id, q.points, [_compare_outputs(q, "", outputs, reference, wrong, cases, factors)])


def _compare_outputs(q: Question, name: str, outputs: list, reference: list, wrong: dict,
                     cases: list | None = None, factors: tuple = (), inputs: list | None = None) -> Part:
    """The part comparing a behavioural answer's outputs on the hidden inputs with the reference's.

    ``inputs`` (optional) holds, per hidden input, the array lined up entry by
    entry with the output (see :func:`_aligned_input`): an answer wrong only
    where it is exactly 0 is told so (tag ``"at_zero"``).
    """
    failures = [i for i, (o, r) in enumerate(zip(outputs, reference)) if not _same(o, r, q)]
    if not failures:
        return Part(name, True)
    tag = next((t for t, w in wrong.items() if all(_same(o, x, q) for o, x in zip(outputs, w))), None)
    i = failures[0]
    if tag is None and inputs is not None and all(
            _wrong_only_at_zero(outputs[j], reference[j], inputs[j], q) for j in failures):
        tag = "at_zero"
    if tag is None:
        tag = _diagnose_structured(outputs[i], reference[i], q, factors)
    called = f" {_describe_call(cases[i])}" if cases and isinstance(cases[i], tuple) else ""
    message = (f"wrong on {len(failures)} of {len(outputs)} hidden inputs; on input {i + 1}{called} "
               f"expected {_describe(reference[i])}, got {_describe(outputs[i])}")
    if tag == "at_zero":
        message = (f"wrong only where the input is exactly 0 (on {len(failures)} of {len(outputs)} "
                   f"hidden inputs; right everywhere else)")
    return Part(name, False, message, tag, hint_for(q, tag))


def _wrong_only_at_zero(output: Any, reference: Any, x: Any, q: Question) -> bool:
    """Whether ``output`` differs from ``reference`` only at entries where the input ``x`` is exactly 0.

    ``x`` is the input aligned entry by entry with the output (the layer's
    input, or a function's array argument of the output's shape); ``None``
    when there is none.
    """
    a, e, x = _as_numeric(output), _as_numeric(reference), _as_numeric(x)
    if a is None or e is None or x is None or not a.shape == e.shape == x.shape:
        return False
    differs = ~np.isclose(a, e, rtol=q.rtol, atol=q.atol, equal_nan=True)
    return bool(np.any(differs) and np.all(x[differs] == 0))


def _aligned_input(case: Any, output: Any) -> np.ndarray | None:
    """The input of a hidden call that lines up entry by entry with its output, if there is one.

    A layer's input ``x``; for a function, its first array argument of the
    output's shape.
    """
    if isinstance(case, dict):
        return np.asarray(case["x"], dtype=float) if "x" in case else None
    out = _as_numeric(output)
    if not isinstance(case, tuple) or out is None:
        return None
    return next((arg for arg in case if isinstance(arg, np.ndarray) and arg.shape == out.shape), None)


def _compare_paths(q: Question, outputs: list, reference: list, wrong: dict, cases: list,
                   factors: tuple = ()) -> Part:
    """The part comparing an optimizer's recorded parameter paths with the reference's.

    Says where the first run that went wrong first left the reference path
    (which step, which parameter array) and how the update at that step
    differs in kind (direction, length, relative size of the difference),
    never the expected values.
    """
    failures = [i for i, (o, r) in enumerate(zip(outputs, reference)) if not _same(o, r, q)]
    if not failures:
        return Part("", True)
    tag = next((t for t, w in wrong.items() if all(_same(o, x, q) for o, x in zip(outputs, w))), None)
    i = failures[0]
    where, update_tag = _first_divergence(outputs[i], reference[i], cases[i], q, factors)
    message = f"wrong on {len(failures)} of {len(outputs)} hidden runs. In run {i + 1}, {where}"
    tag = tag or update_tag
    return Part("", False, message, tag, hint_for(q, tag))


def _first_divergence(path: Any, ref: list, case: dict, q: Question,
                      factors: tuple) -> tuple[str, str | None]:
    """Where an optimizer's path first leaves the reference path, in words, and a diagnosis of that update.

    The update compared is the step from the last point both paths share
    (the starting parameters or the previous, still matching, step).
    """
    n_steps, n_params = len(ref), len(ref[0]) if ref else 0
    if not isinstance(path, (list, tuple)) or len(path) != n_steps:
        return f"the optimizer recorded {_describe(path)} instead of {n_steps} steps", "bad_record"
    start = [np.asarray(p, dtype=float) for p in case["params"]]
    for t, (got, want) in enumerate(zip(path, ref)):
        if not isinstance(got, (list, tuple)) or len(got) != n_params:
            return (f"after step {t + 1} the optimizer holds {_describe(got)} instead of "
                    f"{n_params} parameter arrays", "wrong_shape")
        off = [j for j in range(n_params) if not _same(got[j], want[j], q)]
        if not off:
            continue
        j = off[0]
        before = start[j] if t == 0 else np.asarray(ref[t - 1][j], dtype=float)
        a, e = _as_numeric(got[j]), np.asarray(want[j], dtype=float)
        label = f"parameter {j + 1} of {n_params} (shape {e.shape})"
        also = f" (and parameter{'s' if len(off) > 2 else ''} {', '.join(str(k + 1) for k in off[1:])})" \
            if len(off) > 1 else ""
        head = f"{label}{also} first leaves the reference path at step {t + 1} of {n_steps}"
        advice = (" The very first step already differs: look at the update rule itself and how it "
                  "uses the hyperparameters." if t == 0 else
                  f" {'Step 1 matches' if t == 1 else f'Steps 1-{t} match'}: look at what carries "
                  "over from step to step (velocity, moments, the step count t).")
        if a is None or a.shape != e.shape:
            return f"{head}: it became {_describe(got[j])}.", "wrong_shape"
        words, tag = _describe_update(a - before, e - before, q, factors)
        return f"{head}: {words}.{advice}", tag
    return "the parameters differ from the reference", None


def _describe_update(da: np.ndarray, de: np.ndarray, q: Question, factors: tuple) -> tuple[str, str | None]:
    """How an update ``da`` differs from the expected ``de`` in kind.

    Its direction (cosine with ``de``), its length (in ranges, never the
    ratio) and the order of magnitude of max|da − de| / max|de|; with the tag
    "wrong_sign" or "scaled" when the update is ``de`` reversed or scaled by a
    plausible slip (e.g. the learning rate η applied twice).
    """
    if not np.all(np.isfinite(da)):
        return "your update made it NaN or infinite", "not_finite"
    norm_a, norm_e = float(np.linalg.norm(da)), float(np.linalg.norm(de))
    if np.all(np.isclose(da, 0.0, rtol=0.0, atol=q.atol)):
        return "your update left it unchanged (the step was 0)", None
    if norm_e == 0:
        return "your update moved it where it should have stayed", None
    cos = float(np.dot(da.ravel(), de.ravel())) / (norm_a * norm_e)
    direction = ("along the expected direction" if cos > 0.999 else
                 "against the expected direction" if cos < -0.999 else "in another direction")
    r = norm_a / norm_e
    length = ("of about the right length" if abs(np.log10(r)) < np.log10(1.05) else
              "too long (by a factor up to 10)" if 1 < r <= 10 else
              "more than 10 times too long" if r > 10 else
              "too short (by a factor up to 10)" if r >= 0.1 else "less than a tenth of the expected length")
    gap = float(np.max(np.abs(da - de))) / float(np.max(np.abs(de)))
    words = (f"your update goes {direction} and is {length}; it differs from the expected update by "
             f"about 1e{int(np.round(np.log10(gap))):+03d} relative to its size")
    tag = _diagnose_numeric(da, de, q, {}, factors)
    return words, tag if tag in ("wrong_sign", "scaled") else None


def _describe_call(args: tuple) -> str:
    """The arguments of a hidden call in short: small ints and floats by value, arrays by shape."""
    def short(x: Any) -> str:
        if isinstance(x, (bool, np.bool_)):
            return str(bool(x))
        if isinstance(x, (int, np.integer)):
            return str(int(x))
        if isinstance(x, (float, np.floating)):
            return f"{float(x):.3g}"
        if isinstance(x, np.ndarray):
            return f"array{x.shape}"
        if callable(x):
            return "a function"
        return type(x).__name__
    return "(" + ", ".join(short(a) for a in args) + ")"


def _layer_parts(q: Question, outputs: list, reference: list, wrong: dict, cases: list,
                 factors: tuple = ()) -> list[Part]:
    def pick(rows: list, key: str, sub: str | None = None) -> list:
        return [(r.get(key, {}).get(sub) if sub else r.get(key)) if isinstance(r, dict) else None
                for r in rows]
    names = [("forward", "forward", None), ("backward (input gradient)", "grad_input", None)]
    names += [(f"gradient of {p}", "grads", p) for p in sorted(reference[0]["grads"])]
    xs = [_aligned_input(c, None) for c in cases]
    parts = []
    for label, key, sub in names:
        parts.append(_compare_outputs(q, label, pick(outputs, key, sub), pick(reference, key, sub),
                                      {t: pick(w, key, sub) for t, w in wrong.items()}, None, factors,
                                      xs if sub is None else None))
    if all(p.correct or p.mistake == "at_zero" for p in parts[1:]):
        return parts  # a gradient check away from 0 says nothing about the value at 0
    errors = gradcheck_error(outputs[0], cases[0])
    if errors:
        worst = max(errors, key=errors.get)
        note = (f" Gradient check of your backward against your own forward: relative error "
                f"{errors[worst]:.1e} for {worst}"
                + (" (consistent: look at the forward)." if errors[worst] < 1e-5
                   else " (expected around 1e-7 or less: backward does not match forward)."))
        parts = [p if p.correct or i == 0 or p.mistake == "at_zero"
                 else Part(p.name, False, p.message + "." + note, p.mistake, p.hint)
                 for i, p in enumerate(parts)]
    return parts


def _same(a: Any, b: Any, q: Question) -> bool:
    if isinstance(b, dict):
        return isinstance(a, dict) and set(a) == set(b) and all(_same(a[k], b[k], q) for k in b)
    if isinstance(b, (list, tuple)) and any(isinstance(x, (np.ndarray, list, tuple, dict)) for x in b):
        return isinstance(a, (list, tuple)) and len(a) == len(b) and all(_same(x, y, q) for x, y in zip(a, b))
    x, y = _as_numeric(a), _as_numeric(b)
    if y is None:
        return a == b
    return x is not None and _close(x, y, q)


def _diagnose_structured(a: Any, e: Any, q: Question, factors: tuple = ()) -> str | None:
    x, y = _as_numeric(a), _as_numeric(e)
    if x is None or y is None:
        return "wrong_type" if y is not None else None
    try:
        return _diagnose_numeric(x, y, q, {}, factors)
    except ValueError:
        return None
