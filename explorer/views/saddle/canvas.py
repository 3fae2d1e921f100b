"""The saddle-point app's picture: one anywidget with two canvases, the (a, b) plane and ‖z_t‖.

No plotly: the page loads no 5 MB bundle and an animation frame is a few kilobytes of float32
bytes painted by ``static/saddle_canvas.js``. The static layers (the shading of v as RGB bytes,
level sets and arrows of −F as NaN-separated float32 polylines, titles, legend words) are traits
set only when the game or field changes; a frame (:meth:`SaddleCanvas.frame`) sets only the
trajectories, heads and norm curves. Per method the data are concatenated in the order of
``methods`` (the ticked ones), with a count per method.

Flow control as in the GAN and DAE planes: every update bumps ``version``; the browser paints in
``requestAnimationFrame`` and sets ``painted`` to the version it painted. A click on the plane
arrives as a custom message ``{"kind": "click", "a", "b"}`` (data coordinates, not yet snapped).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import anywidget
import numpy as np
import traitlets

from explorer.errors import ConfigError
from explorer.views.wire import BYTES, esm, from_wire

log = logging.getLogger("explorer.views")
Pairs = tuple[np.ndarray, np.ndarray]


def pairs_bytes(parts: list[Pairs]) -> tuple[bytes, list[int]]:
    """(x, y) arrays per method → one float32 (x, y, x, y, …) blob and the count per method."""
    counts = [int(len(x)) for x, _y in parts]
    if not parts or not sum(counts):
        return b"", counts
    xy = np.concatenate([np.stack([np.asarray(x, np.float32), np.asarray(y, np.float32)], 1)
                         .reshape(-1, 2) for x, y in parts])
    return np.ascontiguousarray(xy, np.float32).tobytes(), counts


class SaddleCanvas(anywidget.AnyWidget):
    """The plane and the ‖z_t‖ panel (module docstring)."""

    _esm = traitlets.Unicode(esm("saddle_canvas.js")).tag(sync=True)
    # -- static layers: sent when the game, the field or the ticked methods change -------------
    half = traitlets.Float(3.0, help="the plane shows [−half, half]²").tag(sync=True)
    shade = traitlets.Bytes(b"", help="shade_n × shade_n × 3 uint8 RGB, row 0 = top").tag(
        sync=True, **BYTES)
    shade_n = traitlets.Int(0).tag(sync=True)
    shade_opacity = traitlets.Float(0.35).tag(sync=True)
    levels = traitlets.Bytes(b"", help="float32 (x, y) pairs, NaN between lines").tag(
        sync=True, **BYTES)
    arrows = traitlets.Bytes(b"", help="float32 (x, y) pairs, NaN between strokes").tag(
        sync=True, **BYTES)
    plane_title = traitlets.Unicode("").tag(sync=True)
    x_title = traitlets.Unicode("").tag(sync=True)
    y_title = traitlets.Unicode("").tag(sync=True)
    norm_title = traitlets.Unicode("").tag(sync=True)
    legend = traitlets.Dict(help="words of the legend: arrows, clip, circle, start").tag(sync=True)
    labels = traitlets.Dict(help="method → its name").tag(sync=True)
    colours = traitlets.Dict(help="method → its colour").tag(sync=True)
    methods = traitlets.List(traitlets.Unicode(), help="the ticked methods, drawn in this order"
                             ).tag(sync=True)
    start = traitlets.List(traitlets.Float(), [0.0, 0.0]).tag(sync=True)
    clip = traitlets.Float(0.0, help="the WGAN clip c (lines ψ = ±c), 0: none").tag(sync=True)
    steps = traitlets.Int(1, help="the norm panel's t axis runs 0..steps").tag(sync=True)
    log_range = traitlets.List(traitlets.Float(), [-3.0, 1.0], help="log10 of ‖z‖: lo, hi").tag(
        sync=True)
    pred = traitlets.Bytes(b"", help="float32 (t, ‖z‖) dots of the closed forms").tag(
        sync=True, **BYTES)
    pred_counts = traitlets.List(traitlets.Int()).tag(sync=True)
    # -- animated: every frame -------------------------------------------------------------
    traj = traitlets.Bytes(b"", help="float32 (a, b) pairs of every trajectory").tag(
        sync=True, **BYTES)
    traj_counts = traitlets.List(traitlets.Int()).tag(sync=True)
    norm = traitlets.Bytes(b"", help="float32 (t, ‖z_t‖) pairs, NaN for ≈ 0").tag(
        sync=True, **BYTES)
    norm_counts = traitlets.List(traitlets.Int()).tag(sync=True)
    heads = traitlets.Bytes(b"", help="float32 (a, b) of each trajectory's current point").tag(
        sync=True, **BYTES)
    version = traitlets.Int(0).tag(sync=True)
    painted = traitlets.Int(0, help="the last version the browser painted").tag(sync=True)

    def __init__(self, on_click: Callable[[float, float], Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("explorer-saddle-canvas-widget")
        self.on_click = on_click
        self.on_msg(self._on_custom_msg)

    # -- what the app sends ------------------------------------------------------------------
    def frame(self, traj: list[Pairs], norm: list[Pairs], heads: Pairs) -> None:
        """One animation frame: trajectories, norm curves and heads (per method in ``methods``
        order), in one message."""
        with self.hold_sync():
            self.set_frame(traj, norm, heads)
            self.version += 1

    def set_frame(self, traj: list[Pairs], norm: list[Pairs], heads: Pairs) -> None:
        self.traj, self.traj_counts = pairs_bytes(traj)
        self.norm, self.norm_counts = pairs_bytes(norm)
        self.heads, _ = pairs_bytes([heads])

    def frames_behind(self) -> int:
        """Frames sent but not yet painted (0 when no browser ever painted)."""
        return 0 if self.painted == 0 else self.version - self.painted

    # -- clicks --------------------------------------------------------------------------------
    def _on_custom_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("kind") == "click":
            try:
                self.receive(content)
            except ConfigError:  # a malformed message from the page: logged, not shown
                log.warning("ignored a malformed click message: %r", content)

    def receive(self, content: dict) -> None:
        """One click message from the page (tests call this directly)."""
        try:
            a, b = float(content["a"]), float(content["b"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"a click message needs a and b: {exc}") from exc
        if self.on_click is not None:
            self.on_click(a, b)

    # -- what is drawn, read back (tests) ------------------------------------------------------
    def _split(self, blob: object, counts: list[int], method: str) -> np.ndarray:
        xy = np.frombuffer(from_wire(blob), dtype=np.float32).reshape(-1, 2)
        if method not in self.methods:
            return np.zeros((0, 2), np.float32)
        i = self.methods.index(method)
        first = sum(counts[:i])
        return xy[first:first + counts[i]]

    def path(self, method: str) -> np.ndarray:
        """The drawn trajectory of ``method`` as (n, 2) float32 (empty when not ticked)."""
        return self._split(self.traj, self.traj_counts, method)

    def norm_curve(self, method: str) -> np.ndarray:
        """The drawn (t, ‖z_t‖) of ``method`` as (n, 2)."""
        return self._split(self.norm, self.norm_counts, method)

    def pred_dots(self, method: str) -> np.ndarray:
        """The closed form's dots of ``method`` as (n, 2) (empty when it has none)."""
        return self._split(self.pred, self.pred_counts, method)

    def head_points(self) -> np.ndarray:
        return np.frombuffer(from_wire(self.heads), dtype=np.float32).reshape(-1, 2)
