"""Assignment 05_overfitting: its reference answers against independent truth.

The generic tests (tests/test_course.py) prove the notebook scores full marks through nbgrader; here
the references themselves are checked: closed forms (leave-one-out residuals, pseudo-inverse),
optimality conditions (ridge gradient, lasso KKT, the proximal map by brute force), the lecture's
claims (the training error falls with the degree, degree 15 overfits, the degree-8 weights are huge),
coursekit.train.fit's early stopping, and that every declared mistake is recognised with its hint.
"""
from __future__ import annotations

import importlib

import numpy as np
import pytest

from autograder import kinds, questions
from autograder.student import parameters

A = "05_overfitting"
Q = importlib.import_module(f"autograder.questions.{A}")


def verdict(name: str, answer, student: str | None = None):
    """Capture and judge an answer exactly as check() does, for a given student."""
    q = questions.get(f"{A}.{name}")
    v = parameters(A, student)
    seed = kinds.trial_seed(q.id, student)
    return kinds.judge(q, kinds.capture(q, answer, v, seed), v, seed)


def reference(name: str, student: str | None = None):
    return questions.get(f"{A}.{name}").reference(parameters(A, student))


#: The data seeds of the default variant and of a few students (drawn, never the same list twice).
SEEDS = [parameters(A, student)["seed"] for student in (None, *(f"student{i}" for i in range(7)))]


# ---------------------------------------------------------------- data and fits

@pytest.mark.parametrize("seed", SEEDS)
def test_training_error_falls_with_degree_and_degree_15_overfits(seed):
    x_train, y_train, x_test, y_test = Q.curve_data(seed)
    errors = Q.errors({"seed": seed})
    # least squares on the Vandermonde matrix by numpy alone (degree 15 is ill-conditioned: solvers agree
    # to about 1e-6, well inside the question's tolerance of 1e-3)
    for row, degree in zip(errors, (1, 4, 15)):
        w = np.linalg.lstsq(np.vander(x_train, degree + 1, increasing=True), y_train, rcond=None)[0]
        np.testing.assert_allclose(row, [np.mean((np.vander(x, degree + 1, increasing=True) @ w - y) ** 2)
                                         for x, y in ((x_train, y_train), (x_test, y_test))], rtol=1e-4)
    train, test = errors[:, 0], errors[:, 1]
    assert train[0] > train[1] > train[2]
    assert test[1] < test[0] and test[1] < test[2], "degree 4 must generalise best"


def test_curve_data_matches_the_notebook_recipe():
    x_train, y_train, x_test, y_test = Q.curve_data(3)
    assert x_train.shape == (30,) and x_test.shape == (200,)
    assert np.all(np.diff(x_train) >= 0) and 0 <= x_train.min() and x_train.max() <= 1
    assert np.std(y_train - np.cos(1.5 * np.pi * x_train)) == pytest.approx(0.1, abs=0.04)


@pytest.mark.parametrize("seed", SEEDS)
def test_degree_8_sine_fit_interpolates_with_huge_minimum_norm_weights(seed):
    w = Q.w_sin({"seed": seed})
    x, y = Q.sin_data(seed)
    V = np.vander(x, 9, increasing=True)
    np.testing.assert_allclose(V @ w, y, atol=1e-9)
    np.testing.assert_allclose(w, np.linalg.pinv(V) @ y, rtol=1e-6, atol=1e-8)
    assert np.abs(w).max() > 20 * np.abs(y).max()


def test_polynomial_features_reference_is_a_vandermonde_matrix():
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_array_equal(reference("polynomial_features")(x, 3), np.vander(x, 4, increasing=True))


# ---------------------------------------------------------------- cross-validation

def test_kfold_reference_matches_leave_one_out_closed_form():
    # For least squares, the leave-one-out residual is r_i / (1 - h_ii) with H the hat matrix.
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 12)
    y = np.sin(3 * x) + rng.normal(0, 0.1, 12)
    X = np.vander(x, 3, increasing=True)
    H = X @ np.linalg.pinv(X)
    loo = np.mean(((y - H @ y) / (1 - np.diag(H))) ** 2)
    assert Q.reference_kfold_mse(x, y, 2, 12) == pytest.approx(loo, rel=1e-9)


def test_kfold_reference_matches_polyfit_on_contiguous_folds():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-1, 1, 20), rng.normal(size=20)
    scores = []
    for fold in np.array_split(np.arange(20), 4):
        train = np.setdiff1d(np.arange(20), fold)
        coef = np.polyfit(x[train], y[train], 2)
        scores.append(np.mean((np.polyval(coef, x[fold]) - y[fold]) ** 2))
    assert Q.reference_kfold_mse(x, y, 2, 4) == pytest.approx(np.mean(scores), rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_cross_validation_picks_a_moderate_degree(seed):
    answer = Q.cv_scores({"seed": seed})
    assert answer["cv_scores"].shape == (10,)
    assert 3 <= answer["best_degree"] <= 8
    assert answer["cv_scores"][0] > 5 * answer["cv_scores"].min(), "degree 1 underfits"


# ---------------------------------------------------------------- regularisation

def test_ridge_reference_zeroes_the_gradient_of_the_penalised_loss():
    rng = np.random.default_rng(2)
    X, y, lam = rng.normal(size=(6, 9)), rng.normal(size=6), 0.3
    w = reference("ridge_fit")(X, y, lam)
    gradient = 2 / len(y) * X.T @ (X @ w - y) + 2 * lam * w
    np.testing.assert_allclose(gradient, 0, atol=1e-10)


def test_soft_threshold_reference_is_the_proximal_map_by_brute_force():
    grid = np.linspace(-4, 4, 80001)
    soft = reference("soft_threshold")
    for v, t in ((1.7, 0.5), (-0.3, 0.5), (-2.2, 1.0), (0.0, 0.2)):
        brute = grid[np.argmin(0.5 * (grid - v) ** 2 + t * np.abs(grid))]
        assert soft(np.array([v]), t)[0] == pytest.approx(brute, abs=2e-4)


def test_lasso_reference_satisfies_the_optimality_conditions():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(30, 6))
    y = X @ np.array([2.0, 0.0, -1.0, 0.0, 0.05, 0.0]) + rng.normal(0, 0.1, 30)
    lam = 0.2
    lr = 1 / (2 / len(y) * np.linalg.eigvalsh(X.T @ X).max())
    w = reference("lasso_ista")(X, y, lam, lr, 5000)
    grad = 2 / len(y) * X.T @ (X @ w - y)
    active = w != 0
    np.testing.assert_allclose(grad[active], -lam * np.sign(w[active]), atol=1e-9)
    assert np.all(np.abs(grad[~active]) <= lam + 1e-9)
    assert 1 <= (~active).sum() < 6


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_lasso_sets_weights_of_the_sine_model_exactly_to_zero_where_ridge_does_not(seed):
    x, y = Q.sin_data(seed)
    X = np.vander(x, 9, increasing=True)
    lr = 1 / (2 / len(y) * np.linalg.eigvalsh(X.T @ X).max())
    assert np.sum(reference("lasso_ista")(X, y, 0.01, lr, 20_000) == 0) >= 1
    assert np.all(reference("ridge_fit")(X, y, 0.01) != 0)


@pytest.mark.parametrize("student", [None, "alice", "bob", "carol"])
def test_lambda_2_makes_l2_gradient_descent_equal_weight_decay(student):
    v = parameters(A, student)
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(10, 3)), rng.normal(size=10)

    def grad(w):
        return 2 / len(y) * X.T @ (X @ w - y)

    assert len(Q.lambda_2(v)) == len(v["lrs"]) == 3
    for lr, lam2 in zip(v["lrs"], Q.lambda_2(v)):
        w_l2 = w_wd = rng.normal(size=3)
        for _ in range(20):
            w_l2 = w_l2 - lr * (grad(w_l2) + 2 * lam2 * w_l2)
            w_wd = (1 - v["decay"]) * w_wd - lr * grad(w_wd)
        np.testing.assert_allclose(w_l2, w_wd, rtol=1e-12)


# ---------------------------------------------------------------- early stopping

@pytest.mark.parametrize("patience", [1, 3, 10])
def test_early_stopping_reference_agrees_with_coursekit_train_fit(patience):
    from coursekit import data, layers, optim, train

    X, y = data.moons(80, noise=0.3, rng=0)
    y = y.reshape(-1, 1).astype(float)
    model = layers.Sequential(layers.Linear(2, 64, rng=0), layers.ReLU(), layers.Linear(64, 1, rng=1))
    history = train.fit(model, layers.BCEWithLogitsLoss(), optim.Adam(model.parameters(), lr=0.05),
                        X[:40], y[:40], epochs=300, batch_size=None, X_val=X[40:], y_val=y[40:],
                        patience=patience)
    assert Q.reference_early_stopping_epoch(history.val_loss, patience) == history.best_epoch


def test_early_stopping_reference_stops_at_the_first_run_of_non_improvements():
    curve = [1.0, 0.8, 0.9, 0.95, 0.5, 0.4]
    assert Q.reference_early_stopping_epoch(curve, 2) == 1
    assert Q.reference_early_stopping_epoch(curve, 3) == 5
    assert Q.reference_early_stopping_epoch([2.0, 2.0, 2.0], 1) == 0


# ---------------------------------------------------------------- the questions as students meet them

def test_every_function_question_has_a_hidden_twin_that_accepts_the_reference():
    registered = questions.for_assignment(A)
    for qid, q in registered.items():
        if q.kind == "function" and not qid.endswith("_hidden"):
            twin = registered[qid + "_hidden"]
            ref = q.reference(parameters(A))
            assert verdict(twin.name, ref).correct, qid


@pytest.mark.parametrize("name, tag", [
    ("polynomial_features", "no_bias"), ("kfold_mse", "training_error"), ("ridge_fit", "without_ell"),
    ("soft_threshold", "hard_threshold"), ("early_stopping_epoch", "no_patience"),
    ("early_stopping_epoch", "ties_improve"), ("early_stopping_epoch", "stopping_epoch"),
    ("lambda_2", "missing_two"), ("lambda_2", "times_lr"),
])
def test_declared_mistakes_are_recognised_with_their_hint(name, tag):
    q = questions.get(f"{A}.{name}")
    wrong = q.mistakes[tag](parameters(A))
    result = verdict(name, wrong)
    assert result.score == 0 and result.mistake == tag
    assert q.hints[tag] in result.hint


@pytest.mark.parametrize("student", [None, "dana"])
def test_reference_answers_score_full_marks_for_each_student(student):
    for qid, q in questions.for_assignment(A).items():
        answer = q.reference(parameters(A, student))
        assert verdict(q.name, answer, student).score == q.points, qid


# ---------------------------------------------------------------- the L1 demonstration of the notebook

def _cell(cell_id: str) -> str:
    from pathlib import Path

    import nbformat

    nb = nbformat.read(Path(__file__).resolve().parents[1] / "solutions" / A / f"{A}.ipynb", as_version=4)
    return next(c.source for c in nb.cells if c.get("id") == cell_id)


def _student_seeds(n: int = 6) -> list[int]:
    from autograder import parameters

    return [Q.VARIANTS["defaults"]["seed"]] + [parameters(A, f"student{i}")["seed"] for i in range(n)]


@pytest.mark.parametrize("seed", _student_seeds())
def test_ista_stops_short_on_raw_powers_so_the_demo_counts_the_zeros_of_the_exact_lasso(seed):
    from coursekit.linear import lasso, polynomial_features

    x, y = Q.sin_data(seed)
    X, lam = polynomial_features(x, 8), 0.01
    step = 1 / (2 / len(y) * np.linalg.eigvalsh(X.T @ X).max())
    ista = lasso(X, y, lam, lr=step, steps=20_000, method="proximal", tol=None)
    exact = lasso(X, y, lam)
    def penalised(w):
        return np.mean((X @ w - y) ** 2) + lam * np.abs(w).sum()
    assert np.linalg.cond(X.T @ X) > 1e15
    assert penalised(exact) < penalised(ista) - 1e-4 and np.sum(exact == 0) > np.sum(ista == 0)
    demo = _cell("demo-l1-vs-l2")
    assert "coursekit.linear.lasso(Phi_sin, y_sin, lam)" in demo and 'method="proximal"' in demo


def test_the_notebook_calls_one_over_l_the_ista_step_not_the_largest_stable_rate():
    text = _cell("cell-036")
    assert "largest stable" not in text and "2/L" in text
