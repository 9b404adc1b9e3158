"""What a grading run leaves behind per submission: its result and its log file."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["LOG_DIR", "STATUSES", "SubmissionResult", "log_path", "read_logs", "write_json_atomic"]

#: Directory (under the course root) holding one JSON log per graded submission.
LOG_DIR = "autograder_log"
#: Possible values of :attr:`SubmissionResult.status`.
STATUSES = ("graded", "failed", "timeout", "skipped")


@dataclass
class SubmissionResult:
    """The outcome of grading one student's submission.

    Attributes
    ----------
    student, assignment : str
        Whose submission, of what.
    status : {"graded", "failed", "timeout", "skipped"}
        ``graded``: every cell ran; ``timeout``: a cell hit the time limit
        (the other cells still count); ``failed``: something could not run
        (invalid or missing notebook, memory limit, kernel died, grading
        error); ``skipped``: already graded by an earlier run with the same
        files (score and reason are that run's).
    reason : str
        Why, for anything but a clean ``graded``; empty otherwise.
    score, max_score : float
        Points from the gradebook after grading (0 for what could not run).
    flags : list of dict
        What tamper analysis and the scoring flagged, per notebook.
    seconds : float
        Wall time spent grading this submission.
    confinement : str
        How its kernels ran: the sandbox used, or ``"unconfined"``.
    """

    student: str
    assignment: str
    status: str
    reason: str = ""
    score: float = 0.0
    max_score: float = 0.0
    flags: list = field(default_factory=list)
    seconds: float = 0.0
    confinement: str = ""

    def as_dict(self) -> dict:
        """The result as a JSON-ready dict (the keys of the log file)."""
        return asdict(self)


def log_path(root: Path, assignment: str, student: str) -> Path:
    """``<course>/autograder_log/<assignment>/<student>.json``."""
    return root / LOG_DIR / assignment / f"{student}.json"


def write_json_atomic(path: Path, data: dict) -> None:
    """Write ``data`` as JSON through a temporary file and a rename (never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def read_logs(assignment: str, course_dir=".") -> dict[str, dict]:
    """Read every submission log of ``assignment``.

    Parameters
    ----------
    assignment : str
        Assignment name.
    course_dir : str or path
        Course root.

    Returns
    -------
    dict
        Student id -> the log's dict (the fields of :class:`SubmissionResult`
        and the grader's extras: ``fingerprint``, ``timings``, ``messages``).
        Unreadable logs are left out.
    """
    directory = Path(course_dir).resolve() / LOG_DIR / assignment
    logs = {}
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and "status" in data:
            logs[data.get("student", path.stem)] = data
    return logs
