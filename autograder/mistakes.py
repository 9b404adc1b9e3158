"""Every mistake tag the grader knows, in one enumeration.

A verdict's ``mistake`` is one of these, or a tag a question declares in its
own ``mistakes``. Each member has a generic hint (:func:`autograder.hints.generic`)
(a question's ``hints`` may reword it), and the derivative slips are exactly the
tags :data:`coursekit.symbolic.MISTAKES` diagnoses. ``tests/test_mistakes.py``
keeps the three in step.
"""
from __future__ import annotations

from enum import StrEnum

__all__ = ["DERIVATIVE", "Mistake"]


class Mistake(StrEnum):
    """A mistake recognised for every question (members compare equal to their text)."""

    # the answer could not be judged as given
    MISSING = "missing"
    NOT_IMPLEMENTED = "not_implemented"
    RAISED = "raised"
    TIMEOUT = "timeout"
    WRONG_TYPE = "wrong_type"
    BAD_RECORD = "bad_record"
    OTHER_INPUTS = "other_inputs"
    FLAGGED = "flagged"
    UNREADABLE = "unreadable"
    # numbers and arrays
    WRONG_SHAPE = "wrong_shape"
    TRANSPOSED = "transposed"
    WRONG_SIGN = "wrong_sign"
    NOT_FINITE = "not_finite"
    ALL_ZERO = "all_zero"
    ROUNDED = "rounded"
    SCALED = "scaled"
    AT_ZERO = "at_zero"
    NOT_AN_OPTION = "not_an_option"
    WRONG_KEYS = "wrong_keys"
    # derivative slips (coursekit.symbolic)
    CHAIN_RULE = "chain_rule"
    SIGN = "sign"
    TERM_SIGN = "term_sign"
    CONSTANT_FACTOR = "constant_factor"
    ANTIDERIVATIVE = "antiderivative"
    FUNCTION_ITSELF = "function_itself"
    WRONG_VARIABLE = "wrong_variable"
    CONSTANT_KEPT = "constant_kept"
    POWER_NOT_LOWERED = "power_not_lowered"
    EXPONENTIAL_AS_POWER = "exponential_as_power"
    PRODUCT_RULE = "product_rule"
    QUOTIENT_RULE_SWAPPED = "quotient_rule_swapped"
    GRADIENT_LENGTH = "gradient_length"
    UNDECIDED = "undecided"


#: The tags :func:`coursekit.symbolic.check_derivative` may give.
DERIVATIVE = frozenset({
    Mistake.CHAIN_RULE, Mistake.SIGN, Mistake.TERM_SIGN, Mistake.CONSTANT_FACTOR,
    Mistake.ANTIDERIVATIVE, Mistake.FUNCTION_ITSELF, Mistake.WRONG_VARIABLE, Mistake.CONSTANT_KEPT,
    Mistake.POWER_NOT_LOWERED, Mistake.EXPONENTIAL_AS_POWER, Mistake.PRODUCT_RULE,
    Mistake.QUOTIENT_RULE_SWAPPED, Mistake.GRADIENT_LENGTH, Mistake.UNDECIDED, Mistake.UNREADABLE})
