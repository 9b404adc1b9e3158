"""Questions of assignment 05_overfitting: polynomial fits, cross-validation, L2, L1, weight decay, early stopping.

References come from :mod:`coursekit.linear`, :mod:`coursekit.model_selection` and
:mod:`coursekit.data`; the notebook draws its data with :func:`curve_data` (the same recipe, so the
numbers agree for every student's seed). Each student's data come from their own seed, one of a
million whose data show the lessons (:func:`clear_lessons`), and their weight-decay question has
their own decay λ and schedule of three learning rates. ``tests/test_course_05_overfitting.py``
checks the references against independent computations.
"""
from __future__ import annotations

from functools import lru_cache
from itertools import combinations

import numpy as np

from autograder.questions import hidden_twin, question

ASSIGNMENT = "05_overfitting"

#: Course code absent from the grading sandbox (see :func:`autograder.questions.withheld`):
#: polynomial features, K-fold scores, ridge, soft-thresholding, ISTA and early stopping.
WITHHELD = ("coursekit.linear", "coursekit.model_selection", "coursekit._lasso_path")

#: Learning rates of a schedule: 2η has no prime factors but 2 and 5, so λ / (2η) is a short decimal.
LEARNING_RATES = (0.8, 0.5, 0.4, 0.25, 0.2, 0.16, 0.1, 0.08, 0.05, 0.04, 0.025, 0.02, 0.01)


def clear_lessons(v) -> bool:
    """The rule of every drawn data set: it shows what the notebook says it shows.

    The training error falls with the degree and degree 4 has the smallest test error of 1, 4 and 15;
    5-fold cross-validation picks a degree between 3 and 8 and scores degree 1 more than five times
    worse than the best; the degree-8 fit of the sine points has a weight more than 20 times the
    largest target in size. (About 97 % of seeds qualify.)
    """
    train, test = errors(v).T
    if not (train[0] > train[1] > train[2] and test[1] < test[0] and test[1] < test[2]):
        return False
    cv = cv_scores(v)
    if not (3 <= cv["best_degree"] <= 8 and cv["cv_scores"][0] > 5 * cv["cv_scores"].min()):
        return False
    return np.abs(w_sin(v)).max() > 20 * np.abs(sin_data(v["seed"])[1]).max()


VARIANTS = {
    "space": {
        "seed": range(1, 1_000_001),
        "lrs": list(combinations(LEARNING_RATES, 3)),      # three decreasing learning rates
        "decay": [round(0.001 * k, 3) for k in range(1, 201)],
    },
    "defaults": {"seed": 3, "lrs": (0.5, 0.1, 0.02), "decay": 0.01},
    "accept": clear_lessons,
}
DEGREES = (1, 4, 15)
CV_DEGREES = np.arange(1, 11)


def curve_data(seed: int):
    """The notebook's data: 30 sorted training points and 200 test points of cos(1.5πx) + N(0, 0.1²)."""
    rng = np.random.default_rng(seed)
    x_train = np.sort(rng.uniform(0, 1, 30))
    y_train = np.cos(1.5 * np.pi * x_train) + rng.normal(0, 0.1, x_train.size)
    x_test = rng.uniform(0, 1, 200)
    y_test = np.cos(1.5 * np.pi * x_test) + rng.normal(0, 0.1, x_test.size)
    return x_train, y_train, x_test, y_test


def _poly_fit(x, y, degree):
    from coursekit.linear import fit_exact, polynomial_features

    return fit_exact(polynomial_features(x, degree), y)


def _mse(x, y, w, degree):
    from coursekit.linear import mse_loss, polynomial_features

    return mse_loss(polynomial_features(x, degree), y, w)


# ---------------------------------------------------------------- 1. polynomial features

def _feature_trials(rng, v):
    return [(rng.uniform(-2, 2, int(rng.integers(1, 15))), int(degree)) for degree in (0, 1, 2, 3, 5, 8)]


def _no_bias(x, degree):
    from coursekit.linear import polynomial_features

    return polynomial_features(x, degree, include_bias=False)


@question(f"{ASSIGNMENT}.polynomial_features", kind="function", points=1, rtol=1e-12,
          inputs=_feature_trials, mistakes={"no_bias": lambda v: _no_bias},
          hints={"default": ("Column k holds the k-th power of every input, from the power zero up.",
                             "Broadcasting does it without a loop: a column of inputs, shape (ℓ, 1), "
                             "raised to a row of exponents, shape (degree + 1,)."),
                 "no_bias": "Column 0 must be the ones (x**0), the feature of the bias b.",
                 "wrong_shape": "The result has one row per input and degree + 1 columns."})
def polynomial_features(v):
    """Reference: :func:`coursekit.linear.polynomial_features`."""
    from coursekit.linear import polynomial_features as reference

    return reference


@question(f"{ASSIGNMENT}.errors", kind="array", points=1, rtol=1e-3,
          hints={"default": ("Fit on the training points only; measure on both sets.",
                             "For each degree: w from np.linalg.lstsq on the training features, then the "
                             "mean of squared residuals on the training set (column 0) and on the test "
                             "set (column 1)."),
                 "transposed": "Rows are the degrees (1, 4, 15), columns (train MSE, test MSE)."})
def errors(v):
    """Training and test MSE of least-squares polynomials of degree 1, 4, 15."""
    x_train, y_train, x_test, y_test = curve_data(v["seed"])
    rows = []
    for degree in DEGREES:
        w = _poly_fit(x_train, y_train, degree)
        rows.append((_mse(x_train, y_train, w, degree), _mse(x_test, y_test, w, degree)))
    return np.array(rows)


# ---------------------------------------------------------------- 2. the sine points

def sin_data(seed: int):
    """The lecture's eight points x = 0.2, ..., 1.6 with y = sin x + noise, for a seed."""
    from coursekit.data import sin_points

    X, y = sin_points(rng=seed)
    return X[:, 0], y


@question(f"{ASSIGNMENT}.w_sin", kind="array", points=1, rtol=1e-6, atol=1e-8,
          hints={"default": ("Least squares on the degree-8 features of the eight sine points.",
                             "np.linalg.lstsq returns a tuple; its first element holds the weights of "
                             "smallest norm among all the polynomials that fit."),
                 "wrong_shape": "A degree-8 polynomial has 9 weights (b, w1, ..., w8)."})
def w_sin(v):
    """Minimum-norm least-squares weights of the degree-8 fit to the sine points."""
    return _poly_fit(*sin_data(v["seed"]), 8)


# ---------------------------------------------------------------- 3. cross-validation

def reference_kfold_mse(x, y, degree, k):
    """Mean validation MSE over k contiguous folds, via :func:`coursekit.model_selection.cross_val_score`."""
    from coursekit.model_selection import cross_val_score

    scores = cross_val_score(lambda xt, yt: _poly_fit(xt, yt, degree),
                             lambda w, xv, yv: _mse(xv, yv, w, degree),
                             np.asarray(x, float), np.asarray(y, float), k=k, shuffle=False)
    return float(np.mean(scores))


def _kfold_trials(rng, v):
    trials = []
    for degree, k in ((0, 2), (1, 3), (2, 5), (3, 4), (1, 10)):
        n = int(rng.integers(max(12, 2 * k), 31))
        x = rng.uniform(-1, 1, n)
        trials.append((x, np.sin(3 * x) + rng.normal(0, 0.2, n), degree, k))
    return trials


def _training_error(x, y, degree, k):
    return _mse(x, y, _poly_fit(x, y, degree), degree)


@question(f"{ASSIGNMENT}.kfold_mse", kind="function", points=2, rtol=1e-7,
          inputs=_kfold_trials, mistakes={"training_error": lambda v: _training_error},
          hints={"default": ("Each fold is scored by a model that never saw it.",
                             "For each fold of np.array_split(np.arange(len(x)), k): fit on all the "
                             "other indices, compute the MSE on the fold; return the mean of the k "
                             "values."),
                 "training_error": "That is the training error of one fit on all the data: each model "
                                   "must be scored on the fold it did not see."})
def kfold_mse(v):
    """Reference: :func:`reference_kfold_mse`."""
    return reference_kfold_mse


@question(f"{ASSIGNMENT}.cv_scores", kind="array", points=2, rtol=1e-3,
          hints={"default": ("Shuffle once, then score every degree on the same shuffled points.",
                             "Reorder the training points with the given permutation, call kfold_mse "
                             "with the notebook's K for each degree from one to ten, and pick the degree "
                             "of the smallest score."),
                 "wrong_shape": "cv_scores holds one score per degree 1, ..., 10."})
def cv_scores(v):
    """5-fold CV scores of degrees 1..10 on the shuffled training points, and the best degree."""
    scores = np.array(_cv_scores(v["seed"]))
    return {"cv_scores": scores, "best_degree": int(CV_DEGREES[np.argmin(scores)])}


@lru_cache(maxsize=4096)
def _cv_scores(seed: int) -> tuple:
    """The CV scores of a seed's data, kept: :func:`clear_lessons` needs them for every draw."""
    x_train, y_train, _, _ = curve_data(seed)
    order = np.random.default_rng(seed).permutation(x_train.size)
    return tuple(reference_kfold_mse(x_train[order], y_train[order], d, 5) for d in CV_DEGREES)


# ---------------------------------------------------------------- 4-5. L2 and L1

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
                             "The minimiser solves the system of section 4, with ℓλ added to the "
                             "diagonal of XᵀX; solve it rather than inverting."),
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
                             "S_t(v) = sign(v)·max(|v| − t, 0) (section 5), elementwise."),
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


# ---------------------------------------------------------------- 6. weight decay

def _learning_rates(v) -> np.ndarray:
    return np.asarray(v["lrs"], dtype=float)


@question(f"{ASSIGNMENT}.lambda_2", kind="array", points=1, rtol=1e-9,
          mistakes={"missing_two": lambda v: v["decay"] / _learning_rates(v),
                    "times_lr": lambda v: v["decay"] * _learning_rates(v) / 2},
          hints={"default": ("Compare the two update rules of section 6 factor by factor.",
                             "Match the factors in front of w: 1 − 2ηλ₂ must equal 1 − λ, once for "
                             "each learning rate η."),
                 "missing_two": "The gradient of λ₂‖w‖² is 2λ₂w: mind the factor 2.",
                 "times_lr": "Solve 2ηλ₂ = λ for λ₂: divide by η, do not multiply."})
def lambda_2(v):
    """λ₂ = λ / (2η) for each learning rate η of the schedule: then (1 − 2ηλ₂) = (1 − λ)."""
    return v["decay"] / (2 * _learning_rates(v))


# ---------------------------------------------------------------- 7. early stopping

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

def _feature_edge_trials(rng, v):
    """A single input, a column vector, a plain list, integers, degree 0."""
    return [(np.array([rng.uniform(-2, 2)]), 4), (rng.uniform(-1, 1, (6, 1)), 3),
            ([0.5, -1.0, 2.0], 2), (np.arange(5), 3), (rng.normal(size=4), 0)]


def _kfold_edge_trials(rng, v):
    """Leave-one-out (k = n), folds of unequal size, a plain list."""
    x = rng.uniform(-1, 1, 9)
    y = x ** 2 + rng.normal(0, 0.1, 9)
    return [(x, y, 1, 9), (x, y, 2, 4), (list(x), list(y), 0, 3)]


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


hidden_twin(f"{ASSIGNMENT}.polynomial_features", rtol=1e-12,
         inputs=_feature_edge_trials,
         hints={"default": ("Try a list, integers, a column of shape (ℓ, 1) and degree zero.",
                            "Flatten the input to a 1-D float array first; degree zero leaves only the "
                            "column of ones.")})
hidden_twin(f"{ASSIGNMENT}.kfold_mse", rtol=1e-7,
         inputs=_kfold_edge_trials,
         hints={"default": ("Try k = len(x), folds of unequal sizes and plain lists.",
                            "Convert the inputs to arrays first; every fold, however small, is scored "
                            "and the k scores averaged.")})
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
hidden_twin(f"{ASSIGNMENT}.early_stopping_epoch",
         inputs=_curve_edge_trials,
         hints={"default": ("Try a single epoch, a flat curve, and a patience longer than the curve.",
                            "Ties do not improve; a curve may end before patience runs out; a minimum "
                            "found just before patience runs out still counts.")}
         )
