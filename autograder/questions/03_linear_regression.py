"""Questions of assignment 03_linear_regression: ML tasks, MSE, its gradient, exact fit, GD with a stopping rule, SGD.

Students derive one term of ∂L/∂w_j (``gradient_entry``, judged symbolically) before they implement
the gradient, and predict what the exact fit does at the data's centre (``exact_fit``) before a
demonstration runs it.

Every student fits their own sample of the counting data (ice creams sold against temperature),
drawn with the seed ``v["seed"]``; temperatures enter the model as ``x = (T − 20)/10`` with a
constant feature, exactly as the notebook's locked set-up cell builds them (:func:`design`).
References come from :mod:`coursekit.linear` and :mod:`coursekit.gd`.
"""
from __future__ import annotations

import numpy as np

from autograder.questions import hidden_twin, question
from coursekit import data, gd, linear

ASSIGNMENT = "03_linear_regression"

#: Course code absent from the grading sandbox (see :func:`autograder.withheld.withheld`):
#: MSE, its gradient, the exact fit, gradient-descent fits and SGD epochs.
WITHHELD = ("coursekit.linear", "coursekit.gd", "coursekit.optim", "coursekit.train")
N_DAYS = 50

VARIANTS = {
    # each seed draws 50 other days, so the exact fit and its stable learning rate are the student's own
    "space": {"seed": range(1, 1_000_001), "batch_size": [5, 8, 10, 16]},
    "defaults": {"seed": 0, "batch_size": 10},
}


def design(v):
    """The notebook's data: X of shape (50, 2) with columns (1, (T − 20)/10), and the counts y."""
    temperature, counts = data.counting(n=N_DAYS, rng=int(v["seed"]))
    x = (temperature[:, 0] - 20.0) / 10.0
    return np.column_stack([np.ones_like(x), x]), counts


def _regression_trials(rng, v, sizes=((20, 2), (7, 3), (50, 1), (12, 5))):
    """Random (X, y, w) with ℓ samples and d features."""
    trials = []
    for n, d in sizes:
        X = rng.normal(size=(n, d))
        trials.append((X, X @ rng.normal(size=d) + rng.normal(scale=0.5, size=n), rng.normal(size=d)))
    return trials


def _regression_edge_trials(rng, v):
    """Integer data, a perfect fit (zero loss and gradient), a single sample, many features."""
    X = rng.integers(-3, 4, size=(9, 3))
    w = rng.normal(size=4)
    X_fit = rng.normal(size=(6, 4))
    return [
        (X, rng.integers(-5, 6, size=9), np.array([1, 0, -1])),
        (X_fit, X_fit @ w, w),
        (rng.normal(size=(1, 3)), rng.normal(size=1), rng.normal(size=3)),
        (rng.normal(size=(30, 12)), rng.normal(size=30), rng.normal(size=12)),
    ]


# ---------------------------------------------------------------- machine-learning tasks

TASKS = ("regression", "classification", "clustering", "dimensionality reduction")


@question(f"{ASSIGNMENT}.tasks", kind="choice", points=2, options=TASKS,
          hints={"default": ("First ask: is there a target to predict, and what kind of thing is it?",
                             "Is there a target? A number is regression, a label from a finite set is "
                             "classification. Without targets: finding groups is clustering, describing "
                             "each example by fewer numbers is dimensionality reduction.")})
def tasks(v):
    """The task of each problem in the notebook's table (one part per problem)."""
    return {
        "ice_creams": "regression",
        "spam": "classification",
        "customers": "clustering",
        "map": "dimensionality reduction",
        "rating": "regression",
        "digit": "classification",
    }


# ---------------------------------------------------------------- the loss and its gradient

def _mse_sum(X, y, w):
    return float(np.sum((np.asarray(X) @ w - y) ** 2))


def _rmse(X, y, w):
    return float(np.sqrt(linear.mse_loss(X, y, w)))


_MSE_HINTS = {
    "default": ("Residuals first (prediction minus target, one per sample), then square and average.",
                "L(w) = (1/ℓ) Σᵢ (wᵀxᵢ − yᵢ)²: the matrix product Xw gives every prediction at once."),
    "sum": "That is the sum of squared errors; the mean divides by the number of samples ℓ.",
    "rmse": "That is the root of the mean squared error; do not take the square root.",
}


@question(f"{ASSIGNMENT}.mse", kind="function", points=2, rtol=1e-9,
          inputs=_regression_trials,
          mistakes={"sum": lambda v: _mse_sum, "rmse": lambda v: _rmse}, hints=_MSE_HINTS)
def mse(v):
    """Reference: coursekit.linear.mse_loss."""
    return linear.mse_loss


hidden_twin(f"{ASSIGNMENT}.mse", rtol=1e-9,
         inputs=_regression_edge_trials,
         mistakes={"sum": lambda v: _mse_sum, "rmse": lambda v: _rmse},
         hints={**_MSE_HINTS, "default": ("Try integer data, a single sample and a perfect fit.",
                                          "Integer arrays must give a float mean; one sample is still "
                                          "a mean; a perfect fit has zero loss.")})


#: The answer's variables: the prediction aᵢ = wᵀxᵢ, the target yᵢ, the feature x_ij that w_j multiplies, ℓ.
ENTRY_SYMBOLS = ("a_i", "y_i", "x_ij", "ell")


@question(f"{ASSIGNMENT}.gradient_entry", kind="expression", points=2, symbols=ENTRY_SYMBOLS,
          mistakes={"without_two": lambda v: "(a_i - y_i)*x_ij/ell",
                    "without_mean": lambda v: "2*(a_i - y_i)*x_ij",
                    "without_inner": lambda v: "2*(a_i - y_i)/ell",
                    "reversed_residual": lambda v: "2*(y_i - a_i)*x_ij/ell"},
          hints={"default": ("Only the i-th term of the sum depends on aᵢ: differentiate one square from the "
                             "outside in, and keep what stands in front of the sum.",
                             "Chain rule: (u²)′ = 2u·u′ with u = aᵢ − yᵢ; ∂aᵢ/∂w_j is the feature that w_j "
                             "multiplies in wᵀxᵢ; a constant factor in front of the sum stays in front."),
                 "without_two": ("The outer function is a square: its derivative brings down a factor.",
                                 "(u²)′ = 2u·u′: the exponent comes down as a factor."),
                 "without_mean": ("The loss is a mean, not a sum: what happened to the factor in front?",
                                  "A constant factor stays when you differentiate, (c·f)′ = c·f′: the mean's "
                                  "1/ℓ is still there."),
                 "without_inner": ("A chain-rule factor is missing: the square's inside depends on w_j too.",
                                   "(u²)′ = 2u·u′: multiply by the derivative of the inside u = wᵀxᵢ − yᵢ with "
                                   "respect to w_j, the feature that w_j multiplies."),
                 "reversed_residual": ("Check the sign: the loss squares prediction minus target.",
                                       "With u = aᵢ − yᵢ the factor 2u keeps the order of u: prediction "
                                       "first, target second (reversing it flips the sign of the gradient).")})
def gradient_entry(v):
    """One term of ∂L/∂w_j = Σᵢ (2/ℓ)(aᵢ − yᵢ) x_ij, with aᵢ = wᵀxᵢ (the sum over i is written around it)."""
    return "2*(a_i - y_i)*x_ij/ell"


def _gradient_without_two(X, y, w):
    return linear.mse_gradient(X, y, w) / 2


def _gradient_of_sum(X, y, w):
    return linear.mse_gradient(X, y, w) * len(y) / 2


_GRADIENT_HINTS = {
    "default": ("One entry per weight: your ∂L/∂w_j of section 4, for every j at once.",
                "Entry j sums, over the samples, residual times feature j of that sample: for all j at once "
                "that is a product of the transposed design matrix with the residual vector, times the "
                "factor in front; shape (d,)."),
    "without_two": "Missing factor 2: the derivative of the square (r)² is 2r.",
    "of_sum": "Divide by ℓ = len(y): the loss is a mean, so is its gradient.",
    "wrong_sign": "Check the sign of the residual: Xw − y, prediction minus target.",
}


@question(f"{ASSIGNMENT}.mse_gradient", kind="function", points=2, rtol=1e-8,
          inputs=_regression_trials,
          mistakes={"without_two": lambda v: _gradient_without_two, "of_sum": lambda v: _gradient_of_sum},
          hints=_GRADIENT_HINTS)
def mse_gradient(v):
    """Reference: coursekit.linear.mse_gradient."""
    return linear.mse_gradient


hidden_twin(f"{ASSIGNMENT}.mse_gradient", rtol=1e-8, atol=1e-10,
         inputs=_regression_edge_trials,
         mistakes={"without_two": lambda v: _gradient_without_two, "of_sum": lambda v: _gradient_of_sum},
         hints={**_GRADIENT_HINTS,
                "default": ("Try integer data, one sample and many features.",
                            "Nothing in the formula depends on the number of samples or features; "
                            "integer data must still give float gradients.")})


# ---------------------------------------------------------------- the exact solution

def _exact_trials(rng, v):
    trials = []
    for n, d in ((20, 2), (40, 4), (8, 3)):
        X = rng.normal(size=(n, d))
        trials.append((X, X @ rng.normal(size=d) + rng.normal(scale=0.3, size=n)))
    return trials


def _exact_edge_trials(rng, v):
    X = rng.normal(size=(200, 10))
    square = rng.normal(size=(3, 3))
    return [(X, X @ rng.normal(size=10) + rng.normal(size=200)), (square, rng.normal(size=3))]


@question(f"{ASSIGNMENT}.fit_exact", kind="function", points=2, rtol=1e-6, atol=1e-9,
          inputs=_exact_trials,
          hints={"default": ("Where the gradient of section 4 is zero, the weights solve a linear system.",
                             "The normal equations XᵀX w = Xᵀy: let NumPy solve this d × d system rather "
                             "than inverting XᵀX.")})
def fit_exact(v):
    """Reference: coursekit.linear.fit_exact (least squares)."""
    return linear.fit_exact


hidden_twin(f"{ASSIGNMENT}.fit_exact", rtol=1e-6, atol=1e-9,
         inputs=_exact_edge_trials,
         hints={"default": ("Try many samples and features, and as many samples as weights.",
                            "The normal equations have the same form for any ℓ ≥ d.")})


#: The prediction before the exact fit is run: what the fitted line does at the data's centre.
EXACT_FIT_OPTIONS = {
    "mean_residual": ("zero", "positive", "negative", "depends on the data"),
    "line": ("through the point of means", "through the origin", "through the first and the last day",
             "through no particular point"),
}


@question(f"{ASSIGNMENT}.exact_fit", kind="choice", points=2,
          options=tuple(o for options in EXACT_FIT_OPTIONS.values() for o in options),
          hints={"default": ("Look at the entry of your ∂L/∂w_j that belongs to the constant feature, "
                             "where the gradient vanishes.",
                             "At the exact weights every entry of the gradient is zero; for the constant "
                             "feature x_i0 = 1, so your gradient entry becomes a sum of the residuals "
                             "alone. What does a vanishing sum of residuals say about their mean, and "
                             "about the prediction at the mean temperature?")})
def exact_fit(v):
    """The consequences of ∂L/∂w₀ = 0 for the constant feature: residuals of mean zero, line through (x̄, ȳ)."""
    return {"mean_residual": "zero", "line": "through the point of means"}


@question(f"{ASSIGNMENT}.lr_max", kind="number", points=1, rtol=1e-9,
          mistakes={"half": lambda v: _lr_max(v) / 2, "double": lambda v: 2 * _lr_max(v)},
          hints={"default": ("The curvature of L plays the part of f″ in assignment 02.",
                             "The Hessian of L is H = (2/ℓ) XᵀX; GD is stable for η < 2/λ_max(H). "
                             "np.linalg.eigvalsh gives the eigenvalues of a symmetric matrix."),
                 "half": "That is 1/λ_max(H); the stability limit, as for 2/f″ in assignment 02, is 2/λ_max(H).",
                 "double": "The Hessian is (2/ℓ) XᵀX, not (1/ℓ) XᵀX."})
def lr_max(v):
    """The largest stable learning rate ℓ / λ_max(XᵀX) on the student's data."""
    return _lr_max(v)


def _lr_max(v):
    X, y = design(v)
    return len(y) / np.linalg.eigvalsh(X.T @ X)[-1]


# ---------------------------------------------------------------- gradient descent with the stopping rule

def _gd_trials(rng, v):
    """(X, y, lr, tol, max_steps) on well-conditioned random problems."""
    trials = []
    for n, d, tol, max_steps in ((30, 2, 1e-6, 500), (25, 3, 1e-3, 200), (40, 2, 1e-12, 15)):
        X = rng.normal(size=(n, d))
        y = X @ rng.normal(size=d) + rng.normal(scale=0.2, size=n)
        lr = float(0.5 * n / np.linalg.eigvalsh(X.T @ X)[-1])
        trials.append((X, y, lr, tol, max_steps))
    return trials


def _reference_fit_gd(X, y, lr, tol, max_steps):
    return linear.fit_gd(X, y, lr, max_steps, tol=tol)


def _fit_gd_without_start(X, y, lr, tol, max_steps):
    return _reference_fit_gd(X, y, lr, tol, max_steps)[1:]


@question(f"{ASSIGNMENT}.fit_gd", kind="function", points=2, rtol=1e-7, atol=1e-10,
          inputs=_gd_trials,
          mistakes={"without_start": lambda v: _fit_gd_without_start},
          hints={"default": ("Keep every iterate from w⁰ = 0; test the stopping rule after each update.",
                             "After each update w ← w − η∇L(w) keep the new w, and stop as soon as the "
                             "update moved w by less than tol (‖wᵗ − wᵗ⁻¹‖), or after max_steps updates."),
                 "without_start": "Include the starting point w⁰ = 0 as the first row."})
def fit_gd(v):
    """Reference: coursekit.linear.fit_gd."""
    return _reference_fit_gd


hidden_twin(f"{ASSIGNMENT}.fit_gd", rtol=1e-7, atol=1e-10,
         inputs=lambda rng, v: [(*case[:3], 1e-30, 7) for case in _gd_trials(rng, v)[:2]]
         + [(np.eye(2), np.array([1.0, -1.0]), 0.5, 1e-6, 100)],
         hints={"default": ("Try a tolerance that is never met, and a problem gradient descent solves in one "
                            "step.",
                            "The result holds w⁰ and every update made: count the rows when max_steps "
                            "runs out, and when the very first update already meets the rule.")})


# ---------------------------------------------------------------- one epoch of mini-batch SGD

def _mse_batch_gradient(w, X_batch, y_batch):
    return linear.mse_gradient(X_batch, y_batch, w)


def _reference_epoch(X, y, w0, lr, batch_size, order):
    order = np.asarray(order)
    return gd.minibatch_gradient_descent(_mse_batch_gradient, w0, np.asarray(X)[order],
                                         np.asarray(y)[order], lr, epochs=1,
                                         batch_size=batch_size, shuffle=False)


def _epoch_dropping_last(X, y, w0, lr, batch_size, order):
    full = len(order) // batch_size
    return _reference_epoch(X, y, w0, lr, batch_size, order)[: full + 1]


def _epoch_trials(rng, v):
    trials = []
    for n, d, batch in ((24, 2, 1), (30, 3, 7), (20, 2, 20), (33, 2, 10)):
        X = rng.normal(size=(n, d))
        y = X @ rng.normal(size=d) + rng.normal(scale=0.3, size=n)
        trials.append((X, y, rng.normal(size=d), 0.05, batch, rng.permutation(n)))
    return trials


@question(f"{ASSIGNMENT}.sgd_epoch", kind="function", points=2, rtol=1e-8, atol=1e-10,
          inputs=_epoch_trials,
          mistakes={"drop_last": lambda v: _epoch_dropping_last},
          hints={"default": ("One update per slice of batch_size samples, taken in the given order.",
                             "Walk through `order` in slices of batch_size; each slice makes one update "
                             "with the MSE gradient of that slice alone (a mean over its m samples); "
                             "return w⁰ and every update."),
                 "drop_last": "Keep the last, smaller batch when batch_size does not divide ℓ: "
                              "an epoch has ⌈ℓ/m⌉ updates."})
def sgd_epoch(v):
    """Reference: one epoch of coursekit.gd.minibatch_gradient_descent in the given order."""
    return _reference_epoch


hidden_twin(f"{ASSIGNMENT}.sgd_epoch", rtol=1e-8, atol=1e-10,
         inputs=lambda rng, v: _epoch_trials(rng, v) + [(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.array([1.0, 0.0, 2.0]),
             np.array([0, 0]), 0.01, 2, np.array([2, 0, 1]))],
         hints={"default": ("Try an integer starting w and an order that is not sorted.",
                            "The iterates are floats even for an integer w⁰, and the samples are visited "
                            "exactly in the given order.")})
