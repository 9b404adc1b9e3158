"""Training loop: mini-batch gradient descent for a network of :mod:`coursekit.layers`.

One epoch shuffles the ℓ samples, cuts them into mini-batches of m, and for
each batch runs the lecture's loop: forward pass, loss, backward pass,
optimizer step. Everything inside a batch is vectorised; the only Python loops
are over epochs and batches.

    >>> import numpy as np
    >>> from coursekit.layers import Linear, MSELoss
    >>> from coursekit.optim import SGD
    >>> X = np.linspace(-1, 1, 50)[:, None]; y = 3 * X - 1
    >>> model = Linear(1, 1, rng=0)
    >>> history = fit(model, MSELoss(), SGD(model.parameters(), lr=0.1), X, y,
    ...               epochs=200, batch_size=10, rng=0)
    >>> model.params["W"].round(3), model.params["b"].round(3)
    (array([[3.]]), array([-1.]))
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from coursekit import _validation as _check

__all__ = ["History", "fit", "predict", "classify", "accuracy"]


@dataclass
class History:
    """What happened during :func:`fit`, epoch by epoch.

    Attributes
    ----------
    train_loss : list of float
        Mean data loss over each epoch's mini-batches (the penalty excluded,
        so it compares with ``val_loss``).
    val_loss : list of float
        Loss on the validation set after each epoch (empty without one).
    best_epoch : int or None
        Index (0-based) of the epoch with the lowest validation loss.
    stopped_early : bool
        True if early stopping ended training before ``epochs``.
    diverged : bool
        True if the loss became NaN or infinite and training stopped.

    Parameters
    ----------
    train_loss, val_loss, best_epoch, stopped_early, diverged
        As the attributes; :func:`fit` fills them, so they are rarely passed.

    Raises
    ------
    IndexError
        From :attr:`best_val_loss`, if ``best_epoch`` is not an index of
        ``val_loss``.

    Notes
    -----
    Plotting ``train_loss`` and ``val_loss`` against the epoch shows the
    lecture's overfitting picture: the training loss keeps falling while the
    validation loss turns up after ``best_epoch``, where early stopping
    would stop.

    Examples
    --------
    >>> h = History(train_loss=[0.9, 0.5, 0.3], val_loss=[1.0, 0.7, 0.8], best_epoch=1)
    >>> h.epochs, h.best_val_loss
    (3, 0.7)
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    diverged: bool = False

    @property
    def epochs(self) -> int:
        """Number of epochs actually run."""
        return len(self.train_loss)

    @property
    def best_val_loss(self) -> float | None:
        """The lowest validation loss, or None without a validation set."""
        return None if self.best_epoch is None else self.val_loss[self.best_epoch]


# ----------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------
def _data(X: Any, y: Any, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Inputs as float64 (samples, features) and targets with one row per sample."""
    X = _check.real_array(X, names[0])
    if X.ndim != 2:
        raise ValueError(f"{names[0]} must be 2-D (samples, features), got shape {X.shape}")
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise TypeError(f"{names[1]} must hold real numbers or integer labels, got dtype {y.dtype}")
    X, y = _check.same_length(X, y, names)
    if y.dtype.kind in "fb":
        y = y.astype(np.float64)
    return X, y


def _match_target(output: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Targets of shape (n,) become (n, 1) when the network has a single output column."""
    if y.ndim == 1 and output.ndim == 2 and output.shape[1] == 1:
        return y.reshape(-1, 1).astype(np.float64)
    return y


def _optimizer_positions(model: Any, optimizer: Any) -> list[int]:
    """For each optimizer parameter, its position in ``model.parameters()``."""
    if not (hasattr(optimizer, "params") and callable(getattr(optimizer, "step", None))):
        raise TypeError(
            f"optimizer must have .params and .step(grads) (a coursekit.optim optimizer), "
            f"got {type(optimizer).__name__}"
        )
    position = {id(array): index for index, array in enumerate(model.parameters())}
    try:
        return [position[id(array)] for array in optimizer.params]
    except KeyError:
        raise ValueError(
            "the optimizer holds arrays that are not this model's parameters; "
            "build it with optimizer_class(model.parameters(), ...)"
        ) from None


def _weight_mask(model: Any) -> list[bool]:
    """True for weight matrices (params named "W"), which the l1/l2 penalties act on."""
    return [name.rsplit(".", 1)[-1] == "W" for name in model.params]


# ----------------------------------------------------------------------------
# the loop
# ----------------------------------------------------------------------------
def fit(
    model: Any,
    loss: Any,
    optimizer: Any,
    X: Any,
    y: Any,
    epochs: int,
    batch_size: int | None = 32,
    rng: Any = None,
    l1: float = 0.0,
    l2: float = 0.0,
    X_val: Any = None,
    y_val: Any = None,
    patience: int | None = None,
    shuffle: bool = True,
    callback: Callable[[int, History], Any] | None = None,
) -> History:
    r"""Train ``model`` by mini-batch gradient descent with ``optimizer``.

    Parameters
    ----------
    model : Layer
        A layer or :class:`~coursekit.layers.Sequential` (``forward``,
        ``backward``, ``params``, ``parameters()``, ``gradients()``).
    loss : Loss
        A loss layer, e.g. :class:`~coursekit.layers.BCEWithLogitsLoss`.
    optimizer : Optimizer
        Any :mod:`coursekit.optim` optimizer built on (some of)
        ``model.parameters()``. Weight decay is the optimizer's business:
        ``SGD(..., weight_decay=λ)`` or ``AdamW``.
    X : array_like, shape (ℓ, d)
        Training inputs.
    y : array_like, shape (ℓ,) or (ℓ, k)
        Targets; shape (ℓ,) is reshaped to (ℓ, 1) for a one-output network
        (integer class labels for a K-output softmax network stay as they are).
    epochs : int
        Number of passes over the training set.
    batch_size : int or None, default 32
        Mini-batch size m; None (or m ≥ ℓ) is full-batch gradient descent,
        1 is stochastic gradient descent.
    rng : numpy.random.Generator or int, optional
        Source of the shuffling (fixed seed when omitted).
    l1, l2 : float, default 0
        Penalty λ₁Σ|W| + λ₂ΣW² on the weight matrices (parameters named
        ``"W"``; biases are not penalised).
    X_val, y_val : array_like, optional
        Validation set, evaluated (in eval mode) after every epoch.
    patience : int, optional
        Early stopping: stop when the validation loss has not improved for
        ``patience`` epochs, and restore the weights of the best epoch.
        Requires a validation set.
    shuffle : bool, default True
        Reshuffle the samples every epoch.
    callback : callable, optional
        ``callback(epoch, history)`` after every epoch; returning True stops
        training (used by the interactive explorers).

    Returns
    -------
    History
        Losses per epoch, the best epoch, and whether training stopped early
        or diverged. The model is left in evaluation mode.

    Raises
    ------
    ValueError
        Bad shapes or counts (``epochs``, ``batch_size`` or ``patience`` < 1),
        negative penalties, ``patience`` without a validation set, an
        optimizer not built on the model's parameters. The message names the
        argument.
    TypeError
        An optimizer without ``params`` and ``step``; a count that is not an
        integer, a penalty that is not a number, non-numeric ``X`` or ``y``.

    Notes
    -----
    Per mini-batch B (the lecture's gₜ = (1/m) Σⱼ ∇L(wᵗ⁻¹; x_{iⱼ}, y_{iⱼ}))::

        ŷ = model.forward(X_B);  L = loss(ŷ, y_B)
        model.backward(∂L/∂ŷ)               → g for every parameter
        g_W += λ₁ sign(W) + 2λ₂ W           (penalties, weights only)
        optimizer.step(g)

    The L2 penalty λ₂‖W‖² adds 2λ₂W to the gradient; ``SGD(weight_decay=λ)``
    adds λW, so weight decay λ equals ``l2 = λ/2`` for plain SGD. For
    adaptive optimizers the two differ, which is what AdamW is about. If the
    loss becomes NaN or infinite, training stops with a warning and
    ``history.diverged`` is set (typically: the learning rate is too large).

    Examples
    --------
    >>> from coursekit.layers import Linear, MSELoss
    >>> from coursekit.optim import SGD
    >>> X = np.array([[0.0], [1.0], [2.0]]); y = 2 * X[:, 0] + 1
    >>> model = Linear(1, 1, rng=0)
    >>> fit(model, MSELoss(), SGD(model.parameters(), lr=0.1), X, y, epochs=300, batch_size=None).epochs
    300
    >>> predict(model, [[3.0]]).round(3)
    array([[7.]])
    """
    X, y = _data(X, y, ("X", "y"))
    epochs = _check.integer(epochs, "epochs", minimum=1)
    batch_size = len(X) if batch_size is None else _check.integer(batch_size, "batch_size", minimum=1)
    l1, l2 = _check.non_negative(l1, "l1"), _check.non_negative(l2, "l2")
    shuffle = _check.flag(shuffle, "shuffle")
    validation = X_val is not None or y_val is not None
    if validation:
        if X_val is None or y_val is None:
            raise ValueError("pass both X_val and y_val, or neither")
        X_val, y_val = _data(X_val, y_val, ("X_val", "y_val"))
    if patience is not None:
        patience = _check.integer(patience, "patience", minimum=1)
        if not validation:
            raise ValueError("early stopping (patience) needs a validation set: pass X_val and y_val")
    positions = _optimizer_positions(model, optimizer)
    penalised = _weight_mask(model) if (l1 or l2) else None
    rng = _check.generator(rng)

    history = History()
    best_params: list[np.ndarray] | None = None
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
        total = 0.0
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            total += _train_step(model, loss, optimizer, positions, penalised, l1, l2,
                                 X[batch], y[batch]) * len(batch)
        history.train_loss.append(total / len(X))
        if not math.isfinite(history.train_loss[-1]):
            history.diverged = True
            warnings.warn(f"the training loss became {history.train_loss[-1]} in epoch {epoch}; "
                          "training stopped (is the learning rate too large?)", RuntimeWarning,
                          stacklevel=2)
            break
        if validation:
            history.val_loss.append(_evaluate(model, loss, X_val, y_val))
            if history.best_epoch is None or history.val_loss[-1] < history.best_val_loss:
                history.best_epoch = epoch
                if patience is not None:
                    best_params = [array.copy() for array in model.parameters()]
            elif patience is not None and epoch - history.best_epoch >= patience:
                history.stopped_early = True
                break
        if callback is not None and callback(epoch, history):
            break
    if best_params is not None:
        for array, best in zip(model.parameters(), best_params):
            array[...] = best
    model.eval()
    return history


def _train_step(model, loss, optimizer, positions, penalised, l1, l2, X_batch, y_batch) -> float:
    """One forward/backward/step on a mini-batch; returns the batch's data loss."""
    output = model.forward(X_batch)
    value = loss.forward(output, _match_target(output, y_batch))
    model.backward(loss.backward())
    grads = model.gradients()
    if penalised is not None:
        params = model.parameters()
        grads = [_penalised_grad(g, w, l1, l2) if is_weight else g
                 for g, w, is_weight in zip(grads, params, penalised)]
    optimizer.step([grads[index] for index in positions])
    return value


def _penalised_grad(grad: np.ndarray, weight: np.ndarray, l1: float, l2: float) -> np.ndarray:
    """∂/∂W of L + λ₁Σ|W| + λ₂ΣW²: g + λ₁ sign(W) + 2λ₂W (sign(0) = 0 as subgradient)."""
    return grad + l1 * np.sign(weight) + (2.0 * l2) * weight


def _evaluate(model, loss, X, y) -> float:
    output = predict(model, X)
    return loss.forward(output, _match_target(output, y))


# ----------------------------------------------------------------------------
# using a trained model
# ----------------------------------------------------------------------------
def predict(model: Any, X: Any) -> np.ndarray:
    """The network's outputs for ``X``, computed in evaluation mode.

    Parameters
    ----------
    model : Layer
    X : array_like, shape (n, d)

    Returns
    -------
    ndarray
        ``model.forward(X)`` with dropout off; the model's mode is restored.

    Raises
    ------
    TypeError
        If ``X`` is not real-valued.

    Notes
    -----
    Dropout is a training-time device: with inverted dropout the expected
    activation already matches, so evaluation simply switches it off.

    Examples
    --------
    >>> from coursekit.layers import Linear
    >>> predict(Linear.from_params([[2.0]], [1.0]), [[3.0]])
    array([[7.]])
    """
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        return model.forward(_check.real_array(X, "X"))
    finally:
        if was_training:
            model.train()


def classify(output: Any, threshold: float = 0.0) -> np.ndarray:
    """Class labels from network outputs.

    Parameters
    ----------
    output : array_like, shape (n,), (n, 1) or (n, K)
        Scores: one column of logits (binary) or K columns (multi-class).
    threshold : float, default 0.0
        Binary decision threshold on the score: 0 for logits, 0.5 if the
        network ends with a sigmoid.

    Returns
    -------
    ndarray of int, shape (n,)
        [score > threshold] for one column, argmaxₖ scoreₖ otherwise.

    Raises
    ------
    TypeError
        If ``output`` is not real-valued or ``threshold`` not a number.
    ValueError
        If ``output`` is not of shape (n,), (n, 1) or (n, K).

    Notes
    -----
    σ(z) > 1/2 exactly when z > 0, so thresholding a logit at 0 is the
    lecture's rule "class 1 if the predicted probability exceeds 1/2"; for K
    classes the softmax is monotone, so the largest logit is the most
    probable class.

    Examples
    --------
    >>> classify(np.array([[-0.2], [1.5]])).tolist(), classify(np.array([[0.1, 0.7, 0.2]])).tolist()
    ([0, 1], [1])
    """
    output = _check.real_array(output, "output")
    threshold = _check.real_number(threshold, "threshold")
    if output.ndim == 0 or output.ndim > 2:
        raise ValueError(f"output must have shape (n,), (n, 1) or (n, K), got {output.shape}")
    if output.ndim == 1 or output.shape[1] == 1:
        return (output.reshape(-1) > threshold).astype(int)
    return np.argmax(output, axis=1)


def accuracy(model: Any, X: Any, y: Any, threshold: float = 0.0) -> float:
    """Fraction of samples whose predicted class equals the label.

    Parameters
    ----------
    model : Layer
    X : array_like, shape (n, d)
    y : array_like
        Labels of shape (n,) or (n, 1), or one-hot rows (n, K).
    threshold : float, default 0.0
        See :func:`classify`.

    Returns
    -------
    float in [0, 1]

    Raises
    ------
    ValueError
        If the number of labels differs from the number of predictions.

    Notes
    -----
    Accuracy = (1/n) Σᵢ [ŷᵢ = yᵢ] with ŷ from :func:`classify`, computed in
    evaluation mode (see :func:`predict`).

    Examples
    --------
    >>> from coursekit.layers import Linear
    >>> accuracy(Linear.from_params([[1.0]], [0.0]), [[-2.0], [3.0], [1.0]], [0, 1, 0])
    0.6666666666666666
    """
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] > 1:
        labels = np.argmax(labels, axis=1)
    labels = labels.reshape(-1)
    predicted = classify(predict(model, X), threshold)
    if predicted.shape != labels.shape:
        raise ValueError(f"y has {labels.size} labels but the model made {predicted.size} predictions")
    return float(np.mean(predicted == labels))
