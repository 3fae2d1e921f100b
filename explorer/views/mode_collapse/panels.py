"""The mode-collapse app's curves: both losses, and modes captured / HQ % / reverse KL, over
training (SVG line charts of :func:`explorer.views.charts.line_chart_svg`)."""

from __future__ import annotations

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
