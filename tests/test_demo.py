"""`autograder demo`: every sample submission gets its expected score, status and flags."""
import nbformat
import pytest

from autograder.demo import ASSIGNMENT, SAMPLES, run_demo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    course = tmp_path_factory.mktemp("demo")
    lines = []
    results = run_demo(keep=str(course), jobs=2, timeout=5.0, out=lines.append)
    return course, {r.student: r for r in results}, "\n".join(lines)


def test_each_sample_gets_its_expected_score(demo):
    _, results, _ = demo
    assert {s: r.score for s, r in results.items()} == {s.student: s.expected_score for s in SAMPLES}
    assert all(r.max_score == 6 for s, r in results.items() if s != "gus")


def test_hanging_submission_is_cut_off_and_corrupted_one_reported(demo):
    _, results, _ = demo
    assert results["eve"].status == "timeout"
    assert results["gus"].status == "failed" and "JSON" in results["gus"].reason
    assert {r.status for s, r in results.items() if s not in ("eve", "gus")} == {"graded"}


def test_only_the_tampering_submission_is_flagged(demo):
    _, results, _ = demo
    assert [s for s, r in results.items() if r.flags] == ["fay"]


def test_unanswered_notebook_runs_to_the_end(demo):
    course, _, _ = demo
    nb = nbformat.read(str(course / "autograded" / "hal" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    scored = [c.metadata["autograder"] for c in nb.cells if "autograder" in c.metadata]
    assert len(scored) == 3 and all(m["score"] == 0 for m in scored)
    assert any("NotImplementedError" in m["message"] for m in scored)


def test_wrong_answers_get_the_hint_for_their_mistake(demo):
    course, _, _ = demo
    page = (course / "feedback" / "cat" / ASSIGNMENT / "feedback.html").read_text()
    assert "The step moves against the gradient" in page and "Descent subtracts the step" in page
    ben = (course / "feedback" / "ben" / ASSIGNMENT / "feedback.html").read_text()
    assert "not only at x0" in ben


def test_printed_summary_lists_students_reasons_flags_and_hints(demo):
    _, _, text = demo
    for sample in SAMPLES:
        assert sample.student in text and sample.description in text
    assert "eve: cell 'test_gradient_descent' exceeded" in text
    assert "fay: one_step_answer: line 8: reassigns autograder.check" in text
    assert "dan: demo_gd.gradient_descent 0/2: on 4 of 4 hidden inputs your code raised IndexError" in text


def test_corrupted_submission_gets_a_feedback_page_with_the_reason(demo):
    course, _, _ = demo
    page = (course / "feedback" / "gus" / ASSIGNMENT / "feedback.html").read_text()
    assert "could not be graded" in page and "not valid JSON" in page and "of 6 points" in page
