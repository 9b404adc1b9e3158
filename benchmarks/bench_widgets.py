"""Time the explorers' response to a control change: recompute the state, redraw, render PNG.

Run: ``python benchmarks/bench_widgets.py [--repeats N]``. Each explorer is built with its
default call, then one control is moved through a sweep of values as a student would drag it;
every change is timed from setting ``control.value`` until the new PNG is ready (what the
browser receives). Prints the median and 95th percentile per explorer, and how much of the
median the model alone takes. Target: under 100 ms per change.
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402

import coursekit.widgets as explorers  # noqa: E402

TARGET_MS = 100.0


def _sweep(low, high, count):
    """Values going up and back down, like a dragged slider."""
    up = np.linspace(low, high, count // 2 + 1)
    return list(up) + list(up[::-1][1:])


# (explorer, keyword arguments, control moved, values it takes)
CASES = [
    ("explore_gd", {}, "lr", _sweep(0.005, 0.15, 40)),
    ("explore_gd", {}, "beta0", _sweep(-1.5, 4.5, 40)),
    ("explore_gd_2d", {}, "x0", _sweep(-4.5, 4.0, 40)),
    ("optimizer_race", {}, "lr_Adam", _sweep(0.02, 0.2, 40)),
    ("optimizer_race", {}, "momentum", _sweep(0.5, 0.95, 40)),
    ("backprop_stepper", {}, "step", list(range(1, 14)) + list(range(12, -1, -1))),
    ("explore_overfitting", {}, "degree", list(range(0, 16)) + list(range(14, -1, -1))),
    ("explore_overfitting", {"regulariser": "L2"}, "lam",
     list(np.geomspace(1e-8, 1e-1, 29))),
    ("explore_neuron", {}, "w1", _sweep(-4.0, 4.0, 40)),
    ("playground", {}, "epoch", list(range(5, 205, 5))),
]


def _time_changes(name, kwargs, control, values, repeats):
    explorer = getattr(explorers, name)(**kwargs)
    widget = explorer.controls[control]
    totals, models = [], []
    for _ in range(repeats):
        for value in values:
            before = explorer.state
            start = time.perf_counter()
            widget.value = type(widget.value)(value)
            elapsed = time.perf_counter() - start
            if explorer.state is not before:  # a value snapped to the same grid point: no change
                totals.append(elapsed)
        # the model alone, on the same settings (caches warm, as in the sweep above)
        start = time.perf_counter()
        explorer.compute(**explorer.values())
        models.append(time.perf_counter() - start)
        if control == "epoch":  # the playground trains on: each repeat restarts the sweep
            widget.value = 0
    return np.array(totals) * 1e3, np.array(models) * 1e3


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="sweeps per case (default 2)")
    args = parser.parse_args(argv)
    print(f"{'explorer':<36}{'control':<10}{'changes':>8}{'median ms':>11}{'p95 ms':>9}"
          f"{'model ms':>10}  target < {TARGET_MS:.0f} ms")
    for name, kwargs, control, values in CASES:
        totals, models = _time_changes(name, kwargs, control, values, args.repeats)
        median, p95 = np.median(totals), np.percentile(totals, 95)
        verdict = "ok" if median < TARGET_MS else "SLOW"
        label = name + ("(" + ",".join(f"{k}={v}" for k, v in kwargs.items()) + ")" if kwargs else "")
        print(f"{label:<36}{control:<10}{len(totals):>8}{median:>11.1f}{p95:>9.1f}"
              f"{np.median(models):>10.1f}  {verdict}")
    print(f"machine load average: {', '.join(f'{v:.1f}' for v in os.getloadavg())} "
          f"({os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
