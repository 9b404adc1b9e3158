"""Assignment 02_gradient_descent: its questions reproduce the lecture and catch the usual slips."""
from pathlib import Path

import numpy as np
import pytest

from autograder import questions
from autograder.student import parameters

A = "02_gradient_descent"
QUESTIONS = questions.load_assignment(A)
DEFAULTS = QUESTIONS.VARIANTS["defaults"]
STUDENTS = [f"student{i}" for i in range(200)]


def closed_form(beta0, alpha, a=5, b=-3, steps=3):
    """β⁽ʳ⁾ = β* + (1 − 2aα)ʳ (β⁽⁰⁾ − β*) with β* = −b/(2a), for f(β) = aβ² + bβ + c."""
    minimum = -b / (2 * a)
    r = np.arange(1, steps + 1)
    return minimum + (1 - 2 * a * alpha) ** r * (beta0 - minimum)


def by_loop(v, alpha):
    """Three steps β ← β − α(2aβ + b), written out independently of coursekit."""
    beta, out = v["beta0"], []
    for _ in range(3):
        beta = beta - alpha * (2 * v["a"] * beta + v["b"])
        out.append(beta)
    return out


def test_the_lecture_case_gives_the_lecture_numbers():
    lecture = QUESTIONS.LECTURE
    ref = {name: questions.get(f"{A}.{name}").reference(lecture) for name in ("alpha_1", "alpha_2", "alpha_3")}
    np.testing.assert_allclose(ref["alpha_1"], [-33, 300, -2697])
    np.testing.assert_allclose(ref["alpha_2"], [3.63, 3.297, 2.9973])
    np.testing.assert_allclose(ref["alpha_3"], [0.3, 0.3, 0.3], atol=1e-12)


@pytest.mark.parametrize("student", [None, *STUDENTS[:40]])
def test_every_variant_matches_the_closed_form_and_plays_the_three_roles(student):
    v = parameters(A, student)
    for key in ("alpha_1", "alpha_2", "alpha_3"):
        got = questions.get(f"{A}.{key}").reference(v)
        np.testing.assert_allclose(got, closed_form(v["beta0"], v[key], v["a"], v["b"]), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(got, by_loop(v, v[key]), rtol=1e-12, atol=1e-12)
    distances = {key: np.abs(closed_form(v["beta0"], v[key], v["a"], v["b"], steps=4) + v["b"] / (2 * v["a"]))
                 for key in ("alpha_1", "alpha_2", "alpha_3")}
    start = abs(v["beta0"] + v["b"] / (2 * v["a"]))
    assert np.all(np.diff([start, *distances["alpha_1"]]) > 0), "alpha_1 must diverge"
    assert 0.5 * start < distances["alpha_2"][0] < start, "alpha_2 must creep towards the minimum"
    assert 0 < distances["alpha_3"][0] <= 0.5 * start + 1e-12, "alpha_3 must converge fast without landing"


def test_the_derivative_is_the_students_own(judge):
    v = parameters(A, "student3")
    assert judge("derivative", f"{2 * v['a']}*beta + {v['b']}", "student3").correct
    assert not judge("derivative", f"{v['a']}*beta + {v['b']}", "student3").correct
    assert not judge("derivative", "10*beta - 3", "student3").correct   # the lecture's f′


def test_students_draw_different_functions_starting_points_and_rates():
    drawn = [parameters(A, s) for s in STUDENTS]
    assert len({tuple(sorted(v.items())) for v in drawn}) == len(STUDENTS)
    for name in ("a", "b", "beta0", "alpha_1", "alpha_2", "alpha_3"):
        assert len({v[name] for v in drawn}) > 2, name


def test_the_slides_sign_slip_gets_its_own_hint(judge):
    v = DEFAULTS
    right = by_loop(v, v["alpha_1"])

    def f_prime(beta):
        return 2 * v["a"] * beta + v["b"]

    second = -(right[0] - v["alpha_1"] * f_prime(right[0]))
    slip = [right[0], second, second - v["alpha_1"] * f_prime(second)]
    wrong = judge("alpha_1", slip)
    assert wrong.score == 0 and wrong.mistake == "sign_slip"
    assert judge("alpha_1", right).correct


@pytest.mark.parametrize("slip, mistake", [
    (lambda v, beta: beta + v["alpha_2"] * (2 * v["a"] * beta + v["b"]), "ascent"),    # β ← β + α f′(β)
    (lambda v, beta: beta - v["alpha_2"] * 2 * v["a"] * beta, "no_constant"),          # f′ = 2aβ
    (lambda v, beta: beta - v["alpha_2"] * (v["a"] * beta + v["b"]), "forgot_double"),  # f′ = aβ + b
    (lambda v, beta: beta - v["alpha_2"] * (2 * v["a"] * beta + v["b"]) + 0.01, None),   # an arbitrary slip
])
def test_wrong_steps_with_the_small_rate_are_diagnosed(slip, mistake, judge):
    beta, answer = DEFAULTS["beta0"], []
    for _ in range(3):
        beta = slip(DEFAULTS, beta)
        answer.append(beta)
    v = judge("alpha_2", answer)
    assert not v.correct and v.score == 0
    if mistake:
        assert v.mistake == mistake


def test_a_students_variant_is_graded_against_their_own_numbers(judge):
    student, neighbour = "student5", "student6"
    mine, theirs = parameters(A, student), parameters(A, neighbour)
    assert judge("alpha_3", by_loop(mine, mine["alpha_3"]), student).correct
    assert judge("alpha_3", by_loop(theirs, theirs["alpha_3"]), student).score == 0


def test_alpha_max_separates_convergence_from_divergence():
    limit = questions.get(f"{A}.alpha_max").reference(DEFAULTS)
    assert abs(closed_form(4.0, 0.99 * limit, steps=2000)[-1] - 0.3) < 1e-6
    assert abs(closed_form(4.0, 1.01 * limit, steps=2000)[-1]) > 1e6


def _loop_gd(grad, beta0, alpha, steps):
    beta, out = np.array(beta0, dtype=float), []
    out.append(beta)
    for _ in range(steps):
        beta = beta - alpha * grad(beta)
        out.append(beta)
    return np.array(out)


def _loop_momentum(grad, beta0, alpha, eta, steps):
    previous = beta = np.array(beta0, dtype=float)
    out = [beta]
    for _ in range(steps):
        beta, previous = beta - alpha * grad(beta) + eta * (beta - previous), beta
        out.append(beta)
    return np.array(out)


def test_independent_implementations_score_full_marks_including_hidden_edge_cases(judge):
    for name, answer in (("gradient_descent", _loop_gd), ("momentum_descent", _loop_momentum)):
        for qid in (name, f"{name}_hidden"):
            assert judge(qid, answer).correct, qid


@pytest.mark.parametrize("name, answer, mistake", [
    ("gradient_descent", lambda g, b, a, s: _loop_gd(lambda x: -g(x), b, a, s), "ascent"),
    ("gradient_descent", lambda g, b, a, s: _loop_gd(g, b, a, s)[1:], "without_start"),
    ("momentum_descent", lambda g, b, a, e, s: _loop_gd(g, b, a, s), "no_momentum"),
    ("momentum_descent", lambda g, b, a, e, s: _loop_momentum(g, b, a, e, s + 1)[[0, *range(2, s + 2)]]
     if s else _loop_momentum(g, b, a, e, s), None),
])
def test_wrong_implementations_score_zero(name, answer, mistake, judge):
    v = judge(name, answer)
    assert v.score == 0
    if mistake:
        assert v.mistake == mistake


def test_momentum_on_the_first_step_is_recognised(judge):
    v = judge("momentum_descent", QUESTIONS._momentum_on_first_step)
    assert v.score == 0 and v.mistake == "first_step"


def _heavy_ball_distance(alpha, eta, steps=200):
    """|β⁽ˢᵗᵉᵖˢ⁾ − β*| of heavy-ball descent on f from β⁽⁰⁾ = 4, written out independently of coursekit."""
    previous = beta = 4.0
    for _ in range(steps):
        previous, beta = beta, beta - alpha * (10 * beta - 3) + eta * (beta - previous)
    return abs(beta - 0.3)


@pytest.mark.parametrize("alpha", [0.3, 0.35])
def test_momentum_rescues_a_rate_below_the_heavy_ball_limit_as_the_model_answer_says(alpha):
    limit = 10 * alpha / 2 - 1                       # converges iff 10α < 2(1 + η)
    assert _heavy_ball_distance(alpha, 0.0) > 1e6
    assert _heavy_ball_distance(alpha, limit - 0.05) > 1e3
    assert _heavy_ball_distance(alpha, limit + 0.05) < 1e-6


@pytest.mark.parametrize("eta", [0.0, 0.5, 0.9, 0.99])
def test_no_momentum_below_one_rescues_the_lecture_rate_alpha_1(eta):
    with np.errstate(over="ignore", invalid="ignore"):
        distance = _heavy_ball_distance(1.0, eta)
    assert not distance < 1e3


def _model_answer(grade_id):
    import nbformat

    from autograder.questions import load_assignment
    path = Path(load_assignment(A).__file__).resolve().parents[2] / "solutions" / A / f"{A}.ipynb"
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_heavy_ball_at_one_over_curvature_overshoots_and_the_model_answer_says_so():
    from coursekit import gd

    eta = 0.5
    path = gd.gradient_descent(lambda b: 10 * b - 3, 4.0, 0.1, steps=60, momentum=eta)
    np.testing.assert_allclose(path[:4], [4.0, 0.3, -1.55, -0.625], atol=1e-12)
    assert path[2] < 0.3 < path[1] + 1e-12            # Δβ⁽¹⁾ carries it past the minimum
    e = path - 0.3
    # the distances follow e⁽ʳ⁺¹⁾ = η (e⁽ʳ⁾ − e⁽ʳ⁻¹⁾), whose companion matrix has spectral radius √η
    np.testing.assert_allclose(e[2:], eta * (e[1:-1] - e[:-2]), atol=1e-12)
    radius = max(abs(np.linalg.eigvals(np.array([[eta, -eta], [1.0, 0.0]]))))
    assert radius == pytest.approx(np.sqrt(eta))
    text = _model_answer("why_momentum")
    for value in (path[1] - path[0], *path[1:4]):
        assert f"{value:g}".replace("-", "−") in text
    assert r"\sqrt\eta" in text and "hurts" in text
    assert "nothing left to gain" not in text


def test_only_the_second_slide_step_is_a_slip_and_the_notebook_says_so():
    lecture = [-33.0, -300.0, 2703.0]                   # lecture 000, Exercise 1, part a

    def f_prime(beta):
        return 10 * beta - 3                            # the lecture's f′

    assert lecture[0] == 4.0 - f_prime(4.0)            # right
    assert lecture[1] != lecture[0] - f_prime(lecture[0])   # the slip
    assert lecture[2] == lecture[1] - f_prime(lecture[1])   # right, from the wrong value
    nb_text = _cell_text("cell-011")
    assert "*second* step has a sign slip" in nb_text and "000_be97764d3b5e3a13" in nb_text


def _cell_text(cell_id):
    import nbformat

    path = Path(QUESTIONS.__file__).resolve().parents[2] / "solutions" / A / f"{A}.ipynb"
    return next(c.source for c in nbformat.read(path, as_version=4).cells if c.get("id") == cell_id)


@pytest.mark.parametrize("student", [None, "student7"])
def test_the_slopes_are_those_of_the_steps_and_their_slips_are_named(student, judge):
    v = parameters(A, student)

    def f_prime(beta):
        return 2 * v["a"] * beta + v["b"]               # the student's own f′

    def slopes_verdict(answer):
        return judge("slopes", answer, student)

    steps = {key: by_loop(v, v[key]) for key in ("alpha_1", "alpha_2", "alpha_3")}
    assert slopes_verdict({key: [f_prime(b) for b in [v["beta0"], *path[:2]]] for key, path in steps.items()}).correct
    assert slopes_verdict({key: [f_prime(b) for b in path] for key, path in steps.items()}).mistake == "at_new_point"
    wrong = slopes_verdict({key: [f_prime(v["beta0"])] * 3 for key in steps})
    assert wrong.mistake == "at_start" and wrong.score == pytest.approx(0)
    lecture = QUESTIONS.LECTURE                         # the worked example's slopes are not the student's
    assert slopes_verdict({key: [10 * b - 3 for b in [4.0, *by_loop(lecture, lecture[key])[:2]]] for key in steps}).score == 0


def test_the_double_well_demo_shows_what_its_text_says():
    from coursekit import functions, gd

    well = functions.get("double_well")
    (global_min,), (local_min,) = well.minima
    hill = min(np.roots([4, 0, -8, 1]), key=lambda r: abs(r))       # f′ = 0 between the minima
    for lr in (0.02, 0.1):
        assert gd.gradient_descent(well.grad, np.array([2.0]), lr, steps=60)[-1, 0] == pytest.approx(local_min)
    path = gd.gradient_descent(well.grad, np.array([2.0]), 0.12, steps=60)[:, 0]
    assert path[1] < hill < path[0]                               # the first step jumps over the hill
    assert 2 / (12 * global_min**2 - 8) < 0.12                    # too large for the steeper valley
    assert abs(path[-1] - path[-2]) > 0.1 and np.all(path[-10:] < hill)   # it bounces there, never settles
    for start in (-2.0, hill - 0.05, hill + 0.05, 2.0):
        end = gd.gradient_descent(well.grad, np.array([start]), 0.02, steps=300)[-1, 0]
        assert end == pytest.approx(global_min if start < hill else local_min, abs=1e-6)


# ---------------------------------------------------------------- predicting the learning rates' behaviour

def _observed(alpha, steps=30):
    """What the iterates of β ← β − α(10β − 3) from β = 4 do, read off the iterates themselves."""
    beta, path = 4.0, [4.0]
    for _ in range(steps):
        beta = beta - alpha * (10 * beta - 3)
        path.append(beta)
    distance = np.array(path) - 0.3
    if abs(distance[1]) < 1e-12:
        return "lands on the minimum in one step"
    if abs(distance[-1]) > abs(distance[0]):
        return "zig-zags away from the minimum" if np.all(distance[1:] * distance[:-1] < 0) else "grows"
    return "zig-zags into the minimum" if np.all(distance[1:] * distance[:-1] < 0) else "creeps towards the minimum"


def test_the_predicted_regimes_are_what_gradient_descent_does_on_the_lectures_f():
    expected = questions.get(f"{A}.regimes").reference(DEFAULTS)
    assert expected == {rate: _observed(float(rate)) for rate in QUESTIONS.DEMO_RATES}
    assert set(expected.values()) == set(QUESTIONS.REGIMES)   # each behaviour once


def test_the_demonstration_runs_the_rates_the_prediction_asks_about():
    import nbformat

    nb = nbformat.read(Path(__file__).resolve().parents[1] / "solutions" / A / f"{A}.ipynb", as_version=4)
    demo = next(c.source for c in nb.cells if c.get("id") == "demo-learning-rates")
    assert "(0.01, 0.1, 0.18, 0.21)" in demo
    assert QUESTIONS.DEMO_RATES == ("0.01", "0.1", "0.18", "0.21")


def test_the_solutions_prediction_scores_full_marks_and_each_wrong_part_costs_its_share(judge):
    import nbformat

    nb = nbformat.read(Path(__file__).resolve().parents[1] / "solutions" / A / f"{A}.ipynb", as_version=4)
    source = next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "a_regimes")
    namespace = {}
    exec(source, namespace)
    for student in ("student1", "student2", "student3"):
        assert judge("regimes", namespace["regimes"], student).correct
    wrong = {**namespace["regimes"], "0.21": "zig-zags into the minimum"}   # 2.1 read as "still below 2"
    v = judge("regimes", wrong)
    assert v.score == pytest.approx(v.max_score * 3 / 4)
    assert judge("regimes", dict.fromkeys(QUESTIONS.DEMO_RATES, "...")).score == 0


def test_the_notebook_asks_for_the_prediction_before_it_lists_the_regimes():
    import nbformat

    nb = nbformat.read(Path(__file__).resolve().parents[1] / "solutions" / A / f"{A}.ipynb", as_version=4)
    ids = [c.get("id") for c in nb.cells]
    assert ids.index("q-regimes") < ids.index("q-alpha-max") < ids.index("demo-learning-rates")
    for cell in nb.cells[:ids.index("q-alpha-max")]:
        assert "disaster**" not in cell.source and "10\\alpha > 2" not in cell.source, cell.get("id")
