"""Time coursekit.train.fit against a hand-written numpy loop doing the same arithmetic.

Task: a 2 → 64 → 64 → 1 ReLU network (binary cross-entropy on logits, Adam
with lr = 1e-2) on 1,000 moons points, 200 epochs of mini-batches of 64.
Both runs start from the same weights and shuffle with the same seed, so
they must also end with the same weights (checked and printed).

Run: python benchmarks/bench_training.py [--epochs N] [--repeat R]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from coursekit.data import moons
from coursekit.layers import BCEWithLogitsLoss, mlp
from coursekit.optim import Adam
from coursekit.train import accuracy, fit

SIZES = [2, 64, 64, 1]
LR, BETAS, EPS = 1e-2, (0.9, 0.999), 1e-8


def train_coursekit(X, y, epochs, batch_size, seed):
    model = mlp(SIZES, rng=seed)
    history = fit(model, BCEWithLogitsLoss(), Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS),
                  X, y, epochs=epochs, batch_size=batch_size, rng=seed)
    return model, history


def train_by_hand(X, y, epochs, batch_size, seed):
    """The same network, loss, Adam and shuffling written out in plain numpy."""
    params = [p.copy() for p in mlp(SIZES, rng=seed).parameters()]
    W1, b1, W2, b2, W3, b3 = params
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    beta1, beta2 = BETAS
    y = y.reshape(-1, 1).astype(np.float64)
    rng = np.random.default_rng(seed)
    t = 0
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        total = 0.0
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            xb, yb = X[batch], y[batch]
            z1 = xb @ W1 + b1
            h1 = np.maximum(z1, 0)
            z2 = h1 @ W2 + b2
            h2 = np.maximum(z2, 0)
            z3 = h2 @ W3 + b3
            total += np.mean(yb * np.logaddexp(0, -z3) + (1 - yb) * np.logaddexp(0, z3)) * len(batch)
            dz3 = (1 / (1 + np.exp(-z3)) - yb) / z3.size
            dW3, db3 = h2.T @ dz3, dz3.sum(0)
            dz2 = (dz3 @ W3.T) * (z2 > 0)
            dW2, db2 = h1.T @ dz2, dz2.sum(0)
            dz1 = (dz2 @ W2.T) * (z1 > 0)
            dW1, db1 = xb.T @ dz1, dz1.sum(0)
            t += 1
            for p, g, (m, v) in zip(params, (dW1, db1, dW2, db2, dW3, db3), moments):
                m[...] = beta1 * m + (1 - beta1) * g
                v[...] = beta2 * v + (1 - beta2) * g * g
                m_hat = m / (1 - beta1**t)
                v_hat = v / (1 - beta2**t)
                p -= LR * m_hat / (np.sqrt(v_hat) + EPS)
        losses.append(total / len(X))
    return params, losses


def _best_time(function, repeat):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3, help="report the best of R runs")
    args = parser.parse_args()
    X, y = moons(1000, noise=0.1, rng=0)
    steps = args.epochs * -(-len(X) // args.batch_size)

    ours, (model, history) = _best_time(
        lambda: train_coursekit(X, y, args.epochs, args.batch_size, seed=0), args.repeat)
    theirs, (params, losses) = _best_time(
        lambda: train_by_hand(X, y, args.epochs, args.batch_size, seed=0), args.repeat)
    difference = max(float(np.max(np.abs(a - b))) for a, b in zip(model.parameters(), params))

    print(f"2-64-64-1 MLP, {len(X)} moons points, {args.epochs} epochs, batch {args.batch_size} "
          f"({steps} Adam steps); best of {args.repeat}")
    print(f"  coursekit.train.fit : {ours:7.3f} s  ({1e6 * ours / steps:6.1f} µs/step)")
    print(f"  hand-written numpy  : {theirs:7.3f} s  ({1e6 * theirs / steps:6.1f} µs/step)")
    print(f"  ratio               : {ours / theirs:7.2f}x  (target <= 2x)")
    print(f"  final train loss    : {history.train_loss[-1]:.6f} vs {losses[-1]:.6f}; "
          f"max |weight difference| {difference:.1e}; training accuracy {accuracy(model, X, y):.3f}")


if __name__ == "__main__":
    main()
