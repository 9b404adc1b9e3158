"""The overfitting explorer: fits and errors against numpy's own polynomial fitting."""
import numpy as np
import pytest

from coursekit import data
from coursekit.widgets import explore_overfitting
from coursekit.widgets.overfitting import overfitting, validation_points


def vandermonde(x, degree):
    return np.vander(x, degree + 1, increasing=True)


@pytest.mark.parametrize("degree", [0, 1, 3, 5])
def test_unregularised_fit_matches_numpy_polyfit(degree):
    explorer = explore_overfitting()
    explorer.controls["degree"].value = degree
    X, y = data.sin_points(noise=0.1, rng=0)
    expected = np.polynomial.polynomial.polyfit(X[:, 0], y, degree)
    np.testing.assert_allclose(explorer.state.weights, expected, rtol=1e-7, atol=1e-9)
    x, fit = explorer.fit_line.get_data()
    np.testing.assert_allclose(fit, np.polynomial.polynomial.polyval(x, expected), atol=1e-8)


def test_errors_are_mean_squared_errors_on_train_and_validation_points():
    state = overfitting(degree=3, noise=0.2, seed=4)
    X, y = data.sin_points(noise=0.2, rng=4)
    x_val, y_val = validation_points(0.2, 4)
    for d in (1, 3, 6):
        w = np.polynomial.polynomial.polyfit(X[:, 0], y, d)
        pred = lambda x, w=w: np.polynomial.polynomial.polyval(x, w)  # noqa: E731
        assert state.train_error[d] == pytest.approx(np.mean((pred(X[:, 0]) - y) ** 2), rel=1e-6)
        assert state.val_error[d] == pytest.approx(np.mean((pred(x_val) - y_val) ** 2), rel=1e-6)


def test_degree_seven_interpolates_the_eight_points_and_validates_worse():
    state = explore_overfitting(noise=0.2).state
    assert state.train_error[7] < 1e-12
    assert state.val_error[7] > state.val_error[state.best_degree]
    assert np.all(np.diff(state.train_error[:8]) <= 1e-12)  # more degrees never fit worse


def test_l2_weights_solve_the_ridge_normal_equations():
    explorer = explore_overfitting()
    explorer.set(degree=6, regulariser="L2", lam=1e-3)
    X, y = data.sin_points(noise=0.1, rng=0)
    A = vandermonde(X[:, 0], 6)
    expected = np.linalg.solve(A.T @ A + len(y) * 1e-3 * np.eye(7), A.T @ y)
    np.testing.assert_allclose(explorer.state.weights, expected, rtol=1e-6, atol=1e-9)
    assert np.linalg.norm(explorer.state.weights) < np.linalg.norm(overfitting(6).weights)


def test_strong_l1_zeroes_weights_and_satisfies_the_optimality_conditions():
    state = overfitting(degree=3, regulariser="L1", lam=0.05)
    X, y = data.sin_points(noise=0.1, rng=0)
    A = vandermonde(X[:, 0], 3)
    w = state.weights
    assert np.sum(w == 0) >= 1
    grad = 2 / len(y) * A.T @ (A @ w - y)  # of (1/ℓ)‖Aw − y‖²
    nonzero = w != 0
    np.testing.assert_allclose(grad[nonzero], -0.05 * np.sign(w[nonzero]), atol=1e-4)
    assert np.all(np.abs(grad[~nonzero]) <= 0.05 + 1e-4)


def test_plotted_error_curves_and_marker_follow_the_state():
    explorer = explore_overfitting()
    explorer.set(degree=9, noise=0.3, seed=2)
    floor = explorer.err_ax.get_ylim()[0]
    np.testing.assert_allclose(explorer.val_line.get_ydata(),
                               np.maximum(explorer.state.val_error, floor))
    assert list(explorer.chosen.get_xdata()) == [9, 9]
    assert "best validation error at degree" in explorer.err_ax.get_title()


@pytest.mark.parametrize("kwargs, message", [
    ({"degree": 16}, "degree must be at least 0 and at most 15"),
    ({"degree": -1}, "degree must be at least 0"),
    ({"regulariser": "L3"}, "regulariser must be one of"),
    ({"lam": -1.0}, "lam must be at least 0"),
])
def test_impossible_settings_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        explore_overfitting(**kwargs)
