"""Interactive explorers for JupyterLab: see what the lectures describe.

Each explorer is one call with no required arguments; its result shows itself in a notebook
and exposes ``.widget`` (the ipywidgets box), ``.controls`` (name -> widget; set ``.value`` to
drive it from code) and ``.state`` (the computed model: iterates, table rows, losses...).

=======================  ====================================================================
``explore_gd()``         gradient descent on f(β) = 5β² − 3β + 2 (or any 1-D course function)
``explore_gd_2d()``      plain GD, momentum and Nesterov on the contours of a 2-D function
``optimizer_race()``     SGD, momentum, Nesterov, AdaGrad, RMSprop, Adam and AdamW side by side
``backprop_stepper()``   forward then backward through the lecture's small networks, node by node
``explore_overfitting()``  polynomial degree and L1/L2 strength on the sin data
``explore_neuron()``     a perceptron's decision line, activations, softmax of editable logits
``playground()``         a small MLP trained live on circles, XOR or moons
``derivative_checker()``  a text box that checks a typed derivative while the student types
=======================  ====================================================================

Outside JupyterLab an explorer degrades to a static picture: its MIME bundle carries a PNG of
the current figure beside the widget view, which front ends without widget support show
instead; ``explorer.figure`` is a plain matplotlib figure (``.savefig`` works anywhere).

The explorers are imported lazily, so ``import coursekit.widgets`` stays cheap.
"""
from __future__ import annotations

import importlib

_EXPLORERS = {
    "explore_gd": "gd1d",
    "explore_gd_2d": "gd2d",
    "optimizer_race": "race",
    "backprop_stepper": "backprop",
    "explore_overfitting": "overfitting",
    "explore_neuron": "neuron",
    "playground": "mlp",
    "derivative_checker": "derivative",
}

__all__ = sorted(_EXPLORERS)


def __getattr__(name: str):
    if name in _EXPLORERS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPLORERS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
