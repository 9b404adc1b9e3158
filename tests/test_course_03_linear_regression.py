"""Assignment 03_linear_regression: references, the notebook's data and the stability limit agree."""
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import questions
from coursekit.gradcheck import numerical_gradient

A = "03_linear_regression"
QUESTIONS = questions.load_assignment(A)
DEFAULTS = QUESTIONS.VARIANTS["defaults"]
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("student", [None, "student7", "student12"])
def test_the_notebooks_set_up_cell_builds_the_data_the_references_use(student, monkeypatch):
    if student:
        monkeypatch.setenv("COURSEKIT_STUDENT_ID", student)
    else:
        monkeypatch.delenv("COURSEKIT_STUDENT_ID", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    nb = nbformat.read(ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    namespace = {}
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith("setup_"):
            exec(cell.source, namespace)
    X, y = QUESTIONS.design(namespace["params"])
    np.testing.assert_array_equal(namespace["X"], X)
    np.testing.assert_array_equal(namespace["y"], y)


def test_the_exact_fit_recovers_the_true_line_with_zero_mean_residual_through_the_point_of_means():
    from coursekit import linear

    X, y = QUESTIONS.design(DEFAULTS)
    w = linear.fit_exact(X, y)
    # the data follow 10 + 4T = 90 + 40·(T − 20)/10 plus Poisson noise
    assert w == pytest.approx([90, 40], rel=0.1)
    np.testing.assert_allclose(2 / len(y) * X.T @ (X @ w - y), 0, atol=1e-8)
    # what exact_fit asks students to predict
    assert np.mean(X @ w - y) == pytest.approx(0, abs=1e-9)
    assert np.mean(X, axis=0) @ w == pytest.approx(np.mean(y))
    assert questions.get(f"{A}.exact_fit").reference(DEFAULTS) == {
        "mean_residual": "zero", "line": "through the point of means"}


def test_lr_max_is_where_gradient_descent_starts_to_diverge():
    X, y = QUESTIONS.design(DEFAULTS)
    limit = questions.get(f"{A}.lr_max").reference(DEFAULTS)

    def final_loss(lr):
        w = np.zeros(2)
        for _ in range(3000):
            w = w - lr * 2 / len(y) * X.T @ (X @ w - y)
        return np.mean((X @ w - y) ** 2)
    best = np.mean((X @ np.linalg.lstsq(X, y, rcond=None)[0] - y) ** 2)
    assert final_loss(0.98 * limit) == pytest.approx(best, rel=1e-6)
    assert final_loss(1.02 * limit) > 1e6 * best


def test_the_mse_gradient_reference_matches_finite_differences():
    rng = np.random.default_rng(3)
    X, y, w = rng.normal(size=(12, 3)), rng.normal(size=12), rng.normal(size=3)
    reference = questions.get(f"{A}.mse_gradient").reference(DEFAULTS)
    numeric = numerical_gradient(lambda v: float(np.mean((X @ v - y) ** 2)), w.copy())
    np.testing.assert_allclose(reference(X, y, w), numeric, rtol=1e-6)


def _mse(X, y, w):
    return float(np.mean((np.asarray(X) @ w - y) ** 2))


def _gradient(X, y, w):
    return 2 / len(y) * np.asarray(X).T @ (np.asarray(X) @ w - y)


def _fit_gd(X, y, lr, tol, max_steps):
    path = [np.zeros(X.shape[1])]
    for _ in range(max_steps):
        path.append(path[-1] - lr * _gradient(X, y, path[-1]))
        if np.linalg.norm(path[-1] - path[-2]) < tol:
            break
    return np.array(path)


def _sgd_epoch(X, y, w0, lr, batch_size, order):
    path = [np.asarray(w0, dtype=float)]
    for idx in np.array_split(order, range(batch_size, len(order), batch_size)):
        path.append(path[-1] - lr * _gradient(X[idx], y[idx], path[-1]))
    return np.array(path)


@pytest.mark.parametrize("name, answer", [
    ("mse", _mse), ("mse_gradient", _gradient), ("fit_gd", _fit_gd), ("sgd_epoch", _sgd_epoch),
    ("fit_exact", lambda X, y: np.linalg.solve(X.T @ X, X.T @ y)),
])
def test_independent_implementations_score_full_marks_including_hidden_edge_cases(name, answer, judge):
    assert judge(name, answer).correct
    assert judge(f"{name}_hidden", answer).correct


@pytest.mark.parametrize("name, answer, mistake", [
    ("mse", lambda X, y, w: float(np.sum((X @ w - y) ** 2)), "sum"),
    ("mse_gradient", lambda X, y, w: np.asarray(X).T @ (np.asarray(X) @ w - y) / len(y), "without_two"),
    ("mse_gradient", lambda X, y, w: -_gradient(X, y, w), "wrong_sign"),
    ("fit_gd", lambda X, y, lr, tol, n: _fit_gd(X, y, lr, tol, n)[1:], "without_start"),
    ("sgd_epoch", lambda X, y, w0, lr, m, order: _sgd_epoch(X, y, w0, lr, m, order)[: len(order) // m + 1],
     "drop_last"),
])
def test_usual_slips_are_diagnosed(name, answer, mistake, judge):
    v = judge(name, answer)
    assert v.score == 0 and v.mistake == mistake


def test_every_task_of_the_quiz_is_a_row_of_the_notebooks_table_and_an_option():
    q = questions.get(f"{A}.tasks")
    expected = q.reference({})
    source = nbformat.read(ROOT / "solutions" / "03_linear_regression" / "03_linear_regression.ipynb", 4)
    table = next(c.source for c in source.cells if c.cell_type == "markdown" and "`\"digit\"`" in c.source)
    for key, task in expected.items():
        assert f"| `\"{key}\"` |" in table
        assert task in q.options
    assert set(q.options) == {"regression", "classification", "clustering", "dimensionality reduction"}


def test_the_task_quiz_gives_credit_per_problem(judge):
    answers = questions.get(f"{A}.tasks").reference({})
    assert judge("tasks", answers).correct
    one_wrong = {**answers, "customers": "classification"}
    v = judge("tasks", one_wrong)
    assert v.score == pytest.approx(v.max_score * 5 / 6)


def _excess_after_20_epochs(v, rates, m):
    """(MSE − optimum)/optimum over the last of 20 epochs of mini-batch GD, per learning rate (inf if it blew up)."""
    from coursekit import gd, linear

    X, y = QUESTIONS.design(v)
    best = linear.mse_loss(X, y, linear.fit_exact(X, y))
    out = []
    for lr in rates:
        with np.errstate(over="ignore", invalid="ignore"):
            path = gd.minibatch_gradient_descent(lambda w, Xb, yb: linear.mse_gradient(Xb, yb, w), np.zeros(2),
                                                 X, y, lr=lr, epochs=20, batch_size=m, rng=0)
            batches = -(-len(y) // m)  # the last epoch's iterates: one per mini-batch
            excess = np.mean([linear.mse_loss(X, y, w) for w in path[-batches:]]) / best - 1
        out.append(excess if np.isfinite(excess) else np.inf)
    return np.array(out)


@pytest.mark.parametrize("seed", [QUESTIONS.VARIANTS["defaults"]["seed"], *QUESTIONS.VARIANTS["space"]["seed"][:5]])
def test_mini_batches_allow_larger_learning_rates_as_the_notebook_shows(seed):
    rates = np.geomspace(0.01, 1.5, 15)     # the notebook's rates and batch sizes
    excess = {m: _excess_after_20_epochs({"seed": seed}, rates, m) for m in (1, 5, 25, QUESTIONS.N_DAYS)}
    largest = [rates[e < 0.01].max(initial=0) for e in excess.values()]
    assert largest == sorted(largest) and largest[0] < largest[1] < largest[3]
    at = rates == largest[3]                 # where the full batch is still fine
    assert excess[1][at] > 1e3 and excess[5][at] < 10   # single samples blow up, mini-batches do not


# ---------------------------------------------------------------- the derivation of ∂L/∂w_j

def test_the_gradient_term_summed_over_samples_is_sympys_derivative_of_the_mse():
    import sympy

    ell, d = 3, 2
    w = sympy.symbols(f"w0:{d}")
    x = sympy.Matrix(ell, d, lambda i, k: sympy.Symbol(f"x{i}{k}"))
    y = sympy.symbols(f"y0:{ell}")
    a = [sum(w[k] * x[i, k] for k in range(d)) for i in range(ell)]
    loss = sum((a[i] - y[i]) ** 2 for i in range(ell)) / ell
    term = sympy.sympify(questions.get(f"{A}.gradient_entry").reference(DEFAULTS),
                         locals={s: sympy.Symbol(s) for s in QUESTIONS.ENTRY_SYMBOLS})
    for j in range(d):
        summed = sum(term.subs({"a_i": a[i], "y_i": y[i], "x_ij": x[i, j], "ell": ell}) for i in range(ell))
        assert sympy.simplify(sympy.diff(loss, w[j]) - summed) == 0


@pytest.mark.parametrize("answer", ["2*(a_i - y_i)*x_ij/ell", "(2/ell)*x_ij*(a_i-y_i)",
                                    "2*a_i*x_ij/ell - 2*y_i*x_ij/ell"])
def test_correct_derivations_in_any_form_score_full_marks(answer, judge):
    v = judge("gradient_entry", answer)
    assert v.correct and v.score == v.max_score


@pytest.mark.parametrize("answer, mistake", [
    ("(a_i - y_i)*x_ij/ell", "without_two"),
    ("2*(a_i - y_i)*x_ij", "without_mean"),
    ("2*(a_i - y_i)/ell", "without_inner"),
    ("2*(y_i - a_i)*x_ij/ell", "reversed_residual"),
])
def test_typical_wrong_derivations_are_diagnosed_without_showing_the_term(answer, mistake, judge):
    v = judge("gradient_entry", answer)
    assert v.score == 0 and v.mistake == mistake
    hint = questions.get(f"{A}.gradient_entry").hint(mistake)
    assert "a_i - y_i" not in hint and "x_ij/ell" not in hint


def test_a_blank_derivation_or_prediction_scores_nothing(judge):
    assert judge("gradient_entry", "...").score == 0
    assert judge("gradient_entry", None).score == 0
    assert judge("exact_fit", {"mean_residual": "...", "line": "..."}).score == 0


def test_the_prediction_gives_credit_per_part(judge):
    v = judge("exact_fit", {"mean_residual": "zero", "line": "through the origin"})
    assert v.score == pytest.approx(v.max_score / 2)


@pytest.mark.parametrize("student", [None, "student3", "student77"])
def test_the_solutions_derivation_and_prediction_score_full_marks_for_every_student(student, monkeypatch, judge):
    monkeypatch.delenv("COURSEKIT_STUDENT_ID", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    nb = nbformat.read(ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    sources = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}
    namespace = {}
    for name in ("a_gradient_entry", "a_exact_fit"):
        exec(sources[name], namespace)
    for name, value in (("gradient_entry", namespace["gradient_term"]), ("exact_fit", namespace["exact_fit"])):
        assert judge(name, value, student).correct


def test_the_notebook_asks_for_the_derivation_before_it_shows_the_gradient():
    nb = nbformat.read(ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    derivation = ids.index("q_gradient_entry")
    for cell in nb.cells[:derivation]:
        text = cell.source.replace(" ", "")
        assert "\\frac{2}{\\ell}" not in text and "2/ℓ" not in text and "2/len" not in text, cell.get("id")
