"""Assignment 06_backprop: its reference answers against the lecture's numbers, finite differences and torch.

Answers are judged through the same record → judge path as ``check()`` (``answer_record`` in the
"kernel", ``judge_record`` on the grader's side).
"""
from __future__ import annotations

import importlib

import numpy as np
import pytest

from autograder import questions
from autograder.student import parameters
from coursekit.gradcheck import numerical_gradient

A = "06_backprop"
Q = importlib.import_module(f"autograder.questions.{A}")


# ---------------------------------------------------------------- the lecture's worked numbers

def test_simplest_nn_table_reproduces_the_lecture():
    lecture = [(1.1, 1.805, -1.9, 0.48, 1.38), (1.86, 0.6498, -1.14, 0.708, 1.608),
               (2.316, 0.2339, -0.684, 0.8448, 1.7448)]
    np.testing.assert_allclose(Q.table(Q.LECTURE), lecture, atol=5e-5)


@pytest.mark.parametrize("student", [None, "alice", "bob", "carol", "dave"])
def test_simplest_nn_table_follows_the_update_rule_for_every_variant(student):
    v = parameters(A, student)
    x, y, w, b, lr = (v[k] for k in ("x", "y", "w", "b", "lr"))
    for h, L, dL_dh, w_new, b_new in Q.table(v):
        assert h == pytest.approx(w * x + b) and L == pytest.approx(0.5 * (h - y) ** 2)
        assert dL_dh == pytest.approx(h - y)
        assert (w_new, b_new) == pytest.approx((w - lr * (h - y) * x, b - lr * (h - y)))
        w, b = w_new, b_new


def test_worked_example_reproduces_the_lecture():
    values = Q.worked_example(Q.LECTURE)
    np.testing.assert_array_equal(values["forward"], [15, 15, -14, 4])
    np.testing.assert_array_equal(values["backward"], [-4, -60, -4, 4, 12, 4])


@pytest.mark.parametrize("student", [None, "alice", "bob", "carol", "dave"])
def test_worked_example_follows_the_chain_rule_by_hand_for_every_variant(student):
    v = parameters(A, student)
    x, y, w1, b1, w2, b2 = (v[k] for k in ("example_x", "example_y", "w1", "b1", "w2", "b2"))
    u = w1 * x + b1
    z = w2 * u + b2
    dl_dz = 2 * (z - y)
    values = Q.worked_example(v)
    np.testing.assert_array_equal(values["forward"], [u, u, z, (z - y) ** 2])
    np.testing.assert_array_equal(values["backward"], [dl_dz, dl_dz * u, dl_dz, dl_dz * w2, dl_dz * w2 * x,
                                                       dl_dz * w2])
    assert u > 0, "the ReLU must pass, or the first layer's gradients are 0"


@pytest.mark.parametrize("x, y", [(2.0, -10.0), (4.0, -15.0), (1.0, -8.0)])
def test_worked_example_matches_torch_autograd(x, y, torch):
    weights = {k: float(Q.LECTURE[k]) for k in ("w1", "b1", "w2", "b2")}
    w = {k: torch.tensor(val, dtype=torch.float64, requires_grad=True) for k, val in weights.items()}
    u = w["w1"] * x + w["b1"]
    r = torch.relu(u)
    r.retain_grad()
    z = w["w2"] * r + w["b2"]
    z.retain_grad()
    ell = (z - y) ** 2
    ell.backward()
    values = Q.worked_example_values(x, y, **weights)
    np.testing.assert_allclose(values["forward"], [u.item(), r.item(), z.item(), ell.item()])
    np.testing.assert_allclose(values["backward"], [z.grad.item(), w["w2"].grad.item(), w["b2"].grad.item(),
                                                    r.grad.item(), w["w1"].grad.item(), w["b1"].grad.item()])


# ---------------------------------------------------------------- references against independent truth

@pytest.mark.parametrize("x, w, b, v1, v2, label", [(1.0, 0.1, 1.0, 0.5, -1.0, 0), (1.5, -0.2, 0.5, 1.2, 0.3, 1),
                                                    (0.5, 0.3, 0.0, -1.5, 2.0, 0)])
def test_deeper_reference_matches_torch_autograd(x, w, b, v1, v2, label, torch):
    t = {k: torch.tensor(val, dtype=torch.float64, requires_grad=True)
         for k, val in {"w": w, "b": b, "v1": v1, "v2": v2}.items()}
    q = torch.sigmoid(t["w"] * x + t["b"])
    q.retain_grad()
    o = torch.stack([t["v1"] * q, t["v2"] * q])
    torch.nn.functional.cross_entropy(o[None, :], torch.tensor([label])).backward()
    np.testing.assert_allclose(Q.deeper_gradients(x, w, b, v1, v2, label),
                               [q.grad.item(), t["w"].grad.item(), t["b"].grad.item(),
                                t["v1"].grad.item(), t["v2"].grad.item()], rtol=1e-12)


def test_deeper_one_branch_mistake_differs_only_where_the_branches_meet():
    right, wrong = Q.deeper(parameters(A)), Q._deeper_one_branch(parameters(A))
    assert not np.allclose(right[:3], wrong[:3])
    np.testing.assert_allclose(right[3:], wrong[3:])


@pytest.mark.parametrize("seed", range(5))
def test_grad_F_reference_matches_finite_differences(seed):
    x, y, *theta = np.random.default_rng(seed).uniform(-2, 2, 6)

    def loss(p):
        w1, b1, w2, b2 = p
        return (w2 / (1 + np.exp(-(w1 * x + b1))) + b2 - y) ** 2

    np.testing.assert_allclose(Q.reference_grad_F(x, y, *theta), numerical_gradient(loss, np.array(theta)),
                               rtol=1e-6, atol=1e-9)


def test_mse_reference_matches_torch(torch):
    rng = np.random.default_rng(0)
    y_pred, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    t = torch.tensor(y_pred, requires_grad=True)
    value = torch.nn.functional.mse_loss(t, torch.tensor(y))
    value.backward()
    ours, grad = Q.mse_value_and_gradient(y_pred, y)
    assert ours == pytest.approx(value.item(), rel=1e-12)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-12)


def test_jacobian_reference_matches_torch(torch):
    rng = np.random.default_rng(1)
    x, W, b = rng.normal(size=4), rng.normal(size=(4, 3)), rng.normal(size=3)
    expected = torch.autograd.functional.jacobian(
        lambda t: torch.sigmoid(t @ torch.tensor(W) + torch.tensor(b)), torch.tensor(x))
    np.testing.assert_allclose(Q.reference_jacobian(x, W, b), expected.numpy(), rtol=1e-12)


def test_dl_dw1_reference_agrees_with_backprop_through_the_layers():
    import sympy

    names = sympy.symbols(Q.F_SYMBOLS)
    expr = sympy.sympify(Q.dl_dw1(parameters(A)), locals=dict(zip(Q.F_SYMBOLS, names)))
    for values in np.random.default_rng(6).uniform(-2, 2, (5, 6)):
        assert float(expr.subs(dict(zip(names, values)))) == pytest.approx(Q.reference_grad_F(*values)[0],
                                                                           rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("answer, correct", [
    ("2*(w2/(1 + exp(-(w1*x + b1))) + b2 - y)*w2*exp(-(w1*x + b1))/(1 + exp(-(w1*x + b1)))**2*x", True),
    ("(w2/(1 + exp(-(w1*x + b1))) + b2 - y)*w2*exp(-(w1*x + b1))/(1 + exp(-(w1*x + b1)))**2*x", False),
])
def test_dl_dw1_accepts_an_equivalent_form_and_rejects_a_missing_factor(answer, correct, judge):
    assert judge("dl_dw1", answer).correct is correct


# ---------------------------------------------------------------- students' layers as the grader sees them

class StudentLinear:
    """A correct layer written the way the notebook asks (not coursekit's)."""

    def __init__(self, in_features, out_features):
        self.params = {"W": np.zeros((in_features, out_features)), "b": np.zeros(out_features)}
        self.grads = {}

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, grad_out):
        self.grads = {"W": self.x.T @ grad_out, "b": grad_out.sum(axis=0)}
        return grad_out @ self.params["W"].T


class BiasMeanLinear(StudentLinear):
    """Averages the bias gradient over the batch instead of summing it."""

    def backward(self, grad_out):
        grad_in = super().backward(grad_out)
        self.grads["b"] = grad_out.mean(axis=0)
        return grad_in


def test_a_correct_student_linear_layer_scores_full_marks_on_both_questions(judge):
    for name in ("Linear", "Linear_hidden"):
        result = judge(name, StudentLinear)
        assert result.correct and result.score == result.max_score


def test_a_wrong_bias_gradient_loses_only_that_part(judge):
    result = judge("Linear", BiasMeanLinear)
    wrong = [p.name for p in result.parts if not p.correct]
    assert wrong == ["gradient of b"]
    assert 0 < result.score < result.max_score


@pytest.mark.parametrize("name, tag", [("table", "ascent"), ("grad_F", "without_two"),
                                       ("MSELoss", "gradient_not_averaged"), ("deeper", "one_branch"),
                                       ("dl_dw1", "without_two")])
def test_declared_mistakes_are_recognised_with_their_hint(name, tag, judge):
    q = questions.get(f"{A}.{name}")
    result = judge(name, q.mistakes[tag](parameters(A)))
    assert result.score == 0 and result.mistake == tag and q.hints[tag] in result.hint


@pytest.mark.parametrize("student", [None, "erin"])
def test_reference_answers_score_full_marks_for_each_student(student, judge):
    for qid, q in questions.for_assignment(A).items():
        answer = q.reference(parameters(A, student))
        result = judge(q.name, answer, student)
        assert result.score == q.points, (qid, result.text())
