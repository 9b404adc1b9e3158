"""Assignment 04_classification: the lecture's worked numbers and gradients checked independently."""
import json

import numpy as np
import pytest

from autograder import questions
from autograder.checks import answer_record, judge_record
from coursekit.gradcheck import numerical_gradient

A = "04_classification"
QUESTIONS = questions.load_assignment(A)
DEFAULTS = QUESTIONS.VARIANTS["defaults"]


def verdict(name, answer):
    return judge_record(json.loads(json.dumps(answer_record(f"{A}.{name}", answer))), None)


def reference(name, v=DEFAULTS):
    return questions.get(f"{A}.{name}").reference(v)


def test_the_lectures_worked_numbers():
    assert reference("perceptron_output") == pytest.approx(0.00247, abs=5e-6)   # σ(−6)
    np.testing.assert_allclose(reference("softmax_example"), [0.0474, 2.4e-8, 0.9526], rtol=0.02)
    np.testing.assert_allclose(reference("ce_examples"), [0.0, 0.693, np.inf], atol=1e-3)
    line = reference("line")
    for x1 in (-1.0, 0.0, 2.0):   # points of x₂ = a x₁ + c lie on 1 + 3x₁ − 2x₂ = 0
        assert 1 + 3 * x1 - 2 * (line["slope"] * x1 + line["intercept"]) == pytest.approx(0)


@pytest.mark.parametrize("point", QUESTIONS.VARIANTS["space"]["point"])
def test_every_variant_point_gives_a_probability_strictly_inside_0_1(point):
    p = reference("perceptron_output", {**DEFAULTS, "point": point})
    assert p == pytest.approx(1 / (1 + np.exp(-(1 + 3 * point[0] - 2 * point[1]))))
    assert 0 < p < 1


def test_half_right_boundary_gets_partial_credit():
    v = verdict("line", {"slope": 1.5, "intercept": -0.5})
    assert 0 < v.score < v.max_score


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(2)
    X, y, w = rng.normal(size=(9, 3)), rng.integers(0, 2, size=9), rng.normal(size=3)

    def bce(v):
        p = 1 / (1 + np.exp(-(X @ v)))
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    np.testing.assert_allclose(reference("logistic_gradient")(X, y, w), numerical_gradient(bce, w.copy()),
                               rtol=1e-6)

    labels, W = rng.integers(0, 4, size=9), rng.normal(size=(3, 4))

    def ce(v):
        Z = X @ v.reshape(3, 4)
        return float(np.mean(np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(9), labels]))
    np.testing.assert_allclose(reference("softmax_gradient")(X, labels, W).ravel(),
                               numerical_gradient(ce, W.ravel().copy()), rtol=1e-6)


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(z / 2))   # an overflow-free identity, independent of coursekit


def _softmax(Z):
    e = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _bce(p, y):
    p, y = np.asarray(p, float), np.asarray(y, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.mean(np.nan_to_num(y * np.log(p), nan=0.0, neginf=-np.inf)
                        + np.nan_to_num((1 - y) * np.log(1 - p), nan=0.0, neginf=-np.inf))


def _cross_entropy(Z, labels):
    m = Z.max(axis=1)
    return np.mean(m + np.log(np.exp(Z - m[:, None]).sum(axis=1)) - Z[np.arange(len(labels)), labels])


def _softmax_gradient(X, labels, W):
    return X.T @ (_softmax(X @ W) - np.eye(W.shape[1])[labels]) / len(labels)


@pytest.mark.parametrize("name, answer", [
    ("neuron_forward", lambda X, w0, W: _sigmoid(w0 + X @ W)),
    ("binary_cross_entropy", _bce),
    ("logistic_gradient", lambda X, y, w: X.T @ (_sigmoid(X @ w) - y) / len(y)),
    ("softmax", _softmax),
    ("cross_entropy", _cross_entropy),
    ("softmax_gradient", _softmax_gradient),
])
def test_independent_implementations_score_full_marks_including_hidden_edge_cases(name, answer):
    assert verdict(name, answer).correct
    assert verdict(f"{name}_hidden", answer).correct


def _naive_softmax(Z):
    e = np.exp(Z)
    return e / e.sum(axis=-1, keepdims=True)


def test_naive_implementations_pass_the_visible_check_but_not_the_hidden_edge_cases():
    with np.errstate(all="ignore"):
        assert verdict("softmax", _naive_softmax).correct
        assert verdict("softmax_hidden", _naive_softmax).score == 0
        naive_bce = lambda p, y: -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))  # noqa: E731
        assert verdict("binary_cross_entropy", naive_bce).correct
        assert verdict("binary_cross_entropy_hidden", naive_bce).score == 0


@pytest.mark.parametrize("name, answer, mistake", [
    ("softmax_example", np.exp([7.0, -7.5, 10.0]), "exponentials"),
    ("perceptron_output", -6.0, "no_activation"),
    ("perceptron_output", 0.0, "step"),
    ("perceptron_output", 1 / (1 + np.exp(-6.0)), "minus_z"),       # σ(6) instead of σ(−6)
    ("perceptron_output", 0.0025, "rounded"),                        # σ(−6) = 0.00247 to two digits
    ("line", {"slope": -1.5, "intercept": -0.5}, "wrong_sign"),
    ("softmax", lambda Z: _softmax(np.asarray(Z).T).T, "columns"),
    ("cross_entropy", lambda Z, labels: _cross_entropy(Z, labels) * len(labels), "sum"),
])
def test_usual_slips_are_diagnosed(name, answer, mistake):
    v = verdict(name, answer)
    assert v.score == 0 and v.mistake == mistake


def test_the_lecture_002_bce_table_comes_out_of_coursekit_and_its_slips_are_named():
    from autograder.checks import answer_record, judge_record

    reference = questions.get(f"{A}.bce_table").reference({})
    assert reference["mean"] == pytest.approx(0.887, abs=5e-4)       # the worked number of the lecture notes
    by_hand = {"terms": [2.303, 0.9163, 0.2231, 0.1054], "mean": 0.8868}
    assert judge_record(answer_record(f"{A}.bce_table", by_hand), None).correct
    for tag, answer in (("log10", {"terms": [1.0, 0.3979, 0.09691, 0.04576], "mean": 0.3852}),
                        ("sum", {"terms": by_hand["terms"], "mean": 3.547})):
        verdict = judge_record(answer_record(f"{A}.bce_table", answer), None)
        assert tag in [p.mistake for p in verdict.parts], (tag, verdict.text())
