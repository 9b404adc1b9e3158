"""The reference numerics are vectorised: no Python loop runs over the samples of a data set.

Loops over epochs, mini-batches, steps, layers and parameters are the algorithms themselves;
what must not appear is a loop with one iteration per sample (``for i in range(len(X))``,
``for x in X``, ``for x, t in zip(X, y)``). Finite differences in :mod:`coursekit.gradcheck`
are the one deliberate loop over array entries.
"""
import ast
import importlib
import inspect

import pytest

MODULES = ["gd", "functions", "activations", "losses", "gradcheck", "data", "optim", "layers", "train",
           "linear", "model_selection", "_validation"]
DATA_NAMES = {"X", "x", "y", "X_batch", "y_batch", "X_val", "y_val", "X_train", "y_train", "samples",
              "labels", "logits", "y_pred", "z", "p"}


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _per_sample_loops(tree: ast.AST) -> list[int]:
    """Line numbers of loops (or comprehensions) whose iterable walks a data array one sample at a time."""
    lines = []
    for node in ast.walk(tree):
        iterables = []
        if isinstance(node, (ast.For, ast.comprehension)):
            iterables.append(node.iter)
        for iterable in iterables:
            direct = isinstance(iterable, ast.Name) and iterable.id in DATA_NAMES
            zipped = (isinstance(iterable, ast.Call) and getattr(iterable.func, "id", "") == "zip"
                      and any(isinstance(a, ast.Name) and a.id in DATA_NAMES for a in iterable.args))
            counted = (isinstance(iterable, ast.Call) and getattr(iterable.func, "id", "") == "range"
                       and len(iterable.args) == 1 and _names(iterable.args[0]) & DATA_NAMES)
            if direct or zipped or counted:
                lines.append(getattr(node, "lineno", getattr(iterable, "lineno", 0)))
    return lines


def test_the_detector_finds_a_loop_over_samples():
    source = "def f(X, y):\n    for i in range(len(X)):\n        pass\n    return [a for a, b in zip(X, y)]\n"
    assert sorted(_per_sample_loops(ast.parse(source))) == [2, 4]
    assert _per_sample_loops(ast.parse("for start in range(0, len(X), 32):\n    pass\n")) == []


@pytest.mark.parametrize("module_name", MODULES)
def test_reference_code_has_no_python_loop_over_samples(module_name):
    module = importlib.import_module(f"coursekit.{module_name}")
    assert _per_sample_loops(ast.parse(inspect.getsource(module))) == []
