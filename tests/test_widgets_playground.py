"""The MLP playground: live training that is reproducible, and a boundary we can recompute."""
import numpy as np
import pytest

from coursekit.widgets import playground
from coursekit.widgets.mlp import PlaygroundRun


def forward_by_hand(model, X):
    """Logits of a Linear → tanh → … → Linear network, from its parameters alone."""
    linears = [layer for layer in model if "W" in getattr(layer, "params", {})]
    h = X
    for i, layer in enumerate(linears):
        h = h @ layer.params["W"] + layer.params["b"]
        if i < len(linears) - 1:
            h = np.tanh(h)
    return h.reshape(-1)


def test_play_ticks_give_the_same_run_as_training_in_one_go():
    explorer = playground()
    for epoch in range(5, 55, 5):
        explorer.controls["epoch"].value = epoch
    fresh = PlaygroundRun()
    fresh.train_to(50)
    expected = fresh.state()
    np.testing.assert_allclose(explorer.state.losses, expected.losses, rtol=1e-12)
    np.testing.assert_allclose(explorer.state.boundary, expected.boundary, rtol=1e-10)


def test_going_back_retrains_from_the_start():
    explorer = playground(epoch=40)
    explorer.controls["epoch"].value = 15
    fresh = PlaygroundRun()
    fresh.train_to(15)
    assert explorer.state.epoch == 15
    np.testing.assert_allclose(explorer.state.losses, fresh.state().losses, rtol=1e-12)


def test_accuracy_and_boundary_match_a_hand_written_forward_pass():
    explorer = playground(epoch=30)
    state, model = explorer.state, explorer.run.model
    logits = forward_by_hand(model, state.X)
    assert state.accuracy == pytest.approx(np.mean((logits > 0) == (state.y == 1)))
    x1 = np.linspace(state.extent[0], state.extent[1], state.boundary.shape[1])
    x2 = np.linspace(state.extent[2], state.extent[3], state.boundary.shape[0])
    grid = np.stack(np.meshgrid(x1, x2), axis=-1).reshape(-1, 2)
    probabilities = 1 / (1 + np.exp(-forward_by_hand(model, grid)))
    np.testing.assert_allclose(state.boundary.reshape(-1), probabilities, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(explorer.image.get_array(), state.boundary)


@pytest.mark.parametrize("dataset", ["xor", "circles", "moons"])
def test_default_network_learns_each_dataset(dataset):
    explorer = playground(dataset=dataset)
    explorer.controls["epoch"].value = 150
    assert explorer.state.accuracy >= 0.95
    assert explorer.state.losses[-1] < 0.5 * explorer.state.losses[0]


def test_changing_the_network_starts_a_new_run_at_epoch_zero():
    explorer = playground(epoch=20)
    explorer.controls["width"].value = 4
    assert explorer.state.epoch == 0 and explorer.controls["epoch"].value == 0
    assert explorer.state.parameters == 2 * 4 + 4 + 4 * 4 + 4 + 4 + 1
    explorer.controls["epoch"].value = 10
    assert len(explorer.state.losses) == 10


def test_dropout_trains_and_the_boundary_is_drawn_without_it():
    explorer = playground(dropout=0.3, epoch=20)
    state = explorer.state
    assert np.isfinite(state.losses).all()
    again = explorer.run.state()  # evaluation mode: no random masks, so the same boundary
    np.testing.assert_array_equal(again.boundary, state.boundary)


@pytest.mark.parametrize("kwargs, message", [
    ({"dataset": "spirals"}, "dataset must be one of"),
    ({"depth": 0}, "depth must be at least 1"),
    ({"lr": -0.1}, "lr must be greater than 0"),
    ({"dropout": 0.95}, "dropout must be at most 0.9"),
    ({"epoch": -5}, "epoch must be at least 0"),
])
def test_impossible_settings_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        playground(**kwargs)
