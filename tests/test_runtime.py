"""autograder.grading.runtime: the code a grading sandbox sees lacks the assignment's references.

Each check runs Python in a real sandbox built on the runtime, as a graded kernel would.
"""
import shutil
import subprocess
import sys
import textwrap

import pytest

from autograder.grading import runtime, sandbox

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None,
                                reason="bubblewrap is not installed (apt-get install bubblewrap)")


def _run(root, body: str) -> list[str]:
    """Run ``body`` in a sandbox built on the runtime ``root``; return its printed lines."""
    command = sandbox.command(root, sandbox.Limits())
    command = command[:command.index(sys.executable, len(command) - 4)]
    done = subprocess.run([*command, sys.executable, "-c", textwrap.dedent(body)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.fixture(scope="module")
def demo_runtime():
    return runtime.build_runtime("demo_gd")


def test_a_withheld_module_is_absent_however_it_is_reached(demo_runtime):
    lines = _run(demo_runtime, """
        import importlib, pickle
        import coursekit
        from coursekit import gd
        attempts = {
            "attribute": lambda: gd.gradient_descent,
            "alias": lambda: getattr(coursekit.gd, "gradient_descent"),
            "import": lambda: importlib.import_module("coursekit.gd").gradient_descent,
            "pickle": lambda: pickle.loads(b"ccoursekit.gd\\ngradient_descent\\n."),
            "from-import": lambda: exec("from coursekit.gd import gradient_descent"),
        }
        for name, attempt in attempts.items():
            try:
                attempt()
                print(name, "reached")
            except ImportError as error:
                print(name, type(error).__name__)
        namespace = {}
        exec("from coursekit.gd import *", namespace)
        print("star", sorted(k for k in namespace if not k.startswith("__")))
        print("source", "def gradient_descent" in open(gd.__file__).read())
    """)
    assert lines[:5] == [f"{name} WithheldWhileGrading"
                         for name in ("attribute", "alias", "import", "pickle", "from-import")]
    assert lines[5:] == ["star []", "source False"]


def test_a_module_that_imports_a_withheld_one_is_withheld_too(demo_runtime):
    # coursekit.linear imports coursekit.gd (gradient-descent fits): a route back to the reference.
    lines = _run(demo_runtime, """
        import coursekit.linear, coursekit.data
        try:
            coursekit.linear.fit_gd
        except ImportError as error:
            print(type(error).__name__)
        print(callable(coursekit.data.circles))
    """)
    assert lines == ["WithheldWhileGrading", "True"]


def test_a_withheld_member_is_removed_and_the_rest_of_its_module_works(tmp_path, monkeypatch):
    from autograder import withheld as withheld_module

    monkeypatch.setattr(withheld_module, "withheld", lambda assignment: ("coursekit.layers.Sequential",))
    monkeypatch.setattr(withheld_module, "withheld_data", lambda assignment: {})
    monkeypatch.setattr(runtime, "_has_questions", lambda assignment: True)
    root = runtime.build_runtime.__wrapped__("unit_members")
    lines = _run(root, """
        import coursekit.layers as layers
        print(layers.Linear(2, 1, rng=0).forward([[1.0, 2.0]]).shape)
        try:
            layers.Sequential
        except ImportError as error:
            print(type(error).__name__, "Sequential" in str(error))
        print("Sequential" in layers.__all__, "class Sequential" in open(layers.__file__).read())
        exec("from coursekit.layers import *")
    """)
    assert lines == ["(1, 1)", "WithheldWhileGrading True", "False False"]


def test_explorers_print_a_note_instead_of_running(demo_runtime):
    lines = _run(demo_runtime, """
        from coursekit.widgets import explore_gd
        from coursekit.widgets.derivative import derivative_checker
        print(explore_gd(), derivative_checker("x^2"))
    """)
    assert lines[0].startswith("(explore_gd is an interactive explorer: it is not run")
    assert lines[-1] == "None None"


def test_the_kernel_side_of_autograder_has_no_questions_and_no_judging(demo_runtime):
    present = sorted(p.stem for p in (demo_runtime / "autograder").iterdir())
    assert present == sorted(runtime.KERNEL_MODULES)
    lines = _run(demo_runtime, """
        import autograder
        for name in ("questions", "kinds", "preprocessors", "grading"):
            try:
                __import__("autograder." + name)
                print(name, "importable")
            except ImportError:
                print(name, "absent")
    """)
    assert lines == [f"{name} absent" for name in ("questions", "kinds", "preprocessors",
                                                    "grading")]


def test_withheld_names_outside_coursekit_are_refused(monkeypatch):
    from autograder import withheld as withheld_module

    monkeypatch.setattr(withheld_module, "assignment_module",
                        lambda assignment: type("M", (), {"WITHHELD": ("numpy.linalg",)}))
    with pytest.raises(ValueError, match="must name coursekit modules"):
        withheld_module.withheld("anything")


def _assignments():
    folder = Path(questions_pkg.__file__).parent
    return sorted(p.stem if p.suffix == ".py" else p.name for p in folder.iterdir()
                  if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file())


from pathlib import Path  # noqa: E402 - kept next to the test that needs it

from autograder import questions as questions_pkg  # noqa: E402
from autograder.withheld import withheld  # noqa: E402


@pytest.mark.parametrize("assignment", _assignments())
def test_everything_an_assignment_withholds_is_absent_from_its_sandbox(assignment):
    names = withheld(assignment)
    lines = _run(runtime.build_runtime(assignment), f"""
        import importlib
        for name in {list(names)!r}:
            try:
                module = importlib.import_module(name)
                code = [k for k, v in vars(module).items()
                        if not k.startswith("_") and k != "WithheldWhileGrading"]
                print(name, "module", code)
            except ModuleNotFoundError:
                parent, _, member = name.rpartition(".")
                try:
                    getattr(importlib.import_module(parent), member)
                    print(name, "reached")
                except ImportError as error:
                    print(name, type(error).__name__)
    """)
    assert len(lines) == len(names) and names
    for name, line in zip(names, lines):
        assert line in (f"{name} module []", f"{name} WithheldWhileGrading"), line


def test_the_python_and_the_course_code_are_mounted_over_the_private_tmp():
    # a venv or checkout kept under /tmp must stay visible through the sandbox's own /tmp
    command = sandbox.command(runtime.build_runtime("demo_gd"), sandbox.Limits())
    private_tmp = next(i for i in range(len(command) - 1)
                       if command[i:i + 2] == ["--tmpfs", "/tmp"])
    binds = [i for i, arg in enumerate(command) if arg == "--ro-bind"
             and command[i + 2] not in ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64")]
    assert binds and min(binds) > private_tmp


def test_the_digits_in_the_sandbox_of_08_hold_no_label_of_the_graders_test_images():
    import numpy as np

    from coursekit import data
    q08 = questions_pkg.load_assignment("08_mlp")
    X, y = data.load_digits()
    train, val, test = q08.capstone.digits_split(5)
    lines = _run(runtime.build_runtime("08_mlp"), """
        import coursekit.data
        X, y = coursekit.data.load_digits()
        print(X.shape, X.sum())
        print(*y)
    """)
    shape_and_total, labels = lines[0], np.array(lines[1].split(), dtype=int)
    assert shape_and_total == f"{X.shape} {X.sum()}"            # every image is there, unchanged
    assert np.all(labels[test] == -1)                           # no test image's label
    keep = np.setdiff1d(np.arange(len(y)), test)
    assert np.array_equal(labels[keep], y[keep]) and len(keep) == len(train) + len(val)


def test_a_withheld_data_file_that_coursekit_lacks_is_refused(monkeypatch):
    module = questions_pkg.load_assignment("08_mlp")
    monkeypatch.setattr(module, "WITHHELD_DATA", {"datasets/no_such_file.csv": lambda path: None})
    runtime.build_runtime.cache_clear()
    try:
        with pytest.raises(ValueError, match="no_such_file.csv"):
            runtime.build_runtime("08_mlp")
        monkeypatch.setattr(module, "WITHHELD_DATA", {"../outside": lambda path: None})
        with pytest.raises(ValueError, match="paths inside coursekit"):
            runtime.build_runtime("08_mlp")
    finally:
        runtime.build_runtime.cache_clear()
