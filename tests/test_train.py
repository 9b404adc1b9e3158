"""coursekit.train: the loop does the lecture's arithmetic, learns the course's data sets,
penalises and stops early as documented."""
import numpy as np
import pytest

from coursekit import data
from coursekit.layers import (
    BCEWithLogitsLoss,
    Dropout,
    Linear,
    MSELoss,
    Sequential,
    SoftmaxCrossEntropyLoss,
    Tanh,
    mlp,
)
from coursekit.linear import fit_gd, ridge
from coursekit.model_selection import holdout_split
from coursekit.optim import SGD, Adam
from coursekit.train import History, accuracy, classify, fit, predict


def _regression(seed=0, n=40, d=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, X @ rng.normal(size=d) + 0.5 + 0.1 * rng.normal(size=n)


def test_fit_does_the_same_arithmetic_as_a_hand_written_minibatch_loop():
    X, y = _regression(1, n=23)
    net = Sequential(Linear(3, 5, rng=1), Tanh(), Linear(5, 1, rng=2))
    W1, b1, W2, b2 = [p.copy() for p in net.parameters()]
    lr, mu, batch = 0.05, 0.9, 5
    fit(net, MSELoss(), SGD(net.parameters(), lr=lr, momentum=mu), X, y, epochs=4,
        batch_size=batch, rng=3)

    params, buffers = [W1, b1, W2, b2], [None] * 4
    rng = np.random.default_rng(3)
    for _ in range(4):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch):
            xb, yb = X[order[start:start + batch]], y[order[start:start + batch], None]
            h = np.tanh(xb @ W1 + b1)
            out = h @ W2 + b2
            d_out = 2 * (out - yb) / out.size
            d_z = (d_out @ W2.T) * (1 - h**2)
            grads = [xb.T @ d_z, d_z.sum(0), h.T @ d_out, d_out.sum(0)]
            for i, g in enumerate(grads):
                buffers[i] = g if buffers[i] is None else mu * buffers[i] + g
                params[i] -= lr * buffers[i]
    for ours, expected in zip(net.parameters(), params):
        np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-14)


def test_full_batch_fit_of_a_linear_layer_is_gradient_descent_on_the_mse():
    X, y = _regression(2)
    layer = Linear(3, 1, rng=0)
    w0 = np.r_[layer.params["b"], layer.params["W"][:, 0]]
    history = fit(layer, MSELoss(), SGD(layer.parameters(), lr=0.1), X, y, epochs=30,
                  batch_size=None, rng=0)
    expected = fit_gd(np.c_[np.ones(len(X)), X], y, lr=0.1, steps=30, w0=w0)[-1]
    np.testing.assert_allclose(np.r_[layer.params["b"], layer.params["W"][:, 0]], expected,
                               rtol=1e-12)
    assert history.epochs == 30 and history.val_loss == [] and history.best_epoch is None


@pytest.mark.parametrize("name", ["circles", "xor"])
def test_mlp_with_course_defaults_separates_held_out_points(name):
    """ReLU MLP 2-16-16-1 (He init), BCE on logits, Adam lr 1e-2, batches of 32."""
    X, y = getattr(data, name)(400, rng=1)
    X_train, X_val, y_train, y_val = holdout_split(X, y, 0.25, rng=1)
    model = mlp([2, 16, 16, 1], rng=1)
    history = fit(model, BCEWithLogitsLoss(), Adam(model.parameters(), lr=1e-2), X_train, y_train,
                  epochs=50, batch_size=32, rng=1)
    assert accuracy(model, X_val, y_val) >= 0.95
    assert history.train_loss[-1] < 0.1 * history.train_loss[0]


def test_softmax_network_learns_three_classes_from_integer_labels():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    labels = rng.integers(0, 3, 300)
    X = centres[labels] + 0.5 * rng.normal(size=(300, 2))
    model = mlp([2, 8, 3], rng=0)
    fit(model, SoftmaxCrossEntropyLoss(), Adam(model.parameters(), lr=1e-2), X[:200], labels[:200],
        epochs=30, batch_size=32, rng=0)
    assert accuracy(model, X[200:], labels[200:]) >= 0.95
    assert accuracy(model, X[200:], np.eye(3)[labels[200:]]) == accuracy(model, X[200:], labels[200:])


def test_l2_penalty_on_centred_data_converges_to_ridge():
    """(1/ℓ)‖Xw + b − y‖² + λ‖w‖²: the bias is not penalised and is 0 for centred data."""
    X, y = _regression(3)
    X, y = X - X.mean(0), y - y.mean()
    layer = Linear(3, 1, rng=0)
    fit(layer, MSELoss(), SGD(layer.parameters(), lr=0.1), X, y, epochs=3000, batch_size=None, l2=0.2)
    np.testing.assert_allclose(layer.params["W"][:, 0], ridge(X, y, 0.2), atol=1e-9)
    assert abs(layer.params["b"][0]) < 1e-9


def test_l2_penalty_is_half_of_sgd_weight_decay_on_the_weights():
    X, y = _regression(4)
    a, b = Linear(3, 1, rng=0), Linear(3, 1, rng=0)
    fit(a, MSELoss(), SGD(a.parameters(), lr=0.05), X, y, epochs=5, batch_size=8, rng=1, l2=0.15)
    decayed = SGD([b.params["W"]], lr=0.05, weight_decay=0.3)     # decay only the weights
    plain = SGD([b.params["b"]], lr=0.05)

    class Both:
        params = [b.params["W"], b.params["b"]]

        def step(self, grads):
            decayed.step(grads[:1])
            plain.step(grads[1:])

    fit(b, MSELoss(), Both(), X, y, epochs=5, batch_size=8, rng=1)
    np.testing.assert_allclose(a.params["W"], b.params["W"], rtol=1e-12)
    np.testing.assert_allclose(a.params["b"], b.params["b"], rtol=1e-12)


def test_l1_penalty_drives_irrelevant_weights_towards_zero():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 6))
    y = 3 * X[:, 0] - 2 * X[:, 3] + 0.1 * rng.normal(size=200)
    plain, sparse = Linear(6, 1, rng=0), Linear(6, 1, rng=0)
    for layer, l1 in ((plain, 0.0), (sparse, 0.2)):
        fit(layer, MSELoss(), SGD(layer.parameters(), lr=0.01), X, y, epochs=200, batch_size=None, l1=l1)
    irrelevant = [1, 2, 4, 5]
    assert np.abs(sparse.params["W"][irrelevant]).max() < 0.01
    assert np.abs(sparse.params["W"][[0, 3], 0]).min() > 1.5
    assert np.abs(sparse.params["W"]).sum() < np.abs(plain.params["W"]).sum()


def test_early_stopping_restores_the_best_weights():
    X, y = _regression(6)
    model = Linear(3, 1, rng=0)
    # a validation set with the opposite relation: training makes it worse after a while
    history = fit(model, MSELoss(), SGD(model.parameters(), lr=0.02), X, y, epochs=500,
                  batch_size=10, X_val=X, y_val=-y, patience=4)
    assert history.stopped_early
    assert history.epochs == history.best_epoch + 4 + 1
    assert history.best_val_loss == min(history.val_loss)
    restored = MSELoss().forward(predict(model, X), -y[:, None])
    assert restored == pytest.approx(history.best_val_loss, rel=1e-12)
    assert restored < history.val_loss[-1]


def test_validation_without_patience_records_losses_and_keeps_the_last_weights():
    X, y = _regression(7)
    X_train, X_val, y_train, y_val = holdout_split(X, y, 0.25, rng=0)
    model = Linear(3, 1, rng=0)
    history = fit(model, MSELoss(), SGD(model.parameters(), lr=0.05), X_train, y_train, epochs=20,
                  batch_size=10, X_val=X_val, y_val=y_val)
    assert len(history.val_loss) == 20 and not history.stopped_early
    final = MSELoss().forward(predict(model, X_val), y_val[:, None])
    assert final == pytest.approx(history.val_loss[-1], rel=1e-12)


def test_model_is_left_in_eval_mode_and_predict_restores_the_mode():
    X, y = _regression(8)
    model = Sequential(Linear(3, 4), Dropout(0.5), Linear(4, 1))
    fit(model, MSELoss(), SGD(model.parameters(), lr=0.01), X, y, epochs=2)
    assert not model.training and not model[1].training
    model.train()
    np.testing.assert_array_equal(predict(model, X), predict(model, X))   # dropout off
    assert model.training and model[1].training


def test_callback_sees_every_epoch_and_can_stop_training():
    X, y = _regression(9)
    model = Linear(3, 1)
    seen = []
    history = fit(model, MSELoss(), SGD(model.parameters(), lr=0.01), X, y, epochs=10,
                  callback=lambda epoch, h: seen.append((epoch, h.epochs)) or epoch == 2)
    assert seen == [(0, 1), (1, 2), (2, 3)]
    assert history.epochs == 3


def test_diverging_training_stops_with_a_warning():
    X, y = _regression(10)
    model = Linear(3, 1)
    with pytest.warns(RuntimeWarning, match="learning rate"), np.errstate(over="ignore", invalid="ignore"):
        history = fit(model, MSELoss(), SGD(model.parameters(), lr=50.0), X, y, epochs=200,
                      batch_size=None)
    assert history.diverged and history.epochs < 200


def test_classify_thresholds_one_column_and_argmaxes_several():
    np.testing.assert_array_equal(classify(np.array([[-0.1], [0.3]])), [0, 1])
    np.testing.assert_array_equal(classify(np.array([0.4, 0.6]), threshold=0.5), [0, 1])
    np.testing.assert_array_equal(classify(np.array([[1.0, 3.0, 2.0], [5.0, 0.0, 0.0]])), [1, 0])


def test_history_reports_best_epoch():
    history = History(train_loss=[3.0, 2.0, 1.0], val_loss=[2.0, 1.5, 1.7], best_epoch=1)
    assert history.epochs == 3 and history.best_val_loss == 1.5


@pytest.mark.parametrize("kwargs, error, message", [
    ({"epochs": 0}, ValueError, "epochs must be a positive integer"),
    ({"batch_size": 0}, ValueError, "batch_size must be a positive integer"),
    ({"l2": -1.0}, ValueError, "l2 must be a finite number >= 0, got -1.0"),
    ({"l1": float("nan")}, ValueError, "l1 must not be NaN"),
    ({"patience": 0, "X_val": np.zeros((2, 3)), "y_val": np.zeros(2)}, ValueError,
     "patience must be a positive integer"),
    ({"rng": -1}, ValueError, "rng must be a non-negative seed"),
    ({"patience": 3}, ValueError, "needs a validation set"),
    ({"X_val": np.zeros((2, 3))}, ValueError, "pass both X_val and y_val"),
    ({"X_val": np.zeros((2, 3)), "y_val": np.zeros(3)}, ValueError, "X_val has 2 samples but y_val has 3"),
    ({"y": np.zeros(5)}, ValueError, "X has 40 samples but y has 5"),
    ({"X": np.zeros(40)}, ValueError, "X must be 2-D"),
    ({"epochs": 2.0}, TypeError, "epochs must be an integer, got float 2.0"),
    ({"batch_size": "32"}, TypeError, "batch_size must be an integer"),
    ({"l1": "0.1"}, TypeError, "l1 must be a real number"),
    ({"shuffle": "no"}, TypeError, "shuffle must be True or False"),
    ({"X": [["a", "b", "c"]] * 40}, TypeError, "X must be a real number or an array of real numbers"),
    ({"y": np.array(["yes"] * 40)}, TypeError, "y must hold real numbers or integer labels"),
])
def test_fit_rejects_bad_arguments_naming_them(kwargs, error, message):
    X, y = _regression(11)
    model = Linear(3, 1)
    arguments = {"X": X, "y": y, "epochs": 2, **kwargs}
    with pytest.raises(error, match=message):
        fit(model, MSELoss(), SGD(model.parameters()), **arguments)


def test_classify_rejects_outputs_that_are_not_scores():
    with pytest.raises(ValueError, match=r"output must have shape \(n,\), \(n, 1\) or \(n, K\)"):
        classify(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="threshold must be a real number"):
        classify(np.zeros(3), threshold="half")


def test_fit_rejects_an_optimizer_built_on_other_arrays():
    X, y = _regression(12)
    with pytest.raises(ValueError, match="not this model's parameters"):
        fit(Linear(3, 1), MSELoss(), SGD(Linear(3, 1).parameters()), X, y, epochs=1)


def test_fit_rejects_something_that_is_not_an_optimizer():
    X, y = _regression(13)
    with pytest.raises(TypeError, match="optimizer must have .params and .step"):
        fit(Linear(3, 1), MSELoss(), "adam", X, y, epochs=1)
