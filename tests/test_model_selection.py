"""coursekit.model_selection: splits partition the data; cross-validation picks sensible models."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit.linear import fit_exact, mse_loss, polynomial_features, ridge
from coursekit.model_selection import cross_val_score, holdout_split, kfold


@given(n=st.integers(2, 200), frac=st.floats(0.01, 0.99), seed=st.integers(0, 1000))
@settings(max_examples=25, deadline=None)
def test_holdout_split_partitions_the_samples(n, frac, seed):
    X = np.arange(n * 2.0).reshape(n, 2)
    y = np.arange(n)
    X_train, X_val, y_train, y_val = holdout_split(X, y, frac, rng=seed)
    assert sorted(np.concatenate([y_train, y_val])) == list(range(n))
    assert 1 <= len(y_val) <= n - 1
    assert abs(len(y_val) - frac * n) <= 1
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)   # rows stay paired
    np.testing.assert_array_equal(X_val[:, 0], 2 * y_val)


def test_holdout_split_is_reproducible_and_unshuffled_keeps_the_tail():
    X, y = np.arange(10.0), np.arange(10)
    first = holdout_split(X, y, 0.3, rng=4)
    second = holdout_split(X, y, 0.3, rng=4)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    _, X_val, _, _ = holdout_split(X, y, 0.3, shuffle=False)
    np.testing.assert_array_equal(X_val, [7.0, 8.0, 9.0])


@given(n=st.integers(2, 100), data=st.data())
@settings(max_examples=25, deadline=None)
def test_kfold_validates_every_sample_exactly_once(n, data):
    k = data.draw(st.integers(2, n))
    folds = kfold(n, k, rng=data.draw(st.integers(0, 1000)))
    assert len(folds) == k
    validated = np.concatenate([val for _, val in folds])
    assert sorted(validated) == list(range(n))
    sizes = [len(val) for _, val in folds]
    assert max(sizes) - min(sizes) <= 1
    for train, val in folds:
        assert not set(train) & set(val)
        assert len(train) + len(val) == n


def test_kfold_without_shuffle_uses_consecutive_blocks():
    folds = kfold(6, 3, shuffle=False)
    assert [val.tolist() for _, val in folds] == [[0, 1], [2, 3], [4, 5]]
    assert folds[1][0].tolist() == [0, 1, 4, 5]


def test_cross_val_score_calls_fit_on_training_folds_and_scores_held_out_ones():
    X, y = np.arange(12.0)[:, None], np.arange(12.0)
    seen = []

    def fit(X_train, y_train):
        seen.append(set(y_train.tolist()))
        return float(np.mean(y_train))

    scores = cross_val_score(fit, lambda mean, X_val, y_val: float(np.mean(y_val)) - mean, X, y, k=3)
    assert len(scores) == 3
    assert all(len(s) == 8 for s in seen)
    # mean over all folds of (val mean − train mean) is 0 for equal folds, by symmetry
    assert np.mean(scores) == pytest.approx(0.0, abs=1e-12)


def test_cross_validation_prefers_a_modest_degree_for_noisy_sin():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 3, 40)
    y = np.sin(x) + 0.1 * rng.normal(size=40)

    def error(degree, lam=0.0):
        features = polynomial_features(x, degree)
        fit = (lambda X, t: ridge(X, t, lam)) if lam else fit_exact
        return cross_val_score(fit, lambda w, X, t: mse_loss(X, t, w), features, y, k=5, rng=1).mean()

    errors = {degree: error(degree) for degree in (1, 3, 5, 15)}
    assert min(errors, key=errors.get) in (3, 5)
    assert errors[1] > 2 * errors[3]          # underfits
    assert errors[15] > errors[3]             # overfits
    assert error(15, lam=1e-4) < errors[15]   # L2 helps the overfitting model


@pytest.mark.parametrize("call, message", [
    (lambda: holdout_split(np.zeros(3), np.zeros(4)), "X has 3 samples but y has 4"),
    (lambda: holdout_split(np.zeros(3), np.zeros(3), frac=1.0), "frac must be a number strictly between"),
    (lambda: holdout_split(np.zeros(1), np.zeros(1)), "at least 2 samples"),
    (lambda: kfold(5, 6), "k must satisfy 2 <= k <= n"),
    (lambda: kfold(5, 1), "k must satisfy"),
    (lambda: holdout_split(np.zeros(3), np.zeros(3), frac=float("nan")), "frac must not be NaN"),
    (lambda: kfold(5, 2, rng=-1), "rng must be a non-negative seed"),
])
def test_bad_arguments_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: kfold(5.0, 2), "n must be an integer, got float 5.0"),
    (lambda: kfold(5, "2"), "k must be an integer"),
    (lambda: holdout_split(np.zeros(3), np.zeros(3), frac="half"), "frac must be a real number"),
    (lambda: holdout_split(np.zeros(3), np.zeros(3), rng="seed"), "rng must be a non-negative int seed"),
    (lambda: kfold(5, 2, shuffle="yes"), "shuffle must be True or False"),
])
def test_wrong_types_raise_type_errors_naming_the_argument(call, message):
    with pytest.raises(TypeError, match=message):
        call()
