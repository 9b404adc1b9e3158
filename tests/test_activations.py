"""Activations: lecture values, stability, derivatives by finite differences and torch."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from coursekit.activations import ACTIVATIONS, relu_grad, sigmoid, softplus, step, step_grad, tanh
from coursekit.gradcheck import TOLERANCE, numerical_gradient, relative_error

# Closed forms written independently of the module, for moderate z where they are exact enough.
NAIVE = {
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
    "tanh": lambda z: (math.exp(z) - math.exp(-z)) / (math.exp(z) + math.exp(-z)),
    "relu": lambda z: z if z > 0 else 0.0,
    "softplus": lambda z: math.log(1.0 + math.exp(z)),
    "step": lambda z: 1.0 if z >= 0 else 0.0,
}

# |z| <= 3 keeps the derivatives large enough for finite differences to resolve them to 1e-7.
finite_arrays = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
    elements=st.floats(-3, 3, allow_nan=False),
)


def test_perceptron_example_gives_sigma_of_minus_six():
    w0, weights, x = 1.0, np.array([3.0, -2.0]), np.array([-1.0, 2.0])
    z = w0 + weights @ x
    assert z == -6.0
    assert sigmoid(z) == pytest.approx(1.0 / (1.0 + math.exp(6.0)), rel=1e-15)
    assert round(float(sigmoid(z)), 5) == 0.00247


@pytest.mark.parametrize("name", sorted(NAIVE))
def test_values_match_the_textbook_formula(name):
    f, _ = ACTIVATIONS[name]
    z = np.linspace(-5, 5, 41)
    expected = np.array([NAIVE[name](v) for v in z])
    np.testing.assert_allclose(f(z), expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_extreme_inputs_do_not_overflow(name):
    f, f_grad = ACTIVATIONS[name]
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        values, grads = f(z), f_grad(z)
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grads))


def test_saturated_values_are_exact():
    assert sigmoid(-1000.0) == 0.0 and sigmoid(1000.0) == 1.0
    assert softplus(1000.0) == 1000.0
    assert softplus(-1000.0) == 0.0
    assert tanh(1000.0) == 1.0


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus"])
@settings(max_examples=20, deadline=None)
@given(z=finite_arrays)
def test_smooth_derivatives_pass_gradcheck(name, z):
    f, f_grad = ACTIVATIONS[name]
    # the activations act elementwise, so each entry's derivative is a one-variable centred
    # difference; differentiating the sum of all entries instead would add the sum's rounding
    # error (up to 64 entries of size ~1) to every small derivative
    h = 1e-6
    numeric = (f(z + h) - f(z - h)) / (2 * h)
    assert relative_error(f_grad(z), numeric) < TOLERANCE
    assert relative_error(f_grad(z), numerical_gradient(lambda v: np.sum(f(v)), z)) < 1e-6


@pytest.mark.parametrize("name", ["relu", "step"])
@settings(max_examples=20, deadline=None)
@given(z=finite_arrays.map(lambda a: np.where(a < 0, np.minimum(a, -1e-3), np.maximum(a, 1e-3))))
def test_piecewise_derivatives_pass_gradcheck_away_from_the_kink(name, z):
    # |z| ≥ 1e-3 ≫ h, so the centred differences never straddle the kink at 0.
    f, f_grad = ACTIVATIONS[name]
    numeric = numerical_gradient(lambda v: np.sum(f(v)), z)
    assert relative_error(f_grad(z), numeric) < TOLERANCE


def test_conventions_at_zero():
    assert relu_grad(0.0) == 0.0
    assert step(0.0) == 1.0
    assert step_grad(0.0) == 0.0


def test_step_perceptron_gets_no_gradient_so_cannot_learn():
    # dL/dw = dL/dy * step'(z) * x: zero for every sample, whatever the loss.
    rng = np.random.default_rng(1)
    X, w = rng.standard_normal((20, 2)), rng.standard_normal(2)
    y_hat = step(X @ w)
    grad_w = X.T @ ((y_hat - 1.0) * step_grad(X @ w))
    assert np.all(grad_w == 0.0)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_shapes_and_scalar_results(name):
    f, f_grad = ACTIVATIONS[name]
    z = np.zeros((2, 3, 1))
    assert f(z).shape == z.shape and f_grad(z).shape == z.shape
    assert f(z).dtype == np.float64
    assert isinstance(f(0.5), np.float64) and isinstance(f_grad(0.5), np.float64)
    assert f([1, 2]).dtype == np.float64  # integers are promoted


@pytest.mark.parametrize("bad", ["1.0", 1 + 2j, [1.0, "a"], None])
def test_non_real_input_is_rejected_naming_z(bad):
    with pytest.raises(TypeError, match="z must be a real number"):
        sigmoid(bad)


def test_matches_torch_values_and_autograd(torch):
    z = np.linspace(-30, 30, 121)
    references = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        # torch switches to softplus(z) = z above z = 20 by default; ask for the exact value.
        "softplus": lambda t: torch.nn.functional.softplus(t, threshold=100.0),
    }
    for name, reference in references.items():
        f, f_grad = ACTIVATIONS[name]
        t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        out = reference(t)
        out.sum().backward()
        np.testing.assert_allclose(f(z), out.detach().numpy(), rtol=1e-12, atol=1e-15, err_msg=name)
        np.testing.assert_allclose(f_grad(z), t.grad.numpy(), rtol=1e-12, atol=1e-15, err_msg=name)
