"""Assignment 05_overfitting: its reference answers against independent truth.

The generic tests (tests/test_course.py) prove the notebook scores full marks through nbgrader; here
the references themselves are checked: closed forms (leave-one-out residuals, pseudo-inverse, third
differences of a cubic, the slope of a least-squares line), the lectures' claims (the training error
falls with the degree, degree 15 overfits, the degree-8 weights are huge, the line predicts the fifth
point better than the cubic), and that every declared mistake is recognised with its hint.
"""
from __future__ import annotations

import importlib

import numpy as np
import pytest

from autograder import questions
from autograder.student import parameters

A = "05_overfitting"
Q = importlib.import_module(f"autograder.questions.{A}")


def reference(name: str, student: str | None = None):
    return questions.get(f"{A}.{name}").reference(parameters(A, student))


#: The data seeds of the default variant and of a few students (drawn, never the same list twice).
SEEDS = [parameters(A, student)["seed"] for student in (None, *(f"student{i}" for i in range(7)))]


# ---------------------------------------------------------------- data and fits

@pytest.mark.parametrize("seed", SEEDS)
def test_training_error_falls_with_degree_and_degree_15_overfits(seed):
    x_train, y_train, x_test, y_test = Q.curve_data(seed)
    errors = Q.errors({"seed": seed})
    # least squares on the Vandermonde matrix by numpy alone (degree 15 is ill-conditioned: solvers agree
    # to about 1e-6, well inside the question's tolerance of 1e-3)
    for row, degree in zip(errors, (1, 4, 15)):
        w = np.linalg.lstsq(np.vander(x_train, degree + 1, increasing=True), y_train, rcond=None)[0]
        np.testing.assert_allclose(row, [np.mean((np.vander(x, degree + 1, increasing=True) @ w - y) ** 2)
                                         for x, y in ((x_train, y_train), (x_test, y_test))], rtol=1e-4)
    train, test = errors[:, 0], errors[:, 1]
    assert train[0] > train[1] > train[2]
    assert test[1] < test[0] and test[1] < test[2], "degree 4 must generalise best"


def test_curve_data_matches_the_notebook_recipe():
    x_train, y_train, x_test, y_test = Q.curve_data(3)
    assert x_train.shape == (30,) and x_test.shape == (200,)
    assert np.all(np.diff(x_train) >= 0) and 0 <= x_train.min() and x_train.max() <= 1
    assert np.std(y_train - np.cos(1.5 * np.pi * x_train)) == pytest.approx(0.1, abs=0.04)


@pytest.mark.parametrize("seed", SEEDS)
def test_degree_8_sine_fit_interpolates_with_huge_minimum_norm_weights(seed):
    w = Q.w_sin({"seed": seed})
    x, y = Q.sin_data(seed)
    V = np.vander(x, 9, increasing=True)
    np.testing.assert_allclose(V @ w, y, atol=1e-9)
    np.testing.assert_allclose(w, np.linalg.pinv(V) @ y, rtol=1e-6, atol=1e-8)
    assert np.abs(w).max() > 20 * np.abs(y).max()


def test_polynomial_features_reference_is_a_vandermonde_matrix():
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_array_equal(reference("polynomial_features")(x, 3), np.vander(x, 4, increasing=True))


# ---------------------------------------------------------------- five points: a cubic or a line

STUDENTS = [None, *(f"student{i}" for i in range(12))]


@pytest.mark.parametrize("student", STUDENTS)
def test_five_point_predictions_match_finite_differences_and_the_slope_formula(student):
    v = parameters(A, student)
    x, y = Q.five_points(v)
    np.testing.assert_array_equal(x, [1, 2, 3, 4, 5])
    # a cubic through equally spaced points has constant third differences: y5 = 4y4 - 6y3 + 4y2 - y1
    cubic = 4 * y[3] - 6 * y[2] + 4 * y[1] - y[0]
    # the least-squares line: slope = cov(x, y) / var(x) on the first four points
    slope = np.sum((x[:4] - x[:4].mean()) * (y[:4] - y[:4].mean())) / np.sum((x[:4] - x[:4].mean()) ** 2)
    line = y[:4].mean() + slope * (5 - x[:4].mean())
    np.testing.assert_allclose(Q.five_point_predictions(v), [cubic, line], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("student", STUDENTS)
def test_every_students_line_predicts_the_held_out_point_better_than_the_cubic(student):
    v = parameters(A, student)
    _, y = Q.five_points(v)
    cubic, line = Q.five_point_predictions(v)
    assert abs(cubic - y[4]) > max(2 * abs(line - y[4]), 1.0)
    assert np.all(np.round(y, 2) == y) and np.ptp(y) > 0


def test_the_rule_rejects_points_whose_cubic_predicts_well():
    exact_cubic = {"seed": 3, "intercept": 0.0, "slope": 1.0, "noise": (0.0, 0.0, 0.0, 0.0, 0.0)}
    assert not Q.line_wins(exact_cubic)     # on a line both fits agree: no lesson
    assert Q.line_wins({**exact_cubic, "noise": (0.0, 0.3, -0.3, 0.0, 0.0)})


# ---------------------------------------------------------------- cross-validation

def test_kfold_reference_matches_leave_one_out_closed_form():
    # For least squares, the leave-one-out residual is r_i / (1 - h_ii) with H the hat matrix.
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 12)
    y = np.sin(3 * x) + rng.normal(0, 0.1, 12)
    X = np.vander(x, 3, increasing=True)
    H = X @ np.linalg.pinv(X)
    loo = np.mean(((y - H @ y) / (1 - np.diag(H))) ** 2)
    assert Q.reference_kfold_mse(x, y, 2, 12) == pytest.approx(loo, rel=1e-9)


def test_kfold_reference_matches_polyfit_on_contiguous_folds():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-1, 1, 20), rng.normal(size=20)
    scores = []
    for fold in np.array_split(np.arange(20), 4):
        train = np.setdiff1d(np.arange(20), fold)
        coef = np.polyfit(x[train], y[train], 2)
        scores.append(np.mean((np.polyval(coef, x[fold]) - y[fold]) ** 2))
    assert Q.reference_kfold_mse(x, y, 2, 4) == pytest.approx(np.mean(scores), rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_cross_validation_picks_a_moderate_degree(seed):
    answer = Q.cv_scores({"seed": seed})
    assert answer["cv_scores"].shape == (10,)
    assert 3 <= answer["best_degree"] <= 8
    assert answer["cv_scores"][0] > 5 * answer["cv_scores"].min(), "degree 1 underfits"


# ---------------------------------------------------------------- the questions as students meet them

def test_every_function_question_has_a_hidden_twin_that_accepts_the_reference(judge):
    registered = questions.for_assignment(A)
    for qid, q in registered.items():
        if q.kind == "function" and not qid.endswith("_hidden"):
            twin = registered[qid + "_hidden"]
            ref = q.reference(parameters(A))
            assert judge(twin.name, ref).correct, qid


@pytest.mark.parametrize("name, tag", [
    ("polynomial_features", "no_bias"), ("kfold_mse", "training_error"),
    ("five_point_predictions", "swapped"), ("five_point_predictions", "all_five"),
])
def test_declared_mistakes_are_recognised_with_their_hint(name, tag, judge):
    q = questions.get(f"{A}.{name}")
    wrong = q.mistakes[tag](parameters(A))
    result = judge(name, wrong)
    assert result.score == 0 and result.mistake == tag
    assert q.hints[tag] in result.hint


@pytest.mark.parametrize("student", [None, "dana"])
def test_reference_answers_score_full_marks_for_each_student(student, judge):
    for qid, q in questions.for_assignment(A).items():
        answer = q.reference(parameters(A, student))
        assert judge(q.name, answer, student).score == q.points, qid
