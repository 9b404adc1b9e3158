"""Derivative hints teach without telling: over the common mistakes, no message of the checker
(every tier of the verdict, the ``coursekit derivative`` command with and without ``--rule``, the
practice widget as the tiers rise) holds the expected derivative or one of its terms.

The detector is independent of the checker: it takes sympy's derivative, splits it into its
terms, and looks for each in the usual ways of writing it (10*beta, 10 beta, 10β, 10β², e^x,
exp(x)...), spaces and multiplication signs ignored.  Terms that are a bare number or a bare
variable are left out: every rule speaks of x and of small numbers.
"""
import re

import pytest
import sympy

from coursekit.cli import main
from coursekit.symbolic import check_derivative, parse
from coursekit.symbolic.hints import ATTEMPTS_PER_TIER, TIERS, UNEXPLAINED, tier_for

# (f, a typical wrong derivative, variable): the lecture's exercise and the rules table's classics
COMMON_MISTAKES = [
    ("5β^2 - 3β + 2", "10β + 3", "beta"),
    ("5β^2 - 3β + 2", "10β^2 - 3", "beta"),
    ("5β^2 - 3β + 2", "10β - 1", "beta"),
    ("5β^2 - 3β + 2", "-10β + 3", "beta"),
    ("5β^2 - 3β + 2", "5β^3/3 - 3β^2/2 + 2β", "beta"),
    ("5β^2 - 3β + 2", "5β - 3", "beta"),
    ("5β^2 - 3β + 2", "5β^2 - 3β + 2", "beta"),
    ("cos(x)", "sin(x)", "x"),
    ("sin(x^2)", "cos(x^2)", "x"),
    ("cos(x^2)", "sin(x^2)", "x"),
    ("exp(3x)", "exp(3x)", "x"),
    ("e^x", "x e^(x - 1)", "x"),
    ("2^x", "2^x", "x"),
    ("2^x", "x 2^(x - 1)", "x"),
    ("ln(x^2 + 1)", "1/(x^2 + 1)", "x"),
    ("x^3 - 2x^2 + x", "3x^2 + 4x + 1", "x"),
    ("x^3 + 7", "3x^2 + 7", "x"),
    ("x^4 - x", "4x^4 - 1", "x"),
    ("e^x (x^2 + 1)", "2x e^x", "x"),
    ("x sin(x)", "cos(x)", "x"),
    ("(x^2 + 1)/(x - 1)", "((x^2 + 1) - 2x(x - 1))/(x - 1)^2", "x"),
    ("x^2 y + y^3", "x^2 + 3y^2", "x"),
    ("5x^2", "5x", "x"),
    ("tan(x) + x", "tan(x) + x", "x"),
    ("sqrt(x)", "1/sqrt(x)", "x"),
    ("1/x", "1/x^2", "x"),
    ("sin(x)^3", "3 sin(x)^3", "x"),
    ("x^2", "x + 1", "x"),
]
IDS = [f"{f} -> {a}" for f, a, _ in COMMON_MISTAKES]

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def _normal(text: str) -> str:
    """Text with the notation differences removed: * and ·, **, superscripts, Greek, and the
    spaces around operators and between a number and what it multiplies (words stay apart)."""
    text = text.replace("**", "^").replace("β", "beta").replace("−", "-").replace("ˣ", "^x")
    text = re.sub(r"([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)", lambda m: "^" + m[1].translate(_SUPERSCRIPTS), text)
    text = re.sub(r"\s*[*·]\s*", "", text)
    text = re.sub(r"\s*([-+/^()=])\s*", r"\1", text)
    return re.sub(r"(\d)\s+(?=[A-Za-z(])", r"\1", text)


def _writings(term: sympy.Expr) -> set[str]:
    """The usual ways of writing ``term``, normalised."""
    plain = sympy.sstr(term)
    forms = {plain, sympy.sstr(term, order="rev-lex"), str(term).replace("exp(", "e^(")}
    forms |= {re.sub(r"exp\(([^()]*)\)", r"e^\1", form) for form in list(forms)}
    forms |= {re.sub(r"\^\(([^()]*)\)", r"^\1", form) for form in list(forms)}
    return {_normal(form) for form in forms}


def _forbidden(function: str, wrt: str) -> set[str]:
    f = parse(function, symbols=None)
    x = next(s for s in f.free_symbols if s.name == wrt)
    expected = sympy.diff(f, x)
    terms = {expected, *sympy.Add.make_args(expected), *sympy.Add.make_args(sympy.expand(expected))}
    return {w for t in terms if not (t.is_number or t.is_Symbol or (-t).is_Symbol) for w in _writings(t)}


def _revealed(message: str, forbidden: set[str]) -> list[str]:
    text = _normal(message)
    return sorted(w for w in forbidden if re.search(rf"(?<![\w^]){re.escape(w)}(?![\w^(])", text))


def test_the_detector_finds_the_derivative_written_in_the_usual_ways():
    forbidden = _forbidden("5β^2 - 3β + 2", "beta")
    for leak in ("(5β²)′ = 10β", "gives 10*beta", "10 beta - 3", "the answer is 10β − 3"):
        assert _revealed(leak, forbidden), leak
    assert not _revealed("Power rule: (uⁿ)′ = n·uⁿ⁻¹·u′; look at 5*beta^2 in f.", forbidden)
    assert _revealed("(eˣ)′ = eˣ", _forbidden("e^x + x^2", "x"))
    assert _revealed("that is 2*x*cos(x^2)", _forbidden("sin(x^2)", "x"))


@pytest.mark.parametrize("function, answer, wrt", COMMON_MISTAKES, ids=IDS)
def test_no_tier_of_the_verdict_reveals_the_derivative_or_a_term_of_it(function, answer, wrt):
    verdict = check_derivative(function, answer, wrt=wrt)
    assert not verdict.correct and len(verdict.tiers) >= 2
    forbidden = _forbidden(function, wrt)
    for tier in verdict.tiers:
        assert _revealed(tier, forbidden) == [], tier


@pytest.mark.parametrize("function, answer, wrt", COMMON_MISTAKES[::3], ids=IDS[::3])
def test_the_command_tells_neither_with_the_nudge_nor_with_the_rule(function, answer, wrt, capsys):
    forbidden = _forbidden(function, wrt)
    for extra in ([], ["--rule"]):
        assert main(["derivative", function, answer, "--wrt", wrt, *extra]) == 1
        out = capsys.readouterr().out
        assert _revealed(out, forbidden) == [], out


def test_the_command_gives_the_nudge_first_and_the_rule_on_request(capsys):
    main(["derivative", "x^3", "3x^3"])
    nudge = capsys.readouterr().out
    main(["derivative", "x^3", "3x^3", "--rule"])
    rule = capsys.readouterr().out
    assert TIERS["power_not_lowered"][0] in nudge and TIERS["power_not_lowered"][-1] in rule
    assert TIERS["power_not_lowered"][-1] not in nudge


def test_the_widget_rises_from_the_nudge_to_the_rule_with_repeated_mistakes_and_never_tells():
    pytest.importorskip("ipywidgets")
    from coursekit.widgets import derivative_checker

    checker = derivative_checker("5β^2 - 3β + 2", wrt="beta")
    forbidden = _forbidden("5β^2 - 3β + 2", "beta")
    tiers = []
    for answer in ["10β + 3", "10β + 3 ", "3 + 10β", "10β + 3.0", "10β+3"]:
        checker.controls["answer"].value = answer
        assert _revealed(checker.state.message, forbidden) == [], checker.state.message
        assert _revealed(checker.widget.children[2].value, forbidden) == []
        tiers.append(checker.state.tier)
    # the same text again (spaces aside) is no new attempt; a different writing of it is
    assert tiers == [1, 1, 1, 2, 2]
    assert checker.state.message == checker.state.verdict.tiers[-1]


def test_another_mistake_starts_again_at_the_nudge():
    pytest.importorskip("ipywidgets")
    from coursekit.widgets import derivative_checker

    checker = derivative_checker("x^3 + 7")
    for answer in ["3x^3", "3x^3 + 0", "3 x^3 + 0*x"]:
        checker.controls["answer"].value = answer
    assert checker.state.verdict.mistake == "power_not_lowered" and checker.state.tier == 2
    checker.controls["answer"].value = "3x^2 + 7"
    assert checker.state.verdict.mistake == "constant_kept" and checker.state.tier == 1


def test_tiers_rise_after_the_graders_number_of_attempts():
    assert ATTEMPTS_PER_TIER == 2
    assert [tier_for(n, 2) for n in range(1, 7)] == [1, 1, 2, 2, 2, 2]
    assert [tier_for(n, 1) for n in range(1, 4)] == [1, 1, 1]


def test_every_diagnosed_mistake_has_a_nudge_and_a_rule():
    from coursekit.symbolic import MISTAKES

    for tag in set(MISTAKES) - {"unreadable", "gradient_length", "undecided"}:
        assert len(TIERS[tag]) >= 2 and all(TIERS[tag]), tag
    assert len(UNEXPLAINED) == 2
