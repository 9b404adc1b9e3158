"""The neuron explorer: perceptron line, activations and softmax against the lecture."""
import math

import numpy as np
import pytest

from coursekit.widgets import explore_neuron
from coursekit.widgets.neuron import neuron, parse_logits


def test_default_is_the_lectures_perceptron_example():
    state = explore_neuron().state
    assert state.z == -6.0
    assert state.output == pytest.approx(1 / (1 + math.exp(6)), rel=1e-12)
    assert round(state.output, 5) == 0.00247


def test_default_softmax_is_the_lectures():
    probabilities = explore_neuron().state.probabilities
    np.testing.assert_allclose(probabilities, [0.0474, 2.4e-8, 0.9526], rtol=2e-2)
    exp = np.exp([7.0, -7.5, 10.0])
    np.testing.assert_allclose(probabilities, exp / exp.sum(), rtol=1e-12)


def test_weight_sliders_move_the_decision_line_onto_z_equals_zero():
    explorer = explore_neuron()
    explorer.set(w0=0.5, w1=-1.5, w2=2.5)
    x1, x2 = explorer.line.get_data()
    np.testing.assert_allclose(0.5 - 1.5 * np.asarray(x1) + 2.5 * np.asarray(x2), 0, atol=1e-12)
    explorer.set(w1=2.0, w2=0.0)  # vertical line x₁ = −w₀/w₁
    x1, x2 = explorer.line.get_data()
    np.testing.assert_allclose(x1, -0.25)


def test_plane_shading_is_the_activation_of_z():
    explorer = explore_neuron(activation="tanh")
    plane = explorer.state.plane
    axis = np.linspace(-4, 4, plane.shape[0])
    # rows run along x₂, columns along x₁ (imshow with origin="lower")
    np.testing.assert_allclose(plane[10, 30], np.tanh(1 + 3 * axis[30] - 2 * axis[10]))
    np.testing.assert_array_equal(explorer.image.get_array(), plane)


@pytest.mark.parametrize("name, g, dg", [
    ("sigmoid", lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    ("tanh", np.tanh, lambda z: 1 / np.cosh(z) ** 2),
    ("relu", lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
    ("softplus", lambda z: np.log1p(np.exp(z)), lambda z: 1 / (1 + np.exp(-z))),
])
def test_activation_curves_and_derivatives(name, g, dg):
    explorer = explore_neuron()
    explorer.controls["activation"].value = name
    z, values = explorer.g_line.get_data()
    _, slopes = explorer.dg_line.get_data()
    np.testing.assert_allclose(values, g(z), rtol=1e-10, atol=1e-12)
    mask = np.abs(z) > 1e-9  # ReLU's derivative at 0 is a convention
    np.testing.assert_allclose(np.asarray(slopes)[mask], dg(z[mask]), rtol=1e-9, atol=1e-12)
    assert explorer.state.output == pytest.approx(g(np.array(-6.0)))


def test_step_activation_has_zero_derivative():
    explorer = explore_neuron()
    explorer.controls["activation"].value = "step"
    assert explorer.state.slope == 0.0 and explorer.state.output == 0.0


def test_logits_text_drives_the_bars():
    explorer = explore_neuron()
    explorer.controls["logits"].value = "1; 2  3, −4"
    np.testing.assert_array_equal(explorer.state.logits, [1, 2, 3, -4])
    heights = [bar.get_height() for bar in explorer.bars]
    exp = np.exp([1.0, 2.0, 3.0, -4.0])
    np.testing.assert_allclose(heights, exp / exp.sum())
    assert len(explorer.bars) == 4


def test_bad_logits_show_an_error_and_keep_the_last_state():
    explorer = explore_neuron()
    before = explorer.state
    with pytest.raises(ValueError, match="logits must be numbers"):
        explorer.controls["logits"].value = "seven, 2"
    assert explorer.state is before
    assert "logits must be numbers" in explorer._status.value
    explorer.controls["logits"].value = "0, 0"
    assert explorer._status.value == ""


@pytest.mark.parametrize("kwargs, message", [
    ({"activation": "swish"}, "activation must be one of"),
    ({"logits": "5"}, "2 to 10 finite numbers"),
    ({"w1": "three"}, "w1 must be a real number"),
])
def test_impossible_settings_are_rejected(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        neuron(**kwargs)


def test_parse_logits_accepts_unicode_minus_and_arrays():
    np.testing.assert_array_equal(parse_logits("−1, 2"), [-1, 2])
    np.testing.assert_array_equal(parse_logits([3, 4]), [3, 4])


def test_title_writes_the_lectures_line():
    explorer = explore_neuron()
    assert explorer.plane_ax.get_title() == "ŷ = g(1 + 3·x₁ − 2·x₂)"
