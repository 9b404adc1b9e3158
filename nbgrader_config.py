"""nbgrader configuration of the coursekit course (read by every ``nbgrader`` command run here).

* ``solutions/`` is the source directory (instructor notebooks with solutions
  and hidden tests), ``notebooks/`` the release directory (student versions).
* The gradebook is ``gradebook.db`` (SQLite) next to this file; set
  ``COURSEKIT_DB_URL`` to any SQLAlchemy URL to use another database.
* Autograding replaces ``Execute`` by
  :class:`autograder.grading.execute.SandboxedExecute`: each notebook runs in
  its own bubblewrap sandbox that holds none of the course's answers (numpy's
  BLAS single-threaded unless ``OMP_NUM_THREADS`` etc. are set).
  :class:`autograder.preprocessors.StudentEnvironment` before it draws the
  student's variant and hidden inputs, and
  :class:`autograder.preprocessors.ScoreRecordedAnswers` after it judges the
  recorded answers in the grader's process, so plain ``nbgrader autograde``
  grades exactly as ``autograder grade`` does.
* Plain ``nbgrader generate_feedback`` runs
  :class:`autograder.preprocessors.HideHiddenTests` (nbgrader's
  ``ClearHiddenTests``, which its feedback step lacks by default), so the
  pages do not show hidden tests (``autograder feedback`` shows verdicts only).
* ``COURSEKIT_CELL_TIMEOUT`` (seconds, default 30) limits each cell's run time.
"""
import os

from autograder.preprocessors import autograde_preprocessors, feedback_preprocessors

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
if os.environ.get("COURSEKIT_DB_URL"):
    c.CourseDirectory.db_url = os.environ["COURSEKIT_DB_URL"]

c.Execute.timeout = int(os.environ.get("COURSEKIT_CELL_TIMEOUT", "30"))
c.Autograde.autograde_preprocessors = autograde_preprocessors()
c.GenerateFeedback.preprocessors = feedback_preprocessors()
# A test cell the student deleted is put back (with a note) and graded like the others.
c.OverwriteCells.add_missing_cells = True
# Files students fill in and submit beside a notebook are graded as submitted: without this,
# autograde would put the released template back over them (they run in the sandbox like the notebook).
c.Autograde.exclude_overwriting = {"08_mlp": ["my_layers.py"]}
