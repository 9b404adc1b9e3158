"""Assignment 08_mlp: its references against closed forms, torch and coursekit.layers.Dropout.

Answers are judged through the same record → judge path as ``check()``.
"""
from __future__ import annotations

import importlib

import numpy as np
import pytest

from autograder import questions
from autograder.checks import answer_record, judge_record
from autograder.student import parameters

A = "08_mlp"
Q = importlib.import_module(f"autograder.questions.{A}")


def judge(name, answer, student=None, monkeypatch=None):
    if student is not None:
        monkeypatch.setenv("COURSEKIT_STUDENT_ID", student)
    return judge_record(answer_record(f"{A}.{name}", answer), student)


# ---------------------------------------------------------------- closed forms and the lecture

def test_collapse_reference_equals_the_closed_form():
    rng = np.random.default_rng(0)
    W1, b1, W2, b2 = rng.normal(size=(4, 6)), rng.normal(size=6), rng.normal(size=(6, 3)), rng.normal(size=3)
    W, b = Q.reference_collapse(W1, b1, W2, b2)
    np.testing.assert_allclose(W, W1 @ W2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b, b1 @ W2 + b2, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("weights, bound", [((1.0,) * 10, 0.25 ** 10), ((4.0, -4.0, 4.0), 1.0),
                                            ((2.0, -0.5, 1.5, 3.0, -1.0, 0.8), 3.6 * 0.25 ** 6)])
def test_sigmoid_chain_is_the_product_of_a_quarter_of_each_weight(weights, bound):
    assert Q.sigmoid_chain({"chain_weights": weights}) == pytest.approx(bound, rel=1e-13)


def test_no_chain_of_sigmoids_multiplies_a_gradient_more_than_its_bound():
    rng = np.random.default_rng(0)
    weights = (2.0, -0.5, 1.5, 3.0, -1.0, 0.8)
    largest = 0.0
    for a in rng.normal(scale=2.0, size=(2000, len(weights))):   # pre-activations of each layer
        s = 1 / (1 + np.exp(-a))
        largest = max(largest, abs(np.prod(np.array(weights) * s * (1 - s))))
    assert largest <= Q.sigmoid_chain({"chain_weights": weights}) + 1e-15
    assert largest > 0.5 * Q.sigmoid_chain({"chain_weights": weights})


def test_image_weights_reproduce_the_lectures_200_by_200_example():
    assert Q.image_weights(Q.LECTURE) == 1.44e10


@pytest.mark.parametrize("student", [None, "grace", "heidi"])
def test_image_weights_count_every_input_number_times_every_unit(student):
    v = parameters(A, student)
    assert Q.image_weights(v) == v["height"] * v["width"] * 3 * v["units"]


def test_count_parameters_reference_equals_the_closed_form():
    for sizes in ([2, 16, 16, 1], [784, 256, 10], [5, 5]):
        expected = sum(n * m + m for n, m in zip(sizes[:-1], sizes[1:]))
        assert Q.reference_count_parameters(sizes) == expected


# ---------------------------------------------------------------- against torch

def test_bce_reference_matches_torch(torch):
    rng = np.random.default_rng(1)
    z, y = rng.normal(size=(7, 1)) * 4, rng.integers(0, 2, size=(7, 1)).astype(float)
    t = torch.tensor(z, requires_grad=True)
    value = torch.nn.functional.binary_cross_entropy_with_logits(t, torch.tensor(y))
    value.backward()
    ours, grad = Q.bce_value_and_gradient(z, y)
    assert ours == pytest.approx(value.item(), rel=1e-12)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-12)


def test_sequential_reference_matches_torch_autograd(torch):
    # the test cells' network: Scale(s1) -> Sine -> Scale(s2), elementwise
    rng = np.random.default_rng(2)
    x, g = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    s1, s2 = rng.normal(size=3), rng.normal(size=3)
    y, grad_in, grads = Q.reference_sequential(x, g, s1, s2)
    params = [torch.tensor(s, requires_grad=True) for s in (s1, s2)]
    xt = torch.tensor(x, requires_grad=True)
    out = torch.sin(xt * params[0]) * params[1]
    out.backward(torch.tensor(g))
    np.testing.assert_allclose(y, out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(grad_in, xt.grad.numpy(), rtol=1e-10)
    for ours, theirs in zip(grads, params):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_train_reference_matches_full_batch_gradient_descent_in_torch(torch):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, 2))
    y = np.sin(X[:, ::-1])
    s1, s2 = rng.normal(size=2), rng.normal(size=2)
    losses = Q.reference_train(X, y, s1, s2, 0.05, 8)
    params = [torch.tensor(s, requires_grad=True) for s in (s1, s2)]
    optimizer = torch.optim.SGD(params, lr=0.05)
    expected = []
    for _ in range(8):
        optimizer.zero_grad()
        loss = 0.5 * torch.sum((torch.sin(torch.tensor(X) * params[0]) * params[1] - torch.tensor(y)) ** 2)
        loss.backward()
        optimizer.step()
        expected.append(loss.item())
    np.testing.assert_allclose(losses, expected, rtol=1e-10)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_reference_matches_coursekit_dropout_with_the_same_mask(p):
    from coursekit.layers import Dropout

    rng = np.random.default_rng(4)
    x, g = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    layer = Dropout(p, rng=7)
    keep = np.random.default_rng(7).random(x.shape) >= p
    y, grad_in = Q.reference_dropout(x, g, keep, p)
    np.testing.assert_allclose(y, layer.forward(x), rtol=1e-15)
    np.testing.assert_allclose(grad_in, layer.backward(g), rtol=1e-15)


# ---------------------------------------------------------------- the questions as students meet them

def test_a_self_reported_accuracy_earns_nothing():
    result = judge("test_accuracy", {"circles": 1, "xor": 1, "moons": 1})
    assert result.score == 0 and result.mistake == "wrong_type"


def test_a_trained_classifier_earns_the_points_on_points_the_grader_draws():
    predict = Q.reference_predictor(parameters(A)["seed"])
    assert judge("test_accuracy", predict).correct


def test_the_accuracy_is_measured_per_data_set_against_labels_the_students_code_never_sees():
    predict = Q.reference_predictor(parameters(A)["seed"])
    seen = []

    def spy(name, X):   # a classifier right on circles and moons, guessing on xor
        seen.append((name, X))
        return predict(name, X) if name != "xor" else np.zeros(len(X), dtype=int)

    result = judge("test_accuracy", spy)
    assert result.score == pytest.approx(2 * 2 / 3)
    assert [p.name for p in result.parts if not p.correct] == ["xor"] and "accuracy 0." in result.text()
    assert [name for name, _ in seen] == list(Q.DATASETS)
    assert all(isinstance(X, np.ndarray) and X.shape == (Q.HIDDEN_POINTS, 2) for _, X in seen)


def test_the_hidden_points_are_drawn_afresh_for_every_grading_run():
    q = questions.get(f"{A}.test_accuracy")
    first = Q._accuracy_trials(np.random.default_rng(1), parameters(A))
    second = Q._accuracy_trials(np.random.default_rng(2), parameters(A))
    assert not np.allclose(first[0][1], second[0][1])
    assert q.inputs is Q._accuracy_trials


def test_a_prediction_of_the_wrong_size_is_told_so():
    result = judge("test_accuracy", lambda name, X: np.zeros(3))
    assert result.score == 0 and result.mistake == "wrong_shape"


@pytest.mark.parametrize("name, tag", [
    ("collapse", "forgot_b1"), ("sigmoid_chain", "one_layer"), ("sigmoid_chain", "without_weights"),
    ("train", "loss_after_update"),
    ("dropout", "unscaled"), ("count_parameters", "weights_only"), ("image_weights", "one_channel"),
    ("image_weights", "with_biases"),
])
def test_declared_mistakes_are_recognised_with_their_hint(name, tag):
    q = questions.get(f"{A}.{name}")
    result = judge(name, q.mistakes[tag](parameters(A)))
    assert result.score == 0 and result.mistake == tag and q.hints[tag] in result.hint


@pytest.mark.parametrize("student", [None, "grace"])
def test_reference_answers_score_full_marks_for_each_student(student, monkeypatch):
    for qid, q in questions.for_assignment(A).items():
        result = judge(q.name, q.reference(parameters(A, student)), student, monkeypatch)
        assert result.score == q.points, (qid, result.text())


@pytest.mark.parametrize("seed", Q.VARIANTS["space"]["seed"][:8])
def test_the_dropout_demo_shows_what_its_text_says_for_every_seed(seed):
    from coursekit import data, layers, optim

    X, y = data.moons(300, noise=0.3, rng=seed)
    y = y.reshape(-1, 1).astype(float)
    final, lowest = {}, {}
    for dropout in (False, True):
        stack = [layers.Linear(2, 32, rng=0), layers.ReLU(), *([layers.Dropout(0.5, rng=1)] * dropout),
                 layers.Linear(32, 32, rng=2), layers.ReLU(), *([layers.Dropout(0.5, rng=3)] * dropout),
                 layers.Linear(32, 1, rng=4)]
        net, bce = layers.Sequential(*stack), layers.BCEWithLogitsLoss()
        adam, val = optim.Adam(net.parameters(), lr=0.01), []
        for _ in range(1000):
            bce.forward(net.train().forward(X[:100]), y[:100])
            net.backward(bce.backward())
            adam.step(net.gradients())
            val.append(bce.forward(net.eval().forward(X[100:]), y[100:]))
        final[dropout], lowest[dropout] = val[-1], min(val)
    assert final[False] > 2 * lowest[False]          # without dropout the validation loss climbs
    assert final[True] < final[False]                # with dropout far less


@pytest.mark.parametrize("seed", Q.VARIANTS["space"]["seed"][:8])
def test_polar_features_make_the_circles_linearly_separable_as_the_notebook_shows(seed):
    from coursekit import data, layers, optim, train

    X, y = data.circles(400, noise=0.1, rng=seed)
    y = y.reshape(-1, 1).astype(float)
    accuracy = {}
    for name, features in (("cartesian", X), ("polar", np.column_stack([np.hypot(*X.T), np.arctan2(X[:, 1], X[:, 0])]))):
        model = layers.Linear(2, 1, rng=0)
        train.fit(model, layers.BCEWithLogitsLoss(), optim.Adam(model.parameters(), lr=0.05), features[:200], y[:200],
                  epochs=500, batch_size=None)
        accuracy[name] = np.mean((model.forward(features[200:]) > 0) == (y[200:] > 0.5))
    assert accuracy["cartesian"] < 0.7 and accuracy["polar"] > 0.95
