"""The one place that writes grades: nbgrader's gradebook, one writer at a time.

SQLite must not see several writers at once, so every step that opens the
gradebook while grading (nbgrader's ``init_assignment``, each preprocessor
that saves grades, the zero scores of notebooks that could not run) runs
under one inter-process file lock, :func:`gradebook_lock`, with stop signals
deferred until the step ends.  The lock lives under the course's log
directory, which no sandbox can see.
"""
from __future__ import annotations

import contextlib
import fcntl
import shutil
from pathlib import Path

from autograder.grading.logs import LOG_DIR
from autograder.parallel import uninterruptible

__all__ = ["assignment_notebooks", "gradebook_lock", "graded_students", "record_unrunnable",
           "require_gradebook", "submission_score", "zero_notebooks"]


@contextlib.contextmanager
def gradebook_lock(root: Path):
    """Hold the course's gradebook lock, with stop signals deferred.

    The lock is released by the kernel even if the holder is killed.
    """
    lock_path = root / LOG_DIR / ".gradebook.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with uninterruptible(), open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def require_gradebook(coursedir, assignment: str) -> None:
    """Raise ``ValueError`` if the course's SQLite gradebook does not exist yet.

    Opening a missing SQLite gradebook would silently create an empty one.
    """
    if coursedir.db_url.startswith("sqlite:///"):
        database = Path(coursedir.db_url[len("sqlite:///"):])
        if not database.is_file():
            raise ValueError(f"no gradebook at {database}; build the assignment first "
                             f"(`autograder build {assignment}` or "
                             f"`nbgrader generate_assignment {assignment}`)")


def assignment_notebooks(coursedir, assignment: str) -> list[str]:
    """The notebook names of ``assignment`` in the gradebook.

    Raises
    ------
    ValueError
        If there is no gradebook or the assignment is not in it.
    """
    from nbgrader.api import Gradebook, MissingEntry
    require_gradebook(coursedir, assignment)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            record = gb.find_assignment(assignment)
        except MissingEntry:
            raise ValueError(
                f"assignment {assignment!r} is not in the gradebook ({coursedir.db_url}); "
                f"build it first (`autograder build {assignment}` or "
                f"`nbgrader generate_assignment {assignment}`)") from None
        return sorted(notebook.name for notebook in record.notebooks)


def graded_students(coursedir, assignment: str) -> set[str]:
    """Students with a submission of ``assignment`` in the gradebook."""
    from nbgrader.api import Gradebook
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        return {s.student.id for s in gb.assignment_submissions(assignment)}


def record_unrunnable(coursedir, assignment: str, student: str, problems: dict) -> None:
    """Create the submission in the gradebook and score every notebook in ``problems`` 0."""
    from nbgrader.api import Gradebook
    source = coursedir.format_path(coursedir.submitted_directory, student, assignment)
    timestamp = coursedir.get_existing_timestamp(source)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        gb.update_or_create_student(student)
        kwargs = {"timestamp": timestamp} if timestamp else {}
        gb.update_or_create_submission(assignment, student, **kwargs)
        zero_notebooks(gb, assignment, student, problems)
    stale = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
    if stale.is_dir() and not stale.is_symlink():
        shutil.rmtree(stale)


def zero_notebooks(gb, assignment: str, student: str, problems: dict) -> None:
    """Score the notebooks in ``problems`` 0, with the reason as the auto comment, in one commit."""
    for name, reason in problems.items():
        submission = gb.find_submission_notebook(name, assignment, student)
        for grade in submission.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
        for comment in submission.comments:
            comment.auto_comment = f"Not graded: {reason}"
    gb.db.commit()


def zero_failed(coursedir, assignment: str, student: str, notebooks: list[str],
                failures: dict) -> None:
    """Score 0 every notebook nbgrader failed on (all of them if it is not known which).

    Grades an earlier run saved for that notebook are replaced too: a run's
    grades depend only on the submission, never on what the gradebook held.
    """
    from nbgrader.api import Gradebook, MissingEntry
    failed = {name: reason for name, reason in failures.items() if name in notebooks}
    if not failed:
        reason = failures.get("*", "grading error")
        failed = {name: reason for name in notebooks}
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            zero_notebooks(gb, assignment, student, failed)
            return
        except MissingEntry:  # failed before the submission existed: create it first
            pass
    record_unrunnable(coursedir, assignment, student, failed)


def submission_score(coursedir, assignment: str, student: str) -> tuple[float, float]:
    """``(score, max_score)`` of a submission in the gradebook."""
    from nbgrader.api import Gradebook
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        submission = gb.find_submission(assignment, student)
        return float(submission.score), float(submission.max_score)
