"""The autograder package's shape: no import cycles, no module a newcomer cannot read in one go."""
import ast
from pathlib import Path

import autograder

PACKAGE = Path(autograder.__file__).parent
MAX_LINES = 420  # "about 400"
MAX_ANSWER_KEY_LINES = 450


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict) -> set[str]:
    """autograder modules that ``name`` imports anywhere (top level or inside functions)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            for alias in node.names:  # `from package import module` imports the module
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {f for f in found if f in modules and f != name}


def _runtime_nodes(tree):
    """Every node except those under ``if TYPE_CHECKING:`` (annotations only, never imported)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            test = getattr(child, "test", None)
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(test):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def _cycle(graph: dict) -> list | None:
    state: dict = {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
            if nxt not in state and (found := visit(nxt, trail + [nxt])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_autograder_has_no_import_cycle():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    # a package's __init__ re-exports its modules; an edge from a module back to its own package
    # is an edge to those re-exports, so it counts
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_no_autograder_module_is_longer_than_about_400_lines():
    # an assignment's answer key is course content, one section per exercise, and may run a little
    # longer; past MAX_ANSWER_KEY_LINES it becomes a package of its parts (as 04 and 08 are)
    long = {}
    for name, path in _modules().items():
        limit = MAX_ANSWER_KEY_LINES if name.startswith("autograder.questions.") else MAX_LINES
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > limit:
            long[name] = n
    assert not long, long
