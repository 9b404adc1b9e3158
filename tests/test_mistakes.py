"""autograder.mistakes: one enumeration of the tags, in step with the hints and coursekit.symbolic."""
from autograder import hints
from autograder.mistakes import DERIVATIVE, Mistake
from coursekit.symbolic import MISTAKES


def test_every_mistake_has_a_generic_hint_and_every_generic_hint_a_mistake():
    from coursekit.symbolic.hints import TIERS

    assert set(hints.GENERIC) | set(TIERS) == set(Mistake) and not set(hints.GENERIC) & set(TIERS)
    assert all(hints.generic(tag) for tag in Mistake)


def test_the_derivative_slips_are_the_tags_coursekit_symbolic_diagnoses():
    assert DERIVATIVE == set(MISTAKES)


def test_a_tag_is_its_text_wherever_it_goes():
    import json

    assert Mistake.FLAGGED == "flagged" and json.dumps({"mistake": Mistake.FLAGGED}) == \
        '{"mistake": "flagged"}'


def test_a_flagged_answer_gets_the_flagged_hint_not_the_questions_default():
    from autograder.questions import get

    q = get("demo_gd.one_step")
    assert hints.hint_for(q, Mistake.FLAGGED) == hints.generic("flagged")[-1]
    assert hints.hint_for(q, Mistake.FLAGGED) != hints.hint_for(q, None)
