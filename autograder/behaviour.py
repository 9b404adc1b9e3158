"""Judging code answers (functions, layers, optimizers) from their outputs on the hidden inputs.

The recorded outputs are compared with the reference's on the same inputs; a layer's backward is
also checked against its own forward (directional differences), and an optimizer is told where it
first leaves the reference path.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from autograder import record
from autograder.capture import cases_digest, directions
from autograder.hints import hint_for
from autograder.numeric import as_numeric, close, describe, diagnose_numeric, error_part
from autograder.questions import Question
from autograder.verdict import Part, Verdict, failed, scored

if TYPE_CHECKING:
    from autograder.kinds import Expected


def gradcheck_error(output: dict, case: dict) -> dict:
    """Relative error of the recorded backward against the recorded centred differences, per input/param.

    Uses :func:`coursekit.gradcheck.relative_error`; around 1e-7 or less means
    backward is consistent with forward.
    """
    from coursekit.gradcheck import relative_error

    errors: dict[str, float] = {}
    recorded = output.get("gradcheck") if isinstance(output, dict) else None
    if not isinstance(recorded, dict):
        return errors
    for name, d in directions(case).items():
        grad = output.get("grad_input") if name == "input" else output.get("grads", {}).get(name)
        fd = recorded.get(name)
        a = as_numeric(grad)
        if a is None or a.shape != d.shape or not isinstance(fd, (int, float)):
            continue
        errors[name] = float(relative_error(np.array([np.sum(a * d)]), np.array([fd])))
    return errors


def judge_behaviour(q: Question, payload: dict, seed: int, expect: Expected,
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
    assert cases is not None  # behavioural questions always have hidden inputs
    if not isinstance(outputs, list) or len(outputs) != len(cases):
        return failed(q.id, q.points, "the record holds the wrong number of outputs", "bad_record",
                      hint_for(q, "bad_record"))
    errors = [o for o in outputs if isinstance(o, record.RecordedError)]
    if errors:
        part = error_part(q, "", errors[0])
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
               f"expected {describe(reference[i])}, got {describe(outputs[i])}")
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
    a, e, x = as_numeric(output), as_numeric(reference), as_numeric(x)
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
    out = as_numeric(output)
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
        return f"the optimizer recorded {describe(path)} instead of {n_steps} steps", "bad_record"
    start = [np.asarray(p, dtype=float) for p in case["params"]]
    for t, (got, want) in enumerate(zip(path, ref)):
        if not isinstance(got, (list, tuple)) or len(got) != n_params:
            return (f"after step {t + 1} the optimizer holds {describe(got)} instead of "
                    f"{n_params} parameter arrays", "wrong_shape")
        off = [j for j in range(n_params) if not _same(got[j], want[j], q)]
        if not off:
            continue
        j = off[0]
        before = start[j] if t == 0 else np.asarray(ref[t - 1][j], dtype=float)
        a, e = as_numeric(got[j]), np.asarray(want[j], dtype=float)
        label = f"parameter {j + 1} of {n_params} (shape {e.shape})"
        also = f" (and parameter{'s' if len(off) > 2 else ''} {', '.join(str(k + 1) for k in off[1:])})" \
            if len(off) > 1 else ""
        head = f"{label}{also} first leaves the reference path at step {t + 1} of {n_steps}"
        advice = (" The very first step already differs: look at the update rule itself and how it "
                  "uses the hyperparameters." if t == 0 else
                  f" {'Step 1 matches' if t == 1 else f'Steps 1-{t} match'}: look at what carries "
                  "over from step to step (velocity, moments, the step count t).")
        if a is None or a.shape != e.shape:
            return f"{head}: it became {describe(got[j])}.", "wrong_shape"
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
    tag = diagnose_numeric(da, de, q, {}, factors)
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
        worst = max(errors, key=lambda name: errors[name])
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
    x, y = as_numeric(a), as_numeric(b)
    if y is None:
        return a == b
    return x is not None and close(x, y, q)


def _diagnose_structured(a: Any, e: Any, q: Question, factors: tuple = ()) -> str | None:
    x, y = as_numeric(a), as_numeric(e)
    if x is None or y is None:
        return "wrong_type" if y is not None else None
    try:
        return diagnose_numeric(x, y, q, {}, factors)
    except ValueError:
        return None
