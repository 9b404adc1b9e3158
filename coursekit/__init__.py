"""coursekit: reference numerics, explorers and exercises for an introductory deep-learning course.

Submodules load on first use, so ``import coursekit`` is quick and pulls in
neither matplotlib, sympy, ipywidgets nor nbgrader:

>>> import coursekit
>>> coursekit.gd.gradient_descent(lambda b: 10 * b - 3, 4.0, lr=1.0, steps=2).tolist()
[4.0, -33.0, 300.0]

=====================  ===========================================================
``gd``                 gradient descent (momentum, Nesterov), mini-batch and SGD
``functions``          objective functions with gradients and sympy forms
``activations``        sigmoid, tanh, ReLU, softplus, step and their derivatives
``losses``             MSE, binary and softmax cross-entropy and their gradients
``gradcheck``          finite differences and relative errors for any gradient
``data``               the lectures' small data sets, seeded
``layers``             the modular approach: layers with forward and backward
``optim``              SGD, Adagrad, RMSprop, Adam, AdamW as in torch.optim
``train``              the training loop over mini-batches
``linear``             linear regression, exact and by gradient descent
``model_selection``    holdout split and K-fold cross-validation
``symbolic``           parsing and checking derivatives with sympy
``widgets``            the interactive explorers for JupyterLab
=====================  ===========================================================
"""
from __future__ import annotations

import importlib
import importlib.metadata

try:  # the version is written once, in pyproject.toml
    __version__ = importlib.metadata.version("coursekit")
except importlib.metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

_SUBMODULES = (
    "gd",
    "functions",
    "activations",
    "losses",
    "gradcheck",
    "data",
    "layers",
    "optim",
    "train",
    "linear",
    "model_selection",
    "symbolic",
    "widgets",
)

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name: str):
    """Import a submodule the first time ``coursekit.<name>`` is used (PEP 562)."""
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SUBMODULES))
