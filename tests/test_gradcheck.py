"""gradcheck: finite differences against known gradients, and detection of wrong layers/losses."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from coursekit.gradcheck import (
    TOLERANCE,
    check_layer,
    check_loss,
    numerical_gradient,
    relative_error,
)


class TinyLinear:
    """y = x @ W + b in the course's layer contract, with an optional planted bug."""

    def __init__(self, n_in, n_out, rng, bug=None):
        self.params = {"W": rng.standard_normal((n_in, n_out)), "b": rng.standard_normal(n_out)}
        self.grads = {}
        self.bug = bug

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, grad_out):
        self.grads["W"] = self.x.T @ grad_out
        self.grads["b"] = grad_out.sum(axis=0) if self.bug != "bias_not_summed" else grad_out.mean(axis=0)
        if self.bug == "last_row_doubled":
            self.grads["W"][-1] *= 2
        W = self.params["W"]
        return grad_out @ (W.T if self.bug != "wrong_input_grad" else 2 * W.T)


class SquaredErrorLayer:
    """A loss layer: L = Σ (ŷ − y)², backward gives ∂L/∂ŷ (or a planted wrong one)."""

    def __init__(self, factor=2.0):
        self.factor = factor

    def forward(self, y_pred, y):
        self.diff = y_pred - y
        return float(np.sum(self.diff**2))

    def backward(self):
        return self.factor * self.diff


@settings(max_examples=20, deadline=None)
@given(
    x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), elements=st.floats(-3, 3))
)
def test_numerical_gradient_of_a_cubic_matches_the_exact_gradient_for_any_shape(x):
    # f(x) = Σ xᵢ³ + Σ sin xᵢ, ∇f = 3x² + cos x.
    numeric = numerical_gradient(lambda v: np.sum(v**3) + np.sum(np.sin(v)), x)
    assert numeric.shape == np.shape(x)
    np.testing.assert_allclose(numeric, 3 * x**2 + np.cos(x), rtol=1e-7, atol=1e-7)


def test_numerical_gradient_of_a_quadratic_form():
    rng = np.random.default_rng(0)
    A, x = rng.standard_normal((4, 4)), rng.standard_normal(4)
    numeric = numerical_gradient(lambda v: v @ A @ v, x)
    assert relative_error(numeric, (A + A.T) @ x) < 1e-9


@pytest.mark.parametrize("x", [1000.1, -6999.9, 123456.789])
def test_numerical_gradient_of_a_line_is_exact_where_x_plus_h_is_rounded(x):
    # 4·x is exact in binary, so only a division by 2h instead of the stored step could miss 4.
    assert numerical_gradient(lambda v: 4.0 * v[0], np.array([x]))[0] == 4.0


def test_numerical_gradient_restores_x_bit_for_bit():
    x = np.random.default_rng(1).standard_normal((3, 2)) * 1e3
    before = x.copy()
    numerical_gradient(lambda v: np.sum(np.exp(v / 1e3)), x)
    assert np.array_equal(x, before)


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])
    calls = []

    def f(v):
        calls.append(v.copy())
        if len(calls) == 2:
            raise RuntimeError("boom")
        return float(v.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    assert x.tolist() == [1.0, 2.0]


def test_numerical_gradient_perturbs_the_callers_array_so_closures_see_it():
    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = np.array([1.0, -1.0])
    numeric = numerical_gradient(lambda _: float(np.sum(x @ W)), W)  # f ignores its argument
    np.testing.assert_allclose(numeric, np.outer(x, np.ones(2)), atol=1e-9)


def test_numerical_gradient_on_a_non_contiguous_view_perturbs_the_base():
    base = np.arange(12.0).reshape(3, 4)
    view = base[:, ::2]
    numeric = numerical_gradient(lambda _: float(np.sum(base**2)), view)
    np.testing.assert_allclose(numeric, 2 * view, rtol=1e-8)
    assert np.array_equal(base, np.arange(12.0).reshape(3, 4))


def test_numerical_gradient_accepts_scalars_and_lists():
    assert numerical_gradient(lambda b: 5 * b**2 - 3 * b + 2, 4.0) == pytest.approx(37.0)
    np.testing.assert_allclose(numerical_gradient(lambda v: v @ v, [1, 2]), [2.0, 4.0], rtol=1e-9)


def test_numerical_gradient_rejects_non_scalar_f_and_bad_step():
    with pytest.raises(TypeError, match="f must return a real scalar"):
        numerical_gradient(lambda v: v * 2, np.ones(3))
    for h, error, message in ((0.0, ValueError, "h must be a finite number > 0, got 0.0"),
                              (-1e-6, ValueError, "h must be a finite number > 0"),
                              (float("inf"), ValueError, "h must be a finite number > 0"),
                              (float("nan"), ValueError, "h must not be NaN"),
                              ("1e-6", TypeError, "h must be a real number"),
                              (True, TypeError, "h must be a real number")):
        with pytest.raises(error, match=message):
            numerical_gradient(np.sum, np.ones(2), h=h)
    with pytest.raises(TypeError, match="x must be a real number or an array of real numbers"):
        numerical_gradient(np.sum, ["a", "b"])


def test_relative_error_follows_the_cs231n_formula_entry_by_entry():
    a, b = np.array([1.0, -2.0, 0.0]), np.array([1.1, -2.0, 0.0])
    assert relative_error(a, b) == pytest.approx(0.1 / 2.1)       # |1 − 1.1| / (|1| + |1.1|)
    assert relative_error(b, a) == relative_error(a, b)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error([0.0], [1e-12]) == pytest.approx(1e-4)  # floor of 1e-8 in the denominator
    assert relative_error([0.0], [1e-12], floor=1e-6) == pytest.approx(1e-6)


def test_relative_error_shows_one_wrong_small_entry_beside_large_ones():
    a, b = np.array([1000.0, -3.0, 1e-5]), np.array([1000.0, -3.0, 2e-5])
    one_global_scale = np.max(np.abs(a - b)) / np.max(np.abs(a) + np.abs(b))
    assert one_global_scale < TOLERANCE                          # 5e-9: the wrong entry would pass
    assert relative_error(a, b) == pytest.approx(1e-5 / 3e-5)


def test_relative_error_rejects_a_floor_that_is_not_positive():
    with pytest.raises(ValueError, match="floor must be a finite number > 0"):
        relative_error([1.0], [1.0], floor=0.0)


def test_relative_error_rejects_different_shapes():
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.zeros(3), np.zeros((3, 1)))


def test_check_layer_passes_a_correct_layer_and_restores_its_parameters():
    rng = np.random.default_rng(2)
    layer = TinyLinear(3, 2, rng)
    before = {k: v.copy() for k, v in layer.params.items()}
    errors = check_layer(layer, rng.standard_normal((5, 3)))
    assert set(errors) == {"input", "W", "b"}
    assert max(errors.values()) < TOLERANCE
    assert all(np.array_equal(layer.params[k], before[k]) for k in before)


@pytest.mark.parametrize("bug, wrong_key", [("bias_not_summed", "b"), ("wrong_input_grad", "input")])
def test_check_layer_points_at_the_wrong_gradient(bug, wrong_key):
    rng = np.random.default_rng(3)
    errors = check_layer(TinyLinear(3, 2, rng, bug=bug), rng.standard_normal((5, 3)))
    assert errors[wrong_key] > 1e-2
    assert all(err < TOLERANCE for key, err in errors.items() if key != wrong_key)


def test_check_layer_catches_a_wrong_gradient_entry_a_million_times_smaller_than_the_others():
    layer = TinyLinear(2, 3, np.random.default_rng(5), bug="last_row_doubled")
    layer.params["W"][0] = 0.01
    x = np.array([[10.0, 1e-6]])             # ∂φ/∂W: row 0 about 10, row 1 about 1e-6 (and doubled)
    errors = check_layer(layer, x)
    assert errors["W"] > 10 * TOLERANCE
    assert errors["input"] < TOLERANCE and errors["b"] < TOLERANCE


def test_check_loss_passes_a_correct_gradient_with_entries_below_what_differences_resolve():
    # ∂L/∂ŷ = (−2, −2e-6) with L ≈ 1: rounding L leaves the differences an error of about 1e-10,
    # 5e-5 of the small entry, so only a floor at that resolution lets the correct gradient pass.
    loss = (lambda p, y: float(np.sum((p - y) ** 2)), lambda p, y: 2 * (p - y))
    y_pred, y = np.zeros(2), np.array([1.0, 1e-6])
    numeric = numerical_gradient(lambda p: loss[0](p, y), y_pred.copy())
    assert relative_error(loss[1](y_pred, y), numeric) > TOLERANCE
    assert check_loss(loss, y_pred, y) < TOLERANCE / 10


def test_check_layer_depends_only_on_the_seed():
    rng = np.random.default_rng(4)
    layer, x = TinyLinear(2, 2, rng, bug="bias_not_summed"), rng.standard_normal((4, 2))
    assert check_layer(layer, x, seed=7) == check_layer(layer, x, seed=7)


def test_check_layer_rejects_objects_that_are_not_layers():
    with pytest.raises(TypeError, match="missing backward, params, grads"):
        check_layer(type("OnlyForward", (), {"forward": lambda self, x: x})(), np.ones(2))
    layer = TinyLinear(2, 2, np.random.default_rng(0))
    layer.params["W"] = layer.params["W"].astype(np.float32)
    with pytest.raises(TypeError, match=r"layer.params\['W'\] must be a float64"):
        check_layer(layer, np.ones((1, 2)))


def test_check_layer_rejects_a_backward_of_the_wrong_shape():
    layer = TinyLinear(3, 2, np.random.default_rng(0))
    layer.backward = lambda grad_out: grad_out  # forgot to multiply by Wᵀ
    with pytest.raises(TypeError, match=r"returned shape \(4, 2\), expected the input's shape \(4, 3\)"):
        check_layer(layer, np.ones((4, 3)))


def test_check_layer_rejects_a_backward_that_leaves_grads_empty():
    layer = TinyLinear(3, 2, np.random.default_rng(0))
    layer.backward = lambda grad_out: grad_out @ layer.params["W"].T
    with pytest.raises(TypeError, match="did not fill layer.grads for 'W', 'b'"):
        check_layer(layer, np.ones((4, 3)))


def test_check_layer_rejects_a_parameter_gradient_of_the_wrong_shape():
    layer = TinyLinear(3, 2, np.random.default_rng(0))
    backward = layer.backward

    def transposed(grad_out):
        grad_in = backward(grad_out)
        layer.grads["W"] = layer.grads["W"].T
        return grad_in

    layer.backward = transposed
    with pytest.raises(TypeError, match=r"layer.grads\['W'\] has shape \(2, 3\), expected \(3, 2\)"):
        check_layer(layer, np.ones((4, 3)))


def test_check_loss_accepts_function_pairs_and_loss_layers():
    rng = np.random.default_rng(5)
    y_pred, y = rng.standard_normal(6), rng.standard_normal(6)
    pair = (lambda p, t: np.sum((p - t) ** 2), lambda p, t: 2 * (p - t))
    assert check_loss(pair, y_pred, y) < TOLERANCE
    assert check_loss(SquaredErrorLayer(), y_pred, y) < TOLERANCE


def test_check_loss_detects_a_wrong_gradient():
    rng = np.random.default_rng(6)
    assert check_loss(SquaredErrorLayer(factor=1.0), rng.standard_normal(4), rng.standard_normal(4)) > 1e-2


def test_check_loss_rejects_other_objects_and_wrong_shapes():
    with pytest.raises(TypeError, match="loss must be a loss layer"):
        check_loss(np.sum, np.ones(2), np.ones(2))
    with pytest.raises(TypeError, match="expected y_pred's shape"):
        check_loss((lambda p, t: 0.0, lambda p, t: np.zeros(3)), np.ones(2), np.ones(2))
