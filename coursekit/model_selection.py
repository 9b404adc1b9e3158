"""Estimating quality on new data: holdout split and K-fold cross-validation.

    >>> import numpy as np
    >>> folds = kfold(10, k=5, rng=0)
    >>> [len(val) for _, val in folds]
    [2, 2, 2, 2, 2]
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from coursekit import _validation as _check

__all__ = ["holdout_split", "kfold", "cross_val_score"]


def _order(n: int, rng: Any, shuffle: bool) -> np.ndarray:
    """0, …, n−1 in a random order drawn from ``rng``, or in order without ``shuffle``."""
    return _check.generator(rng).permutation(n) if _check.flag(shuffle, "shuffle") else np.arange(n)


def holdout_split(X: Any, y: Any, frac: float = 0.25, rng: Any = None,
                  shuffle: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split a data set into a training part and a held-out validation part.

    Parameters
    ----------
    X : array_like, shape (ℓ, ...)
    y : array_like, shape (ℓ, ...)
    frac : float, default 0.25
        Fraction of the samples held out, 0 < frac < 1; the holdout gets
        round(frac·ℓ) samples, at least one, and the training set at least one.
    rng : numpy.random.Generator or int, optional
        Source of the shuffling (fixed seed when omitted).
    shuffle : bool, default True
        If False, the last samples are held out (for ordered data such as
        time series).

    Returns
    -------
    X_train, X_val, y_train, y_val : ndarray
        The order of ``sklearn.model_selection.train_test_split``.

    Raises
    ------
    ValueError
        If X and y differ in length, there are fewer than 2 samples, or
        ``frac`` is not strictly between 0 and 1.

    Notes
    -----
    The lecture's trade-off: a small holdout leaves a representative
    training set but a noisy quality estimate; a large one estimates
    quality steadily but for a model trained on less data.

    Examples
    --------
    >>> X_train, X_val, y_train, y_val = holdout_split(np.arange(8.0), np.arange(8), frac=0.25)
    >>> len(X_train), len(X_val)
    (6, 2)
    """
    X, y = _check.same_length(X, y)
    if not 0 < _check.real_number(frac, "frac") < 1:
        raise ValueError(f"frac must be a number strictly between 0 and 1, got {frac!r}")
    n = len(X)
    if n < 2:
        raise ValueError(f"need at least 2 samples to split, got {n}")
    n_val = min(max(int(round(frac * n)), 1), n - 1)
    order = _order(n, rng, shuffle)
    train, val = order[: n - n_val], order[n - n_val:]
    return X[train], X[val], y[train], y[val]


def kfold(n: int, k: int = 5, rng: Any = None, shuffle: bool = True) -> list[tuple[np.ndarray, np.ndarray]]:
    """Indices for K-fold cross-validation.

    Parameters
    ----------
    n : int
        Number of samples ℓ.
    k : int, default 5
        Number of folds K, 2 ≤ K ≤ n.
    rng : numpy.random.Generator or int, optional
        Source of the shuffling (fixed seed when omitted).
    shuffle : bool, default True
        Shuffle before cutting into folds (otherwise consecutive blocks).

    Returns
    -------
    list of (train_indices, val_indices), length K
        The folds partition 0, …, n−1: every sample is validated exactly
        once; fold sizes differ by at most one.

    Raises
    ------
    TypeError
        If n or k is not an integer, or ``rng`` not a seed or Generator.
    ValueError
        If k is outside [2, n].

    Notes
    -----
    The lecture's K-fold scheme: the ℓ samples are cut into K parts; model k
    is trained on all parts but the k-th and validated on it.

    Examples
    --------
    >>> [val.tolist() for _, val in kfold(6, k=3, shuffle=False)]
    [[0, 1], [2, 3], [4, 5]]
    """
    n, k = _check.integer(n, "n"), _check.integer(k, "k")
    if not 2 <= k <= n:
        raise ValueError(f"k must satisfy 2 <= k <= n = {n}, got k = {k}")
    order = _order(n, rng, shuffle)
    folds = np.array_split(order, k)
    return [(np.concatenate(folds[:i] + folds[i + 1:]), folds[i]) for i in range(k)]


def cross_val_score(fit: Callable[[np.ndarray, np.ndarray], Any],
                    score: Callable[[Any, np.ndarray, np.ndarray], float],
                    X: Any, y: Any, k: int = 5, rng: Any = None, shuffle: bool = True) -> np.ndarray:
    """Score a learning method by K-fold cross-validation.

    Parameters
    ----------
    fit : callable
        ``fit(X_train, y_train) -> model`` (anything: weights, a network…).
    score : callable
        ``score(model, X_val, y_val) -> float``, e.g. a validation MSE.
    X : array_like, shape (ℓ, ...)
    y : array_like, shape (ℓ, ...)
    k : int, default 5
        Number of folds K.
    rng : numpy.random.Generator or int, optional
        Shuffling of the folds.
    shuffle : bool, default True

    Returns
    -------
    ndarray, shape (K,)
        One score per fold; report the mean (and spread).

    Raises
    ------
    ValueError
        If X and y differ in length or k is outside [2, ℓ].
    TypeError
        If k is not an integer.

    Notes
    -----
    Each sample is held out exactly once, so the mean of the K scores uses
    all the data for validation while every model is trained on a fraction
    (K − 1)/K of it.

    Examples
    --------
    >>> from coursekit.linear import fit_exact, mse_loss
    >>> X = np.c_[np.ones(20), np.arange(20.0)]; y = 2 * np.arange(20.0) + 1
    >>> cross_val_score(fit_exact, lambda w, Xv, yv: mse_loss(Xv, yv, w), X, y, k=4).round(12)
    array([0., 0., 0., 0.])
    """
    X, y = _check.same_length(X, y)
    return np.array([float(score(fit(X[train], y[train]), X[val], y[val]))
                     for train, val in kfold(len(X), k, rng, shuffle)])
