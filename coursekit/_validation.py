"""Argument checks shared by coursekit's modules.

Every check takes the value and the name of the argument it came from, and
either returns the value in the form the numerics need (float64 arrays,
Python floats and ints, a ``numpy.random.Generator``) or raises an error whose
message starts with that name:

- ``TypeError`` when the value is of the wrong kind (a string for a learning
  rate, a float for a number of steps, complex numbers for an array);
- ``ValueError`` when it is of the right kind but out of range (a negative
  learning rate, NaN, zero samples).

Private to the package: the public functions document which errors they raise.
"""
from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

import numpy as np

#: Seed used wherever ``rng=None``: the course's results are reproducible by default.
DEFAULT_SEED = 0


def real_array(value: Any, name: str) -> np.ndarray:
    """``value`` as a float64 array (not copied if it already is one).

    Accepts Python numbers, NumPy scalars and (nested lists or) arrays of
    booleans, integers or floats. Complex numbers, strings, objects and
    ragged lists raise a TypeError naming ``name``, rather than being cast.

    Examples
    --------
    >>> real_array([1, 2], "x")
    array([1., 2.])
    """
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested lists and the like
        raise TypeError(f"{name} must be a real number or an array of real numbers: {error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must be a real number or an array of real numbers, "
            f"got {type(value).__name__} with dtype {array.dtype}"
        )
    return array.astype(np.float64, copy=False)


def unwrap(array: np.ndarray):
    """A 0-d array as a NumPy scalar; any other array unchanged."""
    return array[()] if array.ndim == 0 else array


def real_number(value: Any, name: str) -> float:
    """``value`` as a float: a real number that is not NaN (±inf allowed)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{name} must not be NaN")
    return value


def non_negative(value: Any, name: str, *, finite: bool = True) -> float:
    """``value`` as a float ≥ 0 (and finite unless ``finite=False``)."""
    value = real_number(value, name)
    if value < 0 or (finite and math.isinf(value)):
        kind = "a finite number" if finite else "a number"
        raise ValueError(f"{name} must be {kind} >= 0, got {value}")
    return value


def positive(value: Any, name: str) -> float:
    """``value`` as a finite float > 0."""
    value = real_number(value, name)
    if not 0 < value < math.inf:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def probability(value: Any, name: str) -> float:
    """``value`` as a float in [0, 1]."""
    value = real_number(value, name)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value}")
    return value


def integer(value: Any, name: str, minimum: int = 0) -> int:
    """``value`` as an int ≥ ``minimum`` (booleans and floats such as 2.0 are refused)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        bound = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return int(value)


def flag(value: Any, name: str) -> bool:
    """``value`` as a bool; only True and False (and NumPy booleans) are accepted."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def one_of(value: Any, name: str, options: tuple[str, ...]) -> str:
    """``value`` itself if it is one of the strings ``options``, else a ValueError listing them."""
    if not (isinstance(value, str) and value in options):
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def generator(rng: Any, name: str = "rng") -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed, a Generator or None.

    None gives a fresh generator seeded with :data:`DEFAULT_SEED`; a
    Generator is returned as it is (and so advanced by the caller); a
    non-negative int, a ``SeedSequence`` or a ``BitGenerator`` seeds a new one.

    Examples
    --------
    >>> bool(generator(None).integers(10) == generator(0).integers(10))
    True
    """
    if rng is None:
        return np.random.default_rng(DEFAULT_SEED)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (np.random.SeedSequence, np.random.BitGenerator)):
        return np.random.default_rng(rng)
    if isinstance(rng, Integral) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"{name} must be a non-negative seed, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{name} must be a non-negative int seed, a numpy.random.Generator or None, "
        f"got {type(rng).__name__} {rng!r}"
    )


def same_length(X: Any, y: Any, names: tuple[str, str] = ("X", "y")) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``y`` as arrays with one entry per sample along their first axis."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{names[0]} and {names[1]} must be arrays with one entry per sample")
    if len(X) != len(y):
        raise ValueError(f"{names[0]} has {len(X)} samples but {names[1]} has {len(y)}")
    return X, y
