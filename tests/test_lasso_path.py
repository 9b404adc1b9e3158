"""The exact lasso path: optimality conditions, a closed form, and no better neighbour."""
import numpy as np
import pytest

from coursekit import data, linear
from coursekit._lasso_path import lasso_homotopy


def objective(X, y, w, lam):
    return np.mean((X @ w - y) ** 2) + lam * np.sum(np.abs(w))


def optimality_violation(X, y, w, lam):
    """How far w is from the lasso conditions: ∇ⱼ = −λ sign(wⱼ) if wⱼ ≠ 0, |∇ⱼ| ≤ λ if wⱼ = 0."""
    grad = 2 / len(y) * X.T @ (X @ w - y)
    return np.max(np.where(w != 0, np.abs(grad + lam * np.sign(w)),
                           np.maximum(np.abs(grad) - lam, 0.0)))


def test_orthogonal_design_gives_the_soft_threshold():
    # With XᵀX = ℓI the lasso is the soft threshold of the least-squares weights at λ/2.
    X = np.eye(3) * np.sqrt(3)
    w_ls = np.array([2.0, 0.2, -1.0])
    np.testing.assert_allclose(lasso_homotopy(X, X @ w_ls, lam=1.0), [1.5, 0.0, -0.5],
                               atol=1e-12)


@pytest.mark.parametrize("noise, seed", [(0.0, 0), (0.1, 0), (0.1, 3), (0.5, 21)])
@pytest.mark.parametrize("lam", [1e-3, 1e-2, 0.05, 0.5])
def test_polynomial_fits_of_every_degree_satisfy_the_optimality_conditions(noise, seed, lam):
    X, y = data.sin_points(noise=noise, rng=seed)
    for degree in range(16):
        features = np.vander(X[:, 0], degree + 1, increasing=True)
        w = lasso_homotopy(features, y, lam)
        assert optimality_violation(features, y, w, lam) < 1e-6 * max(1.0, lam), degree
        assert np.count_nonzero(w) <= len(y)  # a lasso optimum needs at most ℓ weights


def test_no_nearby_point_and_no_proximal_gradient_result_is_better():
    X, y = data.sin_points(noise=0.2, rng=5)
    features = np.vander(X[:, 0], 10, increasing=True)
    lam = 0.01
    w = lasso_homotopy(features, y, lam)
    best = objective(features, y, w, lam)
    rng = np.random.default_rng(0)
    for _ in range(200):
        assert objective(features, y, w + 1e-4 * rng.standard_normal(w.shape), lam) >= best
    proximal = linear.lasso(features, y, lam, method="proximal", steps=20_000)
    assert objective(features, y, proximal, lam) >= best - 1e-12


def test_lambda_at_least_the_largest_correlation_gives_zero():
    X, y = data.sin_points(noise=0.1, rng=0)
    features = np.vander(X[:, 0], 4, increasing=True)
    lam_max = np.max(np.abs(2 / len(y) * features.T @ y))
    assert not np.any(lasso_homotopy(features, y, lam_max * 1.0001))
    assert np.any(lasso_homotopy(features, y, lam_max * 0.99))


def test_non_positive_lambda_is_rejected():
    with pytest.raises(ValueError, match="lam must be positive"):
        lasso_homotopy(np.eye(2), np.ones(2), 0.0)


def test_one_path_gives_the_optimum_for_every_lambda_above_its_end():
    from coursekit._lasso_path import lasso_path

    X, y = data.sin_points(noise=0.3, rng=2)
    features = np.vander(X[:, 0], 9, increasing=True)
    path = lasso_path(features, y, 1e-6)
    assert len(path.active) >= 3  # several segments are crossed below
    for lam in np.geomspace(1e-6, 2 * path.knots[0], 40):
        w = path.weights(lam)
        assert optimality_violation(features, y, w, lam) < 1e-7 * max(1.0, lam / 1e-3), lam
    with pytest.raises(ValueError, match="at least 1e-06"):
        path.weights(1e-7)
