"""The autograder command line: help for every subcommand, clear errors, readable tables."""
import shutil

import pytest

from autograder.cli import build_parser, main
from autograder.demo import DEMO_SOURCE
from autograder.grading import SubmissionResult
from autograder.tables import report_summary, results_table

SUBCOMMANDS = ["build", "grade", "feedback", "report", "export", "demo"]


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_has_help(name, capsys):
    with pytest.raises(SystemExit) as info:
        main([name, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert f"autograder {name}" in out and len(out.splitlines()) > 3


def test_top_level_help_lists_every_subcommand(capsys):
    assert main([]) == 2
    out = capsys.readouterr().out
    assert all(name in out for name in SUBCOMMANDS)


def test_grade_options_reach_the_grading_engine(monkeypatch, capsys):
    seen = {}

    def fake_grade(assignment, **kwargs):
        seen.update(kwargs, assignment=assignment)
        return [SubmissionResult("ada", assignment, "graded", score=6, max_score=6)]
    monkeypatch.setattr("autograder.grading.grade_assignment", fake_grade)
    assert main(["grade", "demo_gd", "--jobs", "3", "--timeout", "7", "--memory-limit", "512",
                 "--force", "--student", "ada", "--quiet"]) == 0
    assert seen == {"assignment": "demo_gd", "course_dir": ".", "jobs": 3, "timeout": 7.0,
                    "memory_limit_mb": 512.0, "students": ["ada"], "force": True, "progress": False,
                    "confine": True}
    assert "ada" in capsys.readouterr().out


def test_grade_shows_progress_unless_quiet_even_when_stderr_is_not_a_terminal(monkeypatch, capsys):
    seen = []
    monkeypatch.setattr("autograder.grading.grade_assignment", lambda assignment, **kwargs: seen.append(
        kwargs["progress"]) or [SubmissionResult("ada", assignment, "graded", score=6, max_score=6)])
    monkeypatch.setattr("sys.stderr.isatty", lambda: False, raising=False)
    assert main(["grade", "demo_gd"]) == 0 and main(["grade", "demo_gd", "--quiet"]) == 0
    assert seen == [True, False]


def test_build_of_an_unknown_assignment_names_the_known_ones(tmp_path, repo_root, capsys):
    shutil.copy(repo_root / "nbgrader_config.py", tmp_path)
    shutil.copytree(repo_root / DEMO_SOURCE, tmp_path / "solutions" / "demo_gd")
    assert main(["build", "nope", "--course", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "nope" in err and "demo_gd" in err


def test_feedback_before_grading_is_a_clear_error(tmp_path, capsys):
    assert main(["feedback", "demo_gd", "--course", str(tmp_path)]) == 1
    assert "autograder grade demo_gd" in capsys.readouterr().err


def test_results_table_shows_scores_status_reasons_and_every_flag():
    results = [SubmissionResult("zoe", "a", "timeout", reason="cell 3 hit the time limit", score=4, max_score=6),
               SubmissionResult("amy", "a", "graded", score=6, max_score=6,
                                flags=[{"cell": "gd_answer", "reason": "reassigns np.isclose"},
                                       {"cell": "gd_answer", "reason": "reassigns np.allclose"}])]
    lines = results_table(results, {"amy": "fully correct"}).splitlines()
    assert lines[0].split() == ["student", "submission", "score", "status", "flags"]
    assert lines[2].split() == ["amy", "fully", "correct", "6/6", "graded", "2"]
    assert lines[3].split() == ["zoe", "4/6", "timeout", "-"]
    assert "  zoe: cell 3 hit the time limit" in lines
    assert "  amy: gd_answer: reassigns np.isclose" in lines and "  amy: gd_answer: reassigns np.allclose" in lines


def test_parser_defaults_are_documented_values():
    args = build_parser().parse_args(["grade", "x"])
    # no --timeout: the course's own Execute.timeout applies
    assert (args.timeout, args.memory_limit, args.jobs, args.force) == (None, 2048.0, None, False)
    assert args.unconfined is False


def test_grading_with_nothing_submitted_says_where_submissions_belong(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("autograder.grading.grade_assignment", lambda assignment, **kwargs: [])
    assert main(["grade", "demo_gd", "--course", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "no submissions of 'demo_gd'" in err and f"{tmp_path.resolve()}/submitted/<student>/demo_gd/" in err


def test_a_missing_course_directory_is_named(tmp_path, capsys):
    missing = tmp_path / "no_course"
    for command in (["feedback", "demo_gd"], ["grade", "demo_gd"], ["build"], ["export"]):
        assert main([*command, "--course", str(missing)]) == 1, command
        err = capsys.readouterr().err
        assert str(missing) in err and ("does not exist" in err or "not a directory" in err), (command, err)


def test_report_summary_gives_pass_rates_credit_and_common_mistakes(monkeypatch):
    from autograder.report import QuestionStats, ReportData

    long_hint = "Descent subtracts the step. " * 10
    questions = [QuestionStats("test_a", "hw.a", 2, scores=[2, 1, 0, 2], mistakes=[("wrong_sign", 2, long_hint)]),
                 QuestionStats("test_b", "hw.b", 1, scores=[1, 1, 1, 1])]
    data = ReportData("hw", 3, {"amy": 3, "bo": 2, "cy": 1, "di": 3}, questions,
                      failures=[{"student": "cy", "status": "timeout", "reason": "loop"}],
                      flags=[{"student": "bo", "notebook": "hw", "cell": "c", "reason": "r"}] * 2, not_graded=[])
    monkeypatch.setattr("autograder.report.collect", lambda assignment, course_dir: data)
    lines = report_summary("hw").splitlines()
    assert lines[0] == ("Report of hw: 4 submissions graded, mean 2.25 of 3, 2 with full marks, "
                        "1 failed or timed out, 1 flagged")
    rows = {line.split()[0]: line.split()[1:] for line in lines[3:5]}
    assert rows == {"hw.a": ["2", "50%", "62%"], "hw.b": ["1", "100%", "100%"]}  # credit 5/8 rounds to even
    mistake = next(line for line in lines if line.startswith("  hw.a: wrong_sign x2: Descent subtracts"))
    assert len(mistake) < 130 and mistake.endswith("...")


def test_commands_skip_the_iri_grammar_and_still_validate_notebooks():
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from autograder.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "import nbformat\n"
        "from nbformat.v4 import new_code_cell, new_notebook\n"
        "nbformat.validate(new_notebook(cells=[new_code_cell('1 + 1')]))\n"
        "broken = new_notebook()\n"
        "broken.cells.append(nbformat.from_dict({'cell_type': 'code', 'id': 'a', 'metadata': {}}))\n"
        "try:\n    nbformat.validate(broken)\n"
        "except nbformat.ValidationError:\n    print('invalid notebook refused')\n"
        "print('grammar loaded' if sys.modules.get('rfc3987_syntax') else 'grammar skipped')\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-2:] == ["invalid notebook refused", "grammar skipped"]


def test_an_unknown_question_id_is_an_error_message_not_a_traceback(monkeypatch, capsys):
    from autograder.questions import UnknownQuestionError

    def unknown(assignment, **kwargs):
        raise UnknownQuestionError("unknown question 'demo_gd.nope'; demo_gd has: ...")
    monkeypatch.setattr("autograder.grading.grade_assignment", unknown)
    assert main(["grade", "demo_gd", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "error: unknown question 'demo_gd.nope'" in err and "Traceback" not in err


def test_ctrl_c_ends_with_status_130_and_no_traceback(monkeypatch, capsys):
    def interrupted(assignment, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr("autograder.grading.grade_assignment", interrupted)
    assert main(["grade", "demo_gd", "--quiet"]) == 130
    assert capsys.readouterr().err.strip() == "autograder grade: interrupted"
