"""Gradient checking: compare a coded gradient with centred finite differences.

The same tools serve the course's tests, the students' notebooks and the
auto-grader. :func:`relative_error` is the measure used everywhere: in float64,
a correct gradient gives about 1e-7 or less (see :data:`TOLERANCE`); a wrong
one typically gives 1e-2 or more.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from coursekit import _validation as _check

__all__ = ["TOLERANCE", "numerical_gradient", "relative_error", "check_layer", "check_loss"]

#: A relative error below this (in float64) means the gradient is right.
TOLERANCE = 1e-7

_UNIT_ROUNDOFF = np.finfo(np.float64).eps / 2
_MARGIN = 100.0     # how far below TOLERANCE the rounding of a correct check stays


def numerical_gradient(f: Callable[[np.ndarray], float], x, h: float = 1e-6) -> np.ndarray:
    r"""Estimate ∇f(x) by centred finite differences.

    Parameters
    ----------
    f : callable
        Function of one argument returning a real scalar; it is called with
        ``x`` itself (perturbed in place), so ``f`` may also ignore its
        argument and read ``x`` from a closure, e.g. a layer's weight array.
    x : ndarray of float64, any shape, or float
        Point at which to differentiate. A writeable float64 array is perturbed in place,
        one entry at a time, and restored exactly before returning (also when
        ``f`` raises). Anything else is first copied to a new float64 array.
    h : float, default 1e-6
        Step size, > 0.

    Returns
    -------
    ndarray of float64, same shape as ``x``
        ∂f/∂xᵢ ≈ (f(x + h eᵢ) − f(x − h eᵢ)) / (2h) for every entry i
        (with 2h the step as stored, see Notes).

    Raises
    ------
    ValueError
        If ``h`` is not a positive finite number.
    TypeError
        If ``h`` is not a real number, ``x`` not real-valued, or ``f`` does
        not return a real scalar.

    Notes
    -----
    The error of the centred difference is O(h²) (the first-order terms of
    the two Taylor expansions cancel), against O(h) for the one-sided
    (f(x + h) − f(x)) / h of the derivative's definition. It costs 2·size(x)
    calls of f, one pair per entry (the only loop over array entries in
    coursekit): right for checking a gradient on small inputs, never for
    training.

    The difference is divided by the step actually taken, the stored
    x + h minus the stored x − h, rather than by 2h: far from 0, x ± h is
    rounded (at x = 1000 by about 1e-13, a relative error of 1e-7 in a step
    of 1e-6), and dividing by 2h would add that rounding to every estimate.

    Examples
    --------
    >>> numerical_gradient(lambda b: 5 * b[0] ** 2 - 3 * b[0] + 2, np.array([4.0])).round(6)
    array([37.])
    """
    h = _check.positive(h, "h")
    if not (isinstance(x, np.ndarray) and x.dtype == np.float64 and x.flags.writeable):
        x = np.array(_check.real_array(x, "x"))
    grad = np.empty(x.shape)
    for index in np.ndindex(x.shape):
        original = x[index]
        try:
            x[index] = original + h
            plus, f_plus = x[index], _scalar(f(x))
            x[index] = original - h
            minus, f_minus = x[index], _scalar(f(x))
        finally:
            x[index] = original
        grad[index] = (f_plus - f_minus) / (plus - minus)
    return grad


def _scalar(value) -> float:
    """Return ``value`` as a float, or raise a TypeError if it is not one real number."""
    array = np.asarray(value)
    if array.size != 1 or array.dtype.kind not in "biuf":
        raise TypeError(
            f"f must return a real scalar, got {type(value).__name__} of shape {array.shape}"
        )
    return float(array.reshape(()))


def relative_error(a, b, floor: float = 1e-8) -> float:
    r"""Relative error between two gradients, entry by entry: max |aᵢ − bᵢ| / max(floor, |aᵢ| + |bᵢ|).

    Parameters
    ----------
    a, b : array_like of the same shape
        Typically an analytic and a numerical gradient.
    floor : float, default 1e-8
        Smallest denominator: entries with |aᵢ| + |bᵢ| below it are compared
        by their absolute difference, scaled by ``floor``.

    Returns
    -------
    float
        0 when equal; about 1e-7 or less for a correct float64 gradient
        checked with :func:`numerical_gradient`, on entries that are not tiny
        next to f itself (see Notes); NaN if either holds NaN.

    Raises
    ------
    ValueError
        If the shapes differ.

    Notes
    -----
    The form used by CS231n: each entry's difference is scaled by that
    entry's own magnitude, and the largest ratio is reported, so one wrong
    entry shows even beside entries a million times larger. The floor keeps
    two gradients that are both (nearly) zero from dividing by zero.

    Centred differences resolve a derivative only to about u·|f|/h in
    absolute terms (u = 1.1e-16, float64's rounding unit): about 1e-10·|f|
    for h = 1e-6. A correct entry far smaller than f itself can therefore
    show more than 1e-7; :func:`check_layer` and :func:`check_loss` raise the
    floor to that resolution.

    Examples
    --------
    >>> relative_error([1.0, 2.0], [1.0, 2.0])
    0.0
    >>> relative_error([1000.0, 1e-5], [1000.0, 2e-5])   # one small entry twice too large
    0.3333333333333333
    """
    a, b = _check.real_array(a, "a"), _check.real_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    floor = _check.positive(floor, "floor")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(floor, np.abs(a) + np.abs(b))))


def _resolution_floor(size: float, h: float) -> float:
    """The floor of :func:`relative_error` for centred differences of f with step ``h``.

    Rounding f's two values (of magnitude ``size``) leaves the difference an
    absolute error of about u·size/h. Entries below the floor are judged by
    their absolute error instead of their own size, so the rounding of a
    correct gradient stays 100 (``_MARGIN``) times below TOLERANCE, and a
    wrong entry still counts once its error is 100 times that resolution.
    """
    return max(1e-8, _MARGIN * _UNIT_ROUNDOFF * abs(size) / (h * TOLERANCE))


def check_layer(layer, x, seed: int = 0, h: float = 1e-6) -> dict[str, float]:
    r"""Gradient-check a layer's ``backward`` against finite differences.

    Parameters
    ----------
    layer : object
        A layer in the course's style: ``forward(x) -> y``,
        ``backward(grad_out) -> grad_in`` (which also fills ``layer.grads``),
        ``params`` and ``grads`` dicts of float64 arrays with the same keys.
        The forward pass must be deterministic (put a dropout layer in eval
        mode first).
    x : array_like of float
        Input batch.
    seed : int, default 0
        Seed for the random upstream gradient G.
    h : float, default 1e-6
        Finite-difference step.

    Returns
    -------
    dict[str, float]
        Relative error for the input (key ``"input"``) and for every parameter
        (keys of ``layer.params``). All should be below :data:`TOLERANCE`.

    Raises
    ------
    TypeError
        If ``layer`` lacks forward/backward/params/grads, a parameter is not a
        float64 array, or ``backward`` returns something of the wrong shape.

    Notes
    -----
    With a random G of the output's shape, the scalar φ = Σ G ⊙ forward(x)
    has ∂φ/∂x = backward(G) and ∂φ/∂θ = grads[θ] for every parameter θ: the
    chain rule of the lecture's modular approach, checked on all entries at
    once. Parameters are perturbed in place and restored.

    Each entry is compared with :func:`relative_error`, whose floor is raised
    to what the differences can resolve: 100·u·S/(h·TOLERANCE), where
    S = Σ|G ⊙ forward(x)| and u = 1.1e-16 (about 0.11·S for h = 1e-6).
    Entries smaller than that are judged by their absolute error, which
    rounding keeps 100 times below TOLERANCE·floor for a correct backward.

    Examples
    --------
    >>> class Scale:
    ...     params = {"w": np.array([2.0])}; grads = {}
    ...     def forward(self, x): self.x = x; return self.params["w"] * x
    ...     def backward(self, g):
    ...         self.grads["w"] = np.array([np.sum(g * self.x)]); return g * self.params["w"]
    >>> max(check_layer(Scale(), np.ones((3, 1))).values()) < TOLERANCE
    True
    """
    _require_layer(layer)
    x = np.array(_check.real_array(x, "x"))
    output = np.asarray(layer.forward(x.copy()), dtype=np.float64)
    upstream = _check.generator(seed, "seed").standard_normal(output.shape)
    floor = _resolution_floor(np.sum(np.abs(upstream * output)), h)

    grad_input = np.asarray(layer.backward(upstream.copy()))
    if grad_input.shape != x.shape:
        raise TypeError(f"layer.backward returned shape {grad_input.shape}, expected the input's shape {x.shape}")
    missing = [name for name in layer.params if name not in layer.grads]
    if missing:
        raise TypeError(f"layer.backward did not fill layer.grads for {', '.join(map(repr, missing))}")
    analytic = {name: np.array(layer.grads[name], dtype=np.float64) for name in layer.params}
    for name, param in layer.params.items():
        if analytic[name].shape != param.shape:
            raise TypeError(f"layer.grads[{name!r}] has shape {analytic[name].shape}, expected {param.shape}")

    def phi(_=None) -> float:
        return float(np.sum(upstream * layer.forward(x)))

    errors = {"input": relative_error(grad_input, numerical_gradient(phi, x, h), floor)}
    for name, param in layer.params.items():
        errors[name] = relative_error(analytic[name], numerical_gradient(phi, param, h), floor)
    return errors


def _require_layer(layer) -> None:
    """Raise a TypeError if ``layer`` does not follow the layer contract."""
    missing = [attr for attr in ("forward", "backward", "params", "grads") if not hasattr(layer, attr)]
    if missing:
        raise TypeError(f"layer must have forward, backward, params and grads; missing {', '.join(missing)}")
    for name, param in layer.params.items():
        if not (isinstance(param, np.ndarray) and param.dtype == np.float64):
            raise TypeError(
                f"layer.params[{name!r}] must be a float64 ndarray for a gradient check, "
                f"got {type(param).__name__} {getattr(param, 'dtype', '')}".rstrip()
            )


def check_loss(loss, y_pred, y, h: float = 1e-6) -> float:
    r"""Gradient-check a loss with respect to its prediction argument.

    Parameters
    ----------
    loss : loss layer or (value, grad) pair
        Either an object with ``forward(y_pred, y) -> float`` and
        ``backward() -> ∂L/∂y_pred`` (the course's loss layers), or a pair of
        functions ``(value(y_pred, y) -> float, grad(y_pred, y) -> array)``,
        such as ``(losses.mse, losses.mse_grad)``.
    y_pred : array_like of float
        Predictions (or logits), the argument differentiated.
    y : array_like
        Targets, held fixed.
    h : float, default 1e-6
        Finite-difference step.

    Returns
    -------
    float
        Relative error between the coded ∂L/∂y_pred and centred differences;
        below :data:`TOLERANCE` for a correct gradient.

    Raises
    ------
    TypeError
        If ``loss`` is neither form, or the gradient has the wrong shape.

    Notes
    -----
    The loss L(ŷ, y) is a scalar, so its gradient is compared directly with
    the centred differences (L(ŷ + h eᵢ) − L(ŷ − h eᵢ)) / (2h) in every entry
    i of ŷ; no random upstream gradient is needed, unlike :func:`check_layer`.
    As there, the floor of :func:`relative_error` is raised to what the
    differences can resolve, 100·u·|L|/(h·TOLERANCE) with u = 1.1e-16.

    Examples
    --------
    >>> check_loss((lambda p, y: np.sum((p - y) ** 2), lambda p, y: 2 * (p - y)),
    ...            np.array([0.5, 2.0]), np.array([1.0, 1.0])) < TOLERANCE
    True
    """
    value, grad = _loss_pair(loss)
    y_pred = np.array(_check.real_array(y_pred, "y_pred"))
    analytic = np.asarray(grad(y_pred.copy(), y), dtype=np.float64)
    if analytic.shape != y_pred.shape:
        raise TypeError(f"the loss gradient has shape {analytic.shape}, expected y_pred's shape {y_pred.shape}")
    numeric = numerical_gradient(lambda p: value(p, y), y_pred, h)
    return relative_error(analytic, numeric, _resolution_floor(_scalar(value(y_pred.copy(), y)), h))


def _loss_pair(loss):
    """Return (value(y_pred, y), grad(y_pred, y)) for a loss layer or a pair of functions."""
    if hasattr(loss, "forward") and hasattr(loss, "backward"):

        def grad(y_pred, y):
            loss.forward(y_pred, y)
            return loss.backward()

        return loss.forward, grad
    if isinstance(loss, tuple) and len(loss) == 2 and all(callable(f) for f in loss):
        return loss
    raise TypeError(
        "loss must be a loss layer with forward(y_pred, y) and backward(), "
        f"or a (value, grad) pair of functions; got {type(loss).__name__}"
    )
