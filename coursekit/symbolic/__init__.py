"""Symbolic checks of derivatives: safe parsing, equivalence and diagnosis of mistakes.

>>> from coursekit.symbolic import check_derivative
>>> verdict = check_derivative("sin(x^2)", "cos(x^2)")
>>> verdict.correct, verdict.mistake
(False, 'chain_rule')
"""
from .derivative import Verdict, check_derivative
from .diagnosis import MISTAKES
from .equivalence import Equivalence, equivalent
from .parse import ParseError, parse

__all__ = ["ParseError", "parse", "Equivalence", "equivalent", "Verdict", "check_derivative",
           "MISTAKES"]
