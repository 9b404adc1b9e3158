"""Loss functions L(ŷ, y) of the lectures and their gradients ∂L/∂ŷ.

Every loss takes the prediction first and the target second (as PyTorch
does), works in float64, is vectorised over any batch shape, and has a
``reduction``: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one value
per element, or per sample for :func:`cross_entropy`). Each ``*_grad``
function returns ∂L/∂(first argument) for the same reduction, with the
shape of the first argument.

Numerical rules, the same everywhere:

- logits are never exponentiated directly: softmax and log-softmax subtract
  the largest logit first, and the logit forms of cross-entropy use
  log σ(z) = −softplus(−z), so logits of ±1000 give exact, finite results;
- 0 · log 0 = 0: a class with zero target weight contributes nothing, even if
  its predicted probability is 0;
- a zero probability (or a logit of −∞) for a class with positive target
  weight gives a loss of +∞, as in the lecture's example −1·log 0 = +∞.
  Nothing is clipped, so a loss is never silently finite when it should not be.
"""
from __future__ import annotations

import numpy as np

from coursekit import _validation as _check
from coursekit.activations import sigmoid, softplus

__all__ = [
    "mse",
    "mse_grad",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "softmax",
    "softmax_grad",
    "softmax_jacobian",
    "log_softmax",
    "log_softmax_grad",
    "cross_entropy",
    "cross_entropy_grad",
]

_REDUCTIONS = ("mean", "sum", "none")


# --------------------------------------------------------------------------- helpers
def _pair(y_pred, y, pred_name: str = "y_pred") -> tuple[np.ndarray, np.ndarray]:
    """Validate a prediction and a target of the same shape; return them as float64."""
    y_pred = _check.real_array(y_pred, pred_name)
    y = _check.real_array(y, "y")
    if y_pred.shape != y.shape:
        raise ValueError(
            f"{pred_name} and y must have the same shape, got {y_pred.shape} and {y.shape} "
            "(reshape one of them; broadcasting (n, 1) against (n,) would silently build an n×n loss)"
        )
    return y_pred, y


def _check_reduction(reduction: str) -> None:
    _check.one_of(reduction, "reduction", _REDUCTIONS)


def _reduce(values: np.ndarray, reduction: str):
    """Sum, average or keep the per-element (or per-sample) losses."""
    if reduction == "none":
        return _check.unwrap(values)
    if values.size == 0:
        raise ValueError("cannot reduce a loss over an empty batch")
    total = np.sum(values)
    return total / values.size if reduction == "mean" else total


def _scale(grad: np.ndarray, count: int, reduction: str):
    """The gradient of a reduced loss: per-element gradients divided by ``count`` for a mean."""
    return _check.unwrap(grad / count if reduction == "mean" else grad)


def _weighted_log(weight: np.ndarray, log_value: np.ndarray) -> np.ndarray:
    """weight · log_value with the convention 0 · (−∞) = 0."""
    with np.errstate(invalid="ignore"):
        return np.where(weight == 0, 0.0, weight * log_value)


def _require_unit_interval(values: np.ndarray, name: str) -> None:
    if not np.all((values >= 0) & (values <= 1)):
        raise ValueError(f"{name} must lie in [0, 1] (probabilities); got values from {values.min()} to {values.max()}")


# --------------------------------------------------------------------------- regression
def mse(y_pred, y, reduction: str = "mean"):
    r"""Mean squared error L = (1/N) Σᵢ (ŷᵢ − yᵢ)², or the sum Σᵢ (ŷᵢ − yᵢ)².

    Parameters
    ----------
    y_pred : float or array_like, any shape
        Predictions ŷ.
    y : float or array_like, same shape as ``y_pred``
        Targets y.
    reduction : {"mean", "sum", "none"}, default "mean"
        Average over all N elements (the linear-regression lecture's
        L(w) = (1/ℓ)‖Xw − y‖²), sum them (the first lecture's
        L_MSE = Σᵢ (ŷᵢ − yᵢ)²), or return the elementwise (ŷᵢ − yᵢ)².

    Returns
    -------
    numpy.float64 or ndarray
        The loss; an array of ``y_pred``'s shape for ``"none"``.

    Raises
    ------
    ValueError
        If the shapes differ or ``reduction`` is unknown.

    Notes
    -----
    The two lectures differ only by the factor 1/N, which rescales the
    gradient and so the learning rate that works; ``reduction`` picks one.

    Examples
    --------
    >>> float(mse([1.0, 3.0], [2.0, 5.0], reduction="sum"))
    5.0
    """
    _check_reduction(reduction)
    y_pred, y = _pair(y_pred, y)
    return _reduce((y_pred - y) ** 2, reduction)


def mse_grad(y_pred, y, reduction: str = "mean"):
    r"""Gradient of :func:`mse` with respect to ŷ: 2(ŷ − y), divided by N for the mean.

    Parameters
    ----------
    y_pred, y : array_like of the same shape
    reduction : {"mean", "sum", "none"}, default "mean"
        For ``"none"`` the result is the elementwise derivative 2(ŷᵢ − yᵢ).

    Returns
    -------
    numpy.float64 or ndarray
        ∂L/∂ŷ, same shape as ``y_pred``.

    Raises
    ------
    ValueError
        If the shapes differ or ``reduction`` is unknown.
    TypeError
        If an argument is not real-valued.

    Notes
    -----
    ∂/∂ŷᵢ (ŷᵢ − yᵢ)² = 2(ŷᵢ − yᵢ). Through ŷ = Xw the chain rule gives the
    linear-regression lecture's ∇L(w) = (2/ℓ) Xᵀ(Xw − y).

    Examples
    --------
    >>> mse_grad([1.0, 3.0], [2.0, 5.0]).tolist()
    [-1.0, -2.0]
    """
    _check_reduction(reduction)
    y_pred, y = _pair(y_pred, y)
    return _scale(2.0 * (y_pred - y), y_pred.size, reduction)


# --------------------------------------------------------------------------- binary classification
def binary_cross_entropy(p, y, reduction: str = "mean"):
    r"""Binary cross-entropy L = −[y log p + (1 − y) log(1 − p)] of probabilities p.

    Parameters
    ----------
    p : float or array_like, any shape
        Predicted probabilities ŷ = P(y = 1 | x), in [0, 1].
    y : float or array_like, same shape as ``p``
        Targets in [0, 1] (usually 0 or 1).
    reduction : {"mean", "sum", "none"}, default "mean"

    Returns
    -------
    numpy.float64 or ndarray
        The loss, ≥ 0; +∞ if a confident prediction is entirely wrong.

    Raises
    ------
    ValueError
        If the shapes differ, or ``p`` or ``y`` leaves [0, 1].

    Notes
    -----
    The lecture writes L_CE = Σᵢ yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ); the loss
    to minimise is its negative, which is what this computes. Rules: a term
    whose weight (y or 1 − y) is 0 is 0, so p = 0 with y = 0 costs nothing;
    p = 0 with y = 1 (or p = 1 with y = 0) gives +∞. PyTorch's ``BCELoss``
    instead clamps log at −100; prefer :func:`binary_cross_entropy_with_logits`
    in training, which never meets log 0.

    Examples
    --------
    >>> round(float(binary_cross_entropy(0.5, 1.0)), 4)
    0.6931
    """
    _check_reduction(reduction)
    p, y = _pair(p, y, "p")
    _require_unit_interval(p, "p")
    _require_unit_interval(y, "y")
    with np.errstate(divide="ignore"):
        log_p, log_not_p = np.log(p), np.log1p(-p)
    return _reduce(-(_weighted_log(y, log_p) + _weighted_log(1.0 - y, log_not_p)), reduction)


def binary_cross_entropy_grad(p, y, reduction: str = "mean"):
    r"""Gradient of :func:`binary_cross_entropy` with respect to p: −y/p + (1 − y)/(1 − p).

    Parameters
    ----------
    p, y : array_like of the same shape, in [0, 1]
    reduction : {"mean", "sum", "none"}, default "mean"

    Returns
    -------
    numpy.float64 or ndarray
        ∂L/∂p, same shape as ``p``; ±∞ where the loss is +∞.

    Raises
    ------
    ValueError
        If the shapes differ, ``p`` or ``y`` leaves [0, 1], or ``reduction``
        is unknown.

    Notes
    -----
    Same 0-weight rule as the loss: a term with weight 0 contributes 0.

    Examples
    --------
    >>> float(binary_cross_entropy_grad(0.5, 1.0))
    -2.0
    """
    _check_reduction(reduction)
    p, y = _pair(p, y, "p")
    _require_unit_interval(p, "p")
    _require_unit_interval(y, "y")
    with np.errstate(divide="ignore"):
        grad = -_ratio(y, p) + _ratio(1.0 - y, 1.0 - p)
    return _scale(grad, p.size, reduction)


def _ratio(weight: np.ndarray, value: np.ndarray) -> np.ndarray:
    """weight / value with 0 / 0 = 0 (the derivative of the 0 · log 0 = 0 rule)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(weight == 0, 0.0, weight / value)


def binary_cross_entropy_with_logits(z, y, reduction: str = "mean"):
    r"""Binary cross-entropy of p = σ(z), computed from the logit z without forming p.

    Parameters
    ----------
    z : float or array_like, any shape
        Logits z = w₀ + Σᵢ wᵢxᵢ.
    y : float or array_like, same shape as ``z``
        Targets in [0, 1].
    reduction : {"mean", "sum", "none"}, default "mean"

    Returns
    -------
    numpy.float64 or ndarray
        −[y log σ(z) + (1 − y) log(1 − σ(z))], finite for every finite z.

    Raises
    ------
    ValueError
        If the shapes differ or ``y`` leaves [0, 1].

    Notes
    -----
    Uses log σ(z) = −softplus(−z) and log(1 − σ(z)) = −softplus(z), so
    L = y·softplus(−z) + (1 − y)·softplus(z): exact for z = ±1000, where
    forming σ(z) first would round to 0 or 1 and take log 0.

    Examples
    --------
    >>> float(binary_cross_entropy_with_logits(-1000.0, 1.0))
    1000.0
    """
    _check_reduction(reduction)
    z, y = _pair(z, y, "z")
    _require_unit_interval(y, "y")
    return _reduce(y * softplus(-z) + (1.0 - y) * softplus(z), reduction)


def binary_cross_entropy_with_logits_grad(z, y, reduction: str = "mean"):
    r"""Gradient of :func:`binary_cross_entropy_with_logits` with respect to z: σ(z) − y.

    Parameters
    ----------
    z, y : array_like of the same shape
    reduction : {"mean", "sum", "none"}, default "mean"

    Returns
    -------
    numpy.float64 or ndarray
        ∂L/∂z, same shape as ``z``.

    Raises
    ------
    ValueError
        If the shapes differ, ``y`` leaves [0, 1], or ``reduction`` is unknown.

    Notes
    -----
    With p = σ(z), ∂L/∂p = (p − y)/(p(1 − p)) and dp/dz = σ'(z) = p(1 − p):
    the factors cancel to ∂L/∂z = p − y, bounded by 1 in size however
    confident (and wrong) the logit is.

    Examples
    --------
    >>> float(binary_cross_entropy_with_logits_grad(0.0, 1.0))
    -0.5
    """
    _check_reduction(reduction)
    z, y = _pair(z, y, "z")
    _require_unit_interval(y, "y")
    return _scale(sigmoid(z) - y, z.size, reduction)


# --------------------------------------------------------------------------- softmax
def _shifted_logits(z, axis: int) -> np.ndarray:
    """z − max(z) along ``axis``, after checking the logits can be normalised."""
    z = _check.real_array(z, "z")
    if z.ndim == 0:
        raise ValueError("z must have at least one axis (the classes)")
    if np.isnan(z).any() or np.isposinf(z).any():
        raise ValueError("z must not contain NaN or +inf")
    if z.shape[axis] == 0:
        raise ValueError("z must have at least one class along the softmax axis")
    top = np.max(z, axis=axis, keepdims=True)
    if np.isneginf(top).any():
        raise ValueError("every slice of z along the softmax axis needs at least one finite logit")
    return z - top


def softmax(z, axis: int = -1) -> np.ndarray:
    r"""Softmax σ(z)ₖ = e^{zₖ} / Σⱼ e^{zⱼ} along ``axis``.

    Parameters
    ----------
    z : array_like, shape (..., K, ...)
        Class scores (logits). Entries may be −∞ (probability 0) but not +∞
        or NaN.
    axis : int, default -1
        The class axis.

    Returns
    -------
    ndarray, same shape as ``z``
        Probabilities, non-negative and summing to 1 along ``axis``.

    Raises
    ------
    ValueError
        If ``z`` is a scalar, holds NaN or +∞, or a slice is all −∞.

    Notes
    -----
    σ(z) = σ(z − c) for any constant c; with c = maxₖ zₖ every exponent is
    ≤ 0, so nothing overflows (logits of ±1000 are fine). The lecture's
    scores z = (7, −7.5, 10) give ≈ (0.0474, 2.4·10⁻⁸, 0.9526).

    Examples
    --------
    >>> softmax([7.0, -7.5, 10.0]).round(4).tolist()
    [0.0474, 0.0, 0.9526]
    """
    e = np.exp(_shifted_logits(z, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z, axis: int = -1) -> np.ndarray:
    r"""log σ(z)ₖ = zₖ − log Σⱼ e^{zⱼ}, computed stably.

    Parameters
    ----------
    z : array_like, shape (..., K, ...)
        Logits; −∞ allowed (giving −∞), +∞ and NaN not.
    axis : int, default -1

    Returns
    -------
    ndarray, same shape as ``z``
        Log-probabilities, ≤ 0.

    Raises
    ------
    ValueError
        If ``z`` is a scalar, holds NaN or +∞, or a slice is all −∞.

    Notes
    -----
    With c = max z: log σ(z)ₖ = (zₖ − c) − log Σⱼ e^{zⱼ − c}; the sum is at
    least 1, so its log is finite, and no probability is rounded to 0 before
    its log is taken. The largest logit contributes exactly e⁰ = 1 to the sum,
    so it is computed as log1p(s) with s the sum of the other terms: for a
    confident prediction (s ≈ 1e-4, say) log(1 + s) would lose the digits of s
    that the loss of the winning class consists of.

    Examples
    --------
    >>> log_softmax([0.0, 1000.0]).tolist()
    [-1000.0, 0.0]
    >>> float(-log_softmax([40.0, 0.0])[0])      # = log(1 + e⁻⁴⁰), which log(1.0 + 4e-18) rounds to 0
    4.248354255291589e-18
    """
    shifted = _shifted_logits(z, axis)
    others = np.exp(shifted)
    np.put_along_axis(others, np.argmax(shifted, axis=axis, keepdims=True), 0.0, axis=axis)
    return shifted - np.log1p(np.sum(others, axis=axis, keepdims=True))


def softmax_jacobian(z) -> np.ndarray:
    r"""Jacobian ∂σₖ/∂zⱼ = σₖ([k = j] − σⱼ) of the softmax of one score vector.

    Parameters
    ----------
    z : array_like, shape (K,)

    Returns
    -------
    ndarray, shape (K, K)
        diag(σ) − σσᵀ (symmetric; each row and column sums to 0).

    Raises
    ------
    ValueError
        If ``z`` is not one vector, or cannot be normalised (see :func:`softmax`).

    Notes
    -----
    Differentiating σₖ = e^{zₖ}/S with S = Σⱼ e^{zⱼ}: ∂σₖ/∂zₖ = σₖ − σₖ² and
    ∂σₖ/∂zⱼ = −σₖσⱼ for j ≠ k. For teaching; backpropagation uses
    :func:`softmax_grad`, which never builds the matrix.

    Examples
    --------
    >>> softmax_jacobian([0.0, 0.0]).tolist()
    [[0.25, -0.25], [-0.25, 0.25]]
    """
    s = softmax(z)
    if s.ndim != 1:
        raise ValueError(f"z must be one score vector of shape (K,), got shape {s.shape}")
    return np.diag(s) - np.outer(s, s)


def softmax_grad(z, grad_output, axis: int = -1) -> np.ndarray:
    r"""Backpropagate through the softmax: ∂φ/∂z for φ = Σ G ⊙ σ(z).

    Parameters
    ----------
    z : array_like, shape (..., K)
        Logits.
    grad_output : array_like, same shape as ``z``
        Upstream gradient G = ∂φ/∂σ(z).
    axis : int, default -1

    Returns
    -------
    ndarray, same shape as ``z``
        σ ⊙ (G − Σₖ Gₖσₖ), i.e. the Jacobian of :func:`softmax_jacobian`
        applied to G, for every slice at once.

    Raises
    ------
    ValueError
        If ``grad_output`` does not have ``z``'s shape, or ``z`` cannot be
        normalised (see :func:`softmax`).

    Notes
    -----
    The chain rule with the Jacobian ∂σₖ/∂zⱼ = σₖ([k = j] − σⱼ):
    ∂φ/∂zⱼ = Σₖ Gₖ σₖ([k = j] − σⱼ) = σⱼ(Gⱼ − Σₖ Gₖσₖ), without forming
    the K × K matrix.

    Examples
    --------
    >>> softmax_grad([0.0, 0.0], [1.0, 0.0]).tolist()
    [0.25, -0.25]
    """
    s = softmax(z, axis)
    g = _grad_output(grad_output, s.shape)
    return s * (g - np.sum(g * s, axis=axis, keepdims=True))


def log_softmax_grad(z, grad_output, axis: int = -1) -> np.ndarray:
    r"""Backpropagate through log-softmax: ∂φ/∂z for φ = Σ G ⊙ log σ(z).

    Parameters
    ----------
    z : array_like, shape (..., K)
    grad_output : array_like, same shape as ``z``
    axis : int, default -1

    Returns
    -------
    ndarray, same shape as ``z``
        G − σ(z) Σₖ Gₖ.

    Raises
    ------
    ValueError
        If ``grad_output`` does not have ``z``'s shape, or ``z`` cannot be
        normalised (see :func:`softmax`).

    Notes
    -----
    ∂ log σₖ/∂zⱼ = [k = j] − σⱼ, so ∂φ/∂zⱼ = Gⱼ − σⱼ Σₖ Gₖ. With G = −y
    (a one-hot target) this is σ − y, the gradient of :func:`cross_entropy`.

    Examples
    --------
    >>> log_softmax_grad([0.0, 0.0], [1.0, 0.0]).tolist()
    [0.5, -0.5]
    """
    s = softmax(z, axis)
    g = _grad_output(grad_output, s.shape)
    return g - s * np.sum(g, axis=axis, keepdims=True)


def _grad_output(grad_output, shape: tuple[int, ...]) -> np.ndarray:
    g = _check.real_array(grad_output, "grad_output")
    if g.shape != shape:
        raise ValueError(f"grad_output must have z's shape {shape}, got {g.shape}")
    return g


# --------------------------------------------------------------------------- multi-class classification
def _targets(labels, logits_shape: tuple[int, ...]) -> np.ndarray:
    """Target distributions of shape ``logits_shape`` from class indices or one-hot rows."""
    labels_array = np.asarray(labels)
    classes = logits_shape[-1]
    if labels_array.shape == logits_shape[:-1] and labels_array.dtype.kind in "iu":
        if np.any((labels_array < 0) | (labels_array >= classes)):
            raise ValueError(f"labels must be class indices in 0..{classes - 1}, got values {np.unique(labels_array)}")
        return (labels_array[..., None] == np.arange(classes)).astype(np.float64)
    if labels_array.shape == logits_shape and labels_array.dtype.kind in "biuf":
        targets = labels_array.astype(np.float64)
        if np.any(~np.isfinite(targets)) or np.any(targets < 0):
            raise ValueError("one-hot labels must be finite and non-negative")
        if not np.allclose(np.sum(targets, axis=-1), 1.0, rtol=0, atol=1e-6):
            raise ValueError("one-hot labels must sum to 1 over the classes (last axis)")
        return targets
    if labels_array.shape == logits_shape[:-1]:
        raise TypeError(
            f"class-index labels must be integers, got dtype {labels_array.dtype} (use labels.astype(int))"
        )
    raise ValueError(
        f"labels must be class indices of shape {logits_shape[:-1]} or one-hot rows of shape {logits_shape}, "
        f"got shape {labels_array.shape}"
    )


def cross_entropy(logits, labels, reduction: str = "mean"):
    r"""Softmax cross-entropy L = −Σₖ [y = k] log σ(z)ₖ of logits z.

    Parameters
    ----------
    logits : array_like, shape (K,) or (n, K) (any leading batch shape)
        Class scores z; −∞ allowed (probability 0).
    labels : array_like
        Either integer class indices y ∈ {0, …, K−1} of shape ``logits.shape[:-1]``,
        or one-hot (or probability) rows of ``logits``' shape, summing to 1.
    reduction : {"mean", "sum", "none"}, default "mean"
        Average over the n samples, sum, or one loss per sample.

    Returns
    -------
    numpy.float64 or ndarray
        The loss, ≥ 0; +∞ when the true class has probability 0.

    Raises
    ------
    ValueError
        If the labels' shape matches neither form, an index is out of range,
        one-hot rows do not sum to 1, or the logits hold NaN / +∞.
    TypeError
        If class indices are not integers.

    Notes
    -----
    The lecture's L = −Σᵢ log( e^{z_{yᵢ}} / Σⱼ e^{zⱼ} ), with log σ computed by
    :func:`log_softmax` (no overflow for logits of ±1000). To score
    probabilities p instead of logits, pass ``np.log(p)``: since Σ p = 1,
    log σ(log p) = log p. With y = class 0 and p₀ = 1, 0.5, 0 this gives
    0, log 2 ≈ 0.693 and +∞ (the rule 0 · log 0 = 0 keeps the other classes
    out of it).

    Examples
    --------
    >>> round(float(cross_entropy(np.log([0.5, 0.25, 0.25]), 0)), 3)
    0.693
    """
    _check_reduction(reduction)
    log_p = log_softmax(logits)
    targets = _targets(labels, log_p.shape)
    return _reduce(-np.sum(_weighted_log(targets, log_p), axis=-1), reduction)


def cross_entropy_grad(logits, labels, reduction: str = "mean"):
    r"""Gradient of :func:`cross_entropy` with respect to the logits: σ(z) − y.

    Parameters
    ----------
    logits : array_like, shape (..., K)
    labels : class indices or one-hot rows, as for :func:`cross_entropy`
    reduction : {"mean", "sum", "none"}, default "mean"
        For ``"mean"`` the result is divided by the number of samples n.

    Returns
    -------
    ndarray, same shape as ``logits``
        ∂L/∂z = σ(z) − y, with y the one-hot (or probability) rows.

    Raises
    ------
    ValueError, TypeError
        For the same labels and logits as :func:`cross_entropy`.

    Notes
    -----
    From :func:`log_softmax_grad` with G = −y and Σₖ yₖ = 1: the gradient of
    −Σₖ yₖ log σₖ is σ − y, the prediction minus the target, as for MSE and
    for binary cross-entropy on logits.

    Examples
    --------
    >>> cross_entropy_grad([0.0, 0.0], 1).tolist()
    [0.5, -0.5]
    """
    _check_reduction(reduction)
    probabilities = softmax(logits)
    targets = _targets(labels, probabilities.shape)
    samples = probabilities.size // probabilities.shape[-1]
    return _scale(probabilities - targets, samples, reduction)
