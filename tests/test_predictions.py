"""autograder.predictions: a predictor judged on labels and targets the grader keeps."""
import numpy as np
import pytest

from autograder.predictions import accuracy_part, mse_part
from autograder.questions import QuestionSet

QUESTIONS = QuestionSet()


@QUESTIONS.question("unit_predictions.classes", kind="function", inputs=lambda rng, v: [],
                    hints={"default": "Train longer.", "wrong_shape": "One class per row."})
def _classes(v):
    return lambda X: X


@pytest.fixture
def q():
    from autograder.questions import get
    return get("unit_predictions.classes")


def test_an_accuracy_at_the_minimum_passes_and_below_it_fails_with_the_figure_only(q):
    labels = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3])
    assert accuracy_part(q, labels, labels, 1.0).correct
    almost = labels.copy()
    almost[:2] = 0
    assert accuracy_part(q, almost, labels, 0.8).correct
    part = accuracy_part(q, almost, labels, 0.9, classes="one digit", of="test images")
    assert not part.correct and part.hint == "Train longer."
    assert "accuracy 0.800 on 10 test images (at least 0.9 passes)" == part.message
    assert "3, 1, 4" not in part.message and "[3" not in part.message   # never the labels


def test_binary_classes_may_be_given_as_probabilities(q):
    labels = np.array([0, 1, 1, 0])
    assert accuracy_part(q, [0.2, 0.9, 0.6, 0.4], labels, 1.0, binary=True).correct
    assert not accuracy_part(q, [0.2, 0.9, 0.6, 0.4], labels, 1.0).correct


@pytest.mark.parametrize("output", [[1, 2], "abc", None, np.zeros((3, 3))])
def test_a_prediction_of_the_wrong_size_or_type_is_named_as_such(q, output):
    part = accuracy_part(q, output, np.array([1, 2, 3]), 0.5)
    assert not part.correct and part.mistake == "wrong_shape" and part.hint == "One class per row."


def test_a_mean_squared_error_at_the_maximum_passes_and_non_finite_predictions_fail(q):
    target = np.linspace(-1, 1, 50)
    assert mse_part(q, target + 0.1, target, 0.0101).correct
    part = mse_part(q, target + 0.3, target, 0.03)
    assert not part.correct and part.message.startswith("mean squared error 0.09 ")
    assert not mse_part(q, np.r_[target[:-1], np.nan], target, 0.03).correct
    assert "inf" in mse_part(q, np.r_[target[:-1], np.inf], target, 0.03).message
