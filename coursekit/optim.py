"""Optimizers with the names, defaults and update rules of ``torch.optim``.

Each optimizer holds a list of float numpy arrays (the parameters w) and
updates them in place from a list of gradients g of the same shapes::

    >>> import numpy as np
    >>> w = np.array([4.0])
    >>> opt = SGD([w], lr=0.1)
    >>> opt.step([10 * w - 3])          # gradient of f(w) = 5w² − 3w + 2
    >>> w
    array([0.3])

The state each rule needs (momentum buffers, running averages, the step count
t) is created on the first :meth:`Optimizer.step` and kept in ``opt.state``,
a dict from parameter index to a dict of arrays. Hyperparameters are plain
attributes (``opt.lr = 0.01`` changes the learning rate from the next step),
checked whenever they are set.

The lecture writes the same methods in slightly different symbols; each
class's Notes give torch's rule, the lecture's rule and how they correspond.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from coursekit import _validation as _check

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "OPTIMIZERS"]


# ----------------------------------------------------------------------------
# argument checks (shared by every optimizer)
# ----------------------------------------------------------------------------
def _betas(value: Any, name: str = "betas") -> tuple[float, float]:
    try:
        beta1, beta2 = value
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (beta1, beta2), got {value!r}") from None
    checked = []
    for index, beta in enumerate((beta1, beta2)):
        beta = _check.real_number(beta, f"{name}[{index}]")
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"{name}[{index}] must lie in [0, 1), got {beta}")
        checked.append(beta)
    return checked[0], checked[1]


def _check_params(params: Any) -> list[np.ndarray]:
    if isinstance(params, np.ndarray):
        raise TypeError(
            "params must be a list of arrays, got a single ndarray; wrap it in a list: [w]"
        )
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"params must be a list of float numpy arrays, got {type(params).__name__}"
        ) from None
    if not params:
        raise ValueError("params is empty: the optimizer has nothing to update")
    for index, param in enumerate(params):
        if not isinstance(param, np.ndarray):
            raise TypeError(
                f"params[{index}] must be a numpy array (updated in place), "
                f"got {type(param).__name__}"
            )
        if param.dtype.kind != "f":
            raise TypeError(
                f"params[{index}] must have a floating dtype (e.g. float64), got {param.dtype}; "
                "integer arrays cannot be updated in place by fractional steps"
            )
        if not param.flags.writeable:
            raise ValueError(f"params[{index}] is read-only; the optimizer updates it in place")
    if len({id(param) for param in params}) != len(params):
        raise ValueError("params contains the same array more than once")
    return params


# ----------------------------------------------------------------------------
# base class
# ----------------------------------------------------------------------------
class Optimizer:
    """Base class: holds the parameters, checks gradients, keeps the state.

    Subclasses define ``_update(param, grad, state)``, which changes
    ``param`` in place, given the gradient and the state dict of that
    parameter (empty on the first step).

    Parameters
    ----------
    params : list of ndarray
        Float arrays w₁, …, w_k, updated in place by :meth:`step`.

    Attributes
    ----------
    params : list of ndarray
        The arrays being optimized (the same objects that were passed in).
    state : dict[int, dict]
        Per-parameter state (step count ``"step"`` and buffers), created
        lazily on the first step; empty before it.

    Raises
    ------
    TypeError
        If ``params`` is not a list of numpy arrays with a floating dtype.
    ValueError
        If ``params`` is empty, holds a read-only array, or the same array twice.

    Notes
    -----
    Every optimizer is the loop of the lecture, wᵗ = wᵗ⁻¹ − (step computed
    from gₜ and the state); only the step differs. Arrays are updated in
    place so that a layer's ``params`` dict and the optimizer share them.

    Examples
    --------
    >>> class PlainGD(Optimizer):          # w ← w − 0.1·g
    ...     def _update(self, param, grad, state):
    ...         param -= 0.1 * grad
    >>> w = np.array([1.0]); PlainGD([w]).step([np.array([2.0])]); w
    array([0.8])
    """

    def __init__(self, params: Sequence[np.ndarray]) -> None:
        self.params = _check_params(params)
        self.state: dict[int, dict[str, Any]] = {}

    def step(self, grads: Sequence[Any]) -> None:
        """Apply one update w ← update(w, g) to every parameter, in place.

        Parameters
        ----------
        grads : list of array_like or None
            One gradient ∂L/∂w per parameter, in the same order and with the
            same shapes as ``params``. The gradients are not modified. A
            ``None`` entry skips that parameter (no update, its step count
            does not advance), as torch does for a parameter without ``.grad``.

        Raises
        ------
        ValueError
            If the number of gradients or the shape of one of them does not
            match the parameters (the message names the index).
        TypeError
            If ``grads`` is not a list, or a gradient is not real-valued
            (strings, complex numbers).
        """
        grads = self._check_grads(grads)
        for index, (param, grad) in enumerate(zip(self.params, grads)):
            if grad is None:
                continue
            state = self.state.setdefault(index, {"step": 0})
            state["step"] += 1
            self._update(param, grad, state)

    def _check_grads(self, grads: Any) -> list[np.ndarray | None]:
        if grads is None or isinstance(grads, np.ndarray):
            raise TypeError("grads must be a list of arrays, one per parameter (e.g. [g])")
        try:
            grads = list(grads)
        except TypeError:
            raise TypeError(
                f"grads must be a list of arrays, got {type(grads).__name__}"
            ) from None
        if len(grads) != len(self.params):
            raise ValueError(
                f"step() got {len(grads)} gradients for {len(self.params)} parameters; "
                "pass one gradient per parameter, in the same order"
            )
        checked: list[np.ndarray | None] = []
        for index, (param, grad) in enumerate(zip(self.params, grads)):
            if grad is None:
                checked.append(None)
                continue
            grad = _check.real_array(grad, f"grads[{index}]")
            if grad.shape != param.shape:
                raise ValueError(
                    f"grads[{index}] has shape {grad.shape} but params[{index}] has shape "
                    f"{param.shape}"
                )
            checked.append(grad.astype(param.dtype, copy=False))
        return checked

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        raise NotImplementedError

    #: Hyperparameter name → the check applied whenever it is set, in the constructor or later
    #: (``opt.lr = -1`` raises at once, naming ``lr``); the order is torch's argument order.
    _hyperparameters: dict[str, Any] = {}

    def __setattr__(self, name: str, value: Any) -> None:
        check = self._hyperparameters.get(name)
        super().__setattr__(name, value if check is None else check(value, name))

    @property
    def hyperparameters(self) -> dict[str, Any]:
        """The hyperparameters as keyword arguments (for printing or copying)."""
        return {name: getattr(self, name) for name in self._hyperparameters}

    def __repr__(self) -> str:
        hyper = ", ".join(f"{name}={value!r}" for name, value in self.hyperparameters.items())
        return f"{type(self).__name__}({len(self.params)} arrays, {hyper})"


def _add_weight_decay(grad: np.ndarray, param: np.ndarray, weight_decay: float) -> np.ndarray:
    """g + λw as a new array (the caller's gradient is never modified)."""
    if weight_decay == 0:
        return grad
    return grad + weight_decay * param


# ----------------------------------------------------------------------------
# the optimizers
# ----------------------------------------------------------------------------
class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    Parameters
    ----------
    params : list of ndarray
        Float arrays updated in place.
    lr : float, default 1e-3
        Learning rate γ (the lecture's η), ``lr >= 0``.
    momentum : float, default 0
        Momentum factor μ (the lecture's α, usually 0.9), ``>= 0``.
    dampening : float, default 0
        Dampening τ of the gradient added to the momentum buffer.
    weight_decay : float, default 0
        L2 penalty coefficient λ: λw is added to the gradient.
    nesterov : bool, default False
        Use Nesterov's look-ahead momentum (needs ``momentum > 0`` and
        ``dampening == 0``).

    Raises
    ------
    ValueError
        Negative ``lr``, ``momentum`` or ``weight_decay``; Nesterov without
        momentum or with dampening.
    TypeError
        Parameters that are not float arrays; hyperparameters of the wrong type.

    Notes
    -----
    ``torch.optim.SGD`` computes, at step t with gradient gₜ::

        g ← gₜ + λw                      (weight decay)
        b ← g             if t = 1        (momentum buffer starts at g)
        b ← μb + (1 − τ)g otherwise
        d ← g + μb if nesterov else b     (d = g when momentum = 0)
        w ← w − γd

    The lecture writes momentum as hₜ = αhₜ₋₁ + ηgₜ, wᵗ = wᵗ⁻¹ − hₜ. With
    h = γb, α = μ, η = γ and τ = 0 this is the same recursion (h₀ = 0 gives
    h₁ = γg₁), so both produce identical iterates while γ is constant. The
    lecture's heavy-ball form w⁽ʳ⁺¹⁾ = w⁽ʳ⁾ − γ∇f + μ(w⁽ʳ⁾ − w⁽ʳ⁻¹⁾) is the
    same again, since w⁽ʳ⁾ − w⁽ʳ⁻¹⁾ = −h.

    The lecture's Nesterov step evaluates the gradient at the look-ahead point
    wᵗ⁻¹ − αhₜ₋₁. torch stores that look-ahead point u = w − αh as the
    parameter instead; substituting gives u ← u − γ(g(u) + μb), which is the
    ``nesterov=True`` rule above. So torch's iterates are the lecture's
    look-ahead points (identical at t = 0).

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([4.0])
    >>> opt = SGD([w], lr=0.01, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.step([10 * w - 3])
    >>> w.round(4)
    array([2.964])
    """

    _hyperparameters = {
        "lr": _check.non_negative,
        "momentum": _check.non_negative,
        "dampening": _check.real_number,
        "weight_decay": _check.non_negative,
        "nesterov": _check.flag,
    }

    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params)
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("nesterov=True requires momentum > 0 and dampening == 0")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        grad = _add_weight_decay(grad, param, self.weight_decay)
        if self.momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(grad, copy=True)
            else:
                buf *= self.momentum
                buf += (1 - self.dampening) * grad if self.dampening else grad
            grad = grad + self.momentum * buf if self.nesterov else buf
        param -= self.lr * grad


class Adagrad(Optimizer):
    """AdaGrad: a separate, shrinking learning rate for every coordinate.

    Parameters
    ----------
    params : list of ndarray
        Float arrays updated in place.
    lr : float, default 1e-2
        Learning rate η, ``>= 0``.
    lr_decay : float, default 0
        The learning rate at step t is η / (1 + (t − 1)·lr_decay).
    weight_decay : float, default 0
        L2 penalty coefficient λ (λw added to the gradient).
    initial_accumulator_value : float, default 0
        Starting value of the sum of squared gradients G.
    eps : float, default 1e-10
        ε added to √G to avoid division by zero.

    Raises
    ------
    ValueError
        Any of ``lr``, ``lr_decay``, ``weight_decay``,
        ``initial_accumulator_value``, ``eps`` negative.

    Notes
    -----
    ``torch.optim.Adagrad``::

        g ← gₜ + λw
        ηₜ = η / (1 + (t − 1)·lr_decay)
        G ← G + g²                       (element-wise)
        w ← w − ηₜ · g / (√G + ε)

    The lecture writes Gⱼᵗ = Gⱼᵗ⁻¹ + gₜⱼ², wⱼᵗ = wⱼᵗ⁻¹ − ηₜ gₜⱼ / √(Gⱼᵗ + ε):
    the same method with ε inside the square root. With ε = 0 the two agree
    exactly; with torch's tiny default ε the difference is negligible unless
    G is of order ε.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0, -2.0])
    >>> Adagrad([w], lr=0.1).step([np.array([3.0, -0.5])])
    >>> w    # the first step moves every coordinate by η against sign(g)
    array([ 0.9, -1.9])
    """

    _hyperparameters = {
        "lr": _check.non_negative,
        "lr_decay": _check.non_negative,
        "weight_decay": _check.non_negative,
        "initial_accumulator_value": _check.non_negative,
        "eps": _check.non_negative,
    }

    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(params)
        self.lr, self.lr_decay, self.weight_decay = lr, lr_decay, weight_decay
        self.initial_accumulator_value, self.eps = initial_accumulator_value, eps

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        if "sum" not in state:
            state["sum"] = np.full_like(param, self.initial_accumulator_value)
        grad = _add_weight_decay(grad, param, self.weight_decay)
        lr_t = self.lr / (1 + (state["step"] - 1) * self.lr_decay)
        state_sum = state["sum"]
        state_sum += grad * grad
        denom = np.sqrt(state_sum)
        denom += self.eps
        param -= lr_t * (grad / denom)


class RMSprop(Optimizer):
    """RMSprop: divide the step by a running root-mean-square of gradients.

    Parameters
    ----------
    params : list of ndarray
        Float arrays updated in place.
    lr : float, default 1e-2
        Learning rate η, ``>= 0``.
    alpha : float, default 0.99
        Smoothing constant α of the running average of g² (the lecture
        suggests about 0.9), ``>= 0``.
    eps : float, default 1e-8
        ε added to the root mean square.
    weight_decay : float, default 0
        L2 penalty coefficient λ (λw added to the gradient).
    momentum : float, default 0
        Momentum μ applied to the scaled step, ``>= 0``.
    centered : bool, default False
        Normalise by an estimate of the variance of g instead of its second
        moment.

    Raises
    ------
    ValueError
        Negative (or NaN, infinite) ``lr``, ``alpha``, ``eps``,
        ``weight_decay`` or ``momentum``.
    TypeError
        Parameters that are not float arrays; hyperparameters of the wrong type.

    Notes
    -----
    ``torch.optim.RMSprop``::

        g ← gₜ + λw
        v ← αv + (1 − α)g²                         (v₀ = 0)
        m̄ ← αm̄ + (1 − α)g, ṽ = v − m̄²   if centered, else ṽ = v
        s = g / (√ṽ + ε)
        b ← μb + s,  w ← w − ηb          if momentum > 0
        w ← w − ηs                       otherwise

    The lecture writes Gⱼᵗ = αGⱼᵗ⁻¹ + (1 − α)gₜⱼ², wⱼᵗ = wⱼᵗ⁻¹ − ηₜ gₜⱼ / √(Gⱼᵗ + ε):
    the non-centered, momentum-free rule with ε inside the root; the two agree
    exactly for ε = 0.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([0.0])
    >>> RMSprop([w], lr=0.01, alpha=0.99, eps=0.0).step([np.array([5.0])])
    >>> w    # first step: η / √(1 − α) against the sign of g
    array([-0.1])
    """

    _hyperparameters = {
        "lr": _check.non_negative,
        "alpha": _check.non_negative,
        "eps": _check.non_negative,
        "weight_decay": _check.non_negative,
        "momentum": _check.non_negative,
        "centered": _check.flag,
    }

    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
    ) -> None:
        super().__init__(params)
        self.lr, self.alpha, self.eps = lr, alpha, eps
        self.weight_decay, self.momentum, self.centered = weight_decay, momentum, centered

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        if "square_avg" not in state:
            state["square_avg"] = np.zeros_like(param)
            if self.momentum > 0:
                state["momentum_buffer"] = np.zeros_like(param)
            if self.centered:
                state["grad_avg"] = np.zeros_like(param)
        grad = _add_weight_decay(grad, param, self.weight_decay)
        square_avg = state["square_avg"]
        square_avg *= self.alpha
        square_avg += (1 - self.alpha) * (grad * grad)
        if self.centered:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - self.alpha) * (grad - grad_avg)
            denom = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            denom = np.sqrt(square_avg)
        denom += self.eps
        if self.momentum > 0:
            buf = state["momentum_buffer"]
            buf *= self.momentum
            buf += grad / denom
            param -= self.lr * buf
        else:
            param -= self.lr * (grad / denom)


class Adam(Optimizer):
    """Adam: momentum on g and a per-coordinate scale from g², bias-corrected.

    Parameters
    ----------
    params : list of ndarray
        Float arrays updated in place.
    lr : float, default 1e-3
        Learning rate η, ``>= 0``.
    betas : (float, float), default (0.9, 0.999)
        Decay rates β₁, β₂ of the running averages of g and g², each in [0, 1).
    eps : float, default 1e-8
        ε added to √v̂.
    weight_decay : float, default 0
        L2 penalty coefficient λ, added to the gradient (for decoupled weight
        decay use :class:`AdamW`).
    amsgrad : bool, default False
        Use the running maximum of v̂ in the denominator (AMSGrad).

    Raises
    ------
    ValueError
        Negative ``lr``, ``eps`` or ``weight_decay``; a beta outside [0, 1).

    Notes
    -----
    ``torch.optim.Adam`` at step t::

        g ← gₜ + λw
        m ← β₁m + (1 − β₁)g               (m₀ = 0)
        v ← β₂v + (1 − β₂)g²              (v₀ = 0)
        m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
        v̂ ← max(v̂_max, v̂)                 if amsgrad (running maximum of v)
        w ← w − η · m̂ / (√v̂ + ε)

    The lecture writes mⱼᵗ = (β₁mⱼᵗ⁻¹ + (1 − β₁)gₜⱼ) / (1 − β₁ᵗ) and the same
    for v, then wⱼᵗ = wⱼᵗ⁻¹ − ηₜ mⱼᵗ / √(vⱼᵗ + ε). Two differences: the bias
    correction divides a *copy* (m̂, v̂) and is not fed back into the running
    averages, and ε sits outside the square root. At t = 1 both forms agree
    (for ε = 0 the first step is exactly η·sign(g)); later they drift apart
    because the lecture's slide corrects an already-corrected average.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0, 1.0])
    >>> Adam([w], lr=0.1).step([np.array([20.0, -0.001])])
    >>> w.round(4)   # first step ≈ η·sign(g), whatever the gradient's size
    array([0.9, 1.1])
    """

    _hyperparameters = {
        "lr": _check.non_negative,
        "betas": _betas,
        "eps": _check.non_negative,
        "weight_decay": _check.non_negative,
        "amsgrad": _check.flag,
    }
    _decoupled = False

    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params)
        self.lr, self.betas, self.eps = lr, betas, eps
        self.weight_decay, self.amsgrad = weight_decay, amsgrad

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        if "exp_avg" not in state:
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
            if self.amsgrad:
                state["max_exp_avg_sq"] = np.zeros_like(param)
        beta1, beta2 = self.betas
        if self._decoupled:
            if self.weight_decay != 0:
                param *= 1 - self.lr * self.weight_decay
        else:
            grad = _add_weight_decay(grad, param, self.weight_decay)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1 - beta1) * (grad - exp_avg)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (grad * grad)
        if self.amsgrad:
            np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            second = state["max_exp_avg_sq"]
        else:
            second = exp_avg_sq
        step = state["step"]
        bias_correction1 = 1 - beta1**step
        bias_correction2_sqrt = math.sqrt(1 - beta2**step)
        denom = np.sqrt(second)
        denom /= bias_correction2_sqrt
        denom += self.eps
        step_size = self.lr / bias_correction1
        param -= step_size * (exp_avg / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay: w shrinks by ηλw before the Adam step.

    Parameters
    ----------
    params : list of ndarray
        Float arrays updated in place.
    lr : float, default 1e-3
        Learning rate η, ``>= 0``.
    betas : (float, float), default (0.9, 0.999)
        Decay rates β₁, β₂, each in [0, 1).
    eps : float, default 1e-8
        ε added to √v̂.
    weight_decay : float, default 1e-2
        Decoupled weight-decay coefficient λ.
    amsgrad : bool, default False
        Use the running maximum of v̂ (AMSGrad).

    Raises
    ------
    ValueError
        Negative ``lr``, ``eps`` or ``weight_decay``; a beta outside [0, 1).
    TypeError
        Parameters that are not float arrays; hyperparameters of the wrong type.

    Notes
    -----
    ``torch.optim.AdamW``: first w ← w − ηλw (so w ← (1 − ηλ)w), then the
    :class:`Adam` update with the raw gradient (no λw added to g). Unlike an
    L2 penalty, the decay does not pass through Adam's per-coordinate
    scaling, so every weight shrinks by the same factor — the lecture's
    "weight decay" in its literal form. With a zero gradient the weights
    decay geometrically: wₜ = (1 − ηλ)ᵗ w₀.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([2.0])
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> opt.step([np.zeros(1)])
    >>> w
    array([1.9])
    """

    _decoupled = True

    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad)


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
}
"""Optimizer classes by lower-case name (as used by explorers and the grader)."""
