"""gd: the pen-and-paper exercise, momentum against torch, closed forms, mini-batches, bad input."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit.gd import gradient_descent, minibatch_gradient_descent


def quadratic_grad(beta):
    """f(β) = 5β² − 3β + 2 ⇒ f′(β) = 10β − 3."""
    return 10 * beta - 3


def exact_iterates(lr, steps=3, beta=Fraction(4)):
    """The exercise done in exact rational arithmetic, as on paper."""
    out = [beta]
    for _ in range(steps):
        beta = beta - Fraction(lr) * quadratic_grad(beta)
        out.append(beta)
    return [float(b) for b in out]


@pytest.mark.parametrize(
    "lr, lecture",
    [(1, [-33, 300, -2697]), ("0.01", [3.63, 3.297, 2.9973]), ("0.1", [0.3, 0.3, 0.3])],
)
def test_pen_and_paper_exercise(lr, lecture):
    iterates = gradient_descent(quadratic_grad, 4.0, float(lr), steps=3)
    assert iterates.shape == (4,) and iterates.dtype == np.float64
    np.testing.assert_allclose(iterates, exact_iterates(lr), rtol=1e-13)
    np.testing.assert_allclose(iterates[1:], lecture, rtol=1e-13)


def test_slide_values_for_learning_rate_one_carry_one_sign_slip():
    # The slide computes −33 − (−330 − 3) as −300 (the slip), then −300 − (−3000 − 3) = 2703 correctly.
    assert -33 - (-330 - 3) == 300
    assert -300 - (10 * -300 - 3) == 2703
    assert gradient_descent(quadratic_grad, 4.0, 1.0, 3)[2:].tolist() == [300.0, -2697.0]


def test_vector_iterates_follow_the_closed_form_on_a_diagonal_quadratic():
    # f(x) = ½ Σ λᵢ xᵢ² ⇒ xᵢ⁽ᵗ⁾ = (1 − αλᵢ)ᵗ xᵢ⁽⁰⁾.
    lam, x0, lr = np.array([1.0, 20.0]), np.array([-4.0, 1.5]), 0.08
    iterates = gradient_descent(lambda x: lam * x, x0, lr, steps=25)
    assert iterates.shape == (26, 2)
    expected = (1 - lr * lam) ** np.arange(26)[:, None] * x0
    np.testing.assert_allclose(iterates, expected, rtol=1e-12)


def test_first_momentum_step_is_a_plain_gradient_step():
    with_momentum = gradient_descent(quadratic_grad, 4.0, 0.01, steps=2, momentum=0.9)
    plain = gradient_descent(quadratic_grad, 4.0, 0.01, steps=1)
    assert with_momentum[1] == plain[1]
    x0, x1 = with_momentum[:2]
    assert with_momentum[2] == pytest.approx(x1 - 0.01 * quadratic_grad(x1) + 0.9 * (x1 - x0), rel=1e-15)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_matches_torch_sgd(nesterov, torch):
    A = np.array([[3.0, 0.5], [0.5, 1.0]])
    grad = lambda x: A @ x  # noqa: E731  (f(x) = ½ xᵀAx)
    lr, mu, x0 = 0.1, 0.8, np.array([2.0, -1.0])
    ours = gradient_descent(grad, x0, lr, steps=40, momentum=mu, nesterov=nesterov)

    p = torch.tensor(x0, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=mu, nesterov=nesterov)
    theirs = [x0.copy()]
    for _ in range(40):
        opt.zero_grad()
        (0.5 * p @ torch.tensor(A) @ p).backward()
        opt.step()
        theirs.append(p.detach().numpy().copy())
    theirs = np.array(theirs)
    if nesterov:
        # torch stores the look-ahead point x⁽ᵗ⁾ + η(x⁽ᵗ⁾ − x⁽ᵗ⁻¹⁾) of the lecture's form.
        ours = ours + mu * np.diff(ours, axis=0, prepend=ours[:1])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def lecture_h_form(grad, w0, lr, momentum, steps, nesterov):
    """The second lecture's form: hₜ = αhₜ₋₁ + ηₜ gₜ, wᵗ = wᵗ⁻¹ − hₜ (g at wᵗ⁻¹ − αhₜ₋₁ for Nesterov)."""
    w, h, out = np.asarray(w0, dtype=float), 0.0, [np.asarray(w0, dtype=float)]
    for _ in range(steps):
        h = momentum * h + lr * grad(w - momentum * h if nesterov else w)
        w = w - h
        out.append(w)
    return np.array(out)


@settings(max_examples=20, deadline=None)
@given(
    lr=st.floats(0.0, 0.15),
    momentum=st.floats(0.0, 0.95),
    start=st.lists(st.floats(-5, 5), min_size=2, max_size=2),
    nesterov=st.booleans(),
)
def test_heavy_ball_form_equals_the_lectures_h_form(lr, momentum, start, nesterov):
    A = np.array([[4.0, 1.0], [1.0, 2.0]])
    grad = lambda w: A @ w - np.array([1.0, -1.0])  # noqa: E731
    ours = gradient_descent(grad, start, lr, 30, momentum=momentum, nesterov=nesterov)
    np.testing.assert_allclose(ours, lecture_h_form(grad, start, lr, momentum, 30, nesterov), rtol=1e-9, atol=1e-12)


def test_nesterov_without_momentum_is_plain_gradient_descent():
    plain = gradient_descent(quadratic_grad, 4.0, 0.05, 10)
    np.testing.assert_array_equal(gradient_descent(quadratic_grad, 4.0, 0.05, 10, nesterov=True), plain)


def test_momentum_speeds_up_the_slow_direction_of_an_ill_conditioned_quadratic():
    # Plain GD contracts the λ = 1 direction by 1 − αλ = 0.965 a step; the heavy ball's
    # characteristic roots z² − (1 + η − αλ)z + η = 0 give about 0.893 (theory: ~75× smaller after 60 steps).
    lam = np.array([1.0, 50.0])
    grad = lambda x: lam * x  # noqa: E731
    plain = gradient_descent(grad, np.array([5.0, 1.0]), 0.035, 60)
    heavy = gradient_descent(grad, np.array([5.0, 1.0]), 0.035, 60, momentum=0.6)
    assert np.linalg.norm(heavy[-1]) < 0.05 * np.linalg.norm(plain[-1])


def test_tol_stops_after_the_first_small_step():
    # α = 0.1 lands on 0.3 at once; the next step has length 0 < ε.
    np.testing.assert_allclose(gradient_descent(quadratic_grad, 4.0, 0.1, steps=100, tol=1e-9), [4.0, 0.3, 0.3])
    iterates = gradient_descent(quadratic_grad, 4.0, 0.01, steps=10_000, tol=1e-3)
    step_lengths = np.abs(np.diff(iterates))
    assert step_lengths[-1] < 1e-3 and np.all(step_lengths[:-1] >= 1e-3)


def test_zero_steps_returns_the_start_and_inputs_are_not_modified():
    x0 = np.array([1.0, 2.0])
    result = gradient_descent(lambda x: x, x0, 0.5, 0)
    assert result.shape == (1, 2) and result[0].tolist() == [1.0, 2.0]
    gradient_descent(lambda x: x, x0, 0.5, 5)
    assert x0.tolist() == [1.0, 2.0]


def test_scalar_start_gives_the_gradient_a_scalar():
    seen = []
    gradient_descent(lambda b: seen.append(np.ndim(b)) or 10 * b - 3, 4, 0.1, 2)
    assert seen == [0, 0]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(lr=-0.1), ValueError, "lr must be a finite number >= 0, got -0.1"),
        (dict(lr=float("inf")), ValueError, "lr must be a finite number >= 0"),
        (dict(lr=float("nan")), ValueError, "lr must not be NaN"),
        (dict(lr="0.1"), TypeError, "lr must be a real number"),
        (dict(steps=2.5), TypeError, "steps must be an integer"),
        (dict(steps=True), TypeError, "steps must be an integer"),
        (dict(steps=-1), ValueError, "steps must be an integer >= 0, got -1"),
        (dict(momentum=-0.5), ValueError, "momentum must be a finite number >= 0"),
        (dict(momentum=[0.9]), TypeError, "momentum must be a real number"),
        (dict(tol=0.0), ValueError, "tol must be a finite number > 0"),
        (dict(nesterov="yes"), TypeError, "nesterov must be True or False"),
        (dict(x0="4"), TypeError, "x0 must be a real number"),
        (dict(grad=lambda b: np.array([1.0, 2.0])), ValueError,
         r"grad returned shape \(2,\), but the iterate has shape \(\)"),
        (dict(grad=lambda b: "up"), TypeError, "the result of grad must be a real number"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(kwargs, error, message):
    arguments = dict(grad=quadratic_grad, x0=4.0, lr=0.1, steps=3) | kwargs
    with pytest.raises(error, match=message):
        gradient_descent(**arguments)


# --------------------------------------------------------------------------- mini-batches
def _regression(n=12, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.uniform(-1, 1, n)])
    return X, X @ np.array([0.5, -2.0])


def mse_batch_grad(w, X_batch, y_batch):
    return 2.0 / len(y_batch) * X_batch.T @ (X_batch @ w - y_batch)


def test_full_batch_is_gradient_descent():
    X, y = _regression()
    batch = minibatch_gradient_descent(mse_batch_grad, np.zeros(2), X, y, lr=0.1, epochs=30, batch_size=len(X), rng=0)
    full = gradient_descent(lambda w: mse_batch_grad(w, X, y), np.zeros(2), 0.1, 30)
    np.testing.assert_allclose(batch, full, rtol=1e-12, atol=1e-15)


def test_batch_size_one_without_shuffling_is_the_sgd_loop_in_order():
    X, y = _regression(n=5)
    w, expected = np.zeros(2), [np.zeros(2)]
    for _ in range(3):
        for i in range(len(X)):
            w = w - 0.05 * 2 * X[i] * (X[i] @ w - y[i])
            expected.append(w)
    result = minibatch_gradient_descent(mse_batch_grad, [0.0, 0.0], X, y, 0.05, 3, 1, rng=0, shuffle=False)
    np.testing.assert_allclose(result, expected, rtol=1e-13)


def test_each_epoch_visits_every_sample_once_in_batches_of_m():
    X, y = np.arange(10.0)[:, None], np.arange(10.0)
    batches = []

    def record(w, Xb, yb):
        batches.append(yb.copy())
        return np.zeros_like(w)

    iterates = minibatch_gradient_descent(record, [0.0], X, y, 0.1, epochs=2, batch_size=4, rng=3)
    assert iterates.shape == (1 + 2 * 3, 1)
    assert [len(b) for b in batches] == [4, 4, 2, 4, 4, 2]
    for epoch in (batches[:3], batches[3:]):
        assert sorted(np.concatenate(epoch).tolist()) == list(range(10))
    assert not np.array_equal(np.concatenate(batches[:3]), np.arange(10.0))  # shuffled


def test_runs_are_reproducible_for_a_seed_and_differ_between_seeds():
    X, y = _regression()
    run = lambda rng: minibatch_gradient_descent(mse_batch_grad, np.zeros(2), X, y, 0.1, 3, 2, rng=rng)  # noqa: E731
    np.testing.assert_array_equal(run(7), run(7))
    np.testing.assert_array_equal(run(np.random.default_rng(7)), run(7))
    assert not np.array_equal(run(7), run(8))


def test_sgd_reaches_the_exact_solution_on_noise_free_data():
    X, y = _regression(n=40)
    iterates = minibatch_gradient_descent(mse_batch_grad, np.zeros(2), X, y, 0.1, 60, 1, rng=1)
    np.testing.assert_allclose(iterates[-1], np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-8)


def test_minibatch_tol_stops_early():
    X, y = _regression()
    iterates = minibatch_gradient_descent(mse_batch_grad, np.zeros(2), X, y, 0.1, 500, 4, rng=0, tol=1e-6)
    assert len(iterates) < 1 + 500 * 3
    assert np.linalg.norm(iterates[-1] - iterates[-2]) < 1e-6


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(y=np.zeros(3)), ValueError, "X has 12 samples but y has 3"),
        (dict(X=1.0), ValueError, "X and y must be arrays with one entry per sample"),
        (dict(rng="seed"), TypeError, "rng must be a non-negative int seed"),
        (dict(tol=-1.0), ValueError, "tol must be a finite number > 0"),
        (dict(batch_size=0), ValueError, "batch_size must be a positive integer, got 0"),
        (dict(batch_size=13), ValueError, "batch_size must be between 1 and len"),
        (dict(epochs=1.0), TypeError, "epochs must be an integer"),
        (dict(lr=-1.0), ValueError, "lr must be a finite number >= 0"),
        (dict(w0=["a", "b"]), TypeError, "w0 must be a real number"),
        (dict(grad_fn=lambda w, Xb, yb: np.zeros(3)), ValueError, "grad_fn returned shape"),
    ],
)
def test_minibatch_bad_input_is_rejected(kwargs, error, message):
    X, y = _regression()
    arguments = dict(grad_fn=mse_batch_grad, w0=np.zeros(2), X=X, y=y, lr=0.1, epochs=1, batch_size=4, rng=0)
    with pytest.raises(error, match=message):
        minibatch_gradient_descent(**(arguments | kwargs))
