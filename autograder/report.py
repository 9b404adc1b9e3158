"""The instructor's report of an assignment: a grades CSV and one self-contained HTML page.

:func:`write_report` reads three sources, all written by grading:

* the gradebook: every submission's score and every test cell's points;
* the autograded notebooks: ``cell.metadata["autograder"]`` of each scored
  test cell (question, correct, mistake tag, hint) and
  ``nb.metadata["autograder"]["flags"]`` (answers flagged by tamper analysis);
* ``autograder_log/<assignment>/<student>.json``: submissions that failed to
  run, timed out, and why.

The page has no external resources: plots are inline SVG drawn with
matplotlib's object API (no pyplot, no display needed), styles are inline, so
it can be mailed or attached as it is. Every number in a plot is also in a
table.
"""
from __future__ import annotations

import collections
import html
import io
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading import (
    course_directory,
    gradebook_lock,
    load_course_config,
    read_logs,
    require_gradebook,
)

__all__ = ["QuestionStats", "ReportData", "collect", "render_html", "write_report"]

_PASS_TOLERANCE = 1e-9
_TOP_MISTAKES = 3


@dataclass
class QuestionStats:
    """How one graded cell (one or more questions) went across submissions.

    Attributes
    ----------
    cell : str
        nbgrader ``grade_id`` of the test cell.
    label : str
        The question id(s) checked in it, else the ``grade_id``.
    max_score : float
        Points of the cell.
    scores : list of float
        One score per graded submission.
    mistakes : list of (str, int, str)
        Most common mistakes: (tag, count, hint), most frequent first.
    """

    cell: str
    label: str
    max_score: float
    scores: list = field(default_factory=list)
    mistakes: list = field(default_factory=list)

    @property
    def pass_rate(self) -> float:
        """Fraction of submissions with full marks on this cell."""
        if not self.scores:
            return 0.0
        return sum(s >= self.max_score - _PASS_TOLERANCE for s in self.scores) / len(self.scores)

    @property
    def mean_credit(self) -> float:
        """Average partial credit: mean of ``score / max_score`` (0 to 1)."""
        if not self.scores or self.max_score <= 0:
            return 0.0
        return statistics.fmean(self.scores) / self.max_score


@dataclass
class ReportData:
    """Everything the report shows, gathered by :func:`collect`.

    Attributes
    ----------
    assignment : str
    max_score : float
        Points of the assignment.
    scores : dict of str to float
        Student -> total score (gradebook).
    questions : list of QuestionStats
        In notebook order.
    failures : list of dict
        ``{"student", "status", "reason"}`` for submissions whose log says
        ``failed`` or ``timeout``.
    flags : list of dict
        ``{"student", "notebook", "cell", "reason"}``.
    not_graded : list of str
        Students with a submission in ``submitted/`` but no grade yet.
    """

    assignment: str
    max_score: float
    scores: dict
    questions: list
    failures: list
    flags: list
    not_graded: list


def collect(assignment: str, course_dir=".") -> ReportData:
    """Gather the report's numbers from the gradebook, autograded notebooks and logs.

    Parameters
    ----------
    assignment : str
        Assignment name (must be in the gradebook).
    course_dir : str or path
        Course root with ``nbgrader_config.py``.

    Returns
    -------
    ReportData

    Raises
    ------
    ValueError
        If the gradebook does not exist or does not know ``assignment``.
    """
    from nbgrader.api import Gradebook, MissingEntry

    coursedir = course_directory(load_course_config(course_dir))
    root = Path(coursedir.root)
    require_gradebook(coursedir, assignment)
    with gradebook_lock(root), Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            record = gb.find_assignment(assignment)
        except MissingEntry:
            raise ValueError(f"assignment {assignment!r} is not in the gradebook "
                             f"({coursedir.db_url})") from None
        cells = [(nb.name, cell.name, float(cell.max_score))
                 for nb in record.notebooks for cell in nb.grade_cells]
        max_score = float(record.max_score)
        scores, cell_scores = {}, collections.defaultdict(dict)
        for submission in gb.assignment_submissions(assignment):
            student = submission.student.id
            scores[student] = float(submission.score)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    cell_scores[(notebook.name, grade.name)][student] = float(grade.score or 0.0)

    metas, flags = _autograded_metadata(coursedir, assignment, sorted(scores))
    questions = []
    for notebook, cell, points in cells:
        per_cell = metas.get((notebook, cell), [])
        labels = sorted({m.get("question") for m in per_cell if m.get("question")})
        questions.append(QuestionStats(
            cell=cell, label=", ".join(labels) or cell, max_score=points,
            scores=[cell_scores[(notebook, cell)][s] for s in sorted(cell_scores[(notebook, cell)])],
            mistakes=_common_mistakes(per_cell)))
    logs = read_logs(assignment, root)
    failures = [{"student": student, "status": log["status"], "reason": log.get("reason", "")}
                for student, log in sorted(logs.items())
                if log.get("status") in ("failed", "timeout")]
    submitted = Path(coursedir.root) / coursedir.submitted_directory
    not_graded = sorted(p.parent.name for p in submitted.glob(f"*/{assignment}")
                        if p.is_dir() and p.parent.name not in scores)
    return ReportData(assignment, max_score, scores, questions, failures, flags, not_graded)


def _autograded_metadata(coursedir, assignment: str, students: list[str]):
    """Test-cell verdict metadata per (notebook, cell), and every flag, from autograded notebooks."""
    import nbformat

    metas = collections.defaultdict(list)
    flags = []
    for student in students:
        directory = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
        for path in sorted(directory.glob("*.ipynb")):
            try:
                nb = nbformat.read(path, as_version=4)
            except Exception:  # a damaged autograded file must not hide the rest of the report
                continue
            for flag in (nb.metadata.get("autograder") or {}).get("flags") or []:
                flags.append({"student": student, "notebook": path.stem,
                              "cell": str(flag.get("cell", "")), "reason": str(flag.get("reason", ""))})
            for cell in nb.cells:
                meta = cell.metadata.get("autograder")
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if not meta or not grade_id:
                    continue
                for part in meta.get("questions") or [meta]:
                    metas[(path.stem, grade_id)].append(dict(part))
    return metas, flags


def _common_mistakes(metas: list[dict]) -> list[tuple[str, int, str]]:
    """The most frequent mistake tags among wrong answers, with their most frequent hint."""
    wrong = [m for m in metas if not m.get("correct")]
    tags = collections.Counter(m.get("mistake") or "wrong" for m in wrong)
    result = []
    for tag, count in tags.most_common(_TOP_MISTAKES):
        hints = collections.Counter(m.get("hint") or "" for m in wrong
                                    if (m.get("mistake") or "wrong") == tag)
        result.append((tag, count, hints.most_common(1)[0][0]))
    return result


# ------------------------------------------------------------------------------ output


def write_report(assignment: str, course_dir=".", out_dir=None) -> tuple[Path, Path]:
    """Write ``<assignment>_grades.csv`` and ``<assignment>_report.html``.

    Parameters
    ----------
    assignment : str
        Assignment name.
    course_dir : str or path
        Course root with ``nbgrader_config.py``; default the current directory.
    out_dir : str or path, optional
        Where to write; default ``<course_dir>/reports``.

    Returns
    -------
    (pathlib.Path, pathlib.Path)
        The CSV (nbgrader's export columns: assignment, duedate, timestamp,
        student_id, last_name, first_name, email, raw_score,
        late_submission_penalty, score, max_score; written by nbgrader's own
        ``CsvExportPlugin``) and the HTML page.

    Raises
    ------
    ValueError
        If the gradebook does not exist or does not know ``assignment``.
    """
    data = collect(assignment, course_dir)
    root = Path(load_course_config(course_dir).CourseDirectory.root)
    out = Path(out_dir) if out_dir is not None else root / "reports"
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / f"{assignment}_grades.csv"
    html_path = out / f"{assignment}_report.html"
    _export_csv(assignment, course_dir, csv_path)
    html_path.write_text(render_html(data), encoding="utf-8")
    return csv_path, html_path


def _export_csv(assignment: str, course_dir, path: Path) -> None:
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    coursedir = course_directory(load_course_config(course_dir))
    plugin = CsvExportPlugin(to=str(path), assignment=[assignment])
    with gradebook_lock(Path(coursedir.root)), \
            Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        plugin.export(gb)


def render_html(data: ReportData) -> str:
    """The report page for ``data``: summary, plots and tables, self-contained."""
    esc = html.escape
    scores = list(data.scores.values())
    summary = [("submissions graded", f"{len(scores)}"),
               ("maximum", f"{data.max_score:g}")]
    if scores:
        summary += [("mean score", f"{statistics.fmean(scores):.2f}"),
                    ("median score", f"{statistics.median(scores):g}"),
                    ("full marks", f"{sum(s >= data.max_score - _PASS_TOLERANCE for s in scores)}")]
    summary += [("failed or timed out", f"{len(data.failures)}"),
                ("flagged submissions", f"{len({f['student'] for f in data.flags})}"),
                ("flags", f"{len(data.flags)}")]
    if data.not_graded:
        summary.append(("submitted, not graded yet", f"{len(data.not_graded)}"))
    parts = [
        f"<h1>Report: {esc(data.assignment)}</h1>",
        _summary_table(summary),
        "<h2>Score distribution</h2>",
        _score_histogram(scores, data.max_score) if scores else "<p>No graded submissions.</p>",
        "<h2>Questions</h2>",
        _question_plot(data.questions) if data.questions and scores else "",
        _table("questions", ["question", "cell", "points", "pass rate", "average credit",
                             "mean score"],
               [(q.label, q.cell, f"{q.max_score:g}", f"{q.pass_rate:.0%}",
                 f"{q.mean_credit:.0%}",
                 f"{statistics.fmean(q.scores):.2f}" if q.scores else "-")
                for q in data.questions]),
        "<h2>Most common mistakes</h2>",
        _table("mistakes", ["question", "mistake", "answers", "hint"],
               [(q.label, tag, f"{count}", hint)
                for q in data.questions for tag, count, hint in q.mistakes])
        if any(q.mistakes for q in data.questions) else "<p>No mistakes recorded.</p>",
        "<h2>Submissions that failed to run</h2>",
        _table("failures", ["student", "status", "reason"],
               [(f["student"], f["status"], f["reason"]) for f in data.failures])
        if data.failures else "<p>None.</p>",
        "<h2>Flagged submissions</h2>",
        _table("flags", ["student", "notebook", "cell", "reason"],
               [(f["student"], f["notebook"], f["cell"], f["reason"]) for f in data.flags])
        if data.flags else "<p>None.</p>",
        "<h2>Scores</h2>",
        _table("scores", ["student", "score", "max score"],
               [(s, f"{v:g}", f"{data.max_score:g}") for s, v in sorted(data.scores.items())]),
    ]
    return _PAGE.format(title=esc(f"Report: {data.assignment}"), body="\n".join(parts))


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1.5rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.25rem 0.75rem; text-align: left;
         vertical-align: top; white-space: pre-wrap; }}
th {{ background: #f4f4f4; }}
figure {{ margin: 0; }}
</style></head>
<body>
{body}
</body></html>
"""


def _summary_table(pairs) -> str:
    esc = html.escape
    rows = "".join(f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>" for label, value in pairs)
    return f'<table id="summary"><tbody>{rows}</tbody></table>'


def _table(table_id: str, header: list[str], rows) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _svg(figure) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text: searchable, small
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return "<figure>" + text[text.index("<svg"):] + "</figure>"


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _score_histogram(scores: list[float], max_score: float) -> str:
    """Histogram of total scores, one bar per point when the maximum is small."""
    import numpy as np

    figure = _figure(6, 2.6)
    axes = figure.subplots()
    bins = int(min(max(max_score, 1), 20))
    edges = np.linspace(0.0, max(max_score, 1e-9), bins + 1)
    axes.hist(np.clip(scores, 0, max_score), bins=edges, color="#4878a8", edgecolor="white")
    axes.axvline(statistics.fmean(scores), color="#c44e52", linestyle="--",
                 label=f"mean {statistics.fmean(scores):.2f}")
    axes.set_xlabel(f"score (out of {max_score:g})")
    axes.set_ylabel("submissions")
    axes.legend(frameon=False)
    return _svg(figure)


def _question_plot(questions: list[QuestionStats]) -> str:
    """Pass rate and average partial credit per question, as paired horizontal bars."""
    import numpy as np

    figure = _figure(6, 0.45 * len(questions) + 1.0)
    axes = figure.subplots()
    y = np.arange(len(questions))
    axes.barh(y - 0.2, [q.pass_rate for q in questions], height=0.4, label="pass rate",
              color="#55a868")
    axes.barh(y + 0.2, [q.mean_credit for q in questions], height=0.4,
              label="average credit", color="#8172b2")
    axes.set_yticks(y, [q.label for q in questions])
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.set_xlabel("fraction of submissions / of points")
    axes.legend(frameon=False, loc="lower right")
    return _svg(figure)
