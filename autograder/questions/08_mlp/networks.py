"""08_mlp, sections 1–6: linear collapse, activations, the MLP from the student's layers, circles,
XOR and moons, dropout, counting parameters.

References are built from :mod:`coursekit.layers`, :mod:`coursekit.train` and
:mod:`coursekit.activations` (absent from the grading sandbox, see the package's ``WITHHELD``).
"""
from __future__ import annotations

import numpy as np

from autograder.questions import hidden_twin, question

from .fixtures import HalfSquaredError, fixture_net, linear

ASSIGNMENT = __name__.split(".")[2]   # "08_mlp", the assignment of this answer-key package

# ---------------------------------------------------------------- 1. linear layers collapse

def reference_collapse(W1, b1, W2, b2):
    """(W, b) read off the two-layer linear network itself: b = f(0), rows of W = f(eᵢ) − f(0)."""
    from coursekit.layers import Sequential

    W1 = np.asarray(W1, dtype=float)
    net = Sequential(linear(W1, b1), linear(W2, b2))
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
    net = fixture_net(s1, s2)
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
    net, loss, history = fixture_net(s1, s2), HalfSquaredError(), []
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
