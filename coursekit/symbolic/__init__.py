"""Symbolic checks of derivatives: safe parsing, equivalence and diagnosis."""
from .equivalence import Equivalence, equivalent
from .parse import ParseError, parse

__all__ = ["ParseError", "parse", "Equivalence", "equivalent"]
