"""The explorer base: controls drive a pure model, whose state a matplotlib view draws.

Every explorer in :mod:`coursekit.widgets` is a small subclass of :class:`Explorer` that
supplies three things:

* ``compute(**values)``: the model, a pure function of the control values returning the
  explorer's state (iterates, table rows, losses...). Tests and benchmarks call it directly.
* ``draw(state)``: the view, which updates matplotlib artists created once in ``build_view``.
* ``layout()``: how the controls, the figure and any text are arranged.

The figure is an object-oriented :class:`matplotlib.figure.Figure` on the Agg canvas (no
pyplot global state, no dependence on the notebook's backend). After each change it is
rendered to PNG and shown in an :class:`ipywidgets.Image`, so a redraw costs the same in a
test, a benchmark and JupyterLab, and the picture swaps without flicker.

Redraws use blitting: artists that change with the controls are marked *animated*; the rest
(axes, ticks, labels, legends: most of matplotlib's drawing time) is drawn once into a
background that is reused until the view calls :meth:`Explorer.invalidate`. When an axis
limit or scale changes, only that axes' part of the background is redrawn (its slot of the
figure), unless its new tick labels would not fit there. A view that changed the artists of
some axes only names them when it invalidates, and only their slots are redrawn. A view
whose background takes one of a few looks (one per function shown, say) names the look; the
last few backgrounds are kept by name, so going back to a look costs a copy instead of a
drawing. The PNG is encoded as RGB with fast zlib settings: at this size, encoding costs
about as much as drawing.
"""
from __future__ import annotations

import base64
import contextlib
import html
import io
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from PIL import Image

__all__ = ["Explorer"]

_ERROR_STYLE = "color:#b00020;font-family:monospace;white-space:pre-wrap"
_BACKGROUNDS_KEPT = 8  # named backgrounds kept for reuse (about 0.8 MB each at the default size)


class Explorer:
    """Base class of the interactive explorers.

    Parameters
    ----------
    controls : mapping of str to ipywidgets.ValueWidget
        The explorer's inputs, by name. Every change of a ``value`` recomputes the state
        and redraws the figure.
    figsize : tuple of float
        Figure size in inches.
    dpi : float
        Resolution of the rendered PNG.

    Attributes
    ----------
    controls : dict of str to ipywidgets.Widget
        The inputs; set ``controls[name].value`` to drive the explorer from code.
    state : object
        The last state returned by :meth:`compute`.
    figure : matplotlib.figure.Figure
        The figure the view draws into (``explorer.figure.savefig(...)`` works anywhere).
    widget : ipywidgets.Box
        The assembled user interface.
    png : bytes
        The last rendered picture (also the static fallback of the MIME bundle).

    Notes
    -----
    A control change runs ``react`` (adjust dependent controls, updates held), ``compute``
    (the model), ``draw`` (the view) and ``render`` (PNG into the Image widget). Errors raised
    there are shown in red under the figure and re-raised, so code that set the value sees
    them too; the previous state and picture stay.
    """

    def __init__(self, controls: Mapping[str, widgets.Widget], figsize=(9.0, 3.6), dpi=80.0):
        self.controls = dict(controls)
        self.figure = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.figure)
        self.state: Any = None
        self.png: bytes = b""
        self._holding = 0
        self._background = None
        self._background_key = None
        self._axes_drawn: tuple = ()
        self._background_version = 0
        self._background_look = None
        self._changed_axes: set = set()  # axes named by the last invalidate(axes=...)
        self._backgrounds: dict = {}  # (look, number of axes) -> (background, axes keys)
        width, _ = self.figure.canvas.get_width_height()
        # A fixed width: inside a VBox the browser would otherwise stretch (and blur) the image.
        self._image = widgets.Image(format="png", layout=widgets.Layout(
            width=f"{width}px", max_width="100%", object_fit="contain", flex="0 0 auto"))
        self._status = widgets.HTML()
        self._click_targets: list = []  # (axes, handler) pairs registered by on_click
        self._events = None  # the ipyevents.Event that reports clicks on the picture
        self.build_view()
        self.update()
        self.widget = self.layout()
        for control in self.controls.values():
            control.observe(self._on_change, names="value")

    # -- to be supplied by subclasses -------------------------------------------------------
    def compute(self, **values):
        """Return the model state for the given control values."""
        raise NotImplementedError

    def build_view(self) -> None:
        """Create the axes and artists that :meth:`draw` updates."""
        raise NotImplementedError

    def draw(self, state) -> None:
        """Update the figure's artists from ``state``."""
        raise NotImplementedError

    def react(self, name: str, change) -> None:
        """Adjust other controls after control ``name`` changed (e.g. slider ranges).

        Runs before the recomputation; changes made here do not trigger updates of their own.
        """

    def layout(self) -> widgets.Box:
        """Arrange controls, figure and text; the default puts the controls above the figure."""
        return widgets.VBox([self.controls_box(), self._image, self._status])

    # -- machinery ---------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The current control values, by control name."""
        return {name: control.value for name, control in self.controls.items()
                if hasattr(control, "value")}

    def update(self) -> None:
        """Recompute the state from the controls, redraw the figure and re-render it."""
        self.state = self.compute(**self.values())
        self.draw(self.state)
        self.png = self.render()
        self._image.value = self.png
        self._status.value = ""

    def render(self) -> bytes:
        """Render the figure to PNG bytes (static background reused, animated artists redrawn)."""
        canvas = self.figure.canvas
        keys = self._axes_keys()
        if self._background is None or self._background_key != (self._background_version,
                                                                  len(keys)):
            if self._reuse_background(keys):
                pass
            elif self._changed_axes and len(self._axes_drawn) == len(keys):
                self._forget_axes(self._changed_axes, keys)  # redrawn just below
            else:
                self._draw_background(keys)
        self._changed_axes = set()
        if keys != self._axes_drawn:
            changed = [i for i, (old, new) in enumerate(zip(self._axes_drawn, keys)) if old != new]
            if not self._redraw_axes_backgrounds(changed):
                self._draw_background(keys)
            self._axes_drawn = keys
            self._keep_background(keys)
        else:
            canvas.restore_region(self._background)
        for artist in self._animated_artists():
            if artist.get_visible():
                self.figure.draw_artist(artist)
        buffer = io.BytesIO()
        width, height = canvas.get_width_height()
        # RGB (the figure is opaque): a quarter less to compress and to send to the browser.
        Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1) \
            .convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    def invalidate(self, look=None, axes=()) -> None:
        """Tell :meth:`render` that non-animated artists changed: redraw the background.

        Parameters
        ----------
        look : hashable, optional
            Names the background's new appearance, when the view's non-animated artists
            depend on nothing else (e.g. ``("contours", name)``): a background drawn earlier
            under the same name is reused, with only the axes whose limits differ redrawn.
        axes : sequence of matplotlib Axes, optional
            The only axes whose artists changed: only their slots of the figure are redrawn.
            By default the whole background is.
        """
        self._background_version += 1
        self._background_look = look
        self._changed_axes = {self.figure.axes.index(ax) for ax in axes}

    def animate(self, *artists):
        """Mark artists as changing with the controls (redrawn on every render); returns them."""
        for artist in artists:
            artist.set_animated(True)
        return artists[0] if len(artists) == 1 else artists

    def on_click(self, ax, handler) -> None:
        """Call ``handler(x, y)`` with the data coordinates of a click on the picture inside ``ax``.

        In JupyterLab the clicks come from :mod:`ipyevents` (without it installed, the picture
        is not clickable and the controls still work); :meth:`click_at` sends one from code.
        """
        self._click_targets.append((ax, handler))
        if self._events is not None:
            return
        try:
            from ipyevents import Event
        except ImportError:
            return
        self._events = Event(source=self._image, watched_events=["click"])
        self._events.on_dom_event(lambda event: self.click_at(event["dataX"], event["dataY"]))

    def click_at(self, column: float, row: float) -> bool:
        """Act on a click at pixel (``column``, ``row``) of the picture, counted from its top left.

        Returns whether the click landed in axes registered with :meth:`on_click`.
        """
        x, y = column, self.figure.canvas.get_width_height()[1] - row  # matplotlib: from bottom
        for ax, handler in self._click_targets:
            if ax.get_visible() and ax.bbox.contains(x, y):
                handler(*ax.transData.inverted().transform((x, y)))
                return True
        return False

    def _axes_keys(self) -> tuple:
        return tuple((ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale(),
                      ax.get_visible()) for ax in self.figure.axes)

    def _draw_background(self, keys) -> None:
        """Draw every non-animated artist and keep the picture as the background."""
        canvas = self.figure.canvas
        canvas.draw()
        self._background = canvas.copy_from_bbox(self.figure.bbox)
        self._background_key = (self._background_version, len(keys))
        self._axes_drawn = keys
        self._slots = None  # computed when first needed, from this drawing's extents
        self._keep_background(keys)

    def _keep_background(self, keys) -> None:
        """Keep the current background under the current look (if the view named one)."""
        if self._background_look is not None:
            self._backgrounds.pop((self._background_look, len(keys)), None)
            self._backgrounds[self._background_look, len(keys)] = (self._background, keys)
            while len(self._backgrounds) > _BACKGROUNDS_KEPT:
                del self._backgrounds[next(iter(self._backgrounds))]  # the oldest

    def _forget_axes(self, indices, keys) -> None:
        """Mark the axes ``indices`` as not drawn, so that :meth:`render` redraws their slots."""
        self._axes_drawn = tuple(None if i in indices else drawn
                                 for i, drawn in enumerate(self._axes_drawn))
        self._background_key = (self._background_version, len(keys))

    def _reuse_background(self, keys) -> bool:
        """Make the kept background of the current look the canvas's; False if there is none."""
        kept = self._backgrounds.get((self._background_look, len(keys)))
        if self._background_look is None or kept is None:
            return False
        self._background, self._axes_drawn = kept
        self._background_key = (self._background_version, len(keys))
        self._slots = None
        self.figure.canvas.restore_region(self._background)
        return True

    def _redraw_axes_backgrounds(self, changed) -> bool:
        """Redraw only the backgrounds of the axes ``changed`` (their limits or scales moved).

        Each axes owns a slot of the figure, up to half way to its neighbours; the slot is
        cleared and the axes redrawn into it. Returns False when an axes' ticks or labels
        would leave its slot (the caller then redraws everything).
        """
        canvas = self.figure.canvas
        renderer = canvas.get_renderer()
        canvas.restore_region(self._background)
        pixels = np.asarray(canvas.buffer_rgba())
        height = pixels.shape[0]
        face = np.round(np.asarray(self.figure.get_facecolor()) * 255).astype(np.uint8)
        axes = self.figure.axes
        if self._slots is None:
            extents = [ax.get_tightbbox(renderer) if ax.get_visible() else None for ax in axes]
            self._slots = [_slot(extents, index, self.figure.bbox) for index in range(len(axes))]
        for index in changed:
            x0, y0, x1, y1 = self._slots[index]
            pixels[height - y1:height - y0, x0:x1] = face
            ax = axes[index]
            ax.draw(renderer)
            # New limits change only the tick labels: they must stay inside the slot.
            extent = Bbox.union([ax.bbox, ax.xaxis.get_tightbbox(renderer) or ax.bbox,
                                 ax.yaxis.get_tightbbox(renderer) or ax.bbox])
            if (extent.x0 < x0 - 0.5 or extent.x1 > x1 + 0.5
                    or extent.y0 < y0 - 0.5 or extent.y1 > y1 + 0.5):
                return False
        self._background = canvas.copy_from_bbox(self.figure.bbox)
        return True

    def _animated_artists(self) -> list:
        """The animated artists in drawing order (z-order).

        Tick marks and tick labels are never animated (a change of limits redraws the
        background), so the search does not descend into the axes' x and y axis objects,
        which hold most of a figure's artists.
        """
        found, pending = [], list(self.figure.get_children())
        while pending:
            artist = pending.pop()
            if artist.get_animated():
                found.append(artist)
            elif not isinstance(artist, Axis):
                pending.extend(artist.get_children())
        return sorted(found, key=lambda artist: artist.get_zorder())

    def controls_box(self, names=None, columns: int = 2) -> widgets.Box:
        """Lay out the named controls (default: all) in a grid of ``columns`` columns."""
        chosen = [self.controls[n] for n in (names if names is not None else self.controls)]
        return widgets.GridBox(chosen, layout=widgets.Layout(
            grid_template_columns=f"repeat({columns}, max-content)", grid_gap="2px 16px"))

    @contextlib.contextmanager
    def hold(self):
        """Change several controls at once: no update runs until the block ends."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1

    def set(self, **values) -> None:
        """Set several controls at once, then update once."""
        with self.hold():
            for name, value in values.items():
                if name not in self.controls:
                    raise ValueError(f"unknown control {name!r}; controls: {', '.join(self.controls)}")
                self.controls[name].value = value
        self.update()

    def _on_change(self, change) -> None:
        if self._holding:
            return
        name = next(n for n, c in self.controls.items() if c is change["owner"])
        with self.hold():
            self.react(name, change)
        # ipywidgets logs (and hides) exceptions raised in observers triggered from the front
        # end, so the explorer shows them itself before re-raising for code that set the value.
        try:
            self.update()
        except Exception as error:
            self._status.value = (f'<span style="{_ERROR_STYLE}">'
                                  f"{html.escape(type(error).__name__)}: {html.escape(str(error))}"
                                  "</span>")
            raise

    def _repr_mimebundle_(self, include=None, exclude=None):
        # JupyterLab renders the widget view; front ends without a widget manager (static
        # HTML, nbviewer, a terminal) fall back to the PNG of the current figure or the text.
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle["image/png"] = base64.b64encode(self.png).decode("ascii")
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self.values().items())
        return f"<{type(self).__name__} {settings}>"


def _slot(extents, index, figure_box):
    """Pixel box (x0, y0, x1, y1) of the figure owned by the axes whose extent is ``extents[index]``.

    ``extents`` are the axes' drawn extents (ticks and labels included; None for hidden
    axes). The slot reaches half way to the nearest extent on each side that faces it
    (overlapping in the other direction), or to the figure's edge.
    """
    box = extents[index]
    left, bottom, right, top = figure_box.x0, figure_box.y0, figure_box.x1, figure_box.y1
    for position, other in enumerate(extents):
        if position == index or other is None or box is None:
            continue
        if other.y0 < box.y1 and other.y1 > box.y0:  # side by side
            if other.x1 <= box.x0:
                left = max(left, (other.x1 + box.x0) / 2)
            elif other.x0 >= box.x1:
                right = min(right, (box.x1 + other.x0) / 2)
        if other.x0 < box.x1 and other.x1 > box.x0:  # one above the other
            if other.y1 <= box.y0:
                bottom = max(bottom, (other.y1 + box.y0) / 2)
            elif other.y0 >= box.y1:
                top = min(top, (box.y1 + other.y0) / 2)
    return int(np.ceil(left)), int(np.ceil(bottom)), int(np.floor(right)), int(np.floor(top))
