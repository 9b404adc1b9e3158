"""The Python code a grading sandbox sees: coursekit without the answers, autograder's kernel side.

:func:`build_runtime` writes, once per assignment and grading process, a
directory that the sandbox mounts read-only over the real packages:

* ``coursekit/``: a copy of the course library in which everything the
  assignment's ``WITHHELD`` names (:func:`autograder.withheld.withheld`) is
  replaced by a stub that raises :class:`WithheldWhileGrading`.  A withheld
  module takes with it every coursekit module that imports it, so no route
  through the library leads back to the reference.  The explorers
  (``coursekit.widgets``) are always replaced: they are interactive, compute
  reference paths, and show nothing in a graded notebook; calling one prints
  a short note instead.
* data files the assignment's ``WITHHELD_DATA`` names
  (:func:`autograder.withheld.withheld_data`) are rewritten in the copy, e.g.
  the digits without the labels of the test images the grader holds back.
* ``autograder/``: only what a test cell runs in the kernel
  (:data:`KERNEL_MODULES`): recording answers from the grading plan.  No
  question modules, no references, no judging.
* ``runner.py``: the program that executes the notebook inside the sandbox
  (:mod:`autograder.grading.runner`).

The code is absent, not hidden: an alias, ``import *``, ``getattr`` chains,
pickle, ``exec`` of source read from disk or the garbage collector find
nothing, because nothing is there.
"""
from __future__ import annotations

import ast
import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path

# at import, not on first use: the grader fingerprints the modules it has loaded before a kernel runs
from autograder import withheld as _declared

__all__ = ["KERNEL_MODULES", "WITHHELD_ERROR", "build_runtime", "package_dirs"]

#: The modules of ``autograder`` a kernel needs while graded (see :mod:`autograder.capture`).
KERNEL_MODULES = ("__init__", "capture", "checks", "guard", "record", "student", "variants")
#: The exception a withheld name raises in the student's kernel.
WITHHELD_ERROR = "WithheldWhileGrading"

_STUB = '''"""{module}: withheld while this notebook is graded."""

__all__ = []


class {error}(ImportError):
    """Course code that holds the answer to this assignment is not available while grading."""


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise {error}(
        f"{module}.{{name}} is not available while this notebook is graded: it is (or uses) "
        "the course's reference for what this assignment asks you to write. Cells that need it "
        "are skipped in grading; your own code is graded as usual.")
'''

_EXPLORER_STUB = '''"""{module}: explorers are interactive; they are not run while a notebook is graded."""


def _skipped(name):
    def explorer(*args, **kwargs):
        print(f"({{name}} is an interactive explorer: it is not run while this notebook is graded)")
    explorer.__name__ = name
    return explorer


def __getattr__(name):
    if name.startswith("_"):
        raise AttributeError(name)
    return _skipped(name)
'''


def package_dirs() -> dict[str, Path]:
    """Where the real ``coursekit`` and ``autograder`` packages live in this process."""
    import autograder
    import coursekit

    return {"coursekit": Path(coursekit.__file__).resolve().parent,
            "autograder": Path(autograder.__file__).resolve().parent}


@functools.cache
def build_runtime(assignment: str) -> Path:
    """Write the sandbox's view of the course code for ``assignment`` (cached per process).

    Returns
    -------
    pathlib.Path
        A read-only-for-others directory holding ``coursekit/``,
        ``autograder/`` and ``runner.py``; removed when this process exits.

    Raises
    ------
    ValueError
        If the assignment's ``WITHHELD`` names something coursekit does not have.
    """
    known = _has_questions(assignment)
    withheld = _declared.withheld(assignment) if known else ()
    withheld_data = _declared.withheld_data(assignment) if known else {}
    root = Path(tempfile.mkdtemp(prefix=f"autograder-runtime-{assignment}-"))
    owner = os.getpid()
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(root, ignore_errors=True))
    sources = package_dirs()
    _copy_coursekit(sources["coursekit"], root / "coursekit", withheld)
    _rewrite_data(root / "coursekit", withheld_data)
    _copy_kernel_side(sources["autograder"], root / "autograder")
    shutil.copyfile(Path(__file__).with_name("runner.py"), root / "runner.py")
    _copy_matplotlib_cache(root / "matplotlib")
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return root


def _copy_matplotlib_cache(target: Path) -> None:
    """matplotlib's font list, so that no kernel spends a second rebuilding it."""
    import matplotlib
    from matplotlib import font_manager  # noqa: F401 - builds the font list if missing

    target.mkdir()
    for path in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
        shutil.copyfile(path, target / path.name)


def _has_questions(assignment: str) -> bool:
    from autograder import questions

    try:
        questions.for_assignment(assignment)
    except questions.UnknownQuestionError:
        return False
    return True


def _rewrite_data(coursekit: Path, rewrites: dict) -> None:
    """Apply the assignment's ``WITHHELD_DATA``: each function rewrites its file of the copy."""
    for relative, rewrite in rewrites.items():
        path = coursekit / relative
        if not path.is_file():
            raise ValueError(f"WITHHELD_DATA names {relative!r}, but coursekit has no such file")
        rewrite(path)


def _copy_kernel_side(source: Path, target: Path) -> None:
    target.mkdir()
    for name in KERNEL_MODULES:
        shutil.copyfile(source / f"{name}.py", target / f"{name}.py")


def _copy_coursekit(source: Path, target: Path, withheld: tuple[str, ...]) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    modules = _modules(target)
    whole = {name for name in withheld if name in modules}
    members: dict[str, set[str]] = {}
    for name in withheld:
        if name in whole:
            continue
        module, _, member = name.rpartition(".")
        if module not in modules:
            raise ValueError(f"WITHHELD names {name!r}, but coursekit has no module {module!r}")
        members.setdefault(module, set()).add(member)
    whole |= {name for name in modules if name.startswith("coursekit.widgets")}
    whole = _importers_closure(whole, modules)
    for name in sorted(whole):
        _write(modules[name], _EXPLORER_STUB if name.startswith("coursekit.widgets") else _STUB,
               name)
    for name, names in members.items():
        if name not in whole:
            _strip_members(modules[name], name, names)


def _modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the copied package."""
    out = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, name: str) -> set[str]:
    """coursekit modules that ``name`` imports anywhere in its code (top level or in functions)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {f for f in found if f.startswith("coursekit")}


def _importers_closure(withheld: set[str], modules: dict[str, Path]) -> set[str]:
    """``withheld`` plus every module that imports one of them, directly or not."""
    imports = {name: _imports(path, name) for name, path in modules.items()}
    closed = set(withheld)
    changed = True
    while changed:
        changed = False
        for name, used in imports.items():
            if name not in closed and name != "coursekit" and any(
                    u == w or u.startswith(w + ".") for u in used for w in closed):
                closed.add(name)
                changed = True
    return closed


def _write(path: Path, template: str, module: str) -> None:
    if path.name == "__init__.py":
        for child in path.parent.iterdir():  # the package's other files go with it
            if child != path:
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    path.write_text(template.format(module=module, error=WITHHELD_ERROR), encoding="utf-8")


def _strip_members(path: Path, module: str, names: set[str]) -> None:
    """Remove top-level definitions ``names`` from a module; its ``__getattr__`` explains why."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    defined = {node.name for node in tree.body
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    missing = names - defined
    if missing:
        raise ValueError(f"WITHHELD names {sorted(f'{module}.{n}' for n in missing)}, "
                         f"which {module} does not define")
    tree.body = [_without_exports(node, names) for node in tree.body
                 if not (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                         and node.name in names)]
    stub = ast.parse(_STUB.format(module=module, error=WITHHELD_ERROR)
                     .replace("def __getattr__(name):",
                              f"def __getattr__(name):\n    if name not in {sorted(names)!r}:\n"
                              f"        raise AttributeError(name)"))
    tree.body += stub.body[1:]  # without the stub's docstring
    path.write_text(ast.unparse(tree) + "\n", encoding="utf-8")


def _without_exports(node: ast.stmt, names: set[str]) -> ast.stmt:
    """``__all__ = [...]`` without ``names`` (so ``import *`` still works); other nodes as they are."""
    if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__"
                                             for t in node.targets)
            and isinstance(node.value, (ast.List, ast.Tuple))):
        node.value.elts = [e for e in node.value.elts
                           if not (isinstance(e, ast.Constant) and e.value in names)]
    return node
