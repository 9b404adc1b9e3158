"""Questions of assignment 02_gradient_descent: gradient descent by hand (lecture 000).

Exercise 1 of the lecture minimises f(β) = 5β² − 3β + 2 from β⁽⁰⁾ = 4 with the learning rates
α = 1, 0.01, 0.1 (:data:`LECTURE`); the notebook keeps it as the worked example. Each student
solves an exercise of the same kind with their own numbers: f(β) = aβ² + bβ + c with small
integers, a start β⁽⁰⁾ with one decimal, and three learning rates, each with at most two
significant digits. A step multiplies the distance to the minimum β* = −b/(2a) by the factor
q = 1 − 2aα of its rate, and the three rates play the lecture's three roles:

* α₁ is too large: −4 ≤ q₁ ≤ −1.5, the iterates jump across the minimum and grow;
* α₂ is too small: q₂ = 0.7, 0.8 or 0.9, they creep towards it;
* α₃ is about right: 0.1 ≤ |q₃| ≤ 0.5, they get close in a few steps without landing on it
  (landing in one step, α = 1/f″, is what the worked example shows).

:func:`pleasant` is the rule every drawn exercise satisfies. The question ``alpha_max`` (2/f″)
stays on the lecture's f, which section 4 of the notebook analyses; there students first predict what
four learning rates do (``regimes``, from the factor 1 − 10α) before a demonstration runs them.
References come from :func:`coursekit.gd.gradient_descent`.
"""
from __future__ import annotations

import numpy as np

from autograder.capture import Probe
from autograder.questions import hidden_twin, question
from autograder.variants import has_decimals, is_short
from coursekit import gd

ASSIGNMENT = "02_gradient_descent"

#: Course code absent from the grading sandbox (see :func:`autograder.withheld.withheld`):
#: gradient descent with and without momentum.
WITHHELD = ("coursekit.gd", "coursekit.optim")

#: The lecture's Exercise 1: f(β) = 5β² − 3β + 2, β⁽⁰⁾ = 4, α = 1, 0.01, 0.1 (the worked example).
LECTURE = {"a": 5, "b": -3, "c": 2, "beta0": 4.0, "alpha_1": 1.0, "alpha_2": 0.01, "alpha_3": 0.1}

#: The factor q = 1 − 2aα of each learning rate: too large (diverges), too small, about right.
FACTORS = {
    "alpha_1": tuple(round(-0.1 * k, 1) for k in range(15, 41)),
    "alpha_2": (0.7, 0.8, 0.9),
    "alpha_3": (-0.5, -0.4, -0.3, -0.2, -0.1, 0.1, 0.2, 0.3, 0.4, 0.5),
}
#: Most decimals an iterate may have, and the largest size it may reach, by hand.
DECIMALS, LARGEST = 4, 1000.0


def _rates(a: int, factors) -> list[float]:
    """The short learning rates α (two significant digits) whose factor 1 − 2aα is one of ``factors``."""
    return [alpha for alpha in (round((1 - q) / (2 * a), 6) for q in factors) if is_short(alpha)]


#: (a, α₁, α₂, α₃) drawn together: each rate plays its role for the curvature 2a.
CURVATURES_AND_RATES = [(a, alpha_1, alpha_2, alpha_3)
                        for a in (1, 2, 3, 4, 5, 6)
                        for alpha_1 in _rates(a, FACTORS["alpha_1"])
                        for alpha_2 in _rates(a, FACTORS["alpha_2"])
                        for alpha_3 in _rates(a, FACTORS["alpha_3"])]


def pleasant(v) -> bool:
    """The rule of every drawn exercise: the arithmetic of Exercise 1 stays pleasant by hand.

    The start is at least 1 away from the minimum; every iterate has at most :data:`DECIMALS`
    decimals and stays below :data:`LARGEST` in size; and the function is not the lecture's (its
    derivative 10β − 3 is on the slides).
    """
    minimum = -v["b"] / (2 * v["a"])
    if abs(v["beta0"] - minimum) < 1 or (v["a"], v["b"]) == (LECTURE["a"], LECTURE["b"]):
        return False
    return all(has_decimals(beta, DECIMALS) and abs(beta) < LARGEST
               for key in ("alpha_1", "alpha_2", "alpha_3") for beta in _three_steps(v, v[key]))


VARIANTS = {
    "space": {
        ("a", "alpha_1", "alpha_2", "alpha_3"): CURVATURES_AND_RATES,
        "b": list(range(-12, 13)),
        "c": list(range(-9, 10)),
        "beta0": [round(0.1 * k, 1) for k in range(-99, 100)],
    },
    # no student id: f(β) = 2β² − 4β + 1 (β* = 1) from 3.5, factors −2, 0.8, 0.4
    "defaults": {"a": 2, "b": -4, "c": 1, "beta0": 3.5, "alpha_1": 0.75, "alpha_2": 0.05, "alpha_3": 0.15},
    "accept": pleasant,
}


def _gradient(v):
    """f′(β) = 2aβ + b of the student's f(β) = aβ² + bβ + c."""
    a, b = v["a"], v["b"]
    return lambda beta: 2 * a * beta + b


def _three_steps(v, alpha, grad=None):
    """β⁽¹⁾, β⁽²⁾, β⁽³⁾ from β⁽⁰⁾ = v["beta0"]."""
    grad = _gradient(v) if grad is None else grad
    return gd.gradient_descent(grad, float(v["beta0"]), float(alpha), steps=3)[1:]


def _ascent(alpha_key):
    # the plus-sign mistake: β ← β + α f′(β)
    return lambda v: _three_steps(v, v[alpha_key], grad=lambda b: -_gradient(v)(b))


def _no_constant(alpha_key):
    # forgetting the b of f′(β) = 2aβ + b
    return lambda v: _three_steps(v, v[alpha_key], grad=lambda b: 2.0 * v["a"] * b)


def _forgot_double(alpha_key):
    # f′(β) = aβ + b: the power rule without the factor 2
    return lambda v: _three_steps(v, v[alpha_key], grad=lambda b: v["a"] * b + v["b"])


def _second_step_sign_slip(alpha_key):
    # the slide's slip for α = 1: β² written as −(β¹ − α f′(β¹)), i.e. −300 instead of 300
    def answer(v):
        alpha, f_prime = float(v[alpha_key]), _gradient(v)
        b1 = _three_steps(v, alpha)[0]
        b2 = -(b1 - alpha * f_prime(b1))
        return np.array([b1, b2, b2 - alpha * f_prime(b2)])
    return answer


_STEP_HINTS = {
    "default": ("One step at a time: the slope at the current β, then a step against it.",
                "β⁽ʳ⁺¹⁾ = β⁽ʳ⁾ − α·f′(β⁽ʳ⁾), with your f′ of section 1 evaluated at the current β⁽ʳ⁾ (not "
                "at β⁽⁰⁾); give [β¹, β², β³] with at least five significant digits."),
    "ascent": "Your steps climb the parabola: the update subtracts α·f′(β), it does not add it.",
    "no_constant": ("Your f′ lost a term: only the constant term of f differentiates to zero.",
                    "Differentiate f term by term: the linear term bβ leaves the constant b in f′."),
    "forgot_double": ("Your f′ is off in its β term: check the power rule.",
                      "Power rule: (βⁿ)′ = nβⁿ⁻¹, so the exponent comes down as a factor."),
    "sign_slip": "Your first step is right but the second has the wrong sign: subtracting a negative number "
                 "adds. Redo steps two and three.",
}


def _step_question(name, alpha_key):
    @question(f"{ASSIGNMENT}.{name}", kind="array", points=2, rtol=1e-5, atol=1e-8,
              mistakes={"ascent": _ascent(alpha_key), "no_constant": _no_constant(alpha_key),
                        "forgot_double": _forgot_double(alpha_key),
                        "sign_slip": _second_step_sign_slip(alpha_key)},
              hints=_STEP_HINTS)
    def reference(v):
        return _three_steps(v, v[alpha_key])
    reference.__name__ = reference.__qualname__ = name
    reference.__doc__ = f"β⁽¹⁾, β⁽²⁾, β⁽³⁾ of gradient descent on f with the learning rate v[{alpha_key!r}]."
    return reference


@question(f"{ASSIGNMENT}.derivative", kind="expression", points=1, symbols=("beta",),
          hints={"default": ("Differentiate term by term.",
                             "Power rule (βⁿ)′ = nβⁿ⁻¹, a constant factor stays, (c·f)′ = c·f′, and a "
                             "constant term has derivative zero.")})
def derivative(v):
    """f′(β) = 2aβ + b for the student's f(β) = aβ² + bβ + c."""
    return f"{2 * v['a']}*beta + ({v['b']})"


alpha_1 = _step_question("alpha_1", "alpha_1")
alpha_2 = _step_question("alpha_2", "alpha_2")
alpha_3 = _step_question("alpha_3", "alpha_3")


def _slopes_at(v, points):
    """f′ at the iterates the by-hand method uses, per learning rate: ``points(path)`` picks them."""
    f_prime = _gradient(v)
    return {key: f_prime(points(np.r_[float(v["beta0"]), _three_steps(v, v[key])]))
            for key in ("alpha_1", "alpha_2", "alpha_3")}


@question(f"{ASSIGNMENT}.slopes", kind="array", points=1, rtol=1e-5, atol=1e-8,
          mistakes={"at_new_point": lambda v: _slopes_at(v, lambda path: path[1:]),
                    "at_start": lambda v: _slopes_at(v, lambda path: np.full(3, path[0]))},
          hints={"default": ("Each step needs the slope at the point it starts from.",
                             "Step r + 1 uses f′(β⁽ʳ⁾), the derivative of section 1 at the current "
                             "iterate: the slopes at β⁽⁰⁾, β⁽¹⁾ and β⁽²⁾, for each learning rate."),
                 "at_new_point": "Those are the slopes after each step; each step uses the slope at the point "
                                 "it starts from.",
                 "at_start": "The slope changes from step to step: evaluate f′ at the current iterate, not "
                             "always at β⁽⁰⁾."})
def slopes(v):
    """f′(β⁽⁰⁾), f′(β⁽¹⁾), f′(β⁽²⁾): the slopes the three steps of each learning rate use."""
    return _slopes_at(v, lambda path: path[:3])


@question(f"{ASSIGNMENT}.alpha_max", kind="number", points=1, rtol=1e-9,
          mistakes={"one_over_curvature": lambda v: 0.1},
          hints={"default": ("Use the factor of section 4: when does the distance to the minimum stop "
                             "shrinking?",
                             "The distance to β* is multiplied by 1 − 10α each step: it never grows "
                             "while |1 − 10α| ≤ 1. Solve for the largest α."),
                 "one_over_curvature": "α = 0.1 is the rate that lands on the minimum in one step; "
                                       "larger rates still converge while zig-zagging."})
def alpha_max(v):
    """Largest stable learning rate 2/f″ = 0.2 for the lecture's f, f″ = 10 (section 4's analysis)."""
    return 0.2


#: The learning rates of section 4's demonstration on the lecture's f, and what their iterates can do.
DEMO_RATES = ("0.01", "0.1", "0.18", "0.21")
REGIMES = ("creeps towards the minimum", "lands on the minimum in one step", "zig-zags into the minimum",
           "zig-zags away from the minimum")


def _regime(alpha: float, curvature: float = 2.0 * LECTURE["a"]) -> str:
    """What the iterates do when every step multiplies the distance to β* by q = 1 − f″α."""
    q = 1.0 - curvature * alpha
    if abs(q) < 1e-12:
        return REGIMES[1]
    if abs(q) >= 1.0:
        return REGIMES[3]
    return REGIMES[0] if q > 0 else REGIMES[2]


@question(f"{ASSIGNMENT}.regimes", kind="choice", points=1, options=REGIMES,
          hints={"default": ("Compute the factor 1 − 10α for each rate before you look at any plot.",
                             "The distance to the minimum is multiplied by q = 1 − 10α at every step: 0 < q < 1 "
                             "shrinks it without changing side, q = 0 removes it at once, a negative q changes "
                             "side at every step, and |q| > 1 makes it grow.")})
def regimes(v):
    """The behaviour of gradient descent on the lecture's f for each rate of section 4's demonstration."""
    return {rate: _regime(float(rate)) for rate in DEMO_RATES}


def _quadratic_trials(rng, v, momentum=False):
    """Hidden trials: random convex quadratics ½βᵀAβ − cᵀβ in 1, 2 and 3 dimensions.

    Each trial is ``(grad, beta0, alpha, steps)`` (plus ``eta`` before ``steps`` with momentum).
    """
    trials = []
    for dim in (None, 2, 3, 1):
        if dim is None:  # scalar β
            curvature, centre = rng.uniform(1.0, 10.0), rng.normal()
            grad = Probe("a * (x - c)", a=float(curvature), c=float(centre))
            beta0 = float(rng.normal(scale=3.0))
            alpha = float(rng.uniform(0.05, 1.5) / curvature)
        else:
            m = rng.normal(size=(dim, dim))
            a = m @ m.T + dim * np.eye(dim)
            c = rng.normal(size=dim)
            grad = Probe("a @ x - c", a=a, c=c)
            beta0 = rng.normal(scale=2.0, size=dim)
            alpha = float(rng.uniform(0.1, 1.5) / np.linalg.eigvalsh(a)[-1])
        steps = int(rng.integers(1, 12))
        if momentum:
            trials.append((grad, beta0, alpha, float(rng.uniform(0.0, 0.95)), steps))
        else:
            trials.append((grad, beta0, alpha, steps))
    return trials


def _reference_gd(grad, beta0, alpha, steps):
    return gd.gradient_descent(grad, beta0, alpha, steps)


def _reference_momentum(grad, beta0, alpha, eta, steps):
    return gd.gradient_descent(grad, beta0, alpha, steps, momentum=eta)


def _gd_plus_sign(grad, beta0, alpha, steps):
    return gd.gradient_descent(lambda b: -np.asarray(grad(b)), beta0, alpha, steps)


def _gd_without_start(grad, beta0, alpha, steps):
    return gd.gradient_descent(grad, beta0, alpha, steps)[1:]


@question(f"{ASSIGNMENT}.gradient_descent", kind="function", points=2, rtol=1e-7,
          inputs=_quadratic_trials,
          mistakes={"ascent": lambda v: _gd_plus_sign, "without_start": lambda v: _gd_without_start},
          hints={"default": ("Keep every iterate, the starting point included, and return them as one "
                             "array.",
                             "Each iterate is the previous one minus alpha times the gradient there; "
                             "`steps` updates give steps + 1 iterates, stacked in one array."),
                 "ascent": "Your iterates move uphill: subtract alpha * grad(beta).",
                 "without_start": "Include the starting point: the result has steps + 1 rows."})
def gradient_descent(v):
    """Reference: all iterates of plain gradient descent."""
    return _reference_gd


def _momentum_on_first_step(grad, beta0, alpha, eta, steps):
    # a velocity that starts as −α∇f(β⁽⁰⁾) applies momentum already on the first step
    beta = np.array(beta0, dtype=float)
    velocity = -alpha * np.asarray(grad(beta), dtype=float)
    path = [beta.copy()]
    for _ in range(steps):
        velocity = eta * velocity - alpha * np.asarray(grad(beta), dtype=float)
        beta = beta + velocity
        path.append(beta.copy())
    return np.array(path)


@question(f"{ASSIGNMENT}.momentum_descent", kind="function", points=2, rtol=1e-7,
          inputs=lambda rng, v: _quadratic_trials(rng, v, momentum=True),
          mistakes={"no_momentum": lambda v: (lambda g, b, a, e, s: _reference_gd(g, b, a, s)),
                    "first_step": lambda v: _momentum_on_first_step},
          hints={"default": ("Remember the previous iterate: momentum adds a fraction eta of the last "
                             "step.",
                             "β⁽ʳ⁺¹⁾ = β⁽ʳ⁾ − α·grad(β⁽ʳ⁾) + η·Δβ⁽ʳ⁾ with Δβ⁽ʳ⁾ = β⁽ʳ⁾ − β⁽ʳ⁻¹⁾ and "
                             "Δβ⁽⁰⁾ = 0."),
                 "no_momentum": "Your iterates ignore eta: the last step, scaled by eta, is missing.",
                 "first_step": "There is no previous step before the first one: Δβ⁽⁰⁾ = 0."})
def momentum_descent(v):
    """Reference: heavy-ball iterates, no momentum on the first step."""
    return _reference_momentum


# ---------------------------------------------------------------- hidden edge cases (hidden test regions)

def _edge_trials(rng, v, momentum=False):
    """Edge cases: zero and one step, an integer start, 4-D, a non-quadratic gradient."""
    m = rng.normal(size=(4, 4))
    a = m @ m.T + 4 * np.eye(4)
    quad = Probe("a @ x", a=a)
    lr4 = float(0.5 / np.linalg.eigvalsh(a)[-1])
    cases = [
        (Probe("8.0 * x + 2.0"), 3, 0.05, 0.5, 0),            # steps = 0: only β⁽⁰⁾
        (Probe("8.0 * x + 2.0"), -2, 0.05, 0.5, 1),           # one step, integer β⁽⁰⁾
        (quad, rng.normal(size=4), lr4, 0.9, 30),
        # ∇ of Σ cosh(βᵢ), a non-quadratic convex function; η = 0 is plain descent
        (Probe("np.sinh(x)"), rng.uniform(-1.5, 1.5, size=3), 0.3, 0.0, 8),
    ]
    if momentum:
        return cases
    return [(g, b0, lr, steps) for g, b0, lr, _, steps in cases]


hidden_twin(f"{ASSIGNMENT}.gradient_descent", rtol=1e-7,
         inputs=_edge_trials,
         hints={"default": ("Try steps = 0, an integer beta0 and a vector of four entries.",
                            "With no step there is only the start; an integer start must still give "
                            "float iterates; nothing may depend on the dimension.")})
hidden_twin(f"{ASSIGNMENT}.momentum_descent", rtol=1e-7,
         inputs=lambda rng, v: _edge_trials(rng, v, momentum=True),
         hints={"default": ("Try steps = 0, eta = 0, an integer beta0 and a vector of four entries.",
                            "With no step there is only the start; the first step has no momentum; "
                            "eta = 0 must give plain gradient descent; nothing may depend on the "
                            "dimension.")}
         )
