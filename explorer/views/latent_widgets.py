"""Widgets for latent-variable views.

- :class:`ManifoldImage`: a grey picture with a movable marker. The picture (e.g. the decoded
  manifold of a 2-D VAE, fig. 20.6) crosses the wire once as ``bytes`` (one uint8 per pixel,
  :func:`~explorer.views.wire.image_bytes`); moving the marker sends two floats.
- :class:`PlaneClicks`: reports where a click (or tap) lands on a plotly plot's data area, read
  from the pointer event itself. Plotly's own click event carries the last *hovered* point, which
  lags the pointer when a click follows a move closely, and is missing on a touch screen's first
  tap; this widget has neither problem.

The JS is in ``static/`` (after ``static/bytes.js``, see :func:`~explorer.views.wire.esm`) and
imports nothing from a CDN.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import anywidget
import numpy as np
import traitlets

from explorer.errors import ConfigError
from explorer.views.wire import BYTES, esm, from_wire, image_bytes

log = logging.getLogger("explorer.views")


class ManifoldImage(anywidget.AnyWidget):
    """A (height × width) grey picture shown ``display_width`` CSS pixels wide, with a marker."""

    _esm = traitlets.Unicode(esm("latent_manifold.js")).tag(sync=True)
    image = traitlets.Bytes(b"", help="height × width uint8 grey levels, row-major").tag(
        sync=True, **BYTES
    )
    width = traitlets.Int(0, help="picture width in pixels").tag(sync=True)
    height = traitlets.Int(0, help="picture height in pixels").tag(sync=True)
    display_width = traitlets.Int(480, help="shown width in CSS pixels").tag(sync=True)
    cells = traitlets.Int(1, help="digits per row of the picture (sizes the marker)").tag(sync=True)
    marker = traitlets.List(
        traitlets.Float(), default_value=[], help="[] (hidden) or [x, y] as fractions in [0, 1]"
    ).tag(sync=True)
    version = traitlets.Int(0, help="bumped on each new picture; the browser redraws").tag(
        sync=True
    )

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.add_class("explorer-manifold-widget")

    @traitlets.validate("image")
    def _check_image(self, proposal: dict) -> bytes:
        return from_wire(proposal["value"])

    @traitlets.validate("marker")
    def _check_marker(self, proposal: dict) -> list[float]:
        value = list(proposal["value"])
        if len(value) not in (0, 2):
            raise traitlets.TraitError("marker is [] or [x, y]")
        return [float(min(1.0, max(0.0, v))) for v in value]

    def show(self, picture: np.ndarray, cells: int | None = None) -> None:
        """Show a (H, W) picture with values in [0, 1] (or uint8) in one message."""
        array = np.asarray(picture)
        if array.ndim != 2 or array.size == 0:
            raise ConfigError(f"a manifold picture is a non-empty (H, W) array, got {array.shape}")
        with self.hold_sync():
            self.image = image_bytes(np.ascontiguousarray(array), what="the manifold picture")
            self.height, self.width = (int(n) for n in array.shape)
            if cells is not None:
                self.cells = int(cells)
            self.version += 1

    def show_marker(self, x: float | None, y: float | None = None) -> None:
        """Put the marker at fractions (x, y) of the picture; ``None`` or outside hides it."""
        if x is None or y is None or not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            if self.marker:
                self.marker = []
            return
        self.marker = [float(x), float(y)]

    @property
    def array(self) -> np.ndarray:
        """The shown picture as (H, W) float32 in [0, 1]."""
        flat = np.frombuffer(self.image, dtype=np.uint8).astype(np.float32) / 255.0
        return flat.reshape(self.height, self.width)


Click = dict[str, float]  # {"fx", "fy": fractions of the data area from its top-left, "width_px"}


class PlaneClicks(anywidget.AnyWidget):
    """Listens for clicks and taps on the plotly plot with CSS class ``plot_class`` inside the same
    app (the element with class ``app_class`` that holds this widget), and reports each one.

    A click is a pointer press and release less than 6 screen pixels apart on the plot's data
    area (plotly's ``.nsewdrag`` rectangle). It arrives as ``{"fx", "fy", "width_px",
    "height_px"}``: where, as fractions of the data area from its top-left corner, and the area's
    size in screen pixels. The widget shows nothing itself.
    """

    _esm = traitlets.Unicode(esm("plane_clicks.js")).tag(sync=True)
    plot_class = traitlets.Unicode("", help="CSS class of the plotly FigureWidget").tag(sync=True)
    app_class = traitlets.Unicode("", help="CSS class of the app that holds both").tag(sync=True)

    def __init__(self, plot_class: str, app_class: str,
                 on_click: Callable[[Click], Any] | None = None) -> None:
        super().__init__(plot_class=plot_class, app_class=app_class)
        self.add_class("explorer-plane-clicks")
        self.on_click = on_click
        self.on_msg(self._on_custom_msg)

    def _on_custom_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("kind") == "click":
            try:
                self.receive(content)
            except ConfigError:  # a malformed message from the page: logged, not shown
                log.warning("ignored a malformed click message: %r", content)

    def receive(self, content: dict) -> None:
        """Handle one click message (what the browser sends; tests call this directly)."""
        try:
            click = {key: float(content[key]) for key in ("fx", "fy", "width_px", "height_px")}
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"a click message needs fx, fy, width_px, height_px: {exc}") from exc
        if self.on_click is not None:
            self.on_click(click)
