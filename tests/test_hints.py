"""Hints in tiers, and no hint of the course that gives the answer away.

The second half walks every question of every assignment, for the lecture's numbers and for
several students' variants, and looks in every tier of every hint a wrong answer could get (the
question's own, the generic ones of its kind and, for derivatives, the diagnosed slips) for:

* an expected value of the question, in any usual formatting: rounded or cut to 1-6
  significant digits, integer form (with thousands separators), scientific notation
  (1.44e10, 1.44 × 10¹⁰), a fraction p/q; for behavioural questions the whole-number outputs
  of ten or more on the hidden inputs (counts), whose other outputs are random draws;
* a term of an expected expression, written in the usual ways (10*beta, 10β, 2xy, x²), standing
  as a term of its own; terms of five characters or more are looked for in every hint of the
  assignment (a step question must not give away the derivative another question asks for);
* a line of reference code: the reference function, what it returns (the implementation a
  behavioural answer is compared with), and the solution region of the question's answer cell
  in ``solutions/``.
"""
from __future__ import annotations

import ast
import difflib
import inspect
import math
import re
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import CheckFailed, check, hints, kinds, questions
from autograder.checks import answer_record, judge_record
from autograder.mistakes import DERIVATIVE, Mistake
from autograder.questions import QuestionSet
from autograder.student import parameters

ROOT = Path(__file__).resolve().parents[1]
# the course's assignments and the demo's (in its own course directory)
SOURCES = {p.parent.name: p for p in [*ROOT.glob("solutions/*/*.ipynb"), *ROOT.glob("demo/solutions/*/*.ipynb")]
           if p.stem == p.parent.name}
ASSIGNMENTS = sorted(SOURCES)
STUDENTS = (None, "hint_walk_1", "alice", "s0042")
QUESTIONS = QuestionSet()  # unit_hints and unit_leaks, registered for each test only (tests/conftest.py)


# ---------------------------------------------------------------- the tiers

@QUESTIONS.question("unit_hints.half", kind="number", rtol=1e-9,
                    hints={"default": ("Nudge: what is half of something?", "Rule: divide by two.")})
def _half(v):
    return 21.0


@QUESTIONS.question("unit_hints.other", kind="number", rtol=1e-9, hints={"default": ("other nudge", "other rule")})
def _other(v):
    return 5.0


@pytest.fixture(autouse=True)
def _fresh_session():
    hints.reset_attempts()
    yield
    hints.reset_attempts()


def _shown_hint(qid, answer):
    with pytest.raises(CheckFailed) as failed:
        check(qid, answer)
    return failed.value.verdict.hint


def test_a_tiered_hint_gives_the_nudge_first_and_the_rule_after_repeated_wrong_attempts(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    shown = [_shown_hint("unit_hints.half", 1.0) for _ in range(2 * hints.ATTEMPTS_PER_TIER + 1)]
    assert shown[:hints.ATTEMPTS_PER_TIER] == ["Nudge: what is half of something?"] * hints.ATTEMPTS_PER_TIER
    assert set(shown[hints.ATTEMPTS_PER_TIER:]) == {"Rule: divide by two."}


def test_attempts_are_counted_per_question_and_a_reset_starts_again(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    for _ in range(hints.ATTEMPTS_PER_TIER):
        _shown_hint("unit_hints.half", 1.0)
    assert _shown_hint("unit_hints.other", 1.7) == "other nudge"
    assert _shown_hint("unit_hints.half", 1.0) == "Rule: divide by two."
    hints.reset_attempts()
    assert _shown_hint("unit_hints.half", 1.0) == "Nudge: what is half of something?"


def test_unanswered_cells_are_not_counted_as_attempts(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    for _ in range(3):
        _shown_hint("unit_hints.half", ...)
    assert _shown_hint("unit_hints.half", 1.0) == "Nudge: what is half of something?"


def test_the_grader_shows_the_rule_without_counting_attempts():
    for _ in range(3):
        verdict = judge_record(answer_record("unit_hints.half", 1.0), None)
        assert verdict.hint == "Rule: divide by two."


def test_a_single_text_hint_is_its_only_tier_and_bad_hints_are_refused():
    q = questions.get("unit_hints.half")
    assert hints.hint_for(q, None, 1) == "Nudge: what is half of something?"
    assert hints.hint_for(q, None, 9) == hints.hint_for(q, None) == "Rule: divide by two."
    assert hints.tiers(q, "rounded") == hints.generic("rounded")
    with pytest.raises(ValueError, match="tuple of texts"):
        QUESTIONS.question("unit_hints.bad", kind="number", hints={"default": ()})(lambda v: 0)


# ---------------------------------------------------------------- what counts as giving the answer away

_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_VULGAR = {"½": 1 / 2, "⅓": 1 / 3, "⅔": 2 / 3, "¼": 1 / 4, "¾": 3 / 4, "⅕": 1 / 5, "⅛": 1 / 8}
_NUMBER = re.compile(r"""
    (?<![\w.])
    (?P<mantissa>\d{1,3}(?:[,\u2009\u202f]\d{3})+(?:\.\d+)?|\d+\.\d+|\.\d+|\d+)
    (?:
        [eE](?P<e>[-+−]?\d+)
      | \s*(?:[×·*]|\\times|\\cdot)\s*10(?:\^[({]?|\*\*\(?)(?P<caret>[-+−]?\d+)[)}]?
      | \s*[×·*]\s*10(?P<sup>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)
      | (?<=10)(?P<bare>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)
    )?
    (?:\s*/\s*(?P<denominator>\d+(?:\.\d+)?)(?![\d.]))?
""", re.X)


def _numbers(text: str) -> list[tuple[float, int, bool]]:
    """The numbers written in ``text``: (value, significant digits, exact?).

    Exact numbers (fractions, vulgar fractions) match only their own value;
    a single digit is a count or a factor and matches only itself.
    """
    found = [(v, 6, True) for ch, v in _VULGAR.items() for _ in range(text.count(ch))]
    for m in _NUMBER.finditer(text):
        mantissa = m["mantissa"].replace(",", "").replace("\u2009", "").replace("\u202f", "")
        exponent = m["e"] or m["caret"] or (m["sup"] or m["bare"] or "").translate(_SUPERSCRIPT) or None
        value = float(mantissa)
        if m["bare"]:                       # 10⁻⁵: the 10 was the base, not a mantissa
            value = 1.0
        if exponent is not None:
            value *= 10.0 ** int(exponent.replace("−", "-"))
        if m["denominator"]:
            found.append((value / float(m["denominator"]), 6, True))
            continue
        digits = mantissa.replace(".", "").lstrip("0") or "0"
        if "." not in mantissa:
            digits = digits.rstrip("0") or "0"
        single = "." not in mantissa and exponent is None and len(mantissa) == 1
        found.append((value, len(digits), single))
    return found


def _cut(x: float, k: int, how) -> float:
    scale = 10.0 ** (k - 1 - math.floor(math.log10(abs(x))))
    return how(x * scale) / scale


def _reveals(number: tuple[float, int, bool], expected: float) -> bool:
    value, digits, exact = number
    x = abs(expected)
    if not math.isfinite(x):
        return False
    if exact or x == 0 or value == 0:
        return math.isclose(value, x, rel_tol=1e-9, abs_tol=1e-300)
    cuts = (round, math.trunc) if digits > 1 else (round,)   # "10" is no cut-off 15
    return any(math.isclose(value, _cut(x, digits, how), rel_tol=1e-9) for how in cuts)


def _flat_numbers(value) -> list[float]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _flat_numbers(v)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _flat_numbers(v)]
    try:
        return [float(x) for x in np.asarray(value, dtype=float).ravel()]
    except (TypeError, ValueError):
        return []


_GREEK = {"alpha": "α", "beta": "β", "eta": "η", "sigma": "σ", "theta": "θ", "lambda": "λ"}


def _canonical(text: str) -> str:
    """Formulas written in the usual ways, brought to one form: no spaces or ×, Greek as letters, x² as x^2."""
    text = text.replace("−", "-").replace("**", "^")
    text = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+", lambda m: "^" + m[0].translate(_SUPERSCRIPT), text)
    for name, letter in _GREEK.items():
        text = text.replace(letter, name)
    text = text.replace("√", "sqrt").replace("ln(", "log(").replace("e^", "exp")
    return re.sub(r"[\s*·⋅×]", "", text)


def _has_term(canonical_text: str, term: str) -> bool:
    """Whether ``term`` stands in the text as a term of its own, not inside a longer one (1/x², x²y)."""
    for m in re.finditer(re.escape(term), canonical_text):
        before, after = canonical_text[:m.start()][-1:], canonical_text[m.end():][:1]
        if not re.match(r"[\w/^.]", before) and not re.match(r"[\w^(]", after):
            return True
    return False


def _terms(expression: str, symbols) -> set[str]:
    """The canonical forms of the whole expression and of each of its terms (unexpanded and expanded)."""
    import sympy

    names = {s: sympy.Symbol(s) for s in symbols}
    expr = sympy.sympify(expression, locals=names)
    out = set()
    for form in (expr, sympy.expand(expr)):
        for term in (form, *sympy.Add.make_args(form)):
            for text in (str(term), str(-term)):
                canonical = _canonical(text)
                if len(canonical.lstrip("-")) >= 3 and not canonical.lstrip("-").isdigit():
                    out.add(canonical)
    return out


def _code_lines(source: str) -> set[str]:
    """Statements of ``source`` without docstrings, comments, def/class lines, in canonical form."""
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return set()
    for node in ast.walk(tree):   # texts in code are answers of choice questions, not code
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = "…"
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.If,
                                                                  ast.For, ast.While, ast.With, ast.Try)):
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue   # a docstring
            for line in ast.unparse(node).splitlines():
                code = re.sub(r"\s", "", line).removeprefix("return")
                if len(code) >= 12:
                    lines.add(code)
    return lines


def _shares_code(hint: str, line: str) -> bool:
    text = re.sub(r"\s", "", hint.replace("−", "-"))
    match = difflib.SequenceMatcher(None, text, line, autojunk=False).find_longest_match(
        0, len(text), 0, len(line))
    return match.size >= 20 or match.size >= 0.8 * len(line)


def _reference_sources(q, v) -> list[str]:
    sources = []
    for obj in (q.reference, q.reference(v) if q.kind in questions.BEHAVIOURAL_KINDS else None):
        try:
            sources.append(inspect.getsource(obj))
        except (TypeError, OSError):
            pass
    return sources


def _solution_lines(assignment: str) -> dict[str, set[str]]:
    """Question id -> code lines of the solution region of the answer cell before its test cell."""
    path = SOURCES.get(assignment)
    out, answer = {}, ""
    if path is None:   # questions declared by a test module
        return out
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            answer = "\n".join(re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S))
        elif meta.get("grade") and cell.cell_type == "code":
            for qid in re.findall(r'check\("([^"]+)"', cell.source):
                out[qid] = _code_lines(answer)
    return out


def _reachable_generic_tags(q) -> list[str]:
    """The generic tags a wrong answer to ``q`` can get (the others are never shown for its kind)."""
    only = {"at_zero": questions.BEHAVIOURAL_KINDS, "other_inputs": questions.BEHAVIOURAL_KINDS,
            "not_an_option": ("choice",), "unreadable": ("expression",), "undecided": ("expression",)}
    return [tag for tag in Mistake
            if (tag not in only or q.kind in only[tag])
            and (tag not in DERIVATIVE or q.derivative_of is not None)]


def _all_hints(q) -> dict[str, tuple[str, ...]]:
    tags = dict.fromkeys([*q.hints, *_reachable_generic_tags(q)])
    return {tag: hints.tiers(q, tag) for tag in tags}


def _expected_numbers(q, v, student) -> list[float]:
    if q.kind in ("number", "array"):
        return _flat_numbers(q.reference(v))
    if q.kind in questions.BEHAVIOURAL_KINDS:
        outputs = kinds.expect(q, v, kinds.trial_seed(q.id, student)).reference
        return [x for x in _flat_numbers(outputs) if math.isfinite(x) and x == round(x) and abs(x) >= 10]
    return []


def leaks(assignment: str, student: str | None) -> list[str]:
    """Every (question, tag, tier) whose hint holds an expected value, an expression term or reference code."""
    v = parameters(assignment, student)
    registered = questions.for_assignment(assignment)
    solutions = _solution_lines(assignment)
    terms = {qid: _terms(str(q.reference(v)), q.symbols) for qid, q in registered.items()
             if q.kind == "expression"}
    long_terms = {t for ts in terms.values() for t in ts if len(t.lstrip("-")) >= 5}
    found = []
    for qid, q in registered.items():
        own_terms = sorted(long_terms | terms.get(qid, set()))
        values = _expected_numbers(q, v, student)
        code = set(solutions.get(qid, ()))
        for source in _reference_sources(q, v):
            code |= _code_lines(source)
        for tag, texts in _all_hints(q).items():
            for tier, text in enumerate(texts, 1):
                where = f"{qid} [{tag}, tier {tier}]"
                numbers = _numbers(text)
                found += [f"{where}: the value {x!r} in {text!r}" for x in values
                          if any(_reveals(n, x) for n in numbers)][:1]
                canonical = _canonical(text)
                found += [f"{where}: the term {t!r} in {text!r}" for t in own_terms
                          if _has_term(canonical, t)][:1]
                found += [f"{where}: the code {line!r} in {text!r}" for line in sorted(code)
                          if _shares_code(text, line)][:1]
    return found


@pytest.mark.parametrize("student", STUDENTS)
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_hint_gives_away_an_expected_value_or_reference_code(assignment, student):
    assert leaks(assignment, student) == []


# ---------------------------------------------------------------- the detector itself finds leaks

@QUESTIONS.question("unit_leaks.value", kind="number",
                    hints={"default": ("You should get about 3.63.", "Nothing to see here.")})
def _leaky_value(v):
    return 3.6312


@QUESTIONS.question("unit_leaks.derivative", kind="expression", symbols=("beta",),
                    hints={"default": ("Differentiate: (5β²)′ = 10β.", "The power rule.")})
def _leaky_derivative(v):
    return "10*beta - 3"


def _leaky_solve(X, y):
    return np.linalg.solve(X.T @ X, X.T @ y)


@QUESTIONS.question("unit_leaks.code", kind="function", inputs=lambda rng, v: [(np.eye(2), np.ones(2))],
                    hints={"default": ("Solve the normal equations.", "np.linalg.solve(X.T @ X, X.T @ y) does it.")})
def _leaky_code(v):
    return _leaky_solve


@pytest.mark.parametrize("text, expected", [
    ("about 3.63", 3.6312), ("about 3.6", 3.6312), ("roughly 4", 4.0), ("0.00247", 0.002473),
    ("1.44 × 10¹⁰ weights", 1.44e10), ("1.44e10", 1.44e10), ("14,400,000,000", 1.44e10),
    ("1.44·10^10", 1.44e10), (r"$1.44\times10^{10}$", 1.44e10), ("a fifth, 1/5", 0.2), ("−2697", -2697.0), ("2700", -2697.0), ("½", 0.5),
])
def test_the_detector_finds_a_value_in_any_usual_formatting(text, expected):
    assert any(_reveals(n, expected) for n in _numbers(text))


@pytest.mark.parametrize("text, expected", [
    ("a factor 2 (the square)", 1.5), ("divide by ℓ = 50", 3.6312), ("after 3 steps", 3.297),
    ("β⁽⁰⁾ = 4", 3.63), ("x² and x³", 0.2),
])
def test_the_detector_does_not_mistake_counts_and_exponents_for_values(text, expected):
    assert not any(_reveals(n, expected) for n in _numbers(text))


def test_the_detector_finds_planted_values_terms_and_code():
    found = leaks("unit_leaks", None)
    assert any("unit_leaks.value [default, tier 1]: the value" in f for f in found)
    assert any("unit_leaks.derivative [default, tier 1]: the term" in f for f in found)
    assert any("unit_leaks.code [default, tier 2]: the code" in f for f in found)
    assert not any("tier 2" in f and "unit_leaks.value [default" in f for f in found)
