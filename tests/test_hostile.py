"""Hostile submissions, graded in one run beside honest and blank ones (the sandbox's end-to-end test).

One attack or more per class of what a hostile student tries:

A. points without solving: the reference reached by ``import *``, an alias, pickle, the
   question registry, the solutions or another student's notebook read from disk, the
   grader's secrets looked for in the environment and the grading plan;
B. writing for the grader: a notebook replaced by a link to the gradebook, chmod/utime on the
   course, block devices, a file bigger than the disk limit, files left in /dev/shm;
C. harming the others: a daemon that outlives its kernel and kills what it can see, stopping
   the runner, the gradebook lock, other kernels' connection files;
D. resources: forked children that together exceed the memory limit, 600 MB of printing;
E. leaks: printing other students' grades and solutions into one's own feedback.

The attacks know the course's absolute path (the worst case). Every attack must score no more
than a blank submission on what it attacks, honest work full marks, no file outside the
attacker's sandbox may change, no process may outlive its notebook, and the run must end in
time with every student in the export.
"""
import hashlib
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from autograder.demo import ASSIGNMENT, make_course, solution_sources

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SANDBOX_UID = 65534
RUN_LIMIT_SECONDS = 240

_SOLUTION = {"iterates_answer": "solution", "one_step_answer": "solution", "gd_answer": "solution"}

# ---------------------------------------------------------------- A: points without solving
A_IMPORT_STAR = "from coursekit.gd import *"
A_ALIAS = '''
import coursekit
_g = coursekit.gd
def gradient_descent(grad, x0, lr, steps):
    return _g.gradient_descent(grad, x0, lr, steps)
iterates = {{f"alpha={{a}}": list(_g.gradient_descent(lambda b: 10 * b - 3, beta0, a, 3)[1:])
            for a in (1, 0.01, 0.1)}}
'''
A_PICKLE = '''
import pickle
gradient_descent = pickle.loads(b"ccoursekit.gd\\ngradient_descent\\n.")
'''
A_REGISTRY = '''
import autograder
_q = autograder.questions
gradient_descent = _q.get("demo_gd.gradient_descent").reference(parameters("demo_gd"))
iterates = _q.get("demo_gd.iterates").reference(parameters("demo_gd"))
one_step = _q.get("demo_gd.one_step").reference(parameters("demo_gd"))
'''
A_READ_SOLUTIONS = '''
import glob, json, os
found = []
for pattern in ("{course}/solutions/**/*.ipynb", "{course}/submitted/**/*.ipynb",
                "{course}/autograded/**/*.ipynb", "../../../solutions/**/*.ipynb",
                "/**/solutions/**/*.ipynb"):
    found += glob.glob(pattern, recursive=True)
for path in found:
    try:
        nb = json.load(open(path))
    except Exception:
        continue
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if "gradient_descent" in source or "iterates" in source or "one_step" in source:
            try:
                exec(source.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""))
            except Exception:
                pass
'''
A_SECRETS = '''
import json, os
secrets = {{k: v for k, v in os.environ.items() if "NONCE" in k or "SEED" in k or "SECRET" in k}}
plan = json.load(open(os.environ["COURSEKIT_GRADING_PLAN"]))
assert not secrets, secrets
from autograder.kinds import trial_seed   # the seed's recipe is not here either
'''

# ---------------------------------------------------------------- B: writing for the grader
B_SYMLINK = '''
import os
for name in os.listdir("."):
    if name.endswith(".ipynb"):
        os.remove(name)
        os.symlink("{course}/gradebook.db", name)
os.symlink("{course}/submitted/honest_ada/demo_gd/demo_gd.ipynb", "victim.ipynb")
'''
B_FILES = '''
import os, time
results = []
for path in ("{course}/gradebook.db", "{course}/solutions/demo_gd/demo_gd.ipynb",
             "{course}/nbgrader_config.py", "{repo}/autograder/checks.py", "{canary}"):
    for action in (lambda p: os.chmod(p, 0o444), lambda p: os.utime(p, (0, 0)),
                   lambda p: open(p, "a").write("vandalised")):
        try:
            action(path)
            results.append("done " + path)
        except OSError as error:
            results.append(type(error).__name__)
for device in ("/dev/loop0", "/dev/sda", "/dev/vda", "/dev/mem"):
    try:
        os.open(device, os.O_RDWR)
        results.append("opened " + device)
    except OSError as error:
        results.append(type(error).__name__)
open("/dev/shm/survivor", "w").write("still here")
try:
    with open("big.bin", "wb") as f:
        for _ in range(1024):
            f.write(b"x" * 2**20)
    results.append("1 GB written")
except OSError as error:
    results.append(type(error).__name__)
    os.remove("big.bin")
print(results)
'''

# ---------------------------------------------------------------- C: harming the others
C_DAEMON = '''
import os, signal, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        end = time.time() + 30
        while time.time() < end:
            for pid in range(2, 100000):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.2)
        os._exit(0)
    os._exit(0)
time.sleep(0.5)
'''
C_STOP_PARENT = '''
import os, signal
os.kill(os.getppid(), signal.SIGSTOP)
'''
C_LOCKS_AND_KERNELS = '''
import fcntl, glob, os
for path in ["{course}/autograder_log/.gradebook.lock"] + glob.glob("/tmp/**/*.json", recursive=True) \\
        + glob.glob("/run/**/kernel-*.json", recursive=True):
    try:
        handle = open(path, "a+")
        fcntl.flock(handle, fcntl.LOCK_EX)
        print("locked", path)
    except OSError:
        pass
'''

# ---------------------------------------------------------------- D: resources
D_FORK_MEMORY = '''
import os, time
for _ in range(4):  # each child stays under the per-process limit; together they do not
    if os.fork() == 0:
        try:
            block = bytearray(150 * 2**20)
            for i in range(0, len(block), 4096):
                block[i] = 1
            time.sleep(30)
        finally:
            os._exit(0)
time.sleep(8)
'''
D_PRINT = '''
chunk = "x" * 2**20
for _ in range(600):
    print(chunk)
'''

# ---------------------------------------------------------------- E: leaks
E_LEAK = '''
import glob, sqlite3
for path in glob.glob("{course}/**/*", recursive=True):
    print(path)
try:
    print(sqlite3.connect("{course}/gradebook.db").execute("select * from grade").fetchall())
except Exception as error:
    print("no gradebook:", type(error).__name__)
for path in glob.glob("/**/solutions/**/*.ipynb", recursive=True):
    print(open(path).read())
'''

ATTACKS = {  # student -> (class, answer cells, the questions it attacks)
    "a_import_star": ("A", {"gd_answer": A_IMPORT_STAR}, ("gradient_descent",)),
    "a_alias": ("A", {"gd_answer": A_ALIAS}, ("gradient_descent", "iterates")),
    "a_pickle": ("A", {"gd_answer": A_PICKLE}, ("gradient_descent",)),
    "a_registry": ("A", {"gd_answer": A_REGISTRY}, ("gradient_descent", "iterates", "one_step")),
    "a_read_solutions": ("A", {"gd_answer": A_READ_SOLUTIONS},
                         ("gradient_descent", "iterates", "one_step")),
    "a_secrets": ("A", {"gd_answer": A_SECRETS}, ("gradient_descent",)),
    "b_symlink": ("B", {"gd_answer": B_SYMLINK}, ()),
    "b_files": ("B", {"gd_answer": B_FILES}, ()),
    "c_daemon": ("C", {**_SOLUTION, "iterates_answer": C_DAEMON}, ()),
    "c_stop_parent": ("C", {"gd_answer": C_STOP_PARENT}, ()),
    "c_locks": ("C", {"gd_answer": C_LOCKS_AND_KERNELS}, ()),
    "d_fork_memory": ("D", {"gd_answer": D_FORK_MEMORY}, ()),
    "d_print": ("D", {"gd_answer": D_PRINT}, ()),
    "e_leak": ("E", {"gd_answer": E_LEAK}, ()),
}
HONEST = ("honest_ada", "honest_zed")
BLANK = "blank"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _protected_files(course: Path, canary: Path) -> dict:
    """Every file no submission may change: the course's inputs, the grader's code, a canary."""
    files = [canary, course / "nbgrader_config.py"]
    for part in ("solutions", "notebooks", "submitted"):
        files += sorted((course / part).rglob("*"))
    for package in ("autograder", "coursekit"):
        files += sorted((REPO / package).rglob("*.py"))
    return {str(p): _sha(p) for p in files if p.is_file()}


def _sandbox_processes(students) -> list:
    """Processes of these students' sandboxes still alive (runners, kernels and their children)."""
    import psutil

    found = []
    for proc in psutil.process_iter(["uids", "cmdline"]):
        uids = proc.info["uids"]
        if uids is None or SANDBOX_UID not in (uids.real, uids.effective):
            continue
        try:
            env = proc.environ()
        except psutil.Error:
            continue
        run = env.get("AUTOGRADER_SUBMISSION", "") + "|" + env.get("COURSEKIT_STUDENT_ID", "")
        if any(f"-{student}-" in run or run.endswith("|" + student) for student in students):
            found.append(proc.info["cmdline"])
    return found


def _write_submissions(course: Path, canary: Path) -> None:
    release = course / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    solutions = solution_sources(course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    plans = {**{s: _SOLUTION for s in HONEST}, BLANK: {},
             **{s: answers for s, (_, answers, _) in ATTACKS.items()}}
    for student, answers in plans.items():
        nb = nbformat.read(str(release), as_version=4)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                source = answers[grade_id]
                cell.source = solutions[grade_id] if source == "solution" else textwrap.dedent(
                    source.format(course=course, repo=REPO, canary=canary))
        path = course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    from autograder.course import build
    from autograder.feedback import write_feedback
    from autograder.grading import grade_assignment

    course = make_course(tmp_path_factory.mktemp("course"))
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\nc.SandboxedExecute.notebook_timeout = 60\n")
    outside = tmp_path_factory.mktemp("outside")
    outside.chmod(0o777)
    canary = outside / "canary.txt"
    canary.write_text("untouched")
    canary.chmod(0o666)  # anyone who could see it could change it
    build([ASSIGNMENT], course)
    _write_submissions(course, canary)
    before = _protected_files(course, canary)
    shm_before = set(os.listdir("/dev/shm"))
    started = time.monotonic()
    results = grade_assignment(ASSIGNMENT, course, jobs=2, timeout=10, memory_limit_mb=512,
                               progress=False)
    seconds = time.monotonic() - started
    leftovers = _sandbox_processes([*HONEST, BLANK, *ATTACKS])
    pages = write_feedback(ASSIGNMENT, course)
    return {"course": course, "canary": canary, "before": before, "results": results,
            "seconds": seconds, "leftovers": leftovers, "pages": pages,
            "shm_new": set(os.listdir("/dev/shm")) - shm_before}


def _question_scores(course: Path, student: str) -> dict:
    nb = nbformat.read(str(course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"),
                       as_version=4)
    return {c.metadata["autograder"]["question"].split(".")[1]: c.metadata["autograder"]["score"]
            for c in nb.cells if "autograder" in c.metadata}


def test_honest_work_earns_full_marks_and_blank_earns_nothing(hostile_run):
    by_student = {r.student: r for r in hostile_run["results"]}
    for student in HONEST:
        assert (by_student[student].status, by_student[student].score) == ("graded", 6.0)
    assert by_student[BLANK].score == 0.0


@pytest.mark.parametrize("student", sorted(ATTACKS))
def test_an_attack_scores_no_more_than_blank_on_what_it_attacks(hostile_run, student):
    blank = _question_scores(hostile_run["course"], BLANK)
    result = next(r for r in hostile_run["results"] if r.student == student)
    attacked = ATTACKS[student][2]
    if result.status == "failed" and not (hostile_run["course"] / "autograded" / student).is_dir():
        return  # nothing was scored at all
    scores = _question_scores(hostile_run["course"], student)
    for question in attacked:
        assert scores.get(question, 0.0) <= blank.get(question, 0.0), (student, question, scores)
    if not attacked and student != "c_daemon":  # everything else was left blank
        assert result.score == 0.0, result


def test_no_file_outside_the_sandboxes_changed(hostile_run):
    course, canary = hostile_run["course"], hostile_run["canary"]
    assert _protected_files(course, canary) == hostile_run["before"]
    assert canary.read_text() == "untouched"
    assert not hostile_run["shm_new"], "a file a kernel made in /dev/shm outlived it"


def test_no_process_of_a_submission_outlived_its_notebook(hostile_run):
    assert hostile_run["leftovers"] == []


def test_the_run_ended_in_time_and_the_export_lists_every_student(hostile_run):
    assert hostile_run["seconds"] < RUN_LIMIT_SECONDS
    course = hostile_run["course"]
    target = course.parent / "grades.csv"
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "export", "--course",
                           str(course), "--to", str(target)], capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{Path(sys.executable).parent}:"
                                                     f"{os.environ['PATH']}"})
    assert done.returncode == 0, done.stderr
    exported = target.read_text()
    for student in (*HONEST, BLANK, *ATTACKS):
        assert student in exported


def test_every_kernel_ran_sandboxed_and_its_log_says_how(hostile_run):
    from autograder.grading import read_logs

    logs = read_logs(ASSIGNMENT, hostile_run["course"])
    assert set(logs) == {*HONEST, BLANK, *ATTACKS}
    assert all("bubblewrap" in log["confinement"] for log in logs.values())


def test_the_leaking_student_sees_nothing_of_the_others_in_their_feedback(hostile_run):
    course = hostile_run["course"]
    page = next(p for p in hostile_run["pages"] if "e_leak" in Path(p).parts)
    text = Path(page).read_text()
    others = [s for s in (*HONEST, BLANK, *ATTACKS) if s != "e_leak"]
    assert not any(student in text for student in others)
    assert "BEGIN SOLUTION" not in text and str(course / "solutions") not in text


def test_resource_attacks_are_stopped_and_named(hostile_run):
    by_student = {r.student: r for r in hostile_run["results"]}
    memory = by_student["d_fork_memory"]
    assert memory.status == "failed" and "memory" in memory.reason, memory
    stopped = by_student["c_stop_parent"]
    assert stopped.status in ("failed", "timeout") and "limit" in stopped.reason, stopped
