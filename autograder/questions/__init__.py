"""The question registry: what each test cell checks, declared in Python.

One module per assignment, ``autograder/questions/<assignment>.py``, declares its questions
with :func:`question` (and :func:`hidden_twin`); the decorated function is the *reference*,
a function of the student's variant parameters ``v`` giving what a correct answer is compared
with.  ``docs/authoring.md`` is the full guide (kinds, mistakes and hint tiers, hidden twins,
hidden inputs, ``VARIANTS``, ``WITHHELD``), ``autograder/questions/demo_gd.py`` a complete
small example.  A :class:`QuestionSet` holds questions registered only for a while (tests).
"""
from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

Kind = Literal["number", "array", "function", "layer", "optimizer", "expression", "choice", "text"]
KINDS: tuple[str, ...] = get_args(Kind)
BEHAVIOURAL_KINDS = ("function", "layer", "optimizer")

_ID = re.compile(r"^(?P<assignment>[A-Za-z0-9_]+)\.(?P<name>[A-Za-z_][A-Za-z0-9_]*)$")
_REGISTRY: dict[str, Question] = {}  # the course's questions, from the assignment modules
_SCOPES: list[dict[str, Question]] = []  # open question sets (see QuestionSet), innermost last


class UnknownQuestionError(KeyError):
    """No question is registered under the given id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class Question:
    """One gradable question.

    Attributes
    ----------
    id : str
        ``"<assignment>.<name>"``, the id the test cell passes to ``check``.
    kind : str
        One of :data:`KINDS`.
    reference : callable
        ``reference(v)``: the expected answer (see the module docstring).
    points : float
        Maximum score.
    rtol, atol : float
        Tolerances for numeric comparisons: ``|a - e| <= atol + rtol * |e|``
        elementwise.
    inputs : callable or None
        ``inputs(rng, v) -> list of trials`` for behavioural kinds.
    mistakes : dict
        Tag -> ``f(v)`` giving the answer (or implementation) with that mistake.
    hints : dict
        Tag -> hint: a text or a tuple of tiers (nudge, ..., rule);
        ``"default"`` for unrecognised wrong answers.
    options : tuple of str
        The allowed answers of a "choice" question.
    symbols : tuple of str
        Free symbols of an "expression" question.
    derivative_of : (str, str) or None
        ``(function, wrt)`` when an "expression" answer is a derivative: the
        answer is then judged by :func:`coursekit.symbolic.check_derivative`,
        whose diagnosis (chain rule, sign, ...) becomes the hint.
    score : callable or None
        ``score(q, outputs, v, seed) -> list of Part`` for a "function"
        question judged by a measure (see the module docstring).
    """

    id: str
    kind: str
    reference: Callable[[dict], Any]
    points: float = 1.0
    rtol: float = 1e-7
    atol: float = 1e-10
    inputs: Callable[..., list] | None = None
    mistakes: dict = field(default_factory=dict)
    hints: dict = field(default_factory=dict)
    options: tuple = ()
    symbols: tuple = ("x",)
    derivative_of: tuple | None = None
    score: Callable[..., list] | None = None

    @property
    def assignment(self) -> str:
        """The assignment part of the id."""
        return self.id.split(".", 1)[0]

    @property
    def name(self) -> str:
        """The question part of the id."""
        return self.id.split(".", 1)[1]

    def hint(self, tag: str | None, tier: int | None = None) -> str:
        """The hint for a mistake tag at ``tier`` (None: the last); see :func:`autograder.hints.hint_for`."""
        from autograder.hints import hint_for

        return hint_for(self, tag, tier)


def _validate(q: Question) -> None:
    if not _ID.match(q.id):
        raise ValueError(f"question id {q.id!r} must look like '<assignment>.<name>' "
                         "(letters, digits and underscores)")
    if q.kind not in KINDS:
        raise ValueError(f"question {q.id!r}: kind {q.kind!r} is not one of {KINDS}")
    if not (isinstance(q.points, (int, float)) and q.points > 0):
        raise ValueError(f"question {q.id!r}: points must be a positive number, got {q.points!r}")
    if q.rtol < 0 or q.atol < 0:
        raise ValueError(f"question {q.id!r}: rtol and atol must be >= 0")
    if q.kind in BEHAVIOURAL_KINDS and not callable(q.inputs):
        raise ValueError(f"question {q.id!r}: kind {q.kind!r} needs inputs=callable(rng, v)")
    if q.derivative_of is not None and (q.kind != "expression" or len(q.derivative_of) != 2):
        raise ValueError(f"question {q.id!r}: derivative_of=(function, wrt) is for kind 'expression'")
    if q.score is not None and q.kind != "function":
        raise ValueError(f"question {q.id!r}: score= is for kind 'function'")
    if q.kind == "choice" and not q.options:
        raise ValueError(f"question {q.id!r}: kind 'choice' needs options=(...)")
    from autograder.hints import as_tiers
    from autograder.mistakes import Mistake

    unknown = set(q.hints) - set(q.mistakes) - {"default"} - set(Mistake)
    if unknown:
        raise ValueError(f"question {q.id!r}: hints for undeclared mistakes {sorted(unknown)}")
    for tag, hint in q.hints.items():
        try:
            as_tiers(hint)
        except ValueError as exc:
            raise ValueError(f"question {q.id!r}, hint {tag!r}: {exc}") from None


def question(qid: str, *, kind: Kind, points: float = 1.0, rtol: float = 1e-7,
             atol: float = 1e-10, inputs: Callable[..., list] | None = None,
             mistakes: dict | None = None, hints: dict | None = None,
             options: tuple | list = (), symbols: tuple | list = ("x",),
             derivative_of: tuple | None = None, score: Callable[..., list] | None = None):
    """Register the decorated reference function as question ``qid``.

    Parameters
    ----------
    qid : str
        ``"<assignment>.<name>"``.
    kind : str
        One of :data:`KINDS`.
    points : float, default 1
        Maximum score; multi-part answers score a fraction of it.
    rtol, atol : float
        Numeric tolerances.
    inputs : callable, optional
        ``inputs(rng, v) -> list of trials``; required for behavioural kinds.
    mistakes : dict, optional
        Tag -> ``f(v)`` returning the answer a given mistake produces.
    hints : dict, optional
        Tag -> hint text; ``"default"`` for other wrong answers.
    options : sequence of str
        Allowed answers of a "choice" question.
    symbols : sequence of str
        Free symbols of an "expression" question.
    derivative_of : (str, str), optional
        ``(function, wrt)`` for an "expression" question asking for a
        derivative: judged by :func:`coursekit.symbolic.check_derivative`, so a
        wrong answer gets its diagnosed mistake (chain rule, sign, ...) as hint.
    score : callable, optional
        ``score(q, outputs, v, seed) -> list of Part``: judge a "function"
        answer by a measure of its outputs on the hidden inputs.

    Returns
    -------
    callable
        A decorator returning the reference function unchanged.

    Raises
    ------
    ValueError
        For a malformed id, unknown kind, non-positive points, missing
        ``inputs`` or ``options``, hints for undeclared mistakes, or an id
        registered twice by different functions.
    """
    def register(reference: Callable[[dict], Any]) -> Callable[[dict], Any]:
        _add(_REGISTRY, _build(qid, reference, kind=kind, points=points, rtol=rtol, atol=atol,
                               inputs=inputs, mistakes=mistakes, hints=hints, options=options,
                               symbols=symbols, derivative_of=derivative_of, score=score))
        return reference
    return register


def _build(qid, reference, *, kind, points=1.0, rtol=1e-7, atol=1e-10, inputs=None, mistakes=None,
           hints=None, options=(), symbols=("x",), derivative_of=None, score=None) -> Question:
    q = Question(id=qid, kind=kind, reference=reference, points=float(points), rtol=float(rtol),
                 atol=float(atol), inputs=inputs, mistakes=dict(mistakes or {}),
                 hints=dict(hints or {}), options=tuple(options), symbols=tuple(symbols),
                 derivative_of=tuple(derivative_of) if derivative_of else None, score=score)
    _validate(q)
    return q


def _add(target: dict[str, Question], q: Question) -> None:
    old = registry().get(q.id)
    if old is not None and _origin(old.reference) != _origin(q.reference):
        raise ValueError(f"question {q.id!r} is registered twice")
    target[q.id] = q


def hidden_twin(qid: str, *, inputs: Callable[..., list], points: float = 1.0, rtol: float = 1e-7,
                atol: float = 1e-10, mistakes: dict | None = None, hints: dict | None = None) -> Question:
    """Register ``qid + "_hidden"``: question ``qid`` again, on other hidden ``inputs``.

    The twin has the kind and the reference of ``qid`` (registered before it); its own
    ``inputs`` (edge cases), ``points``, tolerances, ``mistakes`` and ``hints`` (nothing of
    them is inherited; the defaults are those of :func:`question`).  Its ``check`` call sits
    in the test cell's hidden-tests region (see ``docs/authoring.md``).

    Raises
    ------
    ValueError
        If ``qid`` is not registered yet, or for anything :func:`question` refuses.
    """
    original = registry().get(qid)
    if original is None:
        raise ValueError(f"hidden twin of {qid!r}: register {qid!r} first")
    twin = _build(f"{qid}_hidden", original.reference, kind=original.kind, points=points,
                  rtol=rtol, atol=atol, inputs=inputs, mistakes=mistakes, hints=hints,
                  options=original.options, symbols=original.symbols)
    _add(_REGISTRY if qid in _REGISTRY else _SCOPES[-1], twin)
    return twin


class QuestionSet:
    """Questions declared outside any assignment module, registered only while in use.

    The test suite declares its own small assignments this way: ``QUESTIONS =
    QuestionSet()`` and ``@QUESTIONS.question(...)`` (the arguments of :func:`question`)
    at a test module's top level.  Inside ``with QUESTIONS.registered():`` (a fixture in
    ``tests/conftest.py`` opens it around each test) they are known to :func:`get` and
    :func:`for_assignment`; on leaving it the registry is exactly as it was.
    """

    def __init__(self) -> None:
        self._declared: dict[str, Question] = {}
        self._scope: dict[str, Question] | None = None

    def question(self, qid: str, **options: Any) -> Callable:
        """Declare a question of the set (the arguments of :func:`question`, which it checks alike).

        Declared inside ``registered()``, the question is known at once, until the block ends.
        """
        def declare(reference: Callable[[dict], Any]) -> Callable[[dict], Any]:
            q = _build(qid, reference, **options)
            if self._scope is not None:
                _add(self._scope, q)
                return reference
            old = self._declared.get(qid)
            if old is not None and _origin(old.reference) != _origin(reference):
                raise ValueError(f"question {qid!r} is registered twice")
            self._declared[qid] = q
            return reference
        return declare

    @contextmanager
    def registered(self) -> Iterator[QuestionSet]:
        """Make the set's questions known inside the block; on exit, forget every one."""
        if self._scope is not None:
            raise RuntimeError("this question set is registered already")
        scope: dict[str, Question] = {}
        _SCOPES.append(scope)
        self._scope = scope
        try:
            for q in self._declared.values():
                _add(scope, q)
            yield self
        finally:
            self._scope = None
            _SCOPES.remove(scope)


def registry() -> dict[str, Question]:
    """Every question registered now, by id, in declaration order: the course's loaded ones
    and those of any open :class:`QuestionSet`."""
    merged = dict(_REGISTRY)
    for scope in _SCOPES:
        merged.update(scope)
    return merged


def _origin(f: Callable) -> tuple[str, str]:
    return getattr(f, "__module__", ""), getattr(f, "__qualname__", "")


def split_id(qid: str) -> tuple[str, str]:
    """Split ``"<assignment>.<name>"``.

    Raises
    ------
    ValueError
        If ``qid`` is not a string of that form.
    """
    m = _ID.match(qid) if isinstance(qid, str) else None
    if m is None:
        raise ValueError(f"question id {qid!r} must look like '<assignment>.<name>'")
    return m["assignment"], m["name"]


def load_assignment(assignment: str):
    """Import ``autograder.questions.<assignment>`` (registering its questions).

    Raises
    ------
    UnknownQuestionError
        If no such module exists.
    """
    try:
        return importlib.import_module(f"{__name__}.{assignment}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{assignment}":
            raise
        raise UnknownQuestionError(
            f"no questions for assignment {assignment!r}: "
            f"expected a module autograder/questions/{assignment}.py") from None


def assignment_module(assignment: str):
    """The assignment's answer-key module, imported; None if its questions were registered
    elsewhere (a test's :class:`QuestionSet`), which declare no ``VARIANTS`` or ``WITHHELD``.

    Raises
    ------
    UnknownQuestionError
        If there is neither such a module nor a registered question of ``assignment``.
    """
    try:
        return load_assignment(assignment)
    except UnknownQuestionError:
        if any(qid.startswith(assignment + ".") for qid in registry()):
            return None  # e.g. questions declared by a test module: no VARIANTS
        raise


def get(qid: str) -> Question:
    """The question registered as ``qid``, importing its assignment module on demand.

    Raises
    ------
    ValueError
        For a malformed id.
    UnknownQuestionError
        If the assignment or the question does not exist.
    """
    assignment, _ = split_id(qid)
    if qid not in registry():
        assignment_module(assignment)
    try:
        return registry()[qid]
    except KeyError:
        known = ", ".join(sorted(for_assignment(assignment))) or "none"
        raise UnknownQuestionError(f"unknown question {qid!r}; {assignment} has: {known}") from None


def for_assignment(assignment: str) -> dict[str, Question]:
    """All questions of an assignment, by id, in declaration order."""
    assignment_module(assignment)
    prefix = assignment + "."
    return {qid: q for qid, q in registry().items() if qid.startswith(prefix)}


def variant_space(assignment: str) -> tuple[dict, dict]:
    """``(space, defaults)`` from the module's ``VARIANTS`` dict (empty if none).

    ``VARIANTS = {"space": {name: [choices...]}, "defaults": {name: value}}``,
    optionally with ``"accept": rule(v) -> bool`` (see :func:`variant_accept`);
    see :func:`autograder.parameters`.
    """
    spec = _variants_spec(assignment)
    return dict(spec.get("space", {})), dict(spec.get("defaults", {}))


def variant_accept(assignment: str) -> Callable[[dict], bool] | None:
    """The ``"accept"`` rule of the module's ``VARIANTS``, or None.

    A draw of the space is repeated until the rule holds (see
    :func:`autograder.variants.draw`): parameters that must fit together, such
    as a learning rate that diverges for the student's own function, and
    numbers that stay pleasant by hand.
    """
    accept = _variants_spec(assignment).get("accept")
    if accept is not None and not callable(accept):
        raise ValueError(f"VARIANTS['accept'] of {assignment!r} must be a function of the parameters")
    return accept


def _variants_spec(assignment: str) -> dict:
    module = assignment_module(assignment)
    spec = getattr(module, "VARIANTS", None) or {}
    unknown = set(spec) - {"space", "defaults", "accept"}
    if unknown:
        raise ValueError(f"VARIANTS of {assignment!r} has unknown keys {sorted(unknown)}; "
                         "expected 'space', 'defaults' and optionally 'accept'")
    return spec
