"""data: reproducibility, shapes and dtypes, and the geometry each set promises."""

import numpy as np
import pytest

from coursekit.data import (
    circles,
    counting,
    linearly_separable,
    load_digits,
    moons,
    sigmoid_curve,
    sigmoid_regression,
    sin_points,
    xor,
)

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
        (lambda: sigmoid_curve([0.0], target=-1), ValueError, "target must be an integer >= 0"),
        (lambda: sigmoid_regression(10, units=0), ValueError, "units must be a positive integer"),
        (lambda: sigmoid_curve(["x"]), TypeError, "x must be a real number"),
    ],
)
def test_bad_arguments_are_rejected_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------- the shipped digits

def test_the_digits_are_1797_images_of_64_pixels_counting_0_to_16():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16 and np.all(X == np.round(X))


def test_the_digits_have_the_class_counts_of_the_uci_test_set():
    # the counts the UCI description (and scikit-learn's copy) give for the 1,797 test images
    assert np.bincount(load_digits()[1]).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_the_first_digit_is_the_zero_of_the_published_file():
    X, y = load_digits()
    first = [[0, 0, 5, 13, 9, 1, 0, 0], [0, 0, 13, 15, 10, 15, 5, 0], [0, 3, 15, 2, 0, 11, 8, 0],
             [0, 4, 12, 0, 0, 8, 8, 0], [0, 5, 8, 0, 0, 9, 8, 0], [0, 4, 11, 0, 1, 12, 7, 0],
             [0, 2, 14, 5, 10, 12, 0, 0], [0, 0, 6, 13, 10, 0, 0, 0]]
    np.testing.assert_array_equal(X[0].reshape(8, 8), first)
    assert y[:10].tolist() == list(range(10))


def test_the_digits_file_is_the_one_the_readme_names():
    import hashlib

    from coursekit.data import DATASETS_DIR

    digest = hashlib.sha256((DATASETS_DIR / "digits.csv.gz").read_bytes()).hexdigest()
    assert digest in (DATASETS_DIR / "README.md").read_text() and "CC BY 4.0" in (DATASETS_DIR / "README.md").read_text()


def test_load_digits_is_deterministic_and_returns_copies_the_caller_may_change():
    X, y = load_digits()
    X[:] = -1
    y[:] = -1
    X2, y2 = load_digits()
    assert X2.min() == 0 and y2.min() == 0
    np.testing.assert_array_equal(X2, load_digits()[0])


def test_sigmoid_regression_targets_are_one_function_per_target_seed():
    X1, y1 = sigmoid_regression(300, noise=0.0, rng=1, target=4)
    np.testing.assert_allclose(y1, sigmoid_curve(X1[:, 0], target=4), rtol=1e-15)
    X2, y2 = sigmoid_regression(300, noise=0.0, rng=2, target=4)
    assert X1.shape == (300, 1) and y1.shape == (300,)
    assert -3 <= X1.min() and X1.max() <= 3
    # the same target on other points: interpolate one sample's curve at the other's points
    order = np.argsort(X1[:, 0])
    inside = (X2[:, 0] > X1[order[0], 0]) & (X2[:, 0] < X1[order[-1], 0])
    np.testing.assert_allclose(np.interp(X2[inside, 0], X1[order, 0], y1[order]), y2[inside], atol=0.05)
    assert not np.allclose(y1, sigmoid_regression(300, noise=0.0, rng=1, target=5)[1])


def test_sigmoid_regression_is_a_sum_of_sigmoid_steps_with_the_noise_asked_for():
    X, clean = sigmoid_regression(20_000, noise=0.0, rng=3, target=2, units=1)
    x = X[:, 0]
    # one unit: F is monotone in x, and the noisy copy differs by noise of standard deviation 0.1
    order = np.argsort(x)
    steps = np.diff(clean[order])
    assert np.all(steps >= -1e-12) or np.all(steps <= 1e-12)
    noisy = sigmoid_regression(20_000, noise=0.1, rng=3, target=2, units=1)[1]
    assert np.std(noisy - clean) == pytest.approx(0.1, rel=0.05)
