"""autograder.grading.sandbox: one notebook in a bubblewrap sandbox, read back as bounded data."""
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.grading import runtime, sandbox
from autograder.grading.execute import SandboxedExecute

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("bwrap") is None,
                                 reason="bubblewrap is not installed (apt-get install bubblewrap)")]
REPO = Path(__file__).resolve().parents[1]


def _execute(tmp_path, *sources, limits=None, name="unit"):
    nb = new_notebook(cells=[new_code_cell(textwrap.dedent(s)) for s in sources])
    (tmp_path / "data.txt").write_text("the submission's own file")
    request = SandboxedExecute(timeout=20)._request(nb, tmp_path, {}, "ada")
    outcome = sandbox.run(runtime.build_runtime("demo_gd"), request, limits or sandbox.Limits(),
                          name)
    return outcome


def _printed(outcome, index):
    return "".join(o.get("text", "") for o in outcome.answer["cells"][index]["outputs"]
                   if o["output_type"] == "stream")


def test_a_notebook_runs_as_nobody_with_its_own_files_and_nothing_of_the_course(tmp_path):
    listener = socket.create_server(("127.0.0.1", 0))  # the grader's machine, on loopback
    port = listener.getsockname()[1]
    outcome = _execute(tmp_path, f"""
        import os, socket
        print(os.getuid(), os.getcwd(), open("data.txt").read())
        for path in ({str(REPO / "solutions")!r}, {str(REPO / "autograder" / "questions")!r},
                     {str(tmp_path.parent)!r}):
            print(path, os.path.exists(path))
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=2)
            print("reached the grader's machine")
        except OSError as error:
            print("no network", type(error).__name__)
        print(sorted(p for p in os.listdir("/proc") if p.isdigit()) <= ["1", "2", "3", "4", "5"])
    """)
    listener.close()
    lines = _printed(outcome, 0).splitlines()
    assert lines[0] == f"65534 {sandbox.WORKDIR} the submission's own file"
    assert [line.rsplit(" ", 1)[1] for line in lines[1:4]] == ["False", "False", "False"]
    assert lines[4].startswith("no network") and lines[5] == "True"
    assert "bubblewrap" in outcome.confinement and outcome.events == []


def test_a_daemon_is_killed_when_its_notebook_ends(tmp_path):
    import psutil

    outcome = _execute(tmp_path, """
        import os, time
        if os.fork() == 0:
            os.setsid()
            time.sleep(600)
            os._exit(0)
        print("forked")
    """, name="daemon-test")
    assert _printed(outcome, 0) == "forked\n"
    survivors = []
    for proc in psutil.process_iter(["uids"]):
        try:
            if proc.info["uids"].real == sandbox.SANDBOX_UID and \
                    proc.environ().get("COURSEKIT_STUDENT_ID") == "ada":
                survivors.append(proc.pid)
        except psutil.Error:
            continue
    assert survivors == []


def test_output_past_the_cells_limit_is_cut_with_a_note(tmp_path):
    outcome = _execute(tmp_path, """
        for _ in range(50):
            print("x" * 10_000)
    """)
    text = _printed(outcome, 0)
    assert len(text) < 120_000 and "output cut" in text


def test_an_answer_larger_than_the_limit_is_refused_not_read(tmp_path):
    outcome = _execute(tmp_path, "print('y' * 50_000)",
                       limits=sandbox.Limits(output_bytes=20_000))
    assert outcome.answer is None
    assert outcome.events[0][0] == "output"


def test_the_whole_notebook_has_a_wall_clock_limit(tmp_path):
    outcome = _execute(tmp_path, "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)",
                       limits=sandbox.Limits(wall_seconds=15))
    assert outcome.answer is None
    assert outcome.events[0][0] == "timeout" and "15 s" in outcome.events[0][1]


def test_processes_together_are_held_to_the_memory_limit(tmp_path):
    if outcome_needs_cgroup():
        pytest.skip("no writable cgroup here: memory is limited per process only")
    outcome = _execute(tmp_path, """
        import os, time
        for _ in range(4):  # each child fits the per-process limit; together they do not
            if os.fork() == 0:
                try:
                    block = bytearray(150 * 2**20)
                    for i in range(0, len(block), 4096):
                        block[i] = 1
                    time.sleep(20)
                finally:
                    os._exit(0)
        time.sleep(8)
        print("survived")
    """, limits=sandbox.Limits(memory_bytes=512 * 2**20))
    assert any(kind == "memory" for kind, _ in outcome.events), outcome.events
    assert outcome.peak_memory is not None and outcome.peak_memory <= 512 * 2**20


def outcome_needs_cgroup() -> bool:
    from autograder.grading import cgroup
    return cgroup.available() is None


# uid 1000 with no capabilities left: what an instructor's own account is
_ORDINARY_USER = ["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "--inh-caps=-all",
                  "--bounding-set=-all"]
_AS_USER = """
import json, sys
from pathlib import Path
from nbformat.v4 import new_code_cell, new_notebook
from autograder.grading import runtime, sandbox
from autograder.grading.execute import SandboxedExecute
nb = new_notebook(cells=[new_code_cell("import os\\nprint(os.getuid(), os.listdir('/home'))")])
request = SandboxedExecute(timeout=20)._request(nb, Path(sys.argv[1]), {}, "ada")
outcome = sandbox.run(runtime.build_runtime("demo_gd"), request, sandbox.Limits(), "as-user")
print(json.dumps({"confinement": outcome.confinement, "events": outcome.events,
                  "cells": outcome.answer and outcome.answer["cells"]}))
"""


def test_an_ordinary_user_gets_the_same_sandbox_through_a_user_namespace(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an ordinary user for the test")
    probe = subprocess.run([*_ORDINARY_USER, sys.executable, "-c", "import autograder"],
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip("uid 1000 cannot run this Python (.ci/run makes it traversable): "
                    + probe.stderr.decode()[-200:])
    work = tmp_path / "submission"
    work.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TMPDIR": str(tmp_path),
           "MPLCONFIGDIR": str(tmp_path / "mpl")}
    os.chmod(tmp_path, 0o777)
    done = subprocess.run([*_ORDINARY_USER, sys.executable, "-c", _AS_USER, str(work)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert "as an ordinary user" in result["confinement"]
    text = "".join(o.get("text", "") for o in result["cells"][0]["outputs"])
    assert text.strip() == "65534 ['student']"
