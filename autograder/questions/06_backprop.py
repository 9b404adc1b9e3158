"""Questions of assignment 06_backprop: the chain rule by hand, layers with forward/backward, Jacobians.

Every reference is computed with :mod:`coursekit.layers` (the lecture's modular approach), so the
numbers the lecture works out by hand (the simplest-NN table, the Linear → ReLU → Linear → MSE
example, :data:`LECTURE`) come out of the same code students are compared with; the notebook shows
them as worked examples. Each student redoes them with their own numbers: the simplest network's
x, y, w, b and η; the worked example's weights and (x, y), small integers like the lecture's; the
deeper network's second layer v₁, v₂ and its target class. :func:`pleasant` is the rule every drawn
variant satisfies. ``tests/test_course_06_backprop.py`` checks the references against the lecture's
numbers, finite differences and torch.
"""
from __future__ import annotations

import numpy as np

from autograder.questions import hidden_twin, question
from autograder.variants import has_decimals, is_short

ASSIGNMENT = "06_backprop"

#: Course code absent from the grading sandbox (see :func:`autograder.withheld.withheld`):
#: the layers, the MSE loss and the backprop derivatives.
WITHHELD = ("coursekit.layers", "coursekit.activations", "coursekit.losses", "coursekit.train")

#: The lecture's numbers, the notebook's worked examples.
LECTURE = {"x": 1.0, "y": 3.0, "w": 0.1, "b": 1.0, "lr": 0.2,
           "example_x": 3, "example_y": -12, "w1": 5, "b1": 0, "w2": -1, "b2": 1}
#: Most decimals an entry of the student's table may have (the lecture's L = 0.233928 has six).
DECIMALS = 8
#: Largest hidden value w₁x + b₁ of the worked example (the lecture's is 15), so every number stays
#: a small integer (below 1000).
LARGEST_HIDDEN = 20


#: (x, η) drawn together: each step multiplies the residual h − y by 1 − η(x² + 1), a factor of one
#: decimal between 0.2 and 0.8 (it converges, neither in one step nor hardly at all), with a short η.
INPUTS_AND_RATES = [(x, lr) for x in (-3.0, -2.0, -1.0, 1.0, 2.0, 3.0)
                    for lr in (round(0.1 * k / (x * x + 1), 6) for k in range(2, 9))
                    if is_short(lr)]


def _table_by_hand(v):
    """The simplest network's table, in plain arithmetic (what the student computes)."""
    x, y, w, b, lr, rows = v["x"], v["y"], v["w"], v["b"], v["lr"], []
    for _ in range(3):
        h = w * x + b
        w, b = w - lr * (h - y) * x, b - lr * (h - y)
        rows.append((h, 0.5 * (h - y) ** 2, h - y, w, b))
    return rows


def pleasant(v) -> bool:
    """The rule of every drawn variant: numbers that stay pleasant by hand and are not the lecture's.

    The simplest network starts at least 0.5 from its target and its table has entries of at most
    :data:`DECIMALS` decimals; in the worked example the ReLU passes (0 < w₁x + b₁ ≤ 20) and the error
    z − y is between 1 and 12 in size; the deeper network's score h = wx + b stays within ±4 (the
    sigmoid does not saturate) and its two output weights differ.
    """
    for exercise in (("x", "y", "w", "b", "lr"), ("example_x", "example_y", "w1", "b1", "w2", "b2")):
        if all(v[k] == LECTURE[k] for k in exercise):
            return False
    if abs(v["w"] * v["x"] + v["b"] - v["y"]) < 0.5:
        return False
    if not all(has_decimals(entry, DECIMALS) for row in _table_by_hand(v) for entry in row):
        return False
    u = v["w1"] * v["example_x"] + v["b1"]
    error = v["w2"] * u + v["b2"] - v["example_y"]
    return 0 < u <= LARGEST_HIDDEN and 1 <= abs(error) <= 12 and abs(v["w"] * v["x"] + v["b"]) <= 4 and v["v1"] != v["v2"]


def _tenths(low, high, zero=True):
    return [round(0.1 * k, 1) for k in range(round(10 * low), round(10 * high) + 1) if zero or k]


VARIANTS = {
    "space": {
        ("x", "lr"): INPUTS_AND_RATES,
        "y": _tenths(-5, 5),
        "w": _tenths(-2, 2),
        "b": _tenths(-2, 2),
        "example_x": [k for k in range(-6, 7) if k],
        "example_y": list(range(-40, 41)),
        "w1": [k for k in range(-8, 9) if k],
        "b1": list(range(-9, 10)),
        "w2": [k for k in range(-5, 6) if k],
        "b2": list(range(-9, 10)),
        "v1": _tenths(-2, 2, zero=False),
        "v2": _tenths(-2, 2, zero=False),
        "label": [0, 1],
    },
    # no student id: residual −2 shrinking by 0.6 per step (no entry of the lecture's table); 8 → 8 → −5,
    # error 2; h = 0.5
    "defaults": {"x": 1.0, "y": 2.5, "w": 1.0, "b": -0.5, "lr": 0.2,
                 "example_x": 2, "example_y": -7, "w1": 3, "b1": 2, "w2": -1, "b2": 3,
                 "v1": 1.5, "v2": -0.5, "label": 1},
    "accept": pleasant,
}


# ---------------------------------------------------------------- 1. the simplest NN ever

def simplest_nn_table(x, y, w, b, lr, steps=3):
    """Rows (h, L, ∂L/∂h, w, b) of gradient descent on L = ½(wx + b − y)², parameters after each step."""
    from coursekit.layers import Linear, MSELoss
    from coursekit.optim import SGD

    layer, loss = Linear.from_params([[w]], [b]), MSELoss(scale=0.5)
    optimizer = SGD(layer.parameters(), lr=lr)
    rows = []
    for _ in range(steps):
        h = layer.forward(np.array([[x]]))
        value = loss.forward(h, np.array([[y]]))
        dL_dh = loss.backward()
        layer.backward(dL_dh)
        optimizer.step(layer.gradients())
        rows.append((h.item(), value, dL_dh.item(), layer.params["W"].item(), layer.params["b"].item()))
    return np.array(rows)


def _table_ascent(v):
    """The table when the parameters move with the gradient instead of against it."""
    x, y, w, b, rows = v["x"], v["y"], v["w"], v["b"], []
    for _ in range(3):
        h = w * x + b
        w, b = w + v["lr"] * (h - y) * x, b + v["lr"] * (h - y)
        rows.append((h, 0.5 * (h - y) ** 2, h - y, w, b))
    return np.array(rows)


@question(f"{ASSIGNMENT}.table", kind="array", points=2, rtol=1e-9,
          mistakes={"ascent": _table_ascent},
          hints={"default": ("One row per step: forward, backward, update; the next row starts from the "
                             "updated w and b.",
                             "Per row: h = wx + b, the loss L (half the square of h − y), ∂L/∂h = h − y, "
                             "then w ← w − η ∂L/∂w and b ← b − η ∂L/∂b with the derivatives read off the "
                             "computational graph."),
                 "ascent": "The parameters move against the gradient: w − η ∂L/∂w, not plus.",
                 "wrong_shape": "Three rows (one per step), five columns (h, L, ∂L/∂h, w, b)."})
def table(v):
    """Three steps of the lecture's table with the student's numbers."""
    return simplest_nn_table(v["x"], v["y"], v["w"], v["b"], v["lr"])


# ---------------------------------------------------------------- 2. F(x) = w2 σ(w1 x + b1) + b2

def reference_grad_F(x, y, w1, b1, w2, b2):
    """(∂ℓ/∂w1, ∂ℓ/∂b1, ∂ℓ/∂w2, ∂ℓ/∂b2) of ℓ = (F(x) − y)², by backprop through coursekit layers."""
    from coursekit.layers import Linear, MSELoss, Sequential, Sigmoid

    net = Sequential(Linear.from_params([[w1]], [b1]), Sigmoid(), Linear.from_params([[w2]], [b2]))
    loss = MSELoss(reduction="sum")
    loss.forward(net.forward(np.array([[x]], dtype=float)), np.array([[y]], dtype=float))
    net.backward(loss.backward())
    return np.array([g.item() for g in net.gradients()])


def _grad_F_without_two(*args):
    return reference_grad_F(*args) / 2


def _grad_F_trials(rng, v):
    return [tuple(float(a) for a in rng.uniform(-2, 2, 6)) for _ in range(6)]


@question(f"{ASSIGNMENT}.grad_F", kind="function", points=2, rtol=1e-7, atol=1e-12,
          inputs=_grad_F_trials, mistakes={"without_two": lambda v: _grad_F_without_two},
          hints={"default": ("Compute u, v, z once; then go backwards from ∂ℓ/∂z.",
                             "Compute u, v, z once; then go backwards: ∂ℓ/∂z first, from it the last "
                             "layer's w2 and b2, then two more local derivatives give ∂ℓ/∂u, and from it "
                             "w1 and b1. Return them in the order (w1, b1, w2, b2); compare with the "
                             "finite-difference check in the answer cell."),
                 "without_two": "ℓ = (z − y)² has ∂ℓ/∂z = 2(z − y): the factor 2 is missing."})
def grad_F(v):
    """Reference: :func:`reference_grad_F`."""
    return reference_grad_F


#: Free symbols of the expression question, and ℓ(F(x)) written with exp only.
F_SYMBOLS = ("x", "y", "w1", "b1", "w2", "b2")
F_LOSS = "(w2/(1 + exp(-(w1*x + b1))) + b2 - y)**2"


def _dl_dw1_without_two(v):
    """Half the right derivative: the 2 of the square forgotten."""
    return f"({dl_dw1(v)})/2"


@question(f"{ASSIGNMENT}.dl_dw1", kind="expression", points=2, symbols=F_SYMBOLS,
          mistakes={"without_two": _dl_dw1_without_two},
          hints={"default": ("Follow the graph x → u → v → z → ℓ: one local derivative per edge.",
                             "Multiply the local derivatives of the edges from w1 to ℓ (∂ℓ/∂z, ∂z/∂v, "
                             "∂v/∂u, ∂u/∂w1), each written in x, y, w1, b1, w2, b2, with σ(u) spelled "
                             "out as 1/(1 + exp(−(w1*x + b1)))."),
                 "without_two": "ℓ = (z − y)² gives ∂ℓ/∂z = 2(z − y): the factor 2 is missing."})
def dl_dw1(v):
    """∂ℓ/∂w1 of ℓ = (w2 σ(w1 x + b1) + b2 − y)², by sympy.diff."""
    import sympy

    names = {s: sympy.Symbol(s) for s in F_SYMBOLS}
    return str(sympy.diff(sympy.sympify(F_LOSS, locals=names), names["w1"]))


# ---------------------------------------------------------------- 3. layers

def _linear_trials(rng, v, shapes=((4, 3, 2), (1, 5, 3), (6, 2, 1))):
    return [{"init": {"in_features": d, "out_features": m},
             "params": {"W": rng.normal(size=(d, m)), "b": rng.normal(size=m)},
             "x": rng.normal(size=(n, d)), "grad_out": rng.normal(size=(n, m))}
            for n, d, m in shapes]


def _activation_trials(rng, v, inputs=None):
    inputs = inputs or [rng.normal(size=(4, 3)) * 3, rng.normal(size=(1, 5)), rng.normal(size=(6, 1)) * 5]
    return [{"init": {}, "params": {}, "x": x, "grad_out": rng.normal(size=x.shape)} for x in inputs]


_LAYER_HINTS = {
    "Linear": ("forward must remember its input: backward needs it for the weight gradient.",
               "The three formulas of section 3: ∂ℓ/∂X = G Wᵀ, ∂ℓ/∂W = Xᵀ G, and ∂ℓ/∂b, the sum of G "
               "over the batch."),
    "ReLU": ("backward lets the gradient through where the unit was active, and only there.",
             "forward keeps the positive inputs and sets the others to zero; backward lets grad_out "
             "through where the forward input was strictly positive and blocks it elsewhere "
             "(derivative zero at zero)."),
    "Sigmoid": ("backward needs σ′, which the forward output already gives.",
                "σ′ = σ(1 − σ) with the output σ of forward; compute the forward pass in a form that "
                "never exponentiates a large positive number."),
}


def _layer(name):
    def reference(v):
        import coursekit.layers

        return getattr(coursekit.layers, name)
    reference.__name__ = reference.__qualname__ = name
    reference.__doc__ = f"Reference: :class:`coursekit.layers.{name}`."
    return reference


Linear = question(f"{ASSIGNMENT}.Linear", kind="layer", points=2, rtol=1e-9, atol=1e-12,
                  inputs=_linear_trials, hints={"default": _LAYER_HINTS["Linear"]})(_layer("Linear"))
def _relu_trials(rng, v):
    """Random inputs and one batch with exact zeros, where the course takes the derivative 0."""
    return _activation_trials(rng, v) + _activation_trials(rng, v, [np.array([[0.0, 1.5, -0.5, 0.0]])])


ReLU = question(f"{ASSIGNMENT}.ReLU", kind="layer", points=1, rtol=1e-12,
                inputs=_relu_trials, hints={"default": _LAYER_HINTS["ReLU"]})(_layer("ReLU"))
Sigmoid = question(f"{ASSIGNMENT}.Sigmoid", kind="layer", points=1, rtol=1e-9, atol=1e-15,
                   inputs=_activation_trials, hints={"default": _LAYER_HINTS["Sigmoid"]})(_layer("Sigmoid"))


def mse_value_and_gradient(y_pred, y):
    """(ℓ, ∂ℓ/∂ŷ) of :class:`coursekit.layers.MSELoss` (mean over all entries)."""
    from coursekit.layers import MSELoss

    loss = MSELoss()
    value = loss.forward(y_pred, y)
    return value, loss.backward()


def _mse_without_mean(y_pred, y):
    value, grad = mse_value_and_gradient(y_pred, y)
    return value, grad * np.size(y_pred)


def _mse_trials(rng, v):
    return [(rng.normal(size=shape), rng.normal(size=shape)) for shape in ((5, 1), (3, 4), (1, 1))]


@question(f"{ASSIGNMENT}.MSELoss", kind="function", points=1, rtol=1e-9,
          inputs=_mse_trials, mistakes={"gradient_not_averaged": lambda v: _mse_without_mean},
          hints={"default": ("backward is the derivative of the mean forward computes, entry by entry.",
                             "forward: the mean of (ŷ − y)² over all N entries; backward: its derivative "
                             "with respect to each ŷ entry, the 1/N included."),
                 "gradient_not_averaged": "The loss is a mean over N entries, so its gradient is "
                                          "divided by N too."})
def MSELoss(v):
    """Reference: :func:`mse_value_and_gradient`."""
    return mse_value_and_gradient


# ---------------------------------------------------------------- the worked example

def worked_example_values(x, y, w1=5.0, b1=0.0, w2=-1.0, b2=1.0):
    """Forward (u, ReLU(u), z, ℓ) and backward (∂ℓ/∂z, ∂ℓ/∂w2, ∂ℓ/∂b2, ∂ℓ/∂ReLU, ∂ℓ/∂w1, ∂ℓ/∂b1)."""
    from coursekit.layers import Linear, MSELoss, ReLU

    first, relu, second, loss = Linear.from_params([[w1]], [b1]), ReLU(), Linear.from_params([[w2]], [b2]), MSELoss()
    u = first.forward(np.array([[x]], dtype=float))
    r = relu.forward(u)
    z = second.forward(r)
    ell = loss.forward(z, np.array([[y]], dtype=float))
    dl_dz = loss.backward()
    dl_dr = second.backward(dl_dz)
    first.backward(relu.backward(dl_dr))
    return {"forward": np.array([u.item(), r.item(), z.item(), ell]),
            "backward": np.array([dl_dz.item(), second.grads["W"].item(), second.grads["b"].item(),
                                  dl_dr.item(), first.grads["W"].item(), first.grads["b"].item()])}


@question(f"{ASSIGNMENT}.worked_example", kind="array", points=2, rtol=1e-9,
          hints={"default": ("Run your layers forward once, then backward in reverse order, and read the "
                             "values off the layers.",
                             "Each backward turns the gradient of its layer's output into the gradient of "
                             "its input (and, for Linear, of its parameters): the loss gives ∂ℓ/∂z, the "
                             "second Linear its parameter gradients and the gradient into the ReLU, and so "
                             "on down to the first Linear."),
                 "scaled": "The loss here is ℓ = (z − y)² without the ½ of the simplest network, so "
                           "∂ℓ/∂z = 2(z − y)."})
def worked_example(v):
    """The lecture's network with the student's weights and (x, y)."""
    return worked_example_values(v["example_x"], v["example_y"], v["w1"], v["b1"], v["w2"], v["b2"])


# ---------------------------------------------------------------- deeper: a value used twice

def deeper_gradients(x, w, b, v1, v2, label):
    """(∂L/∂q, ∂L/∂w, ∂L/∂b, ∂L/∂v1, ∂L/∂v2) of h = wx + b, q = σ(h), o = (v1 q, v2 q), L = CE(softmax(o), label)."""
    from coursekit.layers import Linear, Sigmoid, SoftmaxCrossEntropyLoss

    first, act, second = Linear.from_params([[w]], [b]), Sigmoid(), Linear.from_params([[v1, v2]], [0.0, 0.0])
    loss = SoftmaxCrossEntropyLoss()
    loss.forward(second.forward(act.forward(first.forward(np.array([[x]], dtype=float)))), np.array([label]))
    dL_dq = second.backward(loss.backward())
    first.backward(act.backward(dL_dq))
    return np.array([dL_dq.item(), first.grads["W"].item(), first.grads["b"].item(), *second.grads["W"].ravel()])


def _deeper_one_branch(v):
    """The gradient into q taken along the first output only (the second branch forgotten)."""
    from coursekit.activations import sigmoid, sigmoid_grad
    from coursekit.losses import softmax

    h = v["w"] * v["x"] + v["b"]
    q = sigmoid(h)
    dL_do = softmax(np.array([v["v1"] * q, v["v2"] * q])) - np.eye(2)[v["label"]]
    dL_dq = v["v1"] * dL_do[0]
    dL_dh = dL_dq * sigmoid_grad(h)
    return np.array([dL_dq, dL_dh * v["x"], dL_dh, dL_do[0] * q, dL_do[1] * q])


@question(f"{ASSIGNMENT}.deeper", kind="array", points=2, rtol=1e-7, atol=1e-12,
          mistakes={"one_branch": _deeper_one_branch},
          hints={"default": ("Forward once, then backward from the loss; q feeds both outputs.",
                             "For softmax with cross-entropy, ∂L/∂o is the probabilities minus the one-hot "
                             "target; every other factor is the local derivative of one edge of the graph, "
                             "and q's gradient sums its two uses."),
                 "one_branch": "q feeds both outputs, so its gradient is the sum over both branches: "
                               "∂L/∂q = v1 ∂L/∂o1 + v2 ∂L/∂o2."})
def deeper(v):
    """The lecture's deeper network with the student's x, w, b, v1, v2 and target class."""
    return deeper_gradients(v["x"], v["w"], v["b"], v["v1"], v["v2"], v["label"])


# ---------------------------------------------------------------- 4. Jacobians

def reference_jacobian(x, W, b):
    """∂σ(xW + b)/∂x, shape (m, n): diag(σ′(z)) Wᵀ, with σ′ from coursekit.activations."""
    from coursekit.activations import sigmoid_grad

    x, W, b = (np.asarray(a, dtype=float) for a in (x, W, b))
    return sigmoid_grad(x @ W + b)[:, None] * W.T


def _jacobian_trials(rng, v):
    return [(rng.normal(size=n), rng.normal(size=(n, m)), rng.normal(size=m)) for n, m in ((3, 2), (4, 4), (2, 5))]


@question(f"{ASSIGNMENT}.jacobian", kind="function", points=2, rtol=1e-9, atol=1e-14,
          inputs=_jacobian_trials,
          hints={"default": ("Output j depends on x only through its own score z_j.",
                             "Chain rule per output: ∂f_j/∂x = σ′(z_j)·∂z_j/∂x, with z = xW + b and "
                             "σ′ = σ(1 − σ); one row per output."),
                 "transposed": "The Jacobian has one row per output (m) and one column per input (n)."})
def jacobian(v):
    """Reference: :func:`reference_jacobian`."""
    return reference_jacobian


# ---------------------------------------------------------------- hidden edge cases (hidden test regions)

def _grad_F_edge_trials(rng, v):
    """A saturated sigmoid, x = 0, a perfect prediction, integers."""
    return [(1.0, 0.0, 30.0, 5.0, 2.0, -1.0), (0.0, 1.0, 2.0, -1.0, 0.5, 0.2),
            (0.0, 0.5, 1.0, 0.0, 0.5, 0.25), (2, -1, 1, 0, -3, 1)]


hidden_twin(f"{ASSIGNMENT}.grad_F", rtol=1e-7, atol=1e-12,
         inputs=_grad_F_edge_trials,
         hints={"default": ("Try a saturated sigmoid (large w1 x + b1), x = 0 and a perfect prediction.",
                            "Use a sigmoid that never overflows; the formulas hold as they are at x = 0 "
                            "and at a perfect prediction.")})
hidden_twin(f"{ASSIGNMENT}.Linear", rtol=1e-9, atol=1e-12,
         inputs=lambda rng, v: _linear_trials(rng, v, shapes=((1, 1, 1), (50, 8, 3), (2, 1, 6))),
         hints={"default": ("Try one sample with one feature, and a large batch.",
                            "The bias is used by every sample of the batch, so its gradient collects "
                            "from all of them.")})
hidden_twin(f"{ASSIGNMENT}.ReLU", rtol=1e-12,
         inputs=lambda rng, v: _activation_trials(rng, v, [np.array([[0.0, -0.0, 1e-12, -1e-12]]),
                                                          -np.abs(rng.normal(size=(3, 2)))]),
         hints={"default": ("Try inputs of exactly zero (also −0.0) and tiny ones.",
                            "At exactly zero the course (like torch) takes the derivative zero: only "
                            "strictly positive inputs let the gradient through.")})
hidden_twin(f"{ASSIGNMENT}.Sigmoid", rtol=1e-9, atol=1e-15,
         inputs=lambda rng, v: _activation_trials(rng, v, [np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])]),
         hints={"default": ("Try inputs of a thousand, positive and negative.",
                            "Exponentiate only non-positive numbers: for negative z use the form "
                            "e^z/(1 + e^z) of the sigmoid.")})
hidden_twin(f"{ASSIGNMENT}.MSELoss", rtol=1e-9,
         inputs=lambda rng, v: [(rng.normal(size=7), rng.normal(size=7)), (np.array([2.0]), np.array([2.0])),
                                (rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3, 2)))],
         hints={"default": ("Try 1-D and 3-D arrays, and a perfect prediction.",
                            "N is the number of all entries, whatever the shape.")})
hidden_twin(f"{ASSIGNMENT}.jacobian", rtol=1e-9, atol=1e-14,
         inputs=lambda rng, v: [(rng.normal(size=1), rng.normal(size=(1, 3)), rng.normal(size=3)),
                                (rng.normal(size=4), rng.normal(size=(4, 1)), rng.normal(size=1)),
                                (np.array([40.0, -40.0]), np.eye(2), np.zeros(2))],
         hints={"default": ("Try one input, one output, and a saturated sigmoid.",
                            "The Jacobian keeps its 2-D shape (m, n) even when m or n is one, and a "
                            "stable sigmoid never gives NaN.")})
