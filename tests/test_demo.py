"""`autograder demo`: every sample submission gets its expected score, status and flags;
the report is kept outside the course and summarised in the terminal."""
import nbformat
import pytest

from autograder.cli import main
from autograder.demo import (
    ASSIGNMENT,
    DEFAULT_REPORT_DIR,
    REPORT_FILES,
    SAMPLES,
    fresh_directory,
    report_directory,
    run_demo,
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    course, cwd = tmp_path_factory.mktemp("demo"), tmp_path_factory.mktemp("cwd")
    (cwd / DEFAULT_REPORT_DIR).mkdir()  # an earlier demo's report: must stay untouched
    (cwd / DEFAULT_REPORT_DIR / REPORT_FILES[1]).write_text("earlier report")
    lines = []
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        results = run_demo(keep=str(course), jobs=2, timeout=5.0, out=lines.append)
    return course, {r.student: r for r in results}, "\n".join(lines), cwd


@pytest.mark.slow
def test_each_sample_gets_its_expected_score(demo):
    _, results, _, _ = demo
    assert {s: r.score for s, r in results.items()} == {s.student: s.expected_score for s in SAMPLES}
    assert all(r.max_score == 6 for s, r in results.items() if s != "gus")


@pytest.mark.slow
def test_hanging_submission_is_cut_off_and_corrupted_one_reported(demo):
    _, results, _, _ = demo
    assert results["eve"].status == "timeout"
    assert results["gus"].status == "failed" and "JSON" in results["gus"].reason
    assert {r.status for s, r in results.items() if s not in ("eve", "gus")} == {"graded"}


@pytest.mark.slow
def test_only_the_tampering_submission_is_flagged(demo):
    _, results, _, _ = demo
    assert [s for s, r in results.items() if r.flags] == ["fay"]


@pytest.mark.slow
def test_unanswered_notebook_runs_to_the_end(demo):
    course, _, _, _ = demo
    nb = nbformat.read(str(course / "autograded" / "hal" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    scored = [c.metadata["autograder"] for c in nb.cells if "autograder" in c.metadata]
    assert len(scored) == 3 and all(m["score"] == 0 for m in scored)
    assert any("NotImplementedError" in m["message"] for m in scored)


@pytest.mark.slow
def test_wrong_answers_get_the_hint_for_their_mistake(demo):
    course, _, _, _ = demo
    page = (course / "feedback" / "cat" / ASSIGNMENT / "feedback.html").read_text()
    assert "The step moves against the gradient" in page and "Descent subtracts the step" in page
    ben = (course / "feedback" / "ben" / ASSIGNMENT / "feedback.html").read_text()
    assert "not only at x0" in ben


@pytest.mark.slow
def test_printed_summary_lists_students_reasons_flags_and_hints(demo):
    _, _, text, _ = demo
    for sample in SAMPLES:
        assert sample.student in text and sample.description in text
    assert "eve: cell 'test_gradient_descent' exceeded" in text
    assert "fay: one_step_answer: line 8: reassigns autograder.check" in text
    assert "dan: demo_gd.gradient_descent 0/2: on 4 of 4 hidden inputs your code raised IndexError" in text


@pytest.mark.slow
def test_the_summary_says_how_the_kernels_were_sandboxed(demo):
    _, _, text, _ = demo
    assert "Every kernel ran in its own sandbox (bubblewrap" in text
    assert "UNCONFINED" not in text


@pytest.mark.slow
def test_corrupted_submission_gets_a_feedback_page_with_the_reason(demo):
    course, _, _, _ = demo
    page = (course / "feedback" / "gus" / ASSIGNMENT / "feedback.html").read_text()
    assert "could not be graded" in page and "not valid JSON" in page and "of 6 points" in page


@pytest.mark.slow
def test_the_report_is_kept_beside_an_earlier_one_and_summarised(demo):
    course, _, text, cwd = demo
    assert (cwd / DEFAULT_REPORT_DIR / REPORT_FILES[1]).read_text() == "earlier report"
    kept = cwd / f"{DEFAULT_REPORT_DIR}-2"
    for name in REPORT_FILES:
        assert (kept / name).stat().st_size > 0 and str(kept / name) in text
    assert course not in (kept / REPORT_FILES[1]).parents
    assert f"Report of demo_gd: {len(SAMPLES)} submissions graded" in text
    solved = sum(s.answers.get("iterates_answer") == "solution" for s in SAMPLES)
    row = next(line.split() for line in text.splitlines() if line.strip().startswith("demo_gd.iterates "))
    assert row[2] == f"{solved / len(SAMPLES):.0%}"  # pass rate over every sample, the corrupted one too
    assert "demo_gd.iterates: ascent x1:" in text  # cat's gradient ascent, with its hint


def test_report_directories_are_numbered_never_reused(tmp_path):
    first = fresh_directory(tmp_path / "r")
    (first / "kept.html").write_text("x")
    assert [fresh_directory(tmp_path / "r").name for _ in range(2)] == ["r-2", "r-3"]
    assert (first / "kept.html").read_text() == "x"


def test_a_chosen_report_directory_holding_a_report_is_refused(tmp_path):
    assert report_directory(tmp_path / "new" / "dir") == (tmp_path / "new" / "dir").resolve()
    (tmp_path / REPORT_FILES[0]).write_text("grades")
    with pytest.raises(ValueError, match="never overwrites"):
        report_directory(tmp_path)
    assert (tmp_path / REPORT_FILES[0]).read_text() == "grades"


def test_demo_options_reach_run_demo(monkeypatch):
    seen = {}
    monkeypatch.setattr("autograder.demo.run_demo", lambda **kwargs: seen.update(kwargs))
    assert main(["demo", "--report-dir", "out", "--jobs", "1"]) == 0
    assert seen == {"keep": None, "jobs": 1, "timeout": 5.0, "report_dir": "out"}


def test_the_demo_assignment_is_built_in_the_demos_course_and_not_released_with_the_course(repo_root, tmp_path):
    from autograder.demo import DEMO_SOURCE, make_course

    assert (repo_root / DEMO_SOURCE / f"{ASSIGNMENT}.ipynb").is_file()
    for directory in ("solutions", "notebooks"):  # the course's source and release directories
        assert not (repo_root / directory / ASSIGNMENT).exists(), f"{directory}/{ASSIGNMENT}"
    course = make_course(tmp_path / "course", repo_root)
    assert sorted(p.name for p in (course / "solutions").iterdir()) == [ASSIGNMENT]
    assert (course / "nbgrader_config.py").read_text() == (repo_root / "nbgrader_config.py").read_text()
