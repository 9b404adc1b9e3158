"""Hints for derivative mistakes in tiers: a nudge towards the idea first, then the rule.

The derivative checker (:func:`coursekit.symbolic.check_derivative`, the ``coursekit
derivative`` command and the :func:`coursekit.widgets.derivative_checker` box) explains a
diagnosed mistake the way the course's grader does: the first tier names the idea of the
mistake, the last the rule that applies.  No tier holds the expected derivative or a term of
it: the rules are written for a generic u, f, g, n, a, never for the function being checked
(``tests/test_symbolic_hints.py`` tries the common mistakes).  A tool that is asked again and
again moves to the next tier after :data:`ATTEMPTS_PER_TIER` wrong attempts with the same
mistake.
"""
from __future__ import annotations

__all__ = ["ATTEMPTS_PER_TIER", "TIERS", "UNEXPLAINED", "tier_for"]

#: Wrong attempts with the same mistake before the next tier is shown (as in the grader).
ATTEMPTS_PER_TIER = 2

#: Mistake tag (of :data:`coursekit.symbolic.MISTAKES`) -> tiers, from the nudge to the rule.
TIERS: dict[str, tuple[str, ...]] = {
    "chain_rule": ("Chain rule: a function of a function also needs the derivative of its inside.",
                   "Chain rule: (f(g(x)))′ = f′(g(x))·g′(x). Every composed function contributes its "
                   "outer derivative times the derivative of its inside."),
    "sign": ("Check the signs: some derivatives in the rules table are negative.",
             "Some rules carry a minus sign: the derivatives of cos, cot and csc, of arccos, arccot "
             "and arccsc, and of 1/u; a minus in front of a term stays."),
    "term_sign": ("One term of your sum has the wrong sign: check each term's sign separately.",
                  "A constant factor keeps its sign: (c·u)′ = c·u′ for every constant c, negative "
                  "ones included."),
    "constant_factor": ("Your answer is the derivative times a constant: check the constant factors.",
                        "Constant factors come from the power rule's n, from ln(a) in (aᵘ)′ = aᵘ·ln(a)·u′ "
                        "and (log_a u)′ = u′/(u·ln(a)), and from the derivative of a linear inside c·u."),
    "antiderivative": ("Differentiating your answer gives back the function: you integrated instead.",
                       "Differentiate: the power rule lowers the exponent by one, (uⁿ)′ = n·uⁿ⁻¹·u′."),
    "function_itself": ("Your answer is the function itself, not its derivative.",
                        "Differentiate each part with the rules table: sums term by term, constant "
                        "factors kept, then the product, quotient and chain rules."),
    "wrong_variable": ("You differentiated with respect to another variable.",
                       "A partial derivative with respect to one variable treats every other variable "
                       "as a constant."),
    "constant_kept": ("A constant term survived in your answer: what is the derivative of a constant?",
                      "The derivative of a constant is zero: (c)′ = 0."),
    "power_not_lowered": ("Power rule: check the exponent after differentiating.",
                          "Power rule: (uⁿ)′ = n·uⁿ⁻¹·u′: bring n down and lower the exponent by one."),
    "exponential_as_power": ("The variable sits in an exponent: that is an exponential, not a power.",
                             "(aᵘ)′ = aᵘ·ln(a)·u′ and (eᵘ)′ = eᵘ·u′; the power rule is for a variable "
                             "base with a constant exponent."),
    "product_rule": ("A product: its derivative is not the product of the derivatives.",
                     "Product rule: (f·g)′ = f′·g + f·g′."),
    "quotient_rule_swapped": ("Quotient rule: check the order of the two terms of the numerator.",
                              "Quotient rule: (f/g)′ = (g·f′ − f·g′)/g²: the denominator times the "
                              "derivative of the numerator comes first."),
    "undecided": ("Your answer could not be checked automatically: write it in a simpler form, or ask "
                  "your instructor.",),
}

#: Tiers for a wrong answer that no typical mistake explains.
UNEXPLAINED: tuple[str, ...] = (
    "Compute your answer and the derivative at that point by hand to find where they part.",
    "Go through f part by part: sums term by term, constant factors, then the product, quotient "
    "and chain rules, each checked against the rules table.")


def tier_for(wrong_attempts: int, tiers: int) -> int:
    """The tier (1 = nudge) to show after ``wrong_attempts`` with the same mistake, of ``tiers``.

    Examples
    --------
    >>> [tier_for(n, 2) for n in range(1, 6)]
    [1, 1, 2, 2, 2]
    """
    return min(max(wrong_attempts - 1, 0) // ATTEMPTS_PER_TIER + 1, max(tiers, 1))
