"""Every use of a private plotly attribute, in one place (``tests/test_plotly_hooks.py`` names
each one and fails when a plotly release drops it).

- ``fast_frame(fig)``: an animation frame sent as ``Plotly.animate`` with ``redraw: false``
  (``_perform_batch_animate``, ``_in_batch_mode``).
- ``last_edit_id(fig)`` and ``PAINTED_TRAIT``: plotly.js acknowledges every painted trace edit
  through the ``_js2py_traceDeltas`` trait, carrying the ``_last_trace_edit_id`` it painted.
- ``hide_mode_bar(fig)``: no zoom/pan tool bar, responsive width (``_config``).
- ``figure_widget(fig)``: every app's ``FigureWidget``. Under ``explorer serve`` its browser
  code (plotly's ~5 MB ``widgetbundle.js``, normally sent inside every figure's ``_esm``) is
  imported from a URL the server serves with a long cache lifetime instead: sent once, not once
  per figure through the kernel, and compiled from the browser's cache on the next page.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager

import plotly.graph_objects as go

from explorer.views import PLOTLY_BUNDLE_ENV  # the path, under the base URL, of the bundle

PAINTED_TRAIT = "_js2py_traceDeltas"

PRIVATE_ATTRIBUTES = (
    "_perform_batch_animate",
    "_in_batch_mode",
    "_last_trace_edit_id",
    "_js2py_traceDeltas",
    "_config",
)


@contextmanager
def fast_frame(fig: go.FigureWidget) -> Iterator[None]:
    """Like ``fig.batch_update()``, but sent as ``Plotly.animate`` with a zero-length transition
    and ``redraw: false``: plotly.js then re-plots only the changed scatter traces instead of
    recomputing the whole figure (heatmap, level sets, arrows, subplots). Measured in headless
    Chromium: ~20 ms a frame instead of ~50 ms. (``fig.batch_animate`` would send
    ``redraw: true``, which is slower than an update.) Falls back to ``batch_update`` if this
    plotly version lacks the private hook."""
    perform = getattr(fig, "_perform_batch_animate", None)
    if perform is None or fig._in_batch_mode:
        with fig.batch_update():
            yield
        return
    fig._in_batch_mode = True
    try:
        yield
    finally:
        fig._in_batch_mode = False
        perform(
            {
                "transition": {"duration": 0, "easing": "linear"},
                "frame": {"duration": 0, "redraw": False},
            }
        )


def last_edit_id(fig: go.FigureWidget) -> int:
    """The trace-edit id of the last update sent to the browser (0 before any)."""
    return int(getattr(fig, "_last_trace_edit_id", 0))


def painted_edit_id(change: dict) -> int | None:
    """The trace-edit id a browser acknowledges in a ``PAINTED_TRAIT`` change, if any."""
    msg = change.get("new")
    if isinstance(msg, dict) and "trace_edit_id" in msg:
        return int(msg["trace_edit_id"])
    return None


def hide_mode_bar(fig: go.FigureWidget) -> None:
    """No zoom/pan tool bar: the plot is fixed; a figure with no fixed width follows the window
    (plotly's ``responsive``: a projector switch or a resized window re-fits it)."""
    fig._config = {**fig._config, "displayModeBar": False, "responsive": True}


def responsive(fig: go.FigureWidget) -> go.FigureWidget:
    """A figure with no fixed width re-fits when the window is resized (``_config``)."""
    fig._config = {**fig._config, "responsive": True}
    return fig


def figure_widget(fig: go.Figure | None = None) -> go.FigureWidget:
    """A ``FigureWidget`` of ``fig``; under ``explorer serve`` its JS comes from a URL (module
    docstring). Anywhere else (JupyterLab, the Voilà server extension, tests) it is plotly's
    own class, bundle included, so the figure works wherever the server does not serve it."""
    path = os.environ.get(PLOTLY_BUNDLE_ENV, "")
    cls = _bundle_by_url(path) if path else go.FigureWidget
    return cls(fig)


@functools.cache
def _bundle_by_url(path: str) -> type[go.FigureWidget]:
    """A ``FigureWidget`` subclass whose ``_esm`` is a stub importing the bundle from ``path``
    (relative to the page's base URL, read from Voilà's ``jupyter-config-data``): the same URL
    the page template preloads, so the import finds the module already compiled."""
    stub = (
        'const c = JSON.parse(document.getElementById("jupyter-config-data")?.textContent'
        ' || "{}");\n'
        f'const u = new URL((c.baseUrl || "/") + "{path}", location.href);\n'
        "const m = await import(u.href);\n"
        "export default m.default;\n"
    )

    class FigureWidget(go.FigureWidget):
        _esm = stub

    return FigureWidget
