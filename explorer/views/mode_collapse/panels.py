"""The mode-collapse app's curves: both losses, and modes captured / HQ % / reverse KL, over
training (SVG line charts of :func:`explorer.views.charts.line_chart_svg`); and the MNIST tab's
class histogram (SVG bars against the uniform 10 %)."""

from __future__ import annotations

import html

import numpy as np

from explorer.views.charts import line_chart_svg

LOSS_TITLE = "losses per chunk: D (blue), G (orange)"
COVERAGE_TITLE = "modes captured % (blue), HQ % (orange), reverse KL as % of log K (green)"


def loss_chart(history: list[tuple[int, float, float]]) -> str:
    """``history`` rows (iteration, d_loss, g_loss), one per chunk: two lines (D first)."""
    rows = np.asarray(history, dtype=np.float64).reshape(-1, 3)
    return line_chart_svg(rows[:, 1:].T, LOSS_TITLE, "chunk", width=440)


def coverage_lines(history: list[tuple[int, dict[str, float]]], n_modes: int) -> np.ndarray:
    """(3, n) on a shared 0–100 axis: modes captured as % of the K modes, HQ %, and reverse KL
    × 100 / log K (KL(q ‖ u) lies in [0, log K]); NaN where a number is undefined."""
    log_k = float(np.log(n_modes)) if n_modes > 1 else 1.0
    return np.array([
        [100 * h.get("modes_captured", np.nan) / n_modes for _, h in history],
        [100 * h.get("hq_fraction", np.nan) for _, h in history],
        [100 * h.get("reverse_kl", np.nan) / log_k for _, h in history],
    ]).reshape(3, -1)


def coverage_chart(history: list[tuple[int, dict[str, float]]], n_modes: int,
                   every: int = 100) -> str:
    """:func:`coverage_lines` against the measured iterations (every ``every``)."""
    first = history[0][0] // every if history else 0
    return line_chart_svg(coverage_lines(history, n_modes), COVERAGE_TITLE,
                          f"× {every} iterations", width=440, x_offset=first)


UNIFORM = 0.1  # the share of each digit under the uniform distribution over 10 classes


def class_histogram_svg(fractions: list[float], title: str, width: int = 420,
                        height: int = 160) -> str:
    """Bars of the 10 class fractions (digit k at the k-th bar, its height ∝ fractions[k]) with
    a dashed line at the uniform 10 %; the y axis reaches max(20 %, the tallest bar)."""
    left, right, bottom, top = 34, 10, 20, 22
    plot_h = height - top - bottom
    bar_w = (width - left - right) / 10
    top_value = max(0.2, max(fractions, default=0.0))

    def y(v: float) -> float:
        return top + plot_h * (1 - v / top_value)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             'style="background:#fff;font:11px sans-serif" class="explorer-class-histogram">',
             f'<text x="{left}" y="13" font-weight="bold" fill="#223">{html.escape(title)}</text>',
             f'<text x="{left - 3}" y="{y(top_value) + 4:.1f}" text-anchor="end" fill="#555">'
             f"{100 * top_value:.0f}%</text>"]
    for k, f in enumerate(fractions):
        x = left + k * bar_w
        parts.append(f'<rect class="explorer-class-bar" data-digit="{k}" data-fraction="{f:.4f}" '
                     f'x="{x + 2:.1f}" y="{y(f):.1f}" width="{bar_w - 4:.1f}" '
                     f'height="{top + plot_h - y(f):.1f}" fill="#1f77b4"/>'
                     f'<text x="{x + bar_w / 2:.1f}" y="{height - 6}" text-anchor="middle">{k}'
                     "</text>")
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(UNIFORM):.1f}" '
                 f'y2="{y(UNIFORM):.1f}" stroke="#d62728" stroke-dasharray="4 3"/>'
                 f'<text x="{left - 3}" y="{y(UNIFORM) + 4:.1f}" text-anchor="end" '
                 'fill="#d62728">10%</text></svg>')
    return "".join(parts)
