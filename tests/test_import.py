"""`import coursekit` stays light; submodules load lazily on attribute access."""
import doctest
import json
import subprocess
import sys
import tomllib

import pytest

import coursekit

HEAVY = ("matplotlib", "sympy", "ipywidgets", "nbgrader", "torch", "IPython")
NUMERICS = ("gd", "functions", "activations", "losses", "gradcheck", "data")


def _modules_loaded_after(statement: str) -> set[str]:
    """Top-level package names in sys.modules after running ``statement`` in a fresh interpreter."""
    script = f"import sys, json\n{statement}\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_import_coursekit_loads_no_heavy_package_and_no_submodule():
    script = "import sys, json, coursekit\nprint(json.dumps(sorted(m for m in sys.modules if m.startswith('coursekit'))))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == ["coursekit"]
    assert not _modules_loaded_after("import coursekit") & set(HEAVY)


def test_numerics_modules_load_no_heavy_package():
    loaded = _modules_loaded_after("\n".join(f"import coursekit.{name}" for name in NUMERICS))
    assert not loaded & set(HEAVY), f"the numerics modules import {sorted(loaded & set(HEAVY))}"


def test_computing_with_an_objective_does_not_load_sympy():
    loaded = _modules_loaded_after("from coursekit import functions\nfunctions.get('beale').grad([1.0, 1.0])")
    assert "sympy" not in loaded


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
