"""nbgrader preprocessors that judge recorded answers in the grader's process.

``nbgrader autograde`` runs the submission in a kernel (``Execute``); there,
``check`` only records answers (see :mod:`autograder.checks`).  Registered
right after ``Execute`` (see ``nbgrader_config.py``),
:class:`ScoreRecordedAnswers` reads the records of each test cell as data,
judges them against coursekit in this process and rewrites the cell's outputs
into what ``nbgrader.utils.determine_grade`` scores:

* full or partial credit: a stdout verdict and an ``execute_result`` holding
  the score (nbgrader's partial credit);
* no credit: an ``error`` output whose traceback is the verdict and hint.

Each test cell gets ``cell.metadata["autograder"]`` (question, score,
max_score, correct, mistake, hint, message) and the notebook gets
``nb.metadata["autograder"]`` (student, assignment, flags, score, max_score).

:class:`StudentEnvironment`, placed before the sandboxed ``Execute``
(:class:`autograder.grading.execute.SandboxedExecute`), prepares each run
before any student code executes:

* it draws a fresh secret for the run and, from it, the hidden inputs of
  function/layer/optimizer questions, so outputs computed in advance for them
  are worthless; the secret stays in this process;
* it computes every expected answer in the grader (references and declared
  mistakes), so verdicts never use code the submission could reach;
* it writes the *grading plan* that goes into the sandbox: the student's
  variant parameters and, per question, its kind and hidden inputs as data
  (:mod:`autograder.capture`); no references, no seeds, no expected values;
* it fingerprints the grader's code (the loaded modules of ``autograder``,
  ``coursekit`` and ``nbgrader`` and the interpreter's ``.pth`` start-up
  files); if any of it changed while the submission ran (possible only when
  the instructor chose to grade unconfined), the submission is flagged, and
  only questions whose expected answers were computed before the run are
  judged.
"""
from __future__ import annotations

import hashlib
import importlib
import secrets
import site
import sys
from pathlib import Path
from typing import Any

from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from traitlets import Bool, Integer

from autograder import capture, kinds, questions, record, tamper
from autograder.cells import checked_questions, limit_output_size, withheld_cells
from autograder.checks import judge_record
from autograder.hints import hint_for
from autograder.mistakes import Mistake
from autograder.questions import UnknownQuestionError
from autograder.student import parameters
from autograder.verdict import Verdict, failed

_CODE_PACKAGES = ("autograder", "coursekit", "nbgrader")
#: Packages fingerprinted whole, every file loaded or not (the course's own code and data).
_WHOLE_PACKAGES = ("autograder", "coursekit")


class StudentEnvironment(NbGraderPreprocessor):
    """Prepare a submission's run before its kernel starts (see the module docstring).

    Leaves ``resources["autograder"]`` = ``{"nonce", "code", "expected", "plan"}``
    for :class:`~autograder.grading.execute.SandboxedExecute` (the plan) and
    :class:`ScoreRecordedAnswers` (the rest).  Changes nothing in this
    process's environment.
    """

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader") or {}
        student, assignment = info.get("student"), info.get("assignment")
        nonce = secrets.token_hex(16)
        expected = self._expected(assignment, student, nonce)
        _load_judging_modules()
        resources["autograder"] = {"nonce": nonce, "expected": expected, "code": code_fingerprint(),
                                   "plan": grading_plan(assignment, student, expected)}
        return nb, resources

    def _expected(self, assignment: str | None, student: str | None, nonce: str) -> dict:
        """Question id -> kinds.Expected for every question of the assignment that can be computed."""
        try:
            qs = questions.for_assignment(assignment) if assignment else {}
            v = parameters(assignment, student) if qs else {}
        except (UnknownQuestionError, ValueError):
            return {}
        out = {}
        for qid, q in qs.items():
            try:
                out[qid] = kinds.expect(q, v, kinds.trial_seed(qid, student, nonce))
            except Exception as exc:  # judged (and reported) again after the run
                self.log.error("Could not compute the reference of %s: %r", qid, exc)
        return out


def grading_plan(assignment: str | None, student: str | None, expected: dict) -> dict:
    """What a graded kernel may know: the variant, and per question its kind and hidden inputs.

    Parameters
    ----------
    assignment, student : str or None
    expected : dict
        Question id -> :class:`autograder.kinds.Expected` (its ``cases`` are the
        hidden inputs; its reference outputs stay out of the plan).

    Returns
    -------
    dict
        ``{"assignment", "student", "parameters", "questions": {id: {"kind", "cases"}}}``,
        JSON data (see :mod:`autograder.capture`).
    """
    try:
        qs = questions.for_assignment(assignment) if assignment else {}
        v = parameters(assignment, student) if qs else {}
    except (UnknownQuestionError, ValueError):
        qs, v = {}, {}
    entries = {}
    for qid, q in qs.items():
        if q.kind not in capture.BEHAVIOURAL_KINDS:
            entries[qid] = {"kind": q.kind}
        elif qid in expected:
            try:
                entries[qid] = {"kind": q.kind, "cases": capture.encode_cases(expected[qid].cases)}
            except record.RecordError:  # judged (and reported as the grader's error) later
                continue
    return {"assignment": assignment, "student": student, "parameters": record.encode(v),
            "questions": entries}


def _load_judging_modules() -> None:
    """Import what judging imports lazily (symbolic equivalence, gradient checks) while it is intact."""
    import importlib

    for module in ("coursekit.symbolic", "coursekit.gradcheck", "autograder.variants"):
        try:
            importlib.import_module(module)
        except ImportError:  # judged with the fallbacks then
            continue


def code_fingerprint() -> dict[str, str]:
    """SHA-256 of every file the grader's verdicts depend on, by path.

    Every file of the ``autograder`` and ``coursekit`` packages, loaded or not (code and
    data: a module first imported while a kernel runs is no change), the source files
    of the ``nbgrader`` modules loaded in this process, and the ``.pth``/``*customize.py``
    start-up files of the interpreter's site-packages (code there runs in every later
    grader).
    """
    files = [Path(m.__file__) for name, m in list(sys.modules.items())
             if name.split(".")[0] in _CODE_PACKAGES and isinstance(getattr(m, "__file__", None), str)]
    for package in _WHOLE_PACKAGES:
        root = Path(importlib.import_module(package).__file__).parent
        files += [p for p in root.rglob("*") if "__pycache__" not in p.parts]
    for directory in {*site.getsitepackages(), site.getusersitepackages()}:
        path = Path(directory)
        if path.is_dir():
            files += [p for p in path.iterdir()
                      if p.suffix == ".pth" or p.name in ("sitecustomize.py", "usercustomize.py")]
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(set(files)) if p.is_file()}


def changed_files(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Paths added, removed or changed between two :func:`code_fingerprint` results."""
    return sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))


class ScoreRecordedAnswers(NbGraderPreprocessor):
    """Judge the answer records of test cells out of the kernel and rewrite their outputs."""

    zero_flagged = Bool(
        True, help="Give 0 points to test cells whose question is flagged by tamper analysis "
                   "(set False to keep their points and review the flags by hand).").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader") or {}
        prepared = resources.get("autograder") or {}
        self._student = info.get("student")
        self._nonce = prepared.get("nonce")
        self._expected = prepared.get("expected") or {}
        self._tampered = []
        self._flags = []
        if "code" in prepared:
            self._tampered = changed_files(prepared["code"], code_fingerprint())
        self._flags = tamper.scan(nb, info.get("assignment"))
        if self._tampered:  # verdicts still use the expectations computed before the run
            shown = ", ".join(self._tampered[:5]) + (" ..." if len(self._tampered) > 5 else "")
            self._flag("notebook", f"the grader's code changed on disk while this submission ran "
                                   f"({_count(len(self._tampered), 'file')}: {shown}); check and restore it before "
                                   "grading anything else")
            self.log.error("The grader's code changed while %s's submission ran: %s", self._student, shown)
        self._totals = [0.0, 0.0]
        nb, resources = super().preprocess(nb, resources)
        nb.metadata["autograder"] = {
            "student": self._student,
            "assignment": info.get("assignment"),
            "flags": self._flags,
            "withheld_cells": withheld_cells(nb),
            "score": round(self._totals[0], 6),
            "max_score": self._totals[1],
        }
        for flag in self._flags:
            self.log.warning("Flagged %s: %s: %s", self._student, flag["cell"], flag["reason"])
        return nb, resources

    max_output_chars = Integer(
        100_000, help="Characters of output kept per cell of the graded notebook (nbgrader's LimitOutput "
                      "counts lines only, so one printed line of megabytes would stay); -1 for no limit."
    ).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        is_test = utils.is_grade(cell) and not utils.is_solution(cell)
        asked = checked_questions(cell.source) if is_test else []
        if not asked:  # answer cells, and plain nbgrader test cells graded in the kernel as usual
            if self.max_output_chars >= 0:
                cell.outputs = limit_output_size(cell.get("outputs", []), self.max_output_chars)
            return cell, resources
        grade_id = cell.metadata["nbgrader"].get("grade_id", f"cell {index}")
        strays = [d for d in _records(cell) if not (isinstance(d, dict) and d.get("question") in asked)]
        if strays:
            self._flag(grade_id, f"{len(strays)} answer record(s) not for {', '.join(asked)}")
        verdicts = [self._verdict(qid, cell, grade_id) for qid in asked]
        points = float(cell.metadata["nbgrader"]["points"])
        self._rewrite(cell, verdicts, points)
        return cell, resources

    def _verdict(self, qid: str, cell, grade_id: str) -> Verdict:
        if self._tampered and qid not in self._expected:  # judging now would run the changed code
            return _zero(qid, "not judged: the grader's code changed on disk while your notebook ran",
                         Mistake.FLAGGED)
        found = [d for d in _records(cell) if isinstance(d, dict) and d.get("question") == qid]
        try:
            if len(found) > 1:
                self._flag(grade_id, f"{len(found)} answer records for {qid} (expected one)")
                return _zero(qid, "more than one answer was recorded", Mistake.BAD_RECORD)
            if not found:
                message, mistake = _why_no_record(cell)
                if mistake == Mistake.BAD_RECORD:
                    self._flag(grade_id, f"the test cell ran without error but recorded no answer for {qid} "
                                         "(check() replaced, outputs cleared, or grading mode changed?)")
                return _zero(qid, message, mistake)
            verdict = judge_record(found[0], self._student, self._nonce, self._expected)
            if verdict.mistake == Mistake.OTHER_INPUTS:
                self._flag(grade_id, f"the answer to {qid} was computed on other hidden inputs than "
                                     "this run's (student id or grading nonce changed in the notebook?)")
        except record.RecordError as exc:
            self._flag(grade_id, f"malformed answer record for {qid}: {exc}")
            return _zero(qid, f"the answer record is malformed: {exc}", Mistake.BAD_RECORD)
        except UnknownQuestionError as exc:
            self._flag(grade_id, f"grader error: {exc}", internal=True)
            return failed(qid, 1.0, f"unknown question: {exc}", Mistake.BAD_RECORD)
        except Exception as exc:  # a broken reference must not stop the other questions
            self.log.error("Could not judge %s for %s: %r", qid, self._student, exc)
            self._flag(grade_id, f"grader error judging {qid}: {exc!r}", internal=True)
            return _zero(qid, "the grader could not judge this answer (your instructor is told)", Mistake.BAD_RECORD)
        if self.zero_flagged and any(qid in f.get("questions", ()) for f in self._flags):
            return _zero(qid, "answer flagged by tamper analysis", Mistake.FLAGGED)
        return verdict

    def _flag(self, cell: str, reason: str, internal: bool = False) -> None:
        # internal: the grader's own problem, whose details (a reference's error) stay with the instructor
        self._flags.append({"cell": cell, "reason": reason, **({"internal": True} if internal else {})})

    def _rewrite(self, cell, verdicts: list[Verdict], points: float) -> None:
        max_total = sum(v.max_score for v in verdicts)
        score = round(points * sum(v.score for v in verdicts) / max_total, 6)
        self._totals[0] += score
        self._totals[1] += points
        text = "\n".join(v.text() for v in verdicts)
        if score > 0:
            cell.outputs = [new_output("stream", name="stdout", text=text + "\n"),
                            new_output("execute_result", data={"text/plain": repr(score)},
                                       execution_count=cell.get("execution_count"))]
        else:  # nbgrader gives 0 for an error output; its traceback is the verdict itself
            cell.outputs = [new_output("error", ename="WrongAnswer", evalue=text.splitlines()[0],
                                       traceback=text.splitlines())]
        meta = verdicts[0].metadata() if len(verdicts) == 1 else _combined(verdicts)
        meta.update(score=score, max_score=points)
        cell.metadata["autograder"] = meta


def _records(cell) -> list[Any]:
    return [out.get("data", {}).get(record.MIME) for out in cell.get("outputs", [])
            if out.get("output_type") == "display_data" and record.MIME in out.get("data", {})]


def _why_no_record(cell) -> tuple[str, str]:
    """Why a test cell holds no record, and the mistake tag that fits."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors:
        return "no answer was recorded (was the test cell or check() changed?)", Mistake.BAD_RECORD
    ename, evalue = errors[-1].get("ename", "Error"), errors[-1].get("evalue", "")
    if ename == "CellTimeoutError":
        return "the cell did not finish within the time limit (an endless loop?)", Mistake.TIMEOUT
    if ename == "NameError":
        return (f"no answer: {evalue}. Run the cell that defines it; it must not still raise "
                "NotImplementedError"), Mistake.MISSING
    return f"the test cell stopped with {ename}: {evalue}"[:400], Mistake.RAISED


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _zero(qid: str, message: str, mistake: str) -> Verdict:
    try:
        q = questions.get(qid)
    except (UnknownQuestionError, ValueError):
        return failed(qid, 1.0, message, mistake)
    return failed(qid, q.points, message, mistake, hint_for(q, mistake))


def _combined(verdicts: list[Verdict]) -> dict:
    metas = [v.metadata() for v in verdicts]
    return {
        "question": ",".join(m["question"] for m in metas),
        "correct": all(m["correct"] for m in metas),
        "mistake": next((m["mistake"] for m in metas if m["mistake"]), None),
        "hint": "\n".join(m["hint"] for m in metas if m["hint"]),
        "message": "\n".join(m["message"] for m in metas),
        "questions": metas,
    }


class HideHiddenTests(ClearHiddenTests):
    """nbgrader's :class:`~nbgrader.preprocessors.ClearHiddenTests`, for feedback pages.

    ``nbgrader generate_feedback`` renders the autograded notebook, whose test
    cells hold the hidden tests again (``autograde`` restores them).  This
    removes each ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS``
    region from the source, as ``generate_assignment`` does, and shortens the
    tracebacks of such cells to their last line (``AssertionError: ...``):
    IPython's traceback quotes the failing lines, which may be hidden tests.
    Test cells scored by :class:`ScoreRecordedAnswers` keep their outputs,
    which are the grader's verdicts, not code.
    """

    def preprocess_cell(self, cell, resources, index):
        had_hidden = self.begin_test_delimeter in cell.get("source", "")
        cell, resources = super().preprocess_cell(cell, resources, index)
        if had_hidden and cell.cell_type == "code" and "autograder" not in cell.metadata:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources


def feedback_preprocessors(default: list | None = None) -> list:
    """nbgrader's feedback preprocessors with :class:`HideHiddenTests` after ``GetGrades``.

    Parameters
    ----------
    default : list, optional
        The list to extend; nbgrader's default ``GenerateFeedback.preprocessors``
        (``GetGrades``, ``CSSHTMLHeaderPreprocessor`` in nbgrader 0.9), which
        leaves hidden tests in the page.
    """
    from nbgrader.converters import GenerateFeedback
    from nbgrader.preprocessors import GetGrades

    steps = list(GenerateFeedback.class_traits()["preprocessors"].default() if default is None else default)
    steps = [s for s in steps if s not in (ClearHiddenTests, HideHiddenTests)]
    at = steps.index(GetGrades) + 1 if GetGrades in steps else 0
    return steps[:at] + [HideHiddenTests] + steps[at:]


def autograde_preprocessors(default: list | None = None) -> list:
    """nbgrader's autograde preprocessors, with ``Execute`` sandboxed and the scoring around it.

    ``Execute`` becomes :class:`autograder.grading.execute.SandboxedExecute`,
    preceded by :class:`StudentEnvironment` and followed by
    :class:`ScoreRecordedAnswers`.

    Parameters
    ----------
    default : list, optional
        The list to extend; nbgrader's default ``Autograde.autograde_preprocessors``.

    Raises
    ------
    ValueError
        If the list has no ``Execute`` preprocessor.
    """
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    steps = list(Autograde.class_traits()["autograde_preprocessors"].default() if default is None else default)
    if Execute not in steps:
        raise ValueError("the autograde preprocessors have no Execute step to insert after")
    from autograder.grading.execute import SandboxedExecute

    at = steps.index(Execute)
    return steps[:at] + [StudentEnvironment, SandboxedExecute, ScoreRecordedAnswers] + steps[at + 1:]
