"""Execute one notebook inside the grading sandbox: kernel and client both run in here.

The grader starts this program in the sandbox (``python -I runner.py``) and
writes one JSON request to its standard input::

    {"notebook": {...}, "files": {relative path: base64}, "plan": {...},
     "env": {...}, "timeout": seconds or null, "interrupt_on_timeout": bool,
     "kernel_name": "python3", "max_output_chars": int}

It writes the submission's files into its working directory (a private
tmpfs), the grading plan next to it, starts a kernel with exactly ``env``,
runs every cell with nbclient, and answers on standard output with one JSON
document: each cell's outputs and execution count, and what happened
(``events``: time-outs, a dead or hung kernel).  Nothing else leaves the
sandbox; the grader reads that document as size-limited data.

This file runs with nothing of autograder importable (the sandbox has only
the kernel side), so it depends on the standard library and nbclient alone.
"""
from __future__ import annotations

import base64
import ctypes
import json
import os
import sys
import time
from pathlib import PurePosixPath

KERNEL_DIED, NOT_RUN = "KernelDied", "CellNotRun"
_PROBE_SECONDS = 5.0
_RECORD_MIME = "application/vnd.coursekit.answer+json"


def main() -> int:
    _not_dumpable()
    # jsonschema builds its IRI grammar on import when rfc3987_syntax is installed, only to check
    # formats nbformat never uses: about a second of every submission's start-up
    sys.modules.setdefault("rfc3987_syntax", None)
    request = json.load(sys.stdin)
    workdir = os.getcwd()
    _write_files(workdir, request.get("files") or {})
    plan_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "grading-plan.json")
    with open(plan_path, "w", encoding="utf-8") as handle:
        json.dump(request.get("plan") or {}, handle)
    env = {**request["env"], "COURSEKIT_GRADING_PLAN": plan_path}
    _seed_matplotlib_cache(env.get("MPLCONFIGDIR"))
    started = time.monotonic()
    cells, events = execute(request, workdir, env)
    json.dump({"cells": cells, "events": events,
               "seconds": round(time.monotonic() - started, 3)}, sys.stdout)
    return 0


def _not_dumpable() -> None:
    """Keep the kernel (same uid) out of this process: no ptrace, no /proc/<pid>/mem or fd."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except (OSError, AttributeError):
        pass


def _seed_matplotlib_cache(target: str | None) -> None:
    """Start the kernel's matplotlib cache from the grader's font list (saves a rebuild)."""
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "matplotlib")
    if target and os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
        for name in os.listdir(source):
            with open(os.path.join(source, name), "rb") as src, \
                    open(os.path.join(target, name), "wb") as dst:
                dst.write(src.read())


def _write_files(workdir: str, files: dict) -> None:
    for name, data in files.items():
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts:
            continue  # the grader sends relative paths only
        target = os.path.join(workdir, *path.parts)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(base64.b64decode(data))


def execute(request: dict, workdir: str, env: dict) -> tuple[list, list]:
    """Run the notebook; return each cell's outputs and the events of the run."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    nb = nbformat.from_dict(request["notebook"])
    events: list[list[str]] = []

    class GuardedClient(NotebookClient):
        """nbclient with capped outputs, which stops cleanly when the kernel is lost."""

        stopped: str | None = None
        budgets: dict = {}

        def output(self, outs, msg, display_id, cell_index):
            out = super().output(outs, msg, display_id, cell_index)
            if out is not None and outs and outs[-1] is out:
                self._cap(outs, out, cell_index)
            return out

        def _cap(self, outs, out, cell_index):
            if _RECORD_MIME in out.get("data", {}):
                return  # answer records are size-limited by the kernel side and read by the grader
            size = len(json.dumps(out))
            left = self.budgets.setdefault(cell_index, request["max_output_chars"])
            self.budgets[cell_index] = left - size
            if left - size >= 0:
                return
            outs.pop()
            if left >= 0:  # the first output past the limit becomes a note; later ones vanish
                outs.append(nbformat.v4.new_output(
                    "stream", name="stdout",
                    text=f"\n... output cut: more than {request['max_output_chars']} characters "
                         "in this cell ...\n"))

        async def async_execute_cell(self, cell, cell_index, execution_count=None,
                                     store_history=True):
            if cell.cell_type != "code":
                return cell
            name = _cell_name(cell, cell_index)
            if self.stopped is not None:
                cell.outputs = [_error(NOT_RUN, self.stopped)]
                return cell
            try:
                await super().async_execute_cell(cell, cell_index, execution_count, store_history)
            except DeadKernelError:
                detail = f"the kernel died while running cell {name}{self._exit_detail()}"
                cell.outputs.append(_error(KERNEL_DIED, detail))
                self._stop("died", detail)
                return cell
            except CellTimeoutError:
                cell.outputs.append(_error("CellTimeoutError",
                                           f"no reply within the {self.timeout} s time limit"))
                events.append(["timeout", f"cell {name} exceeded the {self.timeout} s time limit"])
                self._stop("hung", f"the kernel did not respond after cell {name} was interrupted")
                return cell
            errors = {o.get("ename") for o in cell.get("outputs", [])
                      if o.get("output_type") == "error"}
            if "MemoryError" in errors:
                limit = request.get("memory_limit_mb")
                events.append(["memory", f"cell {name} ran out of memory"
                               + (f" (limit {limit:g} MB)" if limit else "")])
            if self.error_on_timeout and self.error_on_timeout.get("ename") in errors:
                events.append(["timeout", f"cell {name} exceeded the {self.timeout} s time limit"])
                if not await self._responds():
                    self._stop("hung", f"the kernel did not respond after cell {name} was "
                                       "interrupted")
            return cell

        def _exit_detail(self):
            process = getattr(getattr(self.km, "provisioner", None), "process", None)
            code = process.poll() if process is not None else None
            if code is None:
                return ""
            return f" (killed by signal {-code})" if code < 0 else f" (exit code {code})"

        def _stop(self, kind, detail):
            events.append([kind, detail])
            self.stopped = f"Not run: {detail}."

        async def _responds(self) -> bool:
            msg_id = self.kc.execute("", silent=True, store_history=False)
            deadline = time.monotonic() + _PROBE_SECONDS
            while (left := deadline - time.monotonic()) > 0:
                try:
                    reply = await self.kc.get_shell_msg(timeout=left)
                except Exception:  # queue.Empty or a timeout: no answer
                    return False
                if reply.get("parent_header", {}).get("msg_id") == msg_id:
                    return True
            return False

    def add_reply_error(cell, execute_reply, **_):
        """Like nbgrader: an error reply (a time-out) with no matching output becomes one."""
        content = (execute_reply or {}).get("content", {})
        if content.get("status") == "error" and not any(
                o.get("output_type") == "error" and o.get("ename") == content.get("ename")
                for o in cell.outputs):
            cell.outputs.append(_error(content.get("ename", "Error"), content.get("evalue", "")))

    timeout = request.get("timeout")
    client = GuardedClient(
        nb, timeout=timeout, kernel_name=request.get("kernel_name") or "python3",
        allow_errors=True, interrupt_on_timeout=bool(request.get("interrupt_on_timeout", True)),
        error_on_timeout={"ename": "CellTimeoutError",
                          "evalue": f"the cell did not finish within {timeout} s"}
        if timeout else None,
        shutdown_kernel="immediate", record_timing=False,
        extra_arguments=list(request.get("extra_arguments") or []),
        resources={"metadata": {"path": workdir}}, on_cell_executed=add_reply_error)
    with open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "kernel.log"), "wb") as log:
        try:
            client.execute(env=env, stdout=log, stderr=log)
        except Exception as exc:  # the kernel would not start, or the client failed
            events.append(["error", f"the notebook could not run ({type(exc).__name__}: "
                                    f"{str(exc)[:300]})"])
    return ([{"outputs": cell.get("outputs", []) if cell.cell_type == "code" else [],
              "execution_count": cell.get("execution_count")} for cell in nb.cells], events)


def _cell_name(cell, index: int) -> str:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return repr(grade_id) if grade_id else f"#{index + 1}"


def _error(ename: str, evalue: str):
    from nbformat.v4 import new_output

    return new_output("error", ename=ename, evalue=evalue,
                      traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"])


if __name__ == "__main__":
    sys.exit(main())
