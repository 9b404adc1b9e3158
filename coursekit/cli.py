"""The ``coursekit`` command: check a derivative or an equivalence from a terminal.

Examples
--------
``coursekit derivative "sin(x^2)" "2*x*cos(x^2)"`` prints the verdict and
exits 0 when the answer is correct, 1 when it is wrong (or undecided) and 2
when an expression cannot be read. A wrong answer is told the idea of its
mistake (a nudge); ``--rule`` shows the rule that applies instead. Neither
names the expected derivative. ``coursekit equivalent A B`` does the same for
two expressions.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

__all__ = ["main"]

EXIT_CORRECT, EXIT_WRONG, EXIT_BAD_INPUT = 0, 1, 2


_CLOSING = {"(": ")", "[": "]"}


def _split_top_level(text: str) -> list[str]:
    """Split a gradient answer "2xy, x^2" (optionally in brackets) at top-level commas."""
    text = text.strip()
    if _in_one_pair_of_brackets(text):
        text = text[1:-1]
    parts, start = [], 0
    for index, char, depth in _depths(text):
        if char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [part.strip() for part in parts]


def _in_one_pair_of_brackets(text: str) -> bool:
    """Whether the bracket that opens ``text`` closes at its end: "(y, x)" but not "(y), (x)"."""
    if text[:1] not in _CLOSING or text[-1:] != _CLOSING[text[0]]:
        return False
    first_close = next((index for index, _, depth in _depths(text) if depth == 0), None)
    return first_close == len(text) - 1


def _depths(text: str):
    """(index, character, brackets open after it) for each character of ``text``."""
    depth = 0
    for index, char in enumerate(text):
        depth += (char in _CLOSING) - (char in _CLOSING.values())
        yield index, char, depth


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coursekit", description="Course tools: check derivatives and expressions safely "
                                      "(the text is parsed, never executed).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    derivative = commands.add_parser(
        "derivative", help="check a derivative, partial derivative or gradient",
        description="Check ANSWER as the derivative of FUNCTION and explain a mistake. "
                    "Exit status: 0 correct, 1 wrong or undecided, 2 unreadable input.",
        epilog='examples: coursekit derivative "sin(x^2)" "2x cos(x^2)"\n'
               '          coursekit derivative "x^2 y + y^3" "2xy, x^2 + 3y^2" --wrt x,y\n'
               '          coursekit derivative "x^3" "3x^3" --rule\n'
               '          coursekit derivative -- "cos(x)" "-sin(x)"   (-- before a leading minus)',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    derivative.add_argument("function", help='f, e.g. "sin(x^2)" (^ or ** for powers)')
    derivative.add_argument("answer", help="the derivative to check; for a gradient, the "
                                           "components separated by commas")
    derivative.add_argument("--wrt", metavar="VAR[,VAR...]",
                            help="variable of differentiation (default: the function's "
                                 "variable, or x if it has several); several, "
                                 "comma-separated, for a gradient")
    derivative.add_argument("--rule", action="store_true",
                            help="for a wrong answer, show the rule that applies (default: a "
                                 "nudge towards the idea of the mistake)")
    derivative.add_argument("--json", action="store_true", help="print the verdict as JSON")
    equivalent = commands.add_parser(
        "equivalent", help="are two expressions equal?",
        description="Compare two expressions on their common real domain. "
                    "Exit status: 0 equal, 1 different or undecided, 2 unreadable input.")
    equivalent.add_argument("first")
    equivalent.add_argument("second")
    equivalent.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def _derivative(args) -> int:
    from coursekit.symbolic import ParseError, check_derivative

    variables = [v for v in (args.wrt or "").replace(",", " ").split() if v]
    answer = _split_top_level(args.answer) if len(variables) > 1 else args.answer
    try:
        verdict = check_derivative(args.function, answer,
                                   wrt=variables if len(variables) > 1 else args.wrt)
    except (ParseError, ValueError, TypeError) as error:
        print(f"coursekit: cannot read the function: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    feedback = verdict.message(None if args.rule else 1)
    if args.json:
        print(json.dumps({"correct": verdict.correct, "mistake": verdict.mistake,
                          "feedback": feedback}))
    else:
        label = "correct" if verdict.correct else "wrong"
        if verdict.mistake == "unreadable":
            label = "unreadable"
        elif verdict.mistake:
            label += f" [{verdict.mistake}]"
        print(label)
        print(feedback)
    if verdict.mistake == "unreadable":
        return EXIT_BAD_INPUT
    return EXIT_CORRECT if verdict.correct else EXIT_WRONG


def _equivalent(args) -> int:
    from coursekit.symbolic import ParseError, equivalent

    try:
        outcome = equivalent(args.first, args.second)
    except ParseError as error:
        print(f"coursekit: cannot read the expression: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        print(json.dumps({"result": outcome.result, "reason": outcome.reason}))
    else:
        print(f"{outcome.result}: {outcome.reason}")
    return EXIT_CORRECT if outcome else EXIT_WRONG


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 correct/equal, 1 wrong/different/undecided, 2 unreadable input or usage error.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0) and EXIT_BAD_INPUT
    return _derivative(args) if args.command == "derivative" else _equivalent(args)


if __name__ == "__main__":
    sys.exit(main())
