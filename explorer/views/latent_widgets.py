"""Widgets for latent-variable views.

- :class:`ManifoldImage`: a grey picture with a movable marker. The picture (e.g. the decoded
  manifold of a 2-D VAE, fig. 20.6) crosses the wire once as ``bytes`` (one uint8 per pixel,
  :func:`~explorer.views.wire.image_bytes`); moving the marker sends two floats.
- :class:`LatentPlane`: a 2-D plane of points, pins, a segment and contours on one canvas (no
  plotly bundle to load), reporting hovers and clicks as the pointer's own position on its data
  area. (Plotly's click event carried the last *hovered* point, which lagged the pointer when a
  click followed a move closely and was missing on a touch screen's first tap; read from the
  pointer event itself, a click has neither problem.)

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
from explorer.views.wire import (
    BYTES,
    esm,
    float32_bytes,
    from_float32_bytes,
    from_wire,
    image_bytes,
)

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


def pointer_message(content: dict) -> Click:
    """A pointer message from the page -> {"fx", "fy", "width_px", "height_px"} as floats."""
    try:
        return {key: float(content[key]) for key in ("fx", "fy", "width_px", "height_px")}
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"a {content.get('kind', 'pointer')} message needs fx, fy, width_px, height_px: {exc}"
        ) from exc


class LatentPlane(anywidget.AnyWidget):
    """A 2-D latent plane drawn on one canvas: no plotly bundle to load.

    What it draws (all in plane coordinates, the square [−extent, extent]²): a shading (uint8
    levels, row 0 = lowest z₂), points coloured by label (float32 pairs and one uint8 label each,
    with an HTML legend), a dashed square, pins (stars with letters), a segment with a marked
    point, and contours (polylines of ``contour_points`` points each) with a cross.

    With ``interactive`` set, the pointer over the data area is reported as ``on_hover(click)``
    (at most one message per animation frame, only when the pointer moved to another pixel) and
    ``on_click(click)`` (a press and release less than 6 screen pixels apart), each as
    :data:`Click` fractions of the data area; the kernel decides what lies there. The tooltip
    over a point (``point_names``, e.g. ``"test #{i} (a {label})"``) is drawn by the page.
    """

    _esm = traitlets.Unicode(esm("latent_plane.js")).tag(sync=True)
    points = traitlets.Bytes(b"", help="float32 (x, y) pairs").tag(sync=True, **BYTES)
    labels = traitlets.Bytes(b"", help="one uint8 label per point").tag(sync=True, **BYTES)
    colours = traitlets.List(traitlets.Unicode(), [], help="colour of each label").tag(sync=True)
    legend_title = traitlets.Unicode("", help="legend heading; empty = no legend").tag(sync=True)
    point_names = traitlets.Unicode("", help="tooltip over a point, {i} and {label}").tag(
        sync=True)
    dot_radius = traitlets.Float(3.0, help="points' radius in CSS pixels").tag(sync=True)
    shade = traitlets.Bytes(b"", help="shade_side² uint8, row 0 = lowest z2").tag(
        sync=True, **BYTES)
    shade_side = traitlets.Int(0).tag(sync=True)
    extent = traitlets.Float(4.0, help="the plane shows [−extent, extent]²").tag(sync=True)
    square = traitlets.Float(0.0, help="half side of a dashed square; 0 = none").tag(sync=True)
    pins = traitlets.Bytes(b"", help="float32 (x, y) pairs").tag(sync=True, **BYTES)
    pin_letters = traitlets.List(traitlets.Unicode(), []).tag(sync=True)
    segment = traitlets.List(traitlets.Float(), [], help="[] or [x0, y0, x1, y1]").tag(sync=True)
    marker = traitlets.List(traitlets.Float(), [], help="[] or [x, y]: a point on the segment").tag(
        sync=True)
    contours = traitlets.Bytes(b"", help="float32 (x, y) pairs, contour after contour").tag(
        sync=True, **BYTES)
    contour_points = traitlets.Int(0, help="points per contour").tag(sync=True)
    contour_dashes = traitlets.List(traitlets.Bool(), [], help="dotted? per contour").tag(
        sync=True)
    cross = traitlets.List(traitlets.Float(), [], help="[] or [x, y]").tag(sync=True)
    size = traitlets.Int(400, help="the data area's side in CSS pixels").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    x_label = traitlets.Unicode("z₁").tag(sync=True)
    y_label = traitlets.Unicode("z₂").tag(sync=True)
    interactive = traitlets.Bool(False, help="report hovers and clicks").tag(sync=True)
    version = traitlets.Int(0, help="bumped with new points or shading").tag(sync=True)

    def __init__(self, on_hover: Callable[[Click], Any] | None = None,
                 on_click: Callable[[Click], Any] | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.add_class("explorer-latent-plane-widget")
        self.on_hover, self.on_click = on_hover, on_click
        self.on_msg(self._on_custom_msg)

    # -- what is drawn ------------------------------------------------------------------
    def show_points(self, xy: np.ndarray, labels: np.ndarray | None = None,
                    shade: np.ndarray | None = None) -> None:
        """New points (n, 2), their labels (n,) and, if given, a new (side, side) shading in
        [0, 1] (row 0 = lowest z₂), in one message."""
        xy = np.asarray(xy, np.float32).reshape(-1, 2)
        labels = np.zeros(len(xy), np.uint8) if labels is None else np.asarray(labels)
        if labels.shape != (len(xy),):
            raise ConfigError(f"{len(xy)} points need {len(xy)} labels, got {labels.shape}")
        with self.hold_sync():
            self.points = float32_bytes(xy, 2)
            self.labels = labels.astype(np.uint8).tobytes()
            if shade is not None:
                shade = np.asarray(shade)
                if shade.ndim != 2 or shade.shape[0] != shade.shape[1]:
                    raise ConfigError(f"a shading is a square (side, side) array, got "
                                      f"{shade.shape}")
                self.shade = image_bytes(shade, what="the shading")
                self.shade_side = int(shade.shape[0])
            self.version += 1

    def show_pins(self, xy: np.ndarray, letters: list[str]) -> None:
        xy = np.asarray(xy, np.float32).reshape(-1, 2)
        if len(letters) != len(xy):
            raise ConfigError(f"{len(xy)} pins need {len(xy)} letters, got {len(letters)}")
        with self.hold_sync():
            self.pins = float32_bytes(xy, 2)
            self.pin_letters = list(letters)

    def show_segment(self, segment: list[float], marker: list[float]) -> None:
        with self.hold_sync():
            self.segment = [float(v) for v in segment]
            self.marker = [float(v) for v in marker]

    def show_contours(self, contours: list[np.ndarray], dotted: list[bool],
                      cross: list[float]) -> None:
        """Polylines, each (m, 2) with the same m, and a cross at ``cross`` ([] = none)."""
        arrays = [np.asarray(c, np.float32).reshape(-1, 2) for c in contours]
        if len({len(a) for a in arrays}) > 1 or len(dotted) != len(arrays):
            raise ConfigError("contours need one length and one dotted flag each")
        with self.hold_sync():
            self.contours = float32_bytes(np.concatenate(arrays) if arrays else
                                          np.zeros((0, 2), np.float32), 2)
            self.contour_points = len(arrays[0]) if arrays else 0
            self.contour_dashes = [bool(d) for d in dotted]
            self.cross = [float(v) for v in cross]

    # -- read back (tests; the same arrays the page draws) --------------------------------
    @property
    def points_array(self) -> np.ndarray:
        return from_float32_bytes(self.points)

    @property
    def labels_array(self) -> np.ndarray:
        return np.frombuffer(from_wire(self.labels), np.uint8).copy()

    @property
    def pins_array(self) -> np.ndarray:
        return from_float32_bytes(self.pins)

    @property
    def contours_array(self) -> np.ndarray:
        """(n_contours, contour_points, 2)."""
        flat = from_float32_bytes(self.contours)
        return flat.reshape(-1, max(1, self.contour_points), 2)

    # -- pointer --------------------------------------------------------------------------
    def _on_custom_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("kind") in ("hover", "click"):
            try:
                self.receive(content)
            except ConfigError:  # a malformed message from the page: logged, not shown
                log.warning("ignored a malformed pointer message: %r", content)

    def receive(self, content: dict) -> None:
        """Handle one pointer message (what the browser sends; tests call this directly)."""
        where = pointer_message(content)
        handler = self.on_click if content.get("kind") == "click" else self.on_hover
        if handler is not None:
            handler(where)
