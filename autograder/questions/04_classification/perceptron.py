"""04_classification, the perceptron: a neuron's output at the student's points, its decision
line, and the forward pass of a neuron on a batch."""
from __future__ import annotations

import numpy as np

from autograder.questions import hidden_twin, question
from coursekit import activations

ASSIGNMENT = __name__.split(".")[2]   # "04_classification", the assignment of this answer-key package

# ---------------------------------------------------------------- the perceptron

def _weights(v):
    return float(v["w0"]), np.array([v["w1"], v["w2"]], dtype=float)


def scores(v):
    """The scores w₀ + XᵀW at the student's points."""
    w0, W = _weights(v)
    return w0 + np.asarray(v["points"], dtype=float) @ W


def decision_line(v):
    """Slope and intercept of the line w₀ + w₁x₁ + w₂x₂ = 0 written as x₂ = slope·x₁ + intercept."""
    w0, (w1, w2) = _weights(v)
    return {"slope": -w1 / w2, "intercept": -w0 / w2}


@question(f"{ASSIGNMENT}.perceptron_output", kind="array", points=1, rtol=1e-3, atol=1e-6,
          mistakes={"no_activation": scores, "step": lambda v: (scores(v) >= 0).astype(float),
                    "minus_z": lambda v: activations.sigmoid(-scores(v)),
                    "rounded": lambda v: np.array([float(f"{p:.2g}") for p in activations.sigmoid(scores(v))])},
          hints={"default": ("Score first, then the activation, once for each of your points.",
                             "ŷ = g(w₀ + XᵀW) with g the sigmoid 1/(1 + e^(−z)) and z = w₀ + w₁x₁ + w₂x₂; "
                             "give at least four significant digits."),
                 "rounded": "Close, but rounded too much: give at least four significant digits.",
                 "minus_z": "That is σ(−z): the sigmoid is 1/(1 + e^(−z)), with a minus sign in the exponent.",
                 "no_activation": "That is z = w₀ + XᵀW; apply the sigmoid to it.",
                 "step": "Use the sigmoid, not the step function: the answer is a probability strictly "
                         "between 0 and 1."})
def perceptron_output(v):
    """σ(w₀ + XᵀW) at each of the student's two points."""
    return activations.sigmoid(scores(v))


@question(f"{ASSIGNMENT}.line", kind="number", points=2, rtol=1e-9,
          hints={"default": ("The line is where the score is zero: solve that equation for x₂.",
                             "Solve w₀ + w₁x₁ + w₂x₂ = 0 for x₂ and read off x₂ = slope·x₁ + intercept."),
                 "wrong_sign": "A sign slipped while moving a term to the other side of the equation."})
def line(v):
    """Slope and intercept of the student's decision line w₀ + w₁x₁ + w₂x₂ = 0 written as x₂ = a x₁ + c."""
    return decision_line(v)


def _neuron_trials(rng, v):
    trials = []
    for n, m in ((5, 2), (8, 3), (1, 4)):
        trials.append((rng.normal(size=(n, m)), float(rng.normal()), rng.normal(size=m)))
    return trials


def _neuron_edge_trials(rng, v):
    X = np.array([[-1.0, 2.0], [0.0, 0.0], [400.0, -300.0], [-400.0, 300.0]])
    return [(X, 1.0, np.array([3.0, -2.0])), (rng.normal(size=(6, 5)), 0.0, np.zeros(5))]


def _reference_neuron(X, w0, W):
    return activations.sigmoid(w0 + np.asarray(X, dtype=float) @ W)


def _neuron_without_bias(X, w0, W):
    return activations.sigmoid(np.asarray(X, dtype=float) @ W)


_NEURON_HINTS = {
    "default": ("One score per row of X, then the sigmoid of each score.",
                "The scores of all rows are w₀ + XW, one matrix product; the sigmoid acts on each."),
    "no_bias": "Add the bias w0 before applying the sigmoid.",
}


@question(f"{ASSIGNMENT}.neuron_forward", kind="function", points=2, rtol=1e-8, atol=1e-12,
          inputs=_neuron_trials, mistakes={"no_bias": lambda v: _neuron_without_bias}, hints=_NEURON_HINTS)
def neuron_forward(v):
    """Reference: sigmoid(w₀ + XW) with coursekit's sigmoid."""
    return _reference_neuron


hidden_twin(f"{ASSIGNMENT}.neuron_forward", rtol=1e-8, atol=1e-12,
         inputs=_neuron_edge_trials,
         hints={"default": ("Try scores of several hundred, positive and negative, and zero weights.",
                            "e^(−z) overflows for large negative z: evaluate the sigmoid in a form that "
                            "only exponentiates non-positive numbers.")})
