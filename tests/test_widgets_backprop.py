"""The backpropagation stepper: the lecture's worked numbers, revealed one event at a time."""
import numpy as np
import pytest

from coursekit.widgets import backprop_stepper
from coursekit.widgets.backprop import backprop_trace

LECTURE_SIMPLEST = [  # (h, L, ∂L/∂h, w, b) after each iteration, from the lecture's table
    (1.1, 1.805, -1.9, 0.48, 1.38),
    (1.86, 0.6498, -1.14, 0.708, 1.608),
    (2.316, 0.2339, -0.684, 0.8448, 1.7448),
]


def test_simplest_network_table_matches_the_lecture():
    stepper = backprop_stepper("simplest")
    stepper.controls["step"].value = stepper.controls["step"].max
    rows = stepper.state.rows
    assert len(rows) == 3
    for row, (h, L, dh, w, b) in zip(rows, LECTURE_SIMPLEST):
        got = dict(zip(("h", "L", "dh", "dw", "db", "w", "b"), row))
        assert got["h"] == pytest.approx(h) and got["dh"] == pytest.approx(dh)
        assert got["L"] == pytest.approx(L, abs=5e-5)
        assert got["dw"] == pytest.approx(dh) and got["db"] == pytest.approx(dh)  # x = 1
        assert got["w"] == pytest.approx(w) and got["b"] == pytest.approx(b)


def test_modular_example_forward_and_backward_match_the_lecture():
    state = backprop_trace("modular", step=100)
    expected = {"a": 15, "r": 15, "z": -14, "ℓ": 4, "∂ℓ/∂z": -4, "∂ℓ/∂w₂": -60, "∂ℓ/∂b₂": -4,
                "∂ℓ/∂r": 4, "∂ℓ/∂a": 4, "∂ℓ/∂w₁": 12, "∂ℓ/∂b₁": 4}
    for symbol, value in expected.items():
        assert state.value(symbol) == pytest.approx(value), symbol


def test_forward_comes_before_backward_and_backward_runs_from_the_loss():
    events = backprop_trace("modular").events
    phases = [e.phase for e in events]
    assert phases == sorted(phases, key=["forward", "backward"].index)
    forward_nodes = [e.node for e in events if e.phase == "forward"]
    backward_nodes = [e.node for e in events if e.phase == "backward"]
    assert forward_nodes == sorted(forward_nodes)
    assert backward_nodes == sorted(backward_nodes, reverse=True)


@pytest.mark.parametrize("x, y", [(3.0, -12.0), (-0.7, 2.0), (1.3, 40.0)])
def test_modular_gradients_agree_with_finite_differences(x, y):
    def loss(w1, b1, w2, b2):
        return (w2 * max(0.0, w1 * x + b1) + b2 - y) ** 2

    theta = np.array([5.0, 0.0, -1.0, 1.0])
    h = 1e-6
    numeric = [(loss(*(theta + h * e)) - loss(*(theta - h * e))) / (2 * h) for e in np.eye(4)]
    state = backprop_trace("modular", x=x, y=y)
    analytic = [state.value(s) for s in ("∂ℓ/∂w₁", "∂ℓ/∂b₁", "∂ℓ/∂w₂", "∂ℓ/∂b₂")]
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6)


def test_buttons_step_forward_back_and_reset():
    stepper = backprop_stepper()
    assert stepper.state.current is None
    stepper.buttons["next"].click()
    stepper.buttons["next"].click()
    assert stepper.state.position == 2 and stepper.state.current.symbol == "a"
    assert stepper.state.current.formula == "a = w₁x + b₁ = 5·3 + 0 = 15"
    assert "5·3 + 0 = 15" in stepper._explanation.value
    stepper.buttons["back"].click()
    assert stepper.state.current.symbol == "x"
    stepper.buttons["back"].click()
    stepper.buttons["back"].click()  # stays at 0
    assert stepper.state.position == 0
    stepper.controls["step"].value = 9
    stepper.buttons["reset"].click()
    assert stepper.state.position == 0


def test_graph_texts_show_exactly_the_revealed_events():
    stepper = backprop_stepper()
    stepper.controls["step"].value = 6  # forward pass and ∂ℓ/∂z
    texts = [t.get_text() for k, t in stepper._texts.items() if k != "legend"]
    joined = "\n".join(texts)
    assert "z = −14" in joined and "ℓ = 4" in joined and "∂ℓ/∂z = −4" in joined
    assert "∂ℓ/∂w₂" not in joined
    lit = [b.get_bbox_patch().get_edgecolor() for b in stepper._node_boxes]
    assert sum(c != lit[0] for c in lit) in (1, len(lit) - 1)  # one node stands out


def test_switching_network_resets_inputs_and_tape_length():
    stepper = backprop_stepper()
    stepper.controls["step"].value = 5
    stepper.controls["network"].value = "simplest"
    assert stepper.controls["x"].value == 1.0 and stepper.controls["y"].value == 3.0
    assert stepper.state.position == 0
    assert stepper.controls["step"].max == 1 + 7 * 3
    stepper.controls["iterations"].value = 5
    assert stepper.controls["step"].max == 1 + 7 * 5
    assert len(stepper.state.rows) == 5


def test_impossible_settings_are_rejected():
    with pytest.raises(ValueError, match="network must be one of"):
        backprop_stepper("transformer")
    with pytest.raises(ValueError, match="step must be at least 0"):
        backprop_trace(step=-1)
    with pytest.raises(ValueError, match="lr must be greater than 0"):
        backprop_trace("simplest", lr=0.0)
    with pytest.raises(ValueError, match="iterations must be at least 1"):
        backprop_trace("simplest", iterations=0)


def test_modular_example_with_a_students_weights_follows_the_chain_rule_by_hand():
    # u = 3·2 + 2 = 8, z = −8 + 3 = −5, z − y = 2: every number below is worked out by hand
    state = backprop_trace("modular", x=2, y=-7, step=100, weights={"w1": 3, "b1": 2, "w2": -1, "b2": 3})
    expected = {"a": 8, "r": 8, "z": -5, "ℓ": 4, "∂ℓ/∂z": 4, "∂ℓ/∂w₂": 32, "∂ℓ/∂b₂": 4,
                "∂ℓ/∂r": -4, "∂ℓ/∂a": -4, "∂ℓ/∂w₁": -8, "∂ℓ/∂b₁": -4}
    for symbol, value in expected.items():
        assert state.value(symbol) == pytest.approx(value), symbol
    with pytest.raises(ValueError, match="no weights \\['w'\\]"):
        backprop_trace("modular", weights={"w": 1.0})


def test_stepper_keeps_a_students_start_while_its_controls_move_and_the_other_network_the_lectures():
    stepper = backprop_stepper("modular", x=2, y=-7, weights={"w1": 3, "b1": 2, "w2": -1, "b2": 3})
    assert (stepper.controls["x"].value, stepper.controls["y"].value) == (2, -7)
    stepper.controls["step"].value = stepper.controls["step"].max
    assert stepper.state.value("∂ℓ/∂w₂") == pytest.approx(32)
    stepper.controls["y"].value = -6.0          # z − y = 1: the student's weights still apply
    assert stepper.state.value("∂ℓ/∂w₂") == pytest.approx(16)
    stepper.controls["network"].value = "simplest"
    stepper.controls["step"].value = stepper.controls["step"].max
    assert stepper.state.rows[0][0] == pytest.approx(LECTURE_SIMPLEST[0][0])   # the lecture's h = 1.1
    stepper.controls["network"].value = "modular"
    assert (stepper.controls["x"].value, stepper.controls["y"].value) == (2, -7)
