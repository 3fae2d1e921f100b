"""Tiny charts drawn as inline SVG or PNG: cheap to send, no plotly bundle, no CDN."""

from __future__ import annotations

import html

import numpy as np

from explorer.imaging import png_bytes

PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#7f7f7f",
    "#bcbd22",
)


def line_chart_svg(
    series: np.ndarray,
    title: str,
    x_label: str = "step",
    width: int = 420,
    height: int = 170,
    x_offset: int = 0,
) -> str:
    """An SVG line chart of ``series`` (n_lines, n_points), one colour per line."""
    values = np.asarray(series, dtype=np.float64)
    left, right, top, bottom = 52, 10, 22, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'style="background:#fff;font:11px sans-serif">',
        f'<text x="{left}" y="14" font-weight="bold" fill="#223">{html.escape(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#bbc"/>',
    ]
    finite = values[np.isfinite(values)] if values.size else values
    if values.ndim == 2 and values.shape[1] >= 1 and finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        if hi - lo < 1e-9:
            lo, hi = lo - 1, hi + 1
        n_points = values.shape[1]
        xs = left + (np.arange(n_points) / max(1, n_points - 1)) * plot_w
        for k, line in enumerate(values):
            ys = top + (1 - (line - lo) / (hi - lo)) * plot_h
            points = " ".join(
                f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True) if np.isfinite(y)
            )
            colour = PALETTE[k % len(PALETTE)]
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="1.4" points="{points}"/>'
            )
        for frac, value in ((0.0, hi), (1.0, lo)):
            y = top + frac * plot_h
            parts.append(
                f'<text x="{left - 4}" y="{y + 4:.0f}" text-anchor="end" fill="#445">'
                f"{value:.4g}</text>"
            )
        parts.append(
            f'<text x="{left}" y="{height - 8}" fill="#445">{x_offset}</text>'
            f'<text x="{left + plot_w}" y="{height - 8}" text-anchor="end" fill="#445">'
            f"{x_offset + n_points - 1} {html.escape(x_label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def heat_png(values: np.ndarray, rows: int, cols: int, cell: int = 6) -> bytes:
    """A (rows × cols) map of values in [0, 1] as a PNG, each value a ``cell``-pixel square."""
    grid = np.asarray(values, dtype=np.float32).reshape(rows, cols)
    return png_bytes(np.kron(grid, np.ones((cell, cell), dtype=np.float32)))
