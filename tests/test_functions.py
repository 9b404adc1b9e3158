"""functions: coded gradients against sympy and finite differences, minima, grids, registry."""

import numpy as np
import pytest
import sympy

from coursekit.functions import get, names
from coursekit.gd import gradient_descent
from coursekit.gradcheck import TOLERANCE, numerical_gradient, relative_error

ALL = names()


def _random_points(objective, count=20, seed=0):
    box = np.array(objective.domain)
    rng = np.random.default_rng(seed)
    return rng.uniform(box[:, 0], box[:, 1], (count, objective.dim))


def _sympy_callables(objective):
    expr, symbols = objective.sympy()
    value = sympy.lambdify(symbols, expr, "numpy")
    partials = [sympy.lambdify(symbols, sympy.diff(expr, s), "numpy") for s in symbols]
    return value, partials


def test_the_required_objectives_are_registered():
    assert {"quadratic", "double_well", "ill_conditioned", "rosenbrock", "himmelblau", "beale"} <= set(ALL)
    assert [get(n).dim for n in ALL] == sorted(get(n).dim for n in ALL)  # 1-D ones first


def test_unknown_names_are_rejected_listing_the_known_ones():
    with pytest.raises(ValueError, match="unknown function 'rastrigin'; known: quadratic, double_well"):
        get("rastrigin")
    with pytest.raises(ValueError, match="unknown function"):
        get(["quadratic"])


def test_the_lecture_quadratic():
    f = get("quadratic")
    expr, (beta,) = f.sympy()
    assert sympy.simplify(expr - (5 * beta**2 - 3 * beta + 2)) == 0
    assert f.value(4.0) == 70.0 and f.grad(4.0) == 37.0
    assert f.minimum == 0.3 and f.default_start == 4.0


@pytest.mark.parametrize("name", ALL)
def test_gradient_equals_sympys_gradient_at_random_points(name):
    f = get(name)
    _, partials = _sympy_callables(f)
    points = _random_points(f)
    symbolic = np.stack([np.broadcast_to(p(*points.T), len(points)) for p in partials], axis=-1)
    coded = f.grad(points[:, 0] if f.dim == 1 else points)
    np.testing.assert_allclose(coded, symbolic[:, 0] if f.dim == 1 else symbolic, rtol=1e-11, atol=1e-9)


@pytest.mark.parametrize("name", ALL)
def test_value_equals_sympys_value(name):
    f = get(name)
    value, _ = _sympy_callables(f)
    points = _random_points(f, seed=1)
    coded = f.value(points[:, 0] if f.dim == 1 else points)
    np.testing.assert_allclose(coded, value(*points.T), rtol=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_gradient_passes_gradcheck(name):
    f = get(name)
    for point in _random_points(f, count=5, seed=2):
        x = point[0] if f.dim == 1 else point
        numeric = numerical_gradient(lambda v: f.value(v), x, h=1e-5)
        assert relative_error(f.grad(x), numeric) < TOLERANCE


@pytest.mark.parametrize("name", ALL)
def test_minima_are_stationary_with_positive_curvature_and_the_first_is_global(name):
    f = get(name)
    expr, symbols = f.sympy()
    hessian = sympy.lambdify(symbols, sympy.hessian(expr, symbols), "numpy")
    values = []
    for point in f.minima:
        x = point[0] if f.dim == 1 else np.array(point)
        assert np.max(np.abs(f.grad(x))) < 1e-9
        assert np.all(np.linalg.eigvalsh(np.array(hessian(*point), dtype=float)) > 0)
        values.append(f.value(x))
    assert values[0] <= min(values) + 1e-12
    for point in f.minima + (f.start,):
        assert all(low <= c <= high for c, (low, high) in zip(point, f.domain))


@pytest.mark.parametrize("name", ALL)
def test_grid_evaluation_matches_pointwise_evaluation(name):
    f = get(name)
    axes = [np.linspace(low, high, 7) for low, high in f.domain]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)  # (7, 7, 2) or (7, 1)
    if f.dim == 1:
        grid = grid[..., 0]
    values, grads = f.value(grid), f.grad(grid)
    assert values.shape == (grid.shape if f.dim == 1 else grid.shape[:-1])
    assert grads.shape == grid.shape
    for index in np.ndindex(values.shape):
        assert values[index] == f.value(grid[index])
        np.testing.assert_array_equal(grads[index], f.grad(grid[index]))


def test_points_of_the_wrong_dimension_are_rejected():
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., 2\).*'rosenbrock', got \(3,\)"):
        get("rosenbrock").grad(np.zeros(3))
    with pytest.raises(ValueError, match="x must have shape"):
        get("beale").value(1.0)
    with pytest.raises(TypeError, match="x must be a real number"):
        get("bowl").value("origin")


@pytest.mark.parametrize("name", [n for n in ALL if n != "rosenbrock"])
def test_default_learning_rate_converges_from_the_default_start(name):
    f = get(name)
    final = gradient_descent(f.grad, f.default_start, f.default_lr, steps=3000)[-1]
    distances = [np.linalg.norm(np.atleast_1d(final) - np.array(m)) for m in f.minima]
    assert min(distances) < 1e-4


def test_rosenbrock_descends_its_valley_slowly():
    f = get("rosenbrock")
    path = gradient_descent(f.grad, f.default_start, f.default_lr, steps=3000)
    values = f.value(path)
    assert values[-1] < 1e-2 * values[0]
    assert np.linalg.norm(path[-1] - f.minimum) > 1e-3  # still on its way: the point of the example


def test_double_well_traps_gradient_descent_in_the_local_minimum():
    f = get("double_well")
    final = gradient_descent(f.grad, f.default_start, f.default_lr, steps=2000)[-1]
    assert final == pytest.approx(f.minima[1][0], abs=1e-9)
    assert f.value(final) > f.value(f.minimum)
