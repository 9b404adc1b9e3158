"""The registry: question sets that leave it as they found it, and hidden twins."""
import numpy as np
import pytest

from autograder import questions
from autograder.questions import QuestionSet, UnknownQuestionError, get, hidden_twin, registry


def _double_inputs(rng, v):
    return [(rng.normal(size=3),)]


def _edge_inputs(rng, v):
    return [(np.zeros(2),)]


def _declared_set() -> QuestionSet:
    declared = QuestionSet()

    @declared.question("unit_registry.double", kind="function", rtol=1e-9, atol=1e-12,
                       inputs=_double_inputs)
    def _double(v):
        return lambda x: 2 * x

    return declared


def test_no_test_modules_questions_stay_registered_outside_their_tests():
    # every test module is imported by now; this one declares no QUESTIONS
    assert [qid for qid in registry() if qid.startswith("unit_")] == []


def test_a_question_set_leaves_the_registry_exactly_as_it_found_it():
    get("demo_gd.one_step")  # a course assignment loaded before, so it is in the registry
    before = registry()
    declared = _declared_set()
    with declared.registered():
        assert get("unit_registry.double").kind == "function"
        declared.question("unit_registry.inside", kind="number")(lambda v: 1.0)
        hidden_twin("unit_registry.double", inputs=_edge_inputs)
        assert {"unit_registry.double", "unit_registry.inside", "unit_registry.double_hidden"} \
            <= set(questions.for_assignment("unit_registry"))
    after = registry()
    assert list(after) == list(before)
    assert all(after[qid] is before[qid] for qid in before)
    with pytest.raises(UnknownQuestionError):
        get("unit_registry.double")


def test_a_question_set_is_forgotten_even_when_its_block_raises():
    before = registry()
    with pytest.raises(RuntimeError, match="inside"):
        with _declared_set().registered():
            raise RuntimeError("inside")
    assert registry() == before


def test_a_question_set_cannot_take_the_id_of_a_course_question():
    clash = QuestionSet()
    clash.question("demo_gd.one_step", kind="number")(lambda v: 0.0)
    before = registry()
    with pytest.raises(ValueError, match="registered twice"):
        with clash.registered():
            pass
    assert registry() == before


def test_a_hidden_twin_repeats_kind_and_reference_on_its_own_inputs_and_tolerances():
    with _declared_set().registered():
        twin = hidden_twin("unit_registry.double", inputs=_edge_inputs, rtol=1e-6,
                           hints={"default": "Try zeros."})
        original = get("unit_registry.double")
        assert twin is get("unit_registry.double_hidden")
        assert (twin.kind, twin.reference, twin.points) == (original.kind, original.reference, 1.0)
        assert (twin.rtol, twin.atol) == (1e-6, 1e-10)  # those given, else question()'s defaults
        assert twin.inputs is _edge_inputs and twin.hints == {"default": "Try zeros."}
        assert twin.mistakes == {}


def test_a_hidden_twin_needs_its_question_registered_first():
    with pytest.raises(ValueError, match="register 'unit_registry.nothing' first"):
        hidden_twin("unit_registry.nothing", inputs=_edge_inputs)


def test_every_hidden_twin_of_the_course_shares_its_questions_reference_and_kind(repo_root):
    assignments = sorted(p.stem for p in (repo_root / "autograder" / "questions").glob("*.py")
                         if p.stem != "__init__")
    twins = {qid: q for a in assignments for qid, q in questions.for_assignment(a).items()
             if qid.endswith("_hidden")}
    assert len(twins) >= 20
    for qid, twin in twins.items():
        original = get(qid.removesuffix("_hidden"))
        assert (twin.kind, twin.reference) == (original.kind, original.reference), qid
