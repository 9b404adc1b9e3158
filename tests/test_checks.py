"""check(): friendly in-kernel verdicts, partial credit, mistake hints, recording while grading."""
import json
import os
from pathlib import Path

import numpy as np
import pytest

from autograder import CheckFailed, check, kinds, record
from autograder.checks import answer_record, judge_record
from autograder.questions import QuestionSet, UnknownQuestionError, get
from autograder.record import MIME

# Questions of a test-only assignment, registered for each test only (tests/conftest.py);
# references are plain numpy (independent of coursekit).
QUESTIONS = QuestionSet()


@QUESTIONS.question("unit_checks.mean", kind="number", rtol=1e-9,
                    mistakes={"sum": lambda v: float(np.sum(v.get("data", [1.0, 2.0, 6.0])))},
                    hints={"sum": "Divide by the number of values.", "default": "Add up, then divide."})
def _mean(v):
    return float(np.mean([1.0, 2.0, 6.0]))


@QUESTIONS.question("unit_checks.parts", kind="array", points=3, rtol=1e-9)
def _parts(v):
    return {"a": np.array([1.0, 2.0]), "b": np.eye(2), "c": np.array([0.5, -0.5, 1.0])}


def _quad_inputs(rng, v):
    return [(rng.normal(size=4),) for _ in range(3)]


@QUESTIONS.question("unit_checks.double", kind="function", points=2, inputs=_quad_inputs,
                    mistakes={"halved": lambda v: (lambda x: x / 2)},
                    hints={"halved": "Multiply by two, do not divide."})
def _double(v):
    return lambda x: 2 * x


class _Affine:
    """A reference affine layer y = x W + b (independent of coursekit)."""

    def __init__(self, n_in, n_out):
        self.params = {"W": np.zeros((n_in, n_out)), "b": np.zeros(n_out)}
        self.grads = {}

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, g):
        self.grads = {"W": self.x.T @ g, "b": g.sum(axis=0)}
        return g @ self.params["W"].T


def _affine_inputs(rng, v):
    return [{"init": {"n_in": 3, "n_out": 2},
             "params": {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)},
             "x": rng.normal(size=(5, 3)), "grad_out": rng.normal(size=(5, 2))} for _ in range(2)]


@QUESTIONS.question("unit_checks.affine", kind="layer", points=4, inputs=_affine_inputs)
def _affine(v):
    return _Affine


class _Sgd:
    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    def step(self, grads):
        for p, g in zip(self.params, grads):
            p -= self.lr * g


def _opt_inputs(rng, v):
    return [{"hyper": {"lr": 0.1}, "params": [rng.normal(size=3)],
             "grads": [[rng.normal(size=3)] for _ in range(3)]}]


@QUESTIONS.question("unit_checks.sgd", kind="optimizer", inputs=_opt_inputs,
                    mistakes={"lr_twice": lambda v: _SgdLrTwice},
                    hints={"lr_twice": "The learning rate multiplies the gradient once."})
def _sgd(v):
    return _Sgd


class _SgdLrTwice(_Sgd):
    def step(self, grads):
        for p, g in zip(self.params, grads):
            p -= self.lr * self.lr * g


@QUESTIONS.question("unit_checks.pick", kind="choice", options=("A", "B"))
def _pick(v):
    return "B"


@QUESTIONS.question("unit_checks.word", kind="text")
def _word(v):
    return ("gradient", "the gradient")


@QUESTIONS.question("unit_checks.derivative", kind="expression", symbols=("x",))
def _derivative(v):
    return "2*x*exp(x**2)"


def test_correct_number_prints_verdict_and_returns_none(capsys):
    assert check("unit_checks.mean", 3.0) is None
    assert "1/1 points - correct" in capsys.readouterr().out


def test_number_given_as_one_element_array_counts():
    assert judge_record(answer_record("unit_checks.mean", np.array([3.0])), None).correct


def test_wrong_number_raises_friendly_verdict_with_declared_mistake_hint():
    with pytest.raises(CheckFailed) as info:
        check("unit_checks.mean", 9.0)
    assert (info.value.verdict.mistake, info.value.verdict.score) == ("sum", 0.0)
    text = str(info.value)   # what the student reads
    assert "0/1 points" in text and "Divide by the number of values." in text
    assert "a number of order 1e+00" in text  # the kind and magnitude expected, not the value 3
    assert "3.0" not in text
    assert info.value._render_traceback_() == text.splitlines()


def test_verdict_never_reveals_expected_array_values():
    with pytest.raises(CheckFailed) as info:
        check("unit_checks.parts", {"a": [9.0, 9.0], "b": np.zeros((2, 2)), "c": [0, 0, 0]})
    assert "shape (2,)" in str(info.value) and "0.5" not in str(info.value)


def test_multi_part_answer_gets_partial_credit(capsys):
    score = check("unit_checks.parts", {"a": [1, 2], "b": np.eye(2), "c": [1.0, 1.0, 1.0]})
    assert score == pytest.approx(2.0)
    out = capsys.readouterr().out
    assert "2/3 points" in out and "[c]" in out


def test_missing_part_and_not_a_dict_are_explained():
    with pytest.raises(CheckFailed, match="expected a dict with keys") as info:
        check("unit_checks.parts", [1, 2])
    assert (info.value.verdict.mistake, info.value.verdict.score) == ("wrong_type", 0.0)
    score = check("unit_checks.parts", {"a": [1, 2], "b": np.eye(2)})
    assert score == pytest.approx(2.0)


@pytest.mark.parametrize("answer, tag", [
    ({"a": [-1.0, -2.0], "b": np.eye(2), "c": [0.5, -0.5, 1.0]}, "wrong_sign"),
    ({"a": [1.0, 2.0, 3.0], "b": np.eye(2), "c": [0.5, -0.5, 1.0]}, "wrong_shape"),
    ({"a": [2.0, 4.0], "b": np.eye(2), "c": [0.5, -0.5, 1.0]}, "scaled"),
    ({"a": [np.nan, 2.0], "b": np.eye(2), "c": [0.5, -0.5, 1.0]}, "not_finite"),
    ({"a": "one, two", "b": np.eye(2), "c": [0.5, -0.5, 1.0]}, "wrong_type"),
])
def test_generic_mistakes_are_recognised(answer, tag):
    verdict = judge_record(answer_record("unit_checks.parts", answer), None)
    assert verdict.score == pytest.approx(2.0)
    assert verdict.mistake == tag and verdict.hint


def test_transposed_matrix_is_recognised():
    @QUESTIONS.question("unit_checks.matrix", kind="array")
    def _matrix(v):
        return np.arange(6.0).reshape(2, 3)
    verdict = judge_record(answer_record("unit_checks.matrix", np.arange(6.0).reshape(2, 3).T), None)
    assert verdict.mistake == "transposed" and verdict.score == 0


def test_function_is_run_on_hidden_inputs_and_compared_with_reference(capsys):
    assert check("unit_checks.double", lambda x: x + x) is None
    with pytest.raises(CheckFailed) as info:
        check("unit_checks.double", lambda x: x * 0.5)
    assert (info.value.verdict.mistake, info.value.verdict.score) == ("halved", 0.0)
    with pytest.raises(CheckFailed, match=r"wrong on 3 of 3 hidden inputs; on input 1 \(array\(4,\)\)") as info:
        check("unit_checks.double", lambda x: x * 3)
    assert info.value.verdict.mistake == "scaled"


def test_not_implemented_function_fails_only_that_question():
    def todo(x):
        raise NotImplementedError
    with pytest.raises(CheckFailed) as info:
        check("unit_checks.double", todo)
    assert (info.value.verdict.mistake, info.value.verdict.score) == ("not_implemented", 0.0)
    with pytest.raises(CheckFailed) as info:
        check("unit_checks.double", 3.0)
    assert info.value.verdict.mistake == "wrong_type"


def test_layer_parts_give_partial_credit_and_name_the_missing_bias_gradient():
    class NoBiasGrad(_Affine):
        def backward(self, g):
            gx = super().backward(g)
            self.grads["b"] = np.zeros_like(self.params["b"])
            return gx
    verdict = judge_record(answer_record("unit_checks.affine", NoBiasGrad), None)
    assert verdict.score == pytest.approx(3.0)  # forward, input gradient, dW right; db wrong
    wrong = [p for p in verdict.parts if not p.correct]
    assert [p.name for p in wrong] == ["gradient of b"] and wrong[0].mistake == "all_zero"
    assert "bias gradient" in wrong[0].hint
    assert "relative error 1.0e+00 for b" in wrong[0].message  # its backward disagrees with its forward
    assert judge_record(answer_record("unit_checks.affine", _Affine), None).correct


def _linear_inputs(rng, v):
    return [{"init": {"in_features": 3, "out_features": 2},
             "params": {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)},
             "x": rng.normal(size=(4, 3)), "grad_out": rng.normal(size=(4, 2))}]


@QUESTIONS.question("unit_checks.linear", kind="layer", points=4, inputs=_linear_inputs)
def _linear(v):
    from coursekit.layers import Linear
    return Linear


def test_layer_questions_compare_with_coursekit_layers():
    class StudentLinear(_Affine):
        def __init__(self, in_features, out_features):
            super().__init__(in_features, out_features)
    assert judge_record(answer_record("unit_checks.linear", StudentLinear), None).correct


def test_gradient_check_says_when_backward_is_consistent_with_a_wrong_forward():
    class DoubleEverything(_Affine):  # forward and backward both scaled by 2: consistent, both wrong
        def forward(self, x):
            return 2 * super().forward(x)

        def backward(self, g):
            return super().backward(2 * g)
    verdict = judge_record(answer_record("unit_checks.affine", DoubleEverything), None)
    assert verdict.score == 0 and verdict.parts[1].mistake == "scaled"
    assert "consistent: look at the forward" in verdict.parts[1].message


def test_optimizer_step_rule_with_lr_applied_twice_gets_its_hint():
    verdict = judge_record(answer_record("unit_checks.sgd", _SgdLrTwice), None)
    assert verdict.mistake == "lr_twice" and "once" in verdict.hint
    assert judge_record(answer_record("unit_checks.sgd", _Sgd), None).correct


class _StudentAdam:
    """Kingma and Ba's Algorithm 1, written independently of coursekit."""

    bias_correction = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        b1, b2 = self.betas
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            m_hat = m / (1 - b1 ** self.t) if self.bias_correction else m
            v_hat = v / (1 - b2 ** self.t) if self.bias_correction else v
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class _AdamNoBiasCorrection(_StudentAdam):
    bias_correction = False


def _adam_inputs(rng, v):
    return [{"hyper": {"lr": float(rng.uniform(0.01, 0.1)), "betas": (0.9, 0.999)},
             "params": [rng.normal(size=(2, 3)), rng.normal(size=3)],
             "grads": [[rng.normal(size=(2, 3)), rng.normal(size=3)] for _ in range(4)]} for _ in range(2)]


@QUESTIONS.question("unit_checks.adam", kind="optimizer", rtol=1e-9, inputs=_adam_inputs,
                    mistakes={"no_bias_correction": lambda v: _AdamNoBiasCorrection},
                    hints={"no_bias_correction": "Divide the moments by 1 - beta**t before the step."})
def _adam(v):
    from coursekit.optim import Adam
    return Adam


def test_optimizer_questions_compare_with_coursekit_optim():
    assert judge_record(answer_record("unit_checks.adam", _StudentAdam), None).correct
    verdict = judge_record(answer_record("unit_checks.adam", _AdamNoBiasCorrection), None)
    assert verdict.score == 0 and verdict.mistake == "no_bias_correction" and "1 - beta**t" in verdict.hint


def test_choice_and_text_are_exact_up_to_whitespace_and_case():
    assert judge_record(answer_record("unit_checks.pick", " B "), None).correct
    assert judge_record(answer_record("unit_checks.pick", "A"), None).score == 0
    assert judge_record(answer_record("unit_checks.pick", "C"), None).mistake == "not_an_option"
    assert judge_record(answer_record("unit_checks.word", "The  Gradient"), None).correct


def test_expression_equivalence_not_string_equality():
    assert judge_record(answer_record("unit_checks.derivative", "exp(x^2)*x*2"), None).correct
    wrong = judge_record(answer_record("unit_checks.derivative", "exp(x**2)"), None)
    assert wrong.score == 0
    hostile = judge_record(answer_record("unit_checks.derivative", "__import__('os').system('true')"), None)
    assert hostile.score == 0


def test_missing_answer_placeholder_fails_with_hint():
    with pytest.raises(CheckFailed, match="no answer given yet"):
        check("unit_checks.mean")


def test_while_grading_check_only_records(monkeypatch):
    published = []
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setattr("autograder.checks._publish", published.append)
    assert check("unit_checks.mean", 123.0) is None  # wrong, yet nothing raised in the kernel
    (data,) = published
    assert data["question"] == "unit_checks.mean"
    assert judge_record(data, None).score == 0


def test_nbgrader_validate_judges_in_the_kernel(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with pytest.raises(CheckFailed):
        check("unit_checks.mean", 123.0)


def test_unknown_question_names_the_known_ones():
    with pytest.raises(UnknownQuestionError, match="unit_checks.mean"):
        get("unit_checks.nope")
    with pytest.raises(UnknownQuestionError, match="no questions for assignment"):
        check("no_such_assignment.q", 1)
    with pytest.raises(ValueError, match="must look like"):
        check("no-dot", 1)


def test_question_declaration_errors_name_the_problem():
    with pytest.raises(ValueError, match="kind 'matrix'"):
        QUESTIONS.question("unit_checks.bad", kind="matrix")(lambda v: 0)
    with pytest.raises(ValueError, match="needs inputs"):
        QUESTIONS.question("unit_checks.bad", kind="function")(lambda v: 0)
    with pytest.raises(ValueError, match="undeclared mistakes"):
        QUESTIONS.question("unit_checks.bad", kind="number", hints={"typo": "x"})(lambda v: 0)
    with pytest.raises(ValueError, match="registered twice"):
        QUESTIONS.question("unit_checks.mean", kind="number")(lambda v: 0)


def test_every_generic_mistake_tag_the_checks_emit_may_be_reworded_by_hints():
    from autograder.hints import generic
    for tag in ("rounded", "scaled", "unreadable", "at_zero", "chain_rule"):
        assert generic(tag)
        QUESTIONS.question(f"unit_checks.reworded_{tag}", kind="number", hints={tag: "reworded"})(lambda v: 0)


def test_demo_gd_references_reproduce_the_lecture_numbers():
    pytest.importorskip("coursekit.gd")
    lecture = get("demo_gd.iterates").reference({"beta0": 4.0})
    np.testing.assert_allclose(lecture["alpha=1"], [-33, 300, -2697])
    np.testing.assert_allclose(lecture["alpha=0.01"], [3.63, 3.297, 2.9973])
    np.testing.assert_allclose(lecture["alpha=0.1"], [0.3, 0.3, 0.3])


def test_demo_gd_grades_the_default_start_with_partial_credit_for_the_slides_sign_slip():
    pytest.importorskip("coursekit.gd")
    # from β⁽⁰⁾ = 3 by hand: f′(3) = 27, so β⁽¹⁾ = −24 for α = 1; the slide's slip flips the next sign
    right = {"alpha=1": [-24, 219, -1968], "alpha=0.01": [2.73, 2.487, 2.2683], "alpha=0.1": [0.3, 0.3, 0.3]}
    assert judge_record(answer_record("demo_gd.iterates", right), None).correct
    slide = judge_record(answer_record("demo_gd.iterates", {**right, "alpha=1": [-24, -219, 1974]}), None)
    assert slide.score == pytest.approx(2.0)


def test_demo_gd_function_question_recognises_gradient_ascent():
    pytest.importorskip("coursekit.gd")
    from autograder.questions.demo_gd import _gd_ascent
    verdict = judge_record(answer_record("demo_gd.gradient_descent", _gd_ascent({})), None)
    assert verdict.mistake == "ascent"


def test_record_mime_is_the_documented_one():
    assert MIME == "application/vnd.coursekit.answer+json"


@QUESTIONS.question("unit_checks.chain", kind="expression", derivative_of=("sin(x^2)", "x"))
def _chain(v):
    return "2*x*cos(x**2)"


def test_derivative_questions_name_the_diagnosed_mistake():
    assert judge_record(answer_record("unit_checks.chain", "2*x*cos(x^2)"), None).correct
    verdict = judge_record(answer_record("unit_checks.chain", "cos(x^2)"), None)
    assert verdict.score == 0 and verdict.mistake == "chain_rule" and "inside" in verdict.hint
    with pytest.raises(ValueError, match="derivative_of"):
        QUESTIONS.question("unit_checks.bad2", kind="number", derivative_of=("x", "x"))(lambda v: 0)


def test_sympy_answers_are_recorded_as_text_and_judged():
    sympy = pytest.importorskip("sympy")
    x = sympy.Symbol("x")
    assert judge_record(answer_record("unit_checks.chain", 2 * x * sympy.cos(x**2)), None).correct


# ---------------------------------------------------------------- hostile answers

class _ExplodingList(list):
    def __iter__(self):
        raise RuntimeError("no iteration today")


class _LyingInt(int):
    def __int__(self):
        raise OverflowError("too big to say")


class _UnprintableError(Exception):
    def __str__(self):
        raise RuntimeError("cannot print me")


def _raise_unprintable(x):
    raise _UnprintableError()


@pytest.mark.parametrize("answer", [_ExplodingList([3.0]), _LyingInt(3)])
def test_an_answer_whose_methods_raise_is_a_wrong_answer_not_a_crash(answer):
    data = answer_record("unit_checks.mean", answer)
    verdict = judge_record(data, None)
    assert verdict.score == 0 and "could not be recorded" in verdict.text()


def test_a_function_raising_an_unprintable_error_is_recorded_by_type():
    verdict = judge_record(answer_record("unit_checks.double", _raise_unprintable), None)
    assert verdict.score == 0 and verdict.mistake == "raised" and "_UnprintableError" in verdict.text()


def _precomputed_answer():
    """What a student can build at home: the reference's outputs on the inputs they see while working."""
    from autograder.kinds import trial_seed, trials

    q = get("unit_checks.double")
    cases = trials(q, {}, trial_seed(q.id, "mallory"))
    outputs = iter([2 * args[0] for args in cases])
    return lambda x: next(outputs)


def _grading_kernel(monkeypatch, tmp_path, student: str, nonce: str) -> dict:
    """Make this process a graded kernel: the grader's plan for ``nonce`` is all it gets."""
    from autograder import capture, kinds, questions
    from autograder.preprocessors import grading_plan

    q = questions.get("unit_checks.double")
    expected = {q.id: kinds.expect(q, {}, kinds.trial_seed(q.id, student, nonce))}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(grading_plan("unit_checks", student, expected)))
    monkeypatch.setenv(capture.PLAN_ENV, str(path))
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv("COURSEKIT_STUDENT_ID", student)
    capture._PLAN.clear()
    return expected


def test_outputs_precomputed_for_the_working_inputs_score_nothing_while_grading(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSEKIT_STUDENT_ID", "mallory")
    honest_run = judge_record(answer_record("unit_checks.double", _precomputed_answer()), "mallory")
    assert honest_run.correct  # the cached outputs do match the inputs met while working...
    expected = _grading_kernel(monkeypatch, tmp_path, "mallory", "f00d")
    graded = judge_record(answer_record("unit_checks.double", _precomputed_answer()), "mallory",
                          "f00d", expected)
    assert graded.score == 0  # ...but the grader's secret draws other hidden inputs
    doubled = answer_record("unit_checks.double", lambda x: 2 * x)
    assert judge_record(doubled, "mallory", "f00d", expected).correct


def test_the_grading_plan_holds_hidden_inputs_but_no_seed_secret_or_expected_output(
        monkeypatch, tmp_path):
    expected = _grading_kernel(monkeypatch, tmp_path, "mallory", "f00d")
    text = Path(os.environ["COURSEKIT_GRADING_PLAN"]).read_text()
    seed = str(kinds.trial_seed("unit_checks.double", "mallory", "f00d"))
    assert "f00d" not in text and seed not in text
    outputs = expected["unit_checks.double"].reference
    assert not any(json.dumps(record.encode(o)) in text for o in outputs)


def test_a_record_made_for_other_hidden_inputs_is_named_as_such(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSEKIT_STUDENT_ID", "ada")  # a student posing as another one
    data = answer_record("unit_checks.double", lambda x: 2 * x)
    verdict = judge_record(data, "mallory")
    assert verdict.score == 0 and verdict.mistake == "other_inputs"
    monkeypatch.setenv("COURSEKIT_STUDENT_ID", "mallory")
    stale = answer_record("unit_checks.double", lambda x: 2 * x)  # not this grading run's inputs
    expected = _grading_kernel(monkeypatch, tmp_path, "mallory", "f00d")
    assert judge_record(stale, "mallory", "f00d", expected).mistake == "other_inputs"


def test_judging_uses_the_expectations_computed_before_the_kernel_ran():
    from autograder.kinds import Expected

    data = answer_record("unit_checks.mean", 4.0)
    assert judge_record(data, None, expected={"unit_checks.mean": Expected(4.0, {})}).correct
    assert not judge_record(data, None).correct  # the registry's reference says 3


@QUESTIONS.question("unit_checks.cube_derivative", kind="expression", derivative_of=("x**3", "x"))
def _cube_derivative(v):
    return "3*x**2"


@QUESTIONS.question("unit_checks.cube", kind="expression", symbols=("x",))
def _cube(v):
    return "x**3 + 2*x"


def _expected_value_shown(text: str, expected) -> list[str]:
    """Renderings of the expected expression's value at the counterexample point found in ``text``."""
    import re

    import sympy

    point = re.search(r"x=(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)", text)
    assert point, text
    value = float(sympy.sympify(expected).subs(sympy.Symbol("x"), float(point.group(1))))
    shown = {f"{value:{fmt}}" for fmt in (".6g", ".5g", ".4g", ".3g", ".3f", ".2f")}
    return [s for s in shown if s in text]


def test_expression_verdicts_never_show_the_expected_value_at_a_counterexample():
    derivative = judge_record(answer_record("unit_checks.cube_derivative", "3*x"), None)
    assert derivative.score == 0
    text = derivative.text() + derivative.hint
    assert "differs" in text and _expected_value_shown(text, "3*x**2") == []
    value = judge_record(answer_record("unit_checks.cube", "x**3 + 2"), None)
    assert value.score == 0 and "differ" in value.text()
    assert _expected_value_shown(value.text(), "x**3 + 2*x") == []


class _LyingArray(np.ndarray):
    """Claims equality and closeness with everything, in the kernel."""

    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.ones(np.shape(inputs[0]), dtype=bool)


class _ShiftyFloat(float):
    """A different value every time it is read."""

    calls = 0

    def __float__(self):
        type(self).calls += 1
        return 3.0 if type(self).calls > 1 else 99.0


def test_lying_objects_are_frozen_into_data_before_anything_compares_them():
    liar = np.array([99.0]).view(_LyingArray)
    assert np.all(liar == 3.0)  # the lie works on numpy in the kernel...
    assert judge_record(answer_record("unit_checks.mean", liar), None).score == 0  # ...not on the record
    data = answer_record("unit_checks.mean", _ShiftyFloat(0.0))
    assert [judge_record(data, None).score for _ in range(3)] == [0, 0, 0]  # read once: 99, judged as 99


# ---------------------------------------------------------------- diagnoses

@QUESTIONS.question("unit_checks.residual_grad", kind="expression", symbols=("yhat_i", "y"),
                    mistakes={"no_factor": lambda v: "yhat_i - y", "flipped": lambda v: "2*(y - yhat_i)"},
                    hints={"no_factor": "The square brings down a factor 2.",
                           "flipped": "Differentiate with respect to yhat_i, not y."})
def _residual_grad(v):
    return "2*(yhat_i - y)"


@QUESTIONS.question("unit_checks.square_derivative", kind="expression", derivative_of=("x**2 + 3*x", "x"),
                    mistakes={"forgot_linear": lambda v: "2*x"},
                    hints={"forgot_linear": "The linear term 3x has slope 3."})
def _square_derivative(v):
    return "2*x + 3"


def test_an_unknown_name_in_an_expression_is_named_with_the_allowed_ones():
    verdict = judge_record(answer_record("unit_checks.residual_grad", "2*(yhat - y)"), None)
    assert verdict.score == 0 and verdict.mistake == "unreadable"
    assert "unknown name 'yhat'" in verdict.text() and "yhat_i" in verdict.text().split("allowed")[1]
    unclosed = judge_record(answer_record("unit_checks.residual_grad", "2*(yhat_i - y"), None)
    assert "missing ')'" in unclosed.text()
    derivative = judge_record(answer_record("unit_checks.square_derivative", "2*z + 3"), None)
    assert derivative.mistake == "unreadable" and "'2*z + 3': cannot read it: unknown name 'z'" in derivative.text()


def test_declared_expression_mistakes_are_recognised_in_any_equivalent_form():
    verdict = judge_record(answer_record("unit_checks.residual_grad", "-y + yhat_i"), None)
    assert verdict.mistake == "no_factor" and verdict.hint == "The square brings down a factor 2."
    flipped = judge_record(answer_record("unit_checks.residual_grad", "2*y - 2*yhat_i"), None)
    assert flipped.mistake == "flipped" and "not y" in flipped.hint
    assert judge_record(answer_record("unit_checks.residual_grad", "2*yhat_i - 2*y"), None).correct
    other = judge_record(answer_record("unit_checks.residual_grad", "3*(yhat_i - y)"), None)
    assert other.mistake is None and other.score == 0


def test_declared_mistakes_of_derivative_questions_come_before_the_general_diagnosis():
    verdict = judge_record(answer_record("unit_checks.square_derivative", "x*2"), None)
    assert verdict.mistake == "forgot_linear" and verdict.hint == "The linear term 3x has slope 3."
    assert judge_record(answer_record("unit_checks.square_derivative", "3 + 2*x"), None).correct


@QUESTIONS.question("unit_checks.partial_in_x", kind="expression", derivative_of=("x^2 y + y^3", "x"),
                    mistakes={"by_y": lambda v: "x^2 + 3y^2"},
                    hints={"by_y": "That is the slope along y; hold y fixed and vary x."})
def _partial_in_x(v):
    return "2*x*y"


def test_declared_mistakes_of_a_function_in_the_courses_notation_use_all_its_variables():
    # "x^2 y" (an implicit product) has the variables x and y, as check_derivative reads it
    verdict = judge_record(answer_record("unit_checks.partial_in_x", "3y^2 + x^2"), None)
    assert verdict.mistake == "by_y" and "hold y fixed" in verdict.hint
    assert judge_record(answer_record("unit_checks.partial_in_x", "2xy"), None).correct


_SIGMA_MINUS_6 = 1.0 / (1.0 + np.exp(6.0))  # the lecture's perceptron output, about 0.00247


@QUESTIONS.question("unit_checks.perceptron", kind="number", rtol=1e-4)
def _perceptron(v):
    return _SIGMA_MINUS_6


@pytest.mark.parametrize("answer", [0.002, 0.0025, 0.00247, 0.0024])
def test_an_answer_rounded_to_few_digits_asks_for_more_digits(answer):
    verdict = judge_record(answer_record("unit_checks.perceptron", answer), None)
    assert verdict.mistake == "rounded" and "more digits" in verdict.hint


@pytest.mark.parametrize("answer", [0.003, 0.0021, 0.00494])
def test_other_wrong_numbers_are_not_called_rounded_nor_scaled(answer):
    # a single wrong number is always *some* multiple of the right one: no slip recognised
    verdict = judge_record(answer_record("unit_checks.perceptron", answer), None)
    assert verdict.score == 0 and verdict.mistake is None


def test_a_number_twice_the_expected_one_is_called_scaled():
    verdict = judge_record(answer_record("unit_checks.perceptron", 2 * _SIGMA_MINUS_6), None)
    assert verdict.mistake == "scaled" and "constant factor" in verdict.hint


def test_rounding_is_recognised_entrywise_in_arrays():
    expected = np.array([-33.0, 300.0, -2697.0])  # the lecture's alpha = 1 iterates
    from autograder.numeric import _rounded
    assert _rounded(np.array([-33.0, 300.0, -2700.0]), expected)
    assert _rounded(np.array([-33.0, 300.0, -2600.0]), expected)  # cut, not rounded
    assert not _rounded(np.array([-33.0, 300.0, -2500.0]), expected)
    assert not _rounded(np.array([0.0, 1.0]), np.array([0.5, 1.0]))
    assert not _rounded(np.array(10.0), np.array(12.0))  # a small count is not rounded
    assert _rounded(np.array(1.4e10), np.array(1.44e10))  # the lecture's dense-layer weight count


# ---------------------------------------------------------------- "scaled" only for plausible slips

@pytest.mark.parametrize("factor", [2.0, 0.5, 3.0, 1 / 3, 1.5, 0.75, 100.0])
def test_small_whole_and_simple_fraction_factors_are_called_scaled(factor):
    answer = {"a": factor * np.array([1.0, 2.0]), "b": np.eye(2), "c": [0.5, -0.5, 1.0]}
    assert judge_record(answer_record("unit_checks.parts", answer), None).mistake == "scaled"


@pytest.mark.parametrize("factor", [1.37, 0.913, 2.718, 11.3])
def test_an_arbitrary_constant_ratio_is_a_plain_wrong_value(factor):
    answer = {"a": factor * np.array([1.0, 2.0]), "b": np.eye(2), "c": [0.5, -0.5, 1.0]}
    verdict = judge_record(answer_record("unit_checks.parts", answer), None)
    assert verdict.score == pytest.approx(2.0) and verdict.mistake is None
    assert "constant factor" not in verdict.text()


@QUESTIONS.question("unit_checks.per_sample", kind="array", rtol=1e-9)
def _per_sample(v):
    return np.linspace(0.5, 2.0, 13)


@QUESTIONS.question("unit_checks.step", kind="number", rtol=1e-9)
def _step(v):
    return 0.8125


def test_a_batch_factor_is_scaled_only_when_it_is_the_batch_size():
    from autograder import kinds
    q = get("unit_checks.per_sample")
    e = np.linspace(0.5, 2.0, 13)
    for answer, tag in [(13 * e, "scaled"), (e / 13, "scaled"), (17 * e, None)]:
        assert kinds.judge(q, {"value": answer}, {}, 0).mistake == tag


def test_the_learning_rate_applied_twice_is_scaled_only_for_that_learning_rate():
    from autograder import kinds
    q = get("unit_checks.step")
    lr = 0.037
    assert kinds.judge(q, {"value": 0.8125 * lr}, {"lr": lr}, 0).mistake == "scaled"
    assert kinds.judge(q, {"value": 0.8125 * lr}, {"lr": 0.05}, 0).mistake is None
    assert kinds.judge(q, {"value": 0.8125 * lr}, {}, 0).mistake is None


# ---------------------------------------------------------------- answers wrong only at exactly 0

class _Relu:
    """ReLU with the lecture's convention, derivative 0 at 0 (independent of coursekit)."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, g):
        return g * self.mask


class _ReluMaskAtZero(_Relu):  # forward still right: x * (x >= 0) is 0 at 0
    def forward(self, x):
        self.mask = x >= 0
        return x * self.mask


class _ReluForwardOnlyWrong(_Relu):  # backward right, forward wrong off 0: the gradient check explains
    def forward(self, x):
        super().forward(x)
        return np.abs(x)


def _relu_inputs(rng, v):
    xs = [rng.normal(size=(3, 4)), np.array([[0.0, 1.5, -0.5, 0.0], [2.0, 0.0, -1.0, 0.25]])]
    return [{"init": {}, "params": {}, "x": x, "grad_out": rng.normal(size=x.shape)} for x in xs]


@QUESTIONS.question("unit_checks.relu", kind="layer", points=2, inputs=_relu_inputs)
def _relu(v):
    return _Relu


def _relu_grad_inputs(rng, v):
    return [(rng.normal(size=5),), (np.array([-1.0, 0.0, 2.0, 0.0]),)]


@QUESTIONS.question("unit_checks.relu_grad", kind="function", inputs=_relu_grad_inputs)
def _relu_grad(v):
    return lambda x: (x > 0).astype(float)


def test_a_relu_backward_wrong_only_at_zero_says_so_instead_of_blaming_the_forward():
    verdict = judge_record(answer_record("unit_checks.relu", _ReluMaskAtZero), None)
    assert verdict.score == pytest.approx(1.0)  # forward right, input gradient wrong at 0
    part = verdict.parts[1]
    assert part.mistake == "at_zero" and "exactly 0" in part.message
    assert "look at the forward" not in verdict.text() and "derivative at 0 is 0" in part.hint
    assert judge_record(answer_record("unit_checks.relu", _Relu), None).correct


def test_a_wrong_forward_is_not_mistaken_for_a_difference_at_zero():
    verdict = judge_record(answer_record("unit_checks.relu", _ReluForwardOnlyWrong), None)
    assert verdict.parts[0].mistake != "at_zero" and not verdict.parts[0].correct


def test_a_relu_derivative_function_wrong_only_at_zero_says_so():
    verdict = judge_record(answer_record("unit_checks.relu_grad", lambda x: (x >= 0).astype(float)), None)
    assert verdict.mistake == "at_zero" and "only where the input is exactly 0" in verdict.text()
    wrong_everywhere = judge_record(answer_record("unit_checks.relu_grad", lambda x: (x < 0) * 1.0), None)
    assert wrong_everywhere.mistake != "at_zero"


def test_the_course_relu_question_names_the_convention_at_zero():
    verdict = judge_record(answer_record("06_backprop.ReLU", _ReluMaskAtZero), None)
    assert [p.mistake for p in verdict.parts if not p.correct] == ["at_zero"]
    assert "x > 0" in verdict.hint or "at 0" in verdict.hint


# ---------------------------------------------------------------- optimizer verdicts say where the path left

class _SgdAscent(_Sgd):
    def step(self, grads):
        for p, g in zip(self.params, grads):
            p += self.lr * g


class _AdamStepCountStuck(_StudentAdam):
    """Right first step; then t stays 1, so the bias correction of later steps is wrong."""

    def step(self, grads):
        super().step(grads)
        self.t = 0


def _verdict_text(qid, answer):
    return judge_record(answer_record(qid, answer), None).text()


def test_an_optimizer_verdict_names_the_step_and_parameter_where_the_path_first_differs():
    text = _verdict_text("unit_checks.adam", _AdamStepCountStuck)
    assert "expected a list" not in text
    assert "parameter 1 of 2 (shape (2, 3))" in text and "at step 2 of 4" in text
    assert "Step 1 matches" in text and "step count t" in text


def test_an_optimizer_stepping_the_wrong_way_is_told_so_from_the_first_step():
    verdict = judge_record(answer_record("unit_checks.sgd", _SgdAscent), None)
    assert "at step 1 of 3" in verdict.text() and "against the expected direction" in verdict.text()
    assert verdict.mistake == "wrong_sign"


def test_an_undeclared_learning_rate_applied_twice_is_recognised_from_the_update():
    @QUESTIONS.question("unit_checks.sgd_plain", kind="optimizer", inputs=_opt_inputs)
    def _sgd_plain(v):
        return _Sgd
    verdict = judge_record(answer_record("unit_checks.sgd_plain", _SgdLrTwice), None)
    assert verdict.mistake == "scaled" and "learning rate applied twice" in verdict.hint
    assert "less than a tenth of the expected length" in verdict.text()


class _SgdDefaultRate:
    def __init__(self, params, lr=0.003):
        self.params, self.lr = params, lr

    def step(self, grads):
        for p, g in zip(self.params, grads):
            p -= self.lr * g


class _SgdDefaultRateTwice(_SgdDefaultRate):
    def step(self, grads):
        for p, g in zip(self.params, grads):
            p -= self.lr * self.lr * g


def _default_rate_inputs(rng, v):
    return [{"hyper": {}, "params": [rng.normal(size=3)], "grads": [[rng.normal(size=3)] for _ in range(3)]}]


def test_a_default_learning_rate_applied_twice_is_recognised_from_the_reference_signature():
    @QUESTIONS.question("unit_checks.sgd_default", kind="optimizer", inputs=_default_rate_inputs)
    def _sgd_default(v):
        return _SgdDefaultRate
    verdict = judge_record(answer_record("unit_checks.sgd_default", _SgdDefaultRateTwice), None)
    assert verdict.mistake == "scaled" and "learning rate applied twice" in verdict.hint
    # a factor that is no learning rate and no other plausible slip gets no such hint
    verdict = judge_record(answer_record("unit_checks.sgd_default", _SgdOddFactor), None)
    assert verdict.mistake != "scaled"


class _SgdOddFactor(_SgdDefaultRate):
    def step(self, grads):
        for p, g in zip(self.params, grads):
            p -= 0.0037 * self.lr * g


def test_optimizer_verdicts_never_reveal_the_reference_path():
    from autograder import kinds
    q = get("unit_checks.adam")
    expected = kinds.expect(q, {}, 0)
    text = kinds.judge(q, kinds.capture(q, _AdamStepCountStuck, {}, 0), {}, 0, expected).text()
    shown = {f"{x:.3g}" for run in expected.reference for step in run for p in step for x in np.ravel(p)}
    assert not {w.strip("(),.;:") for w in text.split()} & shown
