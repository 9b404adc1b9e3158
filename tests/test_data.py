"""data: reproducibility, shapes and dtypes, and the geometry each set promises."""

import numpy as np
import pytest

from coursekit.data import circles, counting, linearly_separable, moons, sin_points, xor

CLASSIFICATION = [linearly_separable, circles, xor, moons]
ALL = CLASSIFICATION + [sin_points, counting]


def _linear_accuracy(X, y):
    """Training accuracy of the least-squares linear classifier on [1, x]: the best a line does, roughly."""
    A = np.column_stack([np.ones(len(X)), X])
    w = np.linalg.lstsq(A, 2.0 * y - 1.0, rcond=None)[0]
    return np.mean((A @ w > 0) == (y == 1))


@pytest.mark.parametrize("make", ALL)
def test_same_seed_same_data_and_generators_work_like_seeds(make):
    X1, y1 = make(rng=3)
    X2, y2 = make(rng=np.random.default_rng(3))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X0, _ = make()
    np.testing.assert_array_equal(X0, make(rng=0)[0])  # None means seed 0


@pytest.mark.parametrize("make", [m for m in ALL if m is not sin_points])
def test_different_seeds_give_different_data(make):
    assert not np.array_equal(make(rng=1)[0], make(rng=2)[0])


def test_sin_points_differ_only_in_the_noise():
    (X1, y1), (X2, y2) = sin_points(rng=1), sin_points(rng=2)
    np.testing.assert_array_equal(X1, X2)
    assert not np.array_equal(y1, y2)


@pytest.mark.parametrize("make", CLASSIFICATION)
def test_classification_sets_have_documented_shapes_and_labels(make):
    X, y = make(37, rng=0)
    assert X.shape == (37, 2) and X.dtype == np.float64
    assert y.shape == (37,) and y.dtype == np.int64
    assert set(np.unique(y)) == {0, 1}


def test_linearly_separable_is_split_by_the_lecture_perceptron_with_a_margin():
    X, y = linearly_separable(500, rng=0, margin=0.2)
    z = 1.0 + X @ np.array([3.0, -2.0])
    assert np.all((z > 0) == (y == 1))
    assert np.min(np.abs(z) / np.sqrt(13.0)) >= 0.2 - 1e-12


def test_circles_lie_on_their_rings_and_defeat_a_line():
    X, y = circles(300, noise=0.0, rng=0, factor=0.4)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), np.where(y == 1, 0.4, 1.0), rtol=1e-12)
    assert np.sum(y == 0) == 150
    X, y = circles(400, noise=0.05, rng=1)
    assert np.mean((np.linalg.norm(X, axis=1) < 0.75) == (y == 1)) > 0.99  # the radius separates
    assert _linear_accuracy(X, y) < 0.7


def test_xor_labels_are_opposite_signs_and_defeat_a_line():
    X, y = xor(400, noise=0.0, rng=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    assert np.min(np.abs(X)) >= 0.1
    X, y = xor(400, noise=0.05, rng=1)
    assert np.mean((X[:, 0] * X[:, 1] < 0) == (y == 1)) > 0.97
    assert _linear_accuracy(X, y) < 0.7


def test_moons_lie_on_their_half_circles():
    X, y = moons(300, noise=0.0, rng=0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(lower - [1.0, 0.5], axis=1), 1.0, rtol=1e-12)
    assert np.all(upper[:, 1] >= 0) and np.all(lower[:, 1] <= 0.5)
    assert len(upper) == 150


def test_sin_points_are_the_lectures_eight_points():
    X, y = sin_points(noise=0.0)
    assert X.shape == (8, 1) and y.shape == (8,)
    np.testing.assert_allclose(X[:, 0], [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6], rtol=1e-15)
    np.testing.assert_allclose(y, np.sin(X[:, 0]), rtol=1e-15)
    X, y = sin_points(noise=0.1, rng=5)
    residual = y - np.sin(X[:, 0])
    assert 0 < np.max(np.abs(residual)) < 0.5


def test_counting_gives_counts_around_the_true_line():
    X, y = counting(20_000, rng=0)
    assert X.shape == (20_000, 1) and y.dtype == np.float64
    assert np.all(y >= 0) and np.all(y == np.round(y))
    assert 5 <= X.min() and X.max() <= 35
    b, w = np.linalg.lstsq(np.column_stack([np.ones(len(X)), X]), y, rcond=None)[0]
    assert b == pytest.approx(10.0, abs=0.5) and w == pytest.approx(4.0, abs=0.03)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: circles(2.5), TypeError, "n must be an integer"),
        (lambda: moons(True), TypeError, "n must be an integer"),
        (lambda: xor(1), ValueError, "n must be an integer >= 2, got 1"),
        (lambda: counting(0), ValueError, "n must be a positive integer, got 0"),
        (lambda: circles(10, noise=-0.1), ValueError, "noise must be a finite number >= 0"),
        (lambda: moons(10, noise="high"), TypeError, "noise must be a real number"),
        (lambda: sin_points(noise=float("nan")), ValueError, "noise must not be NaN"),
        (lambda: linearly_separable(10, margin=-1.0), ValueError, "margin must be a finite number >= 0"),
        (lambda: circles(10, factor=1.5), ValueError, "factor must lie strictly between 0 and 1"),
        (lambda: linearly_separable(10, rng="seed"), TypeError, "rng must be a non-negative int seed"),
        (lambda: moons(10, rng=1.5), TypeError, "rng must be"),
        (lambda: xor(10, rng=-3), ValueError, "rng must be a non-negative seed"),
        (lambda: circles(10, factor="half"), TypeError, "factor must be a real number"),
        (lambda: counting(10, intercept=-200.0), ValueError, "must be ≥ 0"),
        (lambda: counting(10, slope=None), TypeError, "slope must be a real number"),
    ],
)
def test_bad_arguments_are_rejected_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()
