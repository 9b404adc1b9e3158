"""Assignment 07_optimizers: its references against torch.optim, the lecture's forms, and the hints.

Answers are judged through the same record → judge path as ``check()``.
"""
from __future__ import annotations

import importlib

import numpy as np
import pytest

from autograder import questions
from autograder.checks import answer_record, judge_record
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


def judge(name, answer, student=None, monkeypatch=None):
    if student is not None:
        monkeypatch.setenv("COURSEKIT_STUDENT_ID", student)
    return judge_record(answer_record(f"{A}.{name}", answer), student)


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


def test_the_lectures_momentum_form_scores_full_marks():
    for name in ("Momentum", "Momentum_hidden"):
        assert judge(name, LectureMomentum).correct


@pytest.mark.parametrize("name, tag", [
    ("Momentum", "dampened"), ("Nesterov", "plain_momentum"), ("AdaGrad_hidden", "eps_inside"),
    ("RMSprop_hidden", "eps_inside"), ("Adam", "no_bias_correction"), ("Adam", "correction_in_recursion"),
    ("AdamW", "l2_in_gradient"),
])
def test_declared_mistakes_are_recognised_with_their_hint(name, tag):
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
def test_reference_answers_score_full_marks_for_each_student(student, monkeypatch):
    for qid, q in questions.for_assignment(A).items():
        result = judge(q.name, q.reference(parameters(A, student)), student, monkeypatch)
        assert result.score == q.points, (qid, result.text())
