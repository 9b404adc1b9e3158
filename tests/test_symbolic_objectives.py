"""Every course objective's coded gradient equals the gradient of its symbolic form."""
import numpy as np
import pytest
import sympy

functions = pytest.importorskip("coursekit.functions")

from coursekit.symbolic import check_derivative  # noqa: E402


@pytest.mark.parametrize("name", functions.names())
def test_coded_gradient_equals_the_symbolic_gradient_at_random_points(name):
    objective = functions.get(name)
    expr, symbols = objective.sympy()
    assert len(symbols) == objective.dim
    gradient = sympy.lambdify(symbols, [sympy.diff(expr, s) for s in symbols], "numpy")
    value = sympy.lambdify(symbols, expr, "numpy")
    rng = np.random.default_rng(sum(map(ord, name)))
    box = np.asarray(objective.domain, dtype=float).reshape(objective.dim, 2)
    for point in rng.uniform(box[:, 0], box[:, 1], size=(20, objective.dim)):
        argument = point[0] if objective.dim == 1 else point
        coded = np.atleast_1d(objective.grad(argument))
        np.testing.assert_allclose(coded, gradient(*point), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(objective.value(argument), value(*point), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", functions.names())
def test_the_symbolic_gradient_passes_check_derivative(name):
    expr, symbols = functions.get(name).sympy()
    answer = [sympy.diff(expr, s) for s in symbols]
    wrt = tuple(s.name for s in symbols)
    verdict = check_derivative(expr, answer if len(answer) > 1 else answer[0],
                               wrt=wrt if len(wrt) > 1 else wrt[0])
    assert verdict.correct, verdict.feedback
