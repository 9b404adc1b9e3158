"""Time one optimizer step on a 1,000,000-parameter array, against a hand-written numpy update.

For every optimizer of coursekit.optim (with the hyperparameters that make
it do the most work: momentum, weight decay...) the script times
``opt.step([g])`` and the same update written as plain numpy expressions,
after a few warm-up steps so that the state exists, and prints the best
time of each (the least disturbed by other load) and their ratio. The two must also give the same parameters.

Run: python benchmarks/bench_optim.py [--size N] [--repeat R]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from coursekit.optim import OPTIMIZERS

CONFIGS = {
    "sgd": {"lr": 0.01, "momentum": 0.9, "weight_decay": 1e-4, "nesterov": True},
    "adagrad": {"lr": 0.01, "weight_decay": 1e-4},
    "rmsprop": {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "momentum": 0.9, "weight_decay": 1e-4},
    "adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-4},
    "adamw": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2},
}


def by_hand(name: str, hyper: dict):
    """A closure doing one update of optimizer ``name`` the straightforward numpy way."""
    state: dict = {"t": 0}

    def sgd(w, g):
        g = g + hyper["weight_decay"] * w
        state["b"] = g.copy() if "b" not in state else hyper["momentum"] * state["b"] + g
        w -= hyper["lr"] * (g + hyper["momentum"] * state["b"])

    def adagrad(w, g):
        g = g + hyper["weight_decay"] * w
        state["G"] = state.get("G", 0.0) + g * g
        w -= hyper["lr"] * g / (np.sqrt(state["G"]) + 1e-10)

    def rmsprop(w, g):
        g = g + hyper["weight_decay"] * w
        state["v"] = hyper["alpha"] * state.get("v", 0.0) + (1 - hyper["alpha"]) * g * g
        state["b"] = hyper["momentum"] * state.get("b", 0.0) + g / (np.sqrt(state["v"]) + hyper["eps"])
        w -= hyper["lr"] * state["b"]

    def adam(w, g, decoupled=False):
        beta1, beta2 = hyper["betas"]
        state["t"] += 1
        t = state["t"]
        if decoupled:
            w *= 1 - hyper["lr"] * hyper["weight_decay"]
        else:
            g = g + hyper["weight_decay"] * w
        state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
        state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
        m_hat = state["m"] / (1 - beta1**t)
        v_hat = state["v"] / (1 - beta2**t)
        w -= hyper["lr"] * m_hat / (np.sqrt(v_hat) + hyper["eps"])

    return {"sgd": sgd, "adagrad": adagrad, "rmsprop": rmsprop, "adam": adam,
            "adamw": lambda w, g: adam(w, g, decoupled=True)}[name]


def _best_ms(updates, arrays, grads, warmup: int) -> list[float]:
    """Best (least disturbed) time of each update; the updates alternate step by step so that load
    from other processes on the machine hits both alike."""
    times: list[list[float]] = [[] for _ in updates]
    for index, g in enumerate(grads):
        for update, w, record in zip(updates, arrays, times):
            start = time.perf_counter()
            update(w, g)
            if index >= warmup:
                record.append(time.perf_counter() - start)
    return [1e3 * min(record) for record in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20, help="timed steps per optimizer")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=args.size)
    warmup = 3
    grads = [rng.normal(size=args.size) for _ in range(warmup + args.repeat)]

    print(f"one step on {args.size:,} float64 parameters (best of {args.repeat}, after {warmup} warm-up steps)")
    print(f"  {'optimizer':<10}{'coursekit ms':>14}{'by hand ms':>12}{'ratio':>8}   same result")
    for name, hyper in CONFIGS.items():
        w_ours, w_hand = w0.copy(), w0.copy()
        opt = OPTIMIZERS[name]([w_ours], **hyper)
        ours, hand = _best_ms([lambda w, g, opt=opt: opt.step([g]), by_hand(name, hyper)],
                                [w_ours, w_hand], grads, warmup)
        same = np.allclose(w_ours, w_hand, rtol=1e-9, atol=1e-12)
        print(f"  {name:<10}{ours:>14.2f}{hand:>12.2f}{ours / hand:>8.2f}   {same}")
    print(f"  (the least any update can do: read w and g, write w = "
          f"{3 * 8 * args.size / 1e6:.0f} MB of memory traffic per step)")


if __name__ == "__main__":
    main()
