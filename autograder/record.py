"""Answer records: the student's answer as plain, size-limited JSON.

While grading, a test cell's ``check`` does not judge anything: it publishes a
*record* of the answer as a ``display_data`` output with MIME type
:data:`MIME`.  The grader later reads records back as data (never unpickled,
never evaluated) and judges them in its own process.

Encoding
--------
JSON scalars and lists stay as they are; everything else is tagged:

* non-finite floats: ``{"__float__": "nan" | "inf" | "-inf"}``;
* numpy arrays: ``{"__ndarray__": {"dtype": "float64" | "int64" | "bool",
  "shape": [...], "data": [flat values; non-finite floats as strings]}}``;
* dicts (string keys only): ``{"__dict__": {key: value}}``;
* sympy expressions: ``{"__expr__": "<str(expr)>"}``;
* errors raised by student code: ``{"__error__": {"type": ..., "message": ...}}``.

Limits (:data:`LIMITS`) bound the nesting depth, the number of nodes and the
length of strings both when encoding in the kernel and when decoding in the
grader, so a hostile or runaway answer cannot exhaust the grader.
"""
from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import numpy as np

MIME = "application/vnd.coursekit.answer+json"
VERSION = 1
LIMITS = {"depth": 12, "nodes": 250_000, "string": 20_000}
_FLOAT_TAGS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_DTYPES = {"f": "float64", "i": "int64", "u": "int64", "b": "bool"}


class RecordError(ValueError):
    """A value cannot be recorded, or a record is malformed or too large."""


class _Budget:
    def __init__(self) -> None:
        self.nodes = 0

    def spend(self, n: int = 1) -> None:
        self.nodes += n
        if self.nodes > LIMITS["nodes"]:
            raise RecordError(f"answer too large: more than {LIMITS['nodes']} values")


def _check_depth(depth: int) -> None:
    if depth > LIMITS["depth"]:
        raise RecordError(f"answer nested deeper than {LIMITS['depth']} levels")


def _check_string(s: str) -> str:
    if len(s) > LIMITS["string"]:
        raise RecordError(f"text longer than {LIMITS['string']} characters")
    return s


def _float_out(x: float) -> Any:
    return float(x) if math.isfinite(x) else {"__float__": repr(float(x))}


def _is_sympy(value: Any) -> bool:
    return type(value).__module__.startswith("sympy") and hasattr(value, "free_symbols")


def encode(value: Any, _depth: int = 0, _budget: _Budget | None = None) -> Any:
    """Turn an answer into JSON-compatible data (see the module docstring).

    Raises
    ------
    RecordError
        For values of other types (the message names the type) or answers
        beyond :data:`LIMITS`.
    """
    budget = _budget or _Budget()
    _check_depth(_depth)
    budget.spend()
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    if isinstance(value, (int, np.integer)):
        if abs(int(value)) > 2**63:
            raise RecordError("integer too large to record")
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _float_out(float(value))
    if isinstance(value, str):
        return _check_string(value)
    if isinstance(value, np.ndarray):
        return _encode_array(value, budget)
    if isinstance(value, (list, tuple)):
        return [encode(v, _depth + 1, budget) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise RecordError("dict answers need string keys")
        return {"__dict__": {_check_string(k): encode(v, _depth + 1, budget) for k, v in value.items()}}
    if _is_sympy(value):
        return {"__expr__": _check_string(str(value))}
    if isinstance(value, BaseException):
        return error_entry(value)
    raise RecordError(f"cannot record a value of type {type(value).__name__}")


def _encode_array(a: np.ndarray, budget: _Budget) -> dict:
    kind = a.dtype.kind
    if kind not in _DTYPES:
        raise RecordError(f"cannot record an array of dtype {a.dtype}")
    budget.spend(a.size)
    dtype = _DTYPES[kind]
    flat = a.astype(dtype).ravel().tolist()
    if dtype == "float64":
        flat = [x if math.isfinite(x) else repr(x) for x in flat]
    return {"__ndarray__": {"dtype": dtype, "shape": list(a.shape), "data": flat}}


def error_entry(exc: BaseException) -> dict:
    """The record of an exception raised by student code (type and message only).

    Never raises: an exception whose ``__str__`` fails or whose type has an
    odd name is still recorded, truncated to the limits :func:`decode` keeps.
    """
    try:
        message = str(exc)
        if not isinstance(message, str):
            raise TypeError("__str__ returned a non-string")
    except Exception:  # student code defines __str__: it may raise too
        message = "<the error message could not be shown>"
    name = getattr(type(exc), "__name__", "Exception")
    name = name if isinstance(name, str) and name else "Exception"
    return {"__error__": {"type": name[:100], "message": message[:500]}}


def decode(data: Any, _depth: int = 0, _budget: _Budget | None = None) -> Any:
    """Rebuild an answer from recorded data, validating every node.

    Returns plain Python values, numpy float64/int64/bool arrays, dicts, the
    text of sympy expressions wrapped in :class:`Expression`, and
    :class:`RecordedError` for recorded exceptions.

    Raises
    ------
    RecordError
        For unknown tags, wrong types, inconsistent shapes, or data beyond
        :data:`LIMITS`.
    """
    budget = _budget or _Budget()
    _check_depth(_depth)
    budget.spend()
    if data is None or isinstance(data, bool):
        return data
    if isinstance(data, int):
        return data
    if isinstance(data, float):
        return data
    if isinstance(data, str):
        return _check_string(data)
    if isinstance(data, list):
        return [decode(v, _depth + 1, budget) for v in data]
    if isinstance(data, dict):
        return _decode_tagged(data, _depth, budget)
    raise RecordError(f"unexpected {type(data).__name__} in a record")


def _decode_tagged(data: dict, depth: int, budget: _Budget) -> Any:
    if len(data) != 1:
        raise RecordError("malformed record: untagged object")
    (tag, body), = data.items()
    if tag == "__float__":
        if body not in _FLOAT_TAGS:
            raise RecordError(f"malformed float {body!r}")
        return _FLOAT_TAGS[body]
    if tag == "__ndarray__":
        return _decode_array(body, budget)
    if tag == "__dict__":
        if not isinstance(body, dict):
            raise RecordError("malformed dict")
        return {_check_string(str(k)): decode(v, depth + 1, budget) for k, v in body.items()}
    if tag == "__expr__":
        if not isinstance(body, str):
            raise RecordError("malformed expression")
        return Expression(_check_string(body))
    if tag == "__error__":
        if not (isinstance(body, dict) and isinstance(body.get("type"), str)
                and isinstance(body.get("message"), str)):
            raise RecordError("malformed error entry")
        return RecordedError(body["type"][:100], body["message"][:500])
    raise RecordError(f"unknown tag {tag!r} in a record")


def _decode_array(body: Any, budget: _Budget) -> np.ndarray:
    if not isinstance(body, dict) or set(body) != {"dtype", "shape", "data"}:
        raise RecordError("malformed array")
    dtype, shape, flat = body["dtype"], body["shape"], body["data"]
    if dtype not in set(_DTYPES.values()):
        raise RecordError(f"unsupported array dtype {dtype!r}")
    if (not isinstance(shape, list) or len(shape) > LIMITS["depth"]
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)):
        raise RecordError("malformed array shape")
    if not isinstance(flat, list) or len(flat) != math.prod(shape):
        raise RecordError("array data does not match its shape")
    budget.spend(len(flat))
    if dtype == "float64":
        values = [_FLOAT_TAGS[x] if isinstance(x, str) and x in _FLOAT_TAGS else x for x in flat]
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in values):
            raise RecordError("non-numeric value in a float array")
    else:
        values = flat
        kind = bool if dtype == "bool" else int
        if not all(type(x) is kind for x in values):
            raise RecordError(f"non-{dtype} value in a {dtype} array")
    return np.array(values, dtype=dtype).reshape(shape)


class Expression(str):
    """The recorded text of a sympy expression (kept as text; parsed only by safe parsers)."""


class RecordedError:
    """An exception student code raised, as recorded (type name and message)."""

    def __init__(self, type_name: str, message: str) -> None:
        self.type = type_name
        self.message = message

    def __repr__(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecordedError) and (self.type, self.message) == (other.type, other.message)


def make_record(question: str, payload: dict) -> dict:
    """The JSON object a test cell publishes for ``question``.

    Raises
    ------
    RecordError
        If the payload is not recordable or exceeds :data:`LIMITS`.
    """
    return {"version": VERSION, "question": question, "payload": encode(payload)}


def parse_record(data: Any) -> tuple[str, dict]:
    """Validate a published record and return ``(question, payload)``.

    Raises
    ------
    RecordError
        If ``data`` is not a record of this version or its payload is malformed.
    """
    if isinstance(data, str):
        if len(data) > LIMITS["nodes"] * 40:
            raise RecordError("record too large")
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise RecordError(f"record is not JSON: {exc}") from None
    if not isinstance(data, dict) or set(data) != {"version", "question", "payload"}:
        raise RecordError("not an answer record")
    if data["version"] != VERSION:
        raise RecordError(f"unsupported record version {data['version']!r}")
    if not isinstance(data["question"], str):
        raise RecordError("record without a question id")
    payload = decode(data["payload"])
    if not isinstance(payload, dict):
        raise RecordError("record payload is not a dict")
    return _check_string(data["question"]), payload


def digest(value: Any) -> str:
    """A stable SHA-256 of recorded data (callables count by their qualified name)."""
    def default(obj: Any) -> Any:
        if callable(obj):
            return f"<callable {getattr(obj, '__qualname__', type(obj).__name__)}>"
        raise TypeError(type(obj).__name__)
    text = json.dumps(_plain(value), sort_keys=True, default=default, allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return {"__ndarray__": [str(value.dtype), list(value.shape), _plain(value.ravel().tolist())]}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, np.integer):
        return int(value)
    return value
