"""The latent plane: its constants, trace indices, the figure, and what a hover or click means.

The plane is a plotly FigureWidget with a fixed range [−PLANE, PLANE]². Hovers come from plotly
(throttled by :class:`Throttle`); clicks come from :class:`~explorer.views.latent_widgets.
PlaneClicks`, which reads the pointer's own position on the plot area, because plotly's click
event carries the last *hovered* point, which lags the pointer (and is absent on a first tap).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go
import torch

from explorer.views.charts import PALETTE

PLANE = 4.0  # the latent plane shows [−PLANE, PLANE]²
PRIOR_GRID = 161  # hover resolution on empty plane: 8 / 160 = 0.05
GRID_SIDE = 20  # the decoded manifold: GRID_SIDE × GRID_SIDE digits
EDGE_Z = float(torch.special.ndtri(torch.tensor(1 - 0.5 / GRID_SIDE, dtype=torch.float64)))
HOVER_INTERVAL_S = 0.025  # at most 40 decodes a second from hover
PICK_PX = 6.0  # a click within this many screen pixels of a test dot pins that digit

# Traces of the plane figure.
T_PRIOR = 0
T_DIGITS = 1  # ten traces, one per label
T_REGION = 11
T_PINS = 12
T_PATH = 13
T_ALPHA = 14
T_ELLIPSE2 = 15
T_ELLIPSE1 = 16
T_MEAN = 17


class Throttle:
    """Calls ``fn(*args)`` at most once per ``interval`` seconds, never dropping the last call.

    Plotly hover events and slider drags arrive as fast as the mouse moves. Inside the kernel's
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
    """Index of the point of ``points`` (N, 2) nearest to ``z`` if within ``radius``, else None:
    what plotly's ``hovermode="closest"`` with ``hoverdistance`` picks."""
    if len(points) == 0:
        return None
    d2 = ((points - np.asarray(z, np.float32)[None]) ** 2).sum(1)
    best = int(d2.argmin())
    return best if d2[best] <= radius * radius else None


def plane_figure(
    test_mu: np.ndarray,
    digit_rows: list[np.ndarray],
    pins_xy: tuple,
    path_xy: tuple,
    drawn_xy: tuple,
) -> go.Figure:
    """The plane: the prior's shading, the test μ by label, the manifold's square, the pins, the
    A → B line with z_α, and the drawn digit's q(z|x) (2σ, 1σ ellipses and μ)."""
    grid = np.linspace(-PLANE, PLANE, PRIOR_GRID, dtype=np.float32)
    prior = np.exp(-0.5 * (grid[None, :] ** 2 + grid[:, None] ** 2)).astype(np.float32)
    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        x=grid, y=grid, z=prior, colorscale=[[0, "#ffffff"], [1, "#d3e0f2"]],
        showscale=False, hoverinfo="none", name="prior N(0, I)"))
    for d in range(10):
        rows = digit_rows[d]
        fig.add_trace(go.Scatter(
            x=test_mu[rows, 0], y=test_mu[rows, 1], mode="markers", name=str(d),
            marker=dict(size=6, color=PALETTE[d], opacity=0.8,
                        line=dict(width=0.5, color="white")),
            customdata=rows, hovertemplate=f"test #%{{customdata}} (a {d})<extra></extra>"))
    e = EDGE_Z
    fig.add_trace(go.Scatter(
        x=[-e, e, e, -e, -e], y=[-e, -e, e, e, -e], mode="lines", hoverinfo="skip",
        line=dict(color="#555", width=1, dash="dash"), name="manifold grid", showlegend=False))
    px, py, ptext = pins_xy
    fig.add_trace(go.Scatter(
        x=px, y=py, text=ptext, mode="markers+text", textposition="top center",
        marker=dict(size=13, symbol="star", color="#ffd60a", line=dict(width=1.2,
                    color="black")), textfont=dict(size=15, color="black"), hoverinfo="skip",
        name="pins", showlegend=False))
    lx, ly, ax, ay = path_xy
    fig.add_trace(go.Scatter(x=lx, y=ly, mode="lines", hoverinfo="skip", showlegend=False,
                             line=dict(color="black", width=2), name="A → B"))
    fig.add_trace(go.Scatter(x=ax, y=ay, mode="markers", hoverinfo="skip", showlegend=False,
                             marker=dict(size=12, color="white", line=dict(width=2.5,
                                         color="black")), name="z_α"))
    ex2, ey2, ex1, ey1, mx, my = drawn_xy
    fig.add_trace(go.Scatter(x=ex2, y=ey2, mode="lines", hoverinfo="skip", showlegend=False,
                             line=dict(color="#111", width=1.5, dash="dot"), name="2σ"))
    fig.add_trace(go.Scatter(x=ex1, y=ey1, mode="lines", hoverinfo="skip", showlegend=False,
                             line=dict(color="#111", width=2), name="1σ"))
    fig.add_trace(go.Scatter(x=mx, y=my, mode="markers", hoverinfo="skip", showlegend=False,
                             marker=dict(size=11, symbol="x-thin", color="#111",
                                         line=dict(width=2.5, color="#111")),
                             name="μ of your digit"))
    fig.update_xaxes(range=[-PLANE, PLANE], fixedrange=True, title_text="z₁", zeroline=False,
                     constrain="domain", showgrid=False)
    fig.update_yaxes(range=[-PLANE, PLANE], fixedrange=True, title_text="z₂", zeroline=False,
                     scaleanchor="x", scaleratio=1, constrain="domain", showgrid=False)
    fig.update_layout(
        width=590, height=625, margin=dict(l=50, r=10, t=10, b=85), plot_bgcolor="white",
        # a dot is picked only right under the cursor (6 px); elsewhere the prior's fine grid
        # answers, so hovering in the crowded centre still decodes the z under the cursor
        hovermode="closest", hoverdistance=int(PICK_PX), dragmode=False, font=dict(size=14),
        legend=dict(orientation="h", yref="container", yanchor="bottom", y=0.0, x=0.0,
                    title_text="label "),  # container-anchored: no margin feedback loop
    )
    return fig
