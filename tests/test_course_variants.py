"""Per-student variants of the course: many of them, never the slides' numbers, pleasant by hand.

For every assignment with numeric answers, 1,000 simulated student ids and the default variant (a run
without an id) are drawn through :func:`autograder.parameters`, exactly as the grader draws them:

* the variants differ: pairs of students with the same whole variant are under 1 in 10,000, which a
  space of fewer than about 10,000 combinations could not achieve;
* for every graded numeric question, the share of pairs in which one student's correct answer would
  be accepted for the other (under the question's own tolerance) is under 1 in 10,000;
* no variant's answer is one of the lecture's worked numbers, written out below from the lecture
  (``/work/shared/README.md`` lists them), not taken from the references;
* the pen-and-paper answers obey the by-hand rules (short decimals, no explosion, no degenerate
  case), checked on the answers themselves rather than on the parameters that produced them.

Then every solution notebook's answer cells, executed in this process for 20 student ids, score full
marks on the numeric questions, and a neighbour's correct answers score nothing on them except for
the parts the two variants happen to share.
"""
from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import parameters, questions
from autograder.checks import answer_record, judge_record
from autograder.variants import has_decimals

ROOT = Path(__file__).resolve().parents[1]
IDS = [f"student{i:04d}" for i in range(1000)]
GOAL = 1e-4   # at most 1 pair in 10,000 shares a variant, or a graded answer
VALUE_KINDS = ("number", "array")


def _numeric_assignments() -> list[str]:
    found = []
    for path in sorted((ROOT / "solutions").iterdir()):
        if re.match(r"^\d\d_", path.name) and any(
                q.kind in VALUE_KINDS for q in questions.for_assignment(path.name).values()):
            found.append(path.name)
    return found


ASSIGNMENTS = _numeric_assignments()


@cache
def variants(a: str) -> tuple:
    """The default variant, then the 1,000 students'."""
    return tuple(parameters(a, student) for student in (None, *IDS))


# ---------------------------------------------------------------- the graded numbers of every variant

def _race_final_values(vs) -> list[dict]:
    """The race of 07 for all variants at once: arrays of starts through coursekit.optim, whose rules
    act elementwise, so each row follows the same path as a student's own race."""
    import coursekit.optim
    from coursekit.functions import get

    race = questions.load_assignment("07_optimizers").RACE
    quadratic = get("ill_conditioned")
    steps = np.array([v["steps"] for v in vs])
    values = [{} for _ in vs]
    for name, (cls, settings) in race.items():
        w = np.array([v["start"] for v in vs], dtype=float)
        optimizer = getattr(coursekit.optim, cls)([w], **settings)
        for step in range(1, steps.max() + 1):
            optimizer.step([quadratic.grad(w)])
            for i in np.flatnonzero(steps == step):
                values[i][name] = float(quadratic.value(w[i]))
    return values


#: References that are slow one variant at a time, computed for all variants at once.
BATCHED = {"07_optimizers.final_values": _race_final_values}


@cache
def answers(qid: str) -> tuple:
    """The expected answer of ``qid`` for every variant of :func:`variants`."""
    q = questions.get(qid)
    vs = variants(q.assignment)
    if qid in BATCHED:
        return tuple(BATCHED[qid](vs))
    return tuple(q.reference(v) for v in vs)


def _parts(answer) -> dict:
    """Part name -> flat float array (one part, "", for an answer that is not a dict)."""
    items = answer.items() if isinstance(answer, dict) else (("", answer),)
    return {name: np.ravel(np.asarray(value, dtype=float)) for name, value in items}


def _accepted(rows: np.ndarray, q) -> int:
    """Ordered pairs (i ≠ j) whose row j the grader accepts where row i is expected."""
    count = 0
    for row in rows:
        count += int(np.all(np.isclose(rows, row, rtol=q.rtol, atol=q.atol, equal_nan=True), axis=1).sum()) - 1
    return count


def shares(qid: str) -> dict:
    """Share of ordered student pairs whose answers the grader would accept for each other, by part
    (and for the whole answer under ``None``)."""
    q = questions.get(qid)
    parts = [_parts(answer) for answer in answers(qid)[1:]]
    names = list(parts[0])
    pairs = len(parts) * (len(parts) - 1)
    out = {name: _accepted(np.array([p[name] for p in parts]), q) / pairs for name in names}
    out[None] = _accepted(np.array([np.concatenate([p[n] for n in names]) for p in parts]), q) / pairs
    return out


def numeric_questions(a: str) -> list[str]:
    """The graded numeric questions of ``a`` whose answer differs between variants."""
    out = []
    for qid, q in questions.for_assignment(a).items():
        if q.kind in VALUE_KINDS:
            first = _parts(answers(qid)[0])
            if any(not all(np.array_equal(first[n], other[n], equal_nan=True) for n in first)
                   for other in map(_parts, answers(qid)[1:50])):
                out.append(qid)
    return out


#: Numeric questions that are the same for everyone, and why that is right.
FIXED = {
    "02_gradient_descent.alpha_max": "2/f″ of the lecture's f, whose analysis section 4 works through",
}

#: Parts of multi-part answers that take few values by nature, with the share of pairs they may have.
FEW_VALUES = {
    ("04_classification.line", "slope"): 0.01,       # −w₁/w₂ of weights with one decimal
    ("04_classification.line", "intercept"): 0.01,   # −w₀/w₂
    ("05_overfitting.cv_scores", "best_degree"): 0.5,  # the degree CV prefers, 3 to 8 and mostly 4
    ("06_backprop.worked_example", "forward"): 3e-4,  # (u, u, z, ℓ) of small integers
    # f′(β⁽⁰⁾)·(1, q, q²): the start's slope (a short decimal) times powers of the rate's factor q
    ("02_gradient_descent.slopes", "alpha_1"): 3e-4,   # q₁ one of 26
    ("02_gradient_descent.slopes", "alpha_2"): 2e-3,   # q₂ one of 3
    ("02_gradient_descent.slopes", "alpha_3"): 6e-4,   # q₃ one of 10
    ("04_classification.bce_table", "mean"): 5e-3,    # one number, judged to four significant digits
}


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_every_numeric_question_varies_per_student_or_is_fixed_for_a_stated_reason(a):
    numeric = {qid for qid, q in questions.for_assignment(a).items() if q.kind in VALUE_KINDS}
    varying = set(numeric_questions(a))
    assert numeric - varying == {qid for qid in FIXED if qid.startswith(a + ".")}
    assert varying, f"{a}: no numeric question varies per student"


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_students_share_a_whole_variant_less_than_once_in_ten_thousand_pairs(a):
    keys = [json.dumps(sorted(v.items()), default=str) for v in variants(a)[1:]]
    same = sum(keys.count(key) - 1 for key in set(keys))   # ordered pairs
    assert same / (len(keys) * (len(keys) - 1)) < GOAL, f"{a}: {same} ordered pairs share a variant"


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_a_students_correct_answers_fit_a_neighbour_less_than_once_in_ten_thousand_pairs(a):
    for qid in numeric_questions(a):
        found = shares(qid)
        assert found[None] < GOAL, f"{qid}: {found[None]:.1e} of the pairs share the whole answer"
        for part, share in found.items():
            if part:
                assert share < FEW_VALUES.get((qid, part), GOAL), f"{qid}[{part}]: {share:.1e} of the pairs"


# ---------------------------------------------------------------- never the lecture's numbers

#: The lecture's worked numbers of graded questions (from the lecture; the slides' sign slips too).
LECTURE = {
    "02_gradient_descent.alpha_1": [[-33, 300, -2697], [-33, -300, 2703]],
    "02_gradient_descent.alpha_2": [[3.63, 3.297, 2.9973]],
    "02_gradient_descent.alpha_3": [[0.3, 0.3, 0.3]],
    "04_classification.perceptron_output": [[0.0024726]],            # σ(−6) at the lecture's point
    "04_classification.line": [{"slope": 1.5, "intercept": 0.5}],     # 1 + 3x₁ − 2x₂ = 0
    "04_classification.softmax_example": [[0.0474, 2.4e-8, 0.9526]],
    "04_classification.ce_examples": [[0.0, 0.693, np.inf]],
    "04_classification.bce_table": [{"terms": [2.303, 0.9163, 0.2231, 0.1054], "mean": 0.887}],
    "06_backprop.table": [[(1.1, 1.805, -1.9, 0.48, 1.38), (1.86, 0.6498, -1.14, 0.708, 1.608),
                           (2.316, 0.2339, -0.684, 0.8448, 1.7448)]],
    "06_backprop.worked_example": [{"forward": [15, 15, -14, 4], "backward": [-4, -60, -4, 4, 12, 4]}],
    "08_mlp.image_weights": [[1.44e10]],
}


def _holds_lecture_numbers(answer, lecture, q) -> bool:
    """Whether the answer equals the lecture's, or (for a scalar lecture number) has it as an entry."""
    got, want = _parts(answer), _parts(lecture)
    if set(got) != set(want):
        return False
    if len(want) == 1 and want[""].size == 1:
        return bool(np.any(np.isclose(got[""], want[""][0], rtol=max(q.rtol, 1e-3), atol=q.atol)))
    return all(got[n].shape == want[n].shape
               and np.all(np.isclose(got[n], want[n], rtol=max(q.rtol, 1e-3), atol=q.atol, equal_nan=True))
               for n in want)


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_no_variant_not_even_the_default_gives_the_lectures_worked_numbers(a):
    for qid, lectures in LECTURE.items():
        if not qid.startswith(a + "."):
            continue
        q = questions.get(qid)
        for index, answer in enumerate(answers(qid)):
            for lecture in lectures:
                assert not _holds_lecture_numbers(answer, lecture, q), \
                    f"{qid}: {'the default' if index == 0 else IDS[index - 1]} gets the lecture's {lecture}"


def test_the_lecture_numbers_are_what_the_lecture_case_gives():
    """The check above can fail: the lecture's own variants do hold the lecture's numbers."""
    for a in ("02_gradient_descent", "04_classification", "06_backprop", "08_mlp"):
        module = questions.load_assignment(a)
        for qid, lectures in LECTURE.items():
            if qid.startswith(a + "."):
                q = questions.get(qid)
                assert _holds_lecture_numbers(q.reference({**module.VARIANTS["defaults"], **module.LECTURE}),
                                              lectures[0], q), qid


def test_the_derivative_of_exercise_1_is_never_the_lectures():
    import sympy

    beta = sympy.Symbol("beta")
    derivatives = {sympy.sympify(d, locals={"beta": beta}) for d in answers("02_gradient_descent.derivative")}
    assert 10 * beta - 3 not in derivatives
    assert len(derivatives) > 40   # every (a, b) of the family; a neighbour shares it about once in 60


# ---------------------------------------------------------------- pleasant by hand

def _factors(start: float, iterates) -> np.ndarray:
    """The ratios of successive steps β⁽ʳ⁺¹⁾ − β⁽ʳ⁾ (the factor q of a quadratic)."""
    steps = np.diff([start, *iterates])
    return steps[1:] / steps[:-1]


def _exercise_1(v, answers_of):
    for name, (low, high) in (("alpha_1", (-4.0, -1.5)), ("alpha_2", (0.7, 0.9)), ("alpha_3", (-0.5, 0.5))):
        iterates = answers_of(name)
        assert all(has_decimals(x, 4) and abs(x) < 1000 for x in iterates), (name, iterates)
        q = _factors(v["beta0"], iterates)
        assert np.allclose(q, q[0]) and low - 1e-9 <= q[0] <= high + 1e-9, (name, q)
        if name == "alpha_3":
            assert abs(q[0]) >= 0.1 - 1e-9, "α₃ must not land on the minimum"


def _perceptron(v, answers_of):
    y_hat = answers_of("perceptron_output")
    z = np.log(y_hat / (1 - y_hat))   # the scores, back from the sigmoid
    assert 0.5 - 1e-9 <= z[0] < 6 - 1e-9, f"class-1 point: 0.5 ≤ z < 6, got {z[0]}"
    assert -6 + 1e-9 < z[1] <= -0.5 + 1e-9, f"class-0 point: −6 < z ≤ −0.5, got {z[1]}"
    line = answers_of("line")
    assert has_decimals(line["slope"], 3) and has_decimals(line["intercept"], 3), line
    assert np.all(answers_of("softmax_example") > 1e-4)
    ce = answers_of("ce_examples")
    assert ce[0] == 0 and ce[-1] == np.inf and np.all(np.isfinite(ce[1:-1])) and len(set(ce[1:-1])) == 3
    bce = answers_of("bce_table")["terms"]   # the lecture's ✗, ✗, ✓, ✓: the misclassified rows cost most
    assert np.all(bce[:2] > np.log(2)) and np.all(0 < bce[2:]) and np.all(bce[2:] < np.log(2)), bce


def _weight_decay(v, answers_of):
    lambda_2 = answers_of("lambda_2")
    assert all(has_decimals(x, 6) for x in lambda_2) and np.all(np.diff(lambda_2) > 0), lambda_2


def _backprop(v, answers_of):
    table = answers_of("table")
    assert all(has_decimals(x, 8) and abs(x) < 100 for x in table.ravel()), table
    residuals = table[:, 2]
    ratios = residuals[1:] / residuals[:-1]
    assert np.allclose(ratios, ratios[0]) and 0.2 - 1e-9 <= ratios[0] <= 0.8 + 1e-9, ratios
    example = answers_of("worked_example")
    numbers = np.concatenate([example["forward"], example["backward"]])
    assert np.array_equal(numbers, np.round(numbers)) and np.abs(numbers).max() <= 1000, numbers
    assert example["forward"][0] > 0 and example["backward"][4] != 0, "the ReLU passes"
    deeper = answers_of("deeper")
    assert np.all(np.isfinite(deeper)) and np.all(deeper != 0), deeper


def _sizes(v, answers_of):
    assert 1e-9 < answers_of("sigmoid_chain") <= 1.0
    weights = answers_of("image_weights")
    assert weights == round(weights) and weights < 1e9


#: The by-hand rules of each assignment's pen-and-paper answers.
BY_HAND = {"02_gradient_descent": _exercise_1, "04_classification": _perceptron,
           "05_regularisation": _weight_decay, "06_backprop": _backprop, "08_mlp": _sizes}


@pytest.mark.parametrize("a", sorted(BY_HAND))
def test_pen_and_paper_answers_stay_pleasant_by_hand_for_every_variant(a):
    for index, v in enumerate(variants(a)):
        def answers_of(name, index=index):
            return answers(f"{a}.{name}")[index]
        BY_HAND[a](v, answers_of)


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_the_default_variant_satisfies_the_assignments_own_rule(a):
    accept = questions.variant_accept(a)
    assert accept is None or accept(dict(variants(a)[0]))


# ---------------------------------------------------------------- the solution notebooks, judged without kernels

STUDENTS = IDS[:20]


def _without_magics(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("%"))


def _names(tree: ast.AST) -> tuple[set, set]:
    """(names a cell defines, names it reads)."""
    defined, read = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (defined if isinstance(node.ctx, ast.Store) else read).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return defined, read


def _runnable(cell) -> str:
    """The cell's code without IPython magics; an answer cell's ends with its solution (what follows
    only shows the answer): up to its last END SOLUTION marker."""
    source = _without_magics(cell.source)
    if cell.metadata.get("nbgrader", {}).get("solution") and "### END SOLUTION" in source:
        source = source[:source.rindex("### END SOLUTION")]
    return source


def solution_cells(a: str, qids: set) -> list[tuple[str, bool]]:
    """(source, is a test cell) of the solution cells that compute the answers to ``qids``.

    The test cells that check them, and going back from those, every cell that defines a name a
    later chosen cell reads (plots and explorers that nothing reads are left out).
    """
    from autograder.preprocessors import checked_questions

    cells = [c for c in nbformat.read(ROOT / "solutions" / a / f"{a}.ipynb", as_version=4).cells
             if c.cell_type == "code" and "coursekit.widgets" not in c.source]
    chosen, needed = [], set()
    for cell in reversed(cells):
        meta = cell.metadata.get("nbgrader", {})
        is_test = bool(meta.get("grade")) and not meta.get("solution")
        source = _runnable(cell)
        defined, read = _names(ast.parse(source))
        if (is_test and set(checked_questions(cell.source)) & qids) or (not is_test and defined & needed):
            chosen.append((source, is_test))
            needed |= read
    return chosen[::-1]


def solution_records(a: str, qids: set, student: str, monkeypatch) -> dict:
    """Question id -> the record of the solution's answer, run in this process as ``student``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setenv("COURSEKIT_STUDENT_ID", student)
    records = {}

    def record(qid, answer):
        if qid in qids:
            records[qid] = json.loads(json.dumps(answer_record(qid, answer)))

    namespace: dict = {}
    for source, is_test in solution_cells(a, qids):
        if is_test:
            namespace["check"] = record
        exec(compile(source, f"<{a}>", "exec"), namespace)
        plt.close("all")
    return records


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_solutions_score_full_marks_for_twenty_students_and_a_neighbours_answers_score_nothing_of_theirs(
        a, monkeypatch, capsys):
    qids = set(numeric_questions(a))
    for student, neighbour in zip(STUDENTS, STUDENTS[1:] + STUDENTS[:1]):
        records = solution_records(a, qids, student, monkeypatch)
        capsys.readouterr()
        assert set(records) == qids, f"{a}: the solution records {sorted(records)}, not {sorted(qids)}"
        for qid, data in records.items():
            q = questions.get(qid)
            own = judge_record(data, student)
            assert own.score == q.points, f"{qid} for {student}: {own.text()}"
            mine, theirs = _parts(q.reference(parameters(a, student))), _parts(q.reference(parameters(a, neighbour)))
            shared = [n for n in mine if mine[n].shape == theirs[n].shape
                      and np.all(np.isclose(mine[n], theirs[n], rtol=q.rtol, atol=q.atol, equal_nan=True))]
            copied = judge_record(data, neighbour)
            assert copied.score == pytest.approx(q.points * len(shared) / len(mine)), \
                f"{qid}: {student}'s answer scores {copied.score} for {neighbour} (shared parts {shared})"
