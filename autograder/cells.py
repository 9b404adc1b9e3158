"""nbgrader cells as data: which questions a test cell checks, which cells were withheld, and
outputs cut to size."""
from __future__ import annotations

import ast
import json

from nbformat.v4 import new_output

__all__ = ["checked_questions", "limit_output_size", "withheld_cells"]


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


def limit_output_size(outputs: list, max_chars: int) -> list:
    """``outputs`` with at most ``max_chars`` characters of text; larger outputs are cut with a note.

    Stream text is truncated; any other output whose JSON is too large is
    replaced by a short note (answer records are read before this runs on a
    test cell and are far below the limit; see :data:`autograder.record.LIMITS`).
    """
    kept, budget = [], max_chars
    for out in outputs:
        if out.get("output_type") == "stream":
            text = out.get("text", "")
            if len(text) > budget:
                out["text"] = text[:max(budget, 0)] + f"\n... output cut: {len(text) - max(budget, 0)} characters ...\n"
            budget -= len(text)
        else:
            size = len(json.dumps(dict(out.get("data", {})))) + sum(len(str(x)) for x in out.get("traceback", []))
            if size > budget:
                out = new_output("stream", name="stdout", text=f"... output of {size} characters cut ...\n")
            budget -= size
        kept.append(out)
        if budget < -max_chars:  # more outputs would only repeat the note
            kept.append(new_output("stream", name="stdout", text="... further outputs cut ...\n"))
            break
    return kept
