"""Questions of assignment 01_derivatives: slopes, the rules table, the chain rule, gradients, Jacobians.

Symbolic answers are compared with ``sympy.diff`` of the function (never with a hand-written
answer), numeric functions with :func:`coursekit.gradcheck.numerical_gradient` or with exact
formulas that ``tests/test_course_01_derivatives.py`` checks against it.
"""
from __future__ import annotations

import numpy as np

from autograder.capture import Probe
from autograder.questions import question
from coursekit.gradcheck import numerical_gradient

ASSIGNMENT = "01_derivatives"

#: Course code absent from the grading sandbox (see :func:`autograder.questions.withheld`):
#: central differences and numerical Jacobians.
WITHHELD = ("coursekit.gradcheck",)

#: name -> (function of x as text, hint); answers are d/dx of the function.
RULE_EXERCISES = {
    "power": ("4*x**3 - 2*sqrt(x) + 7",
              "Power rule term by term: √x = x^(1/2), so its derivative is 1/(2√x); constants vanish."),
    "product": ("x**2*sin(x)", "Product rule: (fg)′ = f′g + fg′ with f = x², g = sin x."),
    "quotient": ("(x + 1)/(x**2 + 1)",
                 "Quotient rule: (f/g)′ = (g f′ − f g′)/g², with f = x + 1 and g = x² + 1."),
    "exponential": ("exp(3*x**2) + 2**x",
                    "(e^g)′ = e^g·g′ with g = 3x², and (a^x)′ = a^x·ln a (write ln as log)."),
    "logarithm": ("log(x**2 + 1) + log(x)/log(10)",
                  "(ln g)′ = g′/g, and (log₁₀ x)′ = 1/(x ln 10)."),
    "trigonometric": ("tan(x) - cos(2*x)",
                      "(tan x)′ = sec² x = 1/cos² x; (cos 2x)′ = −2 sin 2x by the chain rule."),
    "inverse_trigonometric": ("asin(2*x) + atan(x)",
                              "(sin⁻¹ u)′ = u′/√(1 − u²) with u = 2x; (tan⁻¹ x)′ = 1/(1 + x²)."),
    "hyperbolic": ("tanh(x)*cosh(x)",
                   "Product rule with (tanh x)′ = sech² x = 1/cosh² x and (cosh x)′ = sinh x."),
    "inverse_hyperbolic": ("asinh(x**2)", "(sinh⁻¹ u)′ = u′/√(1 + u²) with u = x²."),
    "sigmoid": ("1/(1 + exp(-x))",
                "Chain rule: (u⁻¹)′ = −u′/u² with u = 1 + e^(−x), and u′ = −e^(−x)."),
}

_SIGMA = "1/(1 + exp(-(w*x + b)))"
#: name -> (function, variable, symbols, points, hint) for the other symbolic questions.
OTHER_EXERCISES = {
    "neuron": (f"({_SIGMA} - y)**2", "w", ("w", "x", "b", "y"), 2,
               "∂L/∂w = 2(ŷ − y)·σ′(wx + b)·x with σ′ = σ(1 − σ): outer square, then the sigmoid, "
               "then the inner wx + b."),
    "mse": ("(yhat_i - y_i)**2", "yhat_i", ("yhat_i", "y_i"), 1,
            "Only the i-th term depends on ŷᵢ; differentiate (ŷᵢ − yᵢ)² with the chain rule."),
    "partial_x": ("x**2*y + sin(x*y) + exp(y)", "x", ("x", "y"), 1,
                  "Hold y constant: (x²y)′ = 2xy, (sin xy)′ = y cos xy, (e^y)′ = 0."),
    "partial_y": ("x**2*y + sin(x*y) + exp(y)", "y", ("x", "y"), 1,
                  "Hold x constant: (x²y)′ = x², (sin xy)′ = x cos xy, (e^y)′ = e^y."),
}


def _derivative_text(function: str, variable: str, symbols) -> str:
    import sympy

    names = {s: sympy.Symbol(s) for s in symbols}
    expr = sympy.sympify(function, locals=names)
    return str(sympy.diff(expr, names[variable]))


def _register_symbolic(name, function, variable, symbols, points, hint):
    # derivative questions get coursekit.symbolic's diagnosis (chain rule, ln a factor, sign...) as hint;
    # its parser reads single-letter variables, so ŷᵢ-style names fall back to plain equivalence
    @question(f"{ASSIGNMENT}.{name}", kind="expression", points=points, symbols=symbols,
              derivative_of=(function, variable) if len(variable) == 1 else None,
              hints={"default": hint})
    def reference(v):
        return _derivative_text(function, variable, symbols)
    reference.__name__ = reference.__qualname__ = name
    reference.__doc__ = f"∂/∂{variable} of {function}."
    return reference


for _name, (_function, _hint) in RULE_EXERCISES.items():
    globals()[_name] = _register_symbolic(_name, _function, "x", ("x",), 1, _hint)
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
          hints={"default": "Return (f(x + h) - f(x - h)) / (2 * h); it works for arrays unchanged.",
                 "forward": "That is the forward difference (f(x+h) − f(x))/h; use points on both sides of x.",
                 "missing_two": "The two points are 2h apart: divide by 2*h."})
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
          hints={"default": "Return np.array([df/dx, df/dy]) evaluated at p = (x, y).",
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
          hints={"default": "Column j is (F(x + h e_j) − F(x − h e_j)) / (2h); stack the columns "
                            "with np.stack(columns, axis=1) to get shape (m, n).",
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
          hints={"default": "Row i holds the partial derivatives of output i: "
                            "[[∂x/∂r, ∂x/∂θ], [∂y/∂r, ∂y/∂θ]].",
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


question(f"{ASSIGNMENT}.central_difference_hidden", kind="function", points=1, rtol=1e-6, atol=1e-9,
         inputs=_difference_edge_trials,
         hints={"default": "Your function must also work for arrays of any shape and small steps h."}
         )(central_difference)
question(f"{ASSIGNMENT}.grad_f_hidden", kind="function", points=1, rtol=1e-7,
         inputs=lambda rng, v: [(rng.uniform(-3, 3, size=2),) for _ in range(4)] + [(np.array([0.0, 0.0]),)],
         hints={"default": "Check your gradient far from the origin and at (0, 0)."})(grad_f)
question(f"{ASSIGNMENT}.numerical_jacobian_hidden", kind="function", points=1, rtol=1e-6, atol=1e-8,
         inputs=_jacobian_edge_trials,
         hints={"default": "Also handle an integer point (convert x to float first), a function with "
                           "one output (shape (1, n)) and wide maps (n > m)."})(numerical_jacobian)
question(f"{ASSIGNMENT}.jacobian_polar_hidden", kind="function", points=1, rtol=1e-7,
         inputs=lambda rng, v: [(np.array([-1.5, 7.0]),), (np.array([0.0, 1.0]),),
                                (np.array([rng.uniform(-3, 3), rng.uniform(-10, 10)]),)],
         hints={"default": "The formula must hold for any r (also 0 or negative) and any angle."}
         )(jacobian_polar)
