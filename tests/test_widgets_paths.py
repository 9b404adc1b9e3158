"""The 2-D gradient-descent explorer and the optimiser race, driven headless."""
import re

import numpy as np
import pytest

from coursekit import functions
from coursekit.widgets import explore_gd_2d, optimizer_race
from coursekit.widgets.race import RACERS, race


def valley_grad(p):
    """∇ of f(x, y) = x²/2 + 10y², written out independently of coursekit."""
    return np.array([p[0], 20.0 * p[1]])


def heavy_ball(start, lr, momentum, steps, nesterov=False):
    points, step = [np.array(start, dtype=float)], np.zeros(2)
    for _ in range(steps):
        x = points[-1]
        g = valley_grad(x + momentum * step if nesterov else x)
        step = momentum * step - lr * g
        points.append(x + step)
    return np.array(points)


def test_explore_gd_2d_paths_match_an_independent_momentum_loop():
    explorer = explore_gd_2d()
    explorer.set(x0=-4.0, y0=1.0, lr=0.01, momentum=0.7, steps=30)
    paths = explorer.state.paths
    np.testing.assert_allclose(paths["gradient descent"].points,
                               heavy_ball([-4, 1], 0.01, 0.0, 30), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(paths["momentum"].points,
                               heavy_ball([-4, 1], 0.01, 0.7, 30), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(paths["Nesterov"].points,
                               heavy_ball([-4, 1], 0.01, 0.7, 30, nesterov=True),
                               rtol=1e-12, atol=1e-14)
    losses = paths["momentum"].losses
    np.testing.assert_allclose(losses, [0.5 * x**2 + 10 * y**2 for x, y in paths["momentum"].points])


def test_default_valley_shows_momentum_beating_plain_descent():
    state = explore_gd_2d().state
    assert all(not p.escaped for p in state.paths.values())
    assert state.paths["momentum"].final_loss < 0.01 * state.paths["gradient descent"].final_loss
    assert state.paths["Nesterov"].final_loss < 0.01 * state.paths["gradient descent"].final_loss


def test_each_path_is_an_optimiser_run_and_pathlib_path_keeps_its_name():
    from coursekit.widgets import _paths

    assert all(isinstance(p, _paths.OptimiserRun) for p in explore_gd_2d().state.paths.values())
    assert not hasattr(_paths, "Path")


def test_without_momentum_the_three_paths_coincide():
    explorer = explore_gd_2d()
    explorer.controls["momentum"].value = 0.0
    plain = explorer.state.paths["gradient descent"].points
    for name in ("momentum", "Nesterov"):
        np.testing.assert_array_equal(explorer.state.paths[name].points, plain)


def test_plotted_lines_are_the_paths():
    explorer = explore_gd_2d()
    explorer.controls["steps"].value = 12
    for name, path in explorer.state.paths.items():
        x, y = explorer.view.lines[name].get_data()
        np.testing.assert_array_equal(np.column_stack([x, y]), path.points)
        r, loss = explorer.view.loss_lines[name].get_data()
        np.testing.assert_array_equal(r, np.arange(13))
        np.testing.assert_array_equal(loss, path.losses)


def test_start_sliders_move_the_start_and_function_change_resets_them():
    explorer = explore_gd_2d()
    explorer.controls["x0"].value = 2.0
    assert explorer.state.start[0] == 2.0
    assert all(p.points[0, 0] == 2.0 for p in explorer.state.paths.values())
    explorer.controls["function"].value = "himmelblau"
    np.testing.assert_allclose(explorer.state.start, functions.get("himmelblau").default_start)
    assert explorer.view.function == "himmelblau"


def test_a_diverging_rate_is_cut_and_reported():
    explorer = explore_gd_2d()
    explorer.controls["lr"].value = 0.2  # αL = 4 > 2 on the valley's steep axis
    path = explorer.state.paths["gradient descent"]
    assert path.escaped and path.final_loss == np.inf
    assert np.isfinite(path.points).all() and len(path.points) < 41
    assert "diverged" in explorer._table.value


@pytest.mark.parametrize("kwargs, message", [
    ({"function": "quadratic"}, "1-D"),
    ({"function": "nope"}, "nope"),
    ({"steps": -3}, "steps must be at least 0"),
    ({"momentum": 1.2}, "momentum must be in [0, 1)"),
])
def test_explore_gd_2d_rejects_impossible_settings(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        explore_gd_2d(**kwargs)


def test_race_sgd_and_momentum_match_coursekit_gd():
    from coursekit.gd import gradient_descent

    f = functions.get("rosenbrock")
    state = race(steps=100, lr_SGD=1e-3, lr_momentum=5e-4, momentum=0.9)
    np.testing.assert_allclose(state.paths["SGD"].points,
                               gradient_descent(f.grad, f.default_start, 1e-3, 100), rtol=1e-10)
    np.testing.assert_allclose(state.paths["momentum"].points,
                               gradient_descent(f.grad, f.default_start, 5e-4, 100, momentum=0.9),
                               rtol=1e-10)


@pytest.mark.parametrize("racer, torch_name, kwargs", [
    ("AdaGrad", "Adagrad", {"lr": 0.5}),
    ("RMSprop", "RMSprop", {"lr": 0.01, "alpha": 0.9}),
    ("Adam", "Adam", {"lr": 0.05, "betas": (0.8, 0.99)}),
    ("AdamW", "AdamW", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1}),
])
def test_race_adaptive_paths_match_torch_optim(racer, torch_name, kwargs, torch):
    f = functions.get("rosenbrock")
    settings = {f"lr_{racer}": kwargs["lr"], "alpha": kwargs.get("alpha", 0.99),
                "beta1": kwargs.get("betas", (0.9, 0.999))[0],
                "beta2": kwargs.get("betas", (0.9, 0.999))[1],
                "weight_decay": kwargs.get("weight_decay", 0.01)}
    state = race(steps=60, show=(racer,), **settings)
    theta = torch.tensor(np.asarray(f.default_start, dtype=float), requires_grad=True)
    optimizer = getattr(torch.optim, torch_name)([theta], **kwargs)
    expected = [theta.detach().numpy().copy()]
    for _ in range(60):
        theta.grad = torch.from_numpy(np.asarray(f.grad(theta.detach().numpy())))
        optimizer.step()
        expected.append(theta.detach().numpy().copy())
    np.testing.assert_allclose(state.paths[racer].points, expected, rtol=1e-9, atol=1e-12)


def test_race_moving_one_rate_recomputes_only_that_racer():
    explorer = optimizer_race(steps=80)
    before = dict(explorer.state.paths)
    explorer.controls["lr_Adam"].value = 0.01
    after = explorer.state.paths
    assert after["Adam"] is not before["Adam"]
    assert not np.array_equal(after["Adam"].points, before["Adam"].points)
    assert all(after[name] is before[name] for name in RACERS if name != "Adam")
    assert explorer.state.hyperparameters["lr_Adam"] == 0.01


def test_race_more_steps_continue_the_cached_runs_exactly():
    from coursekit.gd import gradient_descent
    from coursekit.widgets import race as race_module

    f = functions.get("rosenbrock")
    explorer = optimizer_race(steps=50, lr_SGD=2e-3)
    explorer.controls["steps"].value = 120   # continues the 50-step runs
    explorer.controls["steps"].value = 30    # a prefix of them
    explorer.controls["steps"].value = 120
    lr = explorer.state.hyperparameters["lr_SGD"]  # 2e-3 moved to the slider's grid
    np.testing.assert_allclose(explorer.state.paths["SGD"].points,
                               gradient_descent(f.grad, f.default_start, lr, 120), rtol=1e-12)
    continued = explorer.state.paths
    race_module._RUNS.clear()
    race_module._run.cache_clear()
    fresh = race(steps=120, **explorer.state.hyperparameters).paths
    for name in RACERS:
        np.testing.assert_array_equal(continued[name].points, fresh[name].points)


def test_race_diverging_run_is_cut_the_same_when_continued():
    explorer = optimizer_race(steps=5, lr_SGD=0.5)   # far too large for Rosenbrock
    explorer.controls["steps"].value = 200
    path = explorer.state.paths["SGD"]
    assert path.escaped and np.isfinite(path.points).all() and len(path.points) < 201
    assert explorer.state.ranking[-1] == ("SGD", float("inf"))


def test_race_nesterov_without_momentum_is_plain_sgd():
    state = race(steps=40, momentum=0.0, lr_SGD=1e-3, lr_Nesterov=1e-3)
    np.testing.assert_array_equal(state.paths["Nesterov"].points, state.paths["SGD"].points)


def test_race_ranking_is_sorted_and_show_selects_racers():
    explorer = optimizer_race(steps=150)
    losses = [loss for _, loss in explorer.state.ranking]
    assert losses == sorted(losses) and len(losses) == len(RACERS)
    assert explorer.state.ranking[0][1] == min(p.final_loss for p in explorer.state.paths.values())
    explorer.controls["show"].value = ("Adam", "SGD")
    assert list(explorer.state.paths) == ["SGD", "Adam"]
    assert not explorer.view.lines["RMSprop"].get_visible()
    assert explorer._table.value.count("<tr>") == 3  # header + two racers


def test_race_rejects_unknown_hyperparameters_and_bad_values():
    with pytest.raises(ValueError, match="unknown hyperparameter"):
        optimizer_race(learning_rate=0.1)
    with pytest.raises(ValueError, match="lr_Adam must be greater than 0"):
        race(lr_Adam=0.0)
    with pytest.raises(ValueError, match="beta2 must be below 1"):
        race(beta2=1.0)
    with pytest.raises(ValueError, match="show must be one of"):
        race(show=("LBFGS",))


def _pixel_of(explorer, ax, x, y):
    """The picture's pixel (column, row from the top) that shows data point (x, y) of ``ax``."""
    column, up = ax.transData.transform((x, y))
    return column, explorer.figure.canvas.get_width_height()[1] - up


def test_a_click_on_the_contours_starts_every_method_there():
    explorer = explore_gd_2d()
    assert explorer.click_at(*_pixel_of(explorer, explorer.view.ax, 1.0, -0.5))
    step = explorer.controls["x0"].step
    np.testing.assert_allclose(explorer.state.start, [1.0, -0.5], atol=step)
    assert (explorer.controls["x0"].value, explorer.controls["y0"].value) == tuple(explorer.state.start)
    f = functions.get("ill_conditioned")
    for path in explorer.state.paths.values():
        np.testing.assert_array_equal(path.points[0], explorer.state.start)
    momentum = explorer.state.paths["momentum"].points
    np.testing.assert_allclose(momentum[1], momentum[0] - explorer.state.lr * f.grad(momentum[0]),
                               rtol=1e-12)


def test_a_click_outside_the_contours_changes_nothing():
    explorer = explore_gd_2d()
    before = explorer.state
    loss_ax = explorer.figure.axes[1]
    assert not explorer.click_at(*_pixel_of(explorer, loss_ax, 10, 1.0))
    assert not explorer.click_at(1, 1)  # the figure's corner
    assert explorer.state is before


def test_clicks_reach_the_explorer_through_an_ipyevents_event_on_the_picture():
    from ipyevents import Event

    explorer = explore_gd_2d()
    assert isinstance(explorer._events, Event)
    assert explorer._events.source is explorer._image and explorer._events.watched_events == ["click"]
    column, row = _pixel_of(explorer, explorer.view.ax, -2.0, 1.0)
    # the custom message the browser sends for a click on the image: its pixel as dataX, dataY
    explorer._events._handle_custom_msg({"event": "click", "type": "click", "dataX": column, "dataY": row},
                                        [])
    np.testing.assert_allclose(explorer.state.start, [-2.0, 1.0], atol=explorer.controls["x0"].step)
