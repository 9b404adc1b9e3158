"""Verdicts: the score of one answer and the words that explain it."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Part:
    """The verdict on one part of a multi-part answer.

    Attributes
    ----------
    name : str
        The part's key (``""`` for single-part questions).
    correct : bool
    message : str
        What was expected in kind and what was given (never the expected value).
    mistake : str or None
        The recognised mistake tag, if any.
    hint : str
        The hint for that mistake (or the question's default hint).
    """

    name: str
    correct: bool
    message: str = ""
    mistake: str | None = None
    hint: str = ""


@dataclass(frozen=True)
class Verdict:
    """The verdict on one question.

    Attributes
    ----------
    question : str
        The question id.
    score, max_score : float
        ``score = max_score * correct_parts / parts``.
    parts : tuple of Part
    """

    question: str
    score: float
    max_score: float
    parts: tuple[Part, ...] = field(default_factory=tuple)

    @property
    def correct(self) -> bool:
        """Whether every part is correct."""
        return all(p.correct for p in self.parts)

    @property
    def mistake(self) -> str | None:
        """The first recognised mistake tag among the wrong parts."""
        return next((p.mistake for p in self.parts if not p.correct and p.mistake), None)

    @property
    def hint(self) -> str:
        """The hints of the wrong parts, one per line, without repeats."""
        hints = [p.hint for p in self.parts if not p.correct and p.hint]
        return "\n".join(dict.fromkeys(hints))

    def text(self) -> str:
        """The friendly, multi-line verdict shown to the student."""
        head = f"{self.question}: {_fmt_points(self.score)}/{_fmt_points(self.max_score)} points"
        if self.correct:
            return head + " - correct."
        lines = [head]
        named = len(self.parts) > 1 or (self.parts and self.parts[0].name)
        for p in self.parts:
            mark = "ok" if p.correct else "not yet"
            label = f"[{p.name}] " if named else ""
            if p.correct:
                lines.append(f"  {mark}: {label}correct")
                continue
            lines.append(f"  {mark}: {label}{p.message}".rstrip())
            if p.hint:
                lines.append(f"      hint: {p.hint}")
        return "\n".join(lines)

    def metadata(self) -> dict:
        """The dict stored in ``cell.metadata["autograder"]`` of a graded cell."""
        return {
            "question": self.question,
            "score": self.score,
            "max_score": self.max_score,
            "correct": self.correct,
            "mistake": self.mistake,
            "hint": self.hint,
            "message": self.text(),
            "parts": [asdict(p) for p in self.parts],
        }


def scored(question: str, max_score: float, parts: list[Part]) -> Verdict:
    """Build a verdict whose score is the fraction of correct parts."""
    if not parts:
        raise ValueError("a verdict needs at least one part")
    fraction = sum(p.correct for p in parts) / len(parts)
    return Verdict(question, round(max_score * fraction, 6), max_score, tuple(parts))


def failed(question: str, max_score: float, message: str, mistake: str | None = None,
           hint: str = "") -> Verdict:
    """A zero-score verdict with one explanation (no answer, bad record, ...)."""
    return Verdict(question, 0.0, max_score, (Part("", False, message, mistake, hint),))


def _fmt_points(x: float) -> str:
    return f"{x:g}"
