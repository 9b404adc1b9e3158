"""`import coursekit` stays light; submodules load lazily on attribute access."""
import doctest
import json
import subprocess
import sys
import tomllib

import pytest

import coursekit

HEAVY = ("matplotlib", "sympy", "ipywidgets", "nbgrader", "torch", "IPython")
NUMERICS = ("gd", "functions", "activations", "losses", "gradcheck", "data",
            "optim", "layers", "train", "linear", "model_selection")


# One fresh interpreter goes through the three stages in turn and reports, after each, the
# coursekit modules and the top-level packages it has loaded (one process instead of three).
_STAGES = {
    "import coursekit": "import coursekit",
    "import the numerics": "\n".join(f"import coursekit.{name}" for name in NUMERICS),
    "compute with an objective": "from coursekit import functions\nfunctions.get('beale').grad([1.0, 1.0])",
}


@pytest.fixture(scope="module")
def loaded_after() -> dict[str, set[str]]:
    """Stage → names in sys.modules after it (top-level packages plus coursekit's own modules)."""
    lines = ["import sys, json", "report = {}"]
    for stage, statement in _STAGES.items():
        lines += [statement, f"report[{stage!r}] = sorted({{m.split('.')[0] for m in sys.modules}}"
                             f" | {{m for m in sys.modules if m.startswith('coursekit')}})"]
    lines.append("print(json.dumps(report))")
    script = "\n".join(lines)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return {stage: set(names) for stage, names in json.loads(result.stdout.strip().splitlines()[-1]).items()}


def test_import_coursekit_loads_no_heavy_package_and_no_submodule(loaded_after):
    loaded = loaded_after["import coursekit"]
    assert {name for name in loaded if name.startswith("coursekit")} == {"coursekit"}
    assert not loaded & set(HEAVY)


def test_numerics_modules_load_no_heavy_package(loaded_after):
    loaded = loaded_after["import the numerics"]
    assert {f"coursekit.{name}" for name in NUMERICS} <= loaded
    assert not loaded & set(HEAVY), f"the numerics modules import {sorted(loaded & set(HEAVY))}"


def test_computing_with_an_objective_does_not_load_sympy(loaded_after):
    assert "sympy" not in loaded_after["compute with an objective"]


@pytest.mark.parametrize("name", NUMERICS)
def test_submodules_are_reachable_as_attributes(name):
    module = getattr(coursekit, name)
    assert module.__name__ == f"coursekit.{name}"
    assert name in dir(coursekit)


def test_unknown_attributes_raise_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'gradient_descent'"):
        coursekit.gradient_descent  # noqa: B018


def test_version_matches_the_package_metadata(repo_root):
    with open(repo_root / "pyproject.toml", "rb") as file:
        assert coursekit.__version__ == tomllib.load(file)["project"]["version"]


def test_docstring_examples_run():
    result = doctest.testmod(coursekit)
    assert result.attempted > 0 and result.failed == 0


def test_the_shipped_packages_hold_no_browser_driver(repo_root):
    # Playwright drives JupyterLab only in development (tests/lab_driver.py), never in the package
    sources = [p for package in ("coursekit", "autograder") for p in (repo_root / package).rglob("*.py")]
    assert sources
    assert [p.name for p in sources if "playwright" in p.read_text(encoding="utf-8")] == []


def test_judging_a_number_loads_no_sympy():
    # registering an answer key, the judging machinery and a numeric check in the kernel: sympy
    # (about 0.35 s to import) waits for a question that needs it
    script = ("import sys\nfrom autograder import kinds, check\nfrom autograder.questions import for_assignment\n"
              "for_assignment('02_gradient_descent')\n"
              "try:\n    check('02_gradient_descent.alpha_max', 0.3)\nexcept AssertionError:\n    pass\n"
              "print('sympy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "False"
