"""Questions of ``demo_gd``: gradient descent on f(β) = 5β² − 3β + 2 by hand, then in code.

The pen-and-paper exercise of the first lecture: from the student's β⁽⁰⁾
(never the lecture's 4) take three steps β⁽ʳ⁺¹⁾ = β⁽ʳ⁾ − α f′(β⁽ʳ⁾) with
f′(β) = 10β − 3, for α = 1, 0.01 and 0.1.  Then write ``gradient_descent``.
The references come from :func:`coursekit.gd.gradient_descent`.
"""
from __future__ import annotations

import numpy as np

from autograder.capture import Probe
from autograder.questions import question

# simple numbers for the pipeline's demo, but not the lecture's start β⁽⁰⁾ = 4 (its iterates are on the slides)
VARIANTS = {"space": {"beta0": [3.0, 5.0, -2.0, 2.0, -1.0, 6.0]}, "defaults": {"beta0": 3.0}}
LEARNING_RATES = {"alpha=1": 1.0, "alpha=0.01": 0.01, "alpha=0.1": 0.1}
STEPS = 3
#: Course code absent from the grading sandbox (see :func:`autograder.withheld.withheld`):
#: gradient descent, in any form.
WITHHELD = ("coursekit.gd", "coursekit.optim")


def _f_prime(beta):
    """f′(β) = 10β − 3, the derivative the exercise states."""
    return 10 * beta - 3


def _three_steps(v: dict, update) -> dict:
    out = {}
    for key, lr in LEARNING_RATES.items():
        beta, path = v["beta0"], []
        for _ in range(STEPS):
            beta = update(beta, lr)
            path.append(beta)
        out[key] = np.array(path)
    return out


def _ascent(v: dict) -> dict:
    return _three_steps(v, lambda beta, lr: beta + lr * _f_prime(beta))


def _constant_dropped(v: dict) -> dict:
    return _three_steps(v, lambda beta, lr: beta - lr * 10 * beta)


@question("demo_gd.iterates", kind="array", points=3, rtol=1e-9,
          mistakes={"ascent": _ascent, "constant_dropped": _constant_dropped},
          hints={"ascent": "The step moves against the gradient: subtract alpha times the slope, do not add it.",
                 "constant_dropped": "Your f' lost the constant that the linear term of f leaves behind.",
                 "wrong_shape": "Give the three new iterates beta1, beta2, beta3 (not beta0).",
                 "default": ("One step at a time: the slope at the current beta, then a step against it.",
                             "Evaluate f' at the current beta, then beta_new = beta - alpha * f'(beta); "
                             "repeat from beta_new.")})
def iterates(v: dict) -> dict:
    """β⁽¹⁾, β⁽²⁾, β⁽³⁾ for each learning rate (one part per α)."""
    from coursekit.gd import gradient_descent

    return {key: gradient_descent(_f_prime, v["beta0"], lr, STEPS)[1:]
            for key, lr in LEARNING_RATES.items()}


@question("demo_gd.one_step", kind="choice", points=1, options=("1", "0.01", "0.1"),
          mistakes={"too_small": lambda v: "0.01", "too_large": lambda v: "1"},
          hints={"too_small": "With alpha = 0.01 the iterates creep towards the minimum: many steps.",
                 "too_large": "With alpha = 1 the iterates grow: the method diverges.",
                 "default": "Which alpha equals 1 / f''(beta)?"})
def one_step(v: dict) -> str:
    """The learning rate that reaches the minimum in one step: α = 1/f″ = 0.1."""
    curvature = 10.0  # f''(β) of 5β² − 3β + 2
    return repr(min(LEARNING_RATES.values(), key=lambda lr: abs(lr - 1 / curvature)))


def _gd_inputs(rng: np.random.Generator, v: dict) -> list:
    """Random quadratics f(x) = a‖x − c‖² in 1 and 3 dimensions, stable learning rates."""
    cases = []
    for dim in (None, None, 3, 3):
        a = float(rng.uniform(0.5, 2.0))
        c = rng.normal(size=dim) if dim else float(rng.normal())
        x0 = rng.normal(size=dim) * 3 if dim else float(rng.normal() * 3)
        lr = float(rng.uniform(0.05, 0.4) / a)
        steps = int(rng.integers(3, 9))
        # ∇f(x) = 2a(x − c) for f(x) = a‖x − c‖²
        cases.append((Probe("2 * a * (np.asarray(x, dtype=np.float64) - c)", a=a, c=c), x0, lr, steps))
    return cases


def _gd_ascent(v: dict):
    def ascent(grad, x0, lr, steps):
        xs = [np.asarray(x0, dtype=float)]
        for _ in range(steps):
            xs.append(xs[-1] + lr * grad(xs[-1]))
        return np.array(xs)
    return ascent


def _gd_stale_gradient(v: dict):
    def stale(grad, x0, lr, steps):
        g0 = grad(np.asarray(x0, dtype=float))
        return np.array([np.asarray(x0, dtype=float) - r * lr * g0 for r in range(steps + 1)])
    return stale


@question("demo_gd.gradient_descent", kind="function", points=2, rtol=1e-9, inputs=_gd_inputs,
          mistakes={"ascent": _gd_ascent, "stale_gradient": _gd_stale_gradient},
          hints={"ascent": "Descent subtracts the step: it moves against the gradient.",
                 "stale_gradient": "Evaluate the gradient at the current iterate in every step, "
                                   "not only at x0.",
                 "wrong_shape": "Return all iterates x0, x1, ..., x_steps: steps + 1 rows.",
                 "default": ("Keep every iterate, x0 included, and return them as one array.",
                             "Start from x0; each of the `steps` updates moves against the gradient at "
                             "the current iterate, scaled by lr; return every iterate, including x0, as "
                             "one array.")})
def gradient_descent(v: dict):
    """The reference: :func:`coursekit.gd.gradient_descent`."""
    from coursekit.gd import gradient_descent as reference

    return reference
