"""Questions of assignment 05_overfitting: polynomial fits, a cubic against a line, cross-validation.

References come from :mod:`coursekit.linear`, :mod:`coursekit.model_selection` and
:mod:`coursekit.data`; the notebook draws its data with :func:`curve_data` and :func:`five_points`
(the same recipes, so the numbers agree for every student). Each student's curve data come from their
own seed, one of a million whose data show the lessons (:func:`clear_lessons`), and their five points
lie near their own line with their own noise, drawn so that the line predicts the held-out point
better than the cubic (:func:`line_wins`). Regularisation is assignment 05_regularisation.
``tests/test_course_05_overfitting.py`` checks the references against independent computations.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from autograder.questions import hidden_twin, question
from autograder.variants import Product

ASSIGNMENT = "05_overfitting"

#: Course code absent from the grading sandbox (see :func:`autograder.withheld.withheld`):
#: polynomial features and K-fold scores.
WITHHELD = ("coursekit.linear", "coursekit.model_selection")

#: The inputs of the five points: the first four train, the last one is held out.
X_FIVE = (1.0, 2.0, 3.0, 4.0, 5.0)


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


def line_wins(v) -> bool:
    """The rule of every drawn set of five points: the cubic misses the held-out point by more than
    twice as much as the line does, and by at least one unit (the lesson of lecture 002)."""
    _, y = five_points(v)
    cubic, line = five_point_predictions(v)
    return bool(abs(cubic - y[-1]) > max(2 * abs(line - y[-1]), 1.0))


def accept(v) -> bool:
    """Both rules: the curve data show the lessons, and the line beats the cubic."""
    return line_wins(v) and clear_lessons(v)


VARIANTS = {
    "space": {
        "seed": range(1, 1_000_001),
        "intercept": [round(0.5 * k, 1) for k in range(-4, 5)],
        "slope": [round(0.25 * k, 2) for k in (*range(-12, -1), *range(2, 13))],
        "noise": Product(*[[round(0.1 * k, 1) for k in range(-6, 7)]] * 5),
    },
    "defaults": {"seed": 3, "intercept": 0.5, "slope": 1.25, "noise": (0.2, -0.3, 0.4, -0.1, 0.1)},
    "accept": accept,
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


# ---------------------------------------------------------------- 2. five points: a cubic or a line

def five_points(v):
    """The five points (xᵢ, yᵢ): yᵢ = intercept + slope·xᵢ + noiseᵢ, to two decimals."""
    x = np.array(X_FIVE)
    return x, np.round(v["intercept"] + v["slope"] * x + np.asarray(v["noise"], float), 2)


def _predictions_at_last(x_fit, y_fit, x_new):
    """The cubic through the points and the least-squares line, both evaluated at x_new."""
    cubic = np.linalg.solve(np.vander(x_fit, 4, increasing=True), y_fit)
    line = np.linalg.lstsq(np.vander(x_fit, 2, increasing=True), y_fit, rcond=None)[0]
    return np.array([np.polyval(cubic[::-1], x_new), np.polyval(line[::-1], x_new)])


def _with_all_five(v):
    x, y = five_points(v)
    line = np.linalg.lstsq(np.vander(x, 2, increasing=True), y, rcond=None)[0]
    cubic = np.linalg.lstsq(np.vander(x, 4, increasing=True), y, rcond=None)[0]
    return np.array([np.polyval(cubic[::-1], x[-1]), np.polyval(line[::-1], x[-1])])


@question(f"{ASSIGNMENT}.five_point_predictions", kind="array", points=2, rtol=1e-6, atol=1e-9,
          mistakes={"swapped": lambda v: five_point_predictions(v)[::-1],
                    "all_five": _with_all_five},
          hints={"default": ("Fit both models on the first four points only, then evaluate them at "
                             "the fifth input.",
                             "Degree 3 has four weights for four points: it passes through all of them. "
                             "Degree 1 is the least-squares line. Build each design matrix with your "
                             "polynomial_features, solve, and evaluate each polynomial at the held-out x."),
                 "swapped": "The order is (cubic, line): the cubic's prediction comes first.",
                 "all_five": "The fifth point is held out: it must not take part in either fit.",
                 "wrong_shape": "Two numbers: the cubic's prediction, then the line's."})
def five_point_predictions(v):
    """Predictions at the held-out x₅ of the cubic and of the line fitted on the first four points."""
    x, y = five_points(v)
    return _predictions_at_last(x[:-1], y[:-1], x[-1])


# ---------------------------------------------------------------- 3. the sine points

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


# ---------------------------------------------------------------- 4. cross-validation

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
