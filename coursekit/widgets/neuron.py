"""One neuron: the perceptron's decision line, the activations and their derivatives, softmax.

The model (:func:`neuron`) evaluates ŷ = g(w₀ + w₁x₁ + w₂x₂) with the activations of
:mod:`coursekit.activations` and the softmax of :mod:`coursekit.losses` for logits typed as
text. The view shows three panels: the (x₁, x₂) plane shaded by ŷ with the line z = 0, the
activation g and its derivative g′ with the current z marked, and the softmax probabilities.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from ._common import check_choice, check_float, dropdown, float_slider, format_number
from ._explorer import Explorer

__all__ = ["NeuronState", "neuron", "parse_logits", "explore_neuron", "NeuronExplorer"]

PLANE = (-4.0, 4.0)
_GRID = 80
_Z = np.linspace(-6.0, 6.0, 241)


@dataclass(frozen=True)
class NeuronState:
    """What the neuron explorer shows.

    Attributes
    ----------
    weights : ndarray, shape (3,)
        (w₀, w₁, w₂).
    point : ndarray, shape (2,)
        The input x = (x₁, x₂).
    activation : str
        Name in :data:`coursekit.activations.ACTIVATIONS`.
    z, output, slope : float
        z = w₀ + w₁x₁ + w₂x₂, ŷ = g(z) and g′(z).
    line : ndarray, shape (2, 2)
        Two points of the decision line z = 0 inside the plot box (NaN if w₁ = w₂ = 0).
    plane : ndarray, shape (80, 80)
        ŷ over the (x₁, x₂) box, rows along x₂.
    curve : ndarray, shape (3, 241)
        z, g(z) and g′(z) for z in [−6, 6].
    logits, probabilities : ndarray, shape (k,)
        The logits and their softmax.
    """

    weights: np.ndarray
    point: np.ndarray
    activation: str
    z: float
    output: float
    slope: float
    line: np.ndarray
    plane: np.ndarray
    curve: np.ndarray
    logits: np.ndarray
    probabilities: np.ndarray


def parse_logits(text) -> np.ndarray:
    """Logits from text such as ``"7, -7.5, 10"`` (commas, semicolons or spaces between).

    Raises
    ------
    ValueError
        If a part is not a number, or there are fewer than 2 or more than 10 logits.
    """
    if not isinstance(text, str):
        return np.asarray(text, dtype=np.float64).reshape(-1)
    parts = [p for p in re.split(r"[,;\s]+", text.replace("−", "-").strip()) if p]
    try:
        logits = np.array([float(p) for p in parts])
    except ValueError:
        raise ValueError(f"logits must be numbers separated by commas, got {text!r}") from None
    if not 2 <= logits.size <= 10 or not np.isfinite(logits).all():
        raise ValueError(f"logits must be 2 to 10 finite numbers, got {text!r}")
    return logits


def neuron(w0: float = 1.0, w1: float = 3.0, w2: float = -2.0, x1: float = -1.0,
           x2: float = 2.0, activation: str = "sigmoid", logits="7, -7.5, 10") -> NeuronState:
    """Evaluate the lecture's perceptron and a softmax.

    Parameters
    ----------
    w0, w1, w2 : float
        Bias w₀ and weights W = (w₁, w₂) (default the lecture's 1, 3, −2).
    x1, x2 : float
        The input point (default (−1, 2)).
    activation : str
        One of ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"softplus"``, ``"step"``.
    logits : str or array_like
        Logits for the softmax panel (default the lecture's z = (7, −7.5, 10)).

    Returns
    -------
    NeuronState

    Raises
    ------
    ValueError
        Unknown activation, logits that are not 2 to 10 numbers.

    Notes
    -----
    ŷ = g(w₀ + XᵀW): with w₀ = 1 and W = (3, −2), z = 1 + 3x₁ − 2x₂, a line in the plane, and
    x = (−1, 2) gives σ(−6) ≈ 0.00247. softmax(z)ᵢ = e^{zᵢ}/Σⱼe^{zⱼ}; for z = (7, −7.5, 10) it
    is ≈ (0.0474, 2.4·10⁻⁸, 0.9526).

    Examples
    --------
    >>> round(float(neuron().output), 5)
    0.00247
    """
    from coursekit.activations import ACTIVATIONS
    from coursekit.losses import softmax

    activation = check_choice("activation", activation, tuple(ACTIVATIONS))
    g, g_prime = ACTIVATIONS[activation]
    weights = np.array([check_float(n, v) for n, v in (("w0", w0), ("w1", w1), ("w2", w2))])
    point = np.array([check_float("x1", x1), check_float("x2", x2)])
    z = float(weights[0] + weights[1:] @ point)
    axis = np.linspace(*PLANE, _GRID)
    X1, X2 = np.meshgrid(axis, axis)
    plane = np.asarray(g(weights[0] + weights[1] * X1 + weights[2] * X2), dtype=np.float64)
    logits = parse_logits(logits)
    return NeuronState(weights=weights, point=point, activation=activation, z=z,
                       output=float(g(z)), slope=float(g_prime(z)),
                       line=_decision_line(weights), plane=plane,
                       curve=np.vstack([_Z, g(_Z), g_prime(_Z)]), logits=logits,
                       probabilities=np.asarray(softmax(logits), dtype=np.float64))


def _decision_line(weights) -> np.ndarray:
    """Two points of w₀ + w₁x₁ + w₂x₂ = 0 spanning the plot box (NaN when W = 0)."""
    w0, w1, w2 = weights
    low, high = PLANE
    if abs(w2) >= abs(w1) and w2 != 0:
        x1 = np.array([low, high])
        return np.vstack([x1, -(w0 + w1 * x1) / w2])
    if w1 != 0:
        x2 = np.array([low, high])
        return np.vstack([-(w0 + w2 * x2) / w1, x2])
    return np.full((2, 2), np.nan)


def _signed(value: float) -> str:
    """'+ 3' or '− 2': a term of a sum as the lecture writes it."""
    return f"{'−' if value < 0 else '+'} {abs(value):.3g}"


class NeuronExplorer(Explorer):
    """The neuron explorer; build it with :func:`explore_neuron`."""

    def __init__(self, **settings):
        from coursekit.activations import ACTIVATIONS

        first = neuron(**settings)
        w0, w1, w2 = first.weights
        controls = {
            "w0": float_slider("bias w₀", w0, -5, 5, 0.1),
            "w1": float_slider("weight w₁", w1, -5, 5, 0.1),
            "w2": float_slider("weight w₂", w2, -5, 5, 0.1),
            "x1": float_slider("input x₁", first.point[0], *PLANE, 0.1),
            "x2": float_slider("input x₂", first.point[1], *PLANE, 0.1),
            "activation": dropdown("activation g", list(ACTIVATIONS), first.activation),
            "logits": widgets.Text(value=settings.get("logits", "7, -7.5, 10"),
                                   description="logits z", continuous_update=False),
        }
        self._readout = widgets.HTML()
        super().__init__(controls, figsize=(11.0, 3.5))

    def compute(self, **values) -> NeuronState:
        return neuron(**values)

    def build_view(self):
        self.plane_ax, self.act_ax, self.soft_ax = self.figure.subplots(1, 3)
        self.figure.subplots_adjust(left=0.05, right=0.99, bottom=0.15, top=0.88, wspace=0.3)
        ax = self.plane_ax
        self.image = ax.imshow(np.zeros((_GRID, _GRID)), extent=(*PLANE, *PLANE), origin="lower",
                               cmap="RdBu_r", vmin=0, vmax=1, alpha=0.55, aspect="auto")
        (self.line,) = ax.plot([], [], color="k", lw=2, label="z = 0")
        (self.point,) = ax.plot([], [], "o", color="#ff7f00", ms=9, mec="k", label="x")
        ax.set_xlim(*PLANE)
        ax.set_ylim(*PLANE)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        # The shading is redrawn on every change, so its legend must be drawn after it.
        self.plane_legend = ax.legend(loc="lower left", fontsize=8)
        self.act_ax.set_xlim(_Z[0], _Z[-1])
        self.act_ax.axhline(0, color="0.7", lw=0.8)
        self.act_ax.set_xlabel("z")
        (self.g_line,) = self.act_ax.plot([], [], color="#1f78b4", lw=2, label="g(z)")
        (self.dg_line,) = self.act_ax.plot([], [], color="#e31a1c", lw=1.5, ls="--",
                                           label="g′(z)")
        (self.z_mark,) = self.act_ax.plot([], [], "o", color="#ff7f00", mec="k", ms=8)
        self.act_ax.legend(loc="upper left", fontsize=8)
        self.soft_ax.set_ylim(0, 1.05)
        self.soft_ax.set_ylabel("softmax(z)ᵢ")
        self.bars = None
        self.bar_labels = []
        self.animate(self.image, self.line, self.point, self.g_line, self.dg_line, self.z_mark,
                     self.plane_legend, self.plane_ax.title, self.act_ax.title)

    def draw(self, state: NeuronState):
        self.image.set_data(state.plane)
        self.line.set_data(*state.line)
        self.point.set_data([state.point[0]], [state.point[1]])
        w0, w1, w2 = state.weights
        self.plane_ax.set_title(f"ŷ = g({w0:.3g} {_signed(w1)}·x₁ {_signed(w2)}·x₂)", fontsize=9)
        self._draw_activation(state)
        self._draw_softmax(state)
        self._readout.value = (
            f"z = w₀ + w₁x₁ + w₂x₂ = <b>{format_number(state.z)}</b>, "
            f"ŷ = {state.activation}(z) = <b>{format_number(state.output)}</b>, "
            f"g′(z) = {format_number(state.slope)}; softmax("
            f"{', '.join(format_number(v) for v in state.logits)}) = ("
            f"{', '.join(f'{p:.4g}' for p in state.probabilities)})")

    def _draw_activation(self, state):
        z, g, dg = state.curve
        self.g_line.set_data(z, g)
        self.dg_line.set_data(z, dg)
        shown = np.clip(state.z, z[0], z[-1])
        self.z_mark.set_data([shown], [np.interp(shown, z, g)])
        top = max(1.1, float(np.max(g)) * 1.05)
        self.act_ax.set_ylim(min(-0.1, float(np.min(np.r_[g, dg])) - 0.1), top)
        self.act_ax.set_title(f"{state.activation}: g({state.z:.3g}) = {state.output:.3g}",
                              fontsize=9)

    def _draw_softmax(self, state):
        count = len(state.probabilities)
        if self.bars is None or len(self.bars) != count:
            if self.bars is not None:
                self.bars.remove()
            self.bars = self.soft_ax.bar(np.arange(count), np.zeros(count), color="#33a02c",
                                         animated=True)
            self.soft_ax.set_xticks(np.arange(count), [f"z{i + 1}" for i in range(count)])
            self.soft_ax.set_xlim(-0.6, count - 0.4)
        for bar, p in zip(self.bars, state.probabilities):
            bar.set_height(p)
        for label in self.bar_labels:
            label.remove()
        self.bar_labels = [self.soft_ax.text(i, p + 0.02, f"{p:.3g}", ha="center", fontsize=8,
                                             animated=True)
                           for i, p in enumerate(state.probabilities)]

    def layout(self):
        return widgets.VBox([self.controls_box(columns=3), self._image, self._readout,
                             self._status])


def explore_neuron(w0: float = 1.0, w1: float = 3.0, w2: float = -2.0, x1: float = -1.0,
                   x2: float = 2.0, activation: str = "sigmoid",
                   logits: str = "7, -7.5, 10") -> NeuronExplorer:
    """Explore a neuron: decision line from w₀, w₁, w₂; activations; softmax of logits.

    Parameters
    ----------
    w0, w1, w2 : float
        Initial bias and weights (default the lecture's w₀ = 1, W = (3, −2)).
    x1, x2 : float
        Initial input point (default (−1, 2), where ŷ = σ(−6) ≈ 0.00247).
    activation : str
        ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"softplus"`` or ``"step"``.
    logits : str
        Editable logits, e.g. ``"7, -7.5, 10"``.

    Returns
    -------
    NeuronExplorer
        ``.controls``: ``w0``, ``w1``, ``w2``, ``x1``, ``x2``, ``activation``, ``logits``;
        ``.state``: a :class:`NeuronState`.

    Raises
    ------
    ValueError
        For an unknown activation or logits that are not 2 to 10 numbers.

    Examples
    --------
    >>> explorer = explore_neuron()
    >>> explorer.controls["activation"].value = "step"
    >>> explorer.state.slope      # the step's zero derivative stalls learning
    0.0
    """
    return NeuronExplorer(w0=w0, w1=w1, w2=w2, x1=x1, x2=x2, activation=activation,
                          logits=logits)
