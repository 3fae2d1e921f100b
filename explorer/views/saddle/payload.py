"""The arrays the saddle-point app pushes to the browser each frame (all float32, no NaN).

A :class:`Run` is one optimizer's precomputed trajectory and the table's verdicts about it;
the functions below cut its revealed prefix (rows 0..t) into what the canvas draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from explorer.games import BLOW_UP

MAX_DRAWN = 250  # points per trajectory pushed to the browser (a fixed stride, so no shimmer)
FLOW_DT = 0.2  # the drawn flow is a curve: one point every FLOW_DT time units at most …
MAX_FLOW_DRAWN = 1500  # … and at most this many (the latest part of a long run)
_EMPTY = np.zeros(0, np.float32)


@dataclass
class Run:
    """One optimizer's precomputed trajectory and what the table says about it.

    ``path`` (the flow only) samples the same trajectory on a fine time grid, ``per_step``
    samples a step: ``path[k * per_step] == traj[k]``; the plane draws it instead of ``traj``
    so that large steps do not alias the flow's circle into a starburst."""

    traj: np.ndarray  # (steps+1, 2) float64, NaN after a blow-up
    norms: np.ndarray  # (steps+1,)
    n_finite: int  # rows before the first NaN
    predicted: float | None  # per-step factor from the closed form (local, for the Dirac-GAN)
    predicted_verdict: str
    reason: str  # why the predicted verdict (see explorer.games.Prediction); "" when exact
    measured: float
    measured_verdict: str
    path: np.ndarray | None = None
    per_step: int = 1

    @property
    def blown(self) -> bool:
        return self.n_finite < len(self.norms) or self.norms[self.n_finite - 1] > BLOW_UP


def stride(steps: int) -> int:
    return max(1, math.ceil((steps + 1) / MAX_DRAWN))


def indices(run: Run, t: int, steps: int) -> np.ndarray:
    """Rows 0..t (only the finite part) at a fixed stride, always ending at the last one."""
    last = min(t, run.n_finite - 1)
    idx = np.arange(0, last + 1, stride(steps))
    if idx[-1] != last:
        idx = np.append(idx, last)
    return idx


def _flow_rows(run: Run, t: int, lr: float) -> np.ndarray:
    """Rows of ``run.path`` up to step t: every ``FLOW_DT`` time units at most, the latest
    ``MAX_FLOW_DRAWN`` of them, always ending at step t."""
    assert run.path is not None
    last = min(t, run.n_finite - 1) * run.per_step
    every = max(1, int(FLOW_DT / (lr / run.per_step) + 1e-9))
    first = max(0, last - every * (MAX_FLOW_DRAWN - 1))
    return np.arange(last, first - 1, -every)[::-1]


def prefix(run: Run | None, t: int, steps: int, lr: float) -> tuple[np.ndarray, np.ndarray]:
    """The drawn line of a trajectory up to step t (on the plane)."""
    if run is None:
        return _EMPTY, _EMPTY
    if run.path is not None:
        xy = run.path[_flow_rows(run, t, lr)]
    else:
        xy = run.traj[indices(run, t, steps)]
    # beyond the plane only the direction matters: clip so float32 and the browser cope
    xy = np.clip(xy, -1e3, 1e3).astype(np.float32)
    return xy[:, 0], xy[:, 1]


def norm_prefix(run: Run | None, t: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """(t, ‖z_t‖) up to step t (on the log axis; values ≈ 0 dropped)."""
    if run is None:
        return _EMPTY, _EMPTY
    idx = indices(run, t, steps)
    norms = run.norms[idx]
    norms = np.where(norms > 1e-30, norms, np.nan)  # float32 and log axes: drop ≈ 0
    return idx.astype(np.float32), norms.astype(np.float32)


def heads(runs: dict[str, Run], t: int) -> tuple[np.ndarray, np.ndarray]:
    """Each trajectory's current point (in the order of ``runs``)."""
    xs, ys = [], []
    for run in runs.values():
        row = run.traj[min(t, run.n_finite - 1)]
        xs.append(float(np.clip(row[0], -1e3, 1e3)))
        ys.append(float(np.clip(row[1], -1e3, 1e3)))
    return np.array(xs, np.float32), np.array(ys, np.float32)


def predicted_line(run: Run | None, r0: float, steps: int) -> tuple[list, list]:
    """End points of the closed form ‖z₀‖·ρᵗ (a straight line on the log axis)."""
    if run is None or run.predicted is None or r0 == 0.0 or run.predicted <= 0.0:
        return [], []
    log_rho = math.log(run.predicted)
    t_end = float(steps)
    if log_rho != 0.0:  # stop the line where it leaves [1e-300, 1e7]
        bound = math.log(1e7 / r0) if log_rho > 0 else math.log(1e-300 / r0)
        t_end = min(t_end, max(bound / log_rho, 1.0))
    return [0.0, t_end], [r0, r0 * math.exp(log_rho * t_end)]


def predicted_dots(run: Run | None, r0: float, steps: int,
                   n: int = 48) -> tuple[np.ndarray, np.ndarray]:
    """A method's closed-form line as ``n`` dots (none when it has no closed form)."""
    line = predicted_line(run, r0, steps)
    if not line[0]:
        return _EMPTY, _EMPTY
    (t0, t1), (y0, y1) = line
    t = np.linspace(t0, t1, n)
    y = y0 * np.exp(np.log(y1 / y0) * (t - t0) / (t1 - t0))
    return t.astype(np.float32), y.astype(np.float32)


def log_range(runs: dict[str, Run], r0: float) -> list[float]:
    """The log axis' range: every finite norm above the rounding floor, with a margin."""
    values = []
    for run in runs.values():
        n = run.norms[: run.n_finite]
        n = n[n > max(1e-300, 1e-12 * r0)]
        if n.size:
            values += [float(n.min()), float(n.max())]
    if not values:
        return [-3.0, 1.0]
    lo, hi = max(min(values), 1e-12 * max(r0, 1e-300)), min(max(values), 2.0 * BLOW_UP)
    return [math.log10(lo) - 0.3, math.log10(hi) + 0.3]
