"""Run a student's answer on hidden inputs and record what it does: the kernel's side of grading.

This module is what a test cell needs in the student's kernel, and nothing
more: no reference answers, no seeds, no judging.  While grading it is the
only part of the grader inside the sandbox (see :mod:`autograder.grading`).

Behavioural questions ("function", "layer", "optimizer") are answered with
code.  :func:`run_cases` calls that code on the question's hidden inputs
(*cases*) and returns its outputs; the grader compares them with the
reference's outputs in its own process.

While grading, the cases arrive as data: the grader draws them (from a seed
that never leaves the grader), encodes them with :func:`encode_cases` into a
*grading plan* (:data:`PLAN_ENV` names its file) and the kernel decodes them
here.  Inputs that are functions (a gradient to descend, a function to
differentiate) travel as :class:`Probe` objects: a numpy expression and its
parameters, rebuilt here into a callable.  The grader never evaluates what
comes back from the kernel; only this module evaluates probes, and only the
grader's.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder import record

__all__ = ["PLAN_ENV", "Probe", "cases_digest", "decode_cases", "encode_cases", "grading_plan",
           "run_cases"]

#: Environment variable naming the grading plan's JSON file inside the sandbox.
PLAN_ENV = "COURSEKIT_GRADING_PLAN"
BEHAVIOURAL_KINDS = ("function", "layer", "optimizer")
_H = 1e-6


class Probe:
    """A function given to student code as a hidden input, defined by a numpy expression.

    Parameters
    ----------
    expr : str
        A numpy expression in the argument ``x`` and the names in ``params``
        (``np`` is numpy), e.g. ``"a @ x - c"``.
    **params : float or array_like
        The values of the other names in ``expr``.

    Examples
    --------
    >>> Probe("k * np.sin(x)", k=2.0)(0.0)
    0.0
    """

    def __init__(self, expr: str, **params: Any) -> None:
        self.expr = expr
        self.params = {name: np.asarray(value, dtype=float) if isinstance(value, (list, tuple))
                       else value for name, value in params.items()}
        self._code = compile(expr, "<probe>", "eval")

    def __call__(self, x: Any) -> Any:
        return eval(self._code, {"np": np, "__builtins__": {}}, {**self.params, "x": x})

    def __repr__(self) -> str:
        return f"Probe({self.expr!r})"

    def __deepcopy__(self, memo: dict) -> Probe:
        return Probe(self.expr, **copy.deepcopy(self.params, memo))


# ------------------------------------------------------------------ cases as data

def encode_cases(cases: Any) -> Any:
    """Hidden inputs as JSON data (see :mod:`autograder.record`; probes tagged ``__probe__``).

    Raises
    ------
    autograder.record.RecordError
        For a callable that is not a :class:`Probe` (hidden inputs must be data).
    """
    if isinstance(cases, Probe):
        return {"__probe__": {"expr": cases.expr, "params": encode_cases(cases.params)}}
    if isinstance(cases, (list, tuple)):
        return [encode_cases(c) for c in cases]
    if isinstance(cases, dict):
        return {"__dict__": {str(k): encode_cases(v) for k, v in cases.items()}}
    if callable(cases):
        raise record.RecordError(f"hidden inputs must be data; wrap the function "
                                 f"{getattr(cases, '__qualname__', cases)!r} in a Probe")
    return record.encode(cases)


def decode_cases(data: Any) -> Any:
    """The inverse of :func:`encode_cases` (the grader's own data only: probes are evaluated)."""
    if isinstance(data, list):
        return [decode_cases(d) for d in data]
    if isinstance(data, dict) and set(data) == {"__probe__"}:
        body = data["__probe__"]
        return Probe(body["expr"], **decode_cases(body["params"]))
    if isinstance(data, dict) and set(data) == {"__dict__"}:
        return {k: decode_cases(v) for k, v in data["__dict__"].items()}
    return record.decode(data)


def cases_digest(cases: Any) -> str:
    """SHA-256 of the encoded cases: the grader checks that outputs were made on its inputs."""
    text = json.dumps(encode_cases(cases), sort_keys=True, allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------ the grading plan

_PLAN: dict = {}


def grading_plan() -> dict | None:
    """The grading plan of this kernel (read once from :data:`PLAN_ENV`), or None outside grading.

    Returns
    -------
    dict or None
        ``{"assignment", "student", "parameters", "questions": {id: {"kind", "cases"}}}``.
    """
    path = os.environ.get(PLAN_ENV)
    if not path:
        return None
    if path not in _PLAN:
        with open(path, encoding="utf-8") as handle:
            _PLAN[path] = json.load(handle)
    return _PLAN[path]


def planned_record(question_id: str, answer: Any, no_answer: Any) -> dict:
    """The record of ``answer`` while grading, made from the grading plan alone."""
    plan = grading_plan() or {}
    entry = (plan.get("questions") or {}).get(question_id)
    if answer is no_answer:
        return record.make_record(question_id, {"missing": True})
    if entry is None:
        return record.make_record(question_id, {"unrecordable": "no such question in this "
                                                               "assignment's grading plan"})
    try:
        if entry["kind"] not in BEHAVIOURAL_KINDS:
            return record.make_record(question_id, {"value": answer})
        return record.make_record(question_id, run_cases(entry["kind"], answer,
                                                         decode_cases(entry["cases"])))
    except record.RecordError as exc:
        return record.make_record(question_id, {"unrecordable": str(exc)})
    except Exception as exc:  # an answer whose methods raise is a wrong answer, not a crash
        problem = record.error_entry(exc)["__error__"]
        return record.make_record(question_id, {"unrecordable": f"reading it raised "
                                                               f"{problem['type']}: "
                                                               f"{problem['message'][:200]}"})


# ------------------------------------------------------------------ running student code

def run_cases(kind: str, answer: Any, cases: list) -> dict:
    """Run a behavioural answer on every case; errors it raises are recorded as outputs.

    Returns
    -------
    dict
        ``{"inputs": cases_digest(cases), "outputs": [...]}``, or
        ``{"inputs": ..., "not_callable": type name}``.
    """
    digest = cases_digest(cases)
    if not callable(answer):
        return {"inputs": digest, "not_callable": type(answer).__name__}
    outputs = []
    for case in cases:
        try:
            outputs.append(DRIVERS[kind](answer, copy.deepcopy(case)))
        except Exception as exc:  # the student's code failing is an answer, not a crash
            outputs.append(exc)
    return {"inputs": digest, "outputs": outputs}


def _run_function(f: Callable, args: tuple) -> Any:
    return f(*args)


def _run_layer(cls: Callable, case: dict) -> dict:
    layer = cls(**case.get("init", {}))
    for name, value in case.get("params", {}).items():
        layer.params[name][...] = value
    y = layer.forward(np.array(case["x"], dtype=float))
    grad_in = layer.backward(np.array(case["grad_out"], dtype=float))
    grads = {name: np.array(layer.grads[name], dtype=float) for name in case.get("params", {})}
    return {"forward": np.asarray(y, dtype=float), "grad_input": np.asarray(grad_in, dtype=float),
            "grads": grads, "gradcheck": _directional_differences(layer, case)}


def directions(case: dict) -> dict:
    """Fixed random directions d for the input and each parameter (the same in kernel and grader)."""
    rng = np.random.default_rng(20240917)
    out = {"input": rng.standard_normal(np.shape(case["x"]))}
    for name in sorted(case.get("params", {})):
        out[name] = rng.standard_normal(np.shape(case["params"][name]))
    return out


def _directional_differences(layer, case: dict) -> dict:
    """Centred differences of L(θ) = <grad_out, forward(θ)> along each direction d.

    Compared in the grader with <∂L/∂θ, d> from the recorded backward: a
    gradient check of the student's backward against their own forward.
    """
    g, x = np.asarray(case["grad_out"], dtype=float), np.array(case["x"], dtype=float)
    out = {}
    for name, d in directions(case).items():
        if name == "input":
            plus, minus = layer.forward(x + _H * d), layer.forward(x - _H * d)
        else:
            p = layer.params[name]
            p += _H * d
            plus = np.array(layer.forward(x), dtype=float)
            p -= 2 * _H * d
            minus = np.array(layer.forward(x), dtype=float)
            p += _H * d
        diff = np.asarray(plus, dtype=float) - np.asarray(minus, dtype=float)
        out[name] = float(np.sum(g * diff) / (2 * _H))
    return out


def _run_optimizer(cls: Callable, case: dict) -> list:
    params = [np.array(p, dtype=float) for p in case["params"]]
    opt = cls(params, **case.get("hyper", {}))
    path = []
    for grads in case["grads"]:
        opt.step([np.array(g, dtype=float) for g in grads])
        path.append([p.copy() for p in params])
    return path


#: How each behavioural kind runs an answer on one case.
DRIVERS: dict[str, Callable[[Any, Any], Any]] = {
    "function": _run_function, "layer": _run_layer, "optimizer": _run_optimizer}
