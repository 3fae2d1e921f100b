"""The latent plane: its constants, the widget, and what a hover or click means.

The plane is a :class:`~explorer.views.latent_widgets.LatentPlane` canvas with a fixed range
[−PLANE, PLANE]² (no plotly: its 5 MB bundle cost the page ~1.5–2 s to load and compile). The
page reports where the pointer is, as fractions of the data area, for hovers (one per animation
frame at most, then throttled here by :class:`Throttle`) and clicks (the pointer's own position,
so a click never pins a lagging hovered point, and a first tap works). This module says what lies
there: a test dot within ``PICK_PX`` screen pixels, else the code z (hovers on the empty plane
snap to the prior's grid, 0.05 apart).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from explorer.views.charts import PALETTE
from explorer.views.latent_widgets import Click, LatentPlane

PLANE = 4.0  # the latent plane shows [−PLANE, PLANE]²
PRIOR_GRID = 161  # hover resolution on empty plane: 8 / 160 = 0.05
GRID_SIDE = 20  # the decoded manifold: GRID_SIDE × GRID_SIDE digits
EDGE_Z = float(torch.special.ndtri(torch.tensor(1 - 0.5 / GRID_SIDE, dtype=torch.float64)))
HOVER_INTERVAL_S = 0.025  # at most 40 decodes a second from hover
PICK_PX = 6.0  # a pointer within this many screen pixels of a test dot hovers / pins that digit
PLANE_PX = 520  # the plane's data area, CSS pixels


class Throttle:
    """Calls ``fn(*args)`` at most once per ``interval`` seconds, never dropping the last call.

    Hover messages and slider drags arrive as fast as the mouse moves. Inside the kernel's
    running event loop a call that comes too soon is kept, and the latest kept call is delivered
    (``loop.call_later``) when the interval is over, so the final hover position is always shown.
    Outside a running loop (tests, scripts) every call is delivered at once.
    """

    def __init__(self, fn: Callable[..., Any], interval: float) -> None:
        self.fn = fn
        self.interval = interval
        self._last = -math.inf
        self._pending: tuple | None = None
        self._handle: asyncio.TimerHandle | None = None

    def __call__(self, *args: Any) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            self._deliver(args)
            return
        self._pending = args
        if self._handle is not None:
            return
        wait = self._last + self.interval - time.perf_counter()
        if wait <= 0:
            self._flush()
        else:
            self._handle = loop.call_later(wait, self._flush)

    def _flush(self) -> None:
        self._handle = None
        args, self._pending = self._pending, None
        if args is not None:
            self._deliver(args)

    def _deliver(self, args: tuple) -> None:
        self._last = time.perf_counter()
        self.fn(*args)


def ellipse(mu: np.ndarray, sigma: np.ndarray, k: float, n: int = 73) -> tuple[np.ndarray, ...]:
    """Points of the axis-aligned ellipse μ + k·σ ⊙ (cos t, sin t): the k-σ contour of q(z|x)."""
    t = np.linspace(0.0, 2.0 * np.pi, n)
    return (
        (mu[0] + k * sigma[0] * np.cos(t)).astype(np.float32),
        (mu[1] + k * sigma[1] * np.sin(t)).astype(np.float32),
    )


def click_to_z(fx: float, fy: float) -> np.ndarray:
    """A click at fractions (fx, fy) of the plot area (from its top-left) -> the code z there."""
    fx, fy = min(1.0, max(0.0, float(fx))), min(1.0, max(0.0, float(fy)))
    return np.array([-PLANE + 2 * PLANE * fx, PLANE - 2 * PLANE * fy], np.float32)


def nearest_dot(points: np.ndarray, z: np.ndarray, radius: float) -> int | None:
    """Index of the point of ``points`` (N, 2) nearest to ``z`` if within ``radius``, else None
    (the page's tooltip picks the same way, in screen pixels)."""
    if len(points) == 0:
        return None
    d2 = ((points - np.asarray(z, np.float32)[None]) ** 2).sum(1)
    best = int(d2.argmin())
    return best if d2[best] <= radius * radius else None


def snap_to_grid(z: np.ndarray) -> np.ndarray:
    """z rounded to the prior's grid (PRIOR_GRID points across [−PLANE, PLANE], 0.05 apart):
    the resolution of a hover on the empty plane."""
    step = 2 * PLANE / (PRIOR_GRID - 1)
    snapped = np.round(np.asarray(z, np.float64) / step) * step
    return np.clip(snapped, -PLANE, PLANE).astype(np.float32)


def pick_radius(width_px: float) -> float:
    """``PICK_PX`` screen pixels in plane units, on a data area ``width_px`` pixels wide."""
    return PICK_PX * 2 * PLANE / max(1.0, float(width_px))


def point_at(click: Click, points: np.ndarray) -> tuple[np.ndarray, int | None]:
    """What lies under a pointer at fractions (fx, fy) of the data area: (z there, the index of
    the point of ``points`` within ``PICK_PX`` screen pixels or None)."""
    z = click_to_z(click["fx"], click["fy"])
    return z, nearest_dot(points, z, pick_radius(click["width_px"]))


def prior_shade() -> np.ndarray:
    """The prior's density on the grid, relative to its peak: exp(−|z|²/2), (PRIOR_GRID,
    PRIOR_GRID), row 0 = lowest z₂ (the plane's blue shading)."""
    grid = np.linspace(-PLANE, PLANE, PRIOR_GRID, dtype=np.float32)
    return np.exp(-0.5 * (grid[None, :] ** 2 + grid[:, None] ** 2)).astype(np.float32)


def make_plane(test_mu: np.ndarray, labels: np.ndarray, on_hover: Callable[[Click], Any],
               on_click: Callable[[Click], Any]) -> LatentPlane:
    """The big plane: the prior's shading, the test μ by label (legend), the manifold's square;
    the app adds pins, the A → B line with z_α and the drawn digit's q(z|x)."""
    widget = LatentPlane(
        on_hover=on_hover, on_click=on_click, interactive=True, extent=PLANE, square=EDGE_Z,
        size=PLANE_PX, colours=list(PALETTE), legend_title="label",
        point_names="test #{i} (a {label})", dot_radius=3.0)
    widget.show_points(test_mu, labels, shade=prior_shade())
    widget.add_class("explorer-vae-plane")
    return widget
