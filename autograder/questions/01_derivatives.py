"""Questions of assignment 01_derivatives: slopes, the rules table, the chain rule, gradients, Jacobians.

Symbolic answers are compared with ``sympy.diff`` of the function (never with a hand-written
answer), numeric functions with :func:`coursekit.gradcheck.numerical_gradient` or with exact
formulas that ``tests/test_course_01_derivatives.py`` checks against it.
"""
from __future__ import annotations

import numpy as np

from autograder.capture import Probe
from autograder.questions import hidden_twin, question
from coursekit.gradcheck import numerical_gradient

ASSIGNMENT = "01_derivatives"

#: Course code absent from the grading sandbox (see :func:`autograder.withheld.withheld`):
#: central differences and numerical Jacobians.
WITHHELD = ("coursekit.gradcheck",)

#: name -> (function of x as text, hint tiers (nudge, rule), declared mistakes {tag: (wrong answer, hint)});
#: answers are d/dx of the function. The easy rows of the table (power, product, sin and cos) come back in
#: every later exercise; the drills exercise the rows students meet least: the quotient, ln a, the
#: reciprocal functions and the inverse hyperbolic ones (with the two rows the slides get wrong). The last
#: entry, the sigmoid, opens the chain-rule section.
RULE_EXERCISES = {
    "quotient": ("(x + 1)/(x**2 + 1)",
                 ("A quotient: mind which term of the numerator comes first.",
                  "Quotient rule: (f/g)′ = (g·f′ − f·g′)/g², with f the numerator and g the denominator."),
                 {}),
    "exponential": ("exp(3*x**2) + 2**x + log(x**2 + 1)/log(10)",
                    ("Three terms: an exponential of e with an inner function, one of another base, and a "
                     "logarithm in base ten of an inner function.",
                     "(e^g)′ = e^g·g′ (chain rule), (aˣ)′ = aˣ·ln a and (log_a g)′ = g′/(g·ln a); write ln "
                     "as log."),
                    {}),
    "reciprocal_trigonometric": ("sec(x**2) + cot(3*x)",
                                 ("Two reciprocal trigonometric functions, each of an inner function.",
                                  "(sec u)′ = sec u·tan u and (cot u)′ = −csc² u from the rules table, each "
                                  "times u′ by the chain rule."),
                                 {}),
    "inverse_trigonometric": ("asin(2*x) + atan(x)",
                              ("Two inverse functions; the first one has an inner function.",
                               "(sin⁻¹ u)′ = u′/√(1 − u²) by the chain rule; (tan⁻¹ x)′ is in the rules "
                               "table of section 2."),
                              {}),
    "reciprocal_hyperbolic": ("coth(2*x) + x*sech(x)",
                              ("A reciprocal hyperbolic function of an inner function, and a product.",
                               "(coth u)′ = −csch² u (the corrected row of the table) times u′; the product "
                               "rule for x·sech x with (sech x)′ = −sech x·tanh x."),
                              {"slide_coth": ("-2*csch(2*x) + sech(x) - x*sech(x)*tanh(x)",
                                              "That uses the slide's row for coth, which the errata box of "
                                              "section 2 corrects: look at the power of csch.")}),
    "inverse_hyperbolic": ("asinh(x**2) + atanh(x/2)",
                           ("Two inverse hyperbolic functions, each of an inner function: chain rule twice.",
                            "(sinh⁻¹ u)′ = u′/√(1 + u²) and (tanh⁻¹ u)′ = u′/(1 − u²), with u the inner "
                            "function of each term."),
                           {}),
    "inverse_reciprocal_hyperbolic": ("acsch(x**2) + asech(x)",
                                      ("Two inverse reciprocal hyperbolic functions; the first one has an "
                                       "inner function.",
                                       "(csch⁻¹ u)′ = −u′/(|u|·√(1 + u²)) (the corrected row) by the chain "
                                       "rule, here with u > 0; (sech⁻¹ x)′ = −1/(x·√(1 − x²)) for 0 < x < 1."),
                                      {"slide_acsch": ("-2/(x*sqrt(1 - x**4)) - 1/(x*sqrt(1 - x**2))",
                                                       "That uses the slide's row for csch⁻¹, which the "
                                                       "errata box of section 2 corrects: look at the sign "
                                                       "under the root.")}),
    "sigmoid": ("1/(1 + exp(-x))",
                ("Write σ as u⁻¹ with u = 1 + e^(−x) and use the chain rule.",
                 "Chain rule: (u⁻¹)′ = −u′/u², and u′ needs the chain rule once more (the inside of "
                 "e^(−x) is −x)."),
                {}),
}

_SIGMA = "1/(1 + exp(-(w*x + b)))"
#: name -> (function, variable, symbols, points, hint tiers) for the other symbolic questions.
OTHER_EXERCISES = {
    "neuron": (f"({_SIGMA} - y)**2", "w", ("w", "x", "b", "y"), 2,
               ("Three functions inside each other: the square outside, the sigmoid in the middle, "
                "wx + b inside. The chain rule gives one factor per layer.",
                "Chain rule: ∂L/∂w = (dL/dŷ)·(dŷ/dz)·(dz/dw) with z = wx + b; the sigmoid's derivative "
                "can be written with σ itself (section 3a).")),
    "mse": ("(yhat_i - y_i)**2", "yhat_i", ("yhat_i", "y_i"), 1,
            ("Only one term of the sum depends on ŷᵢ.",
             "Only the i-th term depends on ŷᵢ; differentiate it with the chain rule, (u²)′ = 2u·u′.")),
    "partial_x": ("x**2*y + sin(x*y) + exp(y)", "x", ("x", "y"), 1,
                  ("Hold y constant and differentiate each of the three terms with respect to x.",
                   "Treat y as a number: the power and chain rules apply as usual (the inside xy has "
                   "derivative y with respect to x), and a term without x has derivative zero.")),
    "partial_y": ("x**2*y + sin(x*y) + exp(y)", "y", ("x", "y"), 1,
                  ("Hold x constant and differentiate each of the three terms with respect to y.",
                   "Treat x as a number: a constant factor stays, the chain rule handles the inside xy "
                   "(its derivative with respect to y is x), and (e^y)′ = e^y.")),
}


def _derivative_text(function: str, variable: str, symbols) -> str:
    import sympy

    names = {s: sympy.Symbol(s) for s in symbols}
    expr = sympy.sympify(function, locals=names)
    return str(sympy.diff(expr, names[variable]))


def _register_symbolic(name, function, variable, symbols, points, hint, mistakes=None):
    # derivative questions get coursekit.symbolic's diagnosis (chain rule, ln a factor, sign...) as hint;
    # its parser reads single-letter variables, so ŷᵢ-style names fall back to plain equivalence
    mistakes = mistakes or {}
    @question(f"{ASSIGNMENT}.{name}", kind="expression", points=points, symbols=symbols,
              derivative_of=(function, variable) if len(variable) == 1 else None,
              mistakes={tag: (lambda v, wrong=wrong: wrong) for tag, (wrong, _) in mistakes.items()},
              hints={"default": hint, **{tag: text for tag, (_, text) in mistakes.items()}})
    def reference(v):
        return _derivative_text(function, variable, symbols)
    reference.__name__ = reference.__qualname__ = name
    reference.__doc__ = f"∂/∂{variable} of {function}."
    return reference


for _name, (_function, _hint, _mistakes) in RULE_EXERCISES.items():
    globals()[_name] = _register_symbolic(_name, _function, "x", ("x",), 1, _hint, _mistakes)
for _name, (_function, _variable, _symbols, _points, _hint) in OTHER_EXERCISES.items():
    globals()[_name] = _register_symbolic(_name, _function, _variable, _symbols, _points, _hint)


# ---------------------------------------------------------------- central differences

_SMOOTH = (
    ("sin", Probe("np.sin(x)")),
    ("exp", Probe("np.exp(x)")),
    ("cubic", Probe("x**3 - 2.0 * x")),
    ("tanh", Probe("np.tanh(x)")),
    ("bump", Probe("1.0 / (1.0 + x**2)")),
)


def _difference_trials(rng, v):
    """Trials ``(f, x, h)``: scalar and array points, several step sizes."""
    trials = []
    for i, (_, f) in enumerate(_SMOOTH):
        x = float(rng.uniform(-2, 2)) if i % 2 == 0 else rng.uniform(-2, 2, size=int(rng.integers(2, 6)))
        trials.append((f, x, float(rng.choice([1e-2, 1e-3, 1e-4]))))
    return trials


def _reference_central(f, x, h=1e-5):
    points = np.asarray(x, dtype=float)
    slopes = [numerical_gradient(lambda p: float(f(p[0])), np.array([xi]), h=h)[0]
              for xi in points.ravel()]
    out = np.array(slopes).reshape(points.shape)
    return float(out) if out.ndim == 0 else out


def _forward(f, x, h=1e-5):
    return (f(x + h) - f(x)) / h


def _missing_two(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / h


@question(f"{ASSIGNMENT}.central_difference", kind="function", points=2, rtol=1e-6, atol=1e-9,
          inputs=_difference_trials,
          mistakes={"forward": lambda v: _forward, "missing_two": lambda v: _missing_two},
          hints={"default": ("Evaluate f on both sides of x, at the same distance h.",
                             "The central difference of section 1: the slope of the secant through the "
                             "points at x − h and x + h. NumPy evaluates it for every entry of an array "
                             "at once."),
                 "forward": "That is the forward difference (f(x+h) − f(x))/h; use points on both sides of x.",
                 "missing_two": "The two points are 2h apart: divide by their distance."})
def central_difference(v):
    """Reference: centred differences from coursekit.gradcheck."""
    return _reference_central


# ---------------------------------------------------------------- gradient and Jacobians

def grad_f_exact(p):
    """Exact ∇f of f(x, y) = x²y + sin(xy) + eʸ."""
    x, y = p
    return np.array([2 * x * y + y * np.cos(x * y), x**2 + x * np.cos(x * y) + np.exp(y)])


def _swapped_grad(p):
    return grad_f_exact(p)[::-1]


@question(f"{ASSIGNMENT}.grad_f", kind="function", points=2, rtol=1e-7,
          inputs=lambda rng, v: [(rng.uniform(-2, 2, size=2),) for _ in range(6)],
          mistakes={"swapped": lambda v: _swapped_grad},
          hints={"default": ("Use your two partial derivatives from section 5.",
                             "∇f = (∂f/∂x, ∂f/∂y): evaluate both partial derivatives at p = (x, y) and "
                             "return them as an array of shape (2,)."),
                 "swapped": "The components are in the wrong order: first ∂f/∂x, then ∂f/∂y."})
def grad_f(v):
    """Reference: the exact gradient."""
    return grad_f_exact


def _random_maps(rng):
    """Smooth maps R^n -> R^m with their input size n."""
    m, n = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    a, c = rng.normal(size=(m, n)), rng.normal(size=m)
    return [
        (Probe("np.tanh(a @ x + c)", a=a, c=c), n),
        (Probe("a @ x", a=a), n),
        (Probe("np.array([x[0] * x[1], np.sin(x[0]), x[1] ** 2, np.exp(-x[0] * x[1])])"), 2),
        (Probe("np.array([x[0] * np.cos(x[1]), x[0] * np.sin(x[1]), x[2] * x[0]])"), 3),
    ]


def _jacobian_trials(rng, v):
    return [(F, rng.normal(size=n), float(rng.choice([1e-4, 1e-5, 1e-6]))) for F, n in _random_maps(rng)]


def _reference_jacobian(F, x, h=1e-6):
    x = np.array(x, dtype=float)
    m = np.asarray(F(x)).size
    return np.stack([numerical_gradient(lambda p, i=i: float(np.asarray(F(p))[i]), x.copy(), h=h)
                     for i in range(m)])


def _forward_jacobian(F, x, h=1e-6):
    x = np.array(x, dtype=float)
    f0 = np.asarray(F(x), dtype=float)
    return np.stack([(np.asarray(F(x + h * e)) - f0) / h for e in np.eye(x.size)], axis=1)


@question(f"{ASSIGNMENT}.numerical_jacobian", kind="function", points=2, rtol=1e-6, atol=1e-8,
          inputs=_jacobian_trials,
          mistakes={"forward": lambda v: _forward_jacobian},
          hints={"default": ("One column per input: move one coordinate of x at a time.",
                             "Column j is the central difference of F along the unit vector e_j: F at "
                             "x + h e_j and at x − h e_j. Columns side by side give shape (m, n)."),
                 "transposed": "Rows are outputs and columns are inputs: the result has shape (m, n).",
                 "forward": "That is a forward difference; use x + h e_j and x − h e_j."})
def numerical_jacobian(v):
    """Reference: one coursekit numerical gradient per output."""
    return _reference_jacobian


def jacobian_polar_exact(p):
    """Exact Jacobian of (r, θ) ↦ (r cos θ, r sin θ)."""
    r, theta = p
    return np.array([[np.cos(theta), -r * np.sin(theta)], [np.sin(theta), r * np.cos(theta)]])


@question(f"{ASSIGNMENT}.jacobian_polar", kind="function", points=2, rtol=1e-7,
          inputs=lambda rng, v: [(np.array([rng.uniform(0.2, 3.0), rng.uniform(-np.pi, np.pi)]),)
                                 for _ in range(6)],
          hints={"default": ("Differentiate each of the two outputs with respect to each of the two inputs.",
                             "Row i holds the partial derivatives of output i: "
                             "[[∂x/∂r, ∂x/∂θ], [∂y/∂r, ∂y/∂θ]]."),
                 "transposed": "Rows are the outputs (x, y), columns the inputs (r, θ)."})
def jacobian_polar(v):
    """Reference: the exact Jacobian."""
    return jacobian_polar_exact


# ---------------------------------------------------------------- hidden edge cases (hidden test regions)

def _difference_edge_trials(rng, v):
    """A 2-D grid of points, a log on positive points, a fast oscillation with a small step."""
    return [
        (Probe("np.cos(x)"), rng.uniform(-3, 3, size=(2, 3)), 1e-4),
        (Probe("np.log(x)"), rng.uniform(0.5, 4.0, size=4), 1e-5),
        (Probe("np.sin(k * x)", k=float(rng.uniform(3, 6))), float(rng.uniform(-1, 1)), 1e-6),
    ]


def _jacobian_edge_trials(rng, v):
    """An integer point, a single output, a wide linear map."""
    a = rng.normal(size=(2, 6))
    return [
        (Probe("np.array([x[0] ** 2 * x[1], x[1] - x[0]])"), np.array([2, -1]), 1e-5),
        (Probe("np.array([np.sum(x ** 2)])"), rng.normal(size=3), 1e-5),
        (Probe("np.sin(a @ x)", a=a), rng.normal(size=6), 1e-6),
    ]


hidden_twin(f"{ASSIGNMENT}.central_difference", rtol=1e-6, atol=1e-9,
         inputs=_difference_edge_trials,
         hints={"default": ("Try your function on a 2-D array of points and with a small step h.",
                            "The same expression must work elementwise for arrays of any shape (no loop "
                            "over the entries, no reshape to 1-D).")}
         )
hidden_twin(f"{ASSIGNMENT}.grad_f", rtol=1e-7,
         inputs=lambda rng, v: [(rng.uniform(-3, 3, size=2),) for _ in range(4)] + [(np.array([0.0, 0.0]),)],
         hints={"default": ("Check your gradient far from the origin and at (0, 0).",
                            "Compare your gradient with central differences at a few points, the origin "
                            "included.")})
hidden_twin(f"{ASSIGNMENT}.numerical_jacobian", rtol=1e-6, atol=1e-8,
         inputs=_jacobian_edge_trials,
         hints={"default": ("Try an integer point, a function with one output and a map with more inputs "
                            "than outputs.",
                            "An integer x cannot hold x + h: work on a float copy. The result always has "
                            "one row per output and one column per input, even with one output.")})
hidden_twin(f"{ASSIGNMENT}.jacobian_polar", rtol=1e-7,
         inputs=lambda rng, v: [(np.array([-1.5, 7.0]),), (np.array([0.0, 1.0]),),
                                (np.array([rng.uniform(-3, 3), rng.uniform(-10, 10)]),)],
         hints={"default": ("Try r = 0, a negative r and an angle beyond π.",
                            "The partial derivatives hold for every r and θ: no special cases, no "
                            "absolute values, no reduction of the angle.")}
         )
