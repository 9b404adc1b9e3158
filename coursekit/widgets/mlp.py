"""Playground: a small MLP trained live on circles, XOR or moons, with its decision boundary.

The model (:class:`PlaygroundRun`) builds ``coursekit.layers.mlp`` for the chosen depth, width,
activation and dropout, and trains it with :func:`coursekit.train.fit` (Adam, binary
cross-entropy on logits) a few epochs at a time. The explorer's ``epoch`` control (driven by a
Play button) asks for a number of epochs; the run trains forward from where it is, or starts
again from the same seed when asked to go back, so a state depends only on the settings and
the epoch.
"""
from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from ._common import (
    check_choice,
    check_float,
    check_int,
    dropdown,
    float_slider,
    int_slider,
    log_slider,
)
from ._explorer import Explorer

__all__ = ["PlaygroundRun", "PlaygroundState", "playground", "Playground", "DATASETS"]

DATASETS = ("circles", "xor", "moons")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "softplus")
MAX_EPOCHS = 2000
SAMPLES = 200
BATCH_SIZE = 32
_GRID = 60


@dataclass(frozen=True)
class PlaygroundState:
    """What the playground shows after ``epoch`` epochs.

    Attributes
    ----------
    settings : dict
        dataset, depth, width, activation, lr, dropout, seed.
    epoch : int
        Epochs trained.
    X, y : ndarray, shapes (200, 2) and (200,)
        The training set (labels 0/1).
    losses : ndarray, shape (epoch,)
        Mean training loss per epoch.
    accuracy : float
        Training accuracy (logit > 0 means class 1), dropout off.
    boundary : ndarray, shape (60, 60)
        P(class 1) over the plot box, rows along x₂.
    extent : tuple of float
        (x₁ low, x₁ high, x₂ low, x₂ high) of the box.
    parameters : int
        Number of trainable numbers in the network.
    """

    settings: dict
    epoch: int
    X: np.ndarray
    y: np.ndarray
    losses: np.ndarray
    accuracy: float
    boundary: np.ndarray
    extent: tuple
    parameters: int


class PlaygroundRun:
    """One training run of an MLP on a 2-D toy set, advanced a few epochs at a time.

    Parameters
    ----------
    dataset : {"circles", "xor", "moons"}
    depth : int
        Hidden layers, 1 … 4.
    width : int
        Units per hidden layer, 1 … 32.
    activation : {"relu", "tanh", "sigmoid", "softplus"}
    lr : float
        Adam's learning rate α > 0.
    dropout : float
        Dropout probability p in [0, 0.9] after every hidden activation (training only).
    seed : int
        Seed of the data, the initial weights, the shuffling and the dropout masks.

    Raises
    ------
    ValueError
        Unknown dataset or activation, or a setting out of range.
    """

    def __init__(self, dataset="xor", depth=2, width=8, activation="tanh", lr=0.01, dropout=0.0,
                 seed=0):
        self.settings = {
            "dataset": check_choice("dataset", dataset, DATASETS),
            "depth": check_int("depth", depth, minimum=1, maximum=4),
            "width": check_int("width", width, minimum=1, maximum=32),
            "activation": check_choice("activation", activation, ACTIVATIONS),
            "lr": check_float("lr", lr, minimum=0.0, strict_minimum=True),
            "dropout": check_float("dropout", dropout, minimum=0.0, maximum=0.9),
            "seed": check_int("seed", seed, minimum=0),
        }
        self.X, self.y = _dataset(dataset, seed)
        self.extent = _extent(self.X)
        self._restart()

    def _restart(self) -> None:
        from coursekit.layers import BCEWithLogitsLoss, mlp
        from coursekit.optim import Adam

        s = self.settings
        sizes = [2] + [s["width"]] * s["depth"] + [1]
        self.model = mlp(sizes, activation=s["activation"], rng=np.random.default_rng([s["seed"], 2]),
                         dropout=s["dropout"])
        self.loss = BCEWithLogitsLoss()
        self.optimizer = Adam(self.model.parameters(), lr=s["lr"])
        self.shuffle_rng = np.random.default_rng([s["seed"], 3])
        self.losses: list[float] = []

    @property
    def epoch(self) -> int:
        """Epochs trained so far."""
        return len(self.losses)

    def train_to(self, epoch: int) -> None:
        """Train until ``epoch`` epochs are done (restarting from scratch to go back)."""
        from coursekit.train import fit

        epoch = check_int("epoch", epoch, minimum=0, maximum=MAX_EPOCHS)
        if epoch < self.epoch:
            self._restart()
        if epoch > self.epoch:
            history = fit(self.model, self.loss, self.optimizer, self.X, self.y,
                          epochs=epoch - self.epoch, batch_size=BATCH_SIZE, rng=self.shuffle_rng)
            self.losses += list(history.train_loss)
            if history.diverged:  # keep the epoch count honest: pad with the last loss
                self.losses += [float("nan")] * (epoch - self.epoch)

    def state(self) -> PlaygroundState:
        """The current state (network in evaluation mode: no dropout)."""
        from coursekit.train import accuracy, predict

        self.model.eval()
        x1 = np.linspace(self.extent[0], self.extent[1], _GRID)
        x2 = np.linspace(self.extent[2], self.extent[3], _GRID)
        grid = np.stack(np.meshgrid(x1, x2), axis=-1).reshape(-1, 2)
        with np.errstate(over="ignore"):
            logits = predict(self.model, grid).reshape(_GRID, _GRID)
        boundary = 1.0 / (1.0 + np.exp(-np.clip(logits, -50, 50)))
        return PlaygroundState(
            settings=dict(self.settings), epoch=self.epoch, X=self.X, y=self.y,
            losses=np.array(self.losses), accuracy=float(accuracy(self.model, self.X, self.y)),
            boundary=boundary, extent=self.extent,
            parameters=int(sum(p.size for p in self.model.parameters())))


def _dataset(name: str, seed: int):
    from coursekit import data

    X, y = getattr(data, name)(SAMPLES, rng=seed)
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64).reshape(-1)


def _extent(X) -> tuple:
    low, high = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * (high - low)
    return (low[0] - pad[0], high[0] + pad[0], low[1] - pad[1], high[1] + pad[1])


class Playground(Explorer):
    """The MLP playground; build it with :func:`playground`."""

    _SETTINGS = ("dataset", "depth", "width", "activation", "lr", "dropout", "seed")

    def __init__(self, dataset="xor", depth=2, width=8, activation="tanh", lr=0.01, dropout=0.0,
                 seed=0, epoch=0):
        self.run = PlaygroundRun(dataset, depth, width, activation, lr, dropout, seed)
        epoch = check_int("epoch", epoch, minimum=0, maximum=MAX_EPOCHS)
        controls = {
            "dataset": dropdown("data", list(DATASETS), dataset),
            "depth": int_slider("hidden layers", depth, 1, 4),
            "width": int_slider("units per layer", width, 1, 32),
            "activation": dropdown("activation", list(ACTIVATIONS), activation),
            "lr": log_slider("learning rate α", lr, 1e-4, 1.0, mantissas=(1, 2, 3, 5)),
            "dropout": float_slider("dropout p", dropout, 0.0, 0.9, 0.05),
            "seed": int_slider("seed", seed, 0, 50),
            "epoch": widgets.IntSlider(value=epoch, min=0, max=MAX_EPOCHS, step=5,
                                       description="epoch", layout=widgets.Layout(width="420px")),
        }
        self.play = widgets.Play(value=epoch, min=0, max=MAX_EPOCHS, step=5, interval=250,
                                 description="train")
        widgets.jslink((self.play, "value"), (controls["epoch"], "value"))
        super().__init__(controls, figsize=(9.0, 3.8))

    def compute(self, **values) -> PlaygroundState:
        settings = {k: values[k] for k in self._SETTINGS}
        if settings != self.run.settings:
            self.run = PlaygroundRun(**settings)
        self.run.train_to(values["epoch"])
        return self.run.state()

    def react(self, name, change):
        if name in self._SETTINGS:  # a new network starts from epoch 0
            self.controls["epoch"].value = 0
            self.play.value = 0

    def build_view(self):
        self.ax, self.loss_ax = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.1]})
        self.figure.subplots_adjust(left=0.06, right=0.98, bottom=0.14, top=0.9, wspace=0.22)
        self.image = self.ax.imshow(np.zeros((_GRID, _GRID)), origin="lower", cmap="RdBu_r",
                                    vmin=0, vmax=1, alpha=0.6, aspect="auto")
        self.scatter = self.ax.scatter([], [], s=16, c=[], cmap="RdBu_r", vmin=0, vmax=1,
                                       edgecolors="w", linewidths=0.6)
        self.contour = None
        (self.loss_line,) = self.loss_ax.plot([], [], color="#1f78b4", lw=1.5)
        self.loss_ax.set_xlabel("epoch")
        self.loss_ax.set_ylabel("training loss (BCE)")
        self.loss_ax.set_ylim(0, 1.0)
        self.loss_ax.grid(True, alpha=0.3)
        self.animate(self.image, self.scatter, self.loss_line, self.ax.title, self.loss_ax.title)
        self._drawn_data = None

    def draw(self, state: PlaygroundState):
        key = (state.settings["dataset"], state.settings["seed"])
        if key != self._drawn_data:
            self.image.set_extent(state.extent)
            self.ax.set_xlim(state.extent[:2])
            self.ax.set_ylim(state.extent[2:])
            self.scatter.set_offsets(state.X)
            self.scatter.set_array(state.y)
            self._drawn_data = key
        self.image.set_data(state.boundary)
        if self.contour is not None:
            self.contour.remove()
        x1 = np.linspace(*state.extent[:2], _GRID)
        x2 = np.linspace(*state.extent[2:], _GRID)
        self.contour = self.ax.contour(x1, x2, state.boundary, levels=[0.5], colors="k",
                                       linewidths=1.2)
        self.contour.set_animated(True)
        self.loss_line.set_data(np.arange(1, state.epoch + 1), state.losses)
        self.loss_ax.set_xlim(0, max(50, 50 * int(np.ceil(state.epoch / 50))))
        s = state.settings
        self.ax.set_title(f"{s['dataset']}: {s['depth']}×{s['width']} {s['activation']}, "
                          f"{state.parameters} parameters", fontsize=9)
        last = f"{state.losses[-1]:.3f}" if state.epoch else "–"
        self.loss_ax.set_title(f"epoch {state.epoch}: loss {last}, accuracy "
                               f"{state.accuracy:.1%}", fontsize=9)

    def layout(self):
        training = widgets.HBox([self.play, self.controls["epoch"]])
        return widgets.VBox([self.controls_box([k for k in self._SETTINGS], columns=3), training,
                             self._image, self._status])


def playground(dataset: str = "xor", depth: int = 2, width: int = 8, activation: str = "tanh",
               lr: float = 0.01, dropout: float = 0.0, seed: int = 0, epoch: int = 0) -> Playground:
    """Train a small MLP live on circles, XOR or moons and watch its decision boundary.

    Parameters
    ----------
    dataset : {"xor", "circles", "moons"}
        The 200-point training set from :mod:`coursekit.data`.
    depth, width : int
        Hidden layers (1 … 4) and units per layer (1 … 32).
    activation : {"tanh", "relu", "sigmoid", "softplus"}
    lr : float
        Adam's learning rate.
    dropout : float
        Dropout p after every hidden activation while training.
    seed : int
        Seed of data, weights, shuffling and dropout.
    epoch : int
        Epochs to train before showing (the Play button trains on, 5 epochs per tick).

    Returns
    -------
    Playground
        ``.controls``: the settings above and ``epoch``; ``.play`` (the Play button, linked to
        ``epoch`` in the browser); ``.state``: a :class:`PlaygroundState`.

    Raises
    ------
    ValueError
        For an unknown dataset or activation, or settings out of range.

    Notes
    -----
    Each epoch is 7 mini-batches of 32 (binary cross-entropy on logits, Adam); the boundary
    is where P(class 1) = σ(network(x)) = ½. Changing the network starts a new run.

    Examples
    --------
    >>> explorer = playground()
    >>> explorer.controls["epoch"].value = 150
    >>> explorer.state.accuracy > 0.9
    True
    """
    return Playground(dataset, depth, width, activation, lr, dropout, seed, epoch)
