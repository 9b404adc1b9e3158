"""coursekit.linear: gradients, exact and iterative fits, polynomial overfitting, L2 and L1."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit.gradcheck import numerical_gradient
from coursekit.linear import (
    fit_exact,
    fit_gd,
    lasso,
    mse_gradient,
    mse_loss,
    polynomial_features,
    ridge,
    soft_threshold,
)

SIN_X = np.arange(1, 9) * 0.2          # the lecture's {0.2, 0.4, …, 1.6}


def _problem(seed, n=30, d=4, noise=0.1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w_true = rng.normal(size=d)
    return X, X @ w_true + noise * rng.normal(size=n), w_true


@given(n=st.integers(1, 12), d=st.integers(1, 5), seed=st.integers(0, 10**6))
@settings(max_examples=20, deadline=None)
def test_mse_gradient_matches_finite_differences(n, d, seed):
    rng = np.random.default_rng(seed)
    X, y, w = rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=d)
    numeric = numerical_gradient(lambda v: mse_loss(X, y, v), w)
    # Centred differences of a quadratic are exact up to rounding of about eps·L/h ≈ 1e-10, so a
    # gradient that is itself tiny (a column of X near 0) is compared absolutely, not relatively.
    np.testing.assert_allclose(mse_gradient(X, y, w), numeric, rtol=1e-7, atol=1e-8)


def test_mse_loss_is_the_mean_of_squared_residuals():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    assert mse_loss(X, np.array([1.0, 2.0, 0.0]), np.array([2.0, 0.0])) == pytest.approx((1 + 4 + 4) / 3)


@pytest.mark.parametrize("method", ["lstsq", "solve"])
def test_exact_solution_zeroes_the_gradient_and_recovers_noiseless_weights(method):
    X, y, _ = _problem(0)
    w = fit_exact(X, y, method=method)
    np.testing.assert_allclose(mse_gradient(X, y, w), 0.0, atol=1e-12)
    X, _, w_true = _problem(1)
    np.testing.assert_allclose(fit_exact(X, X @ w_true, method=method), w_true, rtol=1e-12)


def test_lstsq_handles_singular_systems_where_solve_refuses():
    x = np.linspace(0, 1, 5)
    X = np.c_[np.ones(5), x, x]                   # a repeated column: XᵀX is singular
    y = 1 + 2 * x
    w = fit_exact(X, y)
    np.testing.assert_allclose(X @ w, y, atol=1e-12)
    np.testing.assert_allclose(w, [1.0, 1.0, 1.0], atol=1e-12)   # minimum-norm split of the slope
    with pytest.raises(ValueError, match="singular.*lstsq"):
        fit_exact(X, y, method="solve")


def test_gradient_descent_converges_to_the_exact_solution():
    X, y, _ = _problem(2)
    iterates = fit_gd(X, y, lr=0.1, steps=2000)
    assert iterates.shape == (2001, 4)
    np.testing.assert_array_equal(iterates[0], np.zeros(4))
    np.testing.assert_allclose(iterates[-1], fit_exact(X, y), atol=1e-10)


def test_gradient_descent_stopping_rule_ends_early():
    X, y, _ = _problem(3)
    iterates = fit_gd(X, y, lr=0.1, steps=10_000, tol=1e-6)
    assert len(iterates) < 10_001
    assert np.linalg.norm(iterates[-1] - iterates[-2]) < 1e-6
    assert np.linalg.norm(iterates[-2] - iterates[-3]) >= 1e-6


def test_gradient_descent_step_is_the_lecture_update():
    X, y, _ = _problem(4)
    w0 = np.array([0.5, -1.0, 2.0, 0.0])
    iterates = fit_gd(X, y, lr=0.05, steps=1, w0=w0)
    expected = w0 - 0.05 * (2 / len(y)) * X.T @ (X @ w0 - y)
    np.testing.assert_allclose(iterates[1], expected, rtol=1e-14)


def test_polynomial_features_are_increasing_powers():
    x = np.array([0.5, -2.0, 3.0])
    np.testing.assert_allclose(polynomial_features(x, 4), np.vander(x, 5, increasing=True))
    np.testing.assert_allclose(polynomial_features(x[:, None], 2, include_bias=False),
                               np.c_[x, x**2])
    assert polynomial_features(x, 0).shape == (3, 1)


def test_ridge_solves_the_regularised_normal_equations():
    X, y, _ = _problem(5, n=12, d=6)
    lam = 0.3
    expected = np.linalg.solve(X.T @ X + len(y) * lam * np.eye(6), X.T @ y)
    np.testing.assert_allclose(ridge(X, y, lam), expected, rtol=1e-10)
    np.testing.assert_allclose(ridge(X, y, 0.0), fit_exact(X, y), rtol=1e-10)


def test_ridge_weights_shrink_as_lambda_grows():
    X, y, _ = _problem(6)
    norms = [np.linalg.norm(ridge(X, y, lam)) for lam in (0.0, 0.01, 0.1, 1.0, 10.0)]
    assert all(a > b for a, b in zip(norms, norms[1:]))


def test_soft_threshold_is_the_l1_proximal_map():
    w = np.array([-3.0, -0.5, 0.0, 0.2, 4.0])
    t = 1.0
    # prox minimises ½(v − w)² + t|v| elementwise: check against a fine grid search
    grid = np.linspace(-6, 6, 120_001)
    brute = np.array([grid[np.argmin(0.5 * (grid - wi) ** 2 + t * np.abs(grid))] for wi in w])
    np.testing.assert_allclose(soft_threshold(w, t), brute, atol=1e-4)


def _sparse_problem():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(60, 10))
    w_true = np.zeros(10)
    w_true[[1, 4, 8]] = [3.0, -2.0, 1.5]
    return X, X @ w_true + 0.1 * rng.normal(size=60)


@pytest.mark.parametrize("options", [{"method": "exact"},
                                     {"method": "proximal", "steps": 20_000, "tol": 1e-14}])
def test_lasso_satisfies_the_optimality_conditions(options):
    """0 ∈ ∇L(w) + λ∂‖w‖₁: ∇ⱼL = −λ sign(wⱼ) where wⱼ ≠ 0, |∇ⱼL| ≤ λ where wⱼ = 0."""
    X, y = _sparse_problem()
    lam = 0.5
    w = lasso(X, y, lam, **options)
    g = mse_gradient(X, y, w)
    active = w != 0
    np.testing.assert_allclose(g[active], -lam * np.sign(w[active]), atol=1e-8)
    assert np.all(np.abs(g[~active]) <= lam + 1e-8)


def test_proximal_lasso_is_sparse_where_subgradient_and_ridge_are_not():
    X, y = _sparse_problem()
    proximal = lasso(X, y, 0.5, method="proximal")
    subgradient = lasso(X, y, 0.5, method="subgradient", lr=1e-3, steps=20_000, tol=None)
    assert set(np.flatnonzero(proximal)) == {1, 4, 8}      # exact zeros elsewhere
    assert np.count_nonzero(subgradient) == 10              # only near zero
    assert np.count_nonzero(ridge(X, y, 0.5)) == 10
    # all three L1 methods head for the same minimiser
    np.testing.assert_allclose(subgradient, proximal, atol=0.02)
    np.testing.assert_allclose(lasso(X, y, 0.5), proximal, atol=1e-8)


@pytest.mark.parametrize("method", ["exact", "proximal"])
def test_lasso_large_lambda_gives_zero(method):
    X, y = _sparse_problem()
    threshold = np.max(np.abs(mse_gradient(X, y, np.zeros(10))))   # ‖∇L(0)‖∞
    assert not lasso(X, y, threshold * 1.001, method=method).any()
    assert lasso(X, y, threshold * 0.9, method=method).any()


def test_proximal_lasso_at_zero_lambda_is_least_squares():
    X, y = _sparse_problem()
    np.testing.assert_allclose(lasso(X, y, 0.0, method="proximal", steps=50_000, tol=1e-14), fit_exact(X, y),
                               atol=1e-8)


def _lasso_objective(X, y, w, lam):
    return mse_loss(X, y, w) + lam * np.sum(np.abs(w))


@pytest.mark.parametrize("degree", [8, 12, 15])
def test_exact_lasso_reaches_the_optimum_on_polynomial_features_where_5000_proximal_steps_do_not(degree):
    x = np.linspace(0.1, 1.0, 8)
    X, y = polynomial_features(x, degree), np.sin(2 * np.pi * x)
    lam = 1e-3
    exact = lasso(X, y, lam)
    g = mse_gradient(X, y, exact)
    active = exact != 0
    np.testing.assert_allclose(g[active], -lam * np.sign(exact[active]), atol=1e-9)
    assert np.all(np.abs(g[~active]) <= lam + 1e-9)
    assert _lasso_objective(X, y, exact, lam) < _lasso_objective(X, y, lasso(X, y, lam, method="proximal"), lam)


def test_exact_lasso_splits_nothing_onto_a_duplicated_column_and_is_still_optimal():
    rng = np.random.default_rng(3)
    base = rng.normal(size=(30, 3))
    X = np.column_stack([base, base[:, 0]])
    y = base @ np.array([1.0, 2.0, 3.0])
    w = lasso(X, y, 0.1)
    g = mse_gradient(X, y, w)
    assert np.count_nonzero(w[[0, 3]]) == 1
    assert np.all(np.abs(g) <= 0.1 + 1e-9)
    np.testing.assert_allclose(g[w != 0], -0.1 * np.sign(w[w != 0]), atol=1e-9)


def _sin_experiment(seed, noise=0.1, lam=1e-3):
    rng = np.random.default_rng(seed)
    y = np.sin(SIN_X) + noise * rng.normal(size=8)
    x_val = rng.uniform(0.2, 1.6, 200)
    y_val = np.sin(x_val) + noise * rng.normal(size=200)
    X, X_val = polynomial_features(SIN_X, 8), polynomial_features(x_val, 8)
    result = {}
    for name, w in (("exact", fit_exact(X, y)), ("ridge", ridge(X, y, lam))):
        result[name] = (w, mse_loss(X, y, w), mse_loss(X_val, y_val, w))
    return result


def test_degree_8_polynomial_on_8_sin_points_overfits_and_l2_tames_it():
    """Over many noise draws: interpolation (train ≈ 0, huge weights) loses to ridge on new points."""
    wins, ratios = 0, []
    for seed in range(30):
        r = _sin_experiment(seed)
        (w, train, val), (w_ridge, train_ridge, val_ridge) = r["exact"], r["ridge"]
        assert train < 1e-20                                   # passes through every point
        assert train_ridge > train                             # ridge gives up some fit...
        assert np.abs(w).max() > 10 * np.abs(w_ridge).max()    # ...for far smaller weights
        wins += val_ridge < val
        ratios.append(val / val_ridge)
    assert wins >= 25
    assert np.median(ratios) > 1.5


def test_degree_8_fit_on_course_sin_points():
    data = pytest.importorskip("coursekit.data")
    x, y = data.sin_points()
    x = np.asarray(x).reshape(-1)
    np.testing.assert_allclose(x, SIN_X)
    X = polynomial_features(x, 8)
    w, w_ridge = fit_exact(X, y), ridge(X, y, 1e-3)
    assert mse_loss(X, y, w) < 1e-20
    assert np.abs(w).max() > 10 * np.abs(w_ridge).max()
    x_dense = np.linspace(0.2, 1.6, 141)
    X_dense = polynomial_features(x_dense, 8)
    assert mse_loss(X_dense, np.sin(x_dense), w_ridge) < mse_loss(X_dense, np.sin(x_dense), w)


@pytest.mark.parametrize("call, message", [
    (lambda: mse_gradient(np.zeros(3), np.zeros(3), np.zeros(1)), "X must be 2-D"),
    (lambda: mse_gradient(np.zeros((3, 2)), np.zeros(4), np.zeros(2)), r"y must have shape \(3,\)"),
    (lambda: mse_gradient(np.zeros((3, 2)), np.zeros(3), np.zeros(3)), r"w must have shape \(2,\)"),
    (lambda: fit_exact(np.eye(2), np.zeros(2), method="inv"), "method must be"),
    (lambda: polynomial_features(np.zeros((2, 2)), 2), "x must be 1-D"),
    (lambda: polynomial_features(np.zeros(2), -1), "degree must be an integer >= 0"),
    (lambda: ridge(np.eye(2), np.zeros(2), -1.0), "lam must be a finite number >= 0"),
    (lambda: lasso(np.eye(2), np.zeros(2), 0.1, lr=-1.0), "lr must be a finite number >= 0"),
    (lambda: lasso(np.eye(2), np.zeros(2), 0.1, steps=-5), "steps must be an integer >= 0"),
    (lambda: fit_gd(np.eye(2), np.zeros(2), lr=0.1, steps=5, w0=np.zeros(3)), r"w0 must have shape \(2,\)"),
    (lambda: soft_threshold(np.zeros(2), -1.0), "threshold must be a finite number >= 0"),
    (lambda: lasso(np.eye(2), np.zeros(2), 0.1, method="coordinate"), "method must be"),
])
def test_bad_arguments_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: mse_gradient([["a"]], [1.0], [0.0]), "X must be a real number or an array of real numbers"),
    (lambda: fit_exact(np.eye(2), ["a", "b"]), "y must be a real number"),
    (lambda: polynomial_features(np.zeros(2), 2.0), "degree must be an integer, got float"),
    (lambda: ridge(np.eye(2), np.zeros(2), "0.1"), "lam must be a real number"),
    (lambda: fit_gd(np.eye(2), np.zeros(2), lr=0.1, steps=1.5), "steps must be an integer"),
])
def test_wrong_types_raise_type_errors_naming_the_argument(call, message):
    with pytest.raises(TypeError, match=message):
        call()
