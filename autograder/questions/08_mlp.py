"""Questions of assignment 08_mlp: linear collapse, activations, an MLP from students' layers, dropout, sizes.

References are built from :mod:`coursekit.layers`, :mod:`coursekit.train` and
:mod:`coursekit.activations`. Where a question hands students' code some layers (``Sequential``,
``train``), the test cell builds the network from layers that no assignment asks for
(:class:`Scale`, :class:`Sine`, :class:`HalfSquaredError`, written out in the cell), so only the
student's own part is judged and the grading sandbox needs none of coursekit's layers.
``tests/test_course_08_mlp.py`` checks the references against closed forms, torch and
``coursekit.layers.Dropout``.

Two questions ask for numbers, and each student gets their own: how much a chain of six sigmoid
layers with the student's weights can multiply a gradient, and how many weights a dense layer has
from the student's image (height × width × 3 channels) to their number of units. The lecture's
200 × 200 image with as many units as inputs, 1.44 × 10¹⁰ weights (:data:`LECTURE`), is the
notebook's worked example. Both are predicted by hand, checked, then run in the notebook.

The capstone trains students' own layers and Adam (from their ``my_layers.py``, which the grading
sandbox receives with the notebook) and is judged like ``test_accuracy``: ``predict`` runs on points
and images the grader sends. For the regression the student's ``fit_and_predict_regression(X, y,
X_new)`` trains on noisy samples of a curve the grader draws afresh for every run and predicts new
points; the curve itself never reaches the kernel. The digits' test labels are absent from the
sandbox (:data:`WITHHELD_DATA`).
"""
from __future__ import annotations

import numpy as np

from autograder.questions import hidden_twin, question
from autograder.variants import Product

ASSIGNMENT = "08_mlp"

#: Course code absent from the grading sandbox (see :func:`autograder.withheld.withheld`): the
#: layers (Tanh, the container, dropout, BCE with logits), activations, losses and training. The tests
#: of Sequential and train build networks from layers no assignment asks for (:class:`Scale`,
#: :class:`Sine`, :class:`HalfSquaredError`, written out in the test cells).
WITHHELD = ("coursekit.layers", "coursekit.activations", "coursekit.losses", "coursekit.train",
            "coursekit.optim")

#: The lecture's dense layer on a 200 × 200 RGB image, with as many units as inputs.
LECTURE = {"height": 200, "width": 200, "units": 200 * 200 * 3}
#: A weight of the sigmoid chain: one decimal, 0.2 to 4 in size.
_CHAIN_WEIGHT = [round(0.1 * k, 1) for k in range(-40, 41) if abs(k) >= 2]


def pleasant(v) -> bool:
    """The rule of every drawn variant: the image layer is not the lecture's."""
    return (v["height"], v["width"], v["units"]) != (LECTURE["height"], LECTURE["width"], LECTURE["units"])


VARIANTS = {
    "space": {
        "seed": list(range(8)),
        "chain_weights": Product(*[_CHAIN_WEIGHT] * 6),
        "height": list(range(16, 257)),
        "width": list(range(16, 257)),
        "units": list(range(10, 1001, 10)),
    },
    "defaults": {"seed": 0, "chain_weights": (2.0, -0.5, 1.5, 3.0, -1.0, 0.8), "height": 64, "width": 48,
                 "units": 100},
    "accept": pleasant,
}


def _linear(W, b):
    from coursekit.layers import Linear

    return Linear.from_params(W, b)


class Scale:
    """y = x ⊙ s: one weight per feature (the test cells' layer; no assignment asks for it)."""

    def __init__(self, s):
        self.params = {"s": np.array(s, dtype=float)}
        self.grads = {"s": np.zeros_like(self.params["s"])}

    def forward(self, x):
        self.x = np.asarray(x, dtype=float)
        return self.x * self.params["s"]

    def backward(self, grad_out):
        self.grads["s"] = np.sum(grad_out * self.x, axis=0)
        return grad_out * self.params["s"]


class Sine:
    """y = sin x, elementwise (the test cells' nonlinearity)."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        self.x = np.asarray(x, dtype=float)
        return np.sin(self.x)

    def backward(self, grad_out):
        return grad_out * np.cos(self.x)


class HalfSquaredError:
    """ℓ = ½ Σ (z − y)² (the test cells' loss)."""

    def forward(self, z, y):
        self.diff = np.asarray(z, dtype=float) - np.asarray(y, dtype=float)
        return float(0.5 * np.sum(self.diff ** 2))

    def backward(self):
        return self.diff


class _Chain:
    """Layers applied in order (what a correct Sequential does), for the references below."""

    def __init__(self, *layers):
        self.layers = layers

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad):
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def parameters(self):
        return [p for layer in self.layers for p in layer.params.values()]

    def gradients(self):
        return [layer.grads[name] for layer in self.layers for name in layer.params]


def _fixture_net(s1, s2):
    """Scale → Sine → Scale: the network the test cells build."""
    return _Chain(Scale(s1), Sine(), Scale(s2))


# ---------------------------------------------------------------- 1. linear layers collapse

def reference_collapse(W1, b1, W2, b2):
    """(W, b) read off the two-layer linear network itself: b = f(0), rows of W = f(eᵢ) − f(0)."""
    from coursekit.layers import Sequential

    W1 = np.asarray(W1, dtype=float)
    net = Sequential(_linear(W1, b1), _linear(W2, b2))
    b = net.forward(np.zeros((1, W1.shape[0])))[0]
    return net.forward(np.eye(W1.shape[0])) - b, b


def _collapse_trials(rng, v, sizes=((4, 6, 2), (3, 3, 3), (2, 5, 1))):
    return [(rng.normal(size=(n, h)), rng.normal(size=h), rng.normal(size=(h, m)), rng.normal(size=m))
            for n, h, m in sizes]


def _collapse_forgot_b1(W1, b1, W2, b2):
    return np.asarray(W1) @ W2, np.asarray(b2, dtype=float)


@question(f"{ASSIGNMENT}.collapse", kind="function", points=2, rtol=1e-9, atol=1e-12,
          inputs=_collapse_trials, mistakes={"forgot_b1": lambda v: _collapse_forgot_b1},
          hints={"default": ("Substitute one layer into the other.",
                             "Substitute h = xW1 + b1 into y = hW2 + b2, multiply out, and collect the "
                             "terms with x and the terms without."),
                 "forgot_b1": "The first bias goes through the second layer too: it is multiplied by W2."})
def collapse(v):
    """Reference: :func:`reference_collapse`."""
    return reference_collapse


# ---------------------------------------------------------------- 2. activations

def _chain_factor(weights) -> float:
    """∏ |wᵢ| σ′(0): the largest factor of layers a ↦ σ(w a + b), with σ′(0) from coursekit.activations."""
    from coursekit.activations import sigmoid_grad

    return float(np.prod([abs(w) * sigmoid_grad(0.0) for w in weights]))


@question(f"{ASSIGNMENT}.sigmoid_chain", kind="number", points=1, rtol=1e-9, atol=0.0,
          mistakes={"one_layer": lambda v: _chain_factor(v["chain_weights"][:1]),
                    "without_weights": lambda v: _chain_factor([1.0] * len(v["chain_weights"]))},
          hints={"default": ("Where is σ′ largest, and how do the factors of several layers combine?",
                             "σ′ = σ(1 − σ) is largest where σ is one half; backpropagation multiplies "
                             "one factor w·σ′ per layer."),
                 "one_layer": "That is one layer; the factors of all the layers multiply.",
                 "without_weights": "Each layer's factor is w·σ′(a), not σ′(a) alone: include the weights."})
def sigmoid_chain(v):
    """The largest factor ∏ |wᵢ|/4 by which the student's chain of sigmoid layers multiplies a gradient."""
    return _chain_factor(v["chain_weights"])


def _activation_trials(rng, v, inputs=None):
    inputs = inputs or [rng.normal(size=(4, 3)) * 2, rng.normal(size=(1, 6))]
    return [{"init": {}, "params": {}, "x": x, "grad_out": rng.normal(size=x.shape)} for x in inputs]


def _tanh(v):
    from coursekit.layers import Tanh

    return Tanh


Tanh = question(f"{ASSIGNMENT}.Tanh", kind="layer", points=1, rtol=1e-9, atol=1e-15,
                inputs=_activation_trials,
                hints={"default": ("backward needs tanh′, which the forward output already gives.",
                                   "tanh′ = 1 − tanh², with tanh taken from the forward output.")})(_tanh)


# ---------------------------------------------------------------- 3. the MLP

def bce_value_and_gradient(z, y):
    """(ℓ, ∂ℓ/∂z) of :class:`coursekit.layers.BCEWithLogitsLoss`."""
    from coursekit.layers import BCEWithLogitsLoss

    loss = BCEWithLogitsLoss()
    value = loss.forward(z, y)
    return value, loss.backward()


def _bce_trials(rng, v):
    return [(rng.normal(size=(n, 1)) * 3, rng.integers(0, 2, size=(n, 1)).astype(float)) for n in (5, 12, 1)]


@question(f"{ASSIGNMENT}.BCEWithLogitsLoss", kind="function", points=1, rtol=1e-9, atol=1e-15,
          inputs=_bce_trials,
          hints={"default": ("Compute from the logits directly; the gradient is the simple one of the "
                             "markdown.",
                             "forward: the mean of softplus(z) − y·z with np.logaddexp for the softplus; "
                             "backward: (σ(z) − y)/N with N the number of entries.")})
def BCEWithLogitsLoss(v):
    """Reference: :func:`bce_value_and_gradient`."""
    return bce_value_and_gradient


def reference_sequential(x, grad_out, s1, s2):
    """What the test cell's adapter returns for a correct Sequential."""
    net = _fixture_net(s1, s2)
    y = net.forward(x)
    grad_in = net.backward(grad_out)
    return y, grad_in, [np.array(g) for g in net.gradients()]


def _network_trials(rng, v, sizes=((5, 2), (3, 3), (8, 1))):
    return [(rng.normal(size=(n, d)), rng.normal(size=(n, d)), rng.normal(size=d), rng.normal(size=d))
            for n, d in sizes]


@question(f"{ASSIGNMENT}.Sequential", kind="function", points=2, rtol=1e-9, atol=1e-12,
          inputs=_network_trials,
          hints={"default": ("forward first to last, backward last to first.",
                             "backward hands each layer's result to the layer before it; parameters() "
                             "and gradients() go layer by layer, in the order of each layer's params "
                             "dict.")})
def Sequential(v):
    """Reference: :func:`reference_sequential`."""
    return reference_sequential


def reference_train(X, y, s1, s2, lr, epochs):
    """Losses of full-batch gradient descent, each before its epoch's update."""
    net, loss, history = _fixture_net(s1, s2), HalfSquaredError(), []
    for _ in range(epochs):
        history.append(loss.forward(net.forward(X), y))
        net.backward(loss.backward())
        for param, grad in zip(net.parameters(), net.gradients()):
            param -= lr * grad
    return np.array(history)


def _train_trials(rng, v, cases=((20, 2, 0.02, 10), (8, 3, 0.05, 5))):
    trials = []
    for n, d, lr, epochs in cases:
        X = rng.normal(size=(n, d))
        y = np.sin(X[:, ::-1])  # targets the network can approach
        trials.append((X, y, rng.normal(size=d), rng.normal(size=d), lr, epochs))
    return trials


def _train_loss_after_update(X, y, s1, s2, lr, epochs):
    return reference_train(X, y, s1, s2, lr, epochs + 1)[1:]


@question(f"{ASSIGNMENT}.train", kind="function", points=2, rtol=1e-9, atol=1e-12,
          inputs=_train_trials, mistakes={"loss_after_update": lambda v: _train_loss_after_update},
          hints={"default": ("Per epoch: forward, loss, backward, update; record the loss.",
                             "Per epoch: the loss of the model's output, backward from the loss through "
                             "the model, then every parameter moves by −lr times its gradient, in place "
                             "(pair model.parameters() with model.gradients())."),
                 "loss_after_update": "Record the loss computed before the update of that epoch."})
def train(v):
    """Reference: :func:`reference_train`."""
    return reference_train


#: The notebook's data sets: name -> noise of coursekit.data's generator (400 points each).
DATASETS = {"circles": 0.1, "xor": 0.1, "moons": 0.15}
#: Fresh points per data set on which the grader measures a student's classifier.
HIDDEN_POINTS = 300
MIN_ACCURACY = 0.9


def _hidden_sets(rng, v):
    """(name, X, y) per data set: new points from the notebook's sources, drawn with ``rng``."""
    from coursekit import data

    return [(name, *getattr(data, name)(HIDDEN_POINTS, noise=noise, rng=int(rng.integers(2**31))))
            for name, noise in DATASETS.items()]


def _accuracy_trials(rng, v):
    """Hidden inputs (name, X): the points only; their labels stay with the grader."""
    return [(name, X) for name, X, _ in _hidden_sets(rng, v)]


def _score_accuracy(q, outputs, v, seed):
    """One part per data set: the accuracy of the predicted classes on its hidden points, ≥ 0.9 passes."""
    from autograder.predictions import accuracy_part

    return [accuracy_part(q, predicted, y, MIN_ACCURACY, name=name, classes="one class (0 or 1)", binary=True)
            for (name, _points, y), predicted in zip(_hidden_sets(np.random.default_rng(seed), v), outputs)]


def reference_predictor(seed: int):
    """``predict(name, X)`` of coursekit MLPs trained on the training halves of the notebook's data."""
    from coursekit import data, layers, optim, train

    models = {}
    for i, (name, noise) in enumerate(DATASETS.items()):
        X, y = getattr(data, name)(400, noise=noise, rng=seed)
        half = len(X) // 2
        net = layers.mlp([2, 16, 16, 1], activation="tanh", rng=i)
        train.fit(net, layers.BCEWithLogitsLoss(), optim.Adam(net.parameters(), lr=0.02), X[:half],
                  np.asarray(y[:half], dtype=float).reshape(-1, 1), epochs=300, batch_size=None, rng=i)
        models[name] = net

    def predict(name, X):
        return (models[name].forward(np.asarray(X, dtype=float)) > 0).astype(int).reshape(-1)
    return predict


@question(f"{ASSIGNMENT}.test_accuracy", kind="function", points=2, inputs=_accuracy_trials,
          score=_score_accuracy,
          hints={"default": ("Look at your decision boundaries: where do they leave the data?",
                             "Aim for at least 0.9 on new points of every data set: more hidden units, a "
                             "nonlinearity between the layers, a larger learning rate or more epochs; "
                             "predict must return the class (0 or 1) of every row of X."),
                 "wrong_shape": "predict(name, X) returns one class, 0 or 1, per row of X."})
def test_accuracy(v):
    """A full-marks answer: coursekit MLPs trained on the student's data (graded by accuracy, not by it)."""
    return reference_predictor(v["seed"])


# ---------------------------------------------------------------- 5. dropout

def reference_dropout(x, grad_out, keep, p):
    """Inverted dropout with a given mask: x ⊙ m/(1 − p) and grad_out ⊙ m/(1 − p)."""
    scale = np.asarray(keep, dtype=float) / (1.0 - p)
    return np.asarray(x, dtype=float) * scale, np.asarray(grad_out, dtype=float) * scale


def _dropout_trials(rng, v, shapes=((4, 5), (10,), (2, 3))):
    trials = []
    for shape in shapes:
        p = float(rng.uniform(0.1, 0.8))
        trials.append((rng.normal(size=shape), rng.normal(size=shape), rng.random(shape) >= p, p))
    return trials


def _dropout_unscaled(x, grad_out, keep, p):
    keep = np.asarray(keep, dtype=float)
    return np.asarray(x) * keep, np.asarray(grad_out) * keep


@question(f"{ASSIGNMENT}.dropout", kind="function", points=1, rtol=1e-12,
          inputs=_dropout_trials, mistakes={"unscaled": lambda v: _dropout_unscaled},
          hints={"default": ("The mask acts the same way on the way forward and on the way back.",
                             "Both the output and the input gradient are the mask times 1/(1 − p), "
                             "entry by entry."),
                 "unscaled": "Divide the kept values by 1 − p (inverted dropout), so that the expected "
                             "output equals the input."})
def dropout(v):
    """Reference: :func:`reference_dropout`."""
    return reference_dropout


# ---------------------------------------------------------------- 6. counting parameters

def reference_count_parameters(sizes):
    """Number of entries of every parameter of a coursekit MLP with these widths."""
    from coursekit.layers import Linear, Sequential

    sizes = [int(s) for s in sizes]
    net = Sequential(*(Linear(n, m) for n, m in zip(sizes[:-1], sizes[1:])))
    return int(sum(p.size for p in net.parameters()))


def _count_weights_only(sizes):
    sizes = [int(s) for s in sizes]
    return int(sum(n * m for n, m in zip(sizes[:-1], sizes[1:])))


def _count_trials(rng, v):
    return [([int(s) for s in rng.integers(1, 60, size=k)],) for k in (2, 3, 4, 5)]


@question(f"{ASSIGNMENT}.count_parameters", kind="function", points=1, rtol=0.0, atol=0.0,
          inputs=_count_trials, mistakes={"weights_only": lambda v: _count_weights_only},
          hints={"default": ("Count layer by layer: weights and biases.",
                             "Each pair of consecutive widths (n, m) contributes n·m weights and m "
                             "biases."),
                 "weights_only": "Count the biases too: m per layer."})
def count_parameters(v):
    """Reference: :func:`reference_count_parameters`."""
    return reference_count_parameters


def _image_inputs(v) -> int:
    return 3 * v["height"] * v["width"]


@question(f"{ASSIGNMENT}.image_weights", kind="number", points=1, rtol=1e-12, atol=0.0,
          mistakes={"one_channel": lambda v: float(v["height"] * v["width"] * v["units"]),
                    "with_biases": lambda v: float(_image_inputs(v) * v["units"] + v["units"])},
          hints={"default": ("Count the inputs first, then the weights of the layer.",
                             "A dense layer from n inputs to m units has n·m weights (section 6); each "
                             "pixel gives three inputs."),
                 "one_channel": "An RGB pixel is three numbers: n = height · width · 3.",
                 "with_biases": "Only the weights, not the biases."})
def image_weights(v):
    """(3 · height · width) · units weights; 1.44 × 10¹⁰ for the lecture's 200 × 200 image."""
    return float(_image_inputs(v) * v["units"])


# ---------------------------------------------------------------- 7. the capstone

def reference_softmax_cross_entropy(z, y):
    """(ℓ, ∂ℓ/∂z) of the mean softmax cross-entropy of logits z (N, K) against integer classes y (N,)."""
    z = np.asarray(z, dtype=float)
    y = np.asarray(y).astype(int).reshape(-1)
    log_p = z - z.max(axis=1, keepdims=True)
    log_p = log_p - np.log(np.sum(np.exp(log_p), axis=1, keepdims=True))
    rows = np.arange(len(z))
    grad = np.exp(log_p)
    grad[rows, y] -= 1.0
    return float(-np.mean(log_p[rows, y])), grad / len(z)


def _softmax_trials(rng, v, shapes=((6, 10), (3, 4), (1, 10))):
    return [(rng.normal(size=(n, k)) * 3, rng.integers(0, k, size=n)) for n, k in shapes]


def _softmax_summed(z, y):
    value, grad = reference_softmax_cross_entropy(z, y)
    return value * len(np.asarray(z)), grad * len(np.asarray(z))


@question(f"{ASSIGNMENT}.softmax_cross_entropy", kind="function", points=2, rtol=1e-9, atol=1e-12,
          inputs=_softmax_trials, mistakes={"summed": lambda v: _softmax_summed},
          hints={"default": ("Work with log-probabilities: the gradient has the same simple form as "
                             "the binary one.",
                             "forward: the mean over rows of −log softmax(z) at the true class, with the "
                             "row maximum subtracted before exponentiating; backward: (softmax(z) − "
                             "one-hot(y)) / N."),
                 "summed": "Average over the N rows, in the value and in the gradient."})
def softmax_cross_entropy(v):
    """Reference: :func:`reference_softmax_cross_entropy`."""
    return reference_softmax_cross_entropy


#: The regression the grader sets: noisy samples of a curve it draws afresh, the new points to
#: predict, and the largest mean squared error from the noise-free curve that passes (the noise has
#: variance 0.01; every curve drawn varies by at least MIN_CURVE_VARIANCE, so a constant fails).
REGRESSION_SAMPLES, REGRESSION_NOISE, REGRESSION_POINTS = 200, 0.1, 300
MAX_REGRESSION_MSE, MIN_CURVE_VARIANCE = 0.03, 0.3
#: The digits split of the notebook (the rest are the training and validation images), the hidden
#: images the grader sends, and the least accuracy that passes (ten classes: guessing gives 0.1).
DIGITS_TEST, DIGITS_HIDDEN, MIN_DIGITS_ACCURACY = 400, 300, 0.9


#: The seed of the test rows, the same for every student: their labels never reach the sandbox.
DIGITS_TEST_SEED = 1797


def digits_split(seed: int):
    """Indices (train, validation, test) of the digits for the notebook's ``P["seed"]``.

    The ``DIGITS_TEST`` test rows are the same for everyone (the grading sandbox holds no label of
    theirs, see :func:`_without_test_labels`); the student's seed shuffles the other rows into
    1,000 training and 397 validation images.
    """
    test = np.random.default_rng(DIGITS_TEST_SEED).permutation(1797)[-DIGITS_TEST:]
    order = np.random.default_rng(seed).permutation(np.setdiff1d(np.arange(1797), test))
    return order[:1000], order[1000:], test


def _without_test_labels(path) -> None:
    """Rewrite the sandbox's copy of the digits (``path``, a gzipped CSV whose last column is the
    label) with the label of every test row replaced by −1: the images stay, the answers do not."""
    import gzip

    with gzip.open(path, "rt") as stream:
        table = np.loadtxt(stream, delimiter=",", dtype=np.int64)
    table[digits_split(0)[2], -1] = -1
    with gzip.open(path, "wt") as stream:
        np.savetxt(stream, table, delimiter=",", fmt="%d")


#: Data files of coursekit that the grading sandbox gets rewritten (see
#: :func:`autograder.withheld.withheld_data`): the digits without their test rows' labels, so that
#: the grader's held-back images cannot be looked up in the data the kernel can read.
WITHHELD_DATA = {"datasets/digits.csv.gz": _without_test_labels}


def _regression_case(rng):
    """``(curve, X, y, X_new)``: a curve of lecture 003's family (:func:`coursekit.data.sigmoid_curve`
    of a 62-bit id drawn from ``rng``, redrawn until it varies enough on [−3, 3]), 200 noisy samples
    of it (X shape (200, 1), y shape (200, 1)) and 300 new points X_new ~ U(−3, 3), shape (300, 1)."""
    from coursekit.data import sigmoid_curve, sigmoid_regression

    grid = np.linspace(-3.0, 3.0, 601)
    curve = int(rng.integers(2 ** 62))
    while np.var(sigmoid_curve(grid, curve)) < MIN_CURVE_VARIANCE:
        curve = int(rng.integers(2 ** 62))
    X, y = sigmoid_regression(REGRESSION_SAMPLES, noise=REGRESSION_NOISE, rng=rng, target=curve)
    return curve, X, y.reshape(-1, 1), rng.uniform(-3.0, 3.0, (REGRESSION_POINTS, 1))


def _regression_trials(rng, v):
    """The kernel's one case ``(X, y, X_new)``: data and new points, never the curve, which the grader
    draws afresh for every run (it cannot be computed from anything in the sandbox)."""
    _, X, y, X_new = _regression_case(rng)
    return [(X, y, X_new)]


def _hidden_digits(rng, v):
    from coursekit import data

    X, y = data.load_digits()
    chosen = rng.permutation(digits_split(v["seed"])[2])[:DIGITS_HIDDEN]
    return X[chosen], y[chosen]


def _digits_trials(rng, v):
    """Test images of the student's split, in a fresh order; their labels stay with the grader."""
    return [(_hidden_digits(rng, v)[0],)]


def _score_regression(q, outputs, v, seed):
    """One part: the mean squared error from the grader's noise-free curve at the new points."""
    from autograder.predictions import mse_part
    from coursekit.data import sigmoid_curve

    curve, _, _, X_new = _regression_case(np.random.default_rng(seed))
    return [mse_part(q, outputs[0] if outputs else None, sigmoid_curve(X_new[:, 0], curve),
                     MAX_REGRESSION_MSE)]


def _score_digits(q, outputs, v, seed):
    """One part: the accuracy of the predicted digits on the grader's test images."""
    from autograder.predictions import accuracy_part

    _, labels = _hidden_digits(np.random.default_rng(seed), v)
    return [accuracy_part(q, outputs[0] if outputs else None, labels, MIN_DIGITS_ACCURACY,
                          classes="one digit", of="test images")]


def reference_fit_and_predict(X, y, X_new):
    """Values at ``X_new`` (shape (N, 1)) of 41 sigmoid units with fixed steps on [−4, 4] whose output
    layer is solved by ridge regression on ``(X, y)``: a full-marks answer that needs none of the
    withheld code."""
    steps = np.linspace(-4.0, 4.0, 41)

    def features(x):
        h = 1 / (1 + np.exp(-4.0 * (np.asarray(x, dtype=float).reshape(-1, 1) - steps)))
        return np.column_stack([h, np.ones(len(h))])

    A = features(X)
    w2 = np.linalg.solve(A.T @ A + 1e-2 * np.eye(A.shape[1]), A.T @ np.asarray(y, dtype=float).reshape(-1))
    return features(X_new) @ w2


def reference_digits_predictor(seed: int):
    """``predict(X)`` of the nearest training or validation image (one nearest neighbour): a
    full-marks answer that needs none of the withheld layers."""
    from coursekit import data

    X, y = data.load_digits()
    seen = np.concatenate(digits_split(seed)[:2])
    known, classes = X[seen], y[seen]

    def predict(images):
        images = np.asarray(images, dtype=float)
        distances = (images ** 2).sum(1)[:, None] - 2 * images @ known.T + (known ** 2).sum(1)
        return classes[np.argmin(distances, axis=1)]
    return predict


@question(f"{ASSIGNMENT}.capstone_regression", kind="function", points=3, inputs=_regression_trials,
          score=_score_regression,
          hints={"default": ("Plot your fit over the data: where does it leave the curve?",
                             "Aim for a curve through the middle of the noisy points everywhere on "
                             "[−3, 3]: enough sigmoid units, a learning rate that lowers the validation "
                             "loss, and the weights of the best validation epoch; return one number per "
                             "row of X_new."),
                 "wrong_shape": "Return one number per row of X_new (an array of N numbers)."})
def capstone_regression(v):
    """A full-marks answer (graded by its error on the grader's curve, not against it)."""
    return reference_fit_and_predict


@question(f"{ASSIGNMENT}.capstone_digits", kind="function", points=3, inputs=_digits_trials,
          score=_score_digits,
          hints={"default": ("Look at the validation accuracy during training: does it still rise, or "
                             "did it stop early?",
                             "Aim for at least 0.9 on test images: scale the pixels to [0, 1], a hidden "
                             "layer of a few dozen units, Adam with a learning rate near 1e-3, mini-"
                             "batches and early stopping on the validation images; predict returns the "
                             "digit (0 to 9) of every row of X."),
                 "wrong_shape": "predict(X) returns one digit, 0 to 9, per row of X."})
def capstone_digits(v):
    """A full-marks answer (graded by its accuracy on the grader's images, not against it)."""
    return reference_digits_predictor(v["seed"])


# ---------------------------------------------------------------- hidden edge cases (hidden test regions)

hidden_twin(f"{ASSIGNMENT}.collapse", rtol=1e-9, atol=1e-12,
         inputs=lambda rng, v: _collapse_trials(rng, v, sizes=((1, 1, 1), (6, 1, 4), (1, 7, 2))),
         hints={"default": ("Try one input, a hidden layer of width one and one output.",
                            "Keep the 2-D shapes of the weights and the 1-D shape of the bias however "
                            "narrow the layers are.")})
hidden_twin(f"{ASSIGNMENT}.Tanh", rtol=1e-9, atol=1e-15,
         inputs=lambda rng, v: _activation_trials(rng, v, [np.array([[-800.0, -20.0, 0.0, 20.0, 800.0]])]),
         hints={"default": ("Try inputs of several hundred, positive and negative.",
                            "np.tanh saturates without overflow; compute the derivative from its output.")})
hidden_twin(f"{ASSIGNMENT}.BCEWithLogitsLoss", rtol=1e-9, atol=1e-15,
         inputs=lambda rng, v: [(np.array([[1000.0], [-1000.0], [0.0]]), np.array([[0.0], [1.0], [1.0]])),
                                (rng.normal(size=6), rng.uniform(0, 1, size=6))],
         hints={"default": ("Try logits of a thousand, soft targets and 1-D arrays.",
                            "Compute the softplus with np.logaddexp so that huge logits stay finite; "
                            "nothing may assume 0/1 targets or 2-D arrays.")})
hidden_twin(f"{ASSIGNMENT}.Sequential", rtol=1e-9, atol=1e-12,
         inputs=lambda rng, v: _network_trials(rng, v, sizes=((1, 1), (30, 4))),
         hints={"default": ("Try a single example and wider layers.",
                            "Nothing in Sequential may depend on the batch size or the widths.")})
hidden_twin(f"{ASSIGNMENT}.train", rtol=1e-9, atol=1e-12,
         inputs=lambda rng, v: _train_trials(rng, v, cases=((6, 2, 0.1, 1), (10, 2, 0.0, 3), (4, 1, 0.3, 4))),
         hints={"default": ("Try one epoch, a zero learning rate and a large one.",
                            "Record each loss before that epoch's update; update the parameters in place.")})
hidden_twin(f"{ASSIGNMENT}.dropout", rtol=1e-12,
         inputs=lambda rng, v: [(rng.normal(size=5), rng.normal(size=5), np.zeros(5, dtype=bool), 0.5),
                                (rng.normal(size=(2, 2)), rng.normal(size=(2, 2)), np.ones((2, 2), dtype=bool), 0.0),
                                (rng.normal(size=3), rng.normal(size=3), np.array([1, 0, 1]), 0.25)],
         hints={"default": ("Try a mask that drops everything, p = 0 and an integer mask.",
                            "Convert the mask to floats before scaling; p = 0 keeps every unit unscaled.")})
hidden_twin(f"{ASSIGNMENT}.count_parameters", rtol=0.0, atol=0.0,
         inputs=lambda rng, v: [([1, 1],), ((784, 256, 128, 10),), (np.array([3, 1, 3]),)],
         hints={"default": ("Try a list, a tuple and an array of widths, and the smallest network.",
                            "Count with Python integers (or int64): wide layers overflow small integer "
                            "types.")})
hidden_twin(f"{ASSIGNMENT}.softmax_cross_entropy", rtol=1e-9, atol=1e-12,
            inputs=lambda rng, v: [(np.array([[1000.0, -1000.0, 0.0], [-1000.0, 0.0, 1000.0]]),
                                    np.array([1, 2])),
                                   (rng.normal(size=(5, 2)), rng.integers(0, 2, size=5).astype(float))],
            hints={"default": ("Try logits of a thousand and labels given as floats.",
                               "Subtract each row's largest logit before exponentiating, and turn the "
                               "labels into integers before indexing with them.")})
