"""Per-student HTML feedback: each question's verdict and hint, never the test code.

nbgrader's own ``generate_feedback`` renders the whole autograded notebook,
test cells included.  Here the page is built only from what
:class:`autograder.preprocessors.ScoreRecordedAnswers` stored in the autograded
notebooks (``cell.metadata["autograder"]``, ``nb.metadata["autograder"]``) and
from the grading log, so hidden tests and reference code cannot leak.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

import nbformat

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; color: #222; }
h1 { font-size: 1.4rem; } .total { font-size: 1.1rem; margin-bottom: 1.5rem; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .4rem .6rem;
border-bottom: 1px solid #ddd; vertical-align: top; } pre { white-space: pre-wrap; margin: 0; }
.ok { color: #1a7f37; } .no { color: #b42318; } .flags { background: #fff4e5; padding: .6rem 1rem; }
"""


def question_rows(notebook: Path) -> tuple[list[dict], dict]:
    """The verdicts stored in one autograded notebook and its notebook-level metadata.

    Raises
    ------
    ValueError
        If the file is not a readable notebook.
    """
    try:
        nb = nbformat.read(str(notebook), as_version=4)
    except (OSError, json.JSONDecodeError, nbformat.reader.NotJSONError) as exc:
        raise ValueError(f"cannot read autograded notebook {notebook}: {exc}") from None
    rows = [dict(cell.metadata["autograder"]) for cell in nb.cells if "autograder" in cell.metadata]
    return rows, dict(nb.metadata.get("autograder", {}))


def render(student: str, assignment: str, notebooks: dict[str, tuple[list[dict], dict]],
           log: dict | None = None) -> str:
    """The feedback page of one student (escaped HTML).

    Parameters
    ----------
    student, assignment : str
    notebooks : dict
        Notebook name -> ``(rows, notebook_metadata)`` from :func:`question_rows`.
    log : dict, optional
        The student's grading log entry (status, reason), shown when the
        submission could not be graded.
    """
    e = html.escape
    score = sum(r.get("score", 0) for rows, _ in notebooks.values() for r in rows)
    max_score = sum(r.get("max_score", 0) for rows, _ in notebooks.values() for r in rows)
    if not notebooks and log:  # nothing could run: the grading log knows the totals
        score, max_score = float(log.get("score") or 0), float(log.get("max_score") or 0)
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(assignment)}: {e(student)}</title>",
             f"<style>{_STYLE}</style></head><body>",
             f"<h1>Feedback on {e(assignment)} for {e(student)}</h1>"]
    if log and log.get("status") not in (None, "graded", "skipped"):
        parts.append(f"<p class='no'>Your submission could not be graded completely "
                     f"({e(str(log.get('status')))}): {e(str(log.get('reason', '')))}</p>")
    parts.append(f"<p class='total'>Score: <b>{score:g}</b> of {max_score:g} points</p>")
    for name, (rows, meta) in notebooks.items():
        parts.append(f"<h2>{e(name)}</h2>")
        if meta.get("flags"):
            items = "".join(f"<li>{e(str(f.get('cell')))}: {e(_reason_for_student(f))}</li>" for f in meta["flags"])
            parts.append(f"<div class='flags'><b>For your instructor to review:</b><ul>{items}</ul></div>")
        if meta.get("withheld_cells"):
            cells = ", ".join(str(c) for c in meta["withheld_cells"])
            parts.append(f"<p class='note'>Not run while grading: {e(cells)}. These cells use "
                         "course code that is left out of the grading sandbox because it holds "
                         "the answers of this assignment; they run as usual in JupyterLab and "
                         "cost no points.</p>")
        parts.append("<table><tr><th>Question</th><th>Points</th><th>Verdict and hint</th></tr>")
        for r in rows:
            mark = "ok" if r.get("correct") else "no"
            parts.append(
                f"<tr><td>{e(str(r.get('question')))}</td>"
                f"<td class='{mark}'>{r.get('score', 0):g} / {r.get('max_score', 0):g}</td>"
                f"<td><pre>{e(_verdict_body(r))}</pre></td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def verdict_parts(row: dict) -> list[dict]:
    """The parts of a stored verdict (of every question, for a cell that checks several)."""
    if "questions" in row:
        return [part for meta in row["questions"] for part in meta.get("parts") or []]
    return list(row.get("parts") or [])


def _verdict_body(row: dict) -> str:
    """What was wrong and the hint, part by part (the table's columns hold question and points)."""
    if row.get("correct"):
        return "correct"
    parts = verdict_parts(row)
    if not parts:
        return str(row.get("message", ""))
    named = len(parts) > 1 or bool(parts[0].get("name"))
    lines = []
    for part in parts:
        label = f"[{part.get('name')}] " if named else ""
        if part.get("correct"):
            lines.append(f"ok: {label}correct")
            continue
        lines.append(f"not yet: {label}{part.get('message', '')}".rstrip())
        if part.get("hint"):
            lines.append(f"    hint: {part['hint']}")
    return "\n".join(lines)


def _reason_for_student(flag: dict) -> str:
    """A flag's reason as the student may read it (the grader's own errors stay with the instructor)."""
    if flag.get("internal"):
        return "the grader could not judge this cell; your instructor has the details"
    return str(flag.get("reason"))


def write_feedback(assignment: str, course_dir=".", students=None) -> list[Path]:
    """Write ``<course>/feedback/<student>/<assignment>/feedback.html`` for every graded student.

    The folders are the course's nbgrader ``autograded_directory`` and
    ``feedback_directory`` (``autograded`` and ``feedback`` unless configured).

    Parameters
    ----------
    assignment : str
    course_dir : str or path
        The course root (with ``autograded/`` and ``autograder_log/``).
    students : iterable of str, optional
        Only these students (default: everyone autograded or logged).

    Returns
    -------
    list of Path
        The pages written, one per student.

    Raises
    ------
    FileNotFoundError
        If ``course_dir`` does not exist or nothing of ``assignment`` was graded yet.
    """
    from autograder.grading import course_directory, load_course_config, read_logs

    root = Path(course_dir).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"course directory {root} does not exist")
    coursedir = course_directory(load_course_config(root))
    logs = read_logs(assignment, root)
    pattern = Path(coursedir.format_path(coursedir.autograded_directory, "*", assignment))
    graded = {p.parent.parent.name for p in root.glob(f"{pattern.relative_to(root)}/*.ipynb")}
    wanted = sorted(set(students) if students is not None else graded | set(logs))
    if not wanted:
        raise FileNotFoundError(f"no graded submissions of {assignment!r} under {root}; "
                                f"run `autograder grade {assignment}` first")
    written = []
    for student in wanted:
        notebooks = {}
        directory = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
        for path in sorted(directory.glob("*.ipynb")):
            try:
                notebooks[path.stem] = question_rows(path)
            except ValueError:
                continue
        out = Path(coursedir.format_path(coursedir.feedback_directory, student, assignment),
                   "feedback.html")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render(student, assignment, notebooks, logs.get(student)), encoding="utf-8")
        written.append(out)
    return written
