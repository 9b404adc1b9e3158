"""Assignment 08_mlp: its references against closed forms, torch and coursekit.layers.Dropout.

Answers are judged through the same record → judge path as ``check()``.
"""
from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest

from autograder import questions
from autograder.checks import answer_record, judge_record
from autograder.student import parameters

A = "08_mlp"
ROOT = Path(__file__).resolve().parents[1]
Q = importlib.import_module(f"autograder.questions.{A}")                # what the assignment declares
NET = importlib.import_module(f"autograder.questions.{A}.networks")     # sections 1-6
CAP = importlib.import_module(f"autograder.questions.{A}.capstone")     # section 7


# ---------------------------------------------------------------- closed forms and the lecture

def test_collapse_reference_equals_the_closed_form():
    rng = np.random.default_rng(0)
    W1, b1, W2, b2 = rng.normal(size=(4, 6)), rng.normal(size=6), rng.normal(size=(6, 3)), rng.normal(size=3)
    W, b = NET.reference_collapse(W1, b1, W2, b2)
    np.testing.assert_allclose(W, W1 @ W2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b, b1 @ W2 + b2, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("weights, bound", [((1.0,) * 10, 0.25 ** 10), ((4.0, -4.0, 4.0), 1.0),
                                            ((2.0, -0.5, 1.5, 3.0, -1.0, 0.8), 3.6 * 0.25 ** 6)])
def test_sigmoid_chain_is_the_product_of_a_quarter_of_each_weight(weights, bound):
    assert NET.sigmoid_chain({"chain_weights": weights}) == pytest.approx(bound, rel=1e-13)


def test_no_chain_of_sigmoids_multiplies_a_gradient_more_than_its_bound():
    rng = np.random.default_rng(0)
    weights = (2.0, -0.5, 1.5, 3.0, -1.0, 0.8)
    largest = 0.0
    for a in rng.normal(scale=2.0, size=(2000, len(weights))):   # pre-activations of each layer
        s = 1 / (1 + np.exp(-a))
        largest = max(largest, abs(np.prod(np.array(weights) * s * (1 - s))))
    assert largest <= NET.sigmoid_chain({"chain_weights": weights}) + 1e-15
    assert largest > 0.5 * NET.sigmoid_chain({"chain_weights": weights})


def test_image_weights_reproduce_the_lectures_200_by_200_example():
    assert NET.image_weights(Q.LECTURE) == 1.44e10


@pytest.mark.parametrize("student", [None, "grace", "heidi"])
def test_image_weights_count_every_input_number_times_every_unit(student):
    v = parameters(A, student)
    assert NET.image_weights(v) == v["height"] * v["width"] * 3 * v["units"]


def test_count_parameters_reference_equals_the_closed_form():
    for sizes in ([2, 16, 16, 1], [784, 256, 10], [5, 5]):
        expected = sum(n * m + m for n, m in zip(sizes[:-1], sizes[1:]))
        assert NET.reference_count_parameters(sizes) == expected


# ---------------------------------------------------------------- against torch

def test_bce_reference_matches_torch(torch):
    rng = np.random.default_rng(1)
    z, y = rng.normal(size=(7, 1)) * 4, rng.integers(0, 2, size=(7, 1)).astype(float)
    t = torch.tensor(z, requires_grad=True)
    value = torch.nn.functional.binary_cross_entropy_with_logits(t, torch.tensor(y))
    value.backward()
    ours, grad = NET.bce_value_and_gradient(z, y)
    assert ours == pytest.approx(value.item(), rel=1e-12)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-12)


def test_sequential_reference_matches_torch_autograd(torch):
    # the test cells' network: Scale(s1) -> Sine -> Scale(s2), elementwise
    rng = np.random.default_rng(2)
    x, g = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    s1, s2 = rng.normal(size=3), rng.normal(size=3)
    y, grad_in, grads = NET.reference_sequential(x, g, s1, s2)
    params = [torch.tensor(s, requires_grad=True) for s in (s1, s2)]
    xt = torch.tensor(x, requires_grad=True)
    out = torch.sin(xt * params[0]) * params[1]
    out.backward(torch.tensor(g))
    np.testing.assert_allclose(y, out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(grad_in, xt.grad.numpy(), rtol=1e-10)
    for ours, theirs in zip(grads, params):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_train_reference_matches_full_batch_gradient_descent_in_torch(torch):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, 2))
    y = np.sin(X[:, ::-1])
    s1, s2 = rng.normal(size=2), rng.normal(size=2)
    losses = NET.reference_train(X, y, s1, s2, 0.05, 8)
    params = [torch.tensor(s, requires_grad=True) for s in (s1, s2)]
    optimizer = torch.optim.SGD(params, lr=0.05)
    expected = []
    for _ in range(8):
        optimizer.zero_grad()
        loss = 0.5 * torch.sum((torch.sin(torch.tensor(X) * params[0]) * params[1] - torch.tensor(y)) ** 2)
        loss.backward()
        optimizer.step()
        expected.append(loss.item())
    np.testing.assert_allclose(losses, expected, rtol=1e-10)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_reference_matches_coursekit_dropout_with_the_same_mask(p):
    from coursekit.layers import Dropout

    rng = np.random.default_rng(4)
    x, g = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    layer = Dropout(p, rng=7)
    keep = np.random.default_rng(7).random(x.shape) >= p
    y, grad_in = NET.reference_dropout(x, g, keep, p)
    np.testing.assert_allclose(y, layer.forward(x), rtol=1e-15)
    np.testing.assert_allclose(grad_in, layer.backward(g), rtol=1e-15)


# ---------------------------------------------------------------- the questions as students meet them

def test_a_self_reported_accuracy_earns_nothing(judge):
    result = judge("test_accuracy", {"circles": 1, "xor": 1, "moons": 1})
    assert result.score == 0 and result.mistake == "wrong_type"


def test_a_trained_classifier_earns_the_points_on_points_the_grader_draws(judge):
    predict = NET.reference_predictor(parameters(A)["seed"])
    assert judge("test_accuracy", predict).correct


def test_the_accuracy_is_measured_per_data_set_against_labels_the_students_code_never_sees(judge):
    predict = NET.reference_predictor(parameters(A)["seed"])
    seen = []

    def spy(name, X):   # a classifier right on circles and moons, guessing on xor
        seen.append((name, X))
        return predict(name, X) if name != "xor" else np.zeros(len(X), dtype=int)

    result = judge("test_accuracy", spy)
    assert result.score == pytest.approx(2 * 2 / 3)
    assert [p.name for p in result.parts if not p.correct] == ["xor"] and "accuracy 0." in result.text()
    assert [name for name, _ in seen] == list(NET.DATASETS)
    assert all(isinstance(X, np.ndarray) and X.shape == (NET.HIDDEN_POINTS, 2) for _, X in seen)


def test_the_hidden_points_are_drawn_afresh_for_every_grading_run():
    q = questions.get(f"{A}.test_accuracy")
    first = NET._accuracy_trials(np.random.default_rng(1), parameters(A))
    second = NET._accuracy_trials(np.random.default_rng(2), parameters(A))
    assert not np.allclose(first[0][1], second[0][1])
    assert q.inputs is NET._accuracy_trials


def test_a_prediction_of_the_wrong_size_is_told_so(judge):
    result = judge("test_accuracy", lambda name, X: np.zeros(3))
    assert result.score == 0 and result.mistake == "wrong_shape"


@pytest.mark.parametrize("name, tag", [
    ("collapse", "forgot_b1"), ("sigmoid_chain", "one_layer"), ("sigmoid_chain", "without_weights"),
    ("train", "loss_after_update"),
    ("dropout", "unscaled"), ("count_parameters", "weights_only"), ("image_weights", "one_channel"),
    ("image_weights", "with_biases"),
])
def test_declared_mistakes_are_recognised_with_their_hint(name, tag, judge):
    q = questions.get(f"{A}.{name}")
    result = judge(name, q.mistakes[tag](parameters(A)))
    assert result.score == 0 and result.mistake == tag and q.hints[tag] in result.hint


@pytest.mark.parametrize("student", [None, "grace"])
def test_reference_answers_score_full_marks_for_each_student(student, judge):
    for qid, q in questions.for_assignment(A).items():
        result = judge(q.name, q.reference(parameters(A, student)), student)
        assert result.score == q.points, (qid, result.text())


@pytest.mark.parametrize("seed", Q.VARIANTS["space"]["seed"][:8])
def test_the_dropout_demo_shows_what_its_text_says_for_every_seed(seed):
    from coursekit import data, layers, optim

    X, y = data.moons(300, noise=0.3, rng=seed)
    y = y.reshape(-1, 1).astype(float)
    final, lowest = {}, {}
    for dropout in (False, True):
        stack = [layers.Linear(2, 32, rng=0), layers.ReLU(), *([layers.Dropout(0.5, rng=1)] * dropout),
                 layers.Linear(32, 32, rng=2), layers.ReLU(), *([layers.Dropout(0.5, rng=3)] * dropout),
                 layers.Linear(32, 1, rng=4)]
        net, bce = layers.Sequential(*stack), layers.BCEWithLogitsLoss()
        adam, val = optim.Adam(net.parameters(), lr=0.01), []
        for _ in range(1000):
            bce.forward(net.train().forward(X[:100]), y[:100])
            net.backward(bce.backward())
            adam.step(net.gradients())
            val.append(bce.forward(net.eval().forward(X[100:]), y[100:]))
        final[dropout], lowest[dropout] = val[-1], min(val)
    assert final[False] > 2 * lowest[False]          # without dropout the validation loss climbs
    assert final[True] < final[False]                # with dropout far less


@pytest.mark.parametrize("seed", Q.VARIANTS["space"]["seed"][:8])
def test_polar_features_make_the_circles_linearly_separable_as_the_notebook_shows(seed):
    from coursekit import data, layers, optim, train

    X, y = data.circles(400, noise=0.1, rng=seed)
    y = y.reshape(-1, 1).astype(float)
    accuracy = {}
    for name, features in (("cartesian", X), ("polar", np.column_stack([np.hypot(*X.T), np.arctan2(X[:, 1], X[:, 0])]))):
        model = layers.Linear(2, 1, rng=0)
        train.fit(model, layers.BCEWithLogitsLoss(), optim.Adam(model.parameters(), lr=0.05), features[:200], y[:200],
                  epochs=500, batch_size=None)
        accuracy[name] = np.mean((model.forward(features[200:]) > 0) == (y[200:] > 0.5))
    assert accuracy["cartesian"] < 0.7 and accuracy["polar"] > 0.95


# ---------------------------------------------------------------- the capstone's softmax cross-entropy

def test_softmax_cross_entropy_reference_gives_the_lectures_softmax_probabilities():
    # lecture 001: softmax(7, -7.5, 10) ≈ (0.0474, 2.4e-8, 0.9526); the loss of class k is -log p_k
    z = np.array([[7.0, -7.5, 10.0]])
    for k, p in enumerate((0.0474, 2.4e-8, 0.9526)):
        value, _ = CAP.reference_softmax_cross_entropy(z, [k])
        assert np.exp(-value) == pytest.approx(p, rel=5e-3)   # the lecture rounds to 2-3 digits


def test_softmax_cross_entropy_gradient_matches_finite_differences():
    from coursekit.gradcheck import TOLERANCE, check_loss

    rng = np.random.default_rng(5)
    z, y = rng.normal(size=(6, 10)) * 3, rng.integers(0, 10, size=6)
    pair = (lambda t, c: CAP.reference_softmax_cross_entropy(t, c)[0],
            lambda t, c: CAP.reference_softmax_cross_entropy(t, c)[1])
    assert check_loss(pair, z, y) < TOLERANCE


def test_softmax_cross_entropy_stays_finite_for_huge_logits():
    value, grad = CAP.reference_softmax_cross_entropy(np.array([[1000.0, -1000.0, 0.0]]), [1])
    assert value == pytest.approx(2000.0) and np.all(np.isfinite(grad))


def test_softmax_cross_entropy_reference_matches_torch(torch):
    rng = np.random.default_rng(6)
    z, y = rng.normal(size=(7, 4)) * 4, rng.integers(0, 4, size=7)
    t = torch.tensor(z, requires_grad=True)
    value = torch.nn.functional.cross_entropy(t, torch.tensor(y))
    value.backward()
    ours, grad = CAP.reference_softmax_cross_entropy(z, y)
    assert ours == pytest.approx(value.item(), rel=1e-12)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-10, atol=1e-15)


# ---------------------------------------------------------------- the capstone's predictions

def _capstone_judge(name, predict, student=None):
    return judge_record(answer_record(f"{A}.{name}", predict), student)


def test_a_constant_predictor_fails_the_capstone():
    result = _capstone_judge("capstone_regression", lambda X, y, X_new: np.zeros(len(X_new)))
    assert result.score == 0 and not result.correct
    result = _capstone_judge("capstone_digits", lambda X: np.zeros(len(X)))
    assert result.score == 0 and not result.correct


def test_a_random_digit_predictor_fails_and_is_told_its_accuracy():
    rng = np.random.default_rng(0)
    result = _capstone_judge("capstone_digits", lambda X: rng.integers(0, 10, size=len(X)))
    assert result.score == 0 and "accuracy 0." in result.text()


def test_fitting_the_graders_noisy_samples_passes_the_regression():
    assert _capstone_judge("capstone_regression", CAP.reference_fit_and_predict).correct


def test_the_students_own_curve_earns_nothing_the_grader_sets_a_curve_of_its_own():
    # the forgery of a predictor that computes the curve instead of learning it: the student's
    # seed's curve is public, the grader's is drawn for the run and never reaches the kernel
    from coursekit.data import sigmoid_curve

    seed = parameters(A)["seed"]
    result = _capstone_judge("capstone_regression", lambda X, y, X_new: sigmoid_curve(X_new[:, 0], seed))
    assert result.score == 0 and "mean squared error" in result.text()


def test_the_graders_curves_all_vary_enough_that_a_constant_is_far_from_passing():
    from coursekit.data import sigmoid_curve

    grid = np.linspace(-3, 3, 601)
    for seed in range(50):
        curve, *_ = CAP._regression_case(np.random.default_rng(seed))
        assert np.var(sigmoid_curve(grid, curve)) >= 10 * CAP.MAX_REGRESSION_MSE, seed


def test_predictions_off_by_the_datas_noise_pass_and_shifted_ones_fail():
    from coursekit.data import sigmoid_curve

    q, v = questions.get(f"{A}.capstone_regression"), parameters(A)
    curve, _, _, X_new = CAP._regression_case(np.random.default_rng(11))
    truth = sigmoid_curve(X_new[:, 0], curve)
    noisy = truth + 0.1 * np.random.default_rng(1).standard_normal(len(truth))
    assert CAP._score_regression(q, [noisy], v, 11)[0].correct
    shifted = CAP._score_regression(q, [truth + 0.3], v, 11)[0]
    assert not shifted.correct and "mean squared error" in shifted.message


def test_the_kernel_gets_samples_and_points_only_drawn_afresh_for_every_run():
    v = parameters(A)
    (X, y, X_new), = CAP._regression_trials(np.random.default_rng(1), v)
    (X2, _, _), = CAP._regression_trials(np.random.default_rng(2), v)
    assert X.shape == y.shape == (CAP.REGRESSION_SAMPLES, 1) and X_new.shape == (CAP.REGRESSION_POINTS, 1)
    assert all(isinstance(a, np.ndarray) and a.dtype == float for a in (X, y, X_new))   # no curve id
    assert not np.array_equal(X, X2)
    (images,), = CAP._digits_trials(np.random.default_rng(1), v)
    (other,), = CAP._digits_trials(np.random.default_rng(2), v)
    assert images.shape == (CAP.DIGITS_HIDDEN, 64) and not np.array_equal(images, other)
    assert questions.get(f"{A}.capstone_digits").inputs is CAP._digits_trials


def test_the_hidden_digits_are_test_images_the_same_for_everyone_and_never_trained_on():
    from coursekit import data

    X, _ = data.load_digits()
    for seed in (0, 5):
        train, val, test = CAP.digits_split(seed)
        assert sorted(np.concatenate([train, val, test]).tolist()) == list(range(1797))
        assert np.array_equal(test, CAP.digits_split(7)[2]) and not np.array_equal(train, CAP.digits_split(7)[0])
        (images,), = CAP._digits_trials(np.random.default_rng(3), {"seed": seed})
        rows = [int(np.flatnonzero(np.all(X == image, axis=1))[0]) for image in images[:50]]
        # identical images may occur twice in the data; every one sent is a test image's twin
        assert all(np.any(np.all(X[test] == X[r], axis=1)) for r in rows)


def test_the_notebooks_digits_split_is_the_graders():
    import nbformat

    nb = nbformat.read(ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    source = next(c.source for c in nb.cells if "train_rows, val_rows =" in c.source)
    setup = source[:source.index("fig, ax")]
    import coursekit.data

    for seed in (0, 3, 7):
        namespace = {"np": np, "coursekit": coursekit, "P": {"seed": seed}}
        exec(setup, namespace)
        train, val, test = CAP.digits_split(seed)
        assert np.array_equal(namespace["train_rows"], train) and np.array_equal(namespace["test_rows"], test)
        assert np.array_equal(namespace["val_rows"], val)


# ---------------------------------------------------------------- my_layers.py: the student's own module

def _cell(cell_id):
    import nbformat

    nb = nbformat.read(ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    return next(c.source for c in nb.cells if c.get("id") == cell_id)


def _solution_layers() -> str:
    """The solution's 06 and 07 classes as a filled my_layers.py would hold them."""
    source = _cell("a-own-layers")
    region = source[source.index("### BEGIN SOLUTION") + 19:source.index("### END SOLUTION")]
    return "import numpy as np\n\n" + region


@pytest.fixture
def importer(tmp_path, monkeypatch):
    """The notebook's import_my_layers and checked_layers, run in an empty folder (the notebook's)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(__import__("sys").modules, "my_layers", raising=False)
    namespace = {"np": np}
    exec(_cell("setup-my-layers"), namespace)
    return namespace


def _load(importer):
    return importer["checked_layers"](importer["import_my_layers"]())


def test_the_released_my_layers_is_the_sources_template_and_holds_no_solution():
    released = (ROOT / "notebooks" / A / "my_layers.py").read_text()
    assert released == (ROOT / "solutions" / A / "my_layers.py").read_text()
    for line in ('return self.x @ self.params["W"] + self.params["b"]', "np.maximum(self.x, 0.0)",
                 "m_hat / (np.sqrt(v_hat) + self.eps)"):
        assert line in _solution_layers() and line not in released


def test_a_missing_my_layers_file_is_named_with_where_it_was_looked_for(importer, tmp_path):
    with pytest.raises(importer["MyLayersError"], match="there is no my_layers.py beside this notebook"):
        _load(importer)


def test_the_released_template_is_reported_as_not_filled_in_naming_the_first_class(importer, tmp_path):
    (tmp_path / "my_layers.py").write_text((ROOT / "notebooks" / A / "my_layers.py").read_text())
    with pytest.raises(importer["MyLayersError"], match=r"Linear in my_layers.py is not filled in yet.*06_backprop"):
        _load(importer)


def test_a_filled_my_layers_passes_and_its_own_classes_are_returned(importer, tmp_path, capsys):
    (tmp_path / "my_layers.py").write_text(_solution_layers())
    classes = _load(importer)
    assert [c.__name__ for c in classes] == ["Linear", "ReLU", "Sigmoid", "Adam"]
    assert all(c.__module__ == "my_layers" for c in classes)
    assert "pass their checks" in capsys.readouterr().out


def test_the_template_filled_with_the_solution_passes_too(importer, tmp_path):
    # the template's own Optimizer base class with the 07 update rule: what a student fills in
    template = (ROOT / "solutions" / A / "my_layers.py").read_text()
    classes = _solution_layers().split("class Adam")[0]
    adam = ('        beta1, beta2 = self.betas\n'
            '        state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * grad\n'
            '        state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * grad ** 2\n'
            '        m_hat = state["m"] / (1 - beta1 ** state["t"])\n'
            '        v_hat = state["v"] / (1 - beta2 ** state["t"])\n'
            '        param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)\n')
    filled = classes + template[template.index("class Optimizer"):].replace(
        '        raise NotImplementedError("paste your Adam.update from 07_optimizers")\n', adam)
    (tmp_path / "my_layers.py").write_text(filled)
    assert len(_load(importer)) == 4


def test_coursekits_layers_in_my_layers_are_refused(importer, tmp_path):
    (tmp_path / "my_layers.py").write_text("from coursekit.layers import Linear, ReLU, Sigmoid\n"
                                           "from coursekit.optim import Adam\n")
    with pytest.raises(importer["MyLayersError"], match="Linear in my_layers.py is coursekit's, not yours"):
        _load(importer)


@pytest.mark.parametrize("slip, named", [
    ('self.grads["b"] = grad_out.sum(axis=0)', "Linear in my_layers.py backward"),
    ("return grad_out * (self.x > 0)", "ReLU in my_layers.py backward"),
    ("return grad_out * self.out * (1 - self.out)", "Sigmoid in my_layers.py backward"),
    ("param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)", "Adam in my_layers.py does not take"),
])
def test_a_wrong_class_is_named_with_what_it_gets_wrong(importer, tmp_path, slip, named):
    source = _solution_layers()
    assert slip in source
    wrong = {'self.grads["b"] = grad_out.sum(axis=0)': 'self.grads["b"] = grad_out.mean(axis=0)',
             "return grad_out * (self.x > 0)": "return grad_out * (self.x >= 0)",
             "return grad_out * self.out * (1 - self.out)": "return grad_out * self.out",
             "param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)": "param -= self.lr * m_hat"}[slip]
    (tmp_path / "my_layers.py").write_text(source.replace(slip, wrong))
    with pytest.raises(importer["MyLayersError"], match=named):
        _load(importer)


def test_an_edit_of_my_layers_counts_at_the_next_import_without_a_restart(importer, tmp_path):
    path = tmp_path / "my_layers.py"
    path.write_text(_solution_layers().replace("return np.maximum(self.x, 0.0)", "return self.x"))
    with pytest.raises(importer["MyLayersError"], match="ReLU in my_layers.py forward"):
        _load(importer)
    path.write_text(_solution_layers())
    assert len(_load(importer)) == 4


# ---------------------------------------------------------------- slow: my_layers.py through the grader

@pytest.mark.slow
def test_a_submission_importing_its_own_my_layers_is_graded_with_it_and_one_without_is_told_why(tmp_path):
    import nbformat
    from test_course import _course, _run, _scores

    course = _course(tmp_path, A)
    notebook = nbformat.read(ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.get("id") == "a-own-layers":   # what a student writes once my_layers.py is filled
            cell.source = "my_layers = import_my_layers()\nLinear, ReLU, Sigmoid, Adam = checked_layers(my_layers)"
    for student, with_file in (("imports_its_file", True), ("forgot_its_file", False)):
        target = course / "submitted" / student / A
        target.mkdir(parents=True)
        nbformat.write(notebook, target / f"{A}.ipynb")
        if with_file:
            (target / "my_layers.py").write_text(_solution_layers())
    _run(["nbgrader", "autograde", A, "--force"], course)

    scores = _scores(course, A, "imports_its_file")
    assert all(s[0] == pytest.approx(s[1]) for s in scores.values()), scores
    missing = _scores(course, A, "forgot_its_file")
    assert missing["q_capstone_digits"][0] == 0 and missing["q_Tanh"][0] == pytest.approx(missing["q_Tanh"][1])
    graded = nbformat.read(course / "autograded" / "forgot_its_file" / A / f"{A}.ipynb", as_version=4)
    told = [o for c in graded.cells if c.get("id") == "a-own-layers" for o in c.outputs if o.output_type == "error"]
    assert told and told[0].ename == "MyLayersError" and "no my_layers.py beside this notebook" in told[0].evalue
