"""coursekit.layers: gradient checks, the lecture's worked numbers, modes and errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit.gradcheck import check_layer, check_loss
from coursekit.layers import (
    Activation,
    BCELoss,
    BCEWithLogitsLoss,
    Dropout,
    Linear,
    MSELoss,
    ReLU,
    Sequential,
    Sigmoid,
    SoftmaxCrossEntropyLoss,
    Softplus,
    Tanh,
    count_parameters,
    mlp,
)
from coursekit.optim import SGD

TOLERANCE = 1e-7


def _away_from_kinks(rng, shape):
    """Inputs with |x| ≥ 0.1, so finite differences never straddle ReLU's kink."""
    x = rng.uniform(0.1, 2.0, size=shape)
    return x * rng.choice([-1.0, 1.0], size=shape)


class _FixedMaskDropout(Dropout):
    """Dropout that draws the same mask on every forward, so it can be gradient-checked."""

    def forward(self, x):
        self.rng = np.random.default_rng(7)
        return super().forward(x)


# ----------------------------------------------------------------------------
# gradient checks
# ----------------------------------------------------------------------------
@given(n=st.integers(1, 6), d=st.integers(1, 5), m=st.integers(1, 5), seed=st.integers(0, 10**6))
@settings(max_examples=20, deadline=None)
def test_linear_passes_gradient_check_on_random_shapes(n, d, m, seed):
    rng = np.random.default_rng(seed)
    layer = Linear(d, m, rng=rng)
    errors = check_layer(layer, rng.normal(size=(n, d)), seed=seed)
    assert set(errors) == {"input", "W", "b"}
    assert max(errors.values()) < TOLERANCE, errors


@pytest.mark.parametrize("layer_cls", [ReLU, Sigmoid, Tanh, Softplus])
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3), seed=st.integers(0, 10**6))
@settings(max_examples=15, deadline=None)
def test_activation_layers_pass_gradient_check(layer_cls, shape, seed):
    rng = np.random.default_rng(seed)
    errors = check_layer(layer_cls(), _away_from_kinks(rng, tuple(shape)), seed=seed)
    assert errors["input"] < TOLERANCE


def test_dropout_passes_gradient_check_in_both_modes():
    x = np.random.default_rng(1).normal(size=(6, 5))
    train = _FixedMaskDropout(0.4)
    assert check_layer(train, x)["input"] < TOLERANCE
    assert check_layer(Dropout(0.4).eval(), x)["input"] < TOLERANCE


def test_whole_network_passes_gradient_check_for_every_parameter():
    rng = np.random.default_rng(3)
    net = Sequential(Linear(3, 4, rng=rng), Tanh(), Linear(4, 5, rng=rng, init="he"), Softplus(),
                     _FixedMaskDropout(0.3), Linear(5, 2, rng=rng, init="xavier"), Sigmoid())
    errors = check_layer(net, rng.normal(size=(7, 3)))
    assert set(errors) == {"input", "0.W", "0.b", "2.W", "2.b", "5.W", "5.b"}
    assert max(errors.values()) < TOLERANCE, errors


@given(n=st.integers(1, 6), k=st.integers(1, 4), seed=st.integers(0, 10**6),
       reduction=st.sampled_from(["mean", "sum"]))
@settings(max_examples=15, deadline=None)
def test_regression_and_binary_losses_pass_gradient_check(n, k, seed, reduction):
    rng = np.random.default_rng(seed)
    y01 = rng.integers(0, 2, size=(n, k)).astype(float)
    cases = [
        (MSELoss(reduction), rng.normal(size=(n, k)), rng.normal(size=(n, k))),
        (MSELoss(reduction, scale=0.5), rng.normal(size=(n, k)), rng.normal(size=(n, k))),
        (BCEWithLogitsLoss(reduction), rng.normal(scale=3, size=(n, k)), y01),
        (BCELoss(reduction), rng.uniform(0.05, 0.95, size=(n, k)), rng.uniform(size=(n, k))),
    ]
    for loss, y_pred, y in cases:
        assert check_loss(loss, y_pred, y) < TOLERANCE, loss


@given(n=st.integers(1, 6), classes=st.integers(2, 5), seed=st.integers(0, 10**6),
       one_hot=st.booleans())
@settings(max_examples=15, deadline=None)
def test_softmax_cross_entropy_passes_gradient_check(n, classes, seed, one_hot):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=n)
    y = np.eye(classes)[labels] if one_hot else labels
    assert check_loss(SoftmaxCrossEntropyLoss(), rng.normal(scale=2, size=(n, classes)), y) < TOLERANCE


def test_network_gradients_match_torch_autograd(torch):
    rng = np.random.default_rng(0)
    net = Sequential(Linear(3, 8, rng=1), Tanh(), Linear(8, 8, rng=2), ReLU(), Linear(8, 4, rng=3))
    x, labels = rng.normal(size=(10, 3)), rng.integers(0, 4, size=10)
    loss = SoftmaxCrossEntropyLoss()
    value = loss.forward(net.forward(x), labels)
    net.backward(loss.backward())

    tensors = [torch.tensor(p, requires_grad=True) for p in net.parameters()]
    h = torch.tanh(torch.from_numpy(x) @ tensors[0] + tensors[1])
    h = torch.relu(h @ tensors[2] + tensors[3])
    expected = torch.nn.functional.cross_entropy(h @ tensors[4] + tensors[5], torch.from_numpy(labels))
    expected.backward()
    assert value == pytest.approx(expected.item(), rel=1e-12)
    for ours, theirs in zip(net.gradients(), tensors):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-14)


# ----------------------------------------------------------------------------
# the lecture's worked numbers
# ----------------------------------------------------------------------------
def test_modular_example_forward_and_backward_values():
    """Linear(w₁=5, b₁=0) → ReLU → Linear(w₂=−1, b₂=1), ℓ = (z − y)², x = 3, y = −12."""
    first = Linear.from_params([[5.0]], [0.0])
    relu = ReLU()
    second = Linear.from_params([[-1.0]], [1.0])
    loss = MSELoss()
    x, y = np.array([[3.0]]), np.array([[-12.0]])

    u = first.forward(x)
    h = relu.forward(u)
    z = second.forward(h)
    assert (u.item(), h.item(), z.item()) == (15.0, 15.0, -14.0)
    assert loss.forward(z, y) == 4.0

    dz = loss.backward()
    assert dz.item() == -4.0
    dh = second.backward(dz)
    assert (second.grads["W"].item(), second.grads["b"].item()) == (-60.0, -4.0)
    assert dh.item() == 4.0                     # into the ReLU
    du = relu.backward(dh)
    first.backward(du)
    assert (first.grads["W"].item(), first.grads["b"].item()) == (12.0, 4.0)


def test_simplest_nn_ever_table():
    """h = wx + b, L = ½(h − y)², x = 1, y = 3, w = 0.1, b = 1, η = 0.2."""
    layer = Linear.from_params([[0.1]], [1.0])
    loss = MSELoss(scale=0.5)
    opt = SGD(layer.parameters(), lr=0.2)
    x, y = np.array([[1.0]]), np.array([[3.0]])
    rows = []
    for _ in range(3):
        h = layer.forward(x)
        value = loss.forward(h, y)
        dh = loss.backward()
        layer.backward(dh)
        opt.step(layer.gradients())
        rows.append((h.item(), value, dh.item(), layer.params["W"].item(), layer.params["b"].item()))
    expected = [(1.1, 1.805, -1.9, 0.48, 1.38),
                (1.86, 0.6498, -1.14, 0.708, 1.608),
                (2.316, 0.2339, -0.684, 0.8448, 1.7448)]
    np.testing.assert_allclose(rows, expected, rtol=0, atol=5e-5)   # the slide rounds L to 4 places


def test_dense_layer_on_a_200_by_200_rgb_image_has_1_44e10_weights():
    """Lecture 002: one fully connected layer from a 200×200×3 image to as many units."""
    d = 200 * 200 * 3
    assert d == 120_000
    weights = Linear.parameter_count(d, d, bias=False)
    assert weights == d * d == 14_400_000_000 and f"{weights:.3g}" == "1.44e+10"
    assert Linear.parameter_count(d, d) == weights + d             # plus one bias per unit
    assert count_parameters([d, d]) == Linear.parameter_count(d, d)
    assert isinstance(weights, int)                                # exact, and nothing was allocated


@given(sizes=st.lists(st.integers(1, 12), min_size=2, max_size=5), bias=st.booleans())
@settings(max_examples=20, deadline=None)
def test_parameter_counts_equal_the_sizes_of_a_built_network(sizes, bias):
    net = mlp(sizes, rng=0)
    built = sum(p.size for name, p in net.params.items() if bias or not name.endswith(".b"))
    assert count_parameters(sizes, bias=bias) == built
    first = net[0]
    assert Linear.parameter_count(sizes[0], sizes[1], bias) == sum(
        p.size for name, p in first.params.items() if bias or name == "W")


# ----------------------------------------------------------------------------
# behaviour
# ----------------------------------------------------------------------------
def test_linear_computes_x_w_plus_b_for_a_batch():
    W, b = np.arange(6.0).reshape(2, 3), np.array([1.0, -1.0, 0.5])
    x = np.array([[1.0, 2.0], [0.0, -1.0]])
    np.testing.assert_array_equal(Linear.from_params(W, b).forward(x), x @ W + b)


def test_linear_initialisations_have_the_documented_scales():
    d, m = 400, 300
    uniform = Linear(d, m, rng=0)
    bound = 1 / np.sqrt(d)
    assert np.abs(uniform.params["W"]).max() <= bound
    assert uniform.params["W"].std() == pytest.approx(bound / np.sqrt(3), rel=0.02)
    he = Linear(d, m, rng=0, init="he")
    assert he.params["W"].std() == pytest.approx(np.sqrt(2 / d), rel=0.02)
    assert not he.params["b"].any()
    xavier = Linear(d, m, rng=0, init="xavier")
    assert xavier.params["W"].std() == pytest.approx(np.sqrt(2 / (d + m)), rel=0.02)


def test_linear_is_reproducible_for_a_seed_and_differs_between_seeds():
    np.testing.assert_array_equal(Linear(3, 2, rng=5).params["W"], Linear(3, 2, rng=5).params["W"])
    assert not np.array_equal(Linear(3, 2, rng=5).params["W"], Linear(3, 2, rng=6).params["W"])


def test_dropout_is_identity_in_eval_and_unbiased_in_training():
    x = np.ones((200, 500))
    drop = Dropout(0.3, rng=0)
    np.testing.assert_array_equal(drop.eval().forward(x), x)
    np.testing.assert_array_equal(drop.backward(x), x)
    y = drop.train().forward(x)
    assert np.mean(y == 0) == pytest.approx(0.3, abs=0.01)
    assert y.mean() == pytest.approx(1.0, abs=0.01)
    assert set(np.unique(y)) == {0.0, 1 / 0.7}
    # backward reuses the forward mask
    np.testing.assert_array_equal(drop.backward(np.full_like(x, 2.0)), 2 * y)


def test_dropout_with_p_one_drops_everything():
    assert not Dropout(1.0).forward(np.ones(5)).any()


def test_sequential_train_and_eval_reach_every_layer():
    net = Sequential(Linear(2, 2), Dropout(0.5), ReLU())
    net.eval()
    assert not any(layer.training for layer in net)
    net.train()
    assert all(layer.training for layer in net)


def test_optimizer_on_sequential_parameters_updates_the_layers():
    net = Sequential(Linear(2, 3, rng=0), ReLU(), Linear(3, 1, rng=1))
    before = [p.copy() for p in net.parameters()]
    x = np.random.default_rng(0).normal(size=(8, 2))
    loss = MSELoss()
    loss.forward(net.forward(x), np.ones((8, 1)))
    net.backward(loss.backward())
    assert [g.shape for g in net.gradients()] == [p.shape for p in net.parameters()]
    SGD(net.parameters(), lr=0.1).step(net.gradients())
    assert net[0].params["W"] is net.parameters()[0]
    assert any(not np.array_equal(a, b) for a, b in zip(before, net.parameters()))
    assert list(net.params) == ["0.W", "0.b", "2.W", "2.b"]


def test_relu_blocks_gradient_of_negative_inputs():
    relu = ReLU()
    relu.forward(np.array([[-1.0, 2.0, -3.0]]))
    np.testing.assert_array_equal(relu.backward(np.array([[5.0, 5.0, 5.0]])), [[0.0, 5.0, 0.0]])


def test_step_activation_passes_no_gradient_so_earlier_layers_never_learn():
    """The lecture's reason for leaving the perceptron's step function behind."""
    rng = np.random.default_rng(0)
    net = Sequential(Linear(2, 4, rng=0), Activation("step"), Linear(4, 1, rng=1))
    first = [p.copy() for p in net[0].parameters()]
    opt = SGD(net.parameters(), lr=0.5)
    loss = BCEWithLogitsLoss()
    for _ in range(20):
        X = rng.normal(size=(16, 2))
        loss.forward(net.forward(X), (X[:, :1] > 0).astype(float))
        net.backward(loss.backward())
        opt.step(net.gradients())
    assert all(np.array_equal(a, b) for a, b in zip(first, net[0].parameters()))
    assert not np.array_equal(net[2].params["b"], Linear(4, 1, rng=1).params["b"])   # the last layer did


def test_losses_are_stable_for_huge_logits():
    assert BCEWithLogitsLoss().forward(np.array([1000.0, -1000.0]), np.array([1.0, 0.0])) == 0.0
    assert SoftmaxCrossEntropyLoss().forward(np.array([[1000.0, -1000.0]]), np.array([1])) == 2000.0


def test_mse_reduction_sum_and_mean():
    y_pred, y = np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros((2, 2))
    assert MSELoss("sum").forward(y_pred, y) == 30.0
    assert MSELoss("mean").forward(y_pred, y) == 7.5


# ----------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------
def test_linear_rejects_inputs_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 3\), got \(4, 2\)"):
        Linear(3, 2).forward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 3\), got \(3,\)"):
        Linear(3, 2).forward(np.zeros(3))


def test_backward_before_forward_is_a_clear_error():
    for layer in (Linear(2, 2), ReLU(), Dropout()):
        with pytest.raises(RuntimeError, match="backward called before forward"):
            layer.backward(np.zeros((1, 2)))
    with pytest.raises(RuntimeError, match="backward called before forward"):
        MSELoss().backward()


def test_gradients_before_backward_is_a_clear_error():
    with pytest.raises(RuntimeError, match="call backward"):
        Linear(2, 2).gradients()


def test_backward_rejects_gradient_of_the_wrong_shape():
    layer = Linear(2, 3)
    layer.forward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"grad_out must have the output's shape \(4, 3\)"):
        layer.backward(np.zeros((4, 2)))
    for layer in (ReLU(), Dropout(0.5), Dropout(0.5).eval()):
        layer.forward(np.zeros((4, 3)))
        with pytest.raises(ValueError, match=r"grad_out must have the input's shape \(4, 3\), got \(3,\)"):
            layer.backward(np.zeros(3))            # would broadcast silently


@pytest.mark.parametrize("make, message", [
    (lambda: Linear(0, 2), "in_features must be a positive integer"),
    (lambda: Linear(2, 2, init="zeros"), "init must be one of"),
    (lambda: Linear.from_params([1.0, 2.0], [0.0]), "W must be 2-D"),
    (lambda: Linear.from_params([[1.0, 2.0]], [0.0]), r"b must have shape \(2,\)"),
    (lambda: Dropout(1.5), "p must be a probability"),
    (lambda: MSELoss("none"), "reduction must be one of"),
    (lambda: MSELoss(scale=0), "scale must be a finite number > 0, got 0.0"),
    (lambda: Dropout(0.5, rng=-1), "rng must be a non-negative seed"),
    (lambda: mlp([2, 0, 1]), r"sizes\[1\] must be a positive integer, got 0"),
    (lambda: mlp([2, 3, 1], dropout=1.2), r"dropout must be a probability in \[0, 1\]"),
    (lambda: Linear.parameter_count(0, 3), "in_features must be a positive integer"),
])
def test_constructors_reject_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("make, message", [
    (lambda: Linear(2, 2.5), "out_features must be an integer, got float 2.5"),
    (lambda: Linear(2, 2, rng="seed"), "rng must be a non-negative int seed"),
    (lambda: Linear.from_params([["a"]], [0.0]), "W must be a real number or an array of real numbers"),
    (lambda: Dropout("half"), "p must be a real number"),
    (lambda: MSELoss(scale="1"), "scale must be a real number"),
    (lambda: mlp([2, 3.0, 1]), r"sizes\[1\] must be an integer"),
    (lambda: mlp(5), "sizes must be a list of layer widths"),
    (lambda: Linear.parameter_count(2, 3, bias=1), "bias must be True or False"),
])
def test_constructors_reject_wrong_types_naming_the_argument(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_forward_and_backward_reject_non_numeric_arrays_naming_them():
    layer = Linear(2, 1)
    with pytest.raises(TypeError, match="x must be a real number or an array of real numbers"):
        layer.forward([["a", "b"]])
    layer.forward(np.zeros((3, 2)))
    with pytest.raises(TypeError, match="grad_out must be a real number"):
        layer.backward(np.full((3, 1), "x"))
    with pytest.raises(TypeError, match="y_pred must be a real number"):
        MSELoss().forward("big", np.zeros(1))


def test_sequential_rejects_things_that_are_not_layers():
    with pytest.raises(TypeError, match=r"layers\[1\] must be a layer"):
        Sequential(Linear(2, 2), np.tanh)


def test_loss_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        MSELoss().forward(np.zeros((3, 1)), np.zeros(3))


def test_mlp_builds_linear_activation_stacks_with_matching_init():
    net = mlp([2, 16, 8, 1], activation="tanh", rng=0, dropout=0.2)
    assert [type(layer).__name__ for layer in net] == [
        "Linear", "Tanh", "Dropout", "Linear", "Tanh", "Dropout", "Linear"]
    assert [p.shape for p in net.parameters()] == [(2, 16), (16,), (16, 8), (8,), (8, 1), (1,)]
    assert not net[0].params["b"].any()                         # xavier: zero biases
    relu_net = mlp([50, 400, 1], rng=0)
    assert relu_net[0].params["W"].std() == pytest.approx(np.sqrt(2 / 50), rel=0.05)   # he
    np.testing.assert_array_equal(mlp([2, 3, 1], rng=4)[0].params["W"], mlp([2, 3, 1], rng=4)[0].params["W"])


@pytest.mark.parametrize("sizes, activation, message", [
    ([3], "relu", "at least an input and an output"),
    ([3, 1], "step", "activation must be one of"),
])
def test_mlp_rejects_bad_arguments(sizes, activation, message):
    with pytest.raises(ValueError, match=message):
        mlp(sizes, activation=activation)
