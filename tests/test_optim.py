"""coursekit.optim: torch.optim's rules exactly, the lecture's forms, clear errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit import optim
from coursekit.optim import OPTIMIZERS, SGD, Adagrad, Adam, AdamW, RMSprop

SHAPES = [(3,), (2, 4), ()]


def _start(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for shape in SHAPES]


def _gradients(params, step):
    """A non-linear, step-dependent gradient so diverging iterates show up at once."""
    rng = np.random.default_rng(1000 + step)
    return [np.asarray(np.sin(3 * p) + 0.5 * p**3 + rng.normal(scale=0.3, size=p.shape))
            for p in params]


CASES = [
    ("sgd", {"lr": 0.05}),
    ("sgd", {"lr": 0.03, "momentum": 0.9}),
    ("sgd", {"lr": 0.03, "momentum": 0.7, "dampening": 0.3}),
    ("sgd", {"lr": 0.02, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.1, "nesterov": True}),
    ("sgd", {"lr": 0.04, "weight_decay": 0.3}),
    ("adagrad", {}),
    ("adagrad", {"lr": 0.2, "lr_decay": 0.05}),
    ("adagrad", {"lr": 0.1, "weight_decay": 0.2, "initial_accumulator_value": 0.5, "eps": 1e-6}),
    ("rmsprop", {}),
    ("rmsprop", {"lr": 0.005, "alpha": 0.9, "centered": True}),
    ("rmsprop", {"lr": 0.003, "momentum": 0.8}),
    ("rmsprop", {"lr": 0.003, "momentum": 0.5, "centered": True, "weight_decay": 0.1, "eps": 1e-4}),
    ("adam", {}),
    ("adam", {"lr": 0.05, "betas": (0.8, 0.99)}),
    ("adam", {"lr": 0.02, "weight_decay": 0.1}),
    ("adam", {"lr": 0.02, "amsgrad": True, "eps": 1e-5}),
    ("adam", {"lr": 0.02, "betas": (0.0, 0.5), "amsgrad": True, "weight_decay": 0.05}),
    ("adamw", {}),
    ("adamw", {"lr": 0.03, "weight_decay": 0.3}),
    ("adamw", {"lr": 0.03, "weight_decay": 0.1, "amsgrad": True, "betas": (0.5, 0.9)}),
]

TORCH_NAMES = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam",
               "adamw": "AdamW"}


@pytest.mark.parametrize("name, hyper", CASES, ids=[f"{n}-{h}" for n, h in CASES])
def test_iterates_match_torch_optim_over_many_steps(name, hyper, torch):
    params = _start()
    tensors = [torch.tensor(p.copy(), dtype=torch.float64, requires_grad=True) for p in params]
    ours = OPTIMIZERS[name](params, **hyper)
    theirs = getattr(torch.optim, TORCH_NAMES[name])(tensors, **hyper)
    for step in range(60):
        ours.step(_gradients(params, step))
        torch_params = [t.detach().numpy() for t in tensors]
        for t, g in zip(tensors, _gradients(torch_params, step)):
            t.grad = torch.from_numpy(g)
        theirs.step()
    for p, t in zip(params, tensors):
        np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-9, atol=1e-13)
    # the iterates really moved (a rule that did nothing would not get here honestly)
    assert not np.allclose(np.concatenate([p.ravel() for p in params]),
                           np.concatenate([p.ravel() for p in _start()]))


def _random_hyperparameters(draw, name):
    unit = st.floats(0.0, 0.99)
    hyper = {"lr": draw(st.floats(1e-4, 0.1)), "weight_decay": draw(st.sampled_from([0.0, 0.05, 0.3]))}
    if name == "sgd":
        hyper["momentum"] = draw(st.sampled_from([0.0, 0.5, 0.9]))
        hyper["nesterov"] = hyper["momentum"] > 0 and draw(st.booleans())
        hyper["dampening"] = 0.0 if hyper["nesterov"] else draw(st.sampled_from([0.0, 0.2]))
    elif name == "adagrad":
        hyper.update(lr_decay=draw(st.floats(0.0, 0.1)), eps=draw(st.sampled_from([1e-10, 1e-6])),
                     initial_accumulator_value=draw(st.floats(0.0, 1.0)))
    elif name == "rmsprop":
        # α near 0 makes the centred variance v − m̄² a cancellation of two equal numbers,
        # where rounding (torch fuses the multiply-add) alone differs by more than 1e-9
        hyper.update(alpha=draw(st.floats(0.5, 0.99)), momentum=draw(st.sampled_from([0.0, 0.7])),
                     centered=draw(st.booleans()), eps=draw(st.sampled_from([1e-8, 1e-4])))
    else:
        hyper.update(betas=(draw(unit), draw(unit)), amsgrad=draw(st.booleans()),
                     eps=draw(st.sampled_from([1e-8, 1e-5])))
    return hyper


@st.composite
def _optimizer_cases(draw):
    name = draw(st.sampled_from(sorted(OPTIMIZERS)))
    return name, _random_hyperparameters(draw, name), draw(st.integers(0, 1000))


@given(case=_optimizer_cases())
@settings(max_examples=20, deadline=None)
def test_random_hyperparameters_match_torch_optim(case, torch):
    name, hyper, seed = case
    params = _start(seed)
    tensors = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    ours = OPTIMIZERS[name](params, **hyper)
    theirs = getattr(torch.optim, TORCH_NAMES[name])(tensors, **hyper)
    for step in range(15):
        ours.step(_gradients(params, step))
        for t, g in zip(tensors, _gradients([t.detach().numpy() for t in tensors], step)):
            t.grad = torch.from_numpy(g)
        theirs.step()
    for p, t in zip(params, tensors):
        np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-9, atol=1e-13)


def test_defaults_are_torch_defaults(torch):
    import inspect

    for name, cls in OPTIMIZERS.items():
        torch_sig = inspect.signature(getattr(torch.optim, TORCH_NAMES[name]).__init__)
        ours = inspect.signature(cls.__init__).parameters
        for pname, param in ours.items():
            if pname in ("self", "params"):
                continue
            assert torch_sig.parameters[pname].default == param.default, (name, pname)


# ----------------------------------------------------------------------------
# the lecture's forms, independently of torch
# ----------------------------------------------------------------------------
def _quadratic_grad(w):
    """∇ of f(w) = ½ wᵀAw − bᵀw for a fixed ill-conditioned A."""
    a = np.array([[5.0, 1.0], [1.0, 0.5]])
    b = np.array([1.0, -2.0])
    return a @ w - b


@given(lr=st.floats(1e-3, 0.3), alpha=st.floats(0.0, 0.95))
@settings(max_examples=20, deadline=None)
def test_sgd_momentum_equals_lecture_h_form(lr, alpha):
    """h_t = αh_{t−1} + ηg_t, w ← w − h_t gives torch's iterates with h = lr·v."""
    w_lecture = np.array([2.0, -1.0])
    h = np.zeros(2)
    w = w_lecture.copy()
    opt = SGD([w], lr=lr, momentum=alpha)
    for _ in range(30):
        h = alpha * h + lr * _quadratic_grad(w_lecture)
        w_lecture = w_lecture - h
        opt.step([_quadratic_grad(w)])
        np.testing.assert_allclose(w, w_lecture, rtol=1e-10, atol=1e-12)


def test_sgd_momentum_equals_heavy_ball_form():
    """w(r+1) = w(r) − α∇f + μ(w(r) − w(r−1)), no momentum term on the first step."""
    lr, mu = 0.1, 0.8
    previous = current = np.array([2.0, -1.0])
    w = current.copy()
    opt = SGD([w], lr=lr, momentum=mu)
    for _ in range(25):
        previous, current = current, current - lr * _quadratic_grad(current) + mu * (current - previous)
        opt.step([_quadratic_grad(w)])
        np.testing.assert_allclose(w, current, rtol=1e-10, atol=1e-12)


def test_nesterov_iterates_are_the_lectures_lookahead_points():
    lr, alpha = 0.05, 0.9
    w_lecture = np.array([2.0, -1.0])
    h = np.zeros(2)
    u = w_lecture.copy()
    opt = SGD([u], lr=lr, momentum=alpha, nesterov=True)
    for _ in range(30):
        h = alpha * h + lr * _quadratic_grad(w_lecture - alpha * h)
        w_lecture = w_lecture - h
        opt.step([_quadratic_grad(u)])
        np.testing.assert_allclose(u, w_lecture - alpha * h, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cls, kwargs, decay",
                         [(Adagrad, {}, None), (RMSprop, {"alpha": 0.9}, 0.9)])
def test_adaptive_rules_equal_lecture_form_when_eps_is_zero(cls, kwargs, decay):
    lr = 0.05
    w_lecture = np.array([2.0, -1.0])
    big_g = np.zeros(2)
    w = w_lecture.copy()
    opt = cls([w], lr=lr, eps=0.0, **kwargs)
    for _ in range(40):
        g = _quadratic_grad(w_lecture)
        big_g = big_g + g**2 if decay is None else decay * big_g + (1 - decay) * g**2
        w_lecture = w_lecture - lr / np.sqrt(big_g + 0.0) * g
        opt.step([_quadratic_grad(w)])
    np.testing.assert_allclose(w, w_lecture, rtol=1e-10)


def test_adam_is_kingma_and_ba_algorithm_one():
    """m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², w ← w − η m̂ / (√v̂ + ε), from the paper."""
    lr, beta1, beta2, eps = 0.01, 0.8, 0.95, 1e-6
    w_paper = np.array([2.0, -1.0])
    m = v = np.zeros(2)
    w = w_paper.copy()
    opt = Adam([w], lr=lr, betas=(beta1, beta2), eps=eps)
    for t in range(1, 51):
        g = _quadratic_grad(w_paper)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        w_paper = w_paper - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        opt.step([_quadratic_grad(w)])
    np.testing.assert_allclose(w, w_paper, rtol=1e-12)


def test_lecture_slide_adam_agrees_on_the_first_step_only():
    """The slide feeds the bias-corrected averages back into the recursion (see Adam's Notes)."""
    lr, beta1, beta2 = 0.01, 0.9, 0.999
    w_slide = np.array([2.0, -1.0])
    m = v = np.zeros(2)
    w = w_slide.copy()
    opt = Adam([w], lr=lr, eps=0.0)
    gaps = []
    for t in range(1, 4):
        g = _quadratic_grad(w_slide)
        m = (beta1 * m + (1 - beta1) * g) / (1 - beta1**t)
        v = (beta2 * v + (1 - beta2) * g**2) / (1 - beta2**t)
        w_slide = w_slide - lr / np.sqrt(v) * m
        opt.step([_quadratic_grad(w)])
        gaps.append(np.max(np.abs(w - w_slide)))
    assert gaps[0] < 1e-15
    assert gaps[2] > 1e-4


def test_first_steps_have_the_textbook_sizes():
    g = np.array([20.0, -0.003, 1.0])
    lr = 0.1
    for cls, kwargs, expected in [
        (Adam, {"eps": 0.0}, lr),                       # η·sign(g)
        (Adagrad, {"eps": 0.0}, lr),                    # η·sign(g)
        (RMSprop, {"eps": 0.0, "alpha": 0.75}, lr / math.sqrt(0.25)),
        (SGD, {}, lr * np.abs(g)),
    ]:
        w = np.zeros(3)
        cls([w], lr=lr, **kwargs).step([g])
        np.testing.assert_allclose(w, -np.sign(g) * expected, rtol=1e-12, err_msg=cls.__name__)


def test_adamw_with_zero_gradient_decays_geometrically():
    w = np.array([2.0, -3.0])
    opt = AdamW([w], lr=0.1, weight_decay=0.2)
    for _ in range(10):
        opt.step([np.zeros(2)])
    np.testing.assert_allclose(w, np.array([2.0, -3.0]) * (1 - 0.1 * 0.2) ** 10, rtol=1e-13)


def test_adam_weight_decay_is_l2_added_to_gradient():
    w1, w2 = np.array([1.5, -0.5]), np.array([1.5, -0.5])
    with_decay = Adam([w1], lr=0.01, weight_decay=0.3)
    by_hand = Adam([w2], lr=0.01)
    for _ in range(20):
        with_decay.step([_quadratic_grad(w1)])
        by_hand.step([_quadratic_grad(w2) + 0.3 * w2])
    np.testing.assert_allclose(w1, w2, rtol=1e-13)


def test_lecture_exercise_one_step_lands_on_minimum_with_alpha_one_tenth():
    """f(β)=5β²−3β+2 from β=4 with α=0.1 = 1/f″: 0.3, 0.3, 0.3."""
    beta = np.array(4.0)
    opt = SGD([beta], lr=0.1)
    for _ in range(3):
        opt.step([10 * beta - 3])
        assert beta == pytest.approx(0.3, abs=1e-12)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_minimises_an_ill_conditioned_quadratic(name):
    w = np.array([2.0, -1.0])
    lr = {"sgd": 0.1, "adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05, "adamw": 0.05}[name]
    hyper = {"weight_decay": 0.0} if name == "adamw" else {}
    opt = OPTIMIZERS[name]([w], lr=lr, **hyper)
    for _ in range(3000):
        opt.step([_quadratic_grad(w)])
    minimum = np.linalg.solve(np.array([[5.0, 1.0], [1.0, 0.5]]), np.array([1.0, -2.0]))
    np.testing.assert_allclose(w, minimum, atol=2e-2)


# ----------------------------------------------------------------------------
# state, in-place updates, dtypes
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_state_is_created_on_first_step_and_counts_steps(name):
    params = _start()
    opt = OPTIMIZERS[name](params, lr=0.01)
    assert opt.state == {}
    opt.step(_gradients(params, 0))
    opt.step(_gradients(params, 1))
    assert sorted(opt.state) == [0, 1, 2]
    assert all(s["step"] == 2 for s in opt.state.values())


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_step_updates_the_callers_arrays_and_leaves_gradients_alone(name):
    params = _start()
    ids = [id(p) for p in params]
    grads = _gradients(params, 0)
    copies = [g.copy() for g in grads]
    opt = OPTIMIZERS[name](params, lr=0.1, weight_decay=0.1)
    opt.step(grads)
    assert [id(p) for p in opt.params] == ids
    for g, c in zip(grads, copies):
        np.testing.assert_array_equal(g, c)
    assert all(not np.array_equal(p, s) for p, s in zip(params, _start()))


def test_none_gradient_skips_that_parameter_like_torch():
    params = _start()
    before = [p.copy() for p in params]
    opt = Adam(params, lr=0.1)
    grads = _gradients(params, 0)
    opt.step([grads[0], None, grads[2]])
    np.testing.assert_array_equal(params[1], before[1])
    assert not np.array_equal(params[0], before[0])
    assert sorted(opt.state) == [0, 2]


def test_float32_parameters_stay_float32():
    w = np.ones(4, dtype=np.float32)
    Adam([w], lr=0.1).step([np.arange(4.0)])
    assert w.dtype == np.float32


def test_changing_lr_attribute_takes_effect_next_step():
    w = np.array([1.0])
    opt = SGD([w], lr=0.1)
    opt.lr = 0.5
    opt.step([np.array([1.0])])
    assert w[0] == pytest.approx(0.5)


@pytest.mark.parametrize("name, value, error, message", [
    ("lr", -0.5, ValueError, "lr must be a finite number >= 0, got -0.5"),
    ("lr", "fast", TypeError, "lr must be a real number"),
    ("betas", (0.9, 1.5), ValueError, r"betas\[1\] must lie in \[0, 1\)"),
    ("amsgrad", "yes", TypeError, "amsgrad must be True or False"),
])
def test_hyperparameters_set_later_are_checked_like_constructor_arguments(name, value, error, message):
    opt = Adam([np.zeros(2)], lr=0.1)
    with pytest.raises(error, match=message):
        setattr(opt, name, value)
    assert opt.lr == 0.1 and opt.betas == (0.9, 0.999) and opt.amsgrad is False   # unchanged


def test_repr_and_hyperparameters_name_torch_arguments():
    opt = AdamW([np.zeros(2)], lr=0.01)
    assert opt.hyperparameters == {"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8,
                                   "weight_decay": 1e-2, "amsgrad": False}
    assert repr(opt).startswith("AdamW(1 arrays, lr=0.01")


# ----------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------
def test_step_rejects_wrong_number_of_gradients():
    opt = SGD(_start(), lr=0.1)
    with pytest.raises(ValueError, match="got 2 gradients for 3 parameters"):
        opt.step([np.zeros(3), np.zeros((2, 4))])


def test_step_rejects_mismatched_shape_naming_the_index():
    opt = SGD(_start(), lr=0.1)
    with pytest.raises(ValueError, match=r"grads\[1\] has shape \(4, 2\) but params\[1\] has shape \(2, 4\)"):
        opt.step([np.zeros(3), np.zeros((4, 2)), np.zeros(())])


def test_step_rejects_a_bare_array_and_non_numeric_gradients():
    opt = SGD([np.zeros(3)], lr=0.1)
    with pytest.raises(TypeError, match="list of arrays"):
        opt.step(np.zeros(3))
    with pytest.raises(TypeError, match=r"grads\[0\] must be a real number"):
        opt.step([np.array(["a", "b", "c"])])
    with pytest.raises(TypeError, match=r"grads\[0\] must be a real number"):
        opt.step([np.ones(3) * 1j])
    with pytest.raises(TypeError, match=r"grads\[0\] must be a real number or an array of real numbers: "):
        opt.step([[1.0, [2.0, 3.0], 4.0]])


@pytest.mark.parametrize("params, error, message", [
    (np.zeros(3), TypeError, "single ndarray"),
    ([np.arange(3)], TypeError, r"params\[0\] must have a floating dtype"),
    ([np.zeros(2), [1.0, 2.0]], TypeError, r"params\[1\] must be a numpy array"),
    ([], ValueError, "params is empty"),
    (5, TypeError, "params must be a list"),
])
def test_constructor_rejects_bad_params(params, error, message):
    with pytest.raises(error, match=message):
        Adam(params)


def test_constructor_rejects_read_only_and_repeated_params():
    w = np.zeros(2)
    with pytest.raises(ValueError, match="more than once"):
        SGD([w, w])
    w.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        SGD([w])


@pytest.mark.parametrize("cls, kwargs, message", [
    (SGD, {"lr": -0.1}, "lr must be a finite number >= 0, got -0.1"),
    (Adam, {"lr": float("nan")}, "lr must not be NaN"),
    (Adam, {"eps": -1e-8}, "eps must be a finite number >= 0"),
    (Adam, {"betas": (0.9, 1.0)}, r"betas\[1\] must lie in \[0, 1\)"),
    (AdamW, {"betas": (-0.1, 0.9)}, r"betas\[0\] must lie in \[0, 1\)"),
    (SGD, {"momentum": -0.5}, "momentum must be a finite number >= 0"),
    (SGD, {"nesterov": True}, "nesterov=True requires momentum > 0"),
    (SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "dampening == 0"),
    (RMSprop, {"alpha": -0.1}, "alpha must be a finite number >= 0"),
    (Adagrad, {"lr_decay": -1}, "lr_decay must be a finite number >= 0"),
    (Adagrad, {"weight_decay": -1}, "weight_decay must be a finite number >= 0"),
    (Adam, {"lr": float("inf")}, "lr must be a finite number >= 0, got inf"),
    (RMSprop, {"eps": float("nan")}, "eps must not be NaN"),
])
def test_constructor_rejects_bad_hyperparameters(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls([np.zeros(2)], **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": "0.1"}, "lr must be a real number"),
    ({"betas": 0.9}, "betas must be a pair"),
    ({"amsgrad": 1}, "amsgrad must be True or False"),
    ({"eps": None}, "eps must be a real number"),
    ({"betas": (0.9, "0.999")}, r"betas\[1\] must be a real number"),
])
def test_constructor_rejects_wrong_types(kwargs, message):
    with pytest.raises(TypeError, match=message):
        Adam([np.zeros(2)], **kwargs)


def test_optimizers_registry_lists_every_class():
    assert set(OPTIMIZERS.values()) == {SGD, Adagrad, RMSprop, Adam, AdamW}
    assert all(issubclass(cls, optim.Optimizer) for cls in OPTIMIZERS.values())
