"""Optimisation paths on the contours of a 2-D function, and their losses: shared model and view.

Used by the 2-D gradient-descent explorer and the optimiser race: each computes named paths
(arrays of shape (k + 1, 2)); :func:`trim` keeps what can be drawn, :class:`PathsView` draws
the contours once per function and the paths and loss curves on every change.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ._common import box, names_of_dim, powers_of_ten

_GRID = 120
_KEEP_BOX = 3.0  # paths are cut when they leave the plot box enlarged this many times


@dataclass(frozen=True)
class OptimiserRun:
    """One optimiser's run.

    Attributes
    ----------
    points : ndarray, shape (k + 1, 2)
        Iterates x⁽⁰⁾ … x⁽ᵏ⁾, cut before the first one that overflowed or left the enlarged
        plot box (k < steps then, and ``escaped`` is True).
    losses : ndarray, shape (k + 1,)
        f(x⁽ʳ⁾) − f(x*): the gap to the global minimum (≥ 0).
    escaped : bool
        Whether the run diverged (overflow or far outside the plot).
    """

    points: np.ndarray
    losses: np.ndarray
    escaped: bool

    @property
    def final_loss(self) -> float:
        """The last gap f(x⁽ᵏ⁾) − f(x*), or +inf for a diverged run."""
        return float("inf") if self.escaped else float(self.losses[-1])


def trim(f, points) -> OptimiserRun:
    """Cut a run's iterates to the finite ones near the plot box and attach their losses."""
    points = np.asarray(points, dtype=np.float64)
    limits = box(f.domain, 2)
    centre, half = limits.mean(axis=1), (limits[:, 1] - limits[:, 0]) / 2
    with np.errstate(all="ignore"):
        near = np.isfinite(points).all(axis=1) & \
            (np.abs(points - centre) <= _KEEP_BOX * half).all(axis=1)
    keep = len(points) if near.all() else int(np.argmin(near))
    kept = points[:keep]
    losses = np.asarray(f.value(kept), dtype=np.float64) - float(f.value(np.asarray(f.minimum)))
    return OptimiserRun(points=kept, losses=np.maximum(losses, 0.0), escaped=keep < len(points))


@lru_cache(maxsize=16)
def contour_grid(name: str):
    """Grid (X, Y, Z) of the 2-D course function ``name`` over its plot box (cached)."""
    from coursekit import functions

    f = functions.get(name)
    (x_low, x_high), (y_low, y_high) = box(f.domain, 2)
    X, Y = np.meshgrid(np.linspace(x_low, x_high, _GRID), np.linspace(y_low, y_high, _GRID))
    Z = np.asarray(f.value(np.stack([X, Y], axis=-1)), dtype=np.float64)
    return X, Y, Z


def contour_levels(Z, minimum_value: float, count: int = 18) -> np.ndarray:
    """Levels spaced geometrically above the minimum, so valleys and rims both show."""
    gap = Z - minimum_value
    top = float(np.quantile(gap, 0.95))
    bottom = max(float(gap.min()), top * 1e-4, 1e-12)
    return minimum_value + np.geomspace(bottom, top, count)


@lru_cache(maxsize=1)
def loss_limits(floor: float = 1e-8) -> tuple[float, float]:
    """Log-axis limits for the gap f − f*: the same for every 2-D course function.

    From ``floor`` to the power of ten above the largest gap on any function's plot box, so
    neither a slider nor the function menu changes the axis (a change would force a redraw).
    """
    from coursekit import functions

    top = floor * 10
    for name in names_of_dim(2):
        f = functions.get(name)
        _, _, Z = contour_grid(name)
        top = max(top, float(np.max(Z)) - float(f.value(np.asarray(f.minimum))))
    return floor, 10.0 ** np.ceil(np.log10(top))


class PathsView:
    """Contours with paths on the left, loss gaps per iteration (log scale) on the right.

    Parameters
    ----------
    explorer : Explorer
        The explorer whose figure this view draws into.
    names : sequence of str
        The paths' names (legend labels), in drawing order.
    colours : sequence of str
        One colour per path.
    """

    def __init__(self, explorer, names, colours):
        self.explorer = explorer
        figure = explorer.figure
        self.ax, self.loss_ax = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
        figure.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.9, wspace=0.25)
        self.function = None
        self.contours = None
        self.lines, self.ends, self.loss_lines = {}, {}, {}
        for name, colour in zip(names, colours):
            (self.lines[name],) = self.ax.plot([], [], "-", color=colour, lw=1.4)
            (self.ends[name],) = self.ax.plot([], [], "o", color=colour, ms=4)
            (self.loss_lines[name],) = self.loss_ax.plot([], [], color=colour, lw=1.4,
                                                         label=name)
            explorer.animate(self.lines[name], self.ends[name], self.loss_lines[name])
        (self.start,) = self.ax.plot([], [], "*", color="k", ms=11, zorder=5, label="start")
        (self.minimum,) = self.ax.plot([], [], "P", color="#1b9e77", ms=9, zorder=5,
                                       label="minimum")
        explorer.animate(self.start, self.ax.title)
        self.loss_ax.set_yscale("log")
        self.loss_ax.set_xlabel("iteration r")
        self.loss_ax.set_ylabel("f(x⁽ʳ⁾) − f(x*)")
        powers_of_ten(self.loss_ax.yaxis)
        self.loss_ax.grid(True, which="major", alpha=0.3)
        self.loss_ax.legend(fontsize=7, loc="upper right", framealpha=0.8)

    def set_function(self, f) -> None:
        """Draw the contours of ``f`` (only when it changed)."""
        if self.function == f.name:
            return
        self.function = f.name
        if self.contours is not None:
            self.contours.remove()
        X, Y, Z = contour_grid(f.name)
        minimum_value = float(f.value(np.asarray(f.minimum)))
        self.contours = self.ax.contour(X, Y, Z, levels=contour_levels(Z, minimum_value),
                                        cmap="viridis", linewidths=0.7, alpha=0.8)
        self.minimum.set_data([f.minimum[0]], [f.minimum[1]])
        (x_low, x_high), (y_low, y_high) = box(f.domain, 2)
        self.ax.set_xlim(x_low, x_high)
        self.ax.set_ylim(y_low, y_high)
        self.ax.set_xlabel(f.variables[0])
        self.ax.set_ylabel(f.variables[1])
        self.ax.legend(fontsize=7, loc="lower right", framealpha=0.8)
        self.explorer.invalidate(look=("contours", f.name), axes=[self.ax])

    def draw(self, f, paths: dict[str, OptimiserRun], steps: int, title: str) -> None:
        """Show ``paths`` (name -> :class:`OptimiserRun`; missing names are hidden) on ``f``."""
        self.set_function(f)
        for name, line in self.lines.items():
            path = paths.get(name)
            shown = path is not None
            points = path.points if shown else np.empty((0, 2))
            line.set_data(points[:, 0], points[:, 1])
            self.ends[name].set_data(points[-1:, 0], points[-1:, 1])
            losses = path.losses if shown else np.empty(0)
            self.loss_lines[name].set_data(np.arange(len(losses)), losses)
            for artist in (line, self.ends[name], self.loss_lines[name]):
                artist.set_visible(shown)
        first = next(iter(paths.values()), None)
        if first is not None and len(first.points):
            self.start.set_data(first.points[:1, 0], first.points[:1, 1])
        self.loss_ax.set_xlim(0, max(steps, 1))
        self.loss_ax.set_ylim(*loss_limits())
        self.ax.set_title(title, fontsize=9)
