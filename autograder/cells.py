"""Reading nbgrader cells as data: which questions a test cell checks, which cells were withheld."""
from __future__ import annotations

import ast

__all__ = ["checked_questions", "withheld_cells"]


def withheld_cells(nb) -> list[str]:
    """Cells that stopped on course code withheld from the grading sandbox (not run in grading)."""
    from autograder.grading.runtime import WITHHELD_ERROR

    return [cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"#{index + 1}"
            for index, cell in enumerate(nb.cells) if cell.cell_type == "code"
            and any(o.get("ename") == WITHHELD_ERROR for o in cell.get("outputs", []))]


def checked_questions(source: str) -> list[str]:
    """Question ids passed as literal first arguments to ``check(...)`` in a test cell's source."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    ids = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "check" and node.args[0].value not in ids:
                ids.append(node.args[0].value)
    return ids
