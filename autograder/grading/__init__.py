"""Grading submissions: every kernel in a sandbox, grades only from data.

The package follows one submission through a run:

========================  ==========================================================
module                    role
========================  ==========================================================
``plan``                  the course, which submissions to grade or skip, validation
``runtime``               the code a sandbox sees: coursekit without the answers
``sandbox``               bubblewrap, limits, reading the answer back as data
``cgroup``                memory and process limits over all of a submission
``runner``                runs inside the sandbox: kernel and client, one notebook
``execute``               nbgrader's ``Execute`` step through the sandbox
``gradebook``             the one place that writes grades (under a lock)
``logs``                  per-submission results and log files
``engine``                :func:`grade_assignment`: workers, nbgrader's Autograde
========================  ==========================================================
"""
from autograder.grading.engine import PHASES, grade_assignment
from autograder.grading.execute import KERNEL_ENV_DEFAULTS, kernel_environment
from autograder.grading.gradebook import gradebook_lock, require_gradebook
from autograder.grading.logs import LOG_DIR, STATUSES, SubmissionResult, read_logs
from autograder.grading.plan import course_directory, load_course_config, validate_notebook
from autograder.grading.sandbox import SandboxUnavailable, check_available

__all__ = ["KERNEL_ENV_DEFAULTS", "LOG_DIR", "PHASES", "STATUSES", "SandboxUnavailable",
           "SubmissionResult", "check_available", "course_directory", "grade_assignment",
           "gradebook_lock", "kernel_environment", "load_course_config", "read_logs",
           "require_gradebook", "validate_notebook"]
