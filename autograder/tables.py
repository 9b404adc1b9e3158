"""Plain-text tables for the terminal: grading results and the report in short."""
from __future__ import annotations

__all__ = ["report_summary", "results_table", "text_table"]


def results_table(results, notes: dict | None = None) -> str:
    """Grading results as plain text: a table (student, score, status, flags), then the
    reasons of submissions that did not grade cleanly and every flag, one per line.

    Parameters
    ----------
    results : list of autograder.grading.SubmissionResult
    notes : dict, optional
        Student -> a description shown in a "submission" column.
    """
    notes = notes or {}
    results = sorted(results, key=lambda r: r.student)
    header = ["student"] + (["submission"] if notes else []) + ["score", "status", "flags"]
    rows = [[r.student] + ([notes.get(r.student, "")] if notes else [])
            + [f"{r.score:g}/{r.max_score:g}", r.status, str(len(r.flags)) if r.flags else "-"]
            for r in results]
    lines = text_table(header, rows)
    reasons = [f"  {r.student}: {r.reason}" for r in results if r.reason]
    if reasons:
        lines += ["", "Why:"] + reasons
    flags = [f"  {r.student}: {f.get('cell')}: {f.get('reason')}" for r in results for f in r.flags]
    if flags:
        lines += ["", "Flagged for the instructor:"] + flags
    return "\n".join(lines)


def text_table(header: list[str], rows: list[list]) -> list[str]:
    """Left-aligned columns with a dashed rule under the header, as lines."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return ([fmt.format(*header).rstrip(), fmt.format(*["-" * w for w in widths])]
            + [fmt.format(*map(str, row)).rstrip() for row in rows])


_HINT_CHARS = 90


def report_summary(assignment: str, course_dir=".") -> str:
    """The instructor's report in short, as plain text: totals, each question's pass rate
    and average credit, then the most common mistakes with the hint students got.

    Parameters
    ----------
    assignment : str
    course_dir : str or path
        A graded course (gradebook, autograded notebooks, logs).

    Raises
    ------
    ValueError
        If the gradebook does not know ``assignment``.
    """
    from autograder.report import collect

    data = collect(assignment, course_dir)
    scores = list(data.scores.values())
    full = sum(s >= data.max_score - 1e-9 for s in scores)
    mean = f"mean {sum(scores) / len(scores):.2f} of {data.max_score:g}, " if scores else ""
    lines = [f"Report of {assignment}: {len(scores)} submissions graded, {mean}{full} with full marks, "
             f"{len(data.failures)} failed or timed out, {len({f['student'] for f in data.flags})} flagged"]
    lines += ["  " + line for line in text_table(
        ["question", "points", "pass rate", "average credit"],
        [[q.label, f"{q.max_score:g}", f"{q.pass_rate:.0%}", f"{q.mean_credit:.0%}"] for q in data.questions])]
    mistakes = [(q.label, tag, count, hint) for q in data.questions for tag, count, hint in q.mistakes]
    if mistakes:
        lines += ["", "Most common mistakes (answers, then the hint they got):"]
        for label, tag, count, hint in mistakes:
            first = (hint or "").splitlines()[0] if hint else "-"
            first = first if len(first) <= _HINT_CHARS else first[:_HINT_CHARS - 3] + "..."
            lines.append(f"  {label}: {tag} x{count}: {first}")
    return "\n".join(lines)
