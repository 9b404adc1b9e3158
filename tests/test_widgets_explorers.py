"""What every explorer promises: one call, .widget/.state/.controls, a static fallback."""
import base64
import io
import subprocess
import sys

import ipywidgets as widgets
import pytest
import traitlets
from PIL import Image

import coursekit.widgets as explorers

EXPLORERS = ["explore_gd", "explore_gd_2d", "optimizer_race", "backprop_stepper",
             "explore_overfitting", "explore_neuron", "playground"]


@pytest.fixture(scope="module", params=EXPLORERS)
def explorer(request):
    return getattr(explorers, request.param)()


def test_default_call_gives_widget_state_and_controls(explorer):
    assert isinstance(explorer.widget, widgets.Box)
    assert explorer.state is not None
    assert explorer.controls and all(isinstance(c, widgets.Widget) for c in explorer.controls.values())
    assert explorer.values().keys() == {k for k, c in explorer.controls.items() if hasattr(c, "value")}


def test_figure_and_controls_are_inside_the_widget(explorer):
    def descendants(widget):
        yield widget
        for child in getattr(widget, "children", ()):
            yield from descendants(child)

    inside = set(map(id, descendants(explorer.widget)))
    assert id(explorer._image) in inside
    assert all(id(control) in inside for control in explorer.controls.values())


def test_mime_bundle_has_the_widget_and_a_png_of_the_figure(explorer):
    bundle = explorer._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == explorer.widget.model_id
    picture = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    width, height = explorer.figure.canvas.get_width_height()
    assert picture.size == (width, height)
    assert type(explorer).__name__ in bundle["text/plain"]


def test_rendered_png_matches_a_fresh_full_draw(explorer):
    """Blitting must not leave stale pixels: compare with a redraw from scratch."""
    import numpy as np

    slider = next(c for c in explorer.controls.values()
                  if isinstance(c, (widgets.FloatSlider, widgets.IntSlider)))
    slider.value = slider.min + (slider.max - slider.min) // 3 if isinstance(
        slider, widgets.IntSlider) else slider.min + (slider.max - slider.min) / 3
    blitted = np.asarray(Image.open(io.BytesIO(explorer.png)).convert("RGB"), dtype=int)
    explorer.invalidate()
    explorer.update()
    full = np.asarray(Image.open(io.BytesIO(explorer.png)).convert("RGB"), dtype=int)
    assert np.abs(blitted - full).max() <= 8


def test_importing_the_package_loads_no_explorer_and_no_matplotlib():
    code = ("import sys, coursekit.widgets as w; "
            "print('matplotlib' in sys.modules, 'coursekit.widgets.gd1d' in sys.modules); "
            "w.explore_gd; print('coursekit.widgets.gd1d' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True"]


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="explore_everything"):
        explorers.explore_everything  # noqa: B018


def test_derivative_checker_is_exported():
    checker = explorers.derivative_checker("x^3")
    checker.controls["answer"].value = "3*x^2"
    assert checker.state.status == "correct"


def test_slider_values_sit_on_the_grid_the_browser_snaps_to():
    from coursekit.widgets._common import float_slider, log_slider, nice_step

    assert nice_step(-2.0, 5.0) == 0.02 and nice_step(0, 1) == 0.005
    slider = float_slider("β", 4.0, -2.0, 5.0)
    assert slider.value == 4.0
    k = (slider.value - slider.min) / slider.step
    assert abs(k - round(k)) < 1e-9
    assert float_slider("β", 1.2345, -2.0, 5.0).value == 1.24
    for lr in (0.001, 0.01, 0.1, 1.0, 0.02, 0.09):  # the lecture's α and the functions' defaults
        assert log_slider("α", lr, 1e-3, 2.0).value == lr
    slider = log_slider("α", 0.1, 1e-3, 2.0)
    slider.value = 0.0013  # nearest by ratio: 0.0012, not 0.0015
    assert slider.value == 0.0012 and slider.label == "0.0012"
    slider.value = 50.0  # beyond the end
    assert slider.value == 2.0
    with pytest.raises(traitlets.TraitError, match="α: expected a positive number, got -1"):
        slider.value = -1


@pytest.mark.parametrize("name, control, value", [
    ("explore_gd", "beta0", 4.0), ("explore_gd", "lr", 0.01),
    ("explore_gd_2d", "x0", -4.5), ("explore_gd_2d", "y0", 1.5),
    ("optimizer_race", "lr_SGD", 0.001), ("explore_neuron", "w2", -2.0),
])
def test_defaults_keep_the_lectures_numbers_exactly(name, control, value):
    assert getattr(explorers, name)().controls[control].value == value


@pytest.mark.parametrize("name, control, value", [
    ("optimizer_race", "steps", 250),        # the loss axes' x-limits move
    ("explore_gd_2d", "steps", 120),
    ("playground", "epoch", 60),
    ("explore_gd", "lr", 0.2),               # the curve's limits move
    ("explore_neuron", "activation", "relu"),
])
def test_new_limits_redraw_only_the_changed_axes_and_match_a_full_draw(name, control, value):
    import numpy as np

    explorer = getattr(explorers, name)()
    full_draws = []
    canvas = explorer.figure.canvas
    original = canvas.draw
    canvas.draw = lambda: (full_draws.append(1), original())[1]
    limits = [(ax.get_xlim(), ax.get_ylim()) for ax in explorer.figure.axes]
    explorer.controls[control].value = value
    moved = [(ax.get_xlim(), ax.get_ylim()) for ax in explorer.figure.axes] != limits
    canvas.draw = original
    partial = np.asarray(Image.open(io.BytesIO(explorer.png)).convert("RGB"), dtype=int)
    explorer.invalidate()
    explorer.update()
    full = np.asarray(Image.open(io.BytesIO(explorer.png)).convert("RGB"), dtype=int)
    assert moved and not full_draws
    assert np.abs(partial - full).max() <= 8


@pytest.mark.parametrize("name, steps", [("optimizer_race", 250), ("explore_gd_2d", 120)])
def test_going_back_to_a_function_reuses_its_background_and_matches_a_full_draw(name, steps):
    import numpy as np

    explorer = getattr(explorers, name)()
    first = explorer.controls["function"].value
    other = next(o for o in explorer.controls["function"].options if o != first)
    explorer.controls["function"].value = other
    explorer.controls["steps"].value = steps  # the loss axes moved since the first background
    full_draws = []
    canvas = explorer.figure.canvas
    original = canvas.draw
    canvas.draw = lambda: (full_draws.append(1), original())[1]
    explorer.controls["function"].value = first
    canvas.draw = original
    reused = np.asarray(Image.open(io.BytesIO(explorer.png)).convert("RGB"), dtype=int)
    explorer.invalidate()
    explorer.update()
    full = np.asarray(Image.open(io.BytesIO(explorer.png)).convert("RGB"), dtype=int)
    assert not full_draws
    assert np.abs(reused - full).max() <= 8


@pytest.mark.parametrize("name", ["optimizer_race", "explore_gd_2d"])
def test_a_new_function_redraws_only_the_contour_axes_and_matches_a_full_draw(name):
    import numpy as np

    explorer = getattr(explorers, name)()
    loss_limits = explorer.figure.axes[1].get_ylim()
    full_draws = []
    canvas = explorer.figure.canvas
    original = canvas.draw
    canvas.draw = lambda: (full_draws.append(1), original())[1]
    for function in explorer.controls["function"].options:  # each one's first view
        explorer.controls["function"].value = function
        shown = np.asarray(Image.open(io.BytesIO(explorer.png)).convert("RGB"), dtype=int)
        canvas.draw = original
        explorer._backgrounds.clear()
        explorer.invalidate()
        explorer.update()
        full = np.asarray(Image.open(io.BytesIO(explorer.png)).convert("RGB"), dtype=int)
        canvas.draw = lambda: (full_draws.append(1), original())[1]
        assert np.abs(shown - full).max() <= 8, function
    canvas.draw = original
    assert explorer.figure.axes[1].get_ylim() == loss_limits  # the loss axes never moved
    assert not full_draws
