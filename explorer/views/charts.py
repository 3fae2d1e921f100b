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


def _svg_frame(width: int, height: int, title: str, left: int, top: int, plot_w: int,
               plot_h: int, font_px: int) -> list[str]:
    """The opening of a chart's SVG: the element, the bold title and the plot area's frame."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'style="background:#fff;font:{font_px}px sans-serif">',
        f'<text x="{left}" y="{font_px + 3}" font-weight="bold" fill="#223">'
        f'{html.escape(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#bbc"/>',
    ]


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
    parts = _svg_frame(width, height, title, left, top, plot_w, plot_h, font_px=11)
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


def magnifier_svg(
    centre: np.ndarray,
    half_width: float,
    contours: list[tuple[np.ndarray, np.ndarray, str]],
    dots: np.ndarray,
    dot_colours: list[str],
    caption: str,
    size: int = 190,
) -> str:
    """A square close-up of a 2-D plane: the window centre ± ``half_width`` (both axes).

    ``contours``: (xs, ys, dash) polylines in plane coordinates (dash "" = solid); ``dots``:
    (n, 2) points drawn in ``dot_colours`` (those outside the window are left out); a cross marks
    the centre. y grows upwards, as on a plot.
    """
    cx, cy = float(centre[0]), float(centre[1])
    w = max(float(half_width), 1e-9)
    top = 4
    scale = (size - 8) / (2 * w)  # pixels per plane unit

    def px(x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        return 4 + (np.asarray(x) - cx + w) * scale, top + (cy + w - np.asarray(y)) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size + 18}" '
        'style="background:#fff;font:11px sans-serif">',
        f'<rect x="4" y="{top}" width="{size - 8}" height="{size - 8}" fill="#f7f9fc" '
        'stroke="#99a"/>',
    ]
    dots = np.asarray(dots, np.float64).reshape(-1, 2)
    inside = (np.abs(dots[:, 0] - cx) <= w) & (np.abs(dots[:, 1] - cy) <= w)
    for (x, y), colour in zip(dots[inside], np.asarray(dot_colours, object)[inside], strict=True):
        sx, sy = px(x, y)
        parts.append(f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="3" fill="{colour}" '
                     'fill-opacity="0.8"/>')
    for xs, ys, dash in contours:
        sx, sy = px(xs, ys)
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(sx, sy, strict=True))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<polyline fill="none" stroke="#111" stroke-width="1.6"{dash_attr} '
                     f'points="{points}"/>')
    mx, my = px(cx, cy)
    parts.append(f'<path d="M{mx - 5:.1f},{my - 5:.1f}L{mx + 5:.1f},{my + 5:.1f}'
                 f'M{mx - 5:.1f},{my + 5:.1f}L{mx + 5:.1f},{my - 5:.1f}" stroke="#111" '
                 'stroke-width="2"/>')
    parts.append(f'<text x="4" y="{size + 12}" fill="#334">{html.escape(caption)}</text></svg>')
    return "".join(parts)


def xy_chart_svg(
    x: np.ndarray,
    lines: list[tuple[np.ndarray, str]],
    title: str,
    x_label: str = "",
    width: int = 320,
    height: int = 220,
    references: tuple[tuple[float, str, str], ...] = (),
    y_from_zero: bool = False,
) -> str:
    """An SVG chart of curves y(x) over shared x values (e.g. epochs): ``lines`` are (ys, colour);
    ``references`` are dashed horizontal lines (value, colour, name) across the x range; the
    y range covers every finite value (and 0 with ``y_from_zero``). Ends of both axes labelled."""
    xs = np.asarray(x, np.float64).reshape(-1)
    left, right, top, bottom = 56, 12, 24, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = _svg_frame(width, height, title, left, top, plot_w, plot_h, font_px=12)
    values = [np.asarray(ys, np.float64).reshape(-1) for ys, _ in lines]
    finite = np.concatenate([v[np.isfinite(v)] for v in values] +
                            [np.array([r for r, _, _ in references if np.isfinite(r)])])
    if xs.size and finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        if y_from_zero:
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        if hi - lo < 1e-9:
            lo, hi = lo - 1, hi + 1
        x0, x1 = float(xs.min()), float(xs.max())
        if x1 - x0 < 1e-9:
            x0, x1 = x0 - 0.5, x0 + 0.5

        def sx(v: np.ndarray | float) -> np.ndarray:
            return left + (np.asarray(v) - x0) / (x1 - x0) * plot_w

        def sy(v: np.ndarray | float) -> np.ndarray:
            return top + (1 - (np.asarray(v) - lo) / (hi - lo)) * plot_h

        for value, colour, name in references:
            if np.isfinite(value):
                y = float(sy(value))
                parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                             f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="6,4"/>'
                             f'<text x="{left + plot_w - 4}" y="{y - 4:.1f}" text-anchor="end" '
                             f'fill="{colour}">{html.escape(name)}</text>')
        for ys, (_, colour) in zip(values, lines, strict=True):
            keep = np.isfinite(ys[: len(xs)])
            px, py = sx(xs[: len(ys)][keep]), sy(ys[: len(xs)][keep])
            points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                         f'points="{points}"/>')
        for value in (hi, lo):
            parts.append(f'<text x="{left - 4}" y="{float(sy(value)) + 4:.0f}" text-anchor="end" '
                         f'fill="#445">{value:.4g}</text>')
        parts.append(
            f'<text x="{left}" y="{height - 16}" fill="#445">{x0:.4g}</text>'
            f'<text x="{left + plot_w}" y="{height - 16}" text-anchor="end" fill="#445">'
            f"{x1:.4g}</text>")
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 3}" text-anchor="middle" '
                 f'fill="#223">{html.escape(x_label)}</text></svg>')
    return "".join(parts)
