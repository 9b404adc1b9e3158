"""Activation functions g(z) of the lecture's neuron and their derivatives g'(z).

A neuron computes ŷ = g(w₀ + Σᵢ wᵢxᵢ) = g(z). Each activation here comes as a
pair ``f(z)`` and ``f_grad(z) = df/dz``, both elementwise, float64 and
vectorised: ``z`` may be a number or an array of any shape, and the result has
the same shape (a NumPy float64 scalar for a scalar ``z``).

The pairs are collected in :data:`ACTIVATIONS` so that layers, explorers and
exercises can look them up by name.
"""
from __future__ import annotations

import numpy as np

from coursekit import _validation as _check

__all__ = [
    "sigmoid",
    "sigmoid_grad",
    "tanh",
    "tanh_grad",
    "relu",
    "relu_grad",
    "softplus",
    "softplus_grad",
    "step",
    "step_grad",
    "ACTIVATIONS",
]


def sigmoid(z):
    r"""Logistic sigmoid σ(z) = 1 / (1 + e^{−z}).

    Parameters
    ----------
    z : float or array_like, any shape
        Pre-activation w₀ + Σᵢ wᵢxᵢ.

    Returns
    -------
    numpy.float64 or ndarray
        σ(z) in [0, 1], same shape as ``z``.

    Raises
    ------
    TypeError
        If ``z`` is not real-valued.

    Notes
    -----
    Computed without overflow for any z: with e = e^{−|z|} ∈ (0, 1],
    σ(z) = 1/(1 + e) for z ≥ 0 and σ(z) = e/(1 + e) for z < 0. The lecture's
    perceptron with w₀ = 1, W = (3, −2) and x = (−1, 2) gives
    σ(1 + 3·(−1) − 2·2) = σ(−6) ≈ 0.00247.

    Examples
    --------
    >>> round(float(sigmoid(-6.0)), 5)
    0.00247
    """
    z = _check.real_array(z, "z")
    e = np.exp(-np.abs(z))
    s = np.divide(1.0, 1.0 + e, out=np.empty_like(z))  # an array even for 0-d z
    np.multiply(s, e, out=s, where=z < 0)  # e/(1 + e) for z < 0, without a second division
    return _check.unwrap(s)


def sigmoid_grad(z):
    r"""Derivative of the sigmoid, σ'(z) = σ(z)(1 − σ(z)).

    Parameters
    ----------
    z : float or array_like, any shape
        Pre-activation.

    Returns
    -------
    numpy.float64 or ndarray
        σ'(z) in [0, 1/4], same shape as ``z``.

    Raises
    ------
    TypeError
        If ``z`` is not real-valued.

    Notes
    -----
    The largest value, 1/4 at z = 0, is why gradients shrink through many
    sigmoid layers.

    Examples
    --------
    >>> float(sigmoid_grad(0.0))
    0.25
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    r"""Hyperbolic tangent tanh(z) = (e^{z} − e^{−z}) / (e^{z} + e^{−z}).

    Parameters
    ----------
    z : float or array_like, any shape

    Returns
    -------
    numpy.float64 or ndarray
        tanh(z) in [−1, 1], same shape as ``z``.

    Raises
    ------
    TypeError
        If ``z`` is not real-valued.

    Notes
    -----
    tanh(z) = 2σ(2z) − 1: a sigmoid rescaled to be centred on zero.

    Examples
    --------
    >>> float(tanh(0.0))
    0.0
    """
    return _check.unwrap(np.tanh(_check.real_array(z, "z")))


def tanh_grad(z):
    r"""Derivative of tanh, tanh'(z) = 1 − tanh²(z).

    Parameters
    ----------
    z : float or array_like, any shape

    Returns
    -------
    numpy.float64 or ndarray
        Values in [0, 1], same shape as ``z``.

    Raises
    ------
    TypeError
        If ``z`` is not real-valued.

    Notes
    -----
    From the quotient rule on tanh = sinh/cosh: (cosh² − sinh²)/cosh² =
    1 − tanh². Largest (1) at z = 0, so tanh passes gradients on better than
    σ, whose derivative is at most 1/4.

    Examples
    --------
    >>> float(tanh_grad(0.0))
    1.0
    """
    t = tanh(z)
    return 1.0 - t * t


def relu(z):
    r"""Rectified linear unit ReLU(z) = max(0, z).

    Parameters
    ----------
    z : float or array_like, any shape

    Returns
    -------
    numpy.float64 or ndarray
        Same shape as ``z``.

    Raises
    ------
    TypeError
        If ``z`` is not real-valued.

    Notes
    -----
    Cheap, and its derivative is 1 wherever the unit is active, so it does
    not shrink gradients the way σ does; units with z < 0 for every input
    get no gradient at all ("dead" units).

    Examples
    --------
    >>> relu([-2.0, 3.0]).tolist()
    [0.0, 3.0]
    """
    return _check.unwrap(np.maximum(_check.real_array(z, "z"), 0.0))


def relu_grad(z):
    r"""Derivative of ReLU: 1 for z > 0, 0 for z < 0.

    Parameters
    ----------
    z : float or array_like, any shape

    Returns
    -------
    numpy.float64 or ndarray
        0.0 or 1.0 elementwise, same shape as ``z``.

    Raises
    ------
    TypeError
        If ``z`` is not real-valued.

    Notes
    -----
    ReLU has no derivative at z = 0; like PyTorch we use 0 there (a
    subgradient).

    Examples
    --------
    >>> relu_grad([-2.0, 0.0, 3.0]).tolist()
    [0.0, 0.0, 1.0]
    """
    return _check.unwrap((_check.real_array(z, "z") > 0).astype(np.float64))


def softplus(z):
    r"""Softplus f(z) = log(1 + e^{z}), a smooth ReLU.

    Parameters
    ----------
    z : float or array_like, any shape

    Returns
    -------
    numpy.float64 or ndarray
        Positive values, same shape as ``z``.

    Raises
    ------
    TypeError
        If ``z`` is not real-valued.

    Notes
    -----
    Computed as ``logaddexp(0, z)`` so that z = 1000 gives 1000 rather than
    overflowing, and z = −1000 gives e^{−1000} ≈ 0 rather than log(1) = 0
    with lost precision in between.

    Examples
    --------
    >>> round(float(softplus(0.0)), 6)
    0.693147
    """
    return _check.unwrap(np.logaddexp(0.0, _check.real_array(z, "z")))


def softplus_grad(z):
    r"""Derivative of softplus, f'(z) = e^{z} / (1 + e^{z}) = σ(z).

    Parameters
    ----------
    z : float or array_like, any shape

    Returns
    -------
    numpy.float64 or ndarray
        Same shape as ``z``.

    Raises
    ------
    TypeError
        If ``z`` is not real-valued.

    Notes
    -----
    d/dz log(1 + eᶻ) = eᶻ/(1 + eᶻ) = 1/(1 + e^{−z}) = σ(z): the sigmoid is
    the derivative of the softplus.

    Examples
    --------
    >>> float(softplus_grad(0.0))
    0.5
    """
    return sigmoid(z)


def step(z):
    r"""Heaviside step function of Rosenblatt's perceptron: 1 if z ≥ 0 else 0.

    Parameters
    ----------
    z : float or array_like, any shape

    Returns
    -------
    numpy.float64 or ndarray
        0.0 or 1.0 elementwise, same shape as ``z``.

    Raises
    ------
    TypeError
        If ``z`` is not real-valued.

    Notes
    -----
    The value at exactly z = 0 is a convention; we take 1, so that the
    decision boundary w₀ + Σᵢ wᵢxᵢ = 0 belongs to the positive class.

    Examples
    --------
    >>> step([-0.5, 0.0, 2.0]).tolist()
    [0.0, 1.0, 1.0]
    """
    return _check.unwrap((_check.real_array(z, "z") >= 0).astype(np.float64))


def step_grad(z):
    r"""Derivative of the step function: 0 everywhere it exists.

    Parameters
    ----------
    z : float or array_like, any shape

    Returns
    -------
    numpy.float64 or ndarray
        Zeros, same shape as ``z``.

    Raises
    ------
    TypeError
        If ``z`` is not real-valued.

    Notes
    -----
    The derivative is 0 for z ≠ 0 and does not exist at z = 0 (we return 0).
    Every gradient passed back through a step unit is therefore zero, which is
    why gradient descent cannot train a perceptron with step activations and
    the lecture moves to smooth activations such as σ.

    Examples
    --------
    >>> step_grad([-1.0, 1.0]).tolist()
    [0.0, 0.0]
    """
    return _check.unwrap(np.zeros_like(_check.real_array(z, "z")))


#: Activation name → (f, df/dz), for lookup by name in layers and explorers:
#: ``g, g_grad = ACTIVATIONS["tanh"]``.
ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "softplus": (softplus, softplus_grad),
    "step": (step, step_grad),
}
