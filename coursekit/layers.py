"""Layers in the lecture's modular style: "code layers, not networks".

Every layer knows three things and nothing about the network around it:

* ``forward(x)``: its output, caching what the backward pass will need;
* ``backward(grad_out)``: given ∂L/∂(output), it returns ∂L/∂(input) and
  fills ``grads`` with ∂L/∂θ for every parameter θ in ``params`` (same keys);
* ``params``: a dict of float64 arrays that optimizers update in place.

A network is a :class:`Sequential` of layers; backpropagation is calling each
layer's ``backward`` in reverse order. Loss layers (:class:`MSELoss`,
:class:`BCELoss`, :class:`BCEWithLogitsLoss`, :class:`SoftmaxCrossEntropyLoss`)
follow the same pattern with ``forward(y_pred, y) -> float`` and
``backward() -> ∂L/∂y_pred``.

The lecture's worked example, Linear(w₁=5, b₁=0) → ReLU → Linear(w₂=−1, b₂=1)
with ℓ = (z − y)², x = 3, y = −12::

    >>> import numpy as np
    >>> net = Sequential(Linear.from_params([[5.0]], [0.0]), ReLU(),
    ...                  Linear.from_params([[-1.0]], [1.0]))
    >>> loss = MSELoss()
    >>> z = net.forward(np.array([[3.0]]))
    >>> loss.forward(z, np.array([[-12.0]]))
    4.0
    >>> net.backward(loss.backward())            # ∂ℓ/∂x
    array([[20.]])
    >>> [g.item() for g in net.gradients()]      # ∂ℓ/∂w₁, ∂ℓ/∂b₁, ∂ℓ/∂w₂, ∂ℓ/∂b₂
    [12.0, 4.0, -60.0, -4.0]
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from coursekit import _validation as _check
from coursekit import activations, losses

__all__ = [
    "Layer",
    "Linear",
    "Activation",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "Softplus",
    "Dropout",
    "Sequential",
    "mlp",
    "count_parameters",
    "Loss",
    "MSELoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "SoftmaxCrossEntropyLoss",
]


def _cached(layer: Layer, attribute: str) -> Any:
    value = getattr(layer, attribute, None)
    if value is None:
        raise RuntimeError(f"{type(layer).__name__}.backward called before forward")
    return value


class Layer:
    """Base class of all layers: parameters, their gradients and a mode.

    Attributes
    ----------
    params : dict[str, ndarray]
        Trainable arrays θ (empty for layers without parameters). Updated in
        place by optimizers, never rebound by the layer.
    grads : dict[str, ndarray]
        ∂L/∂θ for every key of ``params``, filled by :meth:`backward`.
    training : bool
        True in training mode (the default), False after :meth:`eval`.
        Only :class:`Dropout` behaves differently in the two modes.

    Notes
    -----
    The lecture's modular approach: for y = f(x; θ) and a loss L further on,
    a layer needs ∂L/∂x = (∂y/∂x)ᵀ ∂L/∂y, passed to the layer before it, and
    ∂L/∂θ = (∂y/∂θ)ᵀ ∂L/∂y, kept for the optimizer. A network is then just
    these rules called in reverse order.

    Examples
    --------
    A new layer needs only its forward and backward rule, side by side.
    Here y = a·x with one trainable scalar a, so ∂L/∂a = Σ ∂L/∂y ⊙ x and
    ∂L/∂x = a·∂L/∂y:

    >>> class Scale(Layer):
    ...     def __init__(self, a):
    ...         super().__init__()
    ...         self.params = {"a": np.array(a, dtype=float)}
    ...     def forward(self, x):
    ...         self.x = x
    ...         return self.params["a"] * x
    ...     def backward(self, grad_out):
    ...         self.grads["a"] = np.sum(grad_out * self.x)
    ...         return self.params["a"] * grad_out
    >>> from coursekit.gradcheck import check_layer
    >>> max(check_layer(Scale(3.0), np.ones((4, 2))).values()) < 1e-7
    True
    """

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.training = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Compute the layer's output for a batch ``x`` and cache what backward needs."""
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return ∂L/∂x from ∂L/∂y = ``grad_out``, filling ``self.grads``."""
        raise NotImplementedError

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def train(self) -> Layer:
        """Switch to training mode; returns the layer."""
        self.training = True
        return self

    def eval(self) -> Layer:
        """Switch to evaluation mode (e.g. dropout off); returns the layer."""
        self.training = False
        return self

    def parameters(self) -> list[np.ndarray]:
        """The parameter arrays, in a fixed order (pass them to an optimizer)."""
        return list(self.params.values())

    def gradients(self) -> list[np.ndarray]:
        """The gradients, in the order of :meth:`parameters`.

        Raises
        ------
        RuntimeError
            If :meth:`backward` has not filled them yet.
        """
        missing = [name for name in self.params if name not in self.grads]
        if missing:
            raise RuntimeError(
                f"no gradient for {', '.join(missing)} yet: call backward() after forward()"
            )
        return [self.grads[name] for name in self.params]

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Linear(Layer):
    """Fully connected (dense) layer y = x W + b.

    Parameters
    ----------
    in_features : int
        Number of inputs d per sample.
    out_features : int
        Number of outputs (neurons) m.
    rng : numpy.random.Generator or int, optional
        Source of the initial weights (a seed or a Generator); a fixed seed
        when omitted, so results are reproducible.
    init : {"uniform", "he", "xavier"}, default "uniform"
        ``"uniform"``: W and b ~ U(−1/√d, 1/√d), as ``torch.nn.Linear``.
        ``"he"``: W ~ N(0, 2/d), b = 0 (suits ReLU).
        ``"xavier"``: W ~ N(0, 2/(d + m)), b = 0 (suits tanh, sigmoid).

    Attributes
    ----------
    params : dict
        ``"W"`` of shape (in_features, out_features), ``"b"`` of shape (out_features,).

    Raises
    ------
    TypeError
        If a width is not an integer or ``rng`` not a seed or Generator.
    ValueError
        If a width is smaller than 1 or ``init`` is unknown; in
        :meth:`forward`, if ``x`` is not of shape (batch, in_features).

    Notes
    -----
    For a batch X of shape (n, d) with upstream gradient G = ∂L/∂Y (n, m)::

        forward:  Y = X W + b
        backward: ∂L/∂W = Xᵀ G,   ∂L/∂b = Σₙ G,   ∂L/∂X = G Wᵀ

    (the lecture's ∂ℓ/∂w₂ = ∂ℓ/∂z · h and ∂ℓ/∂h = ∂ℓ/∂z · w₂, for a batch).

    Examples
    --------
    >>> layer = Linear.from_params([[1.0], [2.0]], [0.5])
    >>> layer.forward(np.array([[3.0, 4.0]]))
    array([[11.5]])
    """

    _INITS = ("uniform", "he", "xavier")

    def __init__(self, in_features: int, out_features: int, rng: Any = None,
                 init: str = "uniform") -> None:
        super().__init__()
        self.in_features = _check.integer(in_features, "in_features", minimum=1)
        self.out_features = _check.integer(out_features, "out_features", minimum=1)
        _check.one_of(init, "init", self._INITS)
        rng = _check.generator(rng)
        d, m = self.in_features, self.out_features
        if init == "uniform":
            bound = 1.0 / np.sqrt(d)
            W, b = rng.uniform(-bound, bound, (d, m)), rng.uniform(-bound, bound, m)
        else:
            variance = 2.0 / d if init == "he" else 2.0 / (d + m)
            W, b = rng.normal(0.0, np.sqrt(variance), (d, m)), np.zeros(m)
        self.params = {"W": W, "b": b}
        self._x: np.ndarray | None = None

    @staticmethod
    def parameter_count(in_features: int, out_features: int, bias: bool = True) -> int:
        """Number of trainable numbers in a ``Linear(in_features, out_features)``, without building it.

        Parameters
        ----------
        in_features : int
            Inputs d per sample (≥ 1).
        out_features : int
            Outputs (neurons) m (≥ 1).
        bias : bool, default True
            Count the m biases as well as the d·m weights.

        Returns
        -------
        int
            d·m + m (or d·m without the bias), as an exact Python int.

        Raises
        ------
        TypeError
            If a width is not an integer or ``bias`` not a bool.
        ValueError
            If a width is smaller than 1.

        Notes
        -----
        Every one of the m neurons of a dense layer has its own weight for
        each of the d inputs, plus one bias. The lecture's example: a
        200×200 RGB image has d = 200·200·3 = 120,000 inputs, and a layer
        with as many units has d·m = 1.44·10¹⁰ weights (115 GB of float64),
        which is why images call for something other than dense layers.

        Examples
        --------
        >>> f"{Linear.parameter_count(200 * 200 * 3, 200 * 200 * 3, bias=False):.3g}"
        '1.44e+10'
        """
        d = _check.integer(in_features, "in_features", minimum=1)
        m = _check.integer(out_features, "out_features", minimum=1)
        return d * m + (m if _check.flag(bias, "bias") else 0)

    @classmethod
    def from_params(cls, W: Any, b: Any) -> Linear:
        """A layer with given weights W (in, out) and bias b (out,), e.g. the lecture's w₁ = 5.

        Raises
        ------
        ValueError
            If W is not 2-D or b does not have shape (W.shape[1],).
        """
        W = np.array(_check.real_array(W, "W"), dtype=np.float64)
        b = np.array(_check.real_array(b, "b"), dtype=np.float64)
        if W.ndim != 2:
            raise ValueError(f"W must be 2-D (in_features, out_features), got shape {W.shape}")
        if b.shape != (W.shape[1],):
            raise ValueError(f"b must have shape ({W.shape[1]},) to match W, got {b.shape}")
        layer = cls(W.shape[0], W.shape[1])
        layer.params["W"][...] = W
        layer.params["b"][...] = b
        return layer

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = _check.real_array(x, "x")
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(
                f"x must have shape (batch, {self.in_features}), got {x.shape}"
            )
        self._x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        x = _cached(self, "_x")
        grad_out = _check.real_array(grad_out, "grad_out")
        if grad_out.shape != (x.shape[0], self.out_features):
            raise ValueError(
                f"grad_out must have the output's shape {(x.shape[0], self.out_features)}, "
                f"got {grad_out.shape}"
            )
        self.grads["W"] = x.T @ grad_out
        self.grads["b"] = grad_out.sum(axis=0)
        return grad_out @ self.params["W"].T

    def __repr__(self) -> str:
        return f"Linear({self.in_features}, {self.out_features})"


class Activation(Layer):
    """Elementwise activation layer y = g(z) for a pair (g, g′) of :mod:`coursekit.activations`.

    Parameters
    ----------
    name : str
        A key of :data:`coursekit.activations.ACTIVATIONS` ("relu",
        "sigmoid", "tanh", "softplus", "step").

    Raises
    ------
    ValueError
        If ``name`` is not a known activation.

    Notes
    -----
    forward: y = g(z); backward: ∂L/∂z = ∂L/∂y ⊙ g′(z) (elementwise chain
    rule; with the step function this is always 0, so nothing before it
    learns).

    Examples
    --------
    >>> Activation("step").forward(np.array([-1.0, 2.0]))
    array([0., 1.])
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        if name not in activations.ACTIVATIONS:
            raise ValueError(
                f"unknown activation {name!r}; known: {', '.join(activations.ACTIVATIONS)}"
            )
        self.name = name
        self._g, self._g_grad = activations.ACTIVATIONS[name]
        self._z: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._z = _check.real_array(x, "x")
        return np.asarray(self._g(self._z))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        z = _cached(self, "_z")
        grad_out = _check.real_array(grad_out, "grad_out")
        if grad_out.shape != z.shape:
            raise ValueError(f"grad_out must have the input's shape {z.shape}, got {grad_out.shape}")
        return grad_out * self._g_grad(z)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()" if type(self) is not Activation else f"Activation({self.name!r})"


class ReLU(Activation):
    """ReLU layer, y = max(0, z); ∂y/∂z = 1 for z > 0, else 0.

    Notes
    -----
    The subgradient 0 is used at z = 0, as in PyTorch.

    Examples
    --------
    >>> ReLU().forward(np.array([-1.0, 2.0]))
    array([0., 2.])
    """

    def __init__(self) -> None:
        super().__init__("relu")


class Sigmoid(Activation):
    """Sigmoid layer, y = σ(z); ∂y/∂z = σ(z)(1 − σ(z)).

    Notes
    -----
    σ′ ≤ 1/4, so every sigmoid layer shrinks the gradient passed back by at least 4.

    Examples
    --------
    >>> Sigmoid().forward(np.array([0.0]))
    array([0.5])
    """

    def __init__(self) -> None:
        super().__init__("sigmoid")


class Tanh(Activation):
    """Tanh layer, y = tanh z; ∂y/∂z = 1 − tanh² z.

    Notes
    -----
    tanh z = 2σ(2z) − 1: a zero-centred sigmoid, with slope 1 at z = 0.

    Examples
    --------
    >>> Tanh().forward(np.array([0.0]))
    array([0.])
    """

    def __init__(self) -> None:
        super().__init__("tanh")


class Softplus(Activation):
    """Softplus layer, y = log(1 + eᶻ); ∂y/∂z = σ(z).

    Notes
    -----
    A smooth ReLU: log(1 + eᶻ) → max(0, z) far from 0, computed without overflow.

    Examples
    --------
    >>> Softplus().forward(np.array([0.0]))
    array([0.69314718])
    """

    def __init__(self) -> None:
        super().__init__("softplus")


class Dropout(Layer):
    """Inverted dropout: zero each input with probability p while training.

    Parameters
    ----------
    p : float, default 0.5
        Probability of dropping a unit, 0 ≤ p ≤ 1.
    rng : numpy.random.Generator or int, optional
        Source of the random masks (fixed seed when omitted).

    Raises
    ------
    TypeError
        If ``p`` is not a real number or ``rng`` not a seed or Generator.
    ValueError
        If ``p`` is outside [0, 1].

    Notes
    -----
    In training mode y = x ⊙ M / (1 − p) with Mᵢ ~ Bernoulli(1 − p), so the
    expected output equals x and nothing needs rescaling at test time; in
    evaluation mode (:meth:`Layer.eval`) y = x. Backward applies the same
    mask: ∂L/∂x = ∂L/∂y ⊙ M / (1 − p). With p = 1 every unit is dropped
    (y = 0).

    Examples
    --------
    >>> drop = Dropout(0.5, rng=0)
    >>> drop.eval().forward(np.ones(3))
    array([1., 1., 1.])
    >>> sorted(set(drop.train().forward(np.ones(1000)).tolist()))
    [0.0, 2.0]
    """

    def __init__(self, p: float = 0.5, rng: Any = None) -> None:
        super().__init__()
        self.p = _check.probability(p, "p")
        self.rng = _check.generator(rng)
        self._mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = _check.real_array(x, "x")
        if not self.training or self.p == 0.0:
            self._mask = np.ones(x.shape)     # identity in backward
            return x
        keep = self.rng.random(x.shape) >= self.p
        self._mask = keep / (1.0 - self.p) if self.p < 1.0 else np.zeros(x.shape)
        return x * self._mask

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        mask = _cached(self, "_mask")
        grad_out = _check.real_array(grad_out, "grad_out")
        if grad_out.shape != mask.shape:
            raise ValueError(f"grad_out must have the input's shape {mask.shape}, got {grad_out.shape}")
        return grad_out * mask

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


class Sequential(Layer):
    """A network: layers applied one after another.

    Parameters
    ----------
    *layers : Layer
        The layers, input first.

    Attributes
    ----------
    layers : list of Layer
    params, grads : dict[str, ndarray]
        Views of every layer's parameters and gradients, keyed
        ``"<index>.<name>"`` (e.g. ``"0.W"``); the arrays are the layers' own.

    Raises
    ------
    TypeError
        If one of ``layers`` has no ``forward`` and ``backward``.

    Notes
    -----
    forward: x → layer₁ → layer₂ → … → y. backward: the upstream gradient
    goes through the layers in reverse order (the chain rule, one local
    derivative at a time), and each layer fills its own ``grads``.
    :meth:`parameters` and :meth:`gradients` list arrays in the same order,
    ready for ``optimizer.step(model.gradients())``.

    Examples
    --------
    >>> net = Sequential(Linear(2, 3, rng=0), ReLU(), Linear(3, 1, rng=1))
    >>> net.forward(np.zeros((5, 2))).shape
    (5, 1)
    >>> [p.shape for p in net.parameters()]
    [(2, 3), (3,), (3, 1), (1,)]
    """

    def __init__(self, *layers: Layer) -> None:
        super().__init__()
        for index, layer in enumerate(layers):
            if not (hasattr(layer, "forward") and hasattr(layer, "backward")):
                raise TypeError(
                    f"layers[{index}] must be a layer with forward and backward, "
                    f"got {type(layer).__name__}"
                )
        self.layers = list(layers)

    @property
    def params(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        """Every layer's parameters, keyed ``"<layer index>.<name>"``."""
        return {f"{i}.{name}": array for i, layer in enumerate(self.layers)
                for name, array in getattr(layer, "params", {}).items()}

    @params.setter
    def params(self, value: dict) -> None:
        if value:
            raise AttributeError("a Sequential's params are its layers' params")

    @property
    def grads(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        """Every layer's gradients, keyed like :attr:`params`."""
        return {f"{i}.{name}": array for i, layer in enumerate(self.layers)
                for name, array in getattr(layer, "grads", {}).items()}

    @grads.setter
    def grads(self, value: dict) -> None:
        if value:
            raise AttributeError("a Sequential's grads are its layers' grads")

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out

    def train(self) -> Sequential:
        super().train()
        for layer in self.layers:
            layer.train()
        return self

    def eval(self) -> Sequential:
        super().eval()
        for layer in self.layers:
            layer.eval()
        return self

    def parameters(self) -> list[np.ndarray]:
        return [array for layer in self.layers for array in layer.parameters()]

    def gradients(self) -> list[np.ndarray]:
        return [array for layer in self.layers for array in layer.gradients()]

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index: int) -> Layer:
        return self.layers[index]

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = ",\n".join(f"  {layer!r}" for layer in self.layers)
        return f"Sequential(\n{inner}\n)"


def _widths(sizes: Any) -> list[int]:
    """Layer widths as a list of at least two positive ints, naming the bad entry otherwise."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"sizes must be a list of layer widths, got {type(sizes).__name__} {sizes!r}")
    widths = [_check.integer(width, f"sizes[{index}]", minimum=1) for index, width in enumerate(sizes)]
    if len(widths) < 2:
        raise ValueError(f"sizes must list at least an input and an output width, got {widths}")
    return widths


def count_parameters(sizes: Any, bias: bool = True) -> int:
    """Number of trainable numbers in the dense network ``mlp(sizes)``, without building it.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths from input to output, e.g. ``[2, 16, 16, 1]``.
    bias : bool, default True
        Count the biases as well as the weights.

    Returns
    -------
    int
        Σₖ (dₖ·dₖ₊₁ + dₖ₊₁) over consecutive widths dₖ → dₖ₊₁ (the biases
        left out if ``bias=False``), an exact Python int however large.

    Raises
    ------
    TypeError
        If ``sizes`` is not a sequence of integers.
    ValueError
        If it has fewer than two widths or a width is smaller than 1.

    Notes
    -----
    Uses :meth:`Linear.parameter_count` for every pair of widths; nothing is
    allocated, so the lecture's 200×200 RGB image fed to a dense layer of the
    same size (1.44·10¹⁰ weights) is counted instantly.

    Examples
    --------
    >>> count_parameters([200 * 200 * 3, 200 * 200 * 3], bias=False)
    14400000000
    """
    widths = _widths(sizes)
    return sum(Linear.parameter_count(n_in, n_out, bias) for n_in, n_out in zip(widths[:-1], widths[1:]))


_ACTIVATION_LAYERS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "softplus": Softplus}


def mlp(sizes: list[int], activation: str = "relu", rng: Any = None,
        init: str | None = None, dropout: float = 0.0) -> Sequential:
    """A multi-layer perceptron: Linear → activation → … → Linear (logits out).

    Parameters
    ----------
    sizes : list of int
        Layer widths from input to output, e.g. ``[2, 16, 16, 1]``.
    activation : {"relu", "tanh", "sigmoid", "softplus"}, default "relu"
        Nonlinearity after every hidden Linear layer (none after the last:
        pair the network with a loss on logits).
    rng : numpy.random.Generator or int, optional
        Source of all initial weights (fixed seed when omitted).
    init : {"uniform", "he", "xavier"}, optional
        Weight initialisation (see :class:`Linear`); by default ``"he"`` for
        ReLU and softplus, ``"xavier"`` for tanh and sigmoid.
    dropout : float, default 0
        If positive, a :class:`Dropout` of this p after every hidden activation.

    Returns
    -------
    Sequential
        Linear(d₀, d₁) → g → … → Linear(d_{k−1}, d_k), with a Dropout after
        each g if ``dropout`` > 0.

    Raises
    ------
    TypeError
        If a width is not an integer or ``rng`` not a seed or Generator.
    ValueError
        If fewer than two widths are given, a width is below 1, the
        activation or ``init`` is unknown, or ``dropout`` is outside [0, 1].

    Notes
    -----
    The lecture's MLP: each hidden layer computes h = g(hW + b), and the
    output layer stays linear. He initialisation keeps the variance of ReLU
    activations roughly constant from layer to layer, Xavier that of tanh;
    :func:`count_parameters` gives the size of the network without building it.

    Examples
    --------
    >>> mlp([2, 8, 1])
    Sequential(
      Linear(2, 8),
      ReLU(),
      Linear(8, 1)
    )
    """
    sizes = _widths(sizes)
    _check.one_of(activation, "activation", tuple(_ACTIVATION_LAYERS))
    if init is None:
        init = "he" if activation in ("relu", "softplus") else "xavier"
    dropout = _check.probability(dropout, "dropout")
    rng = _check.generator(rng)
    layers: list[Layer] = []
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(n_in, n_out, rng=rng, init=init))
        if index < len(sizes) - 2:
            layers.append(_ACTIVATION_LAYERS[activation]())
            if dropout:
                layers.append(Dropout(dropout, rng=rng))
    return Sequential(*layers)


# ----------------------------------------------------------------------------
# loss layers: forward(y_pred, y) -> float, backward() -> ∂L/∂y_pred
# ----------------------------------------------------------------------------
class Loss:
    """Base of the loss layers: a value from :mod:`coursekit.losses` and its gradient.

    Parameters
    ----------
    reduction : {"mean", "sum"}, default "mean"
        Average or sum the per-element (per-sample for cross-entropy) losses.

    Raises
    ------
    ValueError
        If ``reduction`` is unknown; in :meth:`forward`, for arguments the
        loss function of :mod:`coursekit.losses` rejects.

    Notes
    -----
    ``forward(y_pred, y)`` returns the scalar loss L and remembers its
    arguments; ``backward()`` returns ∂L/∂y_pred, the gradient that starts
    backpropagation through the network.

    Examples
    --------
    >>> loss = MSELoss(reduction="sum")
    >>> loss.forward(np.array([1.0, 2.0]), np.array([0.0, 0.0])), loss.backward()
    (5.0, array([2., 4.]))
    """

    _value: Callable[..., Any]
    _grad: Callable[..., Any]
    _REDUCTIONS = ("mean", "sum")

    def __init__(self, reduction: str = "mean") -> None:
        self.reduction = _check.one_of(reduction, "reduction", self._REDUCTIONS)
        self._inputs: tuple[np.ndarray, Any] | None = None

    def forward(self, y_pred: Any, y: Any) -> float:
        """The loss L(ŷ, y) as a Python float."""
        y_pred = _check.real_array(y_pred, "y_pred")
        self._inputs = (y_pred, y)
        return float(type(self)._value(y_pred, y, reduction=self.reduction))

    def backward(self) -> np.ndarray:
        """∂L/∂ŷ for the arguments of the last :meth:`forward`, shaped like ŷ."""
        y_pred, y = _cached(self, "_inputs")
        return np.asarray(type(self)._grad(y_pred, y, reduction=self.reduction), dtype=np.float64)

    def __call__(self, y_pred: Any, y: Any) -> float:
        return self.forward(y_pred, y)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reduction={self.reduction!r})"


class MSELoss(Loss):
    """Squared error L = c · mean (or sum) of (ŷ − y)².

    Parameters
    ----------
    reduction : {"mean", "sum"}, default "mean"
        Mean over all elements, or their sum.
    scale : float, default 1.0
        Factor c in front of the loss. ``scale=0.5`` gives the lecture's
        L = ½(h − y)² of "the simplest NN ever", whose derivative is simply
        ∂L/∂h = h − y.

    Raises
    ------
    TypeError
        If ``scale`` is not a real number.
    ValueError
        If ``reduction`` is unknown or ``scale`` is not positive.

    Notes
    -----
    ∂L/∂ŷ = 2c(ŷ − y), divided by the number of elements for the mean.
    Values come from :func:`coursekit.losses.mse`.

    Examples
    --------
    >>> loss = MSELoss(scale=0.5)
    >>> loss.forward(np.array([1.1]), np.array([3.0]))
    1.805
    >>> loss.backward()
    array([-1.9])
    """

    _value = staticmethod(losses.mse)
    _grad = staticmethod(losses.mse_grad)

    def __init__(self, reduction: str = "mean", scale: float = 1.0) -> None:
        super().__init__(reduction)
        self.scale = _check.positive(scale, "scale")

    def forward(self, y_pred: Any, y: Any) -> float:
        return self.scale * super().forward(y_pred, y)

    def backward(self) -> np.ndarray:
        return self.scale * super().backward()

    def __repr__(self) -> str:
        return f"MSELoss(reduction={self.reduction!r}, scale={self.scale})"


class BCELoss(Loss):
    """Binary cross-entropy of probabilities, L = −[y log p + (1 − y) log(1 − p)].

    ``forward(p, y)`` with p ∈ [0, 1] (e.g. the output of a :class:`Sigmoid`)
    and targets y ∈ [0, 1] of the same shape.

    Parameters
    ----------
    reduction : {"mean", "sum"}, default "mean"
        Average or sum the per-element losses.

    Raises
    ------
    ValueError
        If ``reduction`` is unknown; in :meth:`forward`, if the shapes differ
        or a probability or target leaves [0, 1].

    Notes
    -----
    p = 0 with y = 1 gives +∞ (see :func:`coursekit.losses.binary_cross_entropy`).
    Gradient ∂L/∂p = (p − y) / (p(1 − p)), divided by the number of elements
    for the mean. Prefer :class:`BCEWithLogitsLoss` for training: it is
    exact where this one saturates.

    Examples
    --------
    >>> loss = BCELoss()
    >>> round(loss.forward(np.array([0.5]), np.array([1.0])), 4), loss.backward()
    (0.6931, array([-2.]))
    """

    _value = staticmethod(losses.binary_cross_entropy)
    _grad = staticmethod(losses.binary_cross_entropy_grad)


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy of logits z: the loss of σ(z) without computing σ(z) first.

    Parameters
    ----------
    reduction : {"mean", "sum"}, default "mean"
        Average or sum the per-element losses.

    Raises
    ------
    ValueError
        If ``reduction`` is unknown; in :meth:`forward`, if the shapes differ
        or a target leaves [0, 1].

    Notes
    -----
    L = y·softplus(−z) + (1 − y)·softplus(z) = −[y log σ(z) + (1 − y) log(1 − σ(z))],
    finite for logits of ±1000; ∂L/∂z = σ(z) − y (divided by the number of
    elements for the mean). Use it after a final Linear layer with one
    output for binary classification.

    Examples
    --------
    >>> loss = BCEWithLogitsLoss()
    >>> round(loss.forward(np.array([0.0]), np.array([1.0])), 4)
    0.6931
    >>> loss.backward()
    array([-0.5])
    """

    _value = staticmethod(losses.binary_cross_entropy_with_logits)
    _grad = staticmethod(losses.binary_cross_entropy_with_logits_grad)


class SoftmaxCrossEntropyLoss(Loss):
    """Softmax followed by cross-entropy, on logits z of shape (n, K).

    ``forward(z, labels)`` takes integer class indices of shape (n,) or
    one-hot rows of shape (n, K); the mean is over the n samples.

    Parameters
    ----------
    reduction : {"mean", "sum"}, default "mean"
        Average or sum the per-sample losses.

    Raises
    ------
    ValueError
        If ``reduction`` is unknown; in :meth:`forward`, for labels of the
        wrong shape or range, or logits holding NaN or +∞.
    TypeError
        In :meth:`forward`, for class indices that are not integers.

    Notes
    -----
    L = −(1/n) Σᵢ log softmax(zᵢ)_{yᵢ}; ∂L/∂z = (softmax(z) − Y) / n with Y the
    one-hot targets: the reason softmax and cross-entropy are one layer.

    Examples
    --------
    >>> loss = SoftmaxCrossEntropyLoss()
    >>> round(loss.forward(np.array([[0.0, 0.0]]), np.array([1])), 4)
    0.6931
    >>> loss.backward()
    array([[ 0.5, -0.5]])
    """

    _value = staticmethod(losses.cross_entropy)
    _grad = staticmethod(losses.cross_entropy_grad)
