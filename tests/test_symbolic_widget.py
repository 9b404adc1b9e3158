"""The derivative text box, driven without a browser: set the text, read the verdict state."""
import pytest

pytest.importorskip("ipywidgets")

from coursekit.symbolic import ParseError  # noqa: E402
from coursekit.widgets.derivative import DerivativeChecker, derivative_checker  # noqa: E402


def test_the_verdict_follows_every_keystroke():
    checker = derivative_checker("sin(x^2)")
    box = checker.controls["answer"]
    assert box.continuous_update
    states = []
    for text in ["2", "2x", "2x cos(", "2x cos(x^2", "2x cos(x^2)"]:
        box.value = text
        states.append(checker.state.status)
    assert states == ["wrong", "wrong", "typing", "typing", "correct"]
    assert checker.state.verdict.correct


def test_an_empty_box_asks_for_an_answer():
    checker = derivative_checker("x^3")
    assert checker.state.status == "empty" and checker.state.verdict is None


def test_a_wrong_answer_shows_the_mistake_in_the_page():
    checker = derivative_checker("x^3")
    checker.controls["answer"].value = "3x^3"
    assert checker.state.status == "wrong"
    assert checker.state.verdict.mistake == "power_not_lowered"
    shown = checker.widget.children[2].value
    assert "exponent" in shown and "#b00020" in shown


def test_partial_derivatives_and_initial_answers():
    checker = derivative_checker("x^2 y", wrt="y", answer="x^2")
    assert checker.state.status == "correct"
    assert "∂/∂y" in checker.widget.children[0].value


def test_the_question_shows_the_function():
    checker = derivative_checker("1/x")
    assert checker.widget.children[0].value == "<b>d/dx of f = 1/x</b>"


def test_it_displays_as_a_widget_with_a_text_fallback():
    checker = derivative_checker("x^2", answer="2x")
    bundle = checker._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "correct" in bundle["text/plain"]
    assert isinstance(checker, DerivativeChecker)


def test_an_unreadable_function_is_refused_when_built():
    with pytest.raises(ParseError, match="cannot be read"):
        derivative_checker("x^^2")
    with pytest.raises(TypeError, match="function must be a str"):
        derivative_checker(3)
