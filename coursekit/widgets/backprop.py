"""Backpropagation, one node at a time, on the lecture's two small networks.

The model (:func:`backprop_trace`) runs the network's layers from :mod:`coursekit.layers`
forward and then backward, and records every value and gradient as an :class:`Event` in the
order a student would compute them by hand (the "tape"). The explorer's ``step`` control
reveals the tape one event at a time on a computational graph.

Networks
--------
``"simplest"``
    The lecture's "simplest NN ever": h = wx + b, L = ½(h − y)², x = 1, y = 3, w = 0.1, b = 1,
    trained by gradient steps w ← w − η ∂L/∂w (η = 0.2). Its table reads
    (h, L, ∂L/∂h, w, b) = (1.1, 1.805, −1.9, 0.48, 1.38), (1.86, 0.6498, −1.14, 0.708, 1.608), ...
``"modular"``
    Linear(w₁ = 5, b₁ = 0) → ReLU → Linear(w₂ = −1, b₂ = 1) → ℓ = (z − y)², x = 3, y = −12:
    forward 15, 15, −14, ℓ = 4; backward ∂ℓ/∂z = −4, ∂ℓ/∂w₂ = −60, ∂ℓ/∂b₂ = −4, into the
    ReLU 4, ∂ℓ/∂w₁ = 12, ∂ℓ/∂b₁ = 4.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from ._common import check_choice, check_float, check_int, format_number, html_table
from ._explorer import Explorer

__all__ = ["Event", "BackpropState", "backprop_trace", "backprop_stepper", "BackpropStepper",
           "NETWORKS"]

NETWORKS = {"simplest": "simplest NN: h = wx + b, L = ½(h − y)²",
            "modular": "Linear → ReLU → Linear → MSE"}
LECTURE_INPUTS = {"simplest": {"x": 1.0, "y": 3.0}, "modular": {"x": 3.0, "y": -12.0}}
#: The lecture's starting weights of each network.
LECTURE_WEIGHTS = {"simplest": {"w": 0.1, "b": 1.0}, "modular": {"w1": 5.0, "b1": 0.0, "w2": -1.0, "b2": 1.0}}
MAX_ITERATIONS = 20


@dataclass(frozen=True)
class Event:
    """One number of the hand computation.

    Attributes
    ----------
    phase : str
        ``"forward"``, ``"backward"`` or ``"update"``.
    node : int
        Index of the graph node that computes it.
    slot : str
        Where the graph shows it: ``"out"`` (the node's output edge, forward),
        ``"grad"`` (the gradient flowing back into the node's input edge), ``"param"`` (the
        node's parameter gradients or update).
    symbol : str
        The quantity, e.g. ``"∂ℓ/∂w₂"``.
    value : float
        Its value.
    formula : str
        How it is computed, with the numbers filled in.
    iteration : int
        Training iteration (0 for the modular example).
    """

    phase: str
    node: int
    slot: str
    symbol: str
    value: float
    formula: str
    iteration: int = 0


@dataclass(frozen=True)
class BackpropState:
    """The tape and how much of it is shown.

    Attributes
    ----------
    network : str
        ``"simplest"`` or ``"modular"``.
    nodes : tuple of str
        Node labels of the computational graph, left to right.
    events : tuple of Event
        The whole tape.
    position : int
        How many events are revealed (0 … len(events)).
    rows : list of tuple
        For ``"simplest"``: the lecture's table (h, L, ∂L/∂h, ∂L/∂w, ∂L/∂b, w, b), one row per
        iteration, with ``None`` for entries not revealed yet. For ``"modular"``: the revealed
        events as (phase, symbol, value).
    """

    network: str
    nodes: tuple
    events: tuple
    position: int
    rows: list

    @property
    def revealed(self) -> tuple:
        """The events shown so far."""
        return self.events[:self.position]

    @property
    def current(self) -> Event | None:
        """The last revealed event (None before the first step)."""
        return self.events[self.position - 1] if self.position else None

    def value(self, symbol: str, iteration: int = 0) -> float:
        """The value of ``symbol`` on the tape (revealed or not), e.g. ``value("∂ℓ/∂w₁")``."""
        for event in self.events:
            if event.symbol == symbol and event.iteration == iteration:
                return event.value
        raise KeyError(f"no {symbol!r} in iteration {iteration} of the {self.network!r} tape")


def _scalar(array) -> float:
    return float(np.asarray(array).reshape(-1)[0])


def _modular_tape(x: float, y: float, w1=5.0, b1=0.0, w2=-1.0, b2=1.0) -> list[Event]:
    """Forward and backward through Linear → ReLU → Linear → MSE with coursekit.layers."""
    from coursekit.layers import Linear, MSELoss, ReLU

    first, relu, second = Linear.from_params([[w1]], [b1]), ReLU(), Linear.from_params([[w2]], [b2])
    loss = MSELoss()
    X, Y = np.array([[x]]), np.array([[y]])
    a = first.forward(X)
    r = relu.forward(a)
    z = second.forward(r)
    ell = loss.forward(z, Y)
    va, vr, vz = _scalar(a), _scalar(r), _scalar(z)
    d_z = loss.backward()
    d_r = second.backward(d_z)
    d_a = relu.backward(d_r)
    d_x = first.backward(d_a)
    n = format_number
    g = {k: _scalar(v) for k, v in (("z", d_z), ("r", d_r), ("a", d_a), ("x", d_x))}
    w2g, b2g = _scalar(second.grads["W"]), _scalar(second.grads["b"])
    w1g, b1g = _scalar(first.grads["W"]), _scalar(first.grads["b"])
    return [
        Event("forward", 0, "out", "x", x, f"input x = {n(x)}"),
        Event("forward", 1, "out", "a", va, f"a = w₁x + b₁ = {n(w1)}·{n(x)} + {n(b1)} = {n(va)}"),
        Event("forward", 2, "out", "r", vr, f"r = max(0, a) = max(0, {n(va)}) = {n(vr)}"),
        Event("forward", 3, "out", "z", vz, f"z = w₂r + b₂ = {n(w2)}·{n(vr)} + {n(b2)} = {n(vz)}"),
        Event("forward", 4, "out", "ℓ", ell, f"ℓ = (z − y)² = ({n(vz)} − {n(y)})² = {n(ell)}"),
        Event("backward", 4, "grad", "∂ℓ/∂z", g["z"],
              f"∂ℓ/∂z = 2(z − y) = 2·({n(vz)} − {n(y)}) = {n(g['z'])}"),
        Event("backward", 3, "param", "∂ℓ/∂w₂", w2g, f"∂ℓ/∂w₂ = ∂ℓ/∂z · r = {n(g['z'])}·{n(vr)} = {n(w2g)}"),
        Event("backward", 3, "param", "∂ℓ/∂b₂", b2g, f"∂ℓ/∂b₂ = ∂ℓ/∂z · 1 = {n(b2g)}"),
        Event("backward", 3, "grad", "∂ℓ/∂r", g["r"],
              f"∂ℓ/∂r = ∂ℓ/∂z · w₂ = {n(g['z'])}·{n(w2)} = {n(g['r'])}"),
        Event("backward", 2, "grad", "∂ℓ/∂a", g["a"],
              f"∂ℓ/∂a = ∂ℓ/∂r · 𝟙[a > 0] = {n(g['r'])}·{int(va > 0)} = {n(g['a'])}"),
        Event("backward", 1, "param", "∂ℓ/∂w₁", w1g, f"∂ℓ/∂w₁ = ∂ℓ/∂a · x = {n(g['a'])}·{n(x)} = {n(w1g)}"),
        Event("backward", 1, "param", "∂ℓ/∂b₁", b1g, f"∂ℓ/∂b₁ = ∂ℓ/∂a · 1 = {n(b1g)}"),
        Event("backward", 1, "grad", "∂ℓ/∂x", g["x"],
              f"∂ℓ/∂x = ∂ℓ/∂a · w₁ = {n(g['a'])}·{n(w1)} = {n(g['x'])}"),
    ]


def _simplest_tape(x: float, y: float, lr: float, iterations: int, w=0.1, b=1.0) -> list[Event]:
    """Iterations of h = wx + b, L = ½(h − y)² and SGD steps, with coursekit.layers and optim."""
    from coursekit.layers import Linear, MSELoss
    from coursekit.optim import SGD

    layer, loss = Linear.from_params([[w]], [b]), MSELoss()
    optimizer = SGD(layer.parameters(), lr=lr)
    X, Y = np.array([[x]]), np.array([[y]])
    n = format_number
    events = [Event("forward", 0, "out", "x", x, f"input x = {n(x)}")]
    for it in range(iterations):
        w, b = _scalar(layer.params["W"]), _scalar(layer.params["b"])
        h = layer.forward(X)
        # The lecture's L = ½(h − y)² is half of MSELoss's (h − y)², and so is its gradient.
        L = 0.5 * loss.forward(h, Y)
        d_h = 0.5 * loss.backward()
        layer.backward(d_h)
        vh, dh = _scalar(h), _scalar(d_h)
        dw, db = _scalar(layer.grads["W"]), _scalar(layer.grads["b"])
        optimizer.step(layer.gradients())
        new_w, new_b = _scalar(layer.params["W"]), _scalar(layer.params["b"])
        events += [
            Event("forward", 1, "out", "h", vh, f"h = wx + b = {n(w)}·{n(x)} + {n(b)} = {n(vh)}", it),
            Event("forward", 2, "out", "L", L, f"L = ½(h − y)² = ½({n(vh)} − {n(y)})² = {n(L)}", it),
            Event("backward", 2, "grad", "∂L/∂h", dh, f"∂L/∂h = h − y = {n(vh)} − {n(y)} = {n(dh)}", it),
            Event("backward", 1, "param", "∂L/∂w", dw, f"∂L/∂w = ∂L/∂h · x = {n(dh)}·{n(x)} = {n(dw)}", it),
            Event("backward", 1, "param", "∂L/∂b", db, f"∂L/∂b = ∂L/∂h · 1 = {n(db)}", it),
            Event("update", 1, "param", "w", new_w,
                  f"w ← w − η ∂L/∂w = {n(w)} − {n(lr)}·({n(dw)}) = {n(new_w)}", it),
            Event("update", 1, "param", "b", new_b,
                  f"b ← b − η ∂L/∂b = {n(b)} − {n(lr)}·({n(db)}) = {n(new_b)}", it),
        ]
    return events


_NODES = {"simplest": ("x", "Linear\nh = wx + b", "Loss\nL = ½(h − y)²"),
          "modular": ("x", "Linear₁\nw₁x + b₁", "ReLU", "Linear₂\nw₂r + b₂", "MSE\n(z − y)²")}
_TABLE_SYMBOLS = ("h", "L", "∂L/∂h", "∂L/∂w", "∂L/∂b", "w", "b")


def backprop_trace(network: str = "modular", x: float | None = None, y: float | None = None,
                   step: int = 0, lr: float = 0.2, iterations: int = 3,
                   weights: dict | None = None) -> BackpropState:
    """Record the forward and backward pass of one of the lecture's networks, event by event.

    Parameters
    ----------
    network : {"modular", "simplest"}
        Which network (see the module docstring).
    x, y : float, optional
        Input and target (default: the lecture's, x = 3, y = −12 or x = 1, y = 3).
    step : int
        How many events to reveal (clipped to the length of the tape).
    lr : float
        η of the simplest network's gradient steps.
    iterations : int
        Training iterations of the simplest network (1 … 20).
    weights : dict, optional
        Starting weights, some or all of the network's (``w1``, ``b1``, ``w2``, ``b2`` of the
        modular example, ``w``, ``b`` of the simplest network); the others are the lecture's
        (:data:`LECTURE_WEIGHTS`).

    Returns
    -------
    BackpropState

    Raises
    ------
    ValueError
        Unknown network, negative step, η ≤ 0, iterations outside 1 … 20, a weight the network
        does not have.

    Notes
    -----
    Backward is the chain rule applied node by node from the loss: each node multiplies the
    gradient arriving at its output by its local derivative (∂f/∂z for its input, ∂f/∂θ for
    its parameters). Every number comes from the layers' own ``forward``/``backward``.

    Examples
    --------
    >>> state = backprop_trace("modular")
    >>> state.value("∂ℓ/∂w₂"), state.value("∂ℓ/∂w₁")
    (-60.0, 12.0)
    """
    network = check_choice("network", network, tuple(NETWORKS))
    defaults = LECTURE_INPUTS[network]
    x = check_float("x", defaults["x"] if x is None else x)
    y = check_float("y", defaults["y"] if y is None else y)
    step = check_int("step", step, minimum=0)
    unknown = set(weights or {}) - set(LECTURE_WEIGHTS[network])
    if unknown:
        raise ValueError(f"the {network!r} network has no weights {sorted(unknown)}; "
                         f"it has {sorted(LECTURE_WEIGHTS[network])}")
    start = {name: check_float(name, value)
             for name, value in {**LECTURE_WEIGHTS[network], **(weights or {})}.items()}
    if network == "modular":
        events = _modular_tape(x, y, **start)
    else:
        lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
        iterations = check_int("iterations", iterations, minimum=1, maximum=MAX_ITERATIONS)
        events = _simplest_tape(x, y, lr, iterations, **start)
    position = min(step, len(events))
    revealed = events[:position]
    if network == "simplest":
        rows = [tuple(next((e.value for e in revealed if e.iteration == it and e.symbol == s),
                           None) for s in _TABLE_SYMBOLS)
                for it in range(iterations)]
    else:
        rows = [(e.phase, e.symbol, e.value) for e in revealed]
    return BackpropState(network=network, nodes=_NODES[network], events=tuple(events),
                         position=position, rows=rows)


class BackpropStepper(Explorer):
    """The backpropagation stepper; build it with :func:`backprop_stepper`."""

    def __init__(self, network="modular", step=0, x=None, y=None, weights=None):
        first = backprop_trace(network, x, y, step=step, weights=weights)
        # each network starts from the lecture's numbers, except the one given its own
        self._weights = {network: dict(weights or {})}
        given = {"x": x, "y": y}
        self._inputs = {**LECTURE_INPUTS, network: {key: LECTURE_INPUTS[network][key] if value is None
                                                    else float(value) for key, value in given.items()}}
        controls = {
            "network": widgets.Dropdown(options=[(label, key) for key, label in NETWORKS.items()],
                                        value=network, description="network",
                                        layout=widgets.Layout(width="360px")),
            "x": widgets.FloatText(value=self._inputs[network]["x"], description="input x",
                                   layout=widgets.Layout(width="160px")),
            "y": widgets.FloatText(value=self._inputs[network]["y"], description="target y",
                                   layout=widgets.Layout(width="160px")),
            "lr": widgets.FloatText(value=0.2, description="η", layout=widgets.Layout(width="160px")),
            "iterations": widgets.BoundedIntText(value=3, min=1, max=MAX_ITERATIONS,
                                                 description="iterations",
                                                 layout=widgets.Layout(width="160px")),
            "step": widgets.IntSlider(value=first.position, min=0, max=len(first.events),
                                      description="step", layout=widgets.Layout(width="420px")),
        }
        self.buttons = {"back": widgets.Button(description="◀ back"),
                        "next": widgets.Button(description="next ▶", button_style="primary"),
                        "reset": widgets.Button(description="reset")}
        self.buttons["back"].on_click(lambda _: self._move(-1))
        self.buttons["next"].on_click(lambda _: self._move(+1))
        self.buttons["reset"].on_click(lambda _: setattr(self.controls["step"], "value", 0))
        self._explanation = widgets.HTML()
        self._table = widgets.HTML()
        super().__init__(controls, figsize=(10.0, 2.6))

    def _move(self, delta: int) -> None:
        slider = self.controls["step"]
        slider.value = int(np.clip(slider.value + delta, slider.min, slider.max))

    def compute(self, **values) -> BackpropState:
        return backprop_trace(**values, weights=self._weights.get(values["network"]))

    def react(self, name, change):
        if name == "network":
            for key, value in self._inputs[change["new"]].items():
                self.controls[key].value = value
            self.controls["step"].value = 0
        if name != "step":
            values = self.values()
            values["step"] = 0
            self.controls["step"].max = len(self.compute(**values).events)

    def build_view(self):
        self.ax = self.figure.add_axes([0.01, 0.02, 0.98, 0.96])
        self.ax.set_axis_off()
        self.ax.set_xlim(0, 1)
        self.ax.set_ylim(0, 1)
        self._drawn_network = None
        self._texts = {}
        self._boxes, self._node_boxes = [], []

    def _build_graph(self, state: BackpropState) -> None:
        """Boxes and arrows of the graph (static), and empty texts for the numbers (animated)."""
        for artist in self._boxes + self._node_boxes + list(self._texts.values()):
            artist.remove()
        self._boxes, self._node_boxes, self._texts = [], [], {}
        count = len(state.nodes)
        xs = np.linspace(0.05, 0.8, count)
        for i, label in enumerate(state.nodes):
            # Node boxes are animated: the current node's frame lights up.
            self._node_boxes.append(self.ax.text(
                xs[i], 0.55, label, ha="center", va="center", fontsize=9, animated=True,
                bbox={"boxstyle": "round,pad=0.4", "fc": "#f2f2f2", "ec": "0.4"}))
            end = xs[i + 1] if i + 1 < count else 1.04
            self._boxes.append(self.ax.annotate(
                "", xy=(end - 0.055, 0.55), xytext=(xs[i] + 0.055, 0.55),
                arrowprops={"arrowstyle": "-|>", "color": "0.35", "lw": 1.2}))
            mid = (xs[i] + end) / 2
            self._texts[(i, "out")] = self.ax.text(mid, 0.66, "", ha="center", fontsize=9,
                                                   color="#1f5fa8", animated=True)
            self._texts[(i + 1, "grad")] = self.ax.text(mid, 0.38, "", ha="center", fontsize=9,
                                                        color="#b00020", animated=True)
            self._texts[(i, "param")] = self.ax.text(xs[i], 0.2, "", ha="center", va="top",
                                                     fontsize=8.5, color="#6a3d9a", animated=True)
        self._texts["legend"] = self.ax.text(
            0.0, 0.97, "blue: forward values    red: gradients flowing back    "
            "purple: parameter gradients / updates", fontsize=8, va="top", color="0.3")
        self._drawn_network = state.network
        self.invalidate()

    def draw(self, state: BackpropState):
        if self._drawn_network != state.network:
            self._build_graph(state)
        shown: dict = {}
        for event in state.revealed:
            entries = shown.setdefault((event.node, event.slot), {})
            entries[event.symbol] = event  # a later iteration overwrites an earlier one
        for key, text in self._texts.items():
            if key == "legend":
                continue
            entries = shown.get(key, {})
            text.set_text("\n".join(f"{e.symbol} = {format_number(e.value)}"
                                    for e in entries.values()))
        current = state.current
        for i, box in enumerate(self._node_boxes):
            lit = current is not None and current.node == i
            box.get_bbox_patch().set(edgecolor="#ff7f00" if lit else "0.4",
                                     linewidth=2.5 if lit else 1.0)
        if current is None:
            self._explanation.value = ("<i>Press <b>next ▶</b>: the forward pass computes each "
                                       "node's output, then the backward pass sends ∂loss back.</i>")
        else:
            iteration = f" (iteration {current.iteration + 1})" if state.network == "simplest" else ""
            self._explanation.value = (f"<b>{current.phase}{iteration}</b>, step "
                                       f"{state.position}/{len(state.events)}: "
                                       f"{html.escape(current.formula)}")
        if state.network == "simplest":
            self._table.value = html_table(
                ["iteration", *_TABLE_SYMBOLS],
                [(i + 1, *("" if v is None else v for v in row)) for i, row in enumerate(state.rows)])
        else:
            self._table.value = html_table(["phase", "quantity", "value"], state.rows)

    def layout(self):
        inputs = widgets.HBox([self.controls[k] for k in ("network", "x", "y", "lr", "iterations")])
        stepping = widgets.HBox([self.buttons["back"], self.buttons["next"], self.buttons["reset"],
                                 self.controls["step"]])
        return widgets.VBox([inputs, stepping, self._image, self._explanation, self._table,
                             self._status])


def backprop_stepper(network: str = "modular", step: int = 0, x: float | None = None,
                     y: float | None = None, weights: dict | None = None) -> BackpropStepper:
    """Step through forward and backward passes of the lecture's small networks.

    Parameters
    ----------
    network : {"modular", "simplest"}
        ``"modular"``: Linear(w₁ = 5, b₁ = 0) → ReLU → Linear(w₂ = −1, b₂ = 1) → (z − y)² with
        x = 3, y = −12. ``"simplest"``: h = wx + b, L = ½(h − y)², trained with η = 0.2 (the
        "simplest NN ever" table).
    step : int
        Events revealed at the start.
    x, y : float, optional
        The example to start from (default the lecture's).
    weights : dict, optional
        Starting weights of ``network`` (see :func:`backprop_trace`), e.g. a student's own; the
        other network keeps the lecture's.

    Returns
    -------
    BackpropStepper
        ``.controls``: ``network``, ``x``, ``y``, ``lr``, ``iterations``, ``step`` (the tape
        position); ``.buttons``: ``back``, ``next``, ``reset``; ``.state``: a
        :class:`BackpropState`.

    Raises
    ------
    ValueError
        For an unknown network, a negative step or a weight the network does not have.

    Examples
    --------
    >>> stepper = backprop_stepper()
    >>> stepper.buttons["next"].click(); stepper.buttons["next"].click()
    >>> stepper.state.current.formula
    'a = w₁x + b₁ = 5·3 + 0 = 15'
    """
    return BackpropStepper(network, step, x, y, weights)
