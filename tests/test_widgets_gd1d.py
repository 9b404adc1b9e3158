"""The 1-D gradient-descent explorer, driven headless through its controls."""
import re

import numpy as np
import pytest

from coursekit.widgets import explore_gd
from coursekit.widgets.gd1d import gd_1d


def f_quadratic(beta):
    return 5 * beta**2 - 3 * beta + 2


def f_prime(beta):
    return 10 * beta - 3


def heavy_ball(beta0, lr, steps, momentum):
    """An independent heavy-ball loop on f(β) = 5β² − 3β + 2 (no momentum on the first step)."""
    betas = [beta0]
    for r in range(steps):
        velocity = momentum * (betas[-1] - betas[-2]) if r > 0 else 0.0
        betas.append(betas[-1] - lr * f_prime(betas[-1]) + velocity)
    return np.array(betas)


@pytest.mark.parametrize("lr, expected", [
    (1.0, [4, -33, 300, -2697]),
    (0.01, [4, 3.63, 3.297, 2.9973]),
    (0.1, [4, 0.3, 0.3, 0.3]),
])
def test_default_explorer_reproduces_the_lecture_exercise(lr, expected):
    gd = explore_gd()
    gd.set(beta0=4.0, steps=3, lr=lr)
    np.testing.assert_allclose(gd.state.iterates, expected, rtol=1e-12, atol=1e-12)


def test_table_rows_hold_beta_its_derivative_and_the_next_beta():
    gd = explore_gd()
    gd.set(beta0=4.0, lr=0.01, steps=5)
    rows = np.array(gd.state.rows)
    assert rows.shape == (5, 5)
    np.testing.assert_array_equal(rows[:, 0], np.arange(5))
    np.testing.assert_allclose(rows[:, 2], f_prime(rows[:, 1]))
    np.testing.assert_allclose(rows[:, 3], rows[:, 1] - 0.01 * rows[:, 2])
    np.testing.assert_allclose(rows[:, 4], f_quadratic(rows[:, 3]))
    np.testing.assert_allclose(rows[1:, 1], rows[:-1, 3])


def test_table_html_shows_the_rows():
    gd = explore_gd()
    gd.set(beta0=4.0, lr=1.0, steps=3)
    assert "−2697" in gd._table.value and "300" in gd._table.value
    gd.controls["lr"].value = 0.01
    assert "2.9973" in gd._table.value and "2697" not in gd._table.value


@pytest.mark.parametrize("momentum", [0.0, 0.3, 0.9])
def test_momentum_slider_gives_heavy_ball_iterates(momentum):
    gd = explore_gd()
    gd.set(beta0=-1.5, lr=0.01, steps=12, momentum=momentum)
    np.testing.assert_allclose(gd.state.iterates, heavy_ball(-1.5, 0.01, 12, momentum),
                               rtol=1e-12)


def test_plotted_points_and_arrows_follow_the_iterates():
    gd = explore_gd()
    gd.set(beta0=4.0, lr=0.05, steps=6)
    x, y = gd.path_line.get_data()
    np.testing.assert_allclose(x, gd.state.iterates)
    np.testing.assert_allclose(y, f_quadratic(np.asarray(x)))
    assert len(gd.arrows) == 6
    curve_x, curve_y = gd.curve_line.get_data()
    np.testing.assert_allclose(curve_y, f_quadratic(curve_x))


def test_divergence_at_alpha_one_is_flagged_and_keeps_the_axes_readable():
    gd = explore_gd()
    gd.set(beta0=4.0, lr=1.0, steps=3)
    assert gd.state.status == "diverging"
    low, high = gd.ax.get_xlim()
    assert low <= -2 and high >= 5 and high - low < 30  # the curve, not ±2697
    assert not gd.state.visible[1:].any()
    assert "off the plot" in gd.off_text.get_text()
    assert len(gd.off_left.get_xdata()) + len(gd.off_right.get_xdata()) == 3
    assert "Diverging" in gd._message.value


def test_overflowing_run_is_cut_at_the_last_finite_iterate():
    state = gd_1d("double_well", beta0=2.0, lr=2.0, steps=50)
    assert state.status == "overflow"
    assert np.isfinite(state.iterates).all() and len(state.iterates) < 51
    assert "overflowed" in state.message


def test_alpha_one_tenth_converges_onto_the_minimum():
    state = gd_1d(beta0=4.0, lr=0.1, steps=5)
    assert state.status == "converged"
    assert state.iterates[-1] == pytest.approx(0.3, abs=1e-12)


def test_changing_the_function_resets_start_and_rate_to_its_defaults():
    from coursekit import functions

    gd = explore_gd()
    gd.controls["function"].value = "double_well"
    well = functions.get("double_well")
    assert gd.state.function == "double_well"
    assert gd.state.beta0 == pytest.approx(well.default_start)
    # α is the slider's grid point nearest the function's default (the browser snaps too)
    assert gd.state.lr == pytest.approx(well.default_lr, rel=0.06)
    np.testing.assert_allclose(gd.state.iterates[1],
                               well.default_start - gd.state.lr * well.grad(well.default_start))
    np.testing.assert_allclose(gd.state.grads, well.grad(gd.state.iterates))


def test_png_is_re_rendered_on_every_change():
    gd = explore_gd()
    before = gd.png
    gd.controls["steps"].value = 7
    assert gd.png != before and gd.png.startswith(b"\x89PNG")
    assert gd._image.value == gd.png


def test_static_fallback_is_part_of_the_mime_bundle():
    bundle = explore_gd()._repr_mimebundle_()
    assert {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"} <= set(bundle)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"steps": -1}, ValueError, "steps must be at least 0"),
    ({"steps": 2.5}, TypeError, "steps must be an integer"),
    ({"lr": 0.0}, ValueError, "lr must be greater than 0"),
    ({"momentum": 1.0}, ValueError, "momentum must be in [0, 1)"),
    ({"function": "no_such_function"}, ValueError, "no_such_function"),
    ({"function": "rosenbrock"}, ValueError, "2-D"),
])
def test_impossible_settings_raise_clear_errors(kwargs, error, words):
    with pytest.raises(error, match=re.escape(words)):
        explore_gd(**kwargs)


def test_values_set_from_code_snap_to_the_sliders_grid_like_the_browser():
    gd = explore_gd()
    gd.controls["lr"].value = 0.17  # between the slider's 0.15 and 0.2
    assert gd.state.lr == 0.15
    gd.controls["beta0"].value = 1.2345
    assert gd.state.beta0 == 1.24
    assert gd.state.iterates[1] == pytest.approx(1.24 - 0.15 * f_prime(1.24), rel=1e-15)


def test_a_learning_rate_given_at_the_start_is_used_exactly_even_off_the_round_numbers():
    gd = explore_gd(lr=0.137)
    assert gd.state.lr == 0.137 and gd.controls["lr"].value == 0.137
    assert gd.state.iterates[1] == pytest.approx(4.0 - 0.137 * f_prime(4.0), rel=1e-15)


def test_unknown_control_name_is_rejected():
    with pytest.raises(ValueError, match="unknown control 'alpha'"):
        explore_gd().set(alpha=0.1)
