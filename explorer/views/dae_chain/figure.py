"""What the DAE-chain app draws besides the canvases: the fig. 20.11 diagram (an inline SVG with
the active arrow lit) and 2-D histograms of points as images."""

from __future__ import annotations

import numpy as np

from explorer.views.charts import heat_png

# node -> (x, y, label); arrows (from, to, label, sub-step) as in fig. 20.11
_NODES = {"x": (30, 120, "x"), "xt": (110, 120, "x̃"), "h": (110, 30, "h"),
          "w": (200, 30, "ω"), "xn": (200, 120, "x′")}
_ARROWS = (("x", "xt", "C(x̃ | x)", "corrupt"), ("xt", "h", "f", "encode"),
           ("h", "w", "g", "decode"), ("w", "xn", "p(x | ω)", "sample"))
HIST_BINS = 48


def diagram_svg(active: str | None) -> str:
    """Fig. 20.11 as an SVG: x → x̃ → h → ω → x′, the arrow of sub-step ``active`` lit red."""
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="250" height="160" '
             'class="explorer-dae-diagram" style="font:14px sans-serif;background:#fff">',
             '<defs><marker id="ah" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/>'
             '</marker></defs>']
    for a, b, label, name in _ARROWS:
        (x1, y1, _), (x2, y2, _) = _NODES[a], _NODES[b]
        dx, dy = x2 - x1, y2 - y1
        n = max(1.0, float(np.hypot(dx, dy)))
        sx, sy, ex, ey = x1 + 16 * dx / n, y1 + 16 * dy / n, x2 - 16 * dx / n, y2 - 16 * dy / n
        lit = name == active
        colour, width = ("#d62728", 3) if lit else ("#667", 1.5)
        parts.append(f'<line x1="{sx:.0f}" y1="{sy:.0f}" x2="{ex:.0f}" y2="{ey:.0f}" '
                     f'stroke="{colour}" stroke-width="{width}" marker-end="url(#ah)" '
                     f'class="explorer-dae-arrow{" explorer-dae-arrow-lit" if lit else ""}" '
                     f'data-substep="{name}"/>')
        mx, my = (sx + ex) / 2, (sy + ey) / 2
        parts.append(f'<text x="{mx + 5:.0f}" y="{my - 5:.0f}" fill="{colour}" '
                     f'font-size="12">{label}</text>')
    for x, y, label in _NODES.values():
        parts.append(f'<circle cx="{x}" cy="{y}" r="14" fill="#f4f6ff" stroke="#334"/>'
                     f'<text x="{x}" y="{y + 5}" text-anchor="middle">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram_png(points: np.ndarray, view: list[float], bins: int = HIST_BINS) -> bytes:
    """A 2-D histogram of ``points`` (n, 2) over ``view`` (xmin, xmax, ymin, ymax) as a PNG,
    y up, scaled so the fullest bin is white."""
    x0, x1, y0, y1 = view
    counts, _, _ = np.histogram2d(points[:, 1], points[:, 0], bins=bins,
                                  range=[[y0, y1], [x0, x1]])
    counts = counts[::-1]  # row 0 at the top = largest y
    top = counts.max()
    values = np.sqrt(counts / top) if top > 0 else counts
    return heat_png(values, bins, bins, cell=3)


def grid_points(view: list[float], n: int) -> np.ndarray:
    """Cell centres of an n × n grid over ``view``, row-major from (xmin, ymin): (n², 2)."""
    x0, x1, y0, y1 = view
    xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    ys = y0 + (np.arange(n) + 0.5) * (y1 - y0) / n
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
