"""Gradient descent in 2-D: plain, heavy-ball momentum and Nesterov on a function's contours.

The model (:func:`gd_2d`) runs :func:`coursekit.gd.gradient_descent` three times from the same
start; the view shows the paths on the contours and the gap f(x⁽ʳ⁾) − f(x*) per iteration.
"""
from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from ._common import (
    box,
    check_float,
    check_int,
    dropdown,
    float_slider,
    format_number,
    html_table,
    int_slider,
    log_slider,
    names_of_dim,
    objective,
    set_range,
)
from ._explorer import Explorer
from ._paths import PathsView, trim

__all__ = ["GD2DState", "gd_2d", "default_lr", "explore_gd_2d", "GradientDescent2D"]

MAX_STEPS = 500
METHODS = ("gradient descent", "momentum", "Nesterov")
_COLOURS = ("#d95f02", "#7570b3", "#e7298a")


@dataclass(frozen=True)
class GD2DState:
    """What the 2-D explorer shows.

    Attributes
    ----------
    function : str
        Name of the 2-D course function.
    start : ndarray, shape (2,)
        x⁽⁰⁾.
    lr, momentum : float
        Learning rate α and momentum η (used by the momentum and Nesterov runs).
    steps : int
        Number of steps.
    paths : dict of str to OptimiserRun
        ``"gradient descent"``, ``"momentum"``, ``"Nesterov"`` -> their runs.
    """

    function: str
    start: np.ndarray
    lr: float
    momentum: float
    steps: int
    paths: dict

    @property
    def rows(self) -> list[tuple[str, int, float, float, float]]:
        """(method, steps kept, x⁽ᵏ⁾, y⁽ᵏ⁾, f − f*) per method; a diverged run ends in +∞."""
        return [(name, len(p.points) - 1, float(p.points[-1, 0]), float(p.points[-1, 1]),
                 p.final_loss) for name, p in self.paths.items()]


def gd_2d(function: str = "ill_conditioned", x0: float | None = None, y0: float | None = None,
          lr: float | None = None, momentum: float = 0.8, steps: int = 40) -> GD2DState:
    """Run plain, momentum and Nesterov gradient descent on a 2-D course function.

    Parameters
    ----------
    function : str
        Name of a 2-D function of :mod:`coursekit.functions` (default the ill-conditioned
        quadratic valley, where momentum helps most).
    x0, y0 : float, optional
        Start x⁽⁰⁾ (default: the function's ``default_start``).
    lr : float, optional
        Learning rate α > 0 (default: :func:`default_lr`).
    momentum : float
        η in [0, 1) for the momentum and Nesterov runs.
    steps : int
        Number of steps, 0 … 500.

    Returns
    -------
    GD2DState

    Raises
    ------
    ValueError
        Unknown or 1-D function, negative steps, α ≤ 0, η outside [0, 1).

    Notes
    -----
    Plain: x⁽ʳ⁺¹⁾ = x⁽ʳ⁾ − α∇f(x⁽ʳ⁾). Momentum: x⁽ʳ⁺¹⁾ = x⁽ʳ⁾ − α∇f(x⁽ʳ⁾) + η(x⁽ʳ⁾ − x⁽ʳ⁻¹⁾).
    Nesterov evaluates the gradient at the look-ahead point x⁽ʳ⁾ + η(x⁽ʳ⁾ − x⁽ʳ⁻¹⁾).

    Examples
    --------
    >>> state = gd_2d(steps=60)
    >>> state.paths["momentum"].final_loss < state.paths["gradient descent"].final_loss
    True
    """
    from coursekit.gd import gradient_descent

    f = objective(function, dim=2)
    default = np.asarray(f.default_start, dtype=np.float64)
    start = np.array([check_float("x0", default[0] if x0 is None else x0),
                      check_float("y0", default[1] if y0 is None else y0)])
    lr = check_float("lr", default_lr(f) if lr is None else lr, minimum=0.0, strict_minimum=True)
    momentum = check_float("momentum", momentum, minimum=0.0)
    if momentum >= 1.0:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")
    steps = check_int("steps", steps, minimum=0, maximum=MAX_STEPS)
    settings = {"gradient descent": (0.0, False), "momentum": (momentum, False),
                "Nesterov": (momentum, True)}
    paths = {}
    with np.errstate(all="ignore"):
        for name, (eta, nesterov) in settings.items():
            points = gradient_descent(f.grad, start, lr, steps, momentum=eta, nesterov=nesterov)
            paths[name] = trim(f, points)
    return GD2DState(function=function, start=start, lr=lr, momentum=momentum, steps=steps,
                     paths=paths)


def default_lr(f) -> float:
    """Half the function's ``default_lr``.

    Momentum lengthens steps (up to 1/(1 − η) times), and Nesterov's stable range is the
    narrowest: on a quadratic of largest curvature L it needs αL < (2 + 2η)/(1 + 2η), so with
    η = 0.8 the ill-conditioned valley's own α = 0.09 (αL = 1.8) diverges while α = 0.045 does not.
    """
    return f.default_lr / 2


class GradientDescent2D(Explorer):
    """The 2-D gradient-descent explorer; build it with :func:`explore_gd_2d`."""

    def __init__(self, function="ill_conditioned", x0=None, y0=None, lr=None, momentum=0.8,
                 steps=40):
        first = gd_2d(function, x0, y0, lr, momentum, steps)
        (x_low, x_high), (y_low, y_high) = box(objective(function, 2).domain, 2)
        controls = {
            "function": dropdown("function f", names_of_dim(2), function),
            "x0": float_slider("start x⁽⁰⁾", first.start[0], x_low, x_high),
            "y0": float_slider("start y⁽⁰⁾", first.start[1], y_low, y_high),
            "lr": log_slider("learning rate α", first.lr, 1e-4, 1.0),
            "momentum": float_slider("momentum η", first.momentum, 0.0, 0.99, 0.01),
            "steps": int_slider("steps", first.steps, 0, MAX_STEPS),
        }
        self._table = widgets.HTML()
        super().__init__(controls, figsize=(10.0, 4.2))

    def compute(self, **values) -> GD2DState:
        return gd_2d(**values)

    def react(self, name, change):
        if name == "function":
            f = objective(change["new"], dim=2)
            start = np.asarray(f.default_start, dtype=np.float64)
            for axis, (low, high), value in zip(("x0", "y0"), box(f.domain, 2), start):
                set_range(self.controls[axis], low, high, value=value)
            self.controls["lr"].value = default_lr(f)

    def build_view(self):
        self.view = PathsView(self, METHODS, _COLOURS)
        self.on_click(self.view.ax, self._start_at)

    def _start_at(self, x: float, y: float) -> None:
        """Start all three methods from the clicked point (moved to the sliders' grid)."""
        self.set(x0=x, y0=y)

    def draw(self, state: GD2DState):
        f = objective(state.function, 2)
        self.view.draw(f, state.paths, state.steps,
                       f"{f.label}   α = {state.lr:.3g}, η = {state.momentum:.3g}")
        self._table.value = html_table(
            ["method", "steps", "x⁽ᵏ⁾", "y⁽ᵏ⁾", "f − f*"],
            [(name, k, x, y, "diverged" if not np.isfinite(loss) else format_number(loss))
             for name, k, x, y, loss in state.rows])

    def layout(self):
        parts = [self.controls_box(columns=3), self._image, self._table, self._status]
        if self._events is not None:
            parts.insert(1, widgets.HTML("<i>Click the contour plot to start there.</i>"))
        return widgets.VBox(parts)


def explore_gd_2d(function: str = "ill_conditioned", x0: float | None = None,
                  y0: float | None = None, lr: float | None = None, momentum: float = 0.8,
                  steps: int = 40) -> GradientDescent2D:
    """Explore plain, momentum and Nesterov gradient descent on the contours of a 2-D function.

    Parameters
    ----------
    function : str
        A 2-D function of :mod:`coursekit.functions` (default ``"ill_conditioned"``).
    x0, y0 : float, optional
        Start (default: the function's ``default_start``); the sliders move it, and so does a
        click on the contour plot.
    lr : float, optional
        Learning rate α (default: :func:`default_lr`).
    momentum : float
        η in [0, 1) for momentum and Nesterov.
    steps : int
        Number of steps (0 … 500).

    Returns
    -------
    GradientDescent2D
        ``.controls`` (``function``, ``x0``, ``y0``, ``lr``, ``momentum``, ``steps``) and
        ``.state`` (a :class:`GD2DState`; ``.state.paths[name].points`` are the iterates).

    Raises
    ------
    ValueError
        For an unknown or 1-D function, negative steps, α ≤ 0 or η ∉ [0, 1).

    Examples
    --------
    >>> explorer = explore_gd_2d()
    >>> explorer.controls["momentum"].value = 0.0   # all three paths coincide
    >>> bool(np.allclose(explorer.state.paths["momentum"].points,
    ...                  explorer.state.paths["gradient descent"].points))
    True
    """
    return GradientDescent2D(function, x0, y0, lr, momentum, steps)
