"""The course notebooks' explorer cells run as written (headless, in this process)."""
import ast
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _without_magics(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("%"))


def _explorer_cells():
    for path in sorted(ROOT.glob("solutions/*/*.ipynb")):
        cells = nbformat.read(str(path), as_version=4).cells
        # explorers start from the student's parameters, which the locked set-up cells define
        setup = [_without_magics(c.source) for c in cells
                 if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("setup_")]
        for index, cell in enumerate(cells):
            if cell.cell_type == "code" and "coursekit.widgets" in cell.source:
                yield pytest.param(setup, cell.source, id=f"{path.parent.name}-cell{index}")


CELLS = list(_explorer_cells())


@pytest.mark.skipif(not CELLS, reason="no course notebook embeds an explorer yet")
@pytest.mark.parametrize("setup, source", CELLS)
def test_course_cell_builds_an_explorer_that_shows_itself(setup, source, monkeypatch):
    monkeypatch.setenv("COURSEKIT_STUDENT_ID", "explorer-test")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    tree = ast.parse(source)
    *body, last = tree.body
    assert isinstance(last, ast.Expr), "the cell should end with the explorer as its value"
    namespace: dict = {}
    for cell in setup:
        exec(cell, namespace)
    exec(compile(ast.Module(body=body, type_ignores=[]), "<cell>", "exec"), namespace)
    explorer = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert explorer.state is not None


def _explorer_of(assignment: str, student: str, monkeypatch):
    """The explorer a student's notebook builds, and the student's parameters."""
    from autograder import parameters

    monkeypatch.setenv("COURSEKIT_STUDENT_ID", student)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    (setup, source), = [c.values for c in CELLS if c.id.startswith(assignment)]
    namespace: dict = {}
    for cell in setup:
        exec(cell, namespace)
    *body, last = ast.parse(source).body
    exec(compile(ast.Module(body=body, type_ignores=[]), "<cell>", "exec"), namespace)
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace), parameters(assignment)


@pytest.mark.parametrize("student", ["ann", "ben"])
def test_the_neuron_explorer_starts_from_the_students_neuron_point_and_logits(student, monkeypatch):
    explorer, P = _explorer_of("04_classification", student, monkeypatch)
    controls = {name: explorer.controls[name].value for name in ("w0", "w1", "w2", "x1", "x2")}
    assert controls == pytest.approx({"w0": P["w0"], "w1": P["w1"], "w2": P["w2"],
                                      "x1": P["points"][0][0], "x2": P["points"][0][1]})
    assert explorer.controls["logits"].value.replace(" ", "") == ",".join(map(str, P["logits"]))


@pytest.mark.parametrize("student", ["ann", "ben"])
def test_the_backprop_stepper_starts_from_the_students_worked_example(student, monkeypatch):
    explorer, P = _explorer_of("06_backprop", student, monkeypatch)
    assert (explorer.controls["x"].value, explorer.controls["y"].value) == (P["example_x"], P["example_y"])
    u = P["w1"] * P["example_x"] + P["b1"]
    assert explorer.state.value("a") == u
    assert explorer.state.value("ℓ") == (P["w2"] * u + P["b2"] - P["example_y"]) ** 2
