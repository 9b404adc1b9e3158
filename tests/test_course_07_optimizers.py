"""Assignment 07_optimizers: its references against torch.optim, the lecture's forms, and the hints.

Answers are judged through the same record → judge path as ``check()``.
"""
from __future__ import annotations

import importlib

import numpy as np
import pytest

from autograder import questions
from autograder.student import parameters

A = "07_optimizers"
Q = importlib.import_module(f"autograder.questions.{A}")

TORCH = {  # our name -> torch.optim's constructor, given torch
    "Momentum": lambda torch, p, lr, momentum=0.9: torch.optim.SGD(p, lr=lr, momentum=momentum),
    "Nesterov": lambda torch, p, lr, momentum=0.9: torch.optim.SGD(p, lr=lr, momentum=momentum, nesterov=True),
    "AdaGrad": lambda torch, p, **h: torch.optim.Adagrad(p, **h),
    "RMSprop": lambda torch, p, **h: torch.optim.RMSprop(p, **h),
    "Adam": lambda torch, p, **h: torch.optim.Adam(p, **h),
    "AdamW": lambda torch, p, **h: torch.optim.AdamW(p, **h),
}


def torch_path(torch, name, case):
    params = [torch.tensor(np.asarray(p, dtype=float), requires_grad=True) for p in case["params"]]
    optimizer = TORCH[name](torch, params, **case["hyper"])
    path = []
    for grads in case["grads"]:
        for p, g in zip(params, grads):
            p.grad = torch.tensor(np.asarray(g, dtype=float))
        optimizer.step()
        path.append([p.detach().numpy().copy() for p in params])
    return path


@pytest.mark.parametrize("name", list(TORCH))
@pytest.mark.parametrize("suffix", ["", "_hidden"])
def test_reference_follows_torch_optim_on_the_hidden_inputs(name, suffix, torch):
    q = questions.get(f"{A}.{name}{suffix}")
    v = parameters(A)
    factory = q.reference(v)
    for case in q.inputs(np.random.default_rng(0), v):
        params = [np.array(p, dtype=float) for p in case["params"]]
        optimizer = factory(params, **case["hyper"])
        for grads, expected in zip(case["grads"], torch_path(torch, name, case)):
            optimizer.step([np.array(g, dtype=float) for g in grads])
            for p, e in zip(params, expected):
                np.testing.assert_allclose(p, e, rtol=1e-10, atol=1e-14)


class LectureMomentum:
    """The lecture's form h = αh + ηg, w = w − h (equivalent to torch's while η is constant)."""

    def __init__(self, params, lr, momentum=0.9):
        self.params, self.lr, self.momentum = list(params), lr, momentum
        self.h = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for p, g, h in zip(self.params, grads, self.h):
            h *= self.momentum
            h += self.lr * np.asarray(g)
            p -= h


def test_the_lectures_momentum_form_scores_full_marks(judge):
    for name in ("Momentum", "Momentum_hidden"):
        assert judge(name, LectureMomentum).correct


@pytest.mark.parametrize("name, tag", [
    ("Momentum", "dampened"), ("Nesterov", "plain_momentum"), ("AdaGrad_hidden", "eps_inside"),
    ("RMSprop_hidden", "eps_inside"), ("Adam", "no_bias_correction"), ("Adam", "correction_in_recursion"),
    ("AdamW", "l2_in_gradient"),
])
def test_declared_mistakes_are_recognised_with_their_hint(name, tag, judge):
    q = questions.get(f"{A}.{name}")
    result = judge(name, q.mistakes[tag](parameters(A)))
    assert result.score == 0 and result.mistake == tag and q.hints[tag] in result.hint


@pytest.mark.parametrize("steps, start", [(60, (-4.5, 1.5)), (100, (-4.5, 1.5)), (173, (3.2, -0.7))])
def test_race_reference_matches_torch_on_the_quadratic(steps, start, torch):
    settings = {"SGD": torch.optim.SGD, "Adagrad": torch.optim.Adagrad, "RMSprop": torch.optim.RMSprop,
                "Adam": torch.optim.Adam}
    values = Q.race_final_values(steps, start)
    for name, (cls, hyper) in Q.RACE.items():
        w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        optimizer = settings[cls]([w], **hyper)
        for _ in range(steps):
            optimizer.zero_grad()
            (w[0] ** 2 / 2 + 10 * w[1] ** 2).backward()
            optimizer.step()
        f = (w[0] ** 2 / 2 + 10 * w[1] ** 2).item()
        assert values[name] == pytest.approx(f, rel=1e-6, abs=1e-300), name


def test_every_optimizer_makes_progress_in_the_race():
    values = Q.race_final_values(100)
    start = 0.5 * 4.5 ** 2 + 10 * 1.5 ** 2
    assert all(value < 1e-3 * start for value in values.values())


@pytest.mark.parametrize("student", [None, *[f"student{i}" for i in range(12)]])
def test_each_students_race_starts_at_their_point_and_every_optimizer_makes_progress(student):
    v = parameters(A, student)
    (x, y), steps = v["start"], v["steps"]
    values = Q.final_values(v)
    # plain gradient descent with lr 0.09 on x²/2 + 10y² multiplies x by 0.91 and y by −0.8 per step
    assert values["GD"] == pytest.approx(0.5 * (0.91 ** steps * x) ** 2 + 10 * ((-0.8) ** steps * y) ** 2,
                                         rel=1e-9)
    start = 0.5 * x ** 2 + 10 * y ** 2
    assert all(value < 1e-2 * start for value in values.values()), values


@pytest.mark.parametrize("student", [None, "frank"])
def test_reference_answers_score_full_marks_for_each_student(student, judge):
    for qid, q in questions.for_assignment(A).items():
        result = judge(q.name, q.reference(parameters(A, student)), student)
        assert result.score == q.points, (qid, result.text())


# ---------------------------------------------------------------- derivations and the race's prediction

def _expression(qid, **values):
    import sympy

    q = questions.get(f"{A}.{qid}")
    names = {s: sympy.Symbol(s) for s in q.symbols}
    expr = sympy.sympify(q.reference(parameters(A)), locals=names)
    return float(expr.subs({names[k]: v for k, v in values.items()}))


def test_the_heavy_ball_step_is_what_torchs_velocity_form_does():
    from coursekit.optim import SGD

    rng = np.random.default_rng(7)
    lr, momentum = 0.07, 0.85
    w = np.array([rng.normal()])
    optimizer = SGD([w], lr=lr, momentum=momentum)
    path = [w.copy()]
    for _ in range(12):
        g = rng.normal()
        optimizer.step([np.array([g])])
        path.append(w.copy())
        if len(path) >= 3:
            step = _expression("heavy_ball_step", g=g, d=(path[-2] - path[-3])[0], eta=lr, mu=momentum)
            assert (path[-1] - path[-2])[0] == pytest.approx(step, rel=1e-10, abs=1e-14)


def test_the_nesterov_step_is_what_the_look_ahead_form_does_at_the_held_point():
    lr, alpha = 0.05, 0.8
    a = np.array([1.0, 20.0])                        # ∇ of x²/2 + 10y²
    w, h = np.array([-4.5, 1.5]), np.zeros(2)
    held = w - alpha * h
    for _ in range(15):
        g = a * held                                 # the gradient at the look-ahead point
        h_new = alpha * h + lr * g
        w = w - h_new
        new_held = w - alpha * h_new
        for j in range(2):
            step = _expression("nesterov_step", g=g[j], b=h[j] / lr, eta=lr, mu=alpha)
            assert new_held[j] - held[j] == pytest.approx(step, rel=1e-10, abs=1e-14)
        h, held = h_new, new_held


def test_the_nesterov_step_is_torchs_grouping_by_sympy():
    import sympy

    g, b, eta, mu = sympy.symbols("g b eta mu")
    expected = sympy.sympify(questions.get(f"{A}.nesterov_step").reference({}),
                             locals={"g": g, "b": b, "eta": eta, "mu": mu})
    assert sympy.expand(expected + eta * (g + mu * (mu * b + g))) == 0


@pytest.mark.parametrize("name, answer", [
    ("heavy_ball_step", "-(eta*g - mu*d)"), ("heavy_ball_step", "mu*d-eta*g"),
    ("nesterov_step", "-eta*(g + mu*(mu*b + g))"), ("nesterov_step", "-eta*g*(1+mu) - mu^2*eta*b"),
])
def test_correct_derivations_in_any_form_score_full_marks(name, answer, judge):
    result = judge(name, answer)
    assert result.correct and result.score == questions.get(f"{A}.{name}").points


@pytest.mark.parametrize("name, answer, tag", [
    ("heavy_ball_step", "-eta*g - mu*d", "reversed_buffer"),
    ("heavy_ball_step", "-eta*g + eta*mu*d", "unscaled_buffer"),
    ("heavy_ball_step", "eta*d - mu*g", "swapped_rates"),
    ("nesterov_step", "-eta*(mu*b + g)", "step_of_w"),
    ("nesterov_step", "-(1 + mu)*eta*(mu*b + g)", "one_shift"),
    ("nesterov_step", "-mu**2*b - (1 + mu)*eta*g", "unscaled_buffer"),
])
def test_typical_wrong_derivations_are_diagnosed_by_the_idea_they_miss(name, answer, tag, judge):
    result = judge(name, answer)
    assert result.score == 0 and result.mistake == tag
    expected = questions.get(f"{A}.{name}").reference({}).replace(" ", "")
    assert expected not in result.hint.replace(" ", "")


def test_blank_derivations_and_prediction_score_nothing(judge):
    for name in ("heavy_ball_step", "nesterov_step"):
        assert judge(name, "...").score == 0
        assert judge(name, None).score == 0
    assert judge("race_prediction", {"Nesterov": "...", "AdaGrad": "...", "Adam": "..."}).score == 0


def _solution_answers():
    from pathlib import Path

    import nbformat

    root = Path(__file__).resolve().parents[1]
    nb = nbformat.read(root / "solutions" / A / f"{A}.ipynb", as_version=4)
    sources = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}
    namespace = {}
    for cell in ("a_heavy_ball_step", "a_nesterov_step", "a_race_prediction"):
        exec(sources[cell], namespace)
    return {"heavy_ball_step": namespace["heavy_ball"], "nesterov_step": namespace["nesterov"],
            "race_prediction": namespace["race_guess"]}


@pytest.mark.parametrize("student", [None, "student1", "student2", "student3"])
def test_the_solutions_derivations_and_prediction_score_full_marks(student, judge):
    for name, answer in _solution_answers().items():
        assert judge(name, answer, student).correct, name


def test_the_race_goes_as_the_prediction_says_for_every_student():
    """The solution's prediction is reasoned, not read off one race: it holds for every variant drawn."""
    guess = _solution_answers()["race_prediction"]
    for student in [None, *[f"student{i:04d}" for i in range(300)]]:
        v = parameters(A, student)
        final = Q.race_final_values(v["steps"], v["start"])
        assert final["Nesterov"] < final["GD"] and final["AdaGrad"] < final["GD"] < final["Adam"], student
        assert Q.race_prediction(v) == guess, student


def test_a_wrong_prediction_loses_only_its_part(judge):
    result = judge("race_prediction", {"Nesterov": "below GD", "AdaGrad": "above GD", "Adam": "above GD"})
    assert result.score == pytest.approx(questions.get(f"{A}.race_prediction").points * 2 / 3)


def test_the_notebook_asks_for_each_derivation_before_it_shows_the_form_it_leads_to():
    from pathlib import Path

    import nbformat

    nb = nbformat.read(Path(__file__).resolve().parents[1] / "solutions" / A / f"{A}.ipynb", as_version=4)
    ids = [c.get("id") for c in nb.cells]
    flat = [c.source.replace(" ", "") for c in nb.cells]
    heavy_ball = "\\alpha\\,(w_{t-1}-w_{t-2})"           # the heavy-ball update the velocity form implies
    torch_nesterov = "\\eta\\,(g_t+\\mu\\,b_t)"          # torch's grouping of the look-ahead step
    assert not any(heavy_ball in text for text in flat[:ids.index("q-heavy-ball-step")])
    assert not any(torch_nesterov in text for text in flat[:ids.index("q-nesterov-step")])
    assert any(torch_nesterov in text for text in flat[ids.index("q-nesterov-step"):ids.index("a-Nesterov")])
    assert ids.index("q-race-prediction") < ids.index("a-final-values")
