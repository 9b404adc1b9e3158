"""08_mlp, section 7: the capstone (softmax cross-entropy, a regression, the digits).

The capstone trains students' own layers and Adam (from their ``my_layers.py``, which the grading
sandbox receives with the notebook). Its predictors are judged on data the grader keeps
(:mod:`autograder.predictions`): for the regression the student's ``fit_and_predict_regression(X,
y, X_new)`` trains on noisy samples of a curve the grader draws afresh for every run and predicts
new points, and the curve itself never reaches the kernel; for the digits the grader sends
held-back test images, whose labels the sandbox's copy of the data does not hold
(:func:`without_test_labels`, the package's ``WITHHELD_DATA``).
"""
from __future__ import annotations

import numpy as np

from autograder.questions import hidden_twin, question

ASSIGNMENT = __name__.split(".")[2]   # "08_mlp", the assignment of this answer-key package

# ---------------------------------------------------------------- 7. the capstone

def reference_softmax_cross_entropy(z, y):
    """(ℓ, ∂ℓ/∂z) of the mean softmax cross-entropy of logits z (N, K) against integer classes y (N,)."""
    z = np.asarray(z, dtype=float)
    y = np.asarray(y).astype(int).reshape(-1)
    log_p = z - z.max(axis=1, keepdims=True)
    log_p = log_p - np.log(np.sum(np.exp(log_p), axis=1, keepdims=True))
    rows = np.arange(len(z))
    grad = np.exp(log_p)
    grad[rows, y] -= 1.0
    return float(-np.mean(log_p[rows, y])), grad / len(z)


def _softmax_trials(rng, v, shapes=((6, 10), (3, 4), (1, 10))):
    return [(rng.normal(size=(n, k)) * 3, rng.integers(0, k, size=n)) for n, k in shapes]


def _softmax_summed(z, y):
    value, grad = reference_softmax_cross_entropy(z, y)
    return value * len(np.asarray(z)), grad * len(np.asarray(z))


@question(f"{ASSIGNMENT}.softmax_cross_entropy", kind="function", points=2, rtol=1e-9, atol=1e-12,
          inputs=_softmax_trials, mistakes={"summed": lambda v: _softmax_summed},
          hints={"default": ("Work with log-probabilities: the gradient has the same simple form as "
                             "the binary one.",
                             "forward: the mean over rows of −log softmax(z) at the true class, with the "
                             "row maximum subtracted before exponentiating; backward: (softmax(z) − "
                             "one-hot(y)) / N."),
                 "summed": "Average over the N rows, in the value and in the gradient."})
def softmax_cross_entropy(v):
    """Reference: :func:`reference_softmax_cross_entropy`."""
    return reference_softmax_cross_entropy


#: The regression the grader sets: noisy samples of a curve it draws afresh, the new points to
#: predict, and the largest mean squared error from the noise-free curve that passes (the noise has
#: variance 0.01; every curve drawn varies by at least MIN_CURVE_VARIANCE, so a constant fails).
REGRESSION_SAMPLES, REGRESSION_NOISE, REGRESSION_POINTS = 200, 0.1, 300
MAX_REGRESSION_MSE, MIN_CURVE_VARIANCE = 0.03, 0.3
#: The digits split of the notebook (the rest are the training and validation images), the hidden
#: images the grader sends, and the least accuracy that passes (ten classes: guessing gives 0.1).
DIGITS_TEST, DIGITS_HIDDEN, MIN_DIGITS_ACCURACY = 400, 300, 0.9


#: The seed of the test rows, the same for every student: their labels never reach the sandbox.
DIGITS_TEST_SEED = 1797


def digits_split(seed: int):
    """Indices (train, validation, test) of the digits for the notebook's ``P["seed"]``.

    The ``DIGITS_TEST`` test rows are the same for everyone (the grading sandbox holds no label of
    theirs, see :func:`without_test_labels`); the student's seed shuffles the other rows into
    1,000 training and 397 validation images.
    """
    test = np.random.default_rng(DIGITS_TEST_SEED).permutation(1797)[-DIGITS_TEST:]
    order = np.random.default_rng(seed).permutation(np.setdiff1d(np.arange(1797), test))
    return order[:1000], order[1000:], test


def without_test_labels(path) -> None:
    """Rewrite the sandbox's copy of the digits (``path``, a gzipped CSV whose last column is the
    label) with the label of every test row replaced by −1: the images stay, the answers do not."""
    import gzip

    with gzip.open(path, "rt") as stream:
        table = np.loadtxt(stream, delimiter=",", dtype=np.int64)
    table[digits_split(0)[2], -1] = -1
    with gzip.open(path, "wt") as stream:
        np.savetxt(stream, table, delimiter=",", fmt="%d")




def _regression_case(rng):
    """``(curve, X, y, X_new)``: a curve of lecture 003's family (:func:`coursekit.data.sigmoid_curve`
    of a 62-bit id drawn from ``rng``, redrawn until it varies enough on [−3, 3]), 200 noisy samples
    of it (X shape (200, 1), y shape (200, 1)) and 300 new points X_new ~ U(−3, 3), shape (300, 1)."""
    from coursekit.data import sigmoid_curve, sigmoid_regression

    grid = np.linspace(-3.0, 3.0, 601)
    curve = int(rng.integers(2 ** 62))
    while np.var(sigmoid_curve(grid, curve)) < MIN_CURVE_VARIANCE:
        curve = int(rng.integers(2 ** 62))
    X, y = sigmoid_regression(REGRESSION_SAMPLES, noise=REGRESSION_NOISE, rng=rng, target=curve)
    return curve, X, y.reshape(-1, 1), rng.uniform(-3.0, 3.0, (REGRESSION_POINTS, 1))


def _regression_trials(rng, v):
    """The kernel's one case ``(X, y, X_new)``: data and new points, never the curve, which the grader
    draws afresh for every run (it cannot be computed from anything in the sandbox)."""
    _, X, y, X_new = _regression_case(rng)
    return [(X, y, X_new)]


def _hidden_digits(rng, v):
    from coursekit import data

    X, y = data.load_digits()
    chosen = rng.permutation(digits_split(v["seed"])[2])[:DIGITS_HIDDEN]
    return X[chosen], y[chosen]


def _digits_trials(rng, v):
    """Test images of the student's split, in a fresh order; their labels stay with the grader."""
    return [(_hidden_digits(rng, v)[0],)]


def _score_regression(q, outputs, v, seed):
    """One part: the mean squared error from the grader's noise-free curve at the new points."""
    from autograder.predictions import mse_part
    from coursekit.data import sigmoid_curve

    curve, _, _, X_new = _regression_case(np.random.default_rng(seed))
    return [mse_part(q, outputs[0] if outputs else None, sigmoid_curve(X_new[:, 0], curve),
                     MAX_REGRESSION_MSE)]


def _score_digits(q, outputs, v, seed):
    """One part: the accuracy of the predicted digits on the grader's test images."""
    from autograder.predictions import accuracy_part

    _, labels = _hidden_digits(np.random.default_rng(seed), v)
    return [accuracy_part(q, outputs[0] if outputs else None, labels, MIN_DIGITS_ACCURACY,
                          classes="one digit", of="test images")]


def reference_fit_and_predict(X, y, X_new):
    """Values at ``X_new`` (shape (N, 1)) of 41 sigmoid units with fixed steps on [−4, 4] whose output
    layer is solved by ridge regression on ``(X, y)``: a full-marks answer that needs none of the
    withheld code."""
    steps = np.linspace(-4.0, 4.0, 41)

    def features(x):
        h = 1 / (1 + np.exp(-4.0 * (np.asarray(x, dtype=float).reshape(-1, 1) - steps)))
        return np.column_stack([h, np.ones(len(h))])

    A = features(X)
    w2 = np.linalg.solve(A.T @ A + 1e-2 * np.eye(A.shape[1]), A.T @ np.asarray(y, dtype=float).reshape(-1))
    return features(X_new) @ w2


def reference_digits_predictor(seed: int):
    """``predict(X)`` of the nearest training or validation image (one nearest neighbour): a
    full-marks answer that needs none of the withheld layers."""
    from coursekit import data

    X, y = data.load_digits()
    seen = np.concatenate(digits_split(seed)[:2])
    known, classes = X[seen], y[seen]

    def predict(images):
        images = np.asarray(images, dtype=float)
        distances = (images ** 2).sum(1)[:, None] - 2 * images @ known.T + (known ** 2).sum(1)
        return classes[np.argmin(distances, axis=1)]
    return predict


@question(f"{ASSIGNMENT}.capstone_regression", kind="function", points=3, inputs=_regression_trials,
          score=_score_regression,
          hints={"default": ("Plot your fit over the data: where does it leave the curve?",
                             "Aim for a curve through the middle of the noisy points everywhere on "
                             "[−3, 3]: enough sigmoid units, a learning rate that lowers the validation "
                             "loss, and the weights of the best validation epoch; return one number per "
                             "row of X_new."),
                 "wrong_shape": "Return one number per row of X_new (an array of N numbers)."})
def capstone_regression(v):
    """A full-marks answer (graded by its error on the grader's curve, not against it)."""
    return reference_fit_and_predict


@question(f"{ASSIGNMENT}.capstone_digits", kind="function", points=3, inputs=_digits_trials,
          score=_score_digits,
          hints={"default": ("Look at the validation accuracy during training: does it still rise, or "
                             "did it stop early?",
                             "Aim for at least 0.9 on test images: scale the pixels to [0, 1], a hidden "
                             "layer of a few dozen units, Adam with a learning rate near 1e-3, mini-"
                             "batches and early stopping on the validation images; predict returns the "
                             "digit (0 to 9) of every row of X."),
                 "wrong_shape": "predict(X) returns one digit, 0 to 9, per row of X."})
def capstone_digits(v):
    """A full-marks answer (graded by its accuracy on the grader's images, not against it)."""
    return reference_digits_predictor(v["seed"])


hidden_twin(f"{ASSIGNMENT}.softmax_cross_entropy", rtol=1e-9, atol=1e-12,
            inputs=lambda rng, v: [(np.array([[1000.0, -1000.0, 0.0], [-1000.0, 0.0, 1000.0]]),
                                    np.array([1, 2])),
                                   (rng.normal(size=(5, 2)), rng.integers(0, 2, size=5).astype(float))],
            hints={"default": ("Try logits of a thousand and labels given as floats.",
                               "Subtract each row's largest logit before exponentiating, and turn the "
                               "labels into integers before indexing with them.")})
