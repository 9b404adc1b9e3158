"""Safe parsing of a student's expression into a sympy expression.

The text is read by a small tokenizer and a recursive-descent parser that
knows only numbers, the variables it is given, the constants ``e`` and ``pi``
and the function names of the lecture's table of derivative rules.  Nothing in
the text is ever handed to ``eval``, ``exec`` or ``sympify``: every node of the
result is built by this module from an allow-list, and limits on length,
nesting, size and exponents keep hostile input from hanging or eating memory.
"""
from __future__ import annotations

import keyword
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import sympy

__all__ = ["ParseError", "parse", "FUNCTIONS", "CONSTANTS", "LIMITS"]


class ParseError(ValueError):
    """The text is not an expression this parser accepts.

    The message names the offending part and, where known, its position
    (0-based character index) in the text, kept in ``position``.
    """

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class _Limits:
    """Resource limits applied to every parse (see ``LIMITS``)."""

    max_length: int = 1000       # characters in the text
    max_depth: int = 40          # nested parentheses, function calls, powers and signs
    max_nodes: int = 400         # nodes of the resulting sympy tree
    max_exponent: int = 1000     # |numerator| and |denominator| of a numeric exponent
    max_digits: int = 2000       # digits of a number produced by number ** number
    max_literal_digits: int = 50  # digits of a number written in the text


LIMITS = _Limits()

# Names a student may use, mapped to the sympy function they build.
FUNCTIONS: dict[str, object] = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
    "cot": sympy.cot, "sec": sympy.sec, "csc": sympy.csc,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
    "coth": sympy.coth, "sech": sympy.sech, "csch": sympy.csch,
    "exp": sympy.exp, "sqrt": sympy.sqrt, "abs": sympy.Abs, "Abs": sympy.Abs, "sign": sympy.sign,
    "ln": sympy.log, "log": sympy.log,
}
for _name, _inverse in [("sin", sympy.asin), ("cos", sympy.acos), ("tan", sympy.atan),
                        ("cot", sympy.acot), ("sec", sympy.asec), ("csc", sympy.acsc),
                        ("sinh", sympy.asinh), ("cosh", sympy.acosh), ("tanh", sympy.atanh),
                        ("coth", sympy.acoth), ("sech", sympy.asech), ("csch", sympy.acsch)]:
    FUNCTIONS["a" + _name] = FUNCTIONS["arc" + _name] = _inverse
    if _name.endswith("h"):
        FUNCTIONS["ar" + _name] = _inverse          # arsinh, arcosh, ... (ISO 80000-2)
FUNCTIONS["log2"] = lambda arg: sympy.log(arg, 2)
FUNCTIONS["log10"] = lambda arg: sympy.log(arg, 10)

CONSTANTS: dict[str, sympy.Expr] = {"e": sympy.E, "E": sympy.E, "pi": sympy.pi}

_GREEK = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
          "omicron rho sigma tau upsilon phi chi psi omega").split()
_AUTO_SYMBOL = re.compile(r"^(?:[A-Za-z]|{})(?:_?\d+)?$".format("|".join(_GREEK)))

# Non-ASCII characters that are plain mathematics, mapped to their ASCII spelling.
_UNICODE_OPERATORS = {
    "\u2212": "-", "\u2013": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*",
    "\u2217": "*", "\u00f7": "/", "\u00b2": "^2", "\u00b3": "^3",
}
# Letters from other scripts that look like Latin ones: named in the error message.
_LOOKALIKES = {
    "\u0430": "a", "\u0435": "e", "\u043e": "o", "\u0440": "p", "\u0441": "c", "\u0443": "y",
    "\u0445": "x", "\u0456": "i", "\u0455": "s", "\u0458": "j", "\u043d": "H", "\u0410": "A",
    "\u0415": "E", "\u041e": "O", "\u0420": "P", "\u0421": "C", "\u0425": "X", "\u03bf": "o",
    "\u03bd": "v", "\u0391": "A", "\u0392": "B", "\u0395": "E", "\u039f": "O",
    "\u03a7": "X", "\u0131": "i",
}
# Greek letters the lectures use as variables (β for a weight, α for the learning rate, ...).
_GREEK_LETTERS = {chr(0x3b1 + i): name for i, name in enumerate(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
    "sigmaf sigma tau upsilon phi chi psi omega".split()) if name not in ("omicron", "nu", "sigmaf")}
_FORBIDDEN = {
    ".": "attribute access ('.') is not allowed",
    "'": "strings (quotes) are not allowed",
    '"': "strings (quotes) are not allowed",
    "[": "subscripts and lists ('[') are not allowed; use ( ) for grouping",
    "]": "subscripts and lists (']') are not allowed; use ( ) for grouping",
    "{": "braces ('{') are not allowed; use ( ) for grouping",
    "}": "braces ('}') are not allowed; use ( ) for grouping",
    ":": "':' is not allowed (no lambdas, slices or dictionaries)",
    ";": "';' is not allowed: write a single expression",
    "=": "'=' is not allowed: write only the expression, not an equation or assignment",
    "\\": "'\\' is not allowed (no LaTeX or escapes): write sqrt(x), not \\sqrt{x}",
}


@dataclass(frozen=True)
class _Token:
    kind: str        # "num", "name", "op", "end"
    text: str
    pos: int
    spaced: bool     # whitespace right before the token


def _describe_char(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    text = f"character {char!r} (U+{ord(char):04X} {name}) is not allowed"
    lookalike = _LOOKALIKES.get(char)
    if lookalike is None:
        folded = unicodedata.normalize("NFKC", char)
        lookalike = folded if folded.isascii() and folded.isprintable() and folded != char else None
    if lookalike is not None:
        text += f": it looks like {lookalike!r} but is another character; retype it"
    return text


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, spaced = 0, False
    number = re.compile(r"\d+(?:\.\d*)?|\.\d+")
    name = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
    while i < len(text):
        char = text[i]
        if char in " \t\r\n":
            i, spaced = i + 1, True
            continue
        if not char.isascii():
            if char in _GREEK_LETTERS:
                tokens.append(_Token("name", _GREEK_LETTERS[char], i, spaced))
                i, spaced = i + 1, False
                continue
            if char in _UNICODE_OPERATORS:
                for piece in re.findall(r"\*\*|[-*/^]|\d+|[a-z]+", _UNICODE_OPERATORS[char]):
                    kind = "num" if piece.isdigit() else "name" if piece.isalpha() else "op"
                    tokens.append(_Token(kind, "^" if piece == "**" else piece, i, spaced))
                    spaced = False
                i += 1
                continue
            raise ParseError(f"position {i}: {_describe_char(char)}", i)
        match = number.match(text, i)
        if match and re.match(r"[eE][-+]?\d", text[match.end():match.end() + 3]):
            raise ParseError(f"scientific notation at position {i} is not supported: write "
                             f"{match.group()}*10^(...) instead, or e.g. {match.group()}*e for "
                             f"Euler's number", i)
        if match:
            tokens.append(_Token("num", match.group(), i, spaced))
            i = match.end()
        elif (match := name.match(text, i)):
            tokens.append(_Token("name", match.group(), i, spaced))
            i = match.end()
        elif text.startswith("**", i):
            tokens.append(_Token("op", "^", i, spaced))
            i += 2
        elif char in "+-*/^(),|":
            tokens.append(_Token("op", char, i, spaced))
            i += 1
        elif char in _FORBIDDEN:
            raise ParseError(f"{_FORBIDDEN[char]} (position {i})", i)
        else:
            raise ParseError(f"character {char!r} at position {i} is not allowed", i)
        spaced = False
    tokens.append(_Token("end", "", len(text), spaced))
    return tokens


def _symbol_table(symbols) -> dict[str, sympy.Symbol] | None:
    """Map allowed variable names to real sympy symbols; None means automatic."""
    if symbols is None:
        return None
    if isinstance(symbols, (str, sympy.Symbol)):
        symbols = [symbols]
    names: list[str] = []
    for item in symbols:
        if isinstance(item, sympy.Symbol):
            names.append(item.name)
        elif isinstance(item, str):
            names.extend(part for part in re.split(r"[\s,]+", item) if part)
        else:
            raise TypeError(f"symbols must be names (str) or sympy Symbols, got {type(item).__name__}")
    for name in names:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or "__" in name:
            raise ValueError(f"symbols: {name!r} is not a valid variable name")
        if name in FUNCTIONS:
            raise ValueError(f"symbols: {name!r} is a function name, not a variable")
    return {name: sympy.Symbol(name, real=True) for name in names}


class _Parser:
    """Recursive-descent parser building sympy nodes from an allow-list.

    Grammar (``^`` binds tighter than unary minus, and is right-associative)::

        sum     := product (("+" | "-") product)*
        product := signed (("*" | "/") signed | <implicit> power)*
        signed  := ("+" | "-") signed | power
        power   := primary ("^" signed)?
        primary := number | variable | constant | call | "(" sum ")" | "|" sum "|"
        call    := function ("^" number)? "(" sum ("," sum)? ")"
    """

    def __init__(self, text: str, symbols: dict | None, limits: _Limits):
        self.text, self.symbols, self.limits = text, symbols, limits
        self.tokens = _tokenize(text)
        self.index, self.depth, self.in_bars = 0, 0, 0
        self.auto: dict[str, sympy.Symbol] = {}

    # -- token helpers -------------------------------------------------
    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def _next(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _is(self, text: str) -> bool:
        return self.token.kind == "op" and self.token.text == text

    def _expect(self, text: str, opened: _Token) -> None:
        if not self._is(text):
            found = f"{self.token.text!r}" if self.token.kind != "end" else "the end"
            raise ParseError(f"missing {text!r} to close {opened.text!r} opened at position "
                             f"{opened.pos} (found {found} at position {self.token.pos})", self.token.pos)
        self._next()

    def _enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise ParseError(f"expression nested too deeply (more than {self.limits.max_depth} "
                             f"levels) at position {token.pos}", token.pos)

    # -- grammar ---------------------------------------------------------
    def parse(self) -> sympy.Expr:
        if self.token.kind == "end":
            raise ParseError("the expression is empty", 0)
        expr = self._sum()
        if self.token.kind != "end":
            token = self.token
            hint = " (unbalanced parentheses?)" if token.text == ")" else ""
            raise ParseError(f"unexpected {token.text!r} at position {token.pos}{hint}", token.pos)
        return expr

    def _sum(self) -> sympy.Expr:
        terms = [self._product()]
        while self._is("+") or self._is("-"):
            sign = self._next().text
            term = self._product()
            terms.append(term if sign == "+" else -term)
        return sympy.Add(*terms) if len(terms) > 1 else terms[0]

    def _starts_factor(self) -> bool:
        token = self.token
        if token.kind in ("num", "name"):
            return True
        return token.kind == "op" and (token.text == "(" or (token.text == "|" and not self.in_bars))

    def _glued_factor(self) -> bool:
        """A factor follows with neither an operator nor a space (``2x``, ``3sin``)."""
        return self._starts_factor() and not self.token.spaced and self.token.kind != "op"

    def _product(self) -> sympy.Expr:
        factors = [self._signed()]
        while True:
            if self._is("*") or self._is("/"):
                operator = self._next()
                start = self.token
                factor = self._signed()
                if operator.text == "/" and factor == 0:
                    raise ParseError(f"division by zero at position {operator.pos}", operator.pos)
                if operator.text == "/" and start.text != "(" and self._glued_factor():
                    written = self.text[start.pos:self.token.pos].strip()
                    raise ParseError(
                        f"ambiguous division at position {operator.pos}: write /({written}"
                        f"{self.token.text}...) to divide by the product, or /{written}*"
                        f"{self.token.text} if not", operator.pos)
                factors.append(factor if operator.text == "*" else sympy.Pow(factor, -1))
            elif self._starts_factor():
                previous, token = self.tokens[self.index - 1], self.token
                if previous.kind == "num" and token.kind == "num":
                    raise ParseError(f"two numbers in a row at position {token.pos}: "
                                     f"write {previous.text}*{token.text}", token.pos)
                factors.append(self._power())
            else:
                break
        return sympy.Mul(*factors) if len(factors) > 1 else factors[0]

    def _signed(self) -> sympy.Expr:
        if self._is("-") or self._is("+"):
            token = self._next()
            self._enter(token)
            operand = self._signed()
            self.depth -= 1
            return -operand if token.text == "-" else operand
        return self._power()

    def _power(self) -> sympy.Expr:
        base = self._primary()
        if not self._is("^"):
            return base
        caret = self._next()
        self._enter(caret)
        exponent_start = self.token
        exponent = self._signed()
        self.depth -= 1
        if exponent_start.text != "(" and self._glued_factor():
            written = self.text[exponent_start.pos:self.token.pos].strip()
            raise ParseError(
                f"ambiguous exponent at position {caret.pos}: write ^({written}{self.token.text}...) "
                f"if it all belongs to the exponent, or ^{written}*{self.token.text} if not",
                caret.pos)
        return self._build_power(base, exponent, caret)

    def _build_power(self, base, exponent, caret: _Token) -> sympy.Expr:
        limit = self.limits.max_exponent
        if exponent.is_Number:
            if exponent.is_Rational and max(abs(exponent.p), abs(exponent.q)) > limit:
                raise ParseError(f"exponent {exponent} at position {caret.pos} is too large "
                                 f"(the limit is {limit})", caret.pos)
            if base.is_Rational and exponent.is_Rational:
                size = max(abs(base.p), abs(base.q), 2)
                digits = math.log10(size) * abs(exponent.p) / exponent.q
                if digits > self.limits.max_digits:
                    raise ParseError(f"the power at position {caret.pos} would have about "
                                     f"{digits:.3g} digits (the limit is {self.limits.max_digits})",
                                     caret.pos)
            if base == 0 and exponent.is_negative:
                raise ParseError(f"division by zero (0 to a negative power) at position {caret.pos}",
                                 caret.pos)
        return sympy.Pow(base, exponent)

    def _primary(self) -> sympy.Expr:
        token = self._next()
        if token.kind == "num":
            digits = len(token.text.replace(".", ""))
            if digits > self.limits.max_literal_digits:
                raise ParseError(f"number at position {token.pos} has {digits} digits "
                                 f"(the limit is {self.limits.max_literal_digits})", token.pos)
            return sympy.Rational(token.text)
        if token.kind == "name":
            return self._name(token)
        if token.kind == "op" and token.text in "(|":
            self._enter(token)
            if token.text == "|":
                self.in_bars += 1
            inner = self._sum()
            if token.text == "|":
                self.in_bars -= 1
            self._expect(")" if token.text == "(" else "|", token)
            self.depth -= 1
            return inner if token.text == "(" else sympy.Abs(inner)
        if token.kind == "end":
            raise ParseError("the expression ends too early (missing an operand at the end)", token.pos)
        raise ParseError(f"unexpected {token.text!r} at position {token.pos}", token.pos)

    # -- names -----------------------------------------------------------
    def _symbol(self, name: str) -> sympy.Symbol | None:
        if self.symbols is not None:
            return self.symbols.get(name)
        if name != "e" and _AUTO_SYMBOL.match(name):
            return self.auto.setdefault(name, sympy.Symbol(name, real=True))
        return None

    def _atom(self, name: str) -> sympy.Expr | None:
        symbol = self._symbol(name)
        return symbol if symbol is not None else CONSTANTS.get(name)

    def _name(self, token: _Token) -> sympy.Expr:
        name = token.text
        if "__" in name or name.startswith("_"):
            raise ParseError(f"names starting with '_' or containing '__' are not allowed: {name!r} "
                             f"at position {token.pos}", token.pos)
        atom = self._atom(name)
        if atom is not None:
            return atom
        if name in FUNCTIONS:
            return self._call(token, FUNCTIONS[name])
        if name.startswith("log_") and len(name) > 4:
            base_text = name[4:]
            base = sympy.Integer(base_text) if base_text.isdigit() else self._atom(base_text)
            if base is None:
                raise ParseError(f"unknown logarithm base {base_text!r} in {name!r} at position "
                                 f"{token.pos}", token.pos)
            return self._call(token, lambda arg: sympy.log(arg, base))
        pieces = self._split(name, token)
        if pieces is not None:
            return sympy.Mul(*pieces)
        raise ParseError(self._unknown(name, token), token.pos)

    def _split(self, name: str, token: _Token) -> list | None:
        """Read a run of letters as implicit products (``xy`` = x*y, ``xsin`` before '(')."""
        if self._is("("):
            for start in range(1, len(name)):
                tail = name[start:]
                if tail in FUNCTIONS:
                    head = self._split_atoms(name[:start])
                    if head is not None:
                        call_token = _Token("name", tail, token.pos + start, False)
                        return head + [self._call(call_token, FUNCTIONS[tail])]
        if any(function in name for function in FUNCTIONS if len(function) >= 3):
            return None             # "sinx" or "expx": a misspelt call, never s*i*n*x
        pieces = self._split_atoms(name)
        return pieces if pieces is not None and len(pieces) > 1 else None

    def _split_atoms(self, name: str) -> list | None:
        n = len(name)
        best: list = [None] * (n + 1)
        best[0] = []
        for end in range(1, n + 1):
            for start in range(max(0, end - 12), end):
                if best[start] is None:
                    continue
                atom = self._atom(name[start:end])
                if atom is not None:
                    best[end] = best[start] + [atom]
                    break
        return best[n]

    def _unknown(self, name: str, token: _Token) -> str:
        if keyword.iskeyword(name) or name in ("print", "eval", "exec", "open", "import"):
            message = f"{name!r} at position {token.pos} is Python code, not mathematics"
        else:
            message = f"unknown name {name!r} at position {token.pos}"
        prefix = next((f for f in sorted(FUNCTIONS, key=len, reverse=True) if name.startswith(f)), None)
        if prefix is not None and self._atom(name[len(prefix):]) is not None:
            message += f"; write {prefix}({name[len(prefix):]})"
        if self.symbols is not None:
            allowed = ", ".join(sorted(self.symbols)) or "none"
            message += f" (allowed variables: {allowed}; constants: e, pi)"
        return message

    def _call(self, token: _Token, function) -> sympy.Expr:
        power = None
        if self._is("^"):
            caret = self._next()
            if self.token.kind != "num" or not self.token.text.isdigit():
                raise ParseError(
                    f"after {token.text}^ at position {caret.pos} only a positive whole power is "
                    f"allowed, as in {token.text}^2(x); for the inverse function write "
                    f"a{token.text}(x) or arc{token.text}(x), for the reciprocal 1/{token.text}(x)",
                    caret.pos)
            power = sympy.Integer(self._next().text)
            if power > self.limits.max_exponent:
                raise ParseError(f"exponent {power} at position {caret.pos} is too large "
                                 f"(the limit is {self.limits.max_exponent})", caret.pos)
        if not self._is("("):
            raise ParseError(f"function {token.text!r} at position {token.pos} needs parentheses: "
                             f"write {token.text}(...)", token.pos)
        opened = self._next()
        self._enter(opened)
        arguments = [self._sum()]
        while self._is(","):
            self._next()
            arguments.append(self._sum())
        self._expect(")", opened)
        self.depth -= 1
        allowed = (1, 2) if token.text in ("log",) else (1,)
        if len(arguments) not in allowed:
            raise ParseError(f"{token.text}() at position {token.pos} takes "
                             f"{' or '.join(map(str, allowed))} argument(s), got {len(arguments)}",
                             token.pos)
        if len(arguments) == 2 and (arguments[1] == 1 or arguments[1].is_nonpositive):
            raise ParseError(f"logarithm base {arguments[1]} at position {token.pos} is not allowed",
                             token.pos)
        value = function(*arguments)
        return value if power is None else sympy.Pow(value, power)


def _count_nodes(expr: sympy.Basic, limit: int) -> int:
    count = 0
    for _ in sympy.preorder_traversal(expr):
        count += 1
        if count > limit:
            break
    return count


def parse(text: str, symbols: Iterable[str] | str | None = ("x",), *, limits: _Limits = LIMITS
          ) -> sympy.Expr:
    """Read a student's expression safely into a sympy expression.

    Parameters
    ----------
    text : str
        The expression as typed, e.g. ``"2x cos(x^2)"``. Powers are ``^`` or
        ``**``; ``ln`` and ``log`` are the natural logarithm, ``log(x, b)``,
        ``log_b(x)``, ``log2`` and ``log10`` have a base; ``e`` and ``pi`` are
        constants; ``|x|`` is ``abs(x)``; products may be implicit (``2x``,
        ``3sin(x)``, ``x y``, ``(x+1)(x-1)``); ``sin^2(x)`` is ``sin(x)^2``.
        Function names: sin, cos, tan, cot, sec, csc, their hyperbolic
        versions (sinh ... csch), every inverse as ``asin``/``arcsin`` (and
        ``arsinh`` for hyperbolic ones), exp, sqrt, abs, sign.
    symbols : iterable of str, str or None, default ("x",)
        The variable names allowed (a string may list several: ``"x, y"``).
        ``None`` accepts any single letter, Greek letter name (``beta``) or
        letter with an index (``w1``, ``x_2``) as a variable, and ``e`` as
        Euler's number. Variables become real sympy symbols.
    limits : _Limits, optional
        Resource limits; defaults to ``LIMITS``.

    Returns
    -------
    sympy.Expr
        The expression, built only from allow-listed sympy nodes.

    Raises
    ------
    ParseError
        For anything else (unknown names, Python syntax, strings, attribute
        access, look-alike Unicode letters, limits exceeded), with a message
        naming the offending part and its position.
    TypeError
        If ``text`` is not a str.

    Notes
    -----
    Exponents written as numbers are limited to ``|n| <= 1000`` and numbers
    to 50 digits, so ``9^9^9^9`` is refused instead of computed; the text may
    have at most 1000 characters and 40 levels of nesting.

    Examples
    --------
    >>> parse("2x cos(x^2)")
    2*x*cos(x**2)
    >>> parse("ln(x) + log(x, 2)")
    log(x) + log(x)/log(2)
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if len(text) > limits.max_length:
        raise ParseError(f"the expression has {len(text)} characters (the limit is {limits.max_length})")
    parser = _Parser(text, _symbol_table(symbols), limits)
    expr = parser.parse()
    if _count_nodes(expr, limits.max_nodes) > limits.max_nodes:
        raise ParseError(f"the expression is too large (more than {limits.max_nodes} nodes)")
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ParseError("the expression is undefined (it divides by zero or takes log(0))")
    return expr
