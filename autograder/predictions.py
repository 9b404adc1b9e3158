"""Judging a student's predictor on data the grader keeps: accuracy and mean squared error.

Some questions grade what a trained model predicts rather than compare it with a reference
answer: the kernel receives inputs only (points, images, noisy samples), the student's
``predict`` returns one value per row, and the grader compares those with the labels or the
noise-free targets it kept (they never reach the kernel). The question's ``score`` function
builds its :class:`~autograder.verdict.Part` with :func:`accuracy_part` or :func:`mse_part`:
a pass or a fail with the measured figure, never the expected values.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from autograder.hints import hint_for
from autograder.verdict import Part

if TYPE_CHECKING:  # only for annotations
    from autograder.questions import Question

__all__ = ["accuracy_part", "mse_part"]


def _values(q: Question, output: Any, size: int, what: str, name: str):
    """``output`` as a flat float array of ``size`` values, or the Part that says why it is not one."""
    try:
        values = np.asarray(output, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        values = None
    if values is None or values.size != size:
        got = "no numbers" if values is None else values.size
        return None, Part(name, False, f"expected {what} per row, {size} in all; got {got}",
                          "wrong_shape", hint_for(q, "wrong_shape"))
    return values, None


def accuracy_part(q: Question, output: Any, labels: np.ndarray, minimum: float, *, name: str = "",
                  classes: str = "one class", binary: bool = False, of: str = "new points") -> Part:
    """A pass when the predicted classes match ``labels`` on at least ``minimum`` of the rows.

    Parameters
    ----------
    q : Question
        The question judged (its hints explain a failure).
    output : array_like, shape (N,)
        What the student's predictor returned for the N inputs.
    labels : ndarray, shape (N,)
        The classes the grader kept.
    minimum : float
        The least accuracy that passes, in [0, 1].
    name, classes, of : str
        The part's name, what one prediction is ("one digit") and what the inputs are, for the message.
    binary : bool
        Compare ``output > 0.5`` with ``labels > 0.5`` (classes 0 and 1 given as probabilities too).

    Returns
    -------
    Part
        Correct, or wrong with the measured accuracy (or the shape problem) and the question's hint.

    Examples
    --------
    >>> from autograder.questions import get
    >>> accuracy_part(get("08_mlp.capstone_digits"), [1, 2, 3], np.array([1, 2, 0]), 0.5).correct
    True
    """
    predicted, problem = _values(q, output, len(labels), classes, name)
    if problem:
        return problem
    same = (predicted > 0.5) == (labels > 0.5) if binary else predicted == labels
    accuracy = float(np.mean(same))
    if accuracy >= minimum:
        return Part(name, True, "", None, "")
    return Part(name, False, f"accuracy {accuracy:.3f} on {len(labels)} {of} (at least {minimum} passes)",
                None, hint_for(q, None))


def mse_part(q: Question, output: Any, target: np.ndarray, maximum: float, *, name: str = "") -> Part:
    """A pass when the predictions are within mean squared error ``maximum`` of ``target``.

    Parameters
    ----------
    q : Question
        The question judged.
    output : array_like, shape (N,)
        What the student's predictor returned for the N inputs.
    target : ndarray, shape (N,)
        The noise-free values the grader kept.
    maximum : float
        The largest mean squared error that passes.

    Returns
    -------
    Part
        Correct, or wrong with the measured error (infinite for non-finite predictions).

    Examples
    --------
    >>> from autograder.questions import get
    >>> mse_part(get("08_mlp.capstone_regression"), [0.1, 0.0], np.zeros(2), 0.03).correct
    True
    """
    predicted, problem = _values(q, output, len(target), "one number", name)
    if problem:
        return problem
    finite = np.all(np.isfinite(predicted))
    mse = float(np.mean((predicted - target) ** 2)) if finite else float("inf")
    if mse <= maximum:
        return Part(name, True, "", None, "")
    return Part(name, False, f"mean squared error {mse:.3g} from the noise-free curve on {len(target)} "
                             f"new points (at most {maximum} passes)", None, hint_for(q, None))
