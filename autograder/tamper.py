"""Static analysis of answer cells: what an instructor should look at.

Verdicts are computed out of the kernel, so tampering cannot earn points; it
can still reveal intent, and a student can still *call* the reference
implementation of what they were asked to write.  :func:`scan` reads the
cells a student may edit (never executing them) and flags:

* reassigning or deleting attributes/items of numpy, coursekit, autograder,
  IPython, builtins, sys or os (``np.isclose = ...``, ``autograder.check = ...``,
  ``get_ipython().showtraceback = ...``, ``setattr(np, ...)``);
* importing or reaching into the grader's internals (anything in
  ``autograder`` but ``check`` and ``parameters``, also by name in a string);
* importing or using the reference implementation of a function, layer or
  optimizer the assignment asks for (e.g. ``coursekit.gd.gradient_descent``);
* the escape hatches a submission needs to do any of this without naming it,
  or to act behind the test cells' back: code built at run time (``exec``,
  ``eval``, ``__import__``, ``importlib``), ``sys.modules``, frames and
  function internals, IPython event hooks and display machinery, output
  clearing, the grader's environment variables and record type, process
  exits, threads, subprocesses, ``ctypes`` and ``__del__`` methods.

Static analysis cannot see everything a dynamic language can do (``getattr``
with computed names, ``exec``); it narrows what an instructor must read, and
it never decides a score on its own unless ``ScoreRecordedAnswers.zero_flagged``
is set.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable

from nbgrader import utils

PROTECTED = ("numpy", "coursekit", "autograder", "IPython", "builtins", "sys", "os", "nbgrader")
ALLOWED_FROM_AUTOGRADER = ("check", "parameters", "CheckFailed", "current_student")

# Escape hatches: rarely needed in a course answer, and all a submission needs to reach the
# reference without naming it, or to act while a test cell runs.
_DYNAMIC_CALLS = {"exec": "runs code built at run time", "eval": "runs code built at run time",
                  "compile": "compiles code at run time", "__import__": "imports by computed name",
                  "globals": "reaches the notebook's namespace as a dict", "vars": "reaches a namespace as a dict",
                  "breakpoint": "starts a debugger"}
_DYNAMIC_MODULES = {"importlib": "imports by computed name", "ctypes": "calls C code directly",
                    "subprocess": "starts other processes", "multiprocessing": "starts other processes",
                    "threading": "runs code in the background (e.g. while a test cell runs)",
                    "atexit": "runs code at exit", "signal": "handles signals (e.g. the time limit)",
                    "gc": "reaches every object in memory", "inspect": "inspects the caller's frames",
                    "builtins": "changes built-in functions", "nbgrader": "uses nbgrader",
                    "sqlite3": "opens databases such as the gradebook"}
_DYNAMIC_ATTRIBUTES = {
    "modules": ("sys", "replaces or finds loaded modules"),
    "_getframe": ("sys", "inspects the caller's frames"),
    "settrace": ("sys", "traces code"), "setprofile": ("sys", "traces code"),
    "addaudithook": ("sys", "hooks the interpreter"), "_exit": ("os", "ends the kernel"),
    "environ": ("os", "reads or changes environment variables (the grader's settings)"),
    "putenv": ("os", "changes environment variables"), "unsetenv": ("os", "changes environment variables"),
    "system": ("os", "runs shell commands"), "popen": ("os", "runs shell commands"),
    "clear_output": (None, "clears outputs (the test cells' records)"),
    "publish_display_data": (None, "publishes raw display data"),
    "events": ("IPython", "registers IPython event hooks (code run around every cell)"),
    "register_post_execute": ("IPython", "registers code run after every cell"),
    "set_custom_exc": ("IPython", "replaces IPython's error handling"),
    "display_formatter": ("IPython", "replaces IPython's output formatting"),
    "display_pub": ("IPython", "replaces IPython's display machinery"),
    "displayhook": (None, "replaces the display hook"), "excepthook": (None, "replaces the error hook"),
}
_DUNDERS = {"__globals__", "__code__", "__closure__", "__subclasses__", "__builtins__", "__bases__",
            "__mro__", "__getattribute__", "__reduce__", "__loader__"}
_WATCHED_TEXT = ("vnd.coursekit", "NBGRADER_EXECUTION", "COURSEKIT_", "gradebook", "site-packages",
                 ".pth", "autograder/", "coursekit/", "nbgrader_config")


def scan(nb, assignment: str | None = None) -> list[dict]:
    """Flags for the editable cells of notebook ``nb``.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The (executed or not) submission.
    assignment : str, optional
        Its assignment, to look up the reference implementations it asks for.

    Returns
    -------
    list of dict
        ``{"cell": grade id or "cell <n>", "reason": ..., "questions": [ids]}``
        where ``questions`` are those checked by the test cells that follow
        the flagged cell (before the next answer cell).
    """
    forbidden = reference_names(assignment) if assignment else {}
    cells = [c for c in nb.cells if c.cell_type == "code"]
    aliases = _aliases(_parse(c.source) for c in cells)
    flags = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or utils.is_locked(cell):
            continue
        tree = _parse(cell.source)
        if tree is None:
            continue
        label = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {i + 1}"
        for reason in find_problems(tree, aliases, forbidden):
            flags.append({"cell": label, "reason": reason, "questions": _following_questions(nb, i)})
    return flags


def find_problems(tree: ast.AST, aliases: dict[str, str], forbidden: dict[str, str]) -> list[str]:
    """Reasons to flag one parsed cell (see the module docstring)."""
    problems, hatches = [], []
    ipython_names = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                     and _is_get_ipython(node.value) for t in node.targets if isinstance(t, ast.Name)}
    for node in ast.walk(tree):
        line = getattr(node, "lineno", "?")
        for target in _assigned(node):
            root = _root(target, aliases, ipython_names)
            if root:
                problems.append((line, f"reassigns {_text(target)} (part of {root})"))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr"):
            root = node.args and _root(node.args[0], aliases, ipython_names, attribute=False)
            if root:
                problems.append((line, f"{node.func.id} on {root}"))
        problems += _import_problems(node, line, forbidden)
        if isinstance(node, (ast.Name, ast.Attribute)) or _is_getattr(node):
            path = _dotted(node, aliases)
            if _reference_for(path, forbidden):
                problems.append((line, f"uses {path}, the reference for {_reference_for(path, forbidden)}"))
            elif _internal(path) and not isinstance(node, ast.Name):
                problems.append((line, f"uses the grader's internals ({path})"))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                _internal(node.value) or node.value in forbidden):
            problems.append((line, f"names {node.value!r} in a string (dynamic import?)"))
        hatches += _dynamic_problems(node, line, aliases, ipython_names)
    # One reason per line is enough to send an instructor there: escape hatches only
    # for lines not flagged otherwise, the first of them.
    flagged_lines = {line for line, _ in problems}
    for line, text in hatches:
        if line not in flagged_lines:
            problems.append((line, text))
            flagged_lines.add(line)
    ordered = sorted(dict.fromkeys(problems), key=lambda p: p[0] if isinstance(p[0], int) else 0)
    return [f"line {line}: {text}" for line, text in ordered]


def _dynamic_problems(node: ast.AST, line, aliases: dict[str, str], ipython_names: set) -> list[tuple]:
    """Escape hatches used by one node (see ``_DYNAMIC_*``)."""
    out = []
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _DYNAMIC_CALLS:
        out.append((line, f"calls {node.func.id}() ({_DYNAMIC_CALLS[node.func.id]})"))
    if _is_getattr(node) and not isinstance(node.args[1], ast.Constant):
        root = (_dotted(node.args[0], aliases) or "").split(".")[0]
        if root in PROTECTED:
            out.append((line, f"getattr on {root} with a computed name"))
    if (isinstance(node, ast.Attribute) and node.attr == "__dict__"
            and (_dotted(node.value, aliases) or "").split(".")[0] in PROTECTED):
        out.append((line, f"uses {_text(node)} (reaches a module's namespace as a dict)"))
    modules = []
    if isinstance(node, ast.Import):
        modules = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module:
        modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    for module in modules:
        top = module.split(".")[0]
        if top in _DYNAMIC_MODULES:
            out.append((line, f"imports {module} ({_DYNAMIC_MODULES[top]})"))
        elif module.split(".")[-1] in _DYNAMIC_ATTRIBUTES:
            out.append((line, f"imports {module} ({_DYNAMIC_ATTRIBUTES[module.split('.')[-1]][1]})"))
    if isinstance(node, ast.Attribute):
        owner, why = _DYNAMIC_ATTRIBUTES.get(node.attr, (None, None))
        root = (_dotted(node.value, aliases) or "").split(".")[0]
        if owner == "IPython" and root != "IPython":
            root = _root(node.value, aliases, ipython_names, attribute=False) or _root(
                ast.Attribute(value=node.value, attr=node.attr), aliases, ipython_names) or ""
        if why and (owner is None or root == owner):
            out.append((line, f"uses {_text(node)} ({why})"))
        elif node.attr in _DUNDERS:
            out.append((line, f"uses {node.attr} (reaches into objects' internals)"))
    if isinstance(node, ast.Name) and node.id in ("__builtins__", "__loader__", "__spec__"):
        out.append((line, f"uses {node.id} (reaches into the interpreter)"))
    if isinstance(node, ast.FunctionDef) and node.name in ("__del__", "__init_subclass__", "__set_name__"):
        out.append((line, f"defines {node.name} (runs at times the test cells do not control)"))
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        hit = next((w for w in _WATCHED_TEXT if w in node.value), None)
        if hit:
            out.append((line, f"names {hit!r} in a string (part of the grading machinery)"))
    return out


def _internal(path: str | None) -> bool:
    """Whether a dotted path reaches into autograder beyond the names test cells use."""
    parts = (path or "").split(".")
    return len(parts) > 1 and parts[0] == "autograder" and parts[1] not in ALLOWED_FROM_AUTOGRADER


def _reference_for(path: str | None, forbidden: dict[str, str]) -> str | None:
    """The question whose reference ``path`` names: exactly, or re-exported elsewhere in coursekit.

    ``coursekit.widgets.gd1d.gradient_descent`` is the same function as
    ``coursekit.gd.gradient_descent`` when a module imports it from there, so
    within coursekit a matching final name is enough.
    """
    if not path:
        return None
    if path in forbidden:
        return forbidden[path]
    if path.startswith("coursekit."):
        name = path.rsplit(".", 1)[-1]
        return next((qid for ref, qid in forbidden.items()
                     if ref.startswith("coursekit.") and ref.rsplit(".", 1)[-1] == name), None)
    return None


def _is_getattr(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
            and len(node.args) >= 2)


def _import_problems(node: ast.AST, line, forbidden: dict[str, str]) -> list[tuple]:
    out = []
    if isinstance(node, ast.ImportFrom) and node.module:
        for a in node.names:
            full = f"{node.module}.{a.name}"
            if _reference_for(full, forbidden):
                out.append((line, f"imports {full}, the reference for {_reference_for(full, forbidden)}"))
            if node.module.split(".")[0] == "autograder" and (
                    node.module != "autograder" or a.name not in ALLOWED_FROM_AUTOGRADER):
                out.append((line, f"imports the grader's internals ({full})"))
    if isinstance(node, ast.Import):
        for a in node.names:
            if a.name.startswith("autograder."):
                out.append((line, f"imports the grader's internals ({a.name})"))
    return out


def reference_names(assignment: str) -> dict[str, str]:
    """Dotted names of the reference implementations an assignment asks for -> question id."""
    from autograder import questions

    try:
        qs = questions.for_assignment(assignment)
        _, v = questions.variant_space(assignment)  # the defaults: references do not vary by kind
    except (questions.UnknownQuestionError, ValueError):
        return {}
    names = {}
    for qid, q in qs.items():
        if q.kind not in questions.BEHAVIOURAL_KINDS:
            continue
        try:
            ref = q.reference(v)
        except Exception:  # an unavailable reference must not stop grading
            continue
        module, qualname = getattr(ref, "__module__", None), getattr(ref, "__qualname__", "")
        if module and qualname and "<" not in qualname:
            names[f"{module}.{qualname}"] = qid
    return names


def _parse(source: str) -> ast.AST | None:
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ValueError):
        return None


def _aliases(trees: Iterable[ast.AST | None]) -> dict[str, str]:
    """Local name -> dotted module path, from every import in the notebook."""
    aliases = {}
    for tree in trees:
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.Import):
                for a in node.names:
                    aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def _assigned(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    elif isinstance(node, ast.Delete):
        targets = list(node.targets)
    else:
        return []
    flat = []
    for t in targets:
        flat += list(t.elts) if isinstance(t, (ast.Tuple, ast.List)) else [t]
    return [t for t in flat if isinstance(t, (ast.Attribute, ast.Subscript))]


def _root(expr: ast.AST, aliases: dict, ipython_names: set, attribute: bool = True) -> str | None:
    """The protected thing ``expr`` belongs to, if any."""
    node = expr
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    if _is_get_ipython(node) or (isinstance(node, ast.Name) and node.id in ipython_names):
        return "IPython"
    if isinstance(node, ast.Name):
        if node.id == "__builtins__":
            return "builtins"
        path = aliases.get(node.id)
        if path and path.split(".")[0] in PROTECTED:
            return path.split(".")[0]
    return None


def _is_get_ipython(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "get_ipython"


def _dotted(node: ast.AST, aliases: dict) -> str | None:
    """The dotted path an expression names (``getattr(m, "name")`` counts as ``m.name``)."""
    parts = []
    while isinstance(node, ast.Attribute) or _is_getattr(node):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
            parts.append(node.args[1].value)
            node = node.args[0]
        else:
            return None
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return None
    return ".".join([aliases[node.id]] + parts[::-1])


def _text(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every parsed node
        return type(node).__name__


def _following_questions(nb, index: int) -> list[str]:
    from autograder.cells import checked_questions

    ids = []
    for cell in nb.cells[index + 1:]:
        if cell.cell_type == "code" and utils.is_solution(cell):
            break
        if cell.cell_type == "code" and utils.is_grade(cell):
            ids += checked_questions(cell.source)
    return ids
