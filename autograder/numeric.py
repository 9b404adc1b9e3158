"""Comparing numeric answers, and naming the mistake when they differ.

Shapes, tolerances, the generic diagnoses (sign, transposed, zeros, rounded, a constant factor among the
slips a hint names) and how an answer is described without giving the expected value.
"""
from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from autograder import record
from autograder.hints import hint_for
from autograder.questions import Question
from autograder.verdict import Part


def error_part(q: Question, name: str, err: record.RecordedError) -> Part:
    tag = "not_implemented" if err.type == "NotImplementedError" else "raised"
    message = ("not implemented yet (NotImplementedError)" if tag == "not_implemented"
               else f"your code raised {err!r}")
    return Part(name, False, message, tag, hint_for(q, tag))


def as_numeric(answer: Any) -> np.ndarray | None:
    if isinstance(answer, (str, bytes, dict)) or answer is None:
        return None
    try:
        a = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return None
    return a


def close(a: np.ndarray, e: np.ndarray, q: Question) -> bool:
    return a.shape == e.shape and bool(np.all(np.isclose(a, e, rtol=q.rtol, atol=q.atol, equal_nan=True)))


def compare_numeric(q: Question, name: str, answer: Any, expected: Any, mistakes: dict,
                     factors: tuple = ()) -> Part:
    e = np.asarray(expected, dtype=float)
    a = as_numeric(answer)
    want = describe(e if q.kind == "array" else float(e))
    if a is None:
        return Part(name, False, f"expected {want}; you gave {describe(answer)}", "wrong_type",
                    hint_for(q, "wrong_type"))
    if q.kind == "number" and a.size == 1:
        a = a.reshape(())  # a number given as a one-element array or list is still that number
    if close(a, e, q):
        return Part(name, True)
    tag = diagnose_numeric(a, e, q, mistakes, factors)
    return Part(name, False, f"expected {want}; you gave {describe(a if a.ndim else float(a))}",
                tag, hint_for(q, tag))


def diagnose_numeric(a: np.ndarray, e: np.ndarray, q: Question, mistakes: dict,
                      factors: tuple = ()) -> str | None:
    for tag, wrong in mistakes.items():
        w = as_numeric(wrong)
        if w is not None and close(a, w, q):
            return tag
    if a.shape != e.shape:
        if a.ndim == 2 and a.T.shape == e.shape and close(a.T, e, q):
            return "transposed"
        return "wrong_shape"
    if not np.all(np.isfinite(a)) and np.all(np.isfinite(e)):
        return "not_finite"
    if np.all(a == 0) and np.any(e != 0):
        return "all_zero"
    if np.any(e != 0) and close(-a, e, q):
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
    with np.errstate(invalid="ignore"):  # inf / inf (a cross-entropy of +inf) is no factor
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


def default_rate(q: Question, v: dict) -> tuple:
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


def factors_of(v: dict, cases: list | None = None) -> tuple:
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


def describe(x: Any) -> str:
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
    a = as_numeric(x)
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
