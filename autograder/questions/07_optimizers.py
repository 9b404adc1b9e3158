"""Questions of assignment 07_optimizers: momentum, Nesterov, AdaGrad, RMSprop, Adam and AdamW.

Students write optimizer classes ``Cls(params, **hyper)`` with ``step(grads)`` updating the
parameter arrays in place; each is run next to :mod:`coursekit.optim` (which follows
``torch.optim`` exactly) on hidden random parameters and gradient sequences. The race question
runs the optimizers on :mod:`coursekit.functions`' ill-conditioned quadratic, from each student's
own start and for their own number of steps, after a graded prediction (``race_prediction``).
Two expression questions have students derive the forms instead of copying them: torch's velocity
form as assignment 02's heavy ball (``heavy_ball_step``) and Nesterov's look-ahead rewritten at
the held point (``nesterov_step``).
``tests/test_course_07_optimizers.py`` checks the references against ``torch.optim``.
"""
from __future__ import annotations

import numpy as np

from autograder.questions import hidden_twin, question
from autograder.variants import Product

ASSIGNMENT = "07_optimizers"

#: Course code absent from the grading sandbox (see :func:`autograder.withheld.withheld`):
#: every optimizer.
WITHHELD = ("coursekit.optim",)


def far_from_the_minimum(v) -> bool:
    """The rule of every drawn race: the start is at least 2 from the minimum along the flat axis
    and 0.5 along the steep one, so both curvatures shape every path."""
    x, y = v["start"]
    return abs(x) >= 2 and abs(y) >= 0.5


VARIANTS = {
    "space": {
        "steps": list(range(60, 201)),
        # points of the quadratic's plot box (−5, 5) × (−2, 2), with two decimals
        "start": Product([round(0.01 * k, 2) for k in range(-500, 501)],
                         [round(0.01 * k, 2) for k in range(-200, 201)]),
    },
    "defaults": {"steps": 100, "start": (-4.5, 1.5)},
    "accept": far_from_the_minimum,
}

#: The race on the ill-conditioned quadratic: optimizer -> (coursekit.optim class name, settings).
RACE = {
    "GD": ("SGD", dict(lr=0.09)),
    "Momentum": ("SGD", dict(lr=0.05, momentum=0.8)),
    "Nesterov": ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    "AdaGrad": ("Adagrad", dict(lr=1.0)),
    "RMSprop": ("RMSprop", dict(lr=0.1, alpha=0.9)),
    "Adam": ("Adam", dict(lr=0.3)),
}


# ---------------------------------------------------------------- the references: coursekit.optim

def _momentum(params, lr, momentum=0.9):
    from coursekit.optim import SGD

    return SGD(params, lr=lr, momentum=momentum)


def _nesterov(params, lr, momentum=0.9):
    from coursekit.optim import SGD

    return SGD(params, lr=lr, momentum=momentum, nesterov=True)


def _adagrad(params, lr=0.01, eps=1e-10):
    from coursekit.optim import Adagrad

    return Adagrad(params, lr=lr, eps=eps)


def _rmsprop(params, lr=0.01, alpha=0.99, eps=1e-8):
    from coursekit.optim import RMSprop

    return RMSprop(params, lr=lr, alpha=alpha, eps=eps)


def _adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    from coursekit.optim import Adam

    return Adam(params, lr=lr, betas=betas, eps=eps)


def _adamw(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    from coursekit.optim import AdamW

    return AdamW(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


# ---------------------------------------------------------------- wrong rules students write (declared mistakes)

class _Rule:
    """A minimal optimizer whose per-parameter ``update`` is one of the mistakes below."""

    def __init__(self, params, **hyper):
        self.params, self.hyper = list(params), hyper
        self.state = [{"t": 0} for _ in self.params]

    def step(self, grads):
        for param, grad, state in zip(self.params, grads, self.state):
            state["t"] += 1
            self.update(param, np.asarray(grad, dtype=float), state, **self.hyper)


class _DampenedMomentum(_Rule):
    def update(self, p, g, s, lr, momentum=0.9):
        s["b"] = momentum * s.get("b", 0.0) + (1 - momentum) * g
        p -= lr * s["b"]


class _EpsInsideAdagrad(_Rule):
    def update(self, p, g, s, lr=0.01, eps=1e-10):
        s["G"] = s.get("G", 0.0) + g ** 2
        p -= lr * g / np.sqrt(s["G"] + eps)


class _EpsInsideRMSprop(_Rule):
    def update(self, p, g, s, lr=0.01, alpha=0.99, eps=1e-8):
        s["v"] = alpha * s.get("v", 0.0) + (1 - alpha) * g ** 2
        p -= lr * g / np.sqrt(s["v"] + eps)


class _UncorrectedAdam(_Rule):
    def update(self, p, g, s, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        s["m"] = betas[0] * s.get("m", 0.0) + (1 - betas[0]) * g
        s["v"] = betas[1] * s.get("v", 0.0) + (1 - betas[1]) * g ** 2
        p -= lr * s["m"] / (np.sqrt(s["v"]) + eps)


class _SlideAdam(_Rule):
    """The slide's form: the bias correction folded into the recursion."""

    def update(self, p, g, s, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        t = s["t"]
        s["m"] = (betas[0] * s.get("m", 0.0) + (1 - betas[0]) * g) / (1 - betas[0] ** t)
        s["v"] = (betas[1] * s.get("v", 0.0) + (1 - betas[1]) * g ** 2) / (1 - betas[1] ** t)
        p -= lr * s["m"] / (np.sqrt(s["v"]) + eps)


def _adam_with_l2(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    from coursekit.optim import Adam

    return Adam(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


# ---------------------------------------------------------------- hidden inputs

def _problem(rng, shapes=((3,), (2, 2)), steps=6, scale=1.0):
    params = [rng.normal(size=shape) for shape in shapes]
    grads = [[rng.normal(size=shape) * scale for shape in shapes] for _ in range(steps)]
    return params, grads


def _trials(hyper_of):
    """inputs(rng, v): three problems, each with hyperparameters drawn by ``hyper_of(rng)``."""
    def inputs(rng, v):
        cases = []
        for _ in range(3):
            params, grads = _problem(rng)
            cases.append({"hyper": hyper_of(rng), "params": params, "grads": grads})
        return cases
    return inputs


def _edge_trials(required):
    """inputs(rng, v): default hyperparameters, a scalar parameter, tiny and huge gradients, zeros."""
    def inputs(rng, v):
        cases = []
        for shapes, scale, steps in ((((4,),), 1.0, 30), (((),), 1e-6, 5), (((2, 3),), 1e6, 5)):
            params, grads = _problem(rng, shapes, steps, scale)
            cases.append({"hyper": dict(required), "params": params, "grads": grads})
        params, grads = _problem(rng, ((3,),), 4)
        grads[1] = [np.zeros(3)]
        cases.append({"hyper": dict(required), "params": params, "grads": grads})
        return cases
    return inputs


def _lr(rng):
    return float(rng.uniform(0.01, 0.3))


def _betas(rng):
    return (float(rng.uniform(0.8, 0.95)), float(rng.uniform(0.9, 0.999)))


_HINTS = {
    "Momentum": ("Keep a buffer per parameter in its state; the step uses the buffer, not g alone.",
                 "torch's form of section 1: b = g on the first step, then b = momentum·b + g; the "
                 "parameter moves by −lr·b, in place."),
    "Nesterov": ("The same buffer as momentum; only the step itself looks ahead.",
                 "Section 2's form: b = momentum·b + g (b = g first); the step uses g + momentum·b."),
    "AdaGrad": ("Each coordinate divides its step by the root of its own history of squared gradients.",
                "G accumulates g²; the step is lr·g / (√G + eps), with eps added after the square root."),
    "RMSprop": ("Like AdaGrad, but the history of squared gradients is a moving average.",
                "v = alpha·v + (1 − alpha)·g², starting from v = 0; the step is lr·g / (√v + eps)."),
    "Adam": ("Two moving averages, of g and of g², both corrected for starting at zero.",
             "m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g²; step with m/(1 − β1^t) and v/(1 − β2^t), "
             "eps after the square root; keep the raw m, v in the state."),
    "AdamW": ("Weight decay acts on the weights directly, outside the adaptive step.",
              "First shrink the parameter by the factor 1 − lr·weight_decay, then the plain Adam step."),
}


def _declare(name, factory, points, hyper_of, required, mistakes=None, hints=None):
    """Register question ``name`` and its hidden twin, both judged against ``factory``."""
    def reference(v):
        return factory
    reference.__name__ = reference.__qualname__ = name
    reference.__doc__ = f"Reference: {factory.__name__.lstrip('_')} from coursekit.optim."
    all_hints = {"default": _HINTS[name], **(hints or {})}
    question(f"{ASSIGNMENT}.{name}", kind="optimizer", points=points, rtol=1e-7, atol=1e-12,
             inputs=_trials(hyper_of), mistakes=mistakes, hints=all_hints)(reference)
    edge_nudge = "Try the default hyperparameters, a scalar parameter and tiny, huge or zero gradients."
    hidden_twin(f"{ASSIGNMENT}.{name}", rtol=1e-7, atol=1e-12,
             inputs=_edge_trials(required), mistakes=mistakes,
             hints={**all_hints, "default": (edge_nudge, f"{_HINTS[name][-1]} {edge_nudge}")})
    return reference


Momentum = _declare("Momentum", _momentum, 1,
                    lambda rng: {"lr": _lr(rng), "momentum": float(rng.uniform(0.5, 0.95))}, {"lr": 0.1},
                    mistakes={"dampened": lambda v: _DampenedMomentum},
                    hints={"dampened": "That is a moving average b = μb + (1 − μ)g; torch (and the "
                                       "lecture) accumulate b = μb + g."})
Nesterov = _declare("Nesterov", _nesterov, 2,
                    lambda rng: {"lr": _lr(rng), "momentum": float(rng.uniform(0.5, 0.95))}, {"lr": 0.1},
                    mistakes={"plain_momentum": lambda v: _momentum},
                    hints={"plain_momentum": "That is plain momentum: Nesterov steps with g + μb, "
                                             "not with b."})
AdaGrad = _declare("AdaGrad", _adagrad, 1, lambda rng: {"lr": _lr(rng), "eps": 1e-10}, {},
                   mistakes={"eps_inside": lambda v: _EpsInsideAdagrad},
                   hints={"eps_inside": "Add eps after the square root, √G + eps, as torch does."})
RMSprop = _declare("RMSprop", _rmsprop, 1,
                   lambda rng: {"lr": _lr(rng), "alpha": float(rng.uniform(0.8, 0.99)), "eps": 1e-8}, {},
                   mistakes={"eps_inside": lambda v: _EpsInsideRMSprop},
                   hints={"eps_inside": "Add eps after the square root, √v + eps, as torch does."})
Adam = _declare("Adam", _adam, 2, lambda rng: {"lr": _lr(rng), "betas": _betas(rng), "eps": 1e-8}, {},
                mistakes={"no_bias_correction": lambda v: _UncorrectedAdam,
                          "correction_in_recursion": lambda v: _SlideAdam},
                hints={"no_bias_correction": "Divide m by 1 − β1^t and v by 1 − β2^t in the step (t = "
                                             "state['t']): the averages start at 0.",
                       "correction_in_recursion": "Keep the raw averages m, v in the state and use the "
                                                  "corrected ones only in the step."})
AdamW = _declare("AdamW", _adamw, 1,
                 lambda rng: {"lr": _lr(rng), "betas": _betas(rng), "eps": 1e-8,
                              "weight_decay": float(rng.uniform(0.01, 0.5))}, {},
                 mistakes={"l2_in_gradient": lambda v: _adam_with_l2},
                 hints={"l2_in_gradient": "That is Adam with L2 in the gradient: AdamW shrinks the "
                                          "weights, param *= 1 − lr·weight_decay, outside the adaptive "
                                          "step."})


# ---------------------------------------------------------------- the race

def race_final_values(steps: int, start=None) -> dict:
    """f after ``steps`` steps of each optimizer of :data:`RACE` on the ill-conditioned quadratic.

    The race starts at ``start`` (default: the quadratic's ``default_start``).
    """
    import coursekit.optim
    from coursekit.functions import get

    quadratic = get("ill_conditioned")
    values = {}
    for name, (cls, settings) in RACE.items():
        w = np.array(quadratic.default_start if start is None else start, dtype=float)
        optimizer = getattr(coursekit.optim, cls)([w], **settings)
        for _ in range(steps):
            optimizer.step([quadratic.grad(w)])
        values[name] = float(quadratic.value(w))
    return values


@question(f"{ASSIGNMENT}.final_values", kind="array", points=2, rtol=1e-6, atol=0.0,
          hints={"default": ("One race per optimizer, from the same start, with its own settings.",
                             "For each name: start from P['start'], make P['steps'] steps with "
                             "SETTINGS[name] (use run(...)), and store the function value at the last "
                             "point."),
                 "scaled": "Each value is the function value at the end point of one race, after exactly "
                           "P['steps'] steps of your optimizer with SETTINGS[name], started at "
                           "P['start']."})
def final_values(v):
    """Final function values of the race from the student's start for their number of steps."""
    return race_final_values(v["steps"], v["start"])


# ---------------------------------------------------------------- derivations: one method in two forms, the look-ahead

#: Variables of the heavy-ball question: the gradient g = g_t, the last step d = w_{t−1} − w_{t−2}, the rates.
HEAVY_BALL_SYMBOLS = ("g", "d", "eta", "mu")


@question(f"{ASSIGNMENT}.heavy_ball_step", kind="expression", points=2, symbols=HEAVY_BALL_SYMBOLS,
          mistakes={"reversed_buffer": lambda v: "-eta*g - mu*d",
                    "unscaled_buffer": lambda v: "-eta*g + eta*mu*d",
                    "swapped_rates": lambda v: "-mu*g + eta*d"},
          hints={"default": ("Write the step w_t − w_{t−1} with the velocity form, then replace the old "
                             "buffer by something you know from the previous step.",
                             "The previous step was w_{t−1} − w_{t−2} = −η·b_{t−1}: solve it for b_{t−1} and "
                             "substitute into w_t − w_{t−1} = −η·b_t with b_t = μ·b_{t−1} + g_t."),
                 "reversed_buffer": ("Check the direction: the buffer points uphill, the step downhill.",
                                     "The parameters move by −η·b, so the last step is minus η times the old "
                                     "buffer; solving for the buffer keeps that minus sign."),
                 "unscaled_buffer": ("The buffer is not the step itself: the learning rate sits between them.",
                                     "The last step is −η·b_{t−1}: divide by the learning rate when you solve "
                                     "for the buffer."),
                 "swapped_rates": ("The learning rate multiplies the gradient; the momentum multiplies what "
                                   "is carried over from the last step.",
                                   "In b_t = μ·b_{t−1} + g_t the momentum μ scales the old buffer, and the step "
                                   "is −η·b_t.")})
def heavy_ball_step(v):
    """w_t − w_{t−1} = μ(w_{t−1} − w_{t−2}) − ηg_t: torch's velocity form is assignment 02's heavy ball."""
    return "mu*d - eta*g"


#: Variables of the Nesterov question: the gradient g at the held point, the old buffer b = b_{t−1}, the rates.
NESTEROV_SYMBOLS = ("g", "b", "eta", "mu")


@question(f"{ASSIGNMENT}.nesterov_step", kind="expression", points=2, symbols=NESTEROV_SYMBOLS,
          mistakes={"step_of_w": lambda v: "-eta*(mu*b + g)",
                    "one_shift": lambda v: "-(1 + mu)*eta*(mu*b + g)",
                    "unscaled_buffer": lambda v: "-mu**2*b - (1 + mu)*eta*g"},
          hints={"default": ("Both ends of the step are look-ahead points: w̃_t = w_t − αh_t and w̃_{t−1} = "
                             "w_{t−1} − αh_{t−1}. Subtract, then use the update of h.",
                             "w̃_t − w̃_{t−1} = (w_t − w_{t−1}) − α(h_t − h_{t−1}) with w_t − w_{t−1} = −h_t and "
                             "h_t = αh_{t−1} + ηg_t; then write h = ηb and α = μ."),
                 "step_of_w": ("That is the step of w itself; the optimizer holds the look-ahead point, "
                               "which moves by more.",
                               "Subtract the two look-ahead points: the shift −αh changes from one step to "
                               "the next, and that change belongs to the step."),
                 "one_shift": ("Only one end of your step is a look-ahead point.",
                               "Shift both ends: w̃_t − w̃_{t−1} = (w_t − αh_t) − (w_{t−1} − αh_{t−1})."),
                 "unscaled_buffer": ("The buffer b and the velocity h differ by a factor.",
                                     "h = ηb: every h in your step becomes η times b.")})
def nesterov_step(v):
    """w̃_t − w̃_{t−1} = −η(1 + μ)g_t − ημ²b_{t−1}: the look-ahead update in the held point's variables."""
    return "-eta*(1 + mu)*g - eta*mu**2*b"


# ---------------------------------------------------------------- predicting the race

#: The optimizers whose race against plain GD is predicted, and the two outcomes.
PREDICTED = ("Nesterov", "AdaGrad", "Adam")
AGAINST_GD = ("below GD", "above GD")


@question(f"{ASSIGNMENT}.race_prediction", kind="choice", points=1, options=AGAINST_GD,
          hints={"default": ("Think about the size of each method's steps once the gradient becomes small "
                             "near the minimum, and about the flat direction of the valley.",
                             "GD's steps shrink with the gradient, but its one rate is held back by the steep "
                             "direction. Momentum-type methods build speed along the flat direction; "
                             "AdaGrad divides by an ever-growing sum, so its steps shrink too; a constant "
                             "learning rate divided by a running root mean square keeps steps of about that "
                             "rate, even next to the minimum.")})
def race_prediction(v):
    """Whether each of :data:`PREDICTED` ends the student's race below or above plain GD."""
    final = race_final_values(v["steps"], v["start"])
    return {name: AGAINST_GD[0] if final[name] < final["GD"] else AGAINST_GD[1] for name in PREDICTED}
