"""What the saddle-point app draws: one plotly FigureWidget, the (a, b) plane and ‖z_t‖.

The shading of v is a layout image, not a heatmap trace: a ``Plotly.animate`` frame with
``redraw: false`` (:func:`~explorer.views.plotly_hooks.fast_frame`) re-plots only the animated
scatter traces, and plotly.js removes every other trace *layer* of the subplot while doing so —
the heatmap vanished during Play and after Reset until the next full redraw. A layout image is
not a trace and survives animation frames. A transparent heatmap stays on top of it to catch
clicks (plotly computes hover and click from its data, not from its layer).
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale, sample_colorscale
from plotly.subplots import make_subplots

from explorer.games import METHOD_LABELS, METHODS, GameField, field_arrays
from explorer.imaging import png_bytes
from explorer.views import plotly_hooks
from explorer.views.saddle import text

COLOURS = {
    "flow": "#222222",
    "simgd": "#d62728",
    "altgd": "#1f77b4",
    "extragradient": "#2ca02c",
    "optimistic": "#9467bd",
    "consensus": "#ff7f0e",
    "momentum": "#8c564b",
    "altmomentum": "#17becf",
}
PLANE = 3.0  # the plane shows [−PLANE, PLANE]²
GRID = 61  # click grid: a start snaps to 6/60 = 0.1
SHADE = 121  # pixels a side of the shading image (the browser smooths it)
SHADE_OPACITY = 0.35
LEVELS = (0.25, 0.5, 1.0, 2.0, 4.0)  # level sets ab = ±c (both games' values depend on ab only)
_CLEAR = [[0.0, "rgba(0,0,0,0)"], [1.0, "rgba(0,0,0,0)"]]


@dataclass(frozen=True)
class Traces:
    """The figure's trace order (fixed). Few traces: plotly.js re-does defaults for every trace
    on every frame."""

    CLICK: int = 0  # transparent heatmap: catches clicks anywhere on the plane
    LEVELS: int = 1
    ARROWS: int = 2
    CLIP: int = 3
    CIRCLE: int = 4
    TRAJ: int = 5  # + i for METHODS[i]
    HEADS: int = 5 + len(METHODS)
    START: int = 6 + len(METHODS)
    NORM: int = 7 + len(METHODS)  # + i
    PRED: int = 7 + 2 * len(METHODS)  # one trace: every closed form as a dotted line


T = Traces()


def arrow_segments(field: GameField, half: float, n: int = 13) -> tuple[np.ndarray, np.ndarray]:
    """Unit arrows along −F (where the flow ż = −F goes) on an n×n grid, as one NaN-separated
    line: for each arrow tail → tip, then the two barbs at the tip."""
    g = np.linspace(-0.9 * half, 0.9 * half, n)
    A, B = np.meshgrid(g, g)
    fa, fb = field_arrays(field, A, B)
    da, db = -fa, -fb
    size = np.hypot(da, db)
    keep = size > 1e-9
    da = np.where(keep, da / np.where(keep, size, 1.0), 0.0)
    db = np.where(keep, db / np.where(keep, size, 1.0), 0.0)
    length, barb = 0.09 * half, 0.035 * half
    xs: list[float] = []
    ys: list[float] = []
    c, s = math.cos(0.5), math.sin(0.5)
    for a, b, ua, ub, k in zip(
        A.ravel(), B.ravel(), da.ravel(), db.ravel(), keep.ravel(), strict=True
    ):
        if not k:
            continue
        ta, tb = a + 0.5 * length * ua, b + 0.5 * length * ub
        sa, sb = a - 0.5 * length * ua, b - 0.5 * length * ub
        # barbs: −u rotated by ±0.5 rad
        b1 = (ta + barb * (-ua * c + ub * s), tb + barb * (-ua * s - ub * c))
        b2 = (ta + barb * (-ua * c - ub * s), tb + barb * (ua * s - ub * c))
        xs += [sa, ta, math.nan, b1[0], ta, b2[0], math.nan]
        ys += [sb, tb, math.nan, b1[1], tb, b2[1], math.nan]
    return np.array(xs, dtype=np.float32), np.array(ys, dtype=np.float32)


def level_sets(half: float, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """The hyperbolas ab = ±c for c in ``LEVELS`` inside [−half, half]², one NaN-separated line.
    v(a, b) = ab and the Dirac-GAN's f(θψ) + f(0) both depend on the product only."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    gap = np.array([np.nan])
    for c in LEVELS:
        a = np.geomspace(c / half, half, n)
        for sa, sb in ((1, 1), (-1, -1), (1, -1), (-1, 1)):
            xs += [sa * a, gap]
            ys += [sb * c / a, gap]
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.float32)


def _palette() -> np.ndarray:
    colours = sample_colorscale(get_colorscale("RdBu_r"), list(np.linspace(0.0, 1.0, 256)))
    rgb = [[float(v) for v in c[c.index("(") + 1 : -1].split(",")[:3]] for c in colours]
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


_PALETTE = _palette()


def shading_rgb(field: GameField, half: float = PLANE, n: int = SHADE) -> np.ndarray:
    """v on an n×n grid as RGB (n, n, 3), row 0 at the top (b = +half): RdBu_r, white at the
    median value, red above it, blue below, scaled by the largest distance from it."""
    g = np.linspace(-half, half, n)
    A, B = np.meshgrid(g, g)
    value = field.value(A, B)
    mid = float(np.median(value))
    span = float(np.abs(value - mid).max()) or 1.0
    u = np.clip(0.5 + 0.5 * (value - mid) / span, 0.0, 1.0)
    return _PALETTE[np.rint(u * 255).astype(int)][::-1]


def shading_image(field: GameField) -> dict:
    """The layout image of v over the plane (a PNG data URI)."""
    png = png_bytes(shading_rgb(field))
    source = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return dict(
        source=source,
        xref="x",
        yref="y",
        x=-PLANE,
        y=PLANE,
        sizex=2 * PLANE,
        sizey=2 * PLANE,
        xanchor="left",
        yanchor="top",
        sizing="stretch",
        opacity=SHADE_OPACITY,
        layer="below",
        name="v",
    )


def circle(r: float) -> tuple[np.ndarray, np.ndarray]:
    phi = np.linspace(0.0, 2.0 * np.pi, 181)
    return (r * np.cos(phi)).astype(np.float32), (r * np.sin(phi)).astype(np.float32)


def clip_lines(c: float | None) -> tuple[list, list]:
    """The lines ψ = ±c (none when ψ is not clipped)."""
    if c is None:
        return [], []
    return [-PLANE, PLANE, None, -PLANE, PLANE], [c, c, None, -c, -c]


def _line(x, y, colour: str, width: float, **kw) -> go.Scatter:
    return go.Scatter(x=x, y=y, mode="lines", line=dict(color=colour, width=width), **kw)


def build_figure(game: str, field: GameField, start: tuple[float, float], clip: float | None,
                 steps: int, log_range: list[float]) -> go.FigureWidget:
    """The empty figure for ``game``: background, start, circle; the trajectories, heads,
    norms and closed forms are filled by the app (:mod:`explorer.views.saddle.payload`)."""
    xt, yt, title = text.PLANE_TITLES[game]
    fig = make_subplots(rows=1, cols=2, column_widths=[0.5, 0.5], horizontal_spacing=0.09,
                        subplot_titles=(title, text.NORM_TITLE))
    g = np.linspace(-PLANE, PLANE, GRID)
    fig.add_trace(  # invisible: it catches clicks anywhere on the plane
        go.Heatmap(x=g, y=g, z=np.zeros((GRID, GRID), np.float32), colorscale=_CLEAR,
                   showscale=False, hovertemplate="start here: (%{x:.1f}, %{y:.1f})<extra></extra>",
                   name="click"),
        row=1, col=1,
    )
    lx, ly = level_sets(PLANE)
    fig.add_trace(_line(lx, ly, "#8a8a8a", 0.8, hoverinfo="skip", name="level sets",
                        showlegend=False), row=1, col=1)
    ax, ay = arrow_segments(field, PLANE)
    fig.add_trace(_line(ax, ay, "#8a94a6", 1.2, hoverinfo="skip", name=text.LEGEND["arrows"],
                        showlegend=True), row=1, col=1)
    cx, cy = clip_lines(clip)
    fig.add_trace(go.Scatter(x=cx, y=cy, mode="lines", hoverinfo="skip",
                             line=dict(color="#b42318", width=1.5, dash="dot"),
                             name=text.LEGEND["clip"], visible=bool(cx)), row=1, col=1)
    ox, oy = circle(float(np.hypot(*start)))
    fig.add_trace(go.Scatter(x=ox, y=oy, mode="lines", hoverinfo="skip",
                             line=dict(color="#444", width=1.5, dash="dash"),
                             name=text.LEGEND["circle"]), row=1, col=1)
    empty = np.zeros(0, np.float32)
    for m in METHODS:
        fig.add_trace(_line(empty, empty, COLOURS[m], 2.6, hoverinfo="skip",
                            name=METHOD_LABELS[m], legendgroup=m, visible=False), row=1, col=1)
    fig.add_trace(go.Scatter(x=empty, y=empty, mode="markers", hoverinfo="skip", showlegend=False,
                             marker=dict(size=12, color=[], line=dict(color="white", width=1.5))),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=[start[0]], y=[start[1]], mode="markers", hoverinfo="skip",
                             name=text.LEGEND["start"],
                             marker=dict(size=15, color="black", symbol="x-thin",
                                         line=dict(color="black", width=3))), row=1, col=1)
    for m in METHODS:
        fig.add_trace(
            _line(empty, empty, COLOURS[m], 2.6, name=METHOD_LABELS[m], legendgroup=m,
                  showlegend=False, visible=False,
                  hovertemplate=f"{METHOD_LABELS[m]}<br>t=%{{x}} ‖z‖=%{{y:.3g}}<extra></extra>"),
            row=1, col=2,
        )
    fig.add_trace(go.Scatter(x=empty, y=empty, mode="markers", hoverinfo="skip", showlegend=False,
                             marker=dict(color=[], size=4), name="closed forms"), row=1, col=2)
    # constrain="domain": keep the ranges exactly [−PLANE, PLANE] and shrink the box instead
    plane_axis = dict(range=[-PLANE, PLANE], fixedrange=True, zeroline=True, zerolinecolor="#999",
                      constrain="domain", row=1, col=1)
    fig.update_xaxes(title_text=xt, **plane_axis)
    fig.update_yaxes(title_text=yt, scaleanchor="x", scaleratio=1, **plane_axis)
    fig.update_xaxes(range=[0, steps], title_text="step t", row=1, col=2)
    fig.update_yaxes(type="log", range=log_range, title_text="‖z_t‖", row=1, col=2,
                     exponentformat="power")
    fig.update_layout(
        images=[shading_image(field)],
        height=620,
        margin=dict(l=60, r=20, t=50, b=150),  # room for the legend's rows on a narrow screen
        font=dict(size=15),
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0.0, font=dict(size=14)),
        plot_bgcolor="white",
        hovermode="closest",
        dragmode=False,
    )
    return plotly_hooks.responsive(plotly_hooks.figure_widget(fig))


def show_background(fig: go.FigureWidget, game: str, field: GameField) -> None:
    """Shading, arrows and titles for ``game`` (a full update, not an animation frame)."""
    xt, yt, title = text.PLANE_TITLES[game]
    ax, ay = arrow_segments(field, PLANE)
    with fig.batch_update():
        fig.layout.images[0].source = shading_image(field)["source"]
        fig.data[T.ARROWS].x, fig.data[T.ARROWS].y = ax, ay
        fig.layout.xaxis.title.text = xt
        fig.layout.yaxis.title.text = yt
        fig.layout.annotations[0].text = title
