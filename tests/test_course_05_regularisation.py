"""Assignment 05_regularisation: its reference answers against independent truth.

The generic tests (tests/test_course.py) prove the notebook scores full marks through nbgrader; here
the references themselves are checked: the derived ridge minimiser against sympy's solution of
dL/dw = 0, optimality conditions (ridge gradient, lasso KKT, the proximal map by brute force),
coursekit.train.fit's early stopping, the notebook's promise that the closed form is derived rather
than stated, and that every declared mistake is recognised with its hint.
"""
from __future__ import annotations

import importlib

import numpy as np
import pytest

from autograder import questions
from autograder.student import parameters

A = "05_regularisation"
Q = importlib.import_module(f"autograder.questions.{A}")


def reference(name: str, student: str | None = None):
    return questions.get(f"{A}.{name}").reference(parameters(A, student))


#: The sine seeds of the default variant and of a few students (drawn, never the same list twice).
SEEDS = [parameters(A, student)["seed"] for student in (None, *(f"student{i}" for i in range(7)))]


# ---------------------------------------------------------------- the ridge minimiser, derived

def _objective_1d(xs, ys, lam):
    import sympy

    w = sympy.Symbol("w")
    return w, sum((w * x - y) ** 2 for x, y in zip(xs, ys)) / len(xs) + lam * w ** 2


@pytest.mark.parametrize("xs, ys, lam", [
    ((1, 2, 3), (2, -1, 4), "1/5"),
    ((0.5, -1.5), (3, 1), "2"), ((2, 2, -1, 4), (0, 1, 1, -3), "1/100"),
])
def test_ridge_1d_reference_is_the_zero_of_the_derivative_that_sympy_solves(xs, ys, lam):
    import sympy

    lam = sympy.Rational(lam)
    xs, ys = [sympy.nsimplify(x) for x in xs], [sympy.nsimplify(y) for y in ys]
    w, objective = _objective_1d(xs, ys, lam)
    (solution,) = sympy.solve(sympy.diff(objective, w), w)
    assert sympy.diff(objective, w, 2) > 0, "a minimum"
    symbols = {s: sympy.Symbol(s) for s in Q.RIDGE_SYMBOLS}
    derived = sympy.sympify(reference("ridge_1d"), locals=symbols)
    value = derived.subs({symbols["Sxx"]: sum(x * x for x in xs), symbols["Sxy"]: sum(x * y for x, y in zip(xs, ys)),
                            symbols["ell"]: len(xs), symbols["lam"]: lam})
    assert sympy.simplify(value - solution) == 0


@pytest.mark.parametrize("answer", ["Sxy/(Sxx + ell*lam)", "(Sxy/ell) / (Sxx/ell + lam)",
                                    "2*Sxy/(2*Sxx + 2*lam*ell)"])
def test_equivalent_forms_of_the_derivation_score_full_marks(answer, judge):
    result = judge("ridge_1d", answer)
    assert result.correct and result.score == 2


def test_the_notebook_states_no_closed_form_before_the_students_derivation():
    from pathlib import Path

    import nbformat

    nb = nbformat.read(Path(__file__).resolve().parents[1] / "solutions" / A / f"{A}.ipynb", as_version=4)
    before = [c.source for c in nb.cells[:[c.get("id") for c in nb.cells].index("q-ridge-1d")]
              if not c.metadata.get("nbgrader", {}).get("solution")]
    text = "\n".join(before)
    assert "ell*lam" not in text and r"\ell\lambda" not in text and "^{-1}" not in text
    assert "L_{\\text{reg}}" in text and "Sxx" in text


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seeds_degree_8_sine_fit_has_huge_weights_for_ridge_to_tame(seed):
    x, y = Q.sin_data(seed)
    V = np.vander(x, 9, increasing=True)
    w = np.linalg.pinv(V) @ y
    assert np.abs(w).max() > 20 * np.abs(y).max()
    ridge = reference("ridge_fit")(V, y, 1e-3)
    assert np.abs(ridge).max() < np.abs(y).max() * 20 and np.mean((V @ ridge - y) ** 2) < 0.05


# ---------------------------------------------------------------- ridge, lasso, weight decay

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

def test_every_function_question_has_a_hidden_twin_that_accepts_the_reference(judge):
    registered = questions.for_assignment(A)
    for qid, q in registered.items():
        if q.kind == "function" and not qid.endswith("_hidden"):
            twin = registered[qid + "_hidden"]
            ref = q.reference(parameters(A))
            assert judge(twin.name, ref).correct, qid


@pytest.mark.parametrize("name, tag", [
    ("ridge_fit", "without_ell"), ("soft_threshold", "hard_threshold"), ("early_stopping_epoch", "no_patience"),
    ("early_stopping_epoch", "ties_improve"), ("early_stopping_epoch", "stopping_epoch"),
    ("lambda_2", "missing_two"), ("lambda_2", "times_lr"), ("ridge_1d", "without_ell"),
    ("ridge_1d", "no_penalty"), ("ridge_1d", "penalty_sign"), ("ridge_1d", "half_penalty"),
    ("ridge_1d", "double_penalty"),
])
def test_declared_mistakes_are_recognised_with_their_hint(name, tag, judge):
    q = questions.get(f"{A}.{name}")
    wrong = q.mistakes[tag](parameters(A))
    result = judge(name, wrong)
    assert result.score == 0 and result.mistake == tag
    assert q.hints[tag] in result.hint


@pytest.mark.parametrize("student", [None, "dana"])
def test_reference_answers_score_full_marks_for_each_student(student, judge):
    for qid, q in questions.for_assignment(A).items():
        answer = q.reference(parameters(A, student))
        assert judge(q.name, answer, student).score == q.points, qid


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
