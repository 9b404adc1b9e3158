"""Small helpers shared by the explorers: argument checks, objectives, sliders and tables."""
from __future__ import annotations

import html
import numbers
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import traitlets

_SLIDER_STYLE = {"description_width": "initial"}
_SLIDER_LAYOUT = {"width": "320px"}


def check_int(name: str, value, minimum: int = 0, maximum: int | None = None) -> int:
    """Return ``value`` as an int in [minimum, maximum] or raise an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and at most {maximum}"
        raise ValueError(f"{name} must be at least {minimum}{upper}, got {value}")
    return int(value)


def check_float(name: str, value, minimum: float | None = None, maximum: float | None = None,
                strict_minimum: bool = False) -> float:
    """Return ``value`` as a finite float within bounds or raise an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None and (value < minimum or (strict_minimum and value == minimum)):
        relation = "greater than" if strict_minimum else "at least"
        raise ValueError(f"{name} must be {relation} {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}")
    return value


def check_choice(name: str, value, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise a ValueError listing them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def objective(name: str, dim: int):
    """The course objective ``name`` from :mod:`coursekit.functions`, checked to be ``dim``-D.

    Raises
    ------
    ValueError
        If the name is unknown (the message lists the known names) or the function has
        another dimension (the message lists the functions of the right dimension).
    """
    from coursekit import functions

    if not isinstance(name, str):
        raise TypeError(f"function must be a name (str), got {type(name).__name__}")
    found = functions.get(name)
    if found.dim != dim:
        fitting = [n for n in functions.names() if functions.get(n).dim == dim]
        raise ValueError(f"function {name!r} is {found.dim}-D; this explorer takes a {dim}-D "
                         f"function: {', '.join(map(repr, fitting))}")
    return found


def names_of_dim(dim: int) -> list[str]:
    """Names of the course objectives of dimension ``dim``."""
    from coursekit import functions

    return [n for n in functions.names() if functions.get(n).dim == dim]


def box(domain, dim: int) -> np.ndarray:
    """The plotting box of an objective as an array of shape (dim, 2): rows (low, high)."""
    limits = np.asarray(domain, dtype=np.float64).reshape(-1, 2)
    if limits.shape[0] == 1 and dim > 1:
        limits = np.repeat(limits, dim, axis=0)
    return limits


def nice_step(low: float, high: float, divisions: int = 400) -> float:
    """A step of 1, 2 or 5 times a power of ten giving at least ``divisions`` positions."""
    raw = (high - low) / divisions
    power = 10.0 ** np.floor(np.log10(raw))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9)))


def _on_grid(value: float, low: float, step: float) -> float:
    """``value`` moved to the nearest low + k·step, without binary-fraction noise."""
    decimals = max(0, int(-np.floor(np.log10(step)))) + 2
    return round(low + round((value - low) / step) * step, decimals)


class GridFloatSlider(widgets.FloatSlider):
    """A FloatSlider whose value is always min + k·step, wherever it is set from.

    The browser snaps a slider's value to that grid and sends it back; snapping here too keeps
    the kernel, the tests and the page in agreement (the lecture's β⁽⁰⁾ = 4 stays 4).
    """

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        value = super()._validate_value(proposal)
        return min(max(_on_grid(value, self.min, self.step), self.min), self.max)


#: Mantissas of the log sliders' values in every decade: 1 … 9 and 1.2, 1.5, 2.5 (at most 1.33 apart).
MANTISSAS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)


def nice_values(low: float, high: float, mantissas: Sequence[float] = MANTISSAS) -> list[float]:
    """The numbers m·10ᵏ (m in ``mantissas``) from ``low`` to ``high``, as exact decimals."""
    first, last = int(np.floor(np.log10(low))), int(np.ceil(np.log10(high)))
    values = {float(f"{m:g}e{k}") for k in range(first, last + 1) for m in mantissas}
    return sorted(v for v in values if low * (1 - 1e-12) <= v <= high * (1 + 1e-12))


def round_nicely(value: float, mantissas: Sequence[float] = MANTISSAS) -> float:
    """The number m·10ᵏ (m in ``mantissas``) nearest to ``value`` > 0 by ratio."""
    return _nearest_by_ratio(nice_values(value / 10, value * 10, mantissas), value)


def _nearest_by_ratio(options: Sequence[float], value: float) -> float:
    return min(options, key=lambda option: abs(np.log(option / value)))


class LogChoiceSlider(widgets.SelectionSlider):
    """A slider over round numbers on a log scale (0.001, 0.0012, 0.0015 … 1, 1.2 …).

    Its ``value`` is always one of its options, exactly: the lecture's α = 0.01, 0.1, 1 and
    defaults such as 0.02 are used as written. A number set from code that is not an option
    moves to the nearest one (by ratio), as a click on the slider would.
    """

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        value = proposal.value
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not np.isfinite(value) or value <= 0:
            raise traitlets.TraitError(f"{self.description}: expected a positive number, "
                                       f"got {value!r}")
        return _nearest_by_ratio(self._options_values, value)


def float_slider(description: str, value: float, low: float, high: float,
                 step: float | None = None, readout_format: str = ".3g") -> GridFloatSlider:
    """A :class:`GridFloatSlider` over [low, high] (widened to whole steps; default step: nice)."""
    step = nice_step(low, high) if step is None else step
    low = _on_grid(np.floor(low / step) * step, 0.0, step)
    high = _on_grid(np.ceil(high / step) * step, 0.0, step)
    return GridFloatSlider(value=min(max(value, low), high), min=low, max=high, step=step,
                           description=description, readout_format=readout_format,
                           style=_SLIDER_STYLE, layout=_SLIDER_LAYOUT, continuous_update=True)


def log_slider(description: str, value: float, low: float, high: float,
               mantissas: Sequence[float] = MANTISSAS) -> LogChoiceSlider:
    """A :class:`LogChoiceSlider` over :func:`nice_values` from ``low`` to ``high``.

    ``value`` (clamped to the range) is one of the options even when it is not a round number,
    so an explorer started with ``lr=0.15`` computes with 0.15.
    """
    value = float(min(max(value, low), high))
    values = sorted(set(nice_values(low, high, mantissas)) | {value})
    return LogChoiceSlider(options=list(zip(_labels(values), values)), value=value,
                           description=description, style=_SLIDER_STYLE, layout=_SLIDER_LAYOUT,
                           continuous_update=True)


def _labels(values: Sequence[float]) -> list[str]:
    """Short readouts of ``values``, with more digits where the short ones would repeat."""
    for digits in (3, 6, 12, 17):
        labels = [f"{v:.{digits}g}" for v in values]
        if len(set(labels)) == len(labels):
            return labels
    return [repr(v) for v in values]


def set_range(slider, low: float, high: float, value: float) -> None:
    """Give a float slider the range [low, high] (aligned to a nice step) and a new value."""
    step = nice_step(low, high)
    low, high = _on_grid(np.floor(low / step) * step, 0.0, step), \
        _on_grid(np.ceil(high / step) * step, 0.0, step)
    slider.min, slider.max = min(low, slider.min), max(high, slider.max)
    slider.min, slider.max = low, high
    slider.step = step
    slider.value = value


def int_slider(description: str, value: int, low: int, high: int) -> widgets.IntSlider:
    """An IntSlider with the explorers' look."""
    return widgets.IntSlider(value=value, min=low, max=high, description=description,
                             style=_SLIDER_STYLE, layout=_SLIDER_LAYOUT)


def dropdown(description: str, options, value) -> widgets.Dropdown:
    """A Dropdown with the explorers' look."""
    return widgets.Dropdown(options=options, value=value, description=description,
                            style=_SLIDER_STYLE, layout=_SLIDER_LAYOUT)


def format_number(value: float) -> str:
    """A number as a table shows it: 6 significant digits, ±inf and nan spelled out."""
    if not np.isfinite(value):
        return "nan" if np.isnan(value) else ("+∞" if value > 0 else "−∞")
    return f"{value:.6g}".replace("-", "−")


def html_table(header: Sequence[str], rows, max_height: str = "260px") -> str:
    """An HTML table (numbers formatted by :func:`format_number`) in a scrolling box."""
    head = "".join(f"<th style='padding:2px 10px'>{h}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(
            f"<td style='padding:1px 10px;text-align:right'>"
            f"{format_number(c) if isinstance(c, numbers.Real) else html.escape(str(c))}</td>"
            for c in row) + "</tr>"
        for row in rows)
    return (f"<div style='max-height:{max_height};overflow-y:auto'>"
            f"<table class='coursekit-table' style='border-collapse:collapse;font-family:monospace'>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


_SUPERSCRIPTS = str.maketrans("0123456789-+()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾")


def superscript(text: str) -> str:
    """``text`` (digits, signs, parentheses) in Unicode superscript: "(12)" → "⁽¹²⁾"."""
    return text.translate(_SUPERSCRIPTS)


def powers_of_ten(axis) -> None:
    """Label a log axis's decades 10⁻⁸, 10⁰, 10³ in plain text.

    Matplotlib's default labels are mathtext, typeset glyph by glyph; plain Unicode text
    draws several times faster, which matters for axes redrawn while a slider moves.
    """
    from matplotlib.ticker import FuncFormatter, NullFormatter

    def label(value, _position):
        exponent = np.log10(value) if value > 0 else np.nan
        if not np.isfinite(exponent) or abs(exponent - round(exponent)) > 1e-9:
            return ""
        return "10" + superscript(str(int(round(exponent))))

    axis.set_major_formatter(FuncFormatter(label))
    axis.set_minor_formatter(NullFormatter())
