"""What the saddle-point app draws on its canvas (:mod:`.canvas`): the static layers of the
(a, b) plane — the shading of v, its level sets, the arrows of −F — and the plane's constants.

Everything here is plain numpy; the canvas widget sends these arrays as bytes once per change of
game or field, never with an animation frame.
"""

from __future__ import annotations

import math

import numpy as np

from explorer.games import GameField, field_arrays

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
# RdBu reversed (ColorBrewer's 11 classes, as plotly's "RdBu_r"): blue → white → red
_RDBU_R = (
    (5, 48, 97), (33, 102, 172), (67, 147, 195), (146, 197, 222), (209, 229, 240),
    (247, 247, 247), (253, 219, 199), (244, 165, 130), (214, 96, 77), (178, 24, 43),
    (103, 0, 31),
)


def snap(value: float) -> float:
    """A clicked coordinate on the click grid (``GRID`` points over [−PLANE, PLANE]: 0.1)."""
    step = 2 * PLANE / (GRID - 1)
    k = round((float(value) + PLANE) / step)
    return round(-PLANE + min(max(k, 0), GRID - 1) * step, 10)


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
    """256 colours of RdBu_r, linear between its stops (as plotly samples a colour scale)."""
    stops = np.array(_RDBU_R, dtype=float)
    u = np.linspace(0.0, 1.0, 256) * (len(stops) - 1)
    rgb = np.stack([np.interp(u, np.arange(len(stops)), stops[:, k]) for k in range(3)], 1)
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
