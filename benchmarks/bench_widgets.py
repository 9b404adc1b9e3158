"""Time the explorers' response to a control change: recompute the state, redraw, render PNG.

Run: ``python benchmarks/bench_widgets.py [--repeats N] [--only NAME]``. Each explorer is built
with its default call, then every one of its controls in turn is moved through the values a
student would give it (a slider dragged up and back, every option of a menu, a few texts),
starting from the default settings; every change is timed from setting ``control.value`` until
the new PNG is ready (what the browser receives). Prints, per control, the median and 95th
percentile, and the median of the model alone and of the redraw alone (animated artists and
PNG encoding) at the last setting. Clicks on the 2-D explorer's contour plot (a new start) are
timed too, at 16 points across it. Target: under 100 ms per change.

With the L1 regulariser the overfitting explorer caches its fits and, per noise and seed, the
16 lasso paths; those rows clear the caches before every change, so they time first views:
of a λ (16 lookups on the paths), of a noise or seed (16 new paths).

The 2-D explorers keep the background (contours, axes, legends) of the last few functions
shown. Their ``function`` row goes back and forth between functions already seen; the
``function, first view`` row clears the kept backgrounds before every change, so it times a
function's first appearance (new contours, and a redraw of the axes that show them).
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("MPLBACKEND", "Agg")

import ipywidgets as widgets  # noqa: E402
import numpy as np  # noqa: E402

import coursekit.widgets as explorers  # noqa: E402
from coursekit.widgets import overfitting as overfitting_module  # noqa: E402

TARGET_MS = 100.0
SWEEP = 30  # values per slider sweep (up, then back down)

# Controls whose natural sweep is not their whole range, by (explorer, control).
SWEEPS = {
    ("explore_gd_2d", "steps"): list(range(10, 160, 10)),
    ("optimizer_race", "steps"): list(range(100, 650, 50)),
    ("playground", "epoch"): list(range(5, 205, 5)),
    ("playground", "seed"): list(range(0, 8)),
    ("explore_overfitting", "seed"): list(range(0, 12)),
    ("explore_neuron", "logits"): ["1, 2, 3", "7, -7.5, 10", "0, 0", "5, -1, 2, 0.5", "-3, 3"],
    ("backprop_stepper", "x"): [1.0, 2.0, -1.0, 3.0, 0.5],
    ("backprop_stepper", "y"): [3.0, -12.0, 0.0, 5.0],
    ("backprop_stepper", "lr"): [0.1, 0.2, 0.05, 0.3],
    ("backprop_stepper", "iterations"): [1, 2, 5, 10, 20, 3],
    ("backprop_stepper", "step"): list(range(1, 14)) + list(range(12, -1, -1)),
}

# (explorer, keyword arguments, clear the fit cache before each change)
EXPLORERS = [
    ("explore_gd", {}, False),
    ("explore_gd_2d", {}, False),
    ("optimizer_race", {}, False),
    ("backprop_stepper", {}, False),
    ("explore_overfitting", {}, False),
    ("explore_overfitting", {"regulariser": "L2"}, False),
    ("explore_overfitting", {"regulariser": "L1"}, True),
    ("explore_neuron", {}, False),
    ("playground", {}, False),
]


def _up_and_down(values):
    values = list(values)
    return values + values[::-1][1:]


def sweep(name, control_name, control):
    """The values a control takes in the benchmark (the default value last)."""
    if (name, control_name) in SWEEPS:
        return SWEEPS[name, control_name]
    if isinstance(control, widgets.SelectMultiple):
        chosen = tuple(control.value)
        return [tuple(o for o in chosen if o != left) for left in chosen] + [chosen]
    if isinstance(control, (widgets.Dropdown, widgets.Select)):
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return [o for o in options if o != control.value] + [control.value]
    if isinstance(control, widgets.SelectionSlider):  # the log sliders: round numbers
        options = np.asarray(control.options, dtype=object)[:, 1]
        picked = np.unique(np.linspace(0, len(options) - 1, SWEEP // 2 + 1).round().astype(int))
        return _up_and_down(options[picked].astype(float)) + [control.value]
    if isinstance(control, widgets.FloatSlider):
        return _up_and_down(np.linspace(control.min, control.max, SWEEP // 2 + 1)) \
            + [control.value]
    if isinstance(control, widgets.IntSlider):
        top = min(control.max, control.min + 40)
        return _up_and_down(range(control.min, top + 1, max(1, (top - control.min) // 15))) \
            + [control.value]
    raise TypeError(f"no sweep for {name}.{control_name} ({type(control).__name__})")


# Controls also timed on first views, by (explorer, control): kept backgrounds cleared.
FIRST_VIEWS = {("explore_gd_2d", "function"), ("optimizer_race", "function")}


def _forget(explorer, control_name, cold, first_view):
    """Clear what the explorer kept, so that the next change is timed as a first view."""
    if cold:  # a new λ reuses the lasso paths of this noise and seed; a new noise or
        overfitting_module._fit.cache_clear()  # seed computes 16 new paths
        if control_name != "lam":
            overfitting_module._lasso_path.cache_clear()
    if first_view:
        explorer._backgrounds.clear()


def time_control(explorer, control_name, values, repeats, cold, first_view=False, warm_up=False):
    """Milliseconds per real change of one control, and the model/redraw split at the end."""
    control = explorer.controls[control_name]
    default = control.value
    totals = []
    if warm_up:  # an untimed pass: the timed passes revisit what it showed
        for value in values:
            control.value = value if isinstance(value, (str, tuple)) else type(default)(value)
    for _ in range(repeats):
        for value in values:
            _forget(explorer, control_name, cold, first_view)
            before = explorer.state
            start = time.perf_counter()
            control.value = value if isinstance(value, (str, tuple)) else type(default)(value)
            elapsed = time.perf_counter() - start
            if explorer.state is not before:  # a value snapped to the same grid point: no change
                totals.append(elapsed)
        if control_name == "epoch":  # the playground trains on: each repeat restarts the sweep
            control.value = default
    control.value = default
    model = _median_ms(lambda: explorer.compute(**explorer.values()))
    redraw = _median_ms(lambda: (explorer.draw(explorer.state), explorer.render()))
    return np.array(totals) * 1e3, model, redraw


def time_clicks(explorer, points=16):
    """Milliseconds per click on the contour plot of the 2-D explorer, at points across it."""
    ax = explorer.view.ax
    height = explorer.figure.canvas.get_width_height()[1]
    (x_low, x_high), (y_low, y_high) = ax.get_xlim(), ax.get_ylim()
    side = int(np.sqrt(points))
    totals = []
    for x in np.linspace(x_low, x_high, side + 2)[1:-1]:
        for y in np.linspace(y_low, y_high, side + 2)[1:-1]:
            column, up = ax.transData.transform((x, y))
            start = time.perf_counter()
            explorer.click_at(column, height - up)
            totals.append(time.perf_counter() - start)
    return np.array(totals) * 1e3


def _median_ms(action, count=5):
    times = []
    for _ in range(count):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1e3


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="sweeps per control (default 2)")
    parser.add_argument("--only", help="time only this explorer (e.g. playground)")
    args = parser.parse_args(argv)
    print(f"load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())} "
          f"({os.cpu_count()} cores)")
    print(f"{'explorer':<36}{'control':<22}{'changes':>8}{'median ms':>11}{'p95 ms':>9}"
          f"{'model ms':>10}{'redraw ms':>11}  target < {TARGET_MS:.0f} ms")
    worst = 0.0
    for name, kwargs, cold in EXPLORERS:
        if args.only and name != args.only:
            continue
        explorer = getattr(explorers, name)(**kwargs)
        label = name + ("(" + ",".join(f"{k}={v}" for k, v in kwargs.items()) + ")"
                        if kwargs else "")
        for control_name, control in explorer.controls.items():
            if cold and control_name not in ("lam", "noise", "seed"):
                continue  # the other controls reuse cached fits, as in the row above
            values = sweep(name, control_name, control)
            rows = [(control_name, False)]
            if (name, control_name) in FIRST_VIEWS:
                rows.append((f"{control_name}, first view", True))
            for row, first_view in rows:
                totals, model, redraw = time_control(explorer, control_name, values,
                                                     args.repeats, cold, first_view,
                                                     warm_up=len(rows) > 1 and not first_view)
                median, p95 = np.median(totals), np.percentile(totals, 95)
                worst = max(worst, p95)
                verdict = "ok" if p95 < TARGET_MS else \
                    ("median ok" if median < TARGET_MS else "SLOW")
                print(f"{label:<36}{row:<22}{len(totals):>8}{median:>11.1f}{p95:>9.1f}"
                      f"{model:>10.1f}{redraw:>11.1f}  {verdict}")
        if name == "explore_gd_2d":
            totals = time_clicks(explorer)
            median, p95 = np.median(totals), np.percentile(totals, 95)
            worst = max(worst, p95)
            verdict = "ok" if p95 < TARGET_MS else ("median ok" if median < TARGET_MS else "SLOW")
            print(f"{label:<36}{'click on the contours':<22}{len(totals):>8}{median:>11.1f}"
                  f"{p95:>9.1f}{'':>10}{'':>11}  {verdict}")
    print(f"worst p95: {worst:.1f} ms; load average after: "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())} ({os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
