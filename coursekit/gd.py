"""Gradient descent as the lectures write it: full-batch, with momentum, stochastic and mini-batch.

Both functions return the whole trajectory (every iterate, starting point
included) so that explorers can plot it and exercises can check any step.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from coursekit import _validation as _check

__all__ = ["gradient_descent", "minibatch_gradient_descent"]


def gradient_descent(
    grad: Callable,
    x0,
    lr: float,
    steps: int,
    momentum: float = 0.0,
    tol: float | None = None,
    nesterov: bool = False,
) -> np.ndarray:
    r"""Iterate β⁽ʳ⁺¹⁾ = β⁽ʳ⁾ − α ∇f(β⁽ʳ⁾) + η (β⁽ʳ⁾ − β⁽ʳ⁻¹⁾) and return every iterate.

    Parameters
    ----------
    grad : callable
        ∇f: maps an iterate (a float64 scalar, or an array of ``x0``'s shape)
        to the gradient at that point, of the same shape.
    x0 : float or array_like, shape (d,) (any shape works)
        Starting point β⁽⁰⁾.
    lr : float
        Learning rate α ≥ 0.
    steps : int
        Number of updates r ≥ 0 (fewer are taken if ``tol`` stops early).
    momentum : float, default 0.0
        Momentum coefficient η ≥ 0 of the heavy-ball term η Δβ⁽ʳ⁾ with
        Δβ⁽ʳ⁾ = β⁽ʳ⁾ − β⁽ʳ⁻¹⁾. The first step has no previous step, so
        Δβ⁽⁰⁾ = 0 and it is a plain gradient step.
    tol : float, optional
        Stopping rule of the lectures: stop after the update for which
        ‖β⁽ʳ⁾ − β⁽ʳ⁻¹⁾‖ < ε (ε = ``tol`` > 0); that iterate is the last row.
    nesterov : bool, default False
        Evaluate the gradient at the look-ahead point β⁽ʳ⁾ + η Δβ⁽ʳ⁾
        (Nesterov momentum) instead of at β⁽ʳ⁾. With η = 0 this is plain
        gradient descent.

    Returns
    -------
    ndarray of float64
        The iterates β⁽⁰⁾, …, β⁽ᵏ⁾: shape (k+1,) for a scalar ``x0`` and
        (k+1, d) for ``x0`` of shape (d,), with k = ``steps`` unless ``tol``
        stopped the run earlier. A diverging run is not stopped: its iterates
        grow (possibly to ±inf), which is what the explorers show.

    Raises
    ------
    ValueError
        If ``lr`` or ``momentum`` is negative, NaN or infinite, ``tol`` is not
        positive, ``steps`` is negative, or ``grad`` returns an array of the
        wrong shape. The message names the argument.
    TypeError
        If ``steps`` is not an integer, ``x0`` or a number is not real,
        ``nesterov`` is not a bool, or ``grad`` returns something that is
        not real-valued.

    Notes
    -----
    The lecture's heavy-ball form β⁽ʳ⁺¹⁾ = β⁽ʳ⁾ − α ∂f/∂β + η Δβ equals the
    form hₜ = η hₜ₋₁ + α gₜ, wₜ = wₜ₋₁ − hₜ (with h₀ = 0) and PyTorch's
    SGD with ``momentum=η`` while α is constant. Nesterov:
    hₜ = η hₜ₋₁ + α ∇f(wₜ₋₁ − η hₜ₋₁), wₜ = wₜ₋₁ − hₜ.

    For the lecture's exercise f(β) = 5β² − 3β + 2 (f′(β) = 10β − 3) from
    β = 4, three steps give −33, 300, −2697 for α = 1 (the slide's −300 and
    2703 drop a sign), 3.63, 3.297, 2.9973 for α = 0.01, and 0.3, 0.3, 0.3
    for α = 0.1, which lands on the minimum at once because α = 1/f″.

    Examples
    --------
    >>> gradient_descent(lambda b: 10 * b - 3, 4.0, lr=1.0, steps=3).tolist()
    [4.0, -33.0, 300.0, -2697.0]
    """
    x = _check.real_array(x0, "x0").copy()
    lr = _check.non_negative(lr, "lr")
    momentum = _check.non_negative(momentum, "momentum")
    steps = _check.integer(steps, "steps")
    tol = None if tol is None else _check.positive(tol, "tol")
    nesterov = _check.flag(nesterov, "nesterov")

    iterates = [x.copy()]
    previous_step = np.zeros_like(x)
    for _ in range(steps):
        look_ahead = x + momentum * previous_step if nesterov else x
        g = _gradient(grad, look_ahead, x.shape)
        step = momentum * previous_step - lr * g
        x = x + step
        iterates.append(x)
        if tol is not None and np.linalg.norm(step) < tol:
            break
        previous_step = step
    return np.stack(iterates)


def minibatch_gradient_descent(
    grad_fn: Callable,
    w0,
    X,
    y,
    lr: float,
    epochs: int,
    batch_size: int,
    rng=None,
    shuffle: bool = True,
    tol: float | None = None,
) -> np.ndarray:
    r"""Mini-batch gradient descent wᵗ = wᵗ⁻¹ − ηₜ gₜ over a data set; batch size 1 is SGD.

    Parameters
    ----------
    grad_fn : callable
        ``grad_fn(w, X_batch, y_batch)`` returns gₜ, the gradient of the loss
        averaged over the batch, with ``w``'s shape; for the lecture's
        gₜ = (1/m) Σⱼ ∇L(wᵗ⁻¹; x_{iⱼ}, y_{iⱼ}).
    w0 : array_like, shape (d,)
        Initial weights w⁰.
    X : array_like, shape (ℓ, ...)
        Training inputs, one row per sample.
    y : array_like, shape (ℓ,) or (ℓ, ...)
        Training targets, one per row of ``X``.
    lr : float
        Learning rate η ≥ 0 (constant).
    epochs : int
        Number of passes over the data (≥ 0).
    batch_size : int
        Batch size m, 1 ≤ m ≤ ℓ. ``1`` is stochastic gradient descent and
        ``len(X)`` full-batch gradient descent. Each epoch has ⌈ℓ/m⌉ updates;
        the last batch is smaller when m does not divide ℓ.
    rng : numpy.random.Generator, int or None
        Source of the random order: a Generator (advanced in place), a seed,
        or None for the fixed seed 0. Equal seeds give equal runs.
    shuffle : bool, default True
        Draw a new random permutation of the samples every epoch; without
        it batches are taken in order.
    tol : float, optional
        Stop after the first update with ‖wᵗ − wᵗ⁻¹‖ < ε (ε = ``tol``).

    Returns
    -------
    ndarray of float64, shape (1 + updates, d)
        w⁰ and then the weights after every update.

    Raises
    ------
    ValueError
        If the lengths of ``X`` and ``y`` differ, ``batch_size`` is out of
        range, ``lr`` is negative, ``tol`` is not positive, or ``grad_fn``
        returns the wrong shape. The message names the argument.
    TypeError
        If ``epochs`` or ``batch_size`` is not an integer, ``w0`` or ``lr`` is
        not real, ``rng`` is not a seed or Generator, or ``grad_fn`` returns
        something that is not real-valued.

    Notes
    -----
    The lecture draws random indices i₁, …, i_m at every step; sampling
    without replacement within an epoch (a shuffled pass) is the usual
    practice and visits every sample once per epoch.

    Examples
    --------
    >>> X, y = np.array([[1.0], [2.0]]), np.array([2.0, 4.0])
    >>> grad = lambda w, Xb, yb: 2 * Xb.T @ (Xb @ w - yb) / len(yb)
    >>> minibatch_gradient_descent(grad, [0.0], X, y, lr=0.1, epochs=1, batch_size=2, rng=0).tolist()
    [[0.0], [1.0]]
    """
    w = _check.real_array(w0, "w0").copy()
    X, y = _check.same_length(X, y)
    lr = _check.non_negative(lr, "lr")
    epochs = _check.integer(epochs, "epochs")
    batch_size = _check.integer(batch_size, "batch_size", minimum=1)
    if batch_size > len(X):
        raise ValueError(f"batch_size must be between 1 and len(X) = {len(X)}, got {batch_size}")
    tol = None if tol is None else _check.positive(tol, "tol")
    shuffle = _check.flag(shuffle, "shuffle")
    generator = _check.generator(rng)

    iterates = [w.copy()]
    for _ in range(epochs):
        order = generator.permutation(len(X)) if shuffle else np.arange(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            step = -lr * _gradient(lambda v, b=batch: grad_fn(v, X[b], y[b]), w, w.shape, "grad_fn")
            w = w + step
            iterates.append(w)
            if tol is not None and np.linalg.norm(step) < tol:
                return np.stack(iterates)
    return np.stack(iterates)


# --------------------------------------------------------------------------- helpers
def _gradient(grad: Callable, x: np.ndarray, shape: tuple[int, ...], name: str = "grad") -> np.ndarray:
    """Call the gradient function and check that its result has the iterate's shape."""
    g = _check.real_array(grad(x[()] if x.ndim == 0 else x.copy()), f"the result of {name}")
    if g.shape != shape:
        raise ValueError(f"{name} returned shape {g.shape}, but the iterate has shape {shape}")
    return g
