"""The ``autograder`` command: nbgrader's workflow with verdicts that teach.

Every subcommand works on a course directory (``--course``, default the
current directory) holding ``nbgrader_config.py``, ``solutions/`` and, once
built, ``notebooks/``; run ``autograder <subcommand> --help`` for details.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.course import build, export
from autograder.tables import report_summary, results_table

_DESCRIPTION = """\
Build, grade and give feedback on coursekit assignments with nbgrader.
Answers are recorded by the test cells and judged out of the student's kernel.

typical use, from the course root:
  autograder build                          # solutions/* -> notebooks/* (student versions)
  autograder grade 02_gradient_descent      # every submitted/<student>/02_gradient_descent/
  autograder feedback 02_gradient_descent   # feedback/<student>/02_gradient_descent/*.html
  autograder report 02_gradient_descent     # per-question report (CSV + HTML)
  autograder export                         # nbgrader's grades CSV
  autograder demo                           # all of the above on sample submissions, in a
                                            # temporary course with the demo's own assignment
"""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    _skip_iri_grammar()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    from autograder.questions import UnknownQuestionError

    try:
        return int(args.run(args) or 0)
    except (ValueError, FileNotFoundError, RuntimeError, UnknownQuestionError) as exc:
        print(f"autograder {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # the engine has said what was kept; no traceback after that
        print(f"autograder {args.command}: interrupted", file=sys.stderr)
        return 130


def _skip_iri_grammar() -> None:
    """Keep jsonschema from building its IRI grammar, 0.8 s of every command's start-up.

    jsonschema imports ``rfc3987_syntax`` when it is installed, only to check the "iri"
    string formats; nbformat validates notebooks without format checks, so the grader never
    uses it. Marking the module absent makes jsonschema skip those two checks.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (one subparser per subcommand, each with help)."""
    parser = argparse.ArgumentParser(prog="autograder", description=_DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str, run) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(run=run)
        if name != "demo":
            p.add_argument("--course", default=".", metavar="DIR",
                           help="course root with nbgrader_config.py (default: current directory)")
        return p

    p = add("build", "Generate the student versions of assignments into notebooks/ "
                     "(solutions and hidden tests removed, outputs cleared).", _build)
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                   help="assignments in solutions/ (default: all of them)")

    p = add("grade", "Autograde every submission in submitted/*/ASSIGNMENT/ "
                     "(isolated kernels, time and memory limits, resumable).", _grade)
    p.add_argument("assignment", metavar="ASSIGNMENT", help="assignment name (a folder of solutions/)")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: CPU count)")
    p.add_argument("--timeout", type=float, default=None,
                   help="per-cell time limit in seconds (default: the course's Execute.timeout)")
    p.add_argument("--memory-limit", type=float, default=2048.0, metavar="MB",
                   help="memory of each submission's processes together, in MiB "
                        "(default 2048; 0 for none)")
    p.add_argument("--unconfined", action="store_true",
                   help="run kernels without the sandbox, with the grader's rights (only for "
                        "notebooks you trust; every log and the report say so)")
    p.add_argument("--force", action="store_true", help="regrade submissions graded by an earlier run")
    p.add_argument("--student", action="append", dest="students", metavar="ID",
                   help="grade only this student (repeatable)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar (by default a bar on a terminal, else one line per submission)")

    p = add("feedback", "Write per-student HTML feedback (each question's verdict and hint, "
                        "no test code) to feedback/STUDENT/ASSIGNMENT/.", _feedback)
    p.add_argument("assignment", metavar="ASSIGNMENT", help="assignment name (a folder of solutions/)")
    p.add_argument("--student", action="append", dest="students", metavar="ID",
                   help="only this student (repeatable)")

    p = add("report", "Write the instructor's report of an assignment (CSV and HTML) and print its "
                      "summary (pass rate and common mistakes per question).", _report)
    p.add_argument("assignment", metavar="ASSIGNMENT", help="assignment name (a folder of solutions/)")
    p.add_argument("--out", default=None, metavar="DIR", help="output directory (default: reports/)")

    p = add("export", "Export every grade in the gradebook as nbgrader's CSV.", _export)
    p.add_argument("--to", default="grades.csv", metavar="FILE", help="CSV file (default grades.csv)")

    p = add("demo", "Build a temporary course, grade sample submissions (correct, partly correct, "
                    "wrong, raising, looping forever, tampering, corrupted, unanswered), write "
                    "feedback and the report, and print the results and the report's summary. "
                    "The report (HTML page and grades CSV) is kept in ./autograder-demo-report/ "
                    "(or -2, -3... if that exists; existing files are never overwritten); its path "
                    "is printed at the end.", _demo)
    p.add_argument("--keep", default=None, metavar="DIR",
                   help="create the demo course in DIR and keep it (default: a temporary directory)")
    p.add_argument("--report-dir", default=None, metavar="DIR",
                   help="write the report's HTML page and CSV to DIR instead (created if needed; "
                        "the demo stops if DIR already holds a report)")
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--timeout", type=float, default=5.0, help="per-cell time limit in seconds (default 5)")
    return parser


def _build(args) -> int:
    for path in build(args.assignments, args.course):
        print(f"built {path}")
    return 0


def _grade(args) -> int:
    from autograder.grading import grade_assignment

    results = grade_assignment(args.assignment, course_dir=args.course, jobs=args.jobs,
                               timeout=args.timeout, memory_limit_mb=args.memory_limit or None,
                               students=args.students, force=args.force, progress=not args.quiet,
                               confine=not args.unconfined)
    if not results:
        raise FileNotFoundError(_nothing_submitted(args.assignment, args.course, args.students))
    print(results_table(results))
    return 0


def _nothing_submitted(assignment: str, course, students) -> str:
    where = Path(course).resolve() / "submitted"
    who = f" by {', '.join(students)}" if students else ""
    return (f"no submissions of {assignment!r}{who} to grade: expected notebooks in "
            f"{where}/<student>/{assignment}/ (collect them with `nbgrader collect` or copy them there)")


def _feedback(args) -> int:
    from autograder.feedback import write_feedback

    for path in write_feedback(args.assignment, args.course, args.students):
        print(f"wrote {path}")
    return 0


def _report(args) -> int:
    from autograder.report import write_report

    paths = write_report(args.assignment, course_dir=args.course, out_dir=args.out)
    print(report_summary(args.assignment, args.course))
    for path in paths:
        print(f"wrote {path}")
    return 0


def _export(args) -> int:
    print(f"wrote {export(args.course, args.to)}")
    return 0


def _demo(args) -> int:
    from autograder.demo import run_demo

    run_demo(keep=args.keep, jobs=args.jobs, timeout=args.timeout, report_dir=args.report_dir)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
