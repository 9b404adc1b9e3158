"""The course through nbgrader's API: build the student versions, export the grades."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

__all__ = ["build", "export", "nbgrader_api", "tools_on_path"]


def tools_on_path() -> None:
    """nbgrader runs ``alembic`` by name to create a gradebook: make this interpreter's tools findable."""
    bin_dir = os.path.dirname(sys.executable)
    if shutil.which("alembic") is None and bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def nbgrader_api(course: str):
    from nbgrader.apps import NbGraderAPI

    from autograder.grading import load_course_config

    tools_on_path()
    config = load_course_config(course)
    return NbGraderAPI(config=config)


def build(assignments: list[str] | None = None, course_dir=".") -> list[Path]:
    """Generate the student versions of ``assignments`` (default: all in the source directory).

    Returns
    -------
    list of Path
        The generated notebooks.

    Raises
    ------
    FileNotFoundError
        If an assignment is not in the source directory.
    RuntimeError
        With nbgrader's log if generation fails.
    """
    api = nbgrader_api(course_dir)
    source = Path(api.coursedir.root) / api.coursedir.source_directory
    known = sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) \
        if source.is_dir() else []
    wanted = list(assignments) or known
    missing = [a for a in wanted if a not in known]
    if missing:
        raise FileNotFoundError(f"not in {source}: {', '.join(missing)} (known: {', '.join(known) or 'none'})")
    out = []
    for assignment in wanted:
        result = api.generate_assignment(assignment, force=True, create=True)
        if not result.get("success"):
            raise RuntimeError(f"generating {assignment} failed:\n{result.get('log', '')}{result.get('error', '')}")
        release = Path(api.coursedir.root) / api.coursedir.release_directory / assignment
        out += sorted(release.glob("*.ipynb"))
    return out


def export(course_dir=".", to="grades.csv") -> Path:
    """Export the gradebook with nbgrader's CSV export plugin; returns the CSV path."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    api = nbgrader_api(course_dir)
    path = Path(to)
    if not path.is_absolute():
        path = Path(api.coursedir.root) / path
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        CsvExportPlugin(to=str(path)).export(gb)
    return path
