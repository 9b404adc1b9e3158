"""Gradient descent on one parameter β: the lecture's pen-and-paper exercise made visible.

The model (:func:`gd_1d`) runs :func:`coursekit.gd.gradient_descent` on a 1-D course
function and returns the iterates, the table β⁽ʳ⁾, f′(β⁽ʳ⁾), β⁽ʳ⁺¹⁾, a verdict (converging,
diverging...) and sane plot limits. The view (:class:`GradientDescent1D`) draws the curve,
the iterates and one arrow per step.
"""
from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import FancyArrowPatch

from ._common import (
    box,
    check_float,
    check_int,
    dropdown,
    float_slider,
    html_table,
    int_slider,
    log_slider,
    names_of_dim,
    objective,
    set_range,
    superscript,
)
from ._explorer import Explorer

__all__ = ["GD1DState", "gd_1d", "explore_gd", "GradientDescent1D"]

MAX_STEPS = 50
_MAX_ARROWS = 20
_CURVE_POINTS = 300


@dataclass(frozen=True)
class GD1DState:
    """What the 1-D gradient-descent explorer shows.

    Attributes
    ----------
    function : str
        Name of the course function f.
    beta0, lr, momentum : float
        Start β⁽⁰⁾, learning rate α and momentum η.
    steps : int
        Number of steps asked for.
    iterates : ndarray, shape (k + 1,)
        β⁽⁰⁾ … β⁽ᵏ⁾; k < steps only when the iterates overflowed (then ``status`` is
        ``"overflow"``).
    grads, values : ndarray, shape (k + 1,)
        f′(β⁽ʳ⁾) and f(β⁽ʳ⁾).
    status : str
        ``"converged"``, ``"converging"``, ``"diverging"``, ``"overflow"`` or ``"start"``.
    message : str
        A sentence for the student explaining ``status``.
    xlim, ylim : tuple of float
        Plot limits: the function's box, widened to show iterates that stay near it.
    curve : ndarray, shape (2, n)
        β and f(β) sampled over ``xlim``.
    """

    function: str
    beta0: float
    lr: float
    steps: int
    momentum: float
    iterates: np.ndarray
    grads: np.ndarray
    values: np.ndarray
    status: str
    message: str
    xlim: tuple
    ylim: tuple
    curve: np.ndarray

    @property
    def rows(self) -> list[tuple[int, float, float, float, float]]:
        """Table rows (r, β⁽ʳ⁾, f′(β⁽ʳ⁾), β⁽ʳ⁺¹⁾, f(β⁽ʳ⁺¹⁾)) for every step taken."""
        b, g, f = self.iterates, self.grads, self.values
        return [(r, float(b[r]), float(g[r]), float(b[r + 1]), float(f[r + 1]))
                for r in range(len(b) - 1)]

    @property
    def visible(self) -> np.ndarray:
        """Boolean mask of the iterates inside ``xlim`` (the others are marked at the edge)."""
        return (self.iterates >= self.xlim[0]) & (self.iterates <= self.xlim[1])


def gd_1d(function: str = "quadratic", beta0: float | None = None, lr: float | None = None,
          steps: int = 3, momentum: float = 0.0) -> GD1DState:
    """Run gradient descent on a 1-D course function and describe the run.

    Parameters
    ----------
    function : str
        Name of a 1-D function of :mod:`coursekit.functions` (default f(β) = 5β² − 3β + 2).
    beta0 : float, optional
        Start β⁽⁰⁾ (default: the function's ``default_start``, 4 for the quadratic).
    lr : float, optional
        Learning rate α > 0 (default: the function's ``default_lr``).
    steps : int
        Number of steps, 0 … 50.
    momentum : float
        Heavy-ball momentum η in [0, 1).

    Returns
    -------
    GD1DState

    Raises
    ------
    ValueError
        Unknown or 2-D function name, negative or too many steps, α ≤ 0, η outside [0, 1).
    TypeError
        Non-numeric settings.

    Notes
    -----
    The update is β⁽ʳ⁺¹⁾ = β⁽ʳ⁾ − α f′(β⁽ʳ⁾) + η (β⁽ʳ⁾ − β⁽ʳ⁻¹⁾), with no momentum term on the
    first step. For f(β) = 5β² − 3β + 2 (f″ = 10) it converges for α < 2/f″ = 0.2, lands on
    the minimum β* = 0.3 in one step for α = 1/f″ = 0.1, and diverges for α = 1:
    4 → −33 → 300 → −2697.

    Examples
    --------
    >>> gd_1d(beta0=4.0, lr=1.0, steps=3).iterates.tolist()
    [4.0, -33.0, 300.0, -2697.0]
    """
    from coursekit.gd import gradient_descent

    f = objective(function, dim=1)
    beta0 = check_float("beta0", f.default_start if beta0 is None else beta0)
    lr = check_float("lr", f.default_lr if lr is None else lr, minimum=0.0, strict_minimum=True)
    steps = check_int("steps", steps, minimum=0, maximum=MAX_STEPS)
    momentum = check_float("momentum", momentum, minimum=0.0)
    if momentum >= 1.0:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")

    with np.errstate(all="ignore"):
        iterates = np.asarray(gradient_descent(f.grad, beta0, lr, steps, momentum=momentum),
                              dtype=np.float64).reshape(-1)
        finite = np.isfinite(iterates)
        overflowed = not finite.all()
        if overflowed:
            iterates = iterates[:int(np.argmin(finite))]
        grads = np.asarray(f.grad(iterates), dtype=np.float64).reshape(-1)
        values = np.asarray(f.value(iterates), dtype=np.float64).reshape(-1)
    status, message = _verdict(iterates, values, grads, overflowed, lr)
    xlim = _x_limits(box(f.domain, 1)[0], iterates)
    curve_x = np.linspace(*xlim, _CURVE_POINTS)
    curve_y = np.asarray(f.value(curve_x), dtype=np.float64).reshape(-1)
    return GD1DState(function=function, beta0=beta0, lr=lr, steps=steps, momentum=momentum,
                     iterates=iterates, grads=grads, values=values, status=status,
                     message=message, xlim=xlim, ylim=_y_limits(curve_y),
                     curve=np.vstack([curve_x, curve_y]))


def _verdict(iterates, values, grads, overflowed: bool, lr: float) -> tuple[str, str]:
    """Classify a run: overflow, diverging, converged, converging or just started."""
    if overflowed:
        return "overflow", (f"Diverged: β overflowed after {len(iterates) - 1} steps. "
                            f"α = {lr:g} is far too large for this function's curvature.")
    if len(iterates) < 2:
        return "start", "No steps taken yet: increase the number of steps."
    jumps = np.abs(np.diff(iterates))
    scale = 1.0 + np.abs(iterates[-1])
    if jumps[-1] <= 1e-9 * scale and abs(grads[-1]) <= 1e-6 * (1.0 + abs(grads[0])):
        return "converged", f"Converged: β = {iterates[-1]:.6g} with f′(β) ≈ 0."
    if len(jumps) >= 2 and jumps[-1] > jumps[-2] and values[-1] > values[-2]:
        return "diverging", ("Diverging: every step overshoots further and f grows. "
                             f"α = {lr:g} is too large (for a quadratic, α must stay below 2/f″).")
    change = "decreased" if values[-1] < values[0] else "increased"
    return "converging" if change == "decreased" else "diverging", (
        f"f {change} from {values[0]:.6g} to {values[-1]:.6g} in {len(jumps)} steps.")


def _x_limits(domain, iterates, reach: float = 1.0) -> tuple[float, float]:
    """The function's box, widened to iterates that lie within ``reach`` box-widths of it.

    Iterates farther out (a diverging run) stay off the plot, so the curve stays readable.
    """
    low, high = float(domain[0]), float(domain[1])
    width = high - low
    near = iterates[(iterates >= low - reach * width) & (iterates <= high + reach * width)]
    if near.size:
        low, high = min(low, float(near.min())), max(high, float(near.max()))
    pad = 0.04 * (high - low)
    return low - pad, high + pad


def _y_limits(curve_y) -> tuple[float, float]:
    low, high = float(np.min(curve_y)), float(np.max(curve_y))
    pad = 0.08 * (high - low) if high > low else 1.0
    return low - pad, high + pad


class GradientDescent1D(Explorer):
    """The 1-D gradient-descent explorer; build it with :func:`explore_gd`."""

    def __init__(self, function="quadratic", beta0=None, lr=None, steps=3, momentum=0.0):
        first = gd_1d(function, beta0, lr, steps, momentum)  # validates before building widgets
        low, high = self._beta0_range(first.function, first.beta0)
        controls = {
            "function": dropdown("function f", names_of_dim(1), first.function),
            "beta0": float_slider("start β⁽⁰⁾", first.beta0, low, high),
            "lr": log_slider("learning rate α", first.lr, 1e-3, max(2.0, first.lr)),
            "steps": int_slider("steps", first.steps, 0, MAX_STEPS),
            "momentum": float_slider("momentum η", first.momentum, 0.0, 0.95, 0.05),
        }
        self._table = widgets.HTML()
        self._message = widgets.HTML()
        super().__init__(controls, figsize=(6.0, 4.0))

    @staticmethod
    def _beta0_range(function: str, beta0: float) -> tuple[float, float]:
        f = objective(function, dim=1)
        low, high = box(f.domain, 1)[0]
        return min(low, beta0), max(high, beta0)

    def compute(self, **values) -> GD1DState:
        return gd_1d(**values)

    def react(self, name, change):
        if name == "function":
            f = objective(change["new"], dim=1)
            low, high = self._beta0_range(change["new"], f.default_start)
            set_range(self.controls["beta0"], low, high, value=f.default_start)
            self.controls["lr"].value = f.default_lr

    def build_view(self):
        self.ax = self.figure.add_subplot()
        self.figure.subplots_adjust(left=0.13, right=0.97, top=0.9, bottom=0.12)
        plot = self.ax.plot
        (self.curve_line,) = plot([], [], color="0.25", lw=1.5, label=r"$f(\beta)$")
        (self.path_line,) = plot([], [], "o", color="#d95f02", ms=5, zorder=3,
                                 label=r"$\beta^{(r)}$")
        (self.start_point,) = plot([], [], "o", color="#1b9e77", ms=8, zorder=4,
                                   label=r"$\beta^{(0)}$")
        (self.off_left,) = plot([], [], "<", color="#b00020", ms=9, clip_on=False)
        (self.off_right,) = plot([], [], ">", color="#b00020", ms=9, clip_on=False)
        self.off_text = self.ax.text(0.5, 0.97, "", transform=self.ax.transAxes, ha="center",
                                     va="top", color="#b00020", fontsize=9)
        self.ax.set_xlabel(r"$\beta$")
        self.ax.set_ylabel(r"$f(\beta)$")
        self.ax.legend(loc="upper left", fontsize=9, frameon=False)
        self.animate(self.curve_line, self.path_line, self.start_point, self.off_left,
                     self.off_right, self.off_text, self.ax.title)
        self.arrows: list[FancyArrowPatch] = []

    def draw(self, state: GD1DState):
        # Plain text, not mathtext: the title is redrawn on every change.
        self.ax.set_title(f"{state.function}: α = {state.lr:.3g}, η = {state.momentum:.3g}",
                          fontsize=10)
        self.ax.set_xlim(state.xlim)
        self.ax.set_ylim(state.ylim)
        self.curve_line.set_data(state.curve)
        inside = state.visible
        self.path_line.set_data(state.iterates[inside], state.values[inside])
        self.start_point.set_data(state.iterates[:1], state.values[:1])
        self._draw_off_plot(state, inside)
        self._draw_arrows(state)
        self._table.value = html_table(
            ["r", "β⁽ʳ⁾", "f′(β⁽ʳ⁾)", "β⁽ʳ⁺¹⁾", "f(β⁽ʳ⁺¹⁾)"], state.rows)
        colour = {"diverging": "#b00020", "overflow": "#b00020"}.get(state.status, "#1b5e20")
        self._message.value = f"<b style='color:{colour}'>{state.message}</b>"

    def _draw_off_plot(self, state, inside):
        top = state.ylim[1]
        left = state.iterates < state.xlim[0]
        right = state.iterates > state.xlim[1]
        self.off_left.set_data(np.full(left.sum(), state.xlim[0]), np.full(left.sum(), top))
        self.off_right.set_data(np.full(right.sum(), state.xlim[1]), np.full(right.sum(), top))
        outside = np.flatnonzero(~inside)
        self.off_text.set_text(
            "" if outside.size == 0 else
            f"{outside.size} iterate(s) off the plot, e.g. β{superscript(f'({outside[-1]})')} = "
            f"{state.iterates[outside[-1]]:.4g}")

    def _draw_arrows(self, state):
        for arrow in self.arrows:
            arrow.remove()
        self.arrows = []
        b, f = state.iterates, state.values
        low, high = state.ylim
        for r in range(min(len(b) - 1, _MAX_ARROWS)):
            # Agg slows to a crawl on paths far outside the axes: clip both ends into view.
            start = (np.clip(b[r], *state.xlim), np.clip(f[r], low, high))
            end = (np.clip(b[r + 1], *state.xlim), np.clip(f[r + 1], low, high))
            arrow = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10,
                                    color="#7570b3", lw=1.0, alpha=0.85, shrinkA=0, shrinkB=0,
                                    connectionstyle="arc3,rad=0.15", animated=True)
            self.ax.add_patch(arrow)
            self.arrows.append(arrow)

    def layout(self):
        side = widgets.VBox([self._message, self._table],
                            layout=widgets.Layout(margin="0 0 0 12px"))
        return widgets.VBox([self.controls_box(columns=3), widgets.HBox([self._image, side]),
                             self._status])


def explore_gd(function: str = "quadratic", beta0: float | None = None, lr: float | None = None,
               steps: int = 3, momentum: float = 0.0) -> GradientDescent1D:
    """Explore gradient descent on a 1-D function with sliders for β⁽⁰⁾, α, steps and η.

    Parameters
    ----------
    function : str
        A 1-D function of :mod:`coursekit.functions` (default ``"quadratic"``,
        f(β) = 5β² − 3β + 2).
    beta0, lr : float, optional
        Initial start β⁽⁰⁾ and learning rate α (default: the function's defaults).
    steps : int
        Initial number of steps (0 … 50).
    momentum : float
        Initial momentum η in [0, 1).

    Returns
    -------
    GradientDescent1D
        ``.widget`` (displayed when the explorer is the cell's value), ``.controls``
        (``function``, ``beta0``, ``lr``, ``steps``, ``momentum``) and ``.state``
        (a :class:`GD1DState`, with the table in ``.state.rows``).

    Raises
    ------
    ValueError
        For an unknown function name, a 2-D function, negative steps, α ≤ 0 or η ∉ [0, 1).

    Notes
    -----
    Try the lecture's Exercise 1: β⁽⁰⁾ = 4 and α = 1, 0.01, 0.1. With α = 1 the table shows
    4 → −33 → 300 → −2697 and the explorer marks the run as diverging; with α = 0.1 = 1/f″
    the first step lands on the minimum β* = 0.3.

    Examples
    --------
    >>> gd = explore_gd(lr=1.0)
    >>> gd.state.status
    'diverging'
    >>> gd.controls["lr"].value = 0.1
    >>> round(float(gd.state.iterates[1]), 12)
    0.3
    """
    return GradientDescent1D(function, beta0, lr, steps, momentum)
