"""Linear regression a(x) = wᵀx: exact solution, gradient descent, polynomials, L2 and L1.

The loss is the lecture's mean squared error over ℓ samples,

    L(w) = (1/ℓ) ‖Xw − y‖²,    ∇L(w) = (2/ℓ) Xᵀ(Xw − y),

where the rows of X (ℓ × d) are the samples. A bias b is one more weight on a
column of ones (``polynomial_features`` puts it first).

    >>> import numpy as np
    >>> X = polynomial_features(np.array([0.0, 1.0, 2.0]), degree=1)
    >>> fit_exact(X, np.array([1.0, 3.0, 5.0]))           # y = 1 + 2x
    array([1., 2.])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from coursekit import _validation as _check
from coursekit import gd

__all__ = [
    "mse_loss",
    "mse_gradient",
    "fit_exact",
    "fit_gd",
    "polynomial_features",
    "ridge",
    "soft_threshold",
    "lasso",
]


def _design(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """X as a float64 (ℓ, d) matrix and y as ℓ float64 targets."""
    X, y = _check.real_array(X, "X"), _check.real_array(y, "y")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (samples ℓ, features d), got shape {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(
            f"y must have shape ({X.shape[0]},) (one target per row of X), got {y.shape}"
        )
    return X, y


def _weights(w: Any, d: int, name: str = "w") -> np.ndarray:
    w = _check.real_array(w, name)
    if w.shape != (d,):
        raise ValueError(f"{name} must have shape ({d},) (one weight per column of X), got {w.shape}")
    return w


def mse_loss(X: Any, y: Any, w: Any) -> float:
    """Mean squared error L(w) = (1/ℓ) Σᵢ (wᵀxᵢ − yᵢ)².

    Parameters
    ----------
    X : array_like, shape (ℓ, d)
    y : array_like, shape (ℓ,)
    w : array_like, shape (d,)

    Returns
    -------
    float
        L(w) ≥ 0.

    Raises
    ------
    ValueError
        If X is not 2-D or the shapes of X, y and w do not fit together.
    TypeError
        If an argument is not real-valued.

    Notes
    -----
    The linear-regression lecture's loss, (1/ℓ)‖Xw − y‖²: the squared
    residuals Xw − y averaged over the ℓ samples.

    Examples
    --------
    >>> mse_loss(np.array([[1.0], [2.0]]), np.array([1.0, 2.0]), np.array([0.0]))
    2.5
    """
    X, y = _design(X, y)
    residual = X @ _weights(w, X.shape[1]) - y
    return float(residual @ residual) / len(y)


def mse_gradient(X: Any, y: Any, w: Any) -> np.ndarray:
    """Gradient of the mean squared error, ∇L(w) = (2/ℓ) Xᵀ(Xw − y).

    Parameters
    ----------
    X : array_like, shape (ℓ, d)
    y : array_like, shape (ℓ,)
    w : array_like, shape (d,)

    Returns
    -------
    ndarray, shape (d,)

    Raises
    ------
    ValueError
        If X is not 2-D or the shapes of X, y and w do not fit together.
    TypeError
        If an argument is not real-valued.

    Notes
    -----
    L(w) = (1/ℓ)(Xw − y)ᵀ(Xw − y); the chain rule through the residual
    r = Xw − y (∂r/∂w = X) gives ∇L = (2/ℓ) Xᵀ r, the lecture's formula.
    One matrix product for all samples: no loop over them.

    Examples
    --------
    >>> mse_gradient(np.array([[1.0], [2.0]]), np.array([1.0, 2.0]), np.array([0.0]))
    array([-5.])
    """
    X, y = _design(X, y)
    w = _weights(w, X.shape[1])
    return (2.0 / len(y)) * (X.T @ (X @ w - y))


def fit_exact(X: Any, y: Any, method: str = "lstsq") -> np.ndarray:
    """The exact minimiser of the MSE, w = (XᵀX)⁻¹Xᵀy, computed stably.

    Parameters
    ----------
    X : array_like, shape (ℓ, d)
    y : array_like, shape (ℓ,)
    method : {"lstsq", "solve"}, default "lstsq"
        ``"lstsq"``: least squares by the SVD of X (``numpy.linalg.lstsq``);
        when XᵀX is singular (fewer samples than weights, repeated columns)
        it returns the minimiser of smallest norm ‖w‖.
        ``"solve"``: the normal equations XᵀX w = Xᵀy solved by LU
        factorisation (``numpy.linalg.solve``); needs XᵀX invertible.

    Returns
    -------
    ndarray, shape (d,)

    Raises
    ------
    ValueError
        Bad shapes, an unknown method, or a singular XᵀX with ``"solve"``.

    Notes
    -----
    Setting ∇L = (2/ℓ)Xᵀ(Xw − y) = 0 gives the lecture's
    w = (XᵀX)⁻¹Xᵀy. Computing the inverse explicitly is never needed: it
    costs more than solving the system, and its rounding errors are
    amplified by the condition number κ(XᵀX) = κ(X)², which is huge for
    polynomial features. ``solve`` avoids the inverse but still squares κ;
    ``lstsq`` works on X itself (error ∝ κ(X)) and copes with singular XᵀX,
    so it is the default.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> fit_exact(X, np.array([1.0, 3.0, 5.0]), method="solve")
    array([1., 2.])
    """
    X, y = _design(X, y)
    if method == "lstsq":
        return np.linalg.lstsq(X, y, rcond=None)[0]
    if method == "solve":
        try:
            return np.linalg.solve(X.T @ X, X.T @ y)
        except np.linalg.LinAlgError:
            raise ValueError(
                "XᵀX is singular (fewer independent rows than weights?); use method='lstsq'"
            ) from None
    raise ValueError(f"method must be 'lstsq' or 'solve', got {method!r}")


def fit_gd(X: Any, y: Any, lr: float, steps: int, tol: float | None = None,
           w0: Any = None) -> np.ndarray:
    """Linear regression by full-batch gradient descent on the MSE.

    Parameters
    ----------
    X : array_like, shape (ℓ, d)
    y : array_like, shape (ℓ,)
    lr : float
        Learning rate η.
    steps : int
        Maximum number of steps.
    tol : float, optional
        Stop when ‖wᵗ − wᵗ⁻¹‖ < tol (the lecture's stopping rule ε).
    w0 : array_like, shape (d,), optional
        Starting weights (zeros by default).

    Returns
    -------
    ndarray, shape (t + 1, d)
        The iterates w⁰, …, wᵗ (t = steps, or fewer if ``tol`` stopped it);
        the last row is the fitted w.

    Raises
    ------
    ValueError
        Bad shapes, a negative ``lr``, a negative ``steps`` or a ``tol`` that
        is not positive.
    TypeError
        Non-numeric data, or ``steps`` not an integer.

    Notes
    -----
    wᵗ = wᵗ⁻¹ − η (2/ℓ) Xᵀ(Xwᵗ⁻¹ − y), via
    :func:`coursekit.gd.gradient_descent`. It converges for
    η < ℓ / λ_max(XᵀX) (the inverse of half the largest curvature).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> fit_gd(X, np.array([1.0, 3.0, 5.0]), lr=0.2, steps=500)[-1].round(6)
    array([1., 2.])
    """
    X, y = _design(X, y)
    w0 = np.zeros(X.shape[1]) if w0 is None else _weights(w0, X.shape[1], "w0")
    return gd.gradient_descent(lambda w: mse_gradient(X, y, w), w0, lr, steps, tol=tol)


def polynomial_features(x: Any, degree: int, include_bias: bool = True) -> np.ndarray:
    """Columns 1, x, x², …, x^degree of a 1-D input.

    Parameters
    ----------
    x : array_like, shape (ℓ,) or (ℓ, 1)
    degree : int, >= 0
    include_bias : bool, default True
        Include the column of ones (the weight of the bias b).

    Returns
    -------
    ndarray, shape (ℓ, degree + 1) (or (ℓ, degree) without the bias)

    Raises
    ------
    ValueError
        If ``x`` is not 1-D (or one column) or ``degree`` is negative.
    TypeError
        If ``x`` is not real-valued, ``degree`` not an integer or
        ``include_bias`` not a bool.

    Notes
    -----
    The lecture's a(x) = b + w₁x + … + w_k x^k is linear in its weights, so
    linear regression on these features fits a polynomial.

    Examples
    --------
    >>> polynomial_features([2.0, 3.0], degree=3)
    array([[ 1.,  2.,  4.,  8.],
           [ 1.,  3.,  9., 27.]])
    """
    x = _check.real_array(x, "x")
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"x must be 1-D (or one column), got shape {x.shape}")
    degree = _check.integer(degree, "degree")
    include_bias = _check.flag(include_bias, "include_bias")
    powers = np.arange(0 if include_bias else 1, degree + 1)
    return x[:, None] ** powers


def ridge(X: Any, y: Any, lam: float) -> np.ndarray:
    """L2-regularised least squares: argmin (1/ℓ)‖Xw − y‖² + λ‖w‖².

    Parameters
    ----------
    X : array_like, shape (ℓ, d)
    y : array_like, shape (ℓ,)
    lam : float, >= 0
        Regularisation strength λ (every weight is penalised, the bias too).

    Returns
    -------
    ndarray, shape (d,)

    Raises
    ------
    ValueError
        Bad shapes, or ``lam`` negative or NaN.
    TypeError
        Non-numeric data or ``lam``.

    Notes
    -----
    Setting the gradient (2/ℓ)Xᵀ(Xw − y) + 2λw to zero gives
    (XᵀX + ℓλI) w = Xᵀy: adding ℓλ to the diagonal makes the system
    invertible for any λ > 0. It is solved as the least-squares problem
    [X; √(ℓλ) I] w ≈ [y; 0], which has the same solution without squaring
    the condition number. λ = 0 is :func:`fit_exact`.

    Examples
    --------
    >>> X = np.eye(2)
    >>> ridge(X, np.array([1.0, 2.0]), lam=0.5)      # shrinks by 1/(1 + ℓλ) = 1/2
    array([0.5, 1. ])
    """
    X, y = _design(X, y)
    lam = _check.non_negative(lam, "lam")
    d = X.shape[1]
    augmented = np.vstack([X, np.sqrt(len(y) * lam) * np.eye(d)])
    return np.linalg.lstsq(augmented, np.concatenate([y, np.zeros(d)]), rcond=None)[0]


def soft_threshold(w: Any, threshold: float) -> np.ndarray:
    """The proximal map of t‖w‖₁: sign(w) · max(|w| − t, 0).

    Parameters
    ----------
    w : array_like, any shape
        Weights.
    threshold : float, >= 0
        t, the amount every weight is pulled towards 0.

    Returns
    -------
    ndarray, same shape as ``w``
        Weights with |wⱼ| ≤ t set to exactly 0 and the others shrunk by t.

    Raises
    ------
    ValueError
        If ``threshold`` is negative or NaN.
    TypeError
        If ``w`` or ``threshold`` is not real-valued.

    Notes
    -----
    S(w, t) = argmin_v ½‖v − w‖² + t‖v‖₁, solved coordinate by coordinate:
    the L1 step of :func:`lasso`.

    Examples
    --------
    >>> soft_threshold(np.array([-3.0, 0.5, 2.0]), 1.0)
    array([-2.,  0.,  1.])
    """
    w = _check.real_array(w, "w")
    threshold = _check.non_negative(threshold, "threshold")
    return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)


def lasso(X: Any, y: Any, lam: float, lr: float | None = None, steps: int = 5000,
          method: str = "exact", tol: float | None = 1e-10) -> np.ndarray:
    """L1-regularised least squares: argmin (1/ℓ)‖Xw − y‖² + λ‖w‖₁.

    Parameters
    ----------
    X : array_like, shape (ℓ, d)
    y : array_like, shape (ℓ,)
    lam : float, >= 0
        Regularisation strength λ.
    lr : float, optional
        Step size η of the iterative methods; by default 1/L with
        L = 2σ_max(X)²/ℓ, the Lipschitz constant of ∇L, for which the proximal
        method is guaranteed to converge.
    steps : int, default 5000
        Maximum number of iterations of the iterative methods.
    method : {"exact", "proximal", "subgradient"}, default "exact"
        See Notes.
    tol : float or None, default 1e-10
        Iterative methods stop when ‖wᵗ − wᵗ⁻¹‖ < tol.

    Returns
    -------
    ndarray, shape (d,)

    Raises
    ------
    ValueError
        Bad shapes, negative ``lam``, ``lr`` or ``steps``, a ``tol`` that is
        not positive, or an unknown ``method``; for ``"exact"``, columns of X
        that are linearly dependent where the solution needs them (duplicated
        features, say): use ``"proximal"`` then.
    TypeError
        Non-numeric data or ``steps`` not an integer.

    Notes
    -----
    ‖w‖₁ has no derivative where a weight is 0. Three ways around it:

    - ``"exact"``: follow the solution w(λ) from w = 0 at the largest useful λ
      down to ``lam`` (the homotopy or LARS-lasso method). w(λ) is linear in λ
      between the points where a weight becomes non-zero or returns to 0, so
      the path is a few small least-squares solves and ends at the optimum,
      whatever the conditioning of X. ``lr``, ``steps`` and ``tol`` are unused.
    - ``"subgradient"``: use sign(w) (0 at 0) as the derivative,
      wᵗ = wᵗ⁻¹ − η(∇L + λ sign(wᵗ⁻¹)). Weights oscillate around 0 and are
      almost never exactly 0.
    - ``"proximal"`` (ISTA): take the plain gradient step, then solve the
      L1 part exactly: wᵗ = S(wᵗ⁻¹ − η∇L, ηλ) with S the
      :func:`soft_threshold`. Weights whose feature does not pay for its
      penalty land on exactly 0: the sparsity that L1 is known for, unlike
      L2, which only shrinks. On nearly collinear features (high-degree
      polynomials) it needs far more than 5000 steps to get close.

    Examples
    --------
    >>> X = np.eye(3) * np.sqrt(3)
    >>> lasso(X, np.array([2.0, 0.2, -1.0]) * np.sqrt(3), lam=1.0).round(6)
    array([ 1.5,  0. , -0.5])
    """
    X, y = _design(X, y)
    lam = _check.non_negative(lam, "lam")
    _check.one_of(method, "method", ("exact", "proximal", "subgradient"))
    lr = None if lr is None else _check.non_negative(lr, "lr")
    steps = _check.integer(steps, "steps")
    tol = None if tol is None else _check.positive(tol, "tol")
    if method == "exact":
        return _lasso_exact(X, y, lam)
    if lr is None:
        lipschitz = 2.0 * np.linalg.norm(X, 2) ** 2 / len(y)
        lr = 1.0 / lipschitz if lipschitz > 0 else 1.0
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        step = w - lr * mse_gradient(X, y, w)
        if method == "proximal":
            new = soft_threshold(step, lr * lam)
        else:
            new = step - lr * lam * np.sign(w)
        converged = tol is not None and np.linalg.norm(new - w) < tol
        w = new
        if converged:
            break
    return w


def _lasso_exact(X: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """The lasso optimum by the homotopy path; λ = 0 is least squares (minimum norm)."""
    from coursekit._lasso_path import lasso_homotopy

    if lam == 0:
        return fit_exact(X, y)
    try:
        w = lasso_homotopy(X, y, lam)
    except np.linalg.LinAlgError:
        w = np.full(X.shape[1], np.nan)
    if not np.all(np.isfinite(w)) or _optimality_gap(X, y, w, lam) > 1e-6:
        raise ValueError("the exact lasso needs linearly independent columns of X where the solution "
                         "uses them (duplicated or collinear features?); use method='proximal'")
    return w


def _optimality_gap(X: np.ndarray, y: np.ndarray, w: np.ndarray, lam: float) -> float:
    """How far w is from 0 ∈ ∇L(w) + λ∂‖w‖₁, relative to max(1, ‖∇L(0)‖∞), the largest useful λ."""
    grad = mse_gradient(X, y, w)
    gap = np.where(w != 0, np.abs(grad + lam * np.sign(w)), np.maximum(np.abs(grad) - lam, 0.0))
    largest = float(np.max(np.abs(mse_gradient(X, y, np.zeros_like(w))), initial=0.0))
    return float(np.max(gap, initial=0.0)) / max(1.0, largest)
