"""Tests for autograder.report: the grades CSV and the HTML page, checked by content."""
import csv
import sqlite3
from html.parser import HTMLParser

import pytest

from autograder.report import QuestionStats, ReportData, _common_mistakes, render_html, write_report


class _Tables(HTMLParser):
    """Every <table id=...> of a page as a list of rows of cell texts (header row first)."""

    def __init__(self, page: str):
        super().__init__()
        self.tables, self.svgs, self.external = {}, 0, []
        self._table = self._row = self._cell = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id"), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "svg":
            self.svgs += 1
        if attrs.get("src") or tag == "link" or str(attrs.get("href", "")).startswith("http"):
            self.external.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _rows(tables, table_id):
    header, *rows = tables.tables[table_id]
    return [dict(zip(header, row)) for row in rows]


def _sample_data():
    # q1: scores 2, 1, 0, 2, 2 of 2 -> 3/5 full marks (60 %), credit 7/10 (70 %).
    # q2: scores 1, 0, 0, 1, 0 of 1 -> 2/5 (40 %), credit 2/5 (40 %).
    q1 = QuestionStats("test_q1", "hw.q1", 2.0, [2.0, 1.0, 0.0, 2.0, 2.0],
                       [("ascent", 2, "Step against the gradient."), ("wrong", 1, "")])
    q2 = QuestionStats("test_q2", "test_q2", 1.0, [1.0, 0.0, 0.0, 1.0, 0.0], [])
    scores = {"ann": 3.0, "bo": 1.0, "<cy>": 0.0, "di": 3.0, "ed": 2.0}
    failures = [{"student": "<cy>", "status": "failed", "reason": "hw.ipynb is not valid JSON"}]
    flags = [{"student": "di", "notebook": "hw", "cell": "q1_answer",
              "reason": "reassigns np.isclose"}]
    return ReportData("hw", 3.0, scores, [q1, q2], failures, flags, ["late"])


def test_question_stats_pass_rate_and_mean_credit():
    q = QuestionStats("c", "c", 2.0, [2.0, 1.0, 0.0, 2.0, 2.0])
    assert q.pass_rate == pytest.approx(3 / 5)
    assert q.mean_credit == pytest.approx(7 / 10)
    assert QuestionStats("c", "c", 2.0).pass_rate == 0.0


def test_common_mistakes_counts_wrong_answers_by_tag_with_their_hint():
    metas = [{"correct": False, "mistake": "ascent", "hint": "h1"},
             {"correct": False, "mistake": "ascent", "hint": "h1"},
             {"correct": False, "mistake": None, "hint": ""},
             {"correct": True, "mistake": None, "hint": ""},
             {"correct": False, "mistake": "too_large", "hint": "h2"}]
    assert _common_mistakes(metas) == [("ascent", 2, "h1"), ("wrong", 1, ""), ("too_large", 1, "h2")]


@pytest.fixture(scope="module")
def sample_page():
    return render_html(_sample_data())


def test_page_shows_the_numbers_of_every_section(sample_page):
    tables = _Tables(sample_page)
    summary = dict(tables.tables["summary"])  # (label, value) rows
    assert summary["submissions graded"] == "5"
    assert summary["mean score"] == "1.80"  # (3 + 1 + 0 + 3 + 2) / 5
    assert summary["median score"] == "2"
    assert summary["full marks"] == "2"
    assert summary["failed or timed out"] == "1"
    assert summary["flagged submissions"] == "1"
    assert summary["submitted, not graded yet"] == "1"
    questions = _rows(tables, "questions")
    assert [(q["question"], q["pass rate"], q["average credit"]) for q in questions] == [
        ("hw.q1", "60%", "70%"), ("test_q2", "40%", "40%")]
    mistakes = _rows(tables, "mistakes")
    assert mistakes[0] == {"question": "hw.q1", "mistake": "ascent", "answers": "2",
                           "hint": "Step against the gradient."}
    assert _rows(tables, "failures") == [{"student": "<cy>", "status": "failed",
                                         "reason": "hw.ipynb is not valid JSON"}]
    assert _rows(tables, "flags")[0]["reason"] == "reassigns np.isclose"
    assert [(r["student"], r["score"]) for r in _rows(tables, "scores")] == [
        ("<cy>", "0"), ("ann", "3"), ("bo", "1"), ("di", "3"), ("ed", "2")]


def test_page_is_self_contained_with_two_plots_and_escapes_student_text(sample_page):
    page = sample_page
    tables = _Tables(page)
    assert tables.svgs == 2 and tables.external == []
    assert "<cy>" not in page and "&lt;cy&gt;" in page


def test_page_without_submissions_says_so():
    data = ReportData("hw", 3.0, {}, [QuestionStats("t", "t", 1.0)], [], [], [])
    page = render_html(data)
    assert "No graded submissions." in page and _Tables(page).svgs == 0


# ------------------------------------------------------------------ the real pipeline


@pytest.fixture(scope="module")
def demo_course(tmp_path_factory):
    """The demo assignment graded for four of the demo's sample submissions."""
    from autograder.course import build, tools_on_path
    from autograder.demo import SAMPLES, make_course, write_submissions
    from autograder.grading import grade_assignment

    tools_on_path()
    samples = {s.student: s for s in SAMPLES if s.student in ("ada", "ben", "cat", "fay", "gus")}
    course = make_course(tmp_path_factory.mktemp("demo"))
    build(["demo_gd"], course)
    write_submissions(course, samples.values())
    grade_assignment("demo_gd", course, jobs=2, timeout=10, progress=False)
    return course, samples, write_report("demo_gd", course)


@pytest.mark.slow
def test_csv_has_nbgraders_columns_and_the_gradebook_scores(demo_course):
    course, samples, (csv_path, _) = demo_course
    with open(csv_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["assignment", "duedate", "timestamp", "student_id", "last_name",
                             "first_name", "email", "raw_score", "late_submission_penalty",
                             "score", "max_score"]
    with sqlite3.connect(course / "gradebook.db") as db:
        totals = dict(db.execute("""
            SELECT sa.student_id, SUM(g.auto_score) FROM grade g
            JOIN submitted_notebook sn ON g.notebook_id = sn.id
            JOIN submitted_assignment sa ON sn.assignment_id = sa.id
            GROUP BY sa.student_id""").fetchall())
    assert {r["student_id"]: float(r["score"]) for r in rows} == totals
    assert {r["student_id"]: float(r["score"]) for r in rows} == {
        s: sample.expected_score for s, sample in samples.items()}


@pytest.mark.slow
def test_html_report_of_a_graded_assignment(demo_course):
    _, samples, (_, html_path) = demo_course
    tables = _Tables(html_path.read_text())
    scores = {r["student"]: float(r["score"]) for r in _rows(tables, "scores")}
    assert scores == {s: sample.expected_score for s, sample in samples.items()}
    questions = {q["question"]: q for q in _rows(tables, "questions")}
    # iterates: ada, ben and fay give the solution; cat climbs, gus's file is broken -> 3 of 5.
    assert questions["demo_gd.iterates"]["pass rate"] == "60%"
    mistakes = {(m["question"], m["mistake"]) for m in _rows(tables, "mistakes")}
    assert ("demo_gd.iterates", "ascent") in mistakes  # cat's gradient ascent
    failures = _rows(tables, "failures")
    assert [f["student"] for f in failures] == ["gus"] and "not valid JSON" in failures[0]["reason"]
    flagged = {f["student"] for f in _rows(tables, "flags")}
    assert flagged == {"fay"}


def test_report_of_a_course_without_gradebook_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no gradebook at .*gradebook.db"):
        write_report("hw", tmp_path)
    assert not (tmp_path / "gradebook.db").exists() and not (tmp_path / "reports").exists()
