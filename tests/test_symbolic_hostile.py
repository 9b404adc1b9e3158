"""Hostile input: refused or "undecided" within 3 s, and nothing in it is ever executed."""
import os
import subprocess
import sys
import time

import pytest

from coursekit.cli import main
from coursekit.symbolic import ParseError, check_derivative, equivalent, parse

SECONDS = 3.0


def _payloads(target):
    return [
        f"__import__('pathlib').Path({str(target)!r}).touch()",
        f"__import__(\"os\").system(\"touch {target}\")",
        f"exec(\"open({str(target)!r}, 'w')\")",
        f"eval(\"__import__('os').system('touch {target}')\")",
        f"x + __import__('os').system('touch {target}')",
        "().__class__.__base__.__subclasses__()",
        f"(lambda: __import__('os').system('touch {target}'))()",
        "[c for c in ().__class__.__base__.__subclasses__()]",
        f"getattr(__builtins__, 'open')({str(target)!r}, 'w')",
    ]


def test_the_payload_is_live_python(tmp_path):
    # Control: the first payload really creates a file when Python evaluates it ...
    control = tmp_path / "control"
    eval(_payloads(control)[0])  # noqa: S307 - deliberate, to show the payload works
    assert control.exists()


@pytest.mark.parametrize("index", range(9))
def test_code_injection_is_refused_everywhere_and_creates_nothing(tmp_path, index):
    # ... while no entry point of coursekit.symbolic runs it.
    target = tmp_path / "pwned"
    payload = _payloads(target)[index]
    with pytest.raises(ParseError):
        parse(payload)
    with pytest.raises(ParseError):
        equivalent(payload, "x")
    with pytest.raises(ParseError):
        check_derivative(payload, "x")
    verdict = check_derivative("x^2", payload)
    assert verdict.mistake == "unreadable" and not verdict.correct
    assert main(["derivative", "x^2", payload]) == 2
    assert main(["equivalent", payload, "x"]) == 2
    assert not target.exists()


HEAVY = {
    "power tower 9**9**9**9": "9**9**9**9",
    "power tower with ^": "9^9^9^9",
    "huge exponent": "x^(10^10)",
    "huge integer power": "(x+1)^123456789",
    "100,000 characters": "x+" * 50_000,
    "deep parentheses": "(" * 5000 + "x" + ")" * 5000,
    "deep function calls": "sin(" * 2000 + "x" + ")" * 2000,
    "many signs": "-" * 10_000 + "x",
    "long identifier": "x" * 999,
    "huge literal": "9" * 999,
    "unicode look-alike": "ѕin(х)",
    "right-to-left override": "x\u202e+1",
    "null byte": "x\x00",
    "factorial": "x!",
    "exp tower": "exp(exp(exp(exp(exp(exp(exp(x)))))))",
    "product of 60 factors": "".join(f"(x+{k})" for k in range(1, 61)),
    "big expansion": "(x+1)^1000 - (1+x)^999*(x+1)",
    "empty real domain": "sqrt(-1 - x^2) + asin(x + 7)",
}


@pytest.mark.parametrize("text", HEAVY.values(), ids=HEAVY.keys())
def test_heavy_input_is_answered_within_three_seconds(text):
    start = time.perf_counter()
    try:
        verdict = check_derivative(text, "1")
        assert not verdict.correct
    except ParseError:
        pass
    assert time.perf_counter() - start < SECONDS
    start = time.perf_counter()
    try:
        outcome = equivalent(text, "x + 1")
        assert outcome.result in ("no", "undecided")
    except ParseError:
        pass
    assert time.perf_counter() - start < SECONDS


def test_heavy_answers_to_an_ordinary_question_are_answered_within_three_seconds():
    for text in HEAVY.values():
        start = time.perf_counter()
        verdict = check_derivative("sin(x^2)", text)
        assert not verdict.correct
        assert time.perf_counter() - start < SECONDS, text


@pytest.mark.slow  # starts a fresh Python process
def test_the_command_refuses_injection_in_a_fresh_process(tmp_path):
    target = tmp_path / "pwned"
    payload = _payloads(target)[1]
    done = subprocess.run([sys.executable, "-m", "coursekit.cli", "derivative", "sin(x)", payload],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 2
    assert "quotes" in done.stdout
    assert not target.exists()
