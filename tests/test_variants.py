"""Tests for autograder.variants: stable, per-student question parameters."""
import collections
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from autograder import variants
from autograder.variants import Product, current_student, draw, has_decimals, is_short, seed

SPACE = {"beta0": [2.0, 3.0, 4.0, 5.0], "lr": [0.01, 0.02, 0.05], "seed": list(range(1000))}
DEFAULTS = {"beta0": 4.0, "lr": 0.1, "seed": 0, "steps": 3}


@pytest.fixture
def no_student(monkeypatch):
    for name in ("COURSEKIT_STUDENT_ID", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)


def test_current_student_is_none_without_environment(no_student):
    assert current_student() is None


def test_current_student_prefers_coursekit_id_over_jupyterhub_user(no_student, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "hubuser")
    assert current_student() == "hubuser"
    monkeypatch.setenv("COURSEKIT_STUDENT_ID", "alice")
    assert current_student() == "alice"


def test_current_student_ignores_empty_values(no_student, monkeypatch):
    monkeypatch.setenv("COURSEKIT_STUDENT_ID", "  ")
    monkeypatch.setenv("JUPYTERHUB_USER", "hubuser")
    assert current_student() == "hubuser"


def test_draw_without_student_gives_the_defaults(no_student):
    params = draw("02_gradient_descent", SPACE, DEFAULTS)
    assert params == DEFAULTS
    assert params is not DEFAULTS


def test_draw_uses_the_environment_student(no_student, monkeypatch):
    monkeypatch.setenv("COURSEKIT_STUDENT_ID", "alice")
    assert draw("a1", SPACE, DEFAULTS) == draw("a1", SPACE, DEFAULTS, student="alice")


def test_draw_picks_allowed_values_and_keeps_fixed_parameters(no_student):
    for student in ("alice", "bob", "carol"):
        params = draw("a1", SPACE, DEFAULTS, student=student)
        assert set(params) == set(DEFAULTS)
        assert params["steps"] == 3
        for name, choices in SPACE.items():
            assert params[name] in choices


def test_two_students_get_different_numbers(no_student):
    alice = draw("a1", SPACE, DEFAULTS, student="alice")
    bob = draw("a1", SPACE, DEFAULTS, student="bob")
    assert alice != bob


def test_draw_covers_every_choice_roughly_uniformly(no_student):
    students = [f"student{i:03d}" for i in range(600)]
    counts = collections.Counter(draw("a1", SPACE, DEFAULTS, student=s)["beta0"] for s in students)
    assert set(counts) == set(SPACE["beta0"])
    # 150 expected per value; 5 standard deviations is about 53.
    assert all(abs(c - 150) < 55 for c in counts.values()), counts


def test_parameters_and_assignments_are_drawn_independently(no_student):
    space = {"p": list(range(10)), "q": list(range(10))}
    students = [f"s{i}" for i in range(100)]
    same_pq = sum(draw("a1", space, {"p": 0, "q": 0}, student=s)["p"]
                  == draw("a1", space, {"p": 0, "q": 0}, student=s)["q"] for s in students)
    same_assignment = sum(draw("a1", space, {"p": 0, "q": 0}, student=s)
                          == draw("a2", space, {"p": 0, "q": 0}, student=s) for s in students)
    assert same_pq < 30  # about 10 expected if independent, 100 if not
    assert same_assignment < 10  # about 1 expected


def test_seed_is_unambiguous_about_field_boundaries():
    assert seed("a", "bc") != seed("ab", "c")


def test_draw_is_stable_across_processes_and_hash_seeds(no_student):
    # Load the module file alone: the package's other imports are not under test.
    code = ("import importlib.util, json; "
            f"spec = importlib.util.spec_from_file_location('variants', {variants.__file__!r}); "
            "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module); "
            f"print(json.dumps([module.draw('a1', {SPACE!r}, {DEFAULTS!r}, student=s) "
            "for s in ('alice', 'bob', 'carol')]))")
    outputs = []
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        env.pop("COURSEKIT_STUDENT_ID", None)
        out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                             capture_output=True, text=True).stdout
        outputs.append(json.loads(out))
    here = [draw("a1", SPACE, DEFAULTS, student=s) for s in ("alice", "bob", "carol")]
    assert outputs[0] == outputs[1] == json.loads(json.dumps(here))


@pytest.mark.parametrize("space, defaults, student, error, match", [
    ({"beta0": []}, {"beta0": 4.0}, "alice", ValueError, "space\\['beta0'\\] is empty"),
    ({"beta0": [1.0]}, {"lr": 0.1}, "alice", ValueError, "'beta0' is in space but has no default"),
    ({"beta0": 1.0}, {"beta0": 4.0}, "alice", TypeError, "space\\['beta0'\\] must be a list"),
    ([1.0], {"beta0": 4.0}, "alice", TypeError, "space must be a mapping"),
    ({"beta0": [1.0]}, [4.0], "alice", TypeError, "defaults must be a mapping"),
    ({"beta0": [1.0]}, {"beta0": 4.0}, 7, TypeError, "student must be a str"),
    ({"beta0": [1.0]}, {"beta0": 4.0}, "", ValueError, "student is an empty string"),
])
def test_draw_rejects_bad_arguments_with_a_clear_message(space, defaults, student, error, match):
    with pytest.raises(error, match=match):
        draw("a1", space, defaults, student=student)


# ------------------------------------------------- parameters drawn together, and the accept rule


def test_a_joint_key_draws_its_parameters_together_from_one_choice(no_student):
    space = {("a", "lr"): [(1, 0.5), (5, 0.1), (2, 0.25)], "beta0": [1.0, 2.0]}
    defaults = {"a": 5, "lr": 0.1, "beta0": 1.0}
    drawn = [draw("a1", space, defaults, student=f"s{i}") for i in range(200)]
    assert {(v["a"], v["lr"]) for v in drawn} == set(space[("a", "lr")])
    assert all(set(v) == {"a", "lr", "beta0"} for v in drawn)


def test_a_joint_choice_with_the_wrong_number_of_values_is_a_clear_error(no_student):
    with pytest.raises(ValueError, match="one value per name"):
        draw("a1", {("a", "lr"): [(1, 0.5, 7)]}, {"a": 5, "lr": 0.1}, student="alice")
    with pytest.raises(ValueError, match="'lr' is in space but has no default"):
        draw("a1", {("a", "lr"): [(1, 0.5)]}, {"a": 5}, student="alice")


def test_accept_redraws_until_the_rule_holds_and_is_uniform_over_accepted_combinations(no_student):
    space = {"p": list(range(10)), "q": list(range(10))}
    defaults = {"p": 0, "q": 0}
    drawn = [draw("a1", space, defaults, student=f"s{i}", accept=lambda v: v["p"] < v["q"])
             for i in range(2000)]
    assert all(v["p"] < v["q"] for v in drawn)
    counts = collections.Counter((v["p"], v["q"]) for v in drawn)
    assert len(counts) == 45  # every accepted pair occurs
    # about 44 draws per pair; a redraw that kept q and moved only p would favour large q
    by_q = collections.Counter(v["q"] for v in drawn)
    for q, count in by_q.items():
        assert abs(count / len(drawn) - q / 45) < 0.025, by_q


def test_accept_that_holds_for_the_first_draw_changes_nothing(no_student):
    plain = [draw("a1", SPACE, DEFAULTS, student=s) for s in ("alice", "bob", "carol")]
    ruled = [draw("a1", SPACE, DEFAULTS, student=s, accept=lambda v: True) for s in ("alice", "bob", "carol")]
    assert plain == ruled


def test_accept_is_stable_for_a_student_and_never_applied_to_the_defaults(no_student):
    def rule(v):
        return v["beta0"] != 4.0 and v["seed"] % 7 == 0
    once = draw("a1", SPACE, DEFAULTS, student="alice", accept=rule)
    assert once == draw("a1", SPACE, DEFAULTS, student="alice", accept=rule)
    assert rule(once)
    assert draw("a1", SPACE, DEFAULTS, student=None, accept=rule) == DEFAULTS


def test_an_accept_rule_that_never_holds_stops_with_a_clear_error(no_student):
    with pytest.raises(RuntimeError, match="rejected"):
        draw("a1", {"p": [1, 2]}, {"p": 1}, student="alice", accept=lambda v: False)
    with pytest.raises(TypeError, match="accept must be a function"):
        draw("a1", {"p": [1, 2]}, {"p": 1}, student="alice", accept=True)


def test_product_is_itertools_product_without_building_it():
    import itertools

    axes = ([0.5, 1.0, 1.5], [-2, 0, 2, 4], ["a", "b"])
    grid = Product(*axes)
    expected = list(itertools.product(*axes))
    assert len(grid) == len(expected) == 24
    assert [grid[i] for i in range(len(grid))] == expected
    assert grid[-1] == expected[-1] and grid[3:7] == expected[3:7]
    with pytest.raises(IndexError):
        grid[24]
    with pytest.raises(ValueError, match="non-empty"):
        Product([1, 2], [])


def test_a_product_of_a_million_combinations_is_a_choice_list_like_any_other(no_student):
    values = [round(0.1 * k, 1) for k in range(-40, 41)]
    space = {"logits": Product(values, values, values, values)}
    drawn = [draw("a1", space, {"logits": (0.0,) * 4}, student=f"s{i}")["logits"] for i in range(300)]
    assert len(space["logits"]) == 81 ** 4
    assert all(len(z) == 4 and all(x in values for x in z) for z in drawn)
    assert len(set(drawn)) == 300


# ------------------------------------------------- the real pipeline: a graded assignment


def _three_steps_by_hand(beta0):
    """β⁽¹⁾..β⁽³⁾ of β ← β − α(10β − 3) for α = 1, 0.01, 0.1, as the exercise states."""
    out = {}
    for key, alpha in (("alpha=1", 1.0), ("alpha=0.01", 0.01), ("alpha=0.1", 0.1)):
        beta, path = beta0, []
        for _ in range(3):
            beta = beta - alpha * (10 * beta - 3)
            path.append(beta)
        out[key] = path
    return out


@pytest.mark.slow
def test_own_variant_scores_full_marks_and_a_copied_neighbours_answer_fails(tmp_path, no_student):
    from autograder.course import build, tools_on_path
    from autograder.demo import Sample, make_course, write_submissions
    from autograder.grading import grade_assignment
    from autograder.questions import variant_space

    space, defaults = variant_space("demo_gd")
    beta0 = {s: draw("demo_gd", space, defaults, student=s)["beta0"]
             for s in ["alice"] + [f"student{i}" for i in range(30)]}
    bob = next(s for s in beta0 if beta0[s] != beta0["alice"])
    carol = next(s for s in beta0 if beta0[s] not in (beta0["alice"], beta0[bob]))
    everything = {"iterates_answer": "solution", "one_step_answer": "solution",
                  "gd_answer": "solution"}
    copied = {**everything, "iterates_answer": f"iterates = {_three_steps_by_hand(beta0['alice'])!r}"}
    samples = [Sample("alice", "own variant", everything, 6),
               Sample(bob, "own variant", everything, 6),
               Sample(carol, "copies alice's numbers", copied, 4)]

    tools_on_path()
    course = make_course(tmp_path / "course")
    build(["demo_gd"], course)
    write_submissions(course, samples)
    results = {r.student: r for r in grade_assignment("demo_gd", course, jobs=2, timeout=20,
                                                       progress=False)}

    # Solutions compute from parameters("demo_gd") in the kernel: full marks for each student.
    assert results["alice"].score == results[bob].score == 6.0
    # The copied iterates are alice's, not carol's. Only the α = 0.1 part survives: one step
    # lands on the minimum 0.3 whatever β⁽⁰⁾, so it is the same for every variant. Each of the
    # three parts is worth 3/3 = 1 point; the other questions (3 points) are carol's own work.
    mine, copied_paths = _three_steps_by_hand(beta0[carol]), _three_steps_by_hand(beta0["alice"])
    same_parts = sum(np.allclose(mine[key], copied_paths[key]) for key in mine)
    assert same_parts == 1
    assert results[carol].score == pytest.approx(3.0 + same_parts)
    import nbformat
    nb = nbformat.read(course / "autograded" / carol / "demo_gd" / "demo_gd.ipynb", as_version=4)
    verdicts = {c.metadata["autograder"]["question"]: c.metadata["autograder"]["correct"]
                for c in nb.cells if "autograder" in c.metadata}
    assert verdicts["demo_gd.iterates"] is False
    assert verdicts["demo_gd.one_step"] is True


# ------------------------------------------------- rules for numbers worked out by hand


@pytest.mark.parametrize("x, places, expected", [
    (2.9973, 4, True), (2.9973, 3, False), (-2697.0, 0, True), (0.1 + 0.2, 1, True),
    (0.233928, 6, True), (0.233928, 5, False), (1 / 3, 8, False), (0.1953125, 7, True),
])
def test_has_decimals_counts_digits_after_the_point_forgiving_rounding(x, places, expected):
    assert has_decimals(x, places) is expected


@pytest.mark.parametrize("x, expected", [
    (0.01, True), (0.025, True), (0.35, True), (1.5, True), (2.0, True), (12.0, True),
    (0.625, False), (1.25, False), (0.0125, False), (0.0005, False), (123.0, False),
])
def test_is_short_allows_two_significant_digits_and_three_decimals(x, expected):
    assert is_short(x) is expected
