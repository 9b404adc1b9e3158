"""Optimiser race: SGD, momentum, Nesterov, AdaGrad, RMSprop, Adam and AdamW on one function.

The model (:func:`race`) runs every optimizer of :mod:`coursekit.optim` from the same start on a
2-D course function (Rosenbrock's banana valley by default) and returns their paths and loss
gaps. Each run is cached on its own settings, so moving one optimizer's slider recomputes
only that optimizer.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import ipywidgets as widgets
import numpy as np

from ._common import (
    box,
    check_choice,
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
    round_nicely,
)
from ._explorer import Explorer
from ._paths import PathsView, trim

__all__ = ["RACERS", "RaceState", "race", "default_hyperparameters", "optimizer_race",
           "OptimizerRace"]

MAX_STEPS = 2000
RACERS = ("SGD", "momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam", "AdamW")
_COLOURS = ("#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#1f78b4", "#a6761d")
# Learning rates of the adaptive methods, for a plot box 4 units wide (Rosenbrock's); they
# move parameters by about lr per step whatever the gradient's scale, so they scale with the box.
_ADAPTIVE_LR = {"AdaGrad": 1.0, "RMSprop": 0.02, "Adam": 0.1, "AdamW": 0.1}


@dataclass(frozen=True)
class RaceState:
    """What the optimiser race shows.

    Attributes
    ----------
    function : str
        Name of the 2-D course function.
    steps : int
        Updates per optimizer.
    hyperparameters : dict
        ``lr_<racer>`` for each racer, ``momentum``, ``betas`` (β₁, β₂), ``alpha`` (RMSprop's
        smoothing), ``weight_decay`` (AdamW's decoupled λ).
    paths : dict of str to OptimiserRun
        The shown racers' runs, in :data:`RACERS` order.
    """

    function: str
    steps: int
    hyperparameters: dict
    paths: dict

    @property
    def ranking(self) -> list[tuple[str, float]]:
        """(racer, final gap f − f*) from best to worst; diverged runs last (+inf)."""
        return sorted(((n, p.final_loss) for n, p in self.paths.items()), key=lambda r: r[1])


def default_hyperparameters(function: str = "rosenbrock") -> dict:
    """Settings under which every racer converges or at least heads for the minimum.

    SGD, momentum and Nesterov use the function's own ``default_lr``; the adaptive methods use
    rates proportional to the plot box, rounded to the round numbers of the sliders.
    """
    f = objective(function, dim=2)
    width = float(np.ptp(box(f.domain, 2), axis=1).max())
    rates = {"lr_SGD": f.default_lr, "lr_momentum": f.default_lr, "lr_Nesterov": f.default_lr}
    rates.update({f"lr_{name}": round_nicely(lr * width / 4) for name, lr in _ADAPTIVE_LR.items()})
    return {**rates, "momentum": 0.9, "beta1": 0.9, "beta2": 0.999, "alpha": 0.99,
            "weight_decay": 0.01}


def race(function: str = "rosenbrock", steps: int = 300, show=RACERS, **hyperparameters):
    """Run the racers of :data:`RACERS` with :mod:`coursekit.optim` on a 2-D course function.

    Parameters
    ----------
    function : str
        Name of a 2-D function of :mod:`coursekit.functions` (default ``"rosenbrock"``).
    steps : int
        Number of updates, 0 … 2000.
    show : sequence of str
        The racers to run (a subset of :data:`RACERS`).
    **hyperparameters
        Overrides of :func:`default_hyperparameters`: ``lr_SGD`` … ``lr_AdamW``, ``momentum``
        (μ of momentum and Nesterov), ``beta1``, ``beta2`` (Adam, AdamW), ``alpha`` (RMSprop)
        and ``weight_decay`` (AdamW).

    Returns
    -------
    RaceState

    Raises
    ------
    ValueError
        Unknown function, racer or hyperparameter name; out-of-range values.

    Notes
    -----
    All start at the function's ``default_start`` with the same gradient ∇f. The optimizers
    follow torch.optim's rules: e.g. Adam mₜ = β₁mₜ₋₁ + (1−β₁)gₜ, vₜ = β₂vₜ₋₁ + (1−β₂)gₜ²,
    θₜ = θₜ₋₁ − α m̂ₜ/(√v̂ₜ + ε); AdamW first shrinks θ by αλθ (decoupled weight decay).

    Examples
    --------
    >>> state = race(steps=300)
    >>> state.ranking[0][0] in RACERS
    True
    """
    objective(function, dim=2)
    steps = check_int("steps", steps, minimum=0, maximum=MAX_STEPS)
    settings = default_hyperparameters(function)
    unknown = set(hyperparameters) - set(settings)
    if unknown:
        raise ValueError(f"unknown hyperparameter(s) {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(settings)}")
    settings.update(hyperparameters)
    for name, value in settings.items():
        check_float(name, value, minimum=0.0, strict_minimum=name.startswith("lr_"))
    for name in ("momentum", "beta1", "beta2", "alpha"):
        if settings[name] >= 1.0:
            raise ValueError(f"{name} must be below 1, got {settings[name]}")
    for name in show:
        check_choice("show", name, RACERS)
    arguments = {name: _optimizer_settings(name, settings) for name in RACERS if name in show}
    _RUNS.points(function, arguments, steps)  # advance the racers that need steps, together
    paths = {name: _run(function, name, steps, racer) for name, racer in arguments.items()}
    return RaceState(function=function, steps=steps, hyperparameters=settings, paths=paths)


def _optimizer_settings(name: str, settings: dict) -> tuple:
    """The constructor arguments of racer ``name`` (a hashable tuple, for the cache)."""
    lr = settings[f"lr_{name}"]
    arguments = {
        "SGD": {"lr": lr},
        "momentum": {"lr": lr, "momentum": settings["momentum"]},
        # With μ = 0 the look-ahead is plain SGD (torch.optim refuses nesterov without momentum).
        "Nesterov": {"lr": lr, "momentum": settings["momentum"],
                     "nesterov": settings["momentum"] > 0},
        "AdaGrad": {"lr": lr},
        "RMSprop": {"lr": lr, "alpha": settings["alpha"]},
        "Adam": {"lr": lr, "betas": (settings["beta1"], settings["beta2"])},
        "AdamW": {"lr": lr, "betas": (settings["beta1"], settings["beta2"]),
                  "weight_decay": settings["weight_decay"]},
    }[name]
    return tuple(sorted(arguments.items()))


_CLASSES = {"SGD": "SGD", "momentum": "SGD", "Nesterov": "SGD", "AdaGrad": "Adagrad",
            "RMSprop": "RMSprop", "Adam": "Adam", "AdamW": "AdamW"}


@lru_cache(maxsize=256)
def _run(function: str, name: str, steps: int, arguments: tuple):
    """One racer's run (cached: a slider of one racer leaves the others' runs untouched)."""
    from coursekit import functions

    points = _RUNS.points(function, {name: arguments}, steps)[name]
    path = trim(functions.get(function), points)
    path.points.setflags(write=False)
    return path


class _Runs:
    """Racers' iterates, kept with their optimizers so that a longer run continues a shorter one.

    Moving the steps slider then costs only the new steps (or nothing, going down), and the
    racers that need new steps advance together: one vectorised ∇f call per step for all.
    """

    def __init__(self, size: int = 128):
        self.size = size
        self._runs: OrderedDict = OrderedDict()

    def clear(self) -> None:
        self._runs.clear()

    def points(self, function: str, racers: dict, steps: int) -> dict:
        """Iterates x⁽⁰⁾ … x⁽steps⁾ of each racer (name → constructor arguments), shape (steps + 1, 2).

        After a non-finite iterate the run stops; the rows after it are nan.
        """
        from coursekit import functions

        f = functions.get(function)
        runs = {name: self._get(f, function, name, arguments) for name, arguments in racers.items()}
        _advance(f, [run for run in runs.values() if run.length <= steps], steps)
        result = {}
        for name, run in runs.items():
            points = np.full((steps + 1, 2), np.nan)
            known = min(run.length, steps + 1)
            points[:known] = run.buffer[:known]
            result[name] = points
        return result

    def _get(self, f, function, name, arguments):
        from coursekit import optim

        key = (function, name, arguments)
        if key in self._runs:
            self._runs.move_to_end(key)
            return self._runs[key]
        x = np.array(f.default_start, dtype=np.float64)
        run = _Run(getattr(optim, _CLASSES[name])([x], **dict(arguments)), x)
        self._runs[key] = run
        while len(self._runs) > self.size:
            self._runs.popitem(last=False)
        return run


class _Run:
    """One racer's optimizer, its parameter x and the iterates so far (``length`` rows)."""

    def __init__(self, optimizer, x):
        self.optimizer, self.x = optimizer, x
        self.buffer = np.empty((64, 2))
        self.buffer[0] = x
        self.length = 1
        self.stopped = False

    def record(self) -> None:
        if self.length == len(self.buffer):
            self.buffer = np.concatenate([self.buffer, np.empty_like(self.buffer)])
        self.buffer[self.length] = self.x
        self.length += 1
        self.stopped = not np.isfinite(self.x).all()


def _advance(f, runs, steps: int) -> None:
    """Step every run until it holds x⁽steps⁾ or stopped, one ∇f call for all per step."""
    with np.errstate(all="ignore"):
        while True:
            moving = [run for run in runs if run.length <= steps and not run.stopped]
            if not moving:
                return
            grads = np.asarray(f.grad(np.stack([run.x for run in moving])), dtype=np.float64)
            for run, grad in zip(moving, grads):
                run.optimizer.step([grad.copy()])
                run.record()


_RUNS = _Runs()


class OptimizerRace(Explorer):
    """The optimiser race; build it with :func:`optimizer_race`."""

    def __init__(self, function="rosenbrock", steps=300, **hyperparameters):
        first = race(function, steps, **hyperparameters)
        h = first.hyperparameters
        controls = {
            "function": dropdown("function f", names_of_dim(2), function),
            "steps": int_slider("steps", first.steps, 0, MAX_STEPS),
            "show": widgets.SelectMultiple(options=RACERS, value=RACERS, rows=len(RACERS),
                                           description="show"),
        }
        for name in RACERS:
            controls[f"lr_{name}"] = log_slider(f"α {name}", h[f"lr_{name}"], 1e-5, 10.0)
        controls["momentum"] = float_slider("momentum μ", h["momentum"], 0.0, 0.99, 0.01)
        controls["beta1"] = float_slider("Adam β₁", h["beta1"], 0.0, 0.99, 0.01)
        controls["beta2"] = float_slider("Adam β₂", h["beta2"], 0.9, 0.9999, 0.0001, ".4f")
        controls["alpha"] = float_slider("RMSprop α", h["alpha"], 0.5, 0.999, 0.001)
        controls["weight_decay"] = float_slider("AdamW λ", h["weight_decay"], 0.0, 0.5, 0.005)
        self._table = widgets.HTML()
        super().__init__(controls, figsize=(10.0, 4.2))

    def compute(self, **values) -> RaceState:
        return race(**values)

    def react(self, name, change):
        if name == "function":
            for key, value in default_hyperparameters(change["new"]).items():
                self.controls[key].value = value

    def build_view(self):
        self.view = PathsView(self, RACERS, _COLOURS)

    def draw(self, state: RaceState):
        f = objective(state.function, 2)
        self.view.draw(f, state.paths, state.steps, f"{f.label}   {state.steps} steps")
        self._table.value = html_table(
            ["rank", "optimizer", "α", "f − f*"],
            [(rank, name, state.hyperparameters[f"lr_{name}"],
              "diverged" if not np.isfinite(loss) else format_number(loss))
             for rank, (name, loss) in enumerate(state.ranking, start=1)])

    def layout(self):
        general = widgets.VBox([self.controls["function"], self.controls["steps"],
                                self.controls["show"]])
        rates = widgets.VBox([self.controls[f"lr_{name}"] for name in RACERS])
        others = widgets.VBox([self.controls[k] for k in
                               ("momentum", "beta1", "beta2", "alpha", "weight_decay")])
        return widgets.VBox([widgets.HBox([general, rates, others]),
                             widgets.HBox([self._image, self._table]), self._status])


def optimizer_race(function: str = "rosenbrock", steps: int = 300,
                   **hyperparameters) -> OptimizerRace:
    """Race SGD, momentum, Nesterov, AdaGrad, RMSprop, Adam and AdamW on a 2-D function.

    Parameters
    ----------
    function : str
        A 2-D function of :mod:`coursekit.functions` (default ``"rosenbrock"``).
    steps : int
        Updates per optimizer (0 … 2000).
    **hyperparameters
        Initial slider values, see :func:`race`.

    Returns
    -------
    OptimizerRace
        ``.controls``: ``function``, ``steps``, ``show`` (which racers), ``lr_<racer>``,
        ``momentum``, ``beta1``, ``beta2``, ``alpha``, ``weight_decay``; ``.state``: a
        :class:`RaceState` (paths, losses, ranking).

    Raises
    ------
    ValueError
        For an unknown function or hyperparameter, negative steps, or values out of range.

    Examples
    --------
    >>> explorer = optimizer_race()
    >>> explorer.controls["lr_Adam"].value = 0.01    # only Adam is recomputed
    >>> explorer.state.hyperparameters["lr_Adam"]
    0.01
    """
    return OptimizerRace(function, steps, **hyperparameters)
