"""Shared pytest set-up: headless matplotlib, hypothesis profiles, the project root, the test
modules' own questions (registered for each test only) and the optional torch."""
import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]

# Timings on shared machines are noisy: no per-example deadlines. On CI the examples are
# derandomised, so a run is reproducible; locally they vary and keep exploring.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (where nbgrader_config.py, solutions/ and notebooks/ live)."""
    return ROOT


@pytest.fixture(autouse=True)
def module_questions(request):
    """The test module's own questions, registered for each of its tests only.

    A test module declares them with ``QUESTIONS = QuestionSet()`` and
    ``@QUESTIONS.question(...)`` (see :class:`autograder.questions.QuestionSet`); after
    the test the registry holds none of them.
    """
    from autograder.questions import QuestionSet

    declared = getattr(request.module, "QUESTIONS", None)
    if not isinstance(declared, QuestionSet):
        yield None
        return
    with declared.registered():
        yield declared


@pytest.fixture(scope="session")
def torch():
    """torch, the optional reference some tests compare with; without it those tests skip."""
    return pytest.importorskip("torch", reason="torch is not installed (an optional test reference)")


@pytest.fixture
def judge(request, monkeypatch):
    """Judge an answer as the grader does: ``judge(name, answer, student=None)`` -> Verdict.

    The answer's record goes through JSON, as it does between the kernel and the grader, and is
    judged for ``student`` (whose id the kernel would have had). ``name`` is a question id, or a
    question of the test module's assignment ``A``.
    """
    from autograder.checks import answer_record, judge_record

    assignment = getattr(request.module, "A", None)

    def judge(name: str, answer, student: str | None = None):
        qid = name if "." in name else f"{assignment}.{name}"
        if student is not None:
            monkeypatch.setenv("COURSEKIT_STUDENT_ID", student)
        return judge_record(json.loads(json.dumps(answer_record(qid, answer))), student)
    return judge
