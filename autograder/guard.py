"""Test cells always call the real ``check``, even if the student named something ``check``.

The course's test cells call ``check(...)`` with the name imported once by a
setup cell.  A student who defines their own ``check`` (a helper to test
their code, say) would otherwise turn every later test cell into a call of
their function: nothing recorded, every later question lost.

:func:`install` registers two IPython event hooks.  Before a cell that calls
``check`` with a literal question id (a test cell), the notebook's ``check``
is bound to :func:`autograder.checks.check`; after the cell, the student's
own object is put back, so their code keeps working.

This is a convenience for honest mistakes, not a defence: a hostile
notebook can remove the hooks, and gains nothing by it (verdicts are
computed out of the kernel while grading).
"""
from __future__ import annotations

import ast
import sys
from typing import Any

_MISSING = object()


def calls_check(source: str) -> bool:
    """Whether ``source`` calls ``check("<literal id>", ...)`` (what test cells do)."""
    if "check" not in source:
        return False
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "check"
               and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
               for node in ast.walk(tree))


class _Guard:
    """The pair of hooks of one shell (see the module docstring)."""

    def __init__(self, shell, check) -> None:
        self.shell, self.check, self.saved = shell, check, _MISSING

    def before(self, info: Any = None) -> None:
        self.saved = _MISSING
        source = getattr(info, "raw_cell", None)
        if not isinstance(source, str) or not calls_check(source):
            return
        namespace = self.shell.user_ns
        current = namespace.get("check", _MISSING)
        if current is not self.check:
            self.saved = current
            namespace["check"] = self.check

    def after(self, result: Any = None) -> None:
        if self.saved is _MISSING:
            return
        namespace = self.shell.user_ns
        if namespace.get("check") is self.check:  # the cell did not rebind it: give the student's back
            namespace["check"] = self.saved
        self.saved = _MISSING


def install(shell=None) -> bool:
    """Register the hooks in ``shell`` (default: the running IPython), once.

    Returns
    -------
    bool
        Whether hooks are in place (False outside IPython).
    """
    if shell is None:
        ipython = sys.modules.get("IPython")  # not imported: not running in IPython
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "events") or not hasattr(shell, "user_ns"):
        return False
    if getattr(shell, "_autograder_guard", None) is not None:
        return True
    from autograder.checks import check

    guard = _Guard(shell, check)
    shell.events.register("pre_run_cell", guard.before)
    shell.events.register("post_run_cell", guard.after)
    shell._autograder_guard = guard
    return True
