"""Questions of assignment 05_regularisation: the ridge minimiser derived, ridge, L1 by ISTA, weight decay, early stopping.

References come from :mod:`coursekit.linear`; the sine points are those of assignment 05_overfitting
(:func:`sin_data`, :func:`coursekit.data.sin_points` of the student's seed). Each student's seed is one
of a million whose degree-8 fit shows huge weights (:func:`huge_weights`), and their weight-decay
question has their own decay λ and schedule of three learning rates.
``tests/test_course_05_regularisation.py`` checks the references against independent computations
(sympy, optimality conditions, brute force, :func:`coursekit.train.fit`).
"""
from __future__ import annotations

from itertools import combinations

import numpy as np

from autograder.questions import hidden_twin, question

ASSIGNMENT = "05_regularisation"

#: Course code absent from the grading sandbox (see :func:`autograder.withheld.withheld`):
#: ridge, soft-thresholding, ISTA and the lasso path (and the polynomial features the demos use).
WITHHELD = ("coursekit.linear", "coursekit._lasso_path")

#: Learning rates of a schedule: 2η has no prime factors but 2 and 5, so λ / (2η) is a short decimal.
LEARNING_RATES = (0.8, 0.5, 0.4, 0.25, 0.2, 0.16, 0.1, 0.08, 0.05, 0.04, 0.025, 0.02, 0.01)


def sin_data(seed: int):
    """The lecture's eight points x = 0.2, ..., 1.6 with y = sin x + noise, for a seed."""
    from coursekit.data import sin_points

    X, y = sin_points(rng=seed)
    return X[:, 0], y


def huge_weights(v) -> bool:
    """The rule of every drawn seed: the minimum-norm degree-8 fit of its sine points has a weight more
    than 20 times the largest target in size, so that penalising the weights visibly helps."""
    x, y = sin_data(v["seed"])
    w = np.linalg.lstsq(np.vander(x, 9, increasing=True), y, rcond=None)[0]
    return bool(np.abs(w).max() > 20 * np.abs(y).max())


VARIANTS = {
    "space": {
        "seed": range(1, 1_000_001),
        "lrs": list(combinations(LEARNING_RATES, 3)),      # three decreasing learning rates
        "decay": [round(0.001 * k, 3) for k in range(1, 201)],
    },
    "defaults": {"seed": 3, "lrs": (0.5, 0.1, 0.02), "decay": 0.01},
    "accept": huge_weights,
}


# ---------------------------------------------------------------- 1. the ridge minimiser, derived

#: Symbols of the 1-D derivation: Sxx = Σxᵢ², Sxy = Σxᵢyᵢ, ell = ℓ (examples), lam = λ.
RIDGE_SYMBOLS = ("Sxx", "Sxy", "ell", "lam")


@question(f"{ASSIGNMENT}.ridge_1d", kind="expression", points=2, symbols=RIDGE_SYMBOLS,
          mistakes={"without_ell": lambda v: "Sxy/(Sxx + lam)",
                    "no_penalty": lambda v: "Sxy/Sxx",
                    "penalty_sign": lambda v: "Sxy/(Sxx - ell*lam)",
                    "half_penalty": lambda v: "Sxy/(Sxx + ell*lam/2)",
                    "double_penalty": lambda v: "Sxy/(Sxx + 2*ell*lam)"},
          hints={"default": ("A minimum of a smooth function of one variable: differentiate L with "
                             "respect to w and set the derivative to zero.",
                             "Chain rule on each squared error (its inside, w xᵢ − yᵢ, has derivative "
                             "xᵢ), power rule on λw²; keep the 1/ℓ in front of the sum. Set the sum to "
                             "zero, collect the terms in w on one side, then divide."),
                 "without_ell": "The data term is a *mean*: its derivative carries the factor 1/ℓ, and "
                                "the penalty's does not. Clearing the fraction multiplies λ by ℓ.",
                 "no_penalty": "That minimises the data term alone: the derivative of λw² is missing.",
                 "penalty_sign": "The penalty adds to the loss, so its derivative adds to the data "
                                 "term's; check the sign when you move terms across.",
                 "half_penalty": "Differentiate λw² with the power rule: the factor 2 appears in both "
                                 "terms and cancels.",
                 "double_penalty": "Both terms of the derivative carry a factor 2; it cancels from both, "
                                   "not from the data term alone."})
def ridge_1d(v):
    """w* = Σxᵢyᵢ / (Σxᵢ² + ℓλ), the zero of dL/dw for L(w) = (1/ℓ)Σ(w xᵢ − yᵢ)² + λw²."""
    return "Sxy/(Sxx + ell*lam)"


# ---------------------------------------------------------------- 1-2. L2 and L1

def _regression_trials(rng, v, lams=(1e-3, 1e-2, 0.1, 1.0, 0.05)):
    trials = []
    for lam in lams:
        n, d = int(rng.integers(4, 20)), int(rng.integers(1, 8))
        trials.append((rng.normal(size=(n, d)), rng.normal(size=n), float(lam)))
    return trials


def _ridge_without_ell(X, y, lam):
    X = np.asarray(X, float)
    return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)


@question(f"{ASSIGNMENT}.ridge_fit", kind="function", points=2, rtol=1e-7,
          inputs=_regression_trials, mistakes={"without_ell": lambda v: _ridge_without_ell},
          hints={"default": ("Set the gradient of the penalised loss to zero: a linear system again.",
                             "Redo your 1-D derivation with vectors: the gradient of the penalised "
                             "loss vanishes at the minimiser, a linear system in w with an identity "
                             "matrix where 1-D had the number 1. Solve it rather than inverting."),
                 "without_ell": "The loss is the *mean* squared error: the identity is multiplied by ℓλ, "
                                "not λ."})
def ridge_fit(v):
    """Reference: :func:`coursekit.linear.ridge`."""
    from coursekit.linear import ridge

    return ridge


def _threshold_trials(rng, v):
    shapes = [(5,), (3, 4), (), (7,)]
    return [(rng.normal(size=shape) * 2, float(rng.uniform(0, 1.5))) for shape in shapes]


def _clip_only(v_, t):
    v_ = np.asarray(v_, float)
    return np.where(np.abs(v_) > t, v_, 0.0)


@question(f"{ASSIGNMENT}.soft_threshold", kind="function", points=1, rtol=1e-12,
          inputs=_threshold_trials, mistakes={"hard_threshold": lambda v: _clip_only},
          hints={"default": ("Move every entry towards zero by t; an entry that would cross zero stops at "
                             "zero.",
                             "S_t(v) = sign(v)·max(|v| − t, 0) (section 2), elementwise."),
                 "hard_threshold": "That zeroes small entries but does not move the others: "
                                   "subtract t from every |v| as well."})
def soft_threshold(v):
    """Reference: :func:`coursekit.linear.soft_threshold`."""
    from coursekit.linear import soft_threshold as reference

    return reference


def _lasso_trials(rng, v):
    trials = []
    for X, y, lam in _regression_trials(rng, v, lams=(0.01, 0.1, 0.5)):
        lr = 1.0 / (2.0 * np.linalg.norm(X, 2) ** 2 / len(y))
        trials.append((X, y, lam, float(lr), int(rng.integers(20, 200))))
    return trials


def _reference_lasso(X, y, lam, lr, steps):
    from coursekit.linear import lasso

    return lasso(X, y, lam, lr=lr, steps=steps, method="proximal", tol=None)


@question(f"{ASSIGNMENT}.lasso_ista", kind="function", points=2, rtol=1e-7, atol=1e-10,
          inputs=_lasso_trials,
          hints={"default": ("Each step: a plain gradient step on the MSE, then the soft threshold.",
                             "Start from zeros; each of the `steps` steps is a gradient step on the "
                             "MSE with rate lr followed by soft-thresholding with t = lr·lam.")})
def lasso_ista(v):
    """Reference: :func:`coursekit.linear.lasso` (proximal method, no early stop)."""
    return _reference_lasso


# ---------------------------------------------------------------- 3. weight decay

def _learning_rates(v) -> np.ndarray:
    return np.asarray(v["lrs"], dtype=float)


@question(f"{ASSIGNMENT}.lambda_2", kind="array", points=1, rtol=1e-9,
          mistakes={"missing_two": lambda v: v["decay"] / _learning_rates(v),
                    "times_lr": lambda v: v["decay"] * _learning_rates(v) / 2},
          hints={"default": ("Compare the two update rules of section 3 factor by factor.",
                             "Match the factors in front of w: 1 − 2ηλ₂ must equal 1 − λ, once for "
                             "each learning rate η."),
                 "missing_two": "The gradient of λ₂‖w‖² is 2λ₂w: mind the factor 2.",
                 "times_lr": "Solve 2ηλ₂ = λ for λ₂: divide by η, do not multiply."})
def lambda_2(v):
    """λ₂ = λ / (2η) for each learning rate η of the schedule: then (1 − 2ηλ₂) = (1 − λ)."""
    return v["decay"] / (2 * _learning_rates(v))


# ---------------------------------------------------------------- 4. early stopping

def reference_early_stopping_epoch(val_loss, patience):
    """Best epoch under the patience rule of :func:`coursekit.train.fit` (strict improvement)."""
    best_epoch = 0
    losses = [float(loss) for loss in val_loss]
    for epoch, loss in enumerate(losses):
        if loss < losses[best_epoch]:
            best_epoch = epoch
        elif epoch - best_epoch >= patience:
            break
    return best_epoch


def _curve_trials(rng, v):
    trials = []
    for patience in (1, 3, 5, 10):
        epochs = np.arange(int(rng.integers(20, 80)))
        turn = rng.uniform(5, epochs.size)
        curve = 1 / (1 + epochs) + 0.002 * np.maximum(epochs - turn, 0) + rng.normal(0, 0.01, epochs.size)
        trials.append((curve, patience))
    trials.append((np.array([3.0, 2.0, 2.0, 2.0, 1.0]), 2))     # ties are not improvements: stop at epoch 3
    trials.append((np.array([1.0, 2.0, 3.0]), 5))               # ends before patience runs out
    return trials


def _argmin_everywhere(val_loss, patience):
    return int(np.argmin(val_loss))


def _ties_improve(val_loss, patience):
    """The patience rule with ``<=``: an equal loss counts as an improvement."""
    best_epoch, losses = 0, [float(loss) for loss in val_loss]
    for epoch, loss in enumerate(losses):
        if loss <= losses[best_epoch]:
            best_epoch = epoch
        elif epoch - best_epoch >= patience:
            break
    return best_epoch


def _stopping_epoch(val_loss, patience):
    """The epoch at which training stops instead of the best epoch."""
    losses = [float(loss) for loss in val_loss]
    best_epoch = 0
    for epoch, loss in enumerate(losses):
        if loss < losses[best_epoch]:
            best_epoch = epoch
        elif epoch - best_epoch >= patience:
            return epoch
    return len(losses) - 1


@question(f"{ASSIGNMENT}.early_stopping_epoch", kind="function", points=1,
          inputs=_curve_trials,
          mistakes={"no_patience": lambda v: _argmin_everywhere, "ties_improve": lambda v: _ties_improve,
                    "stopping_epoch": lambda v: _stopping_epoch},
          hints={"default": ("Remember the best loss so far and when it happened.",
                             "Track the best loss and its epoch; count epochs since the last strict "
                             "improvement and stop when the count reaches patience."),
                 "no_patience": "That is the minimum of the whole curve: training must stop once "
                                "`patience` epochs in a row have not improved, so later epochs are never "
                                "seen.",
                 "ties_improve": "An epoch improves only if its loss is strictly smaller than the best so "
                                 "far (<, not <=): a repeated value does not reset the patience count.",
                 "stopping_epoch": "Return the epoch of the best validation loss (whose weights you keep), "
                                   "not the epoch at which you stop."})
def early_stopping_epoch(v):
    """Reference: :func:`reference_early_stopping_epoch`."""
    return reference_early_stopping_epoch


# ---------------------------------------------------------------- hidden edge cases (hidden test regions)

def _ridge_edge_trials(rng, v):
    """More weights than samples, a large penalty, one feature."""
    return [(rng.normal(size=(4, 9)), rng.normal(size=4), 0.01),
            (rng.normal(size=(10, 3)), rng.normal(size=10), 100.0),
            (rng.normal(size=(7, 1)), rng.normal(size=7), 0.5)]


def _threshold_edge_trials(rng, v):
    """Threshold 0 (identity), a scalar, a threshold above every entry, exact ties."""
    return [(rng.normal(size=6), 0.0), (float(rng.normal()), 0.3),
            (rng.uniform(-1, 1, 5), 2.0), (np.array([-1.0, 1.0, 0.0, 1.5]), 1.0)]


def _lasso_edge_trials(rng, v):
    """No steps (w = 0), no penalty (plain gradient descent), a huge penalty (all zeros)."""
    X, y = rng.normal(size=(8, 3)), rng.normal(size=8)
    lr = float(1.0 / (2.0 * np.linalg.norm(X, 2) ** 2 / len(y)))
    return [(X, y, 0.1, lr, 0), (X, y, 0.0, lr, 50), (X, y, 1e3, lr, 20)]


def _curve_edge_trials(rng, v):
    """One epoch, a flat curve, patience longer than the curve, a plain list, a late minimum."""
    late = np.r_[np.linspace(1.0, 0.5, 10), np.full(4, 0.6), [0.1]]
    return [(np.array([0.3]), 2), (np.ones(6), 2), (rng.uniform(0, 1, 5), 50),
            ([0.5, 0.4, 0.45, 0.3, 0.35, 0.36], 2), (late, 4), (late, 5)]


hidden_twin(f"{ASSIGNMENT}.ridge_fit", rtol=1e-7,
            inputs=_ridge_edge_trials,
            hints={"default": ("Try more weights than samples, and a single feature.",
                               "The system with ℓλ on the diagonal is solvable for every λ > 0, whatever "
                               "the shape of X.")})
hidden_twin(f"{ASSIGNMENT}.soft_threshold", rtol=1e-12,
            inputs=_threshold_edge_trials,
            hints={"default": ("Try t = 0, a plain number, and a t larger than every entry.",
                               "The operator must act elementwise on any shape, a 0-d number included.")})
hidden_twin(f"{ASSIGNMENT}.lasso_ista", rtol=1e-7, atol=1e-10,
            inputs=_lasso_edge_trials,
            hints={"default": ("Try steps = 0, lam = 0 and a very large lam.",
                               "What is left of an ISTA step without penalty? And how many steps are taken "
                               "when steps = 0?")})
hidden_twin(f"{ASSIGNMENT}.early_stopping_epoch", inputs=_curve_edge_trials,
            hints={"default": ("Try a single epoch, a flat curve, and a patience longer than the curve.",
                               "Ties do not improve; a curve may end before patience runs out; a minimum "
                               "found just before patience runs out still counts.")})
