"""Questions of assignment 04_classification: perceptron, logistic regression, softmax, cross-entropy.

The lecture's worked numbers (:data:`LECTURE`) are the notebook's worked examples: the neuron
w₀ = 1, W = (3, −2) at x = (−1, 2) gives σ(−6) ≈ 0.00247 and the line x₂ = 1.5x₁ + 0.5; the
softmax of z = (7, −7.5, 10); the cross-entropies 0, 0.693 and +∞; the binary cross-entropy
table of lecture 002, mean 0.887. Each student works the same exercises with their own numbers: a
neuron with weights of one decimal and two input points of the plane, one on each side of its line;
four logits; three predicted probabilities of the true class; the four predictions of a table with
the lecture's labels, two misclassified rows and two right ones. :func:`pleasant` is the rule every
drawn variant satisfies. References come from :mod:`coursekit.activations` and :mod:`coursekit.losses`.

Students derive dL/dz of the sigmoid followed by the binary cross-entropy (``bce_score_derivative``,
judged by :func:`coursekit.symbolic.check_derivative`) before they implement the logistic gradient,
the cross-entropy's derivatives by the true and another class's logit (``ce_logit_true``,
``ce_logit_other``) before the softmax gradient,
and predict the shape of −log p (``ce_shape``) before they work out their cross-entropies.

The answer key is a package, one module per part of the notebook: :mod:`.perceptron` (the neuron,
its line, its forward pass), :mod:`.logistic` (binary cross-entropy, the lecture's table, dL/dz,
the logistic gradient) and :mod:`.softmax` (softmax, the cross-entropies, their derivatives by the
logits, the multi-class gradient). This module declares what concerns the whole assignment.
"""
from __future__ import annotations

import numpy as np

from autograder.variants import Product

from .perceptron import decision_line, scores

ASSIGNMENT = "04_classification"

#: Course code absent from the grading sandbox (see :func:`autograder.withheld.withheld`):
#: the neuron, sigmoid, softmax and the cross-entropies with their gradients.
WITHHELD = ("coursekit.activations", "coursekit.losses", "coursekit.layers")

#: The lecture's numbers, the notebook's worked examples.
LECTURE = {"w0": 1.0, "w1": 3.0, "w2": -2.0, "points": ((-1.0, 2.0),), "logits": (7.0, -7.5, 10.0),
           "p1_values": (0.5,), "bce_predictions": (0.1, 0.6, 0.8, 0.1), "bce_labels": (1, 0, 1, 0)}

_PLANE = [round(0.1 * k, 1) for k in range(-30, 31)]            # a coordinate of an input point
_LOGIT = [round(0.1 * k, 1) for k in range(-40, 41)]
_PROBABILITY = [round(0.01 * k, 2) for k in range(5, 96) if k != 50]
#: Predictions of two decimals below and above ½: the table's rows with labels 1, 0, 1, 0 are
#: misclassified, misclassified, right and right, as in the lecture's table.
_BELOW, _ABOVE = [round(0.01 * k, 2) for k in range(5, 50)], [round(0.01 * k, 2) for k in range(51, 96)]
#: Largest size of a score z = w₀ + XᵀW at the student's points (σ(±6) is the lecture's extreme).
LARGEST_SCORE, SMALLEST_SCORE = 6.0, 0.5


def pleasant(v) -> bool:
    """The rule of every drawn variant: numbers that stay pleasant by hand and are not the lecture's.

    The first point is on the side of class 1 and the second on the side of class 0, each with a
    score between 0.5 and 6 in size (the sigmoid neither saturates nor gives 0.5); the neuron's line
    is not the lecture's; the three probabilities of the true class differ; the binary cross-entropy
    table is not the lecture's.
    """
    z = np.round(scores(v), 6)   # scores of two decimals, without the rounding error of the sum
    line = decision_line(v)
    return (SMALLEST_SCORE <= z[0] < LARGEST_SCORE and -LARGEST_SCORE < z[1] <= -SMALLEST_SCORE
            and (line["slope"], line["intercept"]) != (1.5, 0.5)
            and len(set(v["p1_values"])) == 3
            and tuple(v["bce_predictions"]) != LECTURE["bce_predictions"])


VARIANTS = {
    "space": {
        "w0": [round(0.1 * k, 1) for k in range(-50, 51)],
        "w1": [round(0.1 * k, 1) for k in range(-50, 51) if k],
        "w2": [-5.0, -4.0, -2.5, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 2.5, 4.0, 5.0],
        "points": Product(Product(_PLANE, _PLANE), Product(_PLANE, _PLANE)),
        "logits": Product(_LOGIT, _LOGIT, _LOGIT, _LOGIT),
        "p1_values": Product(_PROBABILITY, _PROBABILITY, _PROBABILITY),
        "bce_predictions": Product(_BELOW, _ABOVE, _ABOVE, _BELOW),
    },
    # no student id: the line x₂ = 2x₁ + 0.5, scores 2 and −2.5; the table's labels are always the lecture's
    "defaults": {"w0": 0.5, "w1": 2.0, "w2": -1.0, "points": ((1.0, 0.5), (-1.0, 1.0)),
                 "logits": (2.0, -1.0, 0.5, 1.0), "p1_values": (0.8, 0.3, 0.05),
                 "bce_predictions": (0.35, 0.55, 0.75, 0.15), "bce_labels": (1, 0, 1, 0)},
    "accept": pleasant,
}


# the questions of the other parts, registered in the notebook's order
from . import logistic, softmax  # noqa: E402,F401,I001
