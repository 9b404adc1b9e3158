"""The running notebooks never show the answers of their pen-and-paper exercises.

``test_course.py`` reads the notebooks' prose for quoted answers; here each student version runs top
to bottom in a fresh kernel, as a student with an id runs it in JupyterLab (answers blank, reference
code installed, explorers live), and every text its cells print or display is searched for the
expected values of the assignment's by-hand questions for that student, in the usual formats (the
detector of ``test_hints.py``). The numbers the exercise itself states (the student's parameters) are
no answers given away and are skipped.
"""
from __future__ import annotations

import nbformat
import pytest
from test_course import BY_HAND, _nbgrader, _release_path
from test_hints import _flat_numbers, _numbers, _reveals

from autograder import questions
from autograder.student import parameters
from autograder.variants import STUDENT_ENV_VARS

STUDENT = "course_test_by_hand"


def _texts(cell) -> list[str]:
    """What a code cell showed: streams, plain-text results and error messages (not images)."""
    out = []
    for o in cell.get("outputs", []):
        if o.output_type == "stream":
            out.append(o.text)
        elif o.output_type in ("execute_result", "display_data"):
            out.append(o.get("data", {}).get("text/plain", ""))
            out.append(o.get("data", {}).get("text/markdown", ""))
        elif o.output_type == "error":
            out.append(f"{o.ename}: {o.evalue}")
    return out


def _given(v: dict) -> set[float]:
    """The sizes of the numbers the exercise states: the student's parameters."""
    return {abs(x) for x in _flat_numbers([value for value in v.values() if not isinstance(value, str)])}


def _expected(a: str, v: dict) -> list[float]:
    return [x for name in BY_HAND[a] for x in _flat_numbers(questions.get(f"{a}.{name}").reference(v))
            if abs(x) not in _given(v)]


@pytest.mark.slow
@pytest.mark.parametrize("a", sorted(BY_HAND))
def test_the_running_student_notebook_shows_no_answer_of_its_pen_and_paper_exercises(a, tmp_path,
                                                                                    monkeypatch):
    from nbclient import NotebookClient

    for name in STUDENT_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(STUDENT_ENV_VARS[0], STUDENT)   # the kernel inherits it, as in JupyterLab
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(_release_path(a), as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    v = parameters(a, STUDENT)
    values, given = _expected(a, v), _given(v)
    assert values, f"{a}: no by-hand answer to look for"
    ran = [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count")]
    assert len(ran) == sum(c.cell_type == "code" for c in nb.cells), f"{a}: not every cell ran"
    for cell in ran:
        quoted = [n for text in _texts(cell) for n in _numbers(text) if n[1] >= 2 and not n[2] and abs(n[0]) not in given]
        shown = sorted({n[0] for n in quoted if any(_reveals(n, x) for x in values)})
        where = _nbgrader(cell).get("grade_id") or cell.get("id")
        assert not shown, f"{a}/{where} shows answers of exercises done by hand: {shown}"
