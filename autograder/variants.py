"""Per-student variants: each student draws their own question parameters.

A question's parameters (the starting point β₀, the learning rate α, a data
seed, ...) are drawn from lists of allowed values with a seed derived from the
assignment name and the student's id, so neighbours get different numbers
while every run for the same student gives the same ones. Parameters that
must fit together (a learning rate that diverges *for this function*, a start
away from its minimum) are drawn again until an assignment's ``accept`` rule
holds. Without a student id (a local install, the instructor's solution
notebook) the assignment's defaults are used; for pen-and-paper exercises they
are not the lecture's numbers either, which the notebooks show as worked
examples.

The student id comes from the environment:

``COURSEKIT_STUDENT_ID``
    Set by the grader for each submission's kernel; instructors running a
    local course may set it for students by hand.
``JUPYTERHUB_USER``
    Set by JupyterHub in every single-user server.

The draw uses SHA-256, never Python's ``hash()``, so it is identical across
processes, machines and Python versions (``hash()`` of a string is salted per
process).
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence

__all__ = ["MAX_ATTEMPTS", "STUDENT_ENV_VARS", "Product", "current_student", "draw", "has_decimals",
           "is_short", "seed"]

#: Environment variables consulted for the student id, in order of priority.
STUDENT_ENV_VARS = ("COURSEKIT_STUDENT_ID", "JUPYTERHUB_USER")

#: How many draws :func:`draw` tries before it gives up on an ``accept`` rule.
MAX_ATTEMPTS = 10_000


class Product(Sequence):
    """Every combination of some lists, as a sequence that is never built.

    ``Product(xs, ys)[i]`` is the ``i``-th tuple of ``itertools.product(xs, ys)``,
    computed on demand, so a parameter with a million combinations (four
    logits, a point of the plane) costs no memory.

    Parameters
    ----------
    *axes : sequence
        The values of each position.

    Examples
    --------
    >>> grid = Product([0.5, 1.0], [-1, 0, 1])
    >>> len(grid), grid[0], grid[5], list(grid) == [(x, y) for x in [0.5, 1.0] for y in [-1, 0, 1]]
    (6, (0.5, -1), (1.0, 1), True)
    """

    def __init__(self, *axes: Sequence) -> None:
        if not axes or any(len(axis) == 0 for axis in axes):
            raise ValueError("Product needs at least one non-empty sequence of values")
        self.axes = tuple(tuple(axis) for axis in axes)

    def __len__(self) -> int:
        size = 1
        for axis in self.axes:
            size *= len(axis)
        return size

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(f"Product index {index} out of range (length {len(self)})")
        index %= len(self)
        values = []
        for axis in reversed(self.axes):
            index, position = divmod(index, len(axis))
            values.append(axis[position])
        return tuple(reversed(values))

    def __repr__(self) -> str:
        return f"Product({', '.join(map(repr, self.axes))})"


def current_student() -> str | None:
    """Return the id of the student whose notebook this process runs, if known.

    Returns
    -------
    str or None
        ``COURSEKIT_STUDENT_ID`` if set and non-empty, else ``JUPYTERHUB_USER``
        if set and non-empty, else ``None`` (no student: use the defaults).

    Examples
    --------
    >>> import os
    >>> os.environ["COURSEKIT_STUDENT_ID"] = "alice"
    >>> current_student()
    'alice'
    >>> del os.environ["COURSEKIT_STUDENT_ID"]
    """
    for name in STUDENT_ENV_VARS:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def seed(assignment: str, student: str, parameter: str = "") -> int:
    """Return a stable 64-bit seed for ``(assignment, student, parameter)``.

    Parameters
    ----------
    assignment : str
        Assignment name, e.g. ``"02_gradient_descent"``.
    student : str
        Student id.
    parameter : str, optional
        Parameter name, so that each parameter gets an independent draw.

    Returns
    -------
    int
        An integer in ``[0, 2**64)``: the first 8 bytes (big-endian) of
        ``sha256(json.dumps([assignment, student, parameter]))``.

    Notes
    -----
    The JSON encoding makes the key unambiguous (``("a", "bc")`` and
    ``("ab", "c")`` hash differently), and SHA-256 makes the seed the same in
    every process and Python version. It is also a convenient seed for
    ``numpy.random.default_rng`` when a question needs per-student data.

    Examples
    --------
    >>> seed("02_gradient_descent", "alice") == seed("02_gradient_descent", "alice")
    True
    """
    for name, value in (("assignment", assignment), ("student", student),
                        ("parameter", parameter)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    key = json.dumps([assignment, student, parameter]).encode("utf-8")
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big")


def draw(assignment: str, space: Mapping[str | tuple[str, ...], Sequence], defaults: Mapping,
         student: str | None = None, accept: Callable[[dict], bool] | None = None) -> dict:
    """Return the parameters of ``assignment`` for one student.

    Parameters
    ----------
    assignment : str
        Assignment name; part of the seed, so a student's variants differ
        between assignments.
    space : mapping of str (or tuple of str) to sequence
        For each varying parameter, the non-empty list (tuple, range or
        :class:`Product`) of values it may take, e.g. ``{"beta0": [3.0, 4.0, 5.0], "lr": [0.01, 0.02]}``.
        A key that is a tuple of names draws those parameters together: its
        choices are tuples of their values, e.g.
        ``{("a", "lr"): [(1, 0.5), (5, 0.1)]}`` (a learning rate that suits
        each curvature).
    defaults : mapping
        Every parameter's default value (the variant of a run without a
        student id). Each key of ``space`` must have a default; keys only in
        ``defaults`` are fixed.
    student : str, optional
        Student id; ``None`` (default) means :func:`current_student`.
    accept : callable, optional
        ``accept(params) -> bool``: the rule a combination must satisfy
        (parameters that fit together, numbers that stay pleasant by hand).
        Draws are repeated until it holds.

    Returns
    -------
    dict
        A new dict with the keys of ``defaults``: the defaults themselves when
        there is no student, otherwise each parameter in ``space`` replaced by
        ``space[name][seed(assignment, student, name) % len(space[name])]``
        (for a tuple of names, ``name`` is the names joined by commas), or,
        when ``accept`` rejected the first ``k`` draws, by the same with
        ``f"{name}#{k}"``.

    Raises
    ------
    TypeError
        If ``space`` or ``defaults`` is not a mapping, a choice list is not a
        list, tuple, range or :class:`Product`, ``accept`` is not callable, or
        ``student`` is not a str.
    ValueError
        If a choice list is empty, a parameter of ``space`` has no default, a
        joint choice does not have one value per name, or ``student`` is an
        empty string.
    RuntimeError
        If ``accept`` rejects :data:`MAX_ATTEMPTS` draws in a row.

    Notes
    -----
    Each parameter is drawn independently, so with ``k`` values per parameter
    two students share a parameter with probability ``1/k``; a question that
    must tell neighbours apart should vary several parameters or use a data
    seed (``seed(assignment, student, "data")``) with many values. Redrawing
    every parameter until ``accept`` holds makes the result uniform over the
    accepted combinations; the defaults are returned as they are, so a test
    should check that they satisfy ``accept`` too.

    Examples
    --------
    >>> space = {"beta0": [3.0, 4.0, 5.0]}
    >>> draw("02_gradient_descent", space, {"beta0": 4.0, "lr": 0.1}, student=None)
    {'beta0': 4.0, 'lr': 0.1}
    >>> v = draw("02_gradient_descent", space, {"beta0": 4.0, "lr": 0.1}, student="alice")
    >>> v["beta0"] in space["beta0"], v["lr"]
    (True, 0.1)
    >>> draw("a1", space, {"beta0": 4.0}, student="alice", accept=lambda p: p["beta0"] != 4.0)["beta0"] != 4.0
    True
    """
    if not isinstance(space, Mapping):
        raise TypeError(f"space must be a mapping of parameter -> list, got {type(space).__name__}")
    if not isinstance(defaults, Mapping):
        raise TypeError(f"defaults must be a mapping, got {type(defaults).__name__}")
    if accept is not None and not callable(accept):
        raise TypeError(f"accept must be a function of the parameters, got {type(accept).__name__}")
    for name, choices in space.items():
        if not isinstance(choices, (list, tuple, range, Product)):
            raise TypeError(f"space[{name!r}] must be a list, tuple, range or Product of values, "
                            f"got {type(choices).__name__}")
        if len(choices) == 0:
            raise ValueError(f"space[{name!r}] is empty: give at least one value")
        for parameter in (name if isinstance(name, tuple) else (name,)):
            if parameter not in defaults:
                raise ValueError(f"parameter {parameter!r} is in space but has no default "
                                 f"(defaults has {sorted(defaults)})")
    if student is None:
        student = current_student()
    params = dict(defaults)
    if student is None:
        return params
    if not isinstance(student, str):
        raise TypeError(f"student must be a str, got {type(student).__name__}")
    if not student.strip():
        raise ValueError("student is an empty string: pass None for the defaults")
    for attempt in range(MAX_ATTEMPTS):
        suffix = f"#{attempt}" if attempt else ""
        for name, choices in space.items():
            key = ",".join(name) if isinstance(name, tuple) else name
            value = choices[seed(assignment, student, key + suffix) % len(choices)]
            if isinstance(name, tuple):
                if not isinstance(value, (list, tuple)) or len(value) != len(name):
                    raise ValueError(f"space[{name!r}] holds {value!r}: each choice needs one value "
                                     f"per name")
                params.update(zip(name, value))
            else:
                params[name] = value
        if accept is None or accept(dict(params)):
            return params
    raise RuntimeError(f"{assignment}: accept rejected {MAX_ATTEMPTS} draws for student {student!r}; "
                       "the space has (almost) no accepted combination")


# ---------------------------------------------------------------- rules for numbers worked out by hand

def has_decimals(x: float, places: int) -> bool:
    """Whether ``x`` is a decimal with at most ``places`` digits after the point.

    Floating-point rounding is forgiven: ``0.1 + 0.2`` has one decimal (``x`` times
    ``10**places`` may miss an integer by a thousandth).

    Examples
    --------
    >>> has_decimals(2.9973, 4), has_decimals(0.1 + 0.2, 1), has_decimals(1 / 3, 6)
    (True, True, False)
    """
    scaled = x * 10 ** places
    return abs(scaled - round(scaled)) < 1e-3


def is_short(x: float, digits: int = 2, places: int = 3) -> bool:
    """Whether ``x`` has at most ``digits`` significant digits and ``places`` decimals.

    The numbers a student is given to work with by hand: ``0.025``, ``0.35`` and ``1.5``, not
    ``0.625`` or ``1.25``.

    Examples
    --------
    >>> [is_short(x) for x in (0.025, 0.35, 1.5, 0.625, 1.25, 0.0125)]
    [True, True, True, False, False, False]
    """
    if not has_decimals(x, places):
        return False
    significant = f"{abs(x):.{places}f}".rstrip("0").rstrip(".").replace(".", "").lstrip("0")
    return len(significant) <= digits
