"""Your own layers and optimizer, written once and imported by 08_mlp.

Fill in every method that raises NotImplementedError with your code:

* ``Linear``, ``ReLU`` and ``Sigmoid``: your ``forward`` and ``backward`` from 06_backprop;
* ``Adam``: your ``update`` from 07_optimizers (the ``Optimizer`` base class is the one of 07).

Keep the class names and the signatures. In the notebook, ``my_layers = import_my_layers()`` reads
this file afresh (run that cell again after every edit, no restart needed) and checks each class on
a few numbers, naming the first one that is missing, unfilled or wrong.

This file belongs to your submission: it is collected with the notebook and graded with it. Use
numpy only: coursekit's layers and optimizers are not available while your notebook is graded.
"""
import numpy as np


class Linear:
    """Dense layer y = x @ W + b, W of shape (in_features, out_features)."""

    def __init__(self, in_features, out_features, rng=None):
        rng = np.random.default_rng(rng)
        self.params = {
            "W": rng.normal(0.0, 1.0 / np.sqrt(in_features), (in_features, out_features)),
            "b": np.zeros(out_features),
        }
        self.grads = {name: np.zeros_like(p) for name, p in self.params.items()}

    def forward(self, x):
        raise NotImplementedError("paste your Linear.forward from 06_backprop")

    def backward(self, grad_out):
        raise NotImplementedError("paste your Linear.backward from 06_backprop")


class ReLU:
    """Elementwise max(0, z)."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        raise NotImplementedError("paste your ReLU.forward from 06_backprop")

    def backward(self, grad_out):
        raise NotImplementedError("paste your ReLU.backward from 06_backprop")


class Sigmoid:
    """Elementwise logistic function 1 / (1 + exp(-z))."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        raise NotImplementedError("paste your Sigmoid.forward from 06_backprop")

    def backward(self, grad_out):
        raise NotImplementedError("paste your Sigmoid.backward from 06_backprop")


class Optimizer:
    """Base class of 07_optimizers: subclasses implement update(param, grad, state) in place."""

    def __init__(self, params):
        self.params = list(params)
        self.state = [{"t": 0} for _ in self.params]

    def step(self, grads):
        if len(grads) != len(self.params):
            raise ValueError(f"expected {len(self.params)} gradients, got {len(grads)}")
        for param, grad, state in zip(self.params, grads, self.state):
            state["t"] += 1
            self.update(param, np.asarray(grad, dtype=float), state)

    def update(self, param, grad, state):
        raise NotImplementedError("subclasses implement the update rule")


class Adam(Optimizer):
    """Adam, as torch.optim.Adam(lr, betas, eps)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params)
        self.lr, self.betas, self.eps = lr, betas, eps

    def update(self, param, grad, state):
        raise NotImplementedError("paste your Adam.update from 07_optimizers")
