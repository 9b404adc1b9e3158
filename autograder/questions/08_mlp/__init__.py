"""Questions of assignment 08_mlp: linear collapse, activations, an MLP from students' layers,
dropout, sizes, and a capstone.

The answer key is a package, one module per part of the notebook:

* :mod:`.networks`: sections 1–6 (linear collapse, activations, the MLP from the student's layers,
  circles, XOR and moons, dropout, counting parameters);
* :mod:`.capstone`: section 7 (softmax cross-entropy, the regression and the digits);
* :mod:`.fixtures`: the layers the test cells build networks from, which no assignment asks for.

This module holds what the whole assignment declares: what the grading sandbox lacks
(:data:`WITHHELD`, :data:`WITHHELD_DATA`) and each student's numbers (:data:`VARIANTS`).

Two questions ask for numbers, and each student gets their own: how much a chain of six sigmoid
layers with the student's weights can multiply a gradient, and how many weights a dense layer has
from the student's image (height × width × 3 channels) to their number of units. The lecture's
200 × 200 image with as many units as inputs, 1.44 × 10¹⁰ weights (:data:`LECTURE`), is the
notebook's worked example. Both are predicted by hand, checked, then run in the notebook.
``tests/test_course_08_mlp.py`` checks the references against closed forms, torch and
``coursekit.layers.Dropout``.
"""
from __future__ import annotations

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


# the questions, registered in the notebook's order
from . import networks, capstone  # noqa: E402,F401,I001

#: Data files of coursekit that the grading sandbox gets rewritten (see
#: :func:`autograder.withheld.withheld_data`): the digits without their test rows' labels, so that
#: the grader's held-back images cannot be looked up in the data the kernel can read.
WITHHELD_DATA = {"datasets/digits.csv.gz": capstone.without_test_labels}
