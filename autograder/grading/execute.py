"""nbgrader's ``Execute`` step, run in a sandbox: the kernel never touches the course.

:class:`SandboxedExecute` replaces nbgrader's ``Execute`` in the autograde
preprocessors (``nbgrader_config.py`` puts it there, so plain
``nbgrader autograde`` and ``autograder grade`` both use it).  For each
notebook it sends the sanitised notebook, a copy of the submission's files
and the grading plan into a fresh sandbox (:mod:`autograder.grading.sandbox`),
where a runner executes it, and merges back only what it needs: each code
cell's outputs and execution count, validated as nbformat outputs.  Sources,
metadata and every file the grader writes afterwards come from the grader's
own copy; nothing a kernel made is followed, trusted or written through.

Where the sandbox cannot be built, grading stops with a message naming what
is missing (fail closed) unless the instructor chose ``confine = False``
(``autograder grade --unconfined``); the notebook's metadata, the log, the
summary and the report then say that the kernel ran unconfined.
"""
from __future__ import annotations

import base64
import math
import os
from pathlib import Path

from nbformat import NotebookNode, ValidationError, from_dict, validate
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Bool, Float, Integer

from autograder.grading import sandbox
from autograder.grading.runtime import build_runtime
from autograder.variants import STUDENT_ENV_VARS

__all__ = ["KERNEL_ENV_DEFAULTS", "NOT_RUN", "SandboxedExecute", "kernel_environment"]

#: Kernel settings that the grader's own environment may override: one BLAS thread per
#: kernel (``jobs`` kernels already share the cores), few malloc arenas.
KERNEL_ENV_DEFAULTS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                       "MKL_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}
NOT_RUN = "CellNotRun"
_OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error"}


def kernel_environment(student: str | None) -> dict[str, str]:
    """The complete environment of a grading kernel (nothing else of the grader's is passed)."""
    env = sandbox.runner_environment()
    env.update({name: os.environ.get(name, value) for name, value in KERNEL_ENV_DEFAULTS.items()})
    env.update({STUDENT_ENV_VARS[0]: student or "", "NBGRADER_EXECUTION": "autograde"})
    return env


class SandboxedExecute(Execute):
    """Execute each notebook in its own sandbox and merge back its outputs (see the module)."""

    confine = Bool(True, help="Run each kernel in a bubblewrap sandbox (False: unconfined, with "
                              "the grader's rights; every log says so).").tag(config=True)
    memory_limit_mb = Float(2048, allow_none=True,
                            help="Memory of a submission's processes together, in MiB.").tag(
        config=True)
    processes = Integer(128, help="Processes and threads of a submission together.").tag(
        config=True)
    disk_limit_mb = Integer(256, help="Size of the working directory (MiB).").tag(config=True)
    notebook_timeout = Float(None, allow_none=True,
                             help="Wall-clock limit of a whole notebook in seconds (default: the "
                                  "cell timeout times the code cells, plus a minute).").tag(
        config=True)
    max_output_chars = Integer(100_000, help="Characters of output kept per cell.").tag(
        config=True)

    def preprocess(self, nb, resources=None, km=None):
        resources = resources if resources is not None else {}
        info = resources.get("nbgrader") or {}
        prepared = resources.setdefault("autograder", {})
        notebook_dir = Path((resources.get("metadata") or {}).get("path") or ".")
        outcome = sandbox.run(build_runtime(info.get("assignment") or ""),
                              self._request(nb, notebook_dir, prepared, info.get("student")),
                              self._limits(nb), self._run_name(info, resources),
                              confine=self.confine)
        events = list(outcome.events)
        if outcome.answer is not None:
            problem = _merge(nb, outcome.answer)
            events = [list(e) for e in outcome.answer.get("events", [])
                      if isinstance(e, list) and len(e) == 2] + events
            if problem:
                events.append(["error", problem])
        if outcome.answer is None or problem:
            _mark_not_run(nb, events[-1][1] if events else "the notebook did not run")
        prepared.setdefault("events", []).extend((str(k), str(d)[:500]) for k, d in events)
        prepared["confinement"] = outcome.confinement
        prepared["peak_memory"] = outcome.peak_memory
        return nb, resources

    def _request(self, nb, notebook_dir: Path, prepared: dict, student) -> dict:
        return {"notebook": nb, "files": _submission_files(notebook_dir, self.disk_limit_mb),
                "plan": prepared.get("plan") or {}, "env": kernel_environment(student),
                "timeout": self.timeout, "interrupt_on_timeout": self.interrupt_on_timeout,
                "kernel_name": "python3", "max_output_chars": self.max_output_chars,
                "memory_limit_mb": self.memory_limit_mb,
                "extra_arguments": list(self.extra_arguments)
                or ["--HistoryManager.hist_file=:memory:"]}

    def _limits(self, nb) -> sandbox.Limits:
        cells = sum(cell.cell_type == "code" for cell in nb.cells)
        wall = self.notebook_timeout or (self.timeout or 300) * max(cells, 1) + 60
        memory = None if self.memory_limit_mb is None else int(self.memory_limit_mb * 2**20)
        return sandbox.Limits(memory_bytes=memory, processes=self.processes,
                              disk_bytes=self.disk_limit_mb * 2**20,
                              cpu_seconds=math.ceil(wall), wall_seconds=wall)

    @staticmethod
    def _run_name(info: dict, resources: dict) -> str:
        name = (resources.get("unique_key") or "notebook")
        return f"{os.getpid()}-{info.get('student') or 'anonymous'}-{name}"


def _submission_files(directory: Path, limit_mb: int) -> dict[str, str]:
    """The submission's regular files (never through a link), base64, at most ``limit_mb``."""
    files, total = {}, 0
    for root, dirs, names in os.walk(directory, followlinks=False):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]
        for name in sorted(names):
            path = os.path.join(root, name)
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue  # a link or something unreadable: not the submission's data
            with os.fdopen(fd, "rb") as handle:
                if not os.path.isfile(path) or os.fstat(handle.fileno()).st_size > limit_mb * 2**20:
                    continue
                data = handle.read(limit_mb * 2**20 - total + 1)
            total += len(data)
            if total > limit_mb * 2**20:
                break
            files[os.path.relpath(path, directory)] = base64.b64encode(data).decode()
    return files


def _merge(nb, answer: dict) -> str | None:
    """Put the sandbox's outputs into the grader's notebook; say why not if they are malformed."""
    cells = answer.get("cells")
    if not isinstance(cells, list) or len(cells) != len(nb.cells):
        return "the notebook came back with a different number of cells"
    for cell, back in zip(nb.cells, cells):
        if cell.cell_type != "code":
            continue
        outputs = back.get("outputs") if isinstance(back, dict) else None
        count = back.get("execution_count") if isinstance(back, dict) else None
        if not isinstance(outputs, list) or not all(
                isinstance(o, dict) and o.get("output_type") in _OUTPUT_TYPES for o in outputs):
            return "the notebook came back with malformed outputs"
        cell.outputs = [from_dict(o) for o in outputs]
        cell.execution_count = count if isinstance(count, int) and count > 0 else None
    try:
        validate(nb)
    except ValidationError as exc:
        return f"the notebook came back malformed ({str(exc).splitlines()[0][:200]})"
    return None


def _mark_not_run(nb: NotebookNode, why: str) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [new_output("error", ename=NOT_RUN, evalue=f"Not run: {why}.",
                                       traceback=[f"{NOT_RUN}: Not run: {why}."])]
            cell.execution_count = None
