"""autograder.capture: what a graded kernel gets (hidden inputs as data) and how it records."""
import numpy as np
import pytest

from autograder import capture, kinds, parameters, questions, record
from autograder.capture import Probe


def _assignments():
    from pathlib import Path

    folder = Path(questions.__file__).parent
    return sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("assignment", _assignments())
def test_every_hidden_input_travels_as_data_and_comes_back_the_same(assignment):
    for qid, q in questions.for_assignment(assignment).items():
        if q.kind not in capture.BEHAVIOURAL_KINDS:
            continue
        v = parameters(assignment, "ada")
        cases = kinds.trials(q, v, kinds.trial_seed(qid, "ada", "secret"))
        data = capture.encode_cases(cases)  # raises for a function that is not a Probe
        again = capture.decode_cases(data)
        assert capture.cases_digest(again) == capture.cases_digest(cases), qid
        reference = q.reference(v)
        for case, back in zip(cases, again):
            if q.kind == "function":
                assert record.encode(reference(*case)) == record.encode(reference(*back)), qid


def test_a_probe_is_the_function_its_expression_names():
    f = Probe("a @ x - c", a=[[2.0, 0.0], [0.0, 3.0]], c=[1.0, 1.0])
    np.testing.assert_array_equal(f(np.array([1.0, 1.0])), [1.0, 2.0])
    g = capture.decode_cases(capture.encode_cases(f))
    np.testing.assert_array_equal(g(np.array([1.0, 1.0])), [1.0, 2.0])


def test_a_plain_function_cannot_be_sent_as_a_hidden_input():
    with pytest.raises(record.RecordError, match="wrap the function .* in a Probe"):
        capture.encode_cases([(np.sin, 1.0)])


def test_the_graders_decoder_refuses_probes_from_a_kernel():
    # only the grader's own data is ever evaluated: records from a kernel are plain data
    with pytest.raises(record.RecordError, match="unknown tag"):
        record.decode({"__probe__": {"expr": "__import__('os')", "params": {"__dict__": {}}}})


def test_without_a_grading_plan_a_kernel_records_that_the_question_is_unknown(monkeypatch,
                                                                             tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text('{"assignment": "x", "questions": {}}')
    monkeypatch.setenv(capture.PLAN_ENV, str(plan))
    capture._PLAN.clear()
    data = capture.planned_record("x.q", 1.0, no_answer=Ellipsis)
    assert record.parse_record(data)[1] == {"unrecordable": "no such question in this assignment's "
                                                            "grading plan"}
