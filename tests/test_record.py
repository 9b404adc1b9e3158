"""Answer records: JSON round trips, tags, and limits that protect the grader."""
import json
import math

import numpy as np
import pytest
import sympy

from autograder import record
from autograder.record import RecordError, decode, encode, make_record, parse_record


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "text", [1, 2.5, "a"], {"k": [1.0, 2.0]},
    np.array([[1.0, np.nan], [np.inf, -np.inf]]), np.arange(6).reshape(2, 3), np.array([True, False]),
])
def test_round_trip_through_strict_json(value):
    data = json.loads(json.dumps(encode(value), allow_nan=False))
    back = decode(data)
    if isinstance(value, np.ndarray):
        assert back.dtype.kind == value.dtype.kind and back.shape == value.shape
        np.testing.assert_array_equal(back, value)
    else:
        assert back == value


def test_non_finite_scalars_and_numpy_scalars():
    assert math.isnan(decode(encode(float("nan"))))
    assert decode(encode(np.float32(1.5))) == 1.5 and decode(encode(np.int64(7))) == 7


def test_sympy_expressions_are_kept_as_text_and_exceptions_as_type_and_message():
    x = sympy.Symbol("x")
    back = decode(encode(2 * x * sympy.exp(x**2)))
    assert isinstance(back, record.Expression) and back == "2*x*exp(x**2)"
    err = decode(encode(ValueError("bad lr")))
    assert isinstance(err, record.RecordedError) and (err.type, err.message) == ("ValueError", "bad lr")


@pytest.mark.parametrize("value, match", [
    (object(), "type object"), ({1: 2}, "string keys"), (np.array(["a"]), "dtype"),
    (np.zeros(record.LIMITS["nodes"] + 1), "too large"), ("x" * (record.LIMITS["string"] + 1), "longer"),
])
def test_unrecordable_values_raise_clear_errors(value, match):
    with pytest.raises(RecordError, match=match):
        encode(value)


def test_deep_nesting_is_refused_on_both_sides():
    deep = [1]
    for _ in range(record.LIMITS["depth"] + 2):
        deep = [deep]
    with pytest.raises(RecordError, match="deeper"):
        encode(deep)
    with pytest.raises(RecordError, match="deeper"):
        decode(deep)


@pytest.mark.parametrize("data, match", [
    ({"__pickle__": "gASV"}, "unknown tag"), ({"a": 1, "b": 2}, "untagged"),
    ({"__ndarray__": {"dtype": "float64", "shape": [3], "data": [1, 2]}}, "does not match"),
    ({"__ndarray__": {"dtype": "object", "shape": [1], "data": [1]}}, "dtype"),
    ({"__ndarray__": {"dtype": "float64", "shape": [1], "data": ["__import__"]}}, "non-numeric"),
    ({"__ndarray__": {"dtype": "float64", "shape": [10**9, 10**9], "data": []}}, "does not match"),
    ({"__float__": "1e400"}, "malformed float"), ({"__error__": {"type": 1}}, "malformed error"),
])
def test_malformed_data_is_rejected_not_interpreted(data, match):
    with pytest.raises(RecordError, match=match):
        decode(data)


def test_parse_record_validates_envelope_and_version():
    qid, payload = parse_record(make_record("a.b", {"value": [1, 2]}))
    assert qid == "a.b" and payload == {"value": [1, 2]}
    assert parse_record(json.dumps(make_record("a.b", {"value": 1})))[0] == "a.b"
    with pytest.raises(RecordError, match="version"):
        parse_record({"version": 99, "question": "a.b", "payload": {"__dict__": {}}})
    with pytest.raises(RecordError, match="not an answer record"):
        parse_record({"question": "a.b"})
    with pytest.raises(RecordError, match="not JSON"):
        parse_record("{")


def test_digest_is_stable_and_sensitive_to_values():
    a = [(np.array([1.0, 2.0]), 0.1, 3)]
    assert record.digest(a) == record.digest([(np.array([1.0, 2.0]), 0.1, 3)])
    assert record.digest(a) != record.digest([(np.array([1.0, 2.5]), 0.1, 3)])
