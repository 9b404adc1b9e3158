"""Symbolic checks of derivatives: safe parsing, equivalence and diagnosis of mistakes.

>>> from coursekit.symbolic import check_derivative
>>> verdict = check_derivative("sin(x^2)", "cos(x^2)")
>>> verdict.correct, verdict.mistake
(False, 'chain_rule')
"""
from .derivative import DerivativeVerdict, check_derivative
from .diagnosis import MISTAKES
from .equivalence import EquivalenceVerdict, equivalent
from .parse import ParseError, parse

__all__ = ["ParseError", "parse", "EquivalenceVerdict", "equivalent", "DerivativeVerdict",
           "check_derivative", "MISTAKES"]
