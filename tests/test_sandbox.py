"""autograder.sandbox: a confined process writes only beneath the directories it was given."""
import subprocess
import sys
import textwrap

import pytest

from autograder import sandbox

pytestmark = pytest.mark.skipif(not sandbox.available(), reason="Linux Landlock is not available here")


def _run_confined(writable, body):
    """Run ``body`` in a fresh interpreter after confine_writes(writable); return its printed lines."""
    script = "from autograder.sandbox import confine_writes\n" \
             f"assert confine_writes({[str(p) for p in writable]!r})\n" + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def _attempt(action):
    return f"""
try:
    {action}
    print("done")
except PermissionError:
    print("refused")
"""


def test_writes_beneath_the_given_directory_succeed_and_elsewhere_are_refused(tmp_path):
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    (mine / "deep").mkdir(parents=True)
    theirs.mkdir()
    (theirs / "kept.txt").write_text("original")
    lines = _run_confined([mine], "".join([
        _attempt(f"open({str(mine / 'deep' / 'new.txt')!r}, 'w').write('x')"),
        _attempt(f"open({str(theirs / 'kept.txt')!r}, 'a').write('x')"),
        _attempt(f"open({str(theirs / 'new.txt')!r}, 'w')"),
        _attempt(f"__import__('os').remove({str(theirs / 'kept.txt')!r})"),
        _attempt(f"__import__('os').rename({str(theirs / 'kept.txt')!r}, {str(mine / 'stolen.txt')!r})"),
        _attempt(f"open({str(theirs / 'kept.txt')!r}, 'r+').truncate(0)"),
        _attempt("open('/dev/null', 'w').write('x')"),
    ]))
    assert lines == ["done", "refused", "refused", "refused", "refused", "refused", "done"]
    assert (theirs / "kept.txt").read_text() == "original" and not (theirs / "new.txt").exists()
    assert (mine / "deep" / "new.txt").read_text() == "x"


def test_reading_anywhere_still_works(tmp_path):
    elsewhere = tmp_path / "data.txt"
    elsewhere.write_text("readable")
    (tmp_path / "box").mkdir()
    assert _run_confined([tmp_path / "box"], f"print(open({str(elsewhere)!r}).read())") == ["readable"]


def test_programs_the_process_starts_are_confined_too(tmp_path):
    (tmp_path / "box").mkdir()
    target = tmp_path / "outside.txt"
    lines = _run_confined([tmp_path / "box"], f"""
        import subprocess
        done = subprocess.run(["sh", "-c", "echo hi > {target}"], capture_output=True)
        print("refused" if done.returncode != 0 else "done")
    """)
    assert lines == ["refused"] and not target.exists()


def test_missing_directories_are_skipped(tmp_path):
    (tmp_path / "box").mkdir()
    lines = _run_confined([tmp_path / "absent", tmp_path / "box"],
                          _attempt(f"open({str(tmp_path / 'box' / 'f')!r}, 'w')"))
    assert lines == ["done"]
