"""coursekit._validation: the shared argument checks name the argument and pick the right error class."""

import numpy as np
import pytest

from coursekit import _validation as check


def test_real_array_converts_numbers_and_keeps_float64_arrays_uncopied():
    a = np.arange(3.0)
    assert check.real_array(a, "x") is a
    converted = check.real_array([True, 2, 3.5], "x")
    assert converted.dtype == np.float64 and converted.tolist() == [1.0, 2.0, 3.5]
    assert check.real_array(np.float32(2.5), "x").dtype == np.float64


@pytest.mark.parametrize("bad", ["1.0", 1 + 2j, [1.0, "a"], None, [[1.0], [2.0, 3.0]], object()])
def test_real_array_rejects_what_is_not_real_naming_the_argument(bad):
    with pytest.raises(TypeError, match="^weights must be a real number or an array of real numbers"):
        check.real_array(bad, "weights")


def test_unwrap_turns_only_0d_arrays_into_scalars():
    assert isinstance(check.unwrap(np.array(2.0)), np.float64)
    vector = np.zeros(2)
    assert check.unwrap(vector) is vector


@pytest.mark.parametrize("function, value, error, message", [
    (check.real_number, "1", TypeError, "^lr must be a real number, got str '1'"),
    (check.real_number, True, TypeError, "^lr must be a real number, got bool"),
    (check.real_number, float("nan"), ValueError, "^lr must not be NaN"),
    (check.non_negative, -1, ValueError, r"^lr must be a finite number >= 0, got -1.0"),
    (check.non_negative, float("inf"), ValueError, "^lr must be a finite number >= 0, got inf"),
    (check.positive, 0.0, ValueError, "^lr must be a finite number > 0, got 0.0"),
    (check.probability, 1.5, ValueError, r"^lr must be a probability in \[0, 1\], got 1.5"),
    (check.integer, 2.0, TypeError, "^lr must be an integer, got float 2.0"),
    (check.integer, np.True_, TypeError, "^lr must be an integer"),
    (check.integer, -1, ValueError, "^lr must be an integer >= 0, got -1"),
    (check.flag, 1, TypeError, "^lr must be True or False, got 1"),
    (check.generator, "seed", TypeError,
     "^lr must be a non-negative int seed, a numpy.random.Generator or None"),
    (check.generator, -2, ValueError, "^lr must be a non-negative seed, got -2"),
])
def test_scalar_checks_raise_the_documented_error_naming_the_argument(function, value, error, message):
    with pytest.raises(error, match=message):
        function(value, "lr")


def test_scalar_checks_return_plain_python_values():
    assert check.non_negative(np.float32(0.5), "lr") == 0.5 and type(check.non_negative(1, "lr")) is float
    assert check.non_negative(float("inf"), "lr", finite=False) == float("inf")
    assert type(check.integer(np.int64(3), "n")) is int
    assert check.integer(1, "n", minimum=1) == 1
    with pytest.raises(ValueError, match="^n must be a positive integer, got 0"):
        check.integer(0, "n", minimum=1)
    assert check.flag(np.bool_(True), "shuffle") is True


def test_one_of_accepts_only_the_listed_strings():
    assert check.one_of("mean", "reduction", ("mean", "sum")) == "mean"
    for bad in ("average", None, ["mean"]):
        with pytest.raises(ValueError, match=r"^reduction must be one of \('mean', 'sum'\), got"):
            check.one_of(bad, "reduction", ("mean", "sum"))


def test_generator_from_seed_none_generator_and_seed_sequence():
    assert check.generator(None).random() == np.random.default_rng(check.DEFAULT_SEED).random()
    assert check.generator(5).random() == np.random.default_rng(5).random()
    existing = np.random.default_rng(1)
    assert check.generator(existing) is existing
    assert check.generator(np.random.SeedSequence(3)).random() == np.random.default_rng(3).random()


def test_same_length_names_both_arguments():
    X, y = check.same_length([[1.0], [2.0]], [0, 1])
    assert X.shape == (2, 1) and y.shape == (2,)
    with pytest.raises(ValueError, match="^X_val has 2 samples but y_val has 3"):
        check.same_length(np.zeros((2, 1)), np.zeros(3), ("X_val", "y_val"))
    with pytest.raises(ValueError, match="^X and y must be arrays with one entry per sample"):
        check.same_length(1.0, [1.0])
