"""The layers the test cells of 08_mlp build networks from, which no assignment asks for.

The test cells of ``Sequential`` and ``train`` hand the student's code a network of
:class:`Scale`, :class:`Sine` and :class:`Scale` with the loss :class:`HalfSquaredError` (written
out in the cells), so only the student's own part is judged and the grading sandbox needs none of
coursekit's layers; :class:`Chain` is what a correct ``Sequential`` does, for the references.
"""
from __future__ import annotations

import numpy as np


def linear(W, b):
    """coursekit's Linear layer with the given weights (for the references)."""
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


class Chain:
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


def fixture_net(s1, s2):
    """Scale → Sine → Scale: the network the test cells build."""
    return Chain(Scale(s1), Sine(), Scale(s2))
