"""autograder.guard: test cells call the real check, the student's own ``check`` survives."""
import pytest

from autograder import check, guard


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    assert guard.install(shell) and guard.install(shell)  # idempotent
    yield shell
    shell.events.unregister("pre_run_cell", shell._autograder_guard.before)
    shell.events.unregister("post_run_cell", shell._autograder_guard.after)
    del shell._autograder_guard
    InteractiveShell.clear_instance()


def test_calls_check_recognises_test_cells_only():
    assert guard.calls_check('check("a.b", x)') and guard.calls_check('print(1)\nout = check("a.b", x)')
    assert not guard.calls_check("def check(x):\n    return x") and not guard.calls_check("check(x)")
    assert not guard.calls_check("check(") and not guard.calls_check("y = 1")


def test_a_students_own_check_does_not_capture_the_test_cells(shell):
    shell.run_cell("def check(*args):\n    return 'mine'")
    result = shell.run_cell('from autograder import checks\nseen = check\ncheck("a.b", 1) if False else None')
    assert result.success and shell.user_ns["seen"] is check  # the test cell saw the real one
    assert shell.user_ns["check"]("anything") == "mine"  # and the student's helper is back afterwards
    shell.run_cell('seen = check\ncheck("a.b", 1) if False else None')
    assert shell.user_ns["seen"] is check


def test_a_test_cell_that_imports_check_itself_also_gives_the_students_object_back(shell):
    shell.run_cell("check = None")
    shell.run_cell('from autograder import check\nseen = check\nif False:\n    check("a.b", 1)')
    assert shell.user_ns["seen"] is check and shell.user_ns["check"] is None


def test_a_test_cell_that_rebinds_check_keeps_its_binding(shell):
    shell.run_cell("check = None")
    shell.run_cell('if False:\n    check("a.b", 1)\ncheck = "rebound by the cell"')
    assert shell.user_ns["check"] == "rebound by the cell"


def test_without_ipython_nothing_is_installed():
    assert guard.install(object()) is False
