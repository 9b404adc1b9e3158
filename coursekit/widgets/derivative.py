"""A text box for derivatives: type an answer, see the verdict while typing."""
from __future__ import annotations

import html
from dataclasses import dataclass, replace

import ipywidgets as widgets

from coursekit.symbolic import DerivativeVerdict, ParseError, check_derivative, parse
from coursekit.symbolic.hints import tier_for

__all__ = ["derivative_checker", "DerivativeChecker", "CheckerState"]

_STYLES = {
    "empty": "color:#555",
    "typing": "color:#8a6d00",
    "correct": "color:#1b7a1b;font-weight:bold",
    "wrong": "color:#b00020",
}


@dataclass(frozen=True)
class CheckerState:
    """What the checker shows for the current text.

    Attributes
    ----------
    answer : str
        The text in the box.
    status : {"empty", "typing", "correct", "wrong"}
        "typing" while the text cannot be read yet (e.g. an unclosed
        parenthesis): the message says why, without calling it wrong.
    verdict : DerivativeVerdict or None
        The verdict of :func:`coursekit.symbolic.check_derivative` (None while
        empty).
    message : str
        The sentence shown under the box: for a wrong answer, the tier ``tier`` of
        the verdict's hint (never the expected derivative).
    tier : int
        1 (the nudge) until the same mistake has been made in
        ``coursekit.symbolic.hints.ATTEMPTS_PER_TIER`` different answers, then the
        next tier, up to the rule.
    """

    answer: str
    status: str
    verdict: DerivativeVerdict | None
    message: str
    tier: int = 1


class DerivativeChecker:
    """Text-box widget checking the derivative of ``function`` as the student types.

    Attributes
    ----------
    controls : dict
        ``{"answer": ipywidgets.Text}``; set ``controls["answer"].value`` to drive it.
    state : CheckerState
        The verdict for the current text.
    widget : ipywidgets.VBox
        Question, text box and verdict.
    """

    def __init__(self, function: str, wrt: str = "x", answer: str = "", *,
                 continuous: bool = True, timeout: float = 1.0):
        self.function, self.wrt, self.timeout = function, wrt, timeout
        variables = sorted(s.name for s in parse(function, symbols=None).free_symbols)
        mark = "∂" if len(variables) > 1 else "d"
        question = f"{mark}/{mark}{wrt} of f = {function}"
        self.controls = {"answer": widgets.Text(
            value=answer, placeholder="type the derivative, e.g. 2x cos(x^2)",
            description="Answer:", continuous_update=continuous,
            layout=widgets.Layout(width="420px"))}
        self._question = widgets.HTML(f"<b>{html.escape(question)}</b>")
        self._verdict = widgets.HTML()
        self._wrong: dict[str | None, set[str]] = {}  # mistake -> the different answers making it
        self.state: CheckerState = self._escalate(self.compute(answer))
        self._show()
        self.controls["answer"].observe(self._on_change, names="value")
        self.widget = widgets.VBox([self._question, self.controls["answer"], self._verdict])

    def compute(self, answer: str) -> CheckerState:
        """The state for the text ``answer`` at the first tier (pure: no widget is touched)."""
        if not answer.strip():
            return CheckerState(answer, "empty", None, "Type your answer above.")
        verdict = check_derivative(self.function, answer, wrt=self.wrt, timeout=self.timeout)
        if verdict.mistake == "unreadable":
            return CheckerState(answer, "typing", verdict, verdict.feedback)
        status = "correct" if verdict.correct else "wrong"
        return CheckerState(answer, status, verdict, verdict.feedback)

    def _escalate(self, state: CheckerState) -> CheckerState:
        """Count a wrong answer against its mistake and show the tier that count has reached."""
        if state.status != "wrong" or state.verdict is None:
            return state
        answers = self._wrong.setdefault(state.verdict.mistake, set())
        answers.add("".join(state.answer.split()))
        tier = tier_for(len(answers), len(state.verdict.tiers))
        return replace(state, message=state.verdict.message(tier), tier=tier)

    def _show(self) -> None:
        style = _STYLES[self.state.status]
        self._verdict.value = f'<span style="{style}">{html.escape(self.state.message)}</span>'

    def _on_change(self, change) -> None:
        self.state = self._escalate(self.compute(change["new"]))
        self._show()

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        return (f"<DerivativeChecker d/d{self.wrt} {self.function!r}: "
                f"{self.state.status} {self.state.answer!r}>")


def derivative_checker(function: str = "sin(x^2)", wrt: str = "x", answer: str = "", *,
                       continuous: bool = True) -> DerivativeChecker:
    """A text box that checks a derivative while it is typed.

    Parameters
    ----------
    function : str, default "sin(x^2)"
        f, in the syntax of :func:`coursekit.symbolic.parse`.
    wrt : str, default "x"
        The variable of differentiation (∂f/∂wrt for several variables).
    answer : str, default ""
        Initial text in the box.
    continuous : bool, default True
        Check at every keystroke (False: when Enter is pressed or the box loses focus).

    Returns
    -------
    DerivativeChecker
        Displays itself in a notebook; ``.state`` holds the verdict.

    Raises
    ------
    ParseError
        If ``function`` cannot be read.

    Examples
    --------
    >>> checker = derivative_checker("x^3")
    >>> checker.controls["answer"].value = "3x^3"
    >>> checker.state.verdict.mistake
    'power_not_lowered'
    """
    if not isinstance(function, str):
        raise TypeError(f"function must be a str, got {type(function).__name__}")
    try:
        return DerivativeChecker(function, wrt, answer, continuous=continuous)
    except ParseError as error:
        raise ParseError(f"function {function!r} cannot be read: {error}", error.position) from None
