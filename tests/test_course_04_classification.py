"""Assignment 04_classification: the lecture's worked numbers and gradients checked independently."""
import json
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import questions
from autograder.checks import answer_record, judge_record
from autograder.student import parameters
from coursekit.gradcheck import numerical_gradient

A = "04_classification"
QUESTIONS = questions.load_assignment(A)
DEFAULTS = QUESTIONS.VARIANTS["defaults"]
ROOT = Path(__file__).resolve().parents[1]


def reference(name, v=DEFAULTS):
    return questions.get(f"{A}.{name}").reference(v)


def test_the_lectures_worked_numbers():
    lecture = QUESTIONS.LECTURE
    assert reference("perceptron_output", lecture) == pytest.approx([0.00247], abs=5e-6)   # σ(−6)
    np.testing.assert_allclose(reference("softmax_example", lecture), [0.0474, 2.4e-8, 0.9526], rtol=0.02)
    np.testing.assert_allclose(reference("ce_examples", lecture), [0.0, 0.693, np.inf], atol=1e-3)
    line = reference("line", lecture)
    for x1 in (-1.0, 0.0, 2.0):   # points of x₂ = a x₁ + c lie on 1 + 3x₁ − 2x₂ = 0
        assert 1 + 3 * x1 - 2 * (line["slope"] * x1 + line["intercept"]) == pytest.approx(0)


@pytest.mark.parametrize("student", [None, *[f"student{i}" for i in range(30)]])
def test_every_variant_puts_one_point_on_each_side_of_its_own_line(student):
    v = parameters(A, student)
    w0, w1, w2 = v["w0"], v["w1"], v["w2"]
    (a1, a2), (b1, b2) = v["points"]
    p = reference("perceptron_output", v)
    np.testing.assert_allclose(p, [_sigmoid(w0 + w1 * a1 + w2 * a2), _sigmoid(w0 + w1 * b1 + w2 * b2)], rtol=1e-12)
    assert 0.5 < p[0] < 1 and 0 < p[1] < 0.5
    line = reference("line", v)
    for x1 in (-1.0, 0.0, 2.0):   # points of x₂ = a x₁ + c lie on the student's line
        assert w0 + w1 * x1 + w2 * (line["slope"] * x1 + line["intercept"]) == pytest.approx(0, abs=1e-12)
    rows = QUESTIONS.softmax.ce_predictions(v)
    np.testing.assert_allclose(rows.sum(axis=1), 1)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(reference("ce_examples", v), -np.log(rows[:, 0]))


def test_half_right_boundary_gets_partial_credit(judge):
    right = reference("line")
    v = judge("line", {"slope": right["slope"], "intercept": right["intercept"] + 1})
    assert 0 < v.score < v.max_score


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(2)
    X, y, w = rng.normal(size=(9, 3)), rng.integers(0, 2, size=9), rng.normal(size=3)

    def bce(v):
        p = 1 / (1 + np.exp(-(X @ v)))
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    np.testing.assert_allclose(reference("logistic_gradient")(X, y, w), numerical_gradient(bce, w.copy()),
                               rtol=1e-6)

    labels, W = rng.integers(0, 4, size=9), rng.normal(size=(3, 4))

    def ce(v):
        Z = X @ v.reshape(3, 4)
        return float(np.mean(np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(9), labels]))
    np.testing.assert_allclose(reference("softmax_gradient")(X, labels, W).ravel(),
                               numerical_gradient(ce, W.ravel().copy()), rtol=1e-6)


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(z / 2))   # an overflow-free identity, independent of coursekit


def _softmax(Z):
    e = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _bce(p, y):
    p, y = np.asarray(p, float), np.asarray(y, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.mean(np.nan_to_num(y * np.log(p), nan=0.0, neginf=-np.inf)
                        + np.nan_to_num((1 - y) * np.log(1 - p), nan=0.0, neginf=-np.inf))


def _cross_entropy(Z, labels):
    m = Z.max(axis=1)
    return np.mean(m + np.log(np.exp(Z - m[:, None]).sum(axis=1)) - Z[np.arange(len(labels)), labels])


def _softmax_gradient(X, labels, W):
    return X.T @ (_softmax(X @ W) - np.eye(W.shape[1])[labels]) / len(labels)


@pytest.mark.parametrize("name, answer", [
    ("neuron_forward", lambda X, w0, W: _sigmoid(w0 + X @ W)),
    ("binary_cross_entropy", _bce),
    ("logistic_gradient", lambda X, y, w: X.T @ (_sigmoid(X @ w) - y) / len(y)),
    ("softmax", _softmax),
    ("cross_entropy", _cross_entropy),
    ("softmax_gradient", _softmax_gradient),
])
def test_independent_implementations_score_full_marks_including_hidden_edge_cases(name, answer, judge):
    assert judge(name, answer).correct
    assert judge(f"{name}_hidden", answer).correct


def _naive_softmax(Z):
    e = np.exp(Z)
    return e / e.sum(axis=-1, keepdims=True)


def test_naive_implementations_pass_the_visible_check_but_not_the_hidden_edge_cases(judge):
    with np.errstate(all="ignore"):
        assert judge("softmax", _naive_softmax).correct
        assert judge("softmax_hidden", _naive_softmax).score == 0
        naive_bce = lambda p, y: -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))  # noqa: E731
        assert judge("binary_cross_entropy", naive_bce).correct
        assert judge("binary_cross_entropy_hidden", naive_bce).score == 0


def _default_scores():
    (a1, a2), (b1, b2) = DEFAULTS["points"]
    return np.array([DEFAULTS["w0"] + DEFAULTS["w1"] * a1 + DEFAULTS["w2"] * a2,
                     DEFAULTS["w0"] + DEFAULTS["w1"] * b1 + DEFAULTS["w2"] * b2])


@pytest.mark.parametrize("name, answer, mistake", [
    ("softmax_example", np.exp(DEFAULTS["logits"]), "exponentials"),
    ("perceptron_output", _default_scores(), "no_activation"),
    ("perceptron_output", (_default_scores() >= 0).astype(float), "step"),
    ("perceptron_output", _sigmoid(-_default_scores()), "minus_z"),     # σ(−z) instead of σ(z)
    ("perceptron_output", np.round(_sigmoid(_default_scores()), 2), "rounded"),
    ("line", {"slope": DEFAULTS["w1"] / DEFAULTS["w2"], "intercept": DEFAULTS["w0"] / DEFAULTS["w2"]}, "wrong_sign"),
    ("softmax", lambda Z: _softmax(np.asarray(Z).T).T, "columns"),
    ("cross_entropy", lambda Z, labels: _cross_entropy(Z, labels) * len(labels), "sum"),
])
def test_usual_slips_are_diagnosed(name, answer, mistake, judge):
    v = judge(name, answer)
    assert v.score == 0 and v.mistake == mistake


def test_the_lecture_002_bce_table_comes_out_of_coursekit_and_its_slips_are_named(judge):
    lecture = reference("bce_table", {**DEFAULTS, **QUESTIONS.LECTURE})
    assert lecture["mean"] == pytest.approx(0.887, abs=5e-4)         # the worked number of the lecture notes
    # the default variant's table, (ŷ, y) = (0.35, 1), (0.55, 0), (0.75, 1), (0.15, 0), worked by hand
    by_hand = {"terms": [1.0498, 0.7985, 0.2877, 0.1625], "mean": 0.5746}
    assert judge("bce_table", by_hand).correct
    for tag, answer in (("log10", {"terms": [0.4559, 0.3468, 0.1249, 0.07058], "mean": 0.2496}),
                        ("sum", {"terms": by_hand["terms"], "mean": 2.2985})):
        assert tag in [p.mistake for p in judge("bce_table", answer).parts], tag
    assert judge("bce_table", {"terms": [2.303, 0.9163, 0.2231, 0.1054], "mean": 0.887}).score == 0


@pytest.mark.parametrize("student", [f"student{i}" for i in range(30)])
def test_every_bce_table_has_the_lectures_labels_two_misclassified_rows_and_two_right_ones(student):
    v = parameters(A, student)
    assert tuple(v["bce_labels"]) == (1, 0, 1, 0)
    p = np.array(v["bce_predictions"])
    assert p[0] < 0.5 < p[1] and p[3] < 0.5 < p[2] and tuple(p) != QUESTIONS.LECTURE["bce_predictions"]
    terms = reference("bce_table", v)["terms"]
    np.testing.assert_allclose(terms, -np.log([p[0], 1 - p[1], p[2], 1 - p[3]]), rtol=1e-12)


# ---------------------------------------------------------------- deriving dL/dz, predicting −log p

def test_the_bce_of_a_score_has_sympys_derivative_prediction_minus_target():
    import sympy

    z, y = sympy.symbols("z y", real=True)
    sigma = 1 / (1 + sympy.exp(-z))
    loss = -(y * sympy.log(sigma) + (1 - y) * sympy.log(1 - sigma))
    expected = sympy.sympify(reference("bce_score_derivative"), locals={"z": z, "y": y})
    assert sympy.simplify(sympy.diff(loss, z) - (sigma - y)) == 0
    assert sympy.simplify(expected - (sigma - y)) == 0


def test_the_derivation_matches_finite_differences_of_the_loss():
    from coursekit import losses

    z = np.linspace(-4, 4, 9)
    for y in (0.0, 1.0):
        def loss(s, y=y):
            return float(np.sum(losses.binary_cross_entropy(1 / (1 + np.exp(-s)), np.full_like(s, y),
                                                            reduction="none")))
        numeric = numerical_gradient(loss, z.copy())
        np.testing.assert_allclose(numeric, 1 / (1 + np.exp(-z)) - y, atol=1e-6)


@pytest.mark.parametrize("answer", ["1/(1 + exp(-z)) - y", "exp(z)/(1 + exp(z)) - y",
                                    "(1 - y - y*exp(-z))/(1 + exp(-z))"])
def test_every_form_of_prediction_minus_target_scores_full_marks(answer, judge):
    v = judge("bce_score_derivative", answer)
    assert v.correct and v.score == v.max_score


@pytest.mark.parametrize("answer, mistake", [
    ("-y*(1 + exp(-z)) + (1 - y)/(1 - 1/(1 + exp(-z)))", "stopped_at_p"),   # dL/dp, no σ′
    ("y - 1/(1 + exp(-z))", "reversed_residual"),                            # the slides' lost minus sign
    ("-y*(1 - 1/(1 + exp(-z)))", "one_term"),                                # only the y-term
])
def test_typical_wrong_derivations_are_diagnosed(answer, mistake, judge):
    v = judge("bce_score_derivative", answer)
    assert v.score == 0 and v.mistake == mistake
    assert "1/(1+exp(-z))-y" not in questions.get(f"{A}.bce_score_derivative").hint(mistake).replace(" ", "")


def test_an_unrecognised_wrong_derivation_scores_nothing_and_gets_the_rule(judge):
    v = judge("bce_score_derivative", "exp(-z)/(1 + exp(-z))**2 - y")
    assert v.score == 0


def test_the_prediction_of_the_cross_entropys_shape_matches_minus_log_p(judge):
    with np.errstate(divide="ignore"):
        ce = -np.log(np.array([1.0, 0.0]))
    assert ce[0] == 0 and ce[1] == np.inf
    p = np.array([0.9, 0.3, 0.07])
    np.testing.assert_allclose(-np.log(p / 2) - (-np.log(p)), np.log(2))   # the same step for any p
    assert reference("ce_shape") == {"certain_right": "zero", "certain_wrong": "infinite",
                                     "halving": "grows by the same amount"}
    v = judge("ce_shape", {"certain_right": "zero", "certain_wrong": "a large finite number",
                             "halving": "doubles"})
    assert v.score == pytest.approx(v.max_score / 3)


def test_blank_answers_to_the_derivation_and_the_prediction_score_nothing(judge):
    assert judge("bce_score_derivative", "...").score == 0
    assert judge("bce_score_derivative", None).score == 0
    assert judge("ce_shape", {"certain_right": "...", "certain_wrong": "...", "halving": "..."}).score == 0


@pytest.mark.parametrize("student", [None, "student5", "student42"])
def test_the_solutions_derivation_and_prediction_score_full_marks_for_every_student(student, monkeypatch, judge):
    monkeypatch.delenv("COURSEKIT_STUDENT_ID", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    nb = nbformat.read(ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    sources = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}
    namespace = {}
    for cell in ("a_bce_score_derivative", "a_ce_shape"):
        exec(sources[cell], namespace)
    for name, value in (("bce_score_derivative", namespace["dL_dz"]), ("ce_shape", namespace["ce_prediction"])):
        assert judge(name, value, student).correct


def test_the_notebook_asks_for_dl_dz_before_it_shows_prediction_minus_target():
    nb = nbformat.read(ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    before = nb.cells[:ids.index("q_bce_score_derivative")]
    for cell in before:
        text = cell.source.replace(" ", "")
        assert "p_i-y_i" not in text and "(Xw)-y" not in text and "σ(Xw)−y" not in text, cell.get("id")


# ---------------------------------------------------------------- deriving the cross-entropy's derivatives by the logits

def test_the_logit_derivatives_are_softmax_minus_one_hot_by_finite_differences():
    import sympy

    from coursekit import losses

    rng = np.random.default_rng(11)
    for _ in range(5):
        z = rng.normal(scale=2.0, size=3)
        numeric = numerical_gradient(lambda s: float(losses.cross_entropy(s[None, :], np.array([0]))), z.copy())
        values = {"z1": z[0], "z2": z[1], "z3": z[2]}
        for name, k in (("ce_logit_true", 0), ("ce_logit_other", 1)):
            expr = sympy.sympify(reference(name), locals={s: sympy.Symbol(s) for s in values})
            assert float(expr.subs(values)) == pytest.approx(numeric[k], abs=1e-6)


@pytest.mark.parametrize("name, answer", [
    ("ce_logit_true", "-(exp(z2) + exp(z3))/(exp(z1) + exp(z2) + exp(z3))"),
    ("ce_logit_true", "1/(1 + exp(z2 - z1) + exp(z3 - z1)) - 1"),
    ("ce_logit_other", "1/(1 + exp(z1 - z2) + exp(z3 - z2))"),
])
def test_any_form_of_the_logit_derivatives_scores_full_marks(name, answer, judge):
    assert judge(name, answer).correct


@pytest.mark.parametrize("name, answer, mistake", [
    ("ce_logit_true", "exp(z1)/(exp(z1) + exp(z2) + exp(z3))", "dropped_linear_term"),
    ("ce_logit_true", "1 - exp(z1)/(exp(z1) + exp(z2) + exp(z3))", "reversed"),
    ("ce_logit_other", "exp(z2)/(exp(z1) + exp(z2) + exp(z3)) - 1", "as_true_class"),
    ("ce_logit_other", "-exp(z2)/(exp(z1) + exp(z2) + exp(z3))", "reversed"),
])
def test_typical_wrong_logit_derivatives_are_diagnosed(name, answer, mistake, judge):
    v = judge(name, answer)
    assert v.score == 0 and v.mistake == mistake


def test_blank_logit_derivatives_score_nothing_and_the_solutions_score_full_marks(monkeypatch, judge):
    nb = nbformat.read(ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    sources = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}
    namespace = {}
    for cell in ("a_ce_logit_true", "a_ce_logit_other"):
        exec(sources[cell], namespace)
    for student in ("student8", "student9"):
        monkeypatch.setenv("COURSEKIT_STUDENT_ID", student)
        for name, key in (("ce_logit_true", "dL_dz1"), ("ce_logit_other", "dL_dz2")):
            record = json.loads(json.dumps(answer_record(f"{A}.{name}", namespace[key])))
            assert judge_record(record, student).correct
            assert judge(name, "...").score == 0


def test_the_notebook_asks_for_the_logit_derivatives_before_it_shows_the_softmax_gradient():
    nb = nbformat.read(ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    for cell in nb.cells[:ids.index("q_ce_logit_other")]:
        assert "softmax(XW)-Y" not in cell.source.replace(" ", "").replace("\\operatorname{softmax}", "softmax"), \
            cell.get("id")
