"""Losses: lecture examples, stability rules, gradients by gradcheck and agreement with torch."""
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from coursekit.gradcheck import TOLERANCE, check_loss, numerical_gradient, relative_error
from coursekit.losses import (
    binary_cross_entropy,
    binary_cross_entropy_grad,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_grad,
    cross_entropy,
    cross_entropy_grad,
    log_softmax,
    log_softmax_grad,
    mse,
    mse_grad,
    softmax,
    softmax_grad,
    softmax_jacobian,
)

REDUCTIONS = ["mean", "sum", "none"]
STABLE = dict(over="raise", invalid="raise", divide="raise")  # underflow to 0 is fine


def _reduced(loss_fn, grad_fn, reduction):
    """(value, grad) for gradcheck; "none" is checked through the sum of its entries."""
    if reduction == "none":
        return (lambda p, y: np.sum(loss_fn(p, y, reduction="none")), lambda p, y: grad_fn(p, y, reduction="none"))
    return (lambda p, y: loss_fn(p, y, reduction=reduction), lambda p, y: grad_fn(p, y, reduction=reduction))


@st.composite
def logits_and_labels(draw):
    n, k = draw(st.integers(1, 5)), draw(st.integers(2, 5))
    logits = draw(hnp.arrays(np.float64, (n, k), elements=st.floats(-5, 5)))
    labels = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
    return logits, labels


def _paired(low, high, y_elements):
    shapes = hnp.array_shapes(min_dims=1, max_dims=2, max_side=5)
    return shapes.flatmap(
        lambda shape: st.tuples(
            hnp.arrays(np.float64, shape, elements=st.floats(low, high)),
            hnp.arrays(np.float64, shape, elements=y_elements),
        )
    )


# --------------------------------------------------------------------------- lecture numbers
def test_softmax_of_the_lecture_scores():
    z = [7.0, -7.5, 10.0]
    exps = [math.exp(v) for v in z]
    expected = [e / sum(exps) for e in exps]
    np.testing.assert_allclose(softmax(z), expected, rtol=1e-14)
    np.testing.assert_allclose(softmax(z), [0.0474, 2.4e-8, 0.9526], rtol=0.01)


@pytest.mark.parametrize(
    "p, expected", [([1.0, 0.0, 0.0], 0.0), ([0.5, 0.25, 0.25], math.log(2)), ([0.0, 1.0, 0.0], math.inf)]
)
def test_cross_entropy_of_the_lecture_examples(p, expected):
    with np.errstate(divide="ignore"):
        log_p = np.log(p)
    assert cross_entropy(log_p, 0) == pytest.approx(expected, rel=1e-15)
    assert cross_entropy(log_p, [1, 0, 0]) == pytest.approx(expected, rel=1e-15)
    assert cross_entropy(log_p, np.array([True, False, False])) == pytest.approx(expected, rel=1e-15)
    assert binary_cross_entropy(p[0], 1.0) == pytest.approx(expected, rel=1e-15)


def test_mse_mean_is_the_regression_lectures_loss():
    rng = np.random.default_rng(0)
    X, w, y = rng.standard_normal((7, 3)), rng.standard_normal(3), rng.standard_normal(7)
    assert mse(X @ w, y) == pytest.approx(np.linalg.norm(X @ w - y) ** 2 / 7, rel=1e-14)
    assert mse(X @ w, y, reduction="sum") == pytest.approx(np.linalg.norm(X @ w - y) ** 2, rel=1e-14)
    # ∇_w L = (2/ℓ) Xᵀ(Xw − y) by the chain rule through ŷ = Xw.
    np.testing.assert_allclose(X.T @ mse_grad(X @ w, y), 2 / 7 * X.T @ (X @ w - y), rtol=1e-13)


# --------------------------------------------------------------------------- rules at the edges
def test_zero_weight_terms_vanish_and_certain_mistakes_cost_infinity():
    assert binary_cross_entropy(0.0, 0.0) == 0.0
    assert binary_cross_entropy(1.0, 1.0) == 0.0
    assert binary_cross_entropy(0.0, 1.0) == math.inf
    assert binary_cross_entropy(1.0, 0.0) == math.inf
    assert binary_cross_entropy_grad(0.0, 1.0) == -math.inf
    assert binary_cross_entropy_grad(0.0, 0.0) == 1.0


def test_logits_of_plus_minus_1000_are_exact_and_warning_free():
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]])
    with np.errstate(**STABLE):
        p, log_p = softmax(z), log_softmax(z)
        ce = cross_entropy(z, [0, 0], reduction="none")
        bce = binary_cross_entropy_with_logits(np.array([1000.0, -1000.0, 1000.0]), np.array([1.0, 0.0, 0.0]))
        grads = [cross_entropy_grad(z, [0, 0]), binary_cross_entropy_with_logits_grad(z, np.zeros_like(z))]
    np.testing.assert_allclose(p, [[1, 0, 0], [0, 0.5, 0.5]], atol=0)
    assert log_p[0].tolist() == [0.0, -2000.0, -1000.0]
    np.testing.assert_allclose(ce, [0.0, 2000.0 + math.log(2)], rtol=1e-15)
    assert bce == pytest.approx(1000.0 / 3)
    assert all(np.all(np.isfinite(g)) for g in grads)


@settings(max_examples=25, deadline=None)
@given(z=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=5), elements=st.floats(-700, 700)),
       shift=st.floats(-300, 300))
def test_softmax_is_a_distribution_and_ignores_a_common_shift(z, shift):
    p = softmax(z)
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(softmax(z + shift), p, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(np.exp(log_softmax(z)), p, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("gap", [1e-3, 1.0, 9.0, 30.0, 700.0])
def test_log_softmax_keeps_the_digits_of_a_confident_prediction(gap):
    # log σ(z)₀ for z = (gap, 0) is −log(1 + e^{−gap}); math.log1p is exact to rounding.
    expected = -math.log1p(math.exp(-gap))
    assert log_softmax([gap, 0.0])[0] == pytest.approx(expected, rel=1e-15, abs=0)
    assert cross_entropy([[gap, 0.0]], [0]) == pytest.approx(-expected, rel=1e-15, abs=0)


def test_softmax_along_another_axis():
    z = np.random.default_rng(1).standard_normal((3, 4))
    np.testing.assert_allclose(softmax(z, axis=0), softmax(z.T).T, rtol=1e-15)


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=15, deadline=None)
@given(pair=_paired(-5, 5, st.floats(-5, 5)))
def test_mse_gradient_passes_gradcheck(reduction, pair):
    assert check_loss(_reduced(mse, mse_grad, reduction), *pair) < TOLERANCE


@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=15, deadline=None)
@given(pair=_paired(0.05, 0.95, st.sampled_from([0.0, 1.0])))
def test_binary_cross_entropy_gradient_passes_gradcheck(reduction, pair):
    # Hard labels: with soft ones hypothesis finds p = y, where the gradient is 0 and only rounding is left.
    loss = _reduced(binary_cross_entropy, binary_cross_entropy_grad, reduction)
    assert check_loss(loss, *pair) < TOLERANCE


@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=15, deadline=None)
@given(pair=_paired(-6, 6, st.floats(0, 1)))
def test_binary_cross_entropy_with_logits_gradient_passes_gradcheck(reduction, pair):
    loss = _reduced(binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad, reduction)
    assert check_loss(loss, *pair) < TOLERANCE


@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=15, deadline=None)
@given(data=logits_and_labels())
@example(data=(np.array([[4.0, -5.0]]), np.array([0])))   # confident and right: L ≈ 1.2e-4
def test_cross_entropy_gradient_passes_gradcheck_with_indices_and_one_hot(reduction, data):
    logits, labels = data
    loss = _reduced(cross_entropy, cross_entropy_grad, reduction)
    assert check_loss(loss, logits, labels) < TOLERANCE
    assert check_loss(loss, logits, np.eye(logits.shape[1])[labels]) < TOLERANCE


@settings(max_examples=15, deadline=None)
@given(data=logits_and_labels(), seed=st.integers(0, 2**32 - 1))
def test_softmax_and_log_softmax_backward_pass_gradcheck(data, seed):
    logits, _ = data
    upstream = np.random.default_rng(seed).standard_normal(logits.shape)
    # Exact: the vector-Jacobian product row by row, with the Jacobians of the lecture's formula.
    jacobians = np.array([softmax_jacobian(row) for row in logits])
    np.testing.assert_allclose(softmax_grad(logits, upstream), np.einsum("nk,nkj->nj", upstream, jacobians),
                               rtol=1e-12, atol=1e-15)
    log_jacobians = np.eye(logits.shape[1]) - softmax(logits)[:, None, :]        # ∂ log σₖ/∂zⱼ
    np.testing.assert_allclose(log_softmax_grad(logits, upstream),
                               np.einsum("nk,nkj->nj", upstream, log_jacobians), rtol=1e-12, atol=1e-15)
    # Finite differences: φ = Σ G ⊙ σ(z) is O(1), so its rounding error over 2h is about 1e-10; a
    # saturated softmax (logits 9 apart) has gradients of 1e-4, hence the absolute floor.
    for forward, backward in ((softmax, softmax_grad), (log_softmax, log_softmax_grad)):
        numeric = numerical_gradient(lambda z, f=forward: np.sum(upstream * f(z)), logits)
        np.testing.assert_allclose(backward(logits, upstream), numeric, rtol=1e-7, atol=1e-8)


def test_softmax_jacobian_matches_finite_differences_and_the_backward_pass():
    z = np.array([0.3, -1.2, 2.0, 0.1])
    numeric = np.array([numerical_gradient(lambda v, k=k: softmax(v)[k], z) for k in range(4)])
    assert relative_error(softmax_jacobian(z), numeric) < TOLERANCE
    g = np.array([1.0, -2.0, 0.5, 3.0])
    np.testing.assert_allclose(softmax_jacobian(z).T @ g, softmax_grad(z, g), rtol=1e-13)


def test_logit_and_probability_forms_agree():
    z = np.linspace(-8, 8, 17)
    y = (np.arange(17) % 3 == 0).astype(float)
    p = 1 / (1 + np.exp(-z))
    assert binary_cross_entropy_with_logits(z, y) == pytest.approx(binary_cross_entropy(p, y), rel=1e-12)
    two_class = np.stack([np.zeros_like(z), z], axis=1)  # softmax of (0, z) is (1 − σ(z), σ(z))
    assert cross_entropy(two_class, y.astype(int)) == pytest.approx(binary_cross_entropy(p, y), rel=1e-12)


# --------------------------------------------------------------------------- torch as a reference
def test_values_and_gradients_match_torch(torch):
    F = torch.nn.functional
    rng = np.random.default_rng(7)
    z, labels = rng.standard_normal((6, 4)) * 5, rng.integers(0, 4, 6)
    soft = softmax(rng.standard_normal((6, 4)))
    p, y = rng.uniform(0.01, 0.99, (6, 4)), rng.uniform(0, 1, (6, 4))
    cases = [
        (cross_entropy, cross_entropy_grad, z, labels),
        (cross_entropy, cross_entropy_grad, z, soft),
        (mse, mse_grad, z, y),
        (binary_cross_entropy, binary_cross_entropy_grad, p, y),
        (binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad, z, y),
    ]
    for loss_fn, grad_fn, pred, target in cases:
        for reduction in ("mean", "sum"):
            t = torch.tensor(pred, requires_grad=True)
            reference = _torch_loss(F, loss_fn, t, torch.tensor(target), reduction)
            reference.backward()
            assert loss_fn(pred, target, reduction=reduction) == pytest.approx(reference.item(), rel=1e-12)
            ours = grad_fn(pred, target, reduction=reduction)
            np.testing.assert_allclose(ours, t.grad.numpy(), rtol=1e-10, atol=1e-15)


def _torch_loss(F, loss_fn, t, target, reduction):
    torch_fn = {
        cross_entropy: F.cross_entropy,
        mse: F.mse_loss,
        binary_cross_entropy: F.binary_cross_entropy,
        binary_cross_entropy_with_logits: F.binary_cross_entropy_with_logits,
    }[loss_fn]
    return torch_fn(t, target, reduction=reduction)


# --------------------------------------------------------------------------- bad input
def test_mismatched_shapes_are_rejected_instead_of_broadcast():
    with pytest.raises(ValueError, match=r"y_pred and y must have the same shape, got \(4, 1\) and \(4,\)"):
        mse(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(ValueError, match="p and y must have the same shape"):
        binary_cross_entropy(np.full(3, 0.5), np.zeros(2))


def test_probabilities_outside_the_unit_interval_are_rejected():
    with pytest.raises(ValueError, match=r"p must lie in \[0, 1\]"):
        binary_cross_entropy([1.2], [1.0])
    with pytest.raises(ValueError, match=r"y must lie in \[0, 1\]"):
        binary_cross_entropy_with_logits([0.0], [-1.0])


@pytest.mark.parametrize(
    "labels, error, message",
    [
        ([0, 3], ValueError, r"class indices in 0..2"),
        ([0.0, 1.0], TypeError, r"must be integers"),
        ([[1, 0, 0], [0.5, 0.4, 0.0]], ValueError, "sum to 1"),
        ([0, 1, 2], ValueError, r"shape \(2,\) or one-hot rows of shape \(2, 3\)"),
    ],
)
def test_bad_labels_are_rejected(labels, error, message):
    with pytest.raises(error, match=message):
        cross_entropy(np.zeros((2, 3)), labels)


@pytest.mark.parametrize("z", [[np.nan, 0.0], [np.inf, 0.0], [-np.inf, -np.inf]])
def test_logits_that_cannot_be_normalised_are_rejected(z):
    with pytest.raises(ValueError, match="z must|finite logit"):
        softmax(z)


def test_unknown_reduction_is_rejected():
    with pytest.raises(ValueError, match="reduction must be one of"):
        mse([1.0], [1.0], reduction="average")
