"""The optimizers of a two-player game, each an exact update rule generic over a vector field.

With z = (a, b), F the simultaneous gradient of :mod:`explorer.games.fields` (descent for both
players is z − ηF(z)) and η = ``lr``:

* ``flow``          the continuous-time flow ż = −F(z) sampled at t = k·η. For the bilinear game
                    the exact solution (a rotation, no discretization); for the Dirac-GAN classic
                    RK4 with sub-steps h ≤ ``FLOW_MAX_SUBSTEP`` / stiffness = 0.1 / (1 + γ or
                    σ²/2) time units (on a rotation RK4 loses h⁶/144 of the radius a sub-step:
                    under 1e-5 relative over 1,000 sub-steps).
* ``simgd``         z' = z − ηF(z)                         (a' = a − ηb, b' = b + ηa)
* ``altgd``         a' = a − ηF_a(a, b), then b' = b − ηF_b(a', b)   (b answers the new a)
* ``extragradient`` z̃ = z − ηF(z), z' = z − ηF(z̃)         (Korpelevich 1976; the look-ahead
                    z̃ is a full step of size η)
* ``optimistic``    z' = z − 2ηF(z) + ηF(z_prev), z_prev = z at the first step
                    (optimistic GD, Daskalakis et al. 2018)
* ``consensus``     z' = z − η(F(z) + γ∇½‖F(z)‖²), ∇½‖F‖² = ∂F(z)ᵀF(z); hyper ``gamma``
                    (Mescheder, Nowozin & Geiger 2017, "The numerics of GANs")
* ``momentum``      heavy ball on simultaneous steps: z' = z − ηF(z) + β(z − z_prev),
                    z_prev = z at the first step; hyper ``beta`` (negative allowed)
* ``altmomentum``   the same on alternating steps: a' = a − ηF_a(a, b) + β(a − a_prev), then
                    b' = b − ηF_b(a', b) + β(b − b_prev)  (Gidel et al. 2019, "Negative momentum
                    for improved game dynamics")

In the Dirac-GAN the generator θ plays a (it moves first in the alternating methods) and the
discriminator ψ plays b.

Divergent runs: a trajectory stops at the first iterate whose norm exceeds ``BLOW_UP`` = 1e6;
that row is kept and every later row is NaN (so plots skip them and no overflow can happen).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from explorer.games.fields import GameField

METHODS: tuple[str, ...] = (
    "flow",
    "simgd",
    "altgd",
    "extragradient",
    "optimistic",
    "consensus",
    "momentum",
    "altmomentum",
)
METHOD_LABELS: dict[str, str] = {
    "flow": "continuous flow",
    "simgd": "simultaneous GD",
    "altgd": "alternating GD",
    "extragradient": "extragradient",
    "optimistic": "optimistic GD",
    "consensus": "consensus",
    "momentum": "momentum (simultaneous)",
    "altmomentum": "momentum (alternating)",
}
BLOW_UP = 1e6
FLOW_MAX_SUBSTEP = 0.1
_BLOW_UP_SQ = BLOW_UP * BLOW_UP


def _clamp(x: float, c: float | None) -> float:
    if c is None:
        return x
    return -c if x < -c else (c if x > c else x)


def _pack(rows_a: list[float], rows_b: list[float], steps: int) -> np.ndarray:
    """(steps+1, 2) float64; rows after a blow-up are NaN."""
    out = np.full((steps + 1, 2), np.nan)
    n = len(rows_a)
    out[:n, 0] = rows_a
    out[:n, 1] = rows_b
    return out


def _simgd(field: GameField, lr: float, steps: int, a: float, b: float, **_: float) -> np.ndarray:
    grad, c = field.grad, field.clip
    ra, rb = [a], [b]
    for _ in range(steps):
        ga, gb = grad(a, b)
        a, b = a - lr * ga, _clamp(b - lr * gb, c)
        ra.append(a)
        rb.append(b)
        if a * a + b * b > _BLOW_UP_SQ:
            break
    return _pack(ra, rb, steps)


def _altgd(field: GameField, lr: float, steps: int, a: float, b: float, **_: float) -> np.ndarray:
    grad, c = field.grad, field.clip
    ra, rb = [a], [b]
    for _ in range(steps):
        a = a - lr * grad(a, b)[0]
        b = _clamp(b - lr * grad(a, b)[1], c)
        ra.append(a)
        rb.append(b)
        if a * a + b * b > _BLOW_UP_SQ:
            break
    return _pack(ra, rb, steps)


def _extragradient(
    field: GameField, lr: float, steps: int, a: float, b: float, **_: float
) -> np.ndarray:
    grad, c = field.grad, field.clip
    ra, rb = [a], [b]
    for _ in range(steps):
        ga, gb = grad(a, b)
        ha, hb = a - lr * ga, _clamp(b - lr * gb, c)  # the look-ahead: a full step of size η
        ga, gb = grad(ha, hb)
        a, b = a - lr * ga, _clamp(b - lr * gb, c)
        ra.append(a)
        rb.append(b)
        if a * a + b * b > _BLOW_UP_SQ:
            break
    return _pack(ra, rb, steps)


def _optimistic(
    field: GameField, lr: float, steps: int, a: float, b: float, **_: float
) -> np.ndarray:
    grad, c = field.grad, field.clip
    ra, rb = [a], [b]
    pa, pb = grad(a, b)  # F(z_prev), with z_prev = z at the first step
    for _ in range(steps):
        ga, gb = grad(a, b)
        a, b = a - 2.0 * lr * ga + lr * pa, _clamp(b - 2.0 * lr * gb + lr * pb, c)
        pa, pb = ga, gb
        ra.append(a)
        rb.append(b)
        if a * a + b * b > _BLOW_UP_SQ:
            break
    return _pack(ra, rb, steps)


def _consensus(
    field: GameField, lr: float, steps: int, a: float, b: float, gamma: float = 1.0, **_: float
) -> np.ndarray:
    grad, jac, c = field.grad, field.jacobian, field.clip
    ra, rb = [a], [b]
    for _ in range(steps):
        ga, gb = grad(a, b)
        j11, j12, j21, j22 = jac(a, b)
        # ∇ ½‖F‖² = ∂Fᵀ F
        ca, cb = j11 * ga + j21 * gb, j12 * ga + j22 * gb
        a, b = a - lr * (ga + gamma * ca), _clamp(b - lr * (gb + gamma * cb), c)
        ra.append(a)
        rb.append(b)
        if a * a + b * b > _BLOW_UP_SQ:
            break
    return _pack(ra, rb, steps)


def _momentum(
    field: GameField, lr: float, steps: int, a: float, b: float, beta: float = -0.5, **_: float
) -> np.ndarray:
    grad, c = field.grad, field.clip
    ra, rb = [a], [b]
    pa, pb = a, b
    for _ in range(steps):
        ga, gb = grad(a, b)
        na = a - lr * ga + beta * (a - pa)
        nb = _clamp(b - lr * gb + beta * (b - pb), c)
        pa, pb, a, b = a, b, na, nb
        ra.append(a)
        rb.append(b)
        if a * a + b * b > _BLOW_UP_SQ:
            break
    return _pack(ra, rb, steps)


def _altmomentum(
    field: GameField, lr: float, steps: int, a: float, b: float, beta: float = -0.5, **_: float
) -> np.ndarray:
    grad, c = field.grad, field.clip
    ra, rb = [a], [b]
    pa, pb = a, b
    for _ in range(steps):
        na = a - lr * grad(a, b)[0] + beta * (a - pa)
        nb = _clamp(b - lr * grad(na, b)[1] + beta * (b - pb), c)
        pa, pb, a, b = a, b, na, nb
        ra.append(a)
        rb.append(b)
        if a * a + b * b > _BLOW_UP_SQ:
            break
    return _pack(ra, rb, steps)


def _flow(field: GameField, lr: float, steps: int, a: float, b: float, **_: float) -> np.ndarray:
    if field.exact_flow is not None and field.clip is None:
        return field.exact_flow(np.array([a, b]), lr * np.arange(steps + 1))
    grad, c = field.grad, field.clip
    n_sub = max(1, math.ceil(lr * field.stiffness / FLOW_MAX_SUBSTEP - 1e-9))
    h = lr / n_sub
    h2, h6 = 0.5 * h, h / 6.0
    ra, rb = [a], [b]
    for _ in range(steps):
        for _ in range(n_sub):  # RK4 on ż = −F(z)
            k1a, k1b = grad(a, b)
            k2a, k2b = grad(a - h2 * k1a, b - h2 * k1b)
            k3a, k3b = grad(a - h2 * k2a, b - h2 * k2b)
            k4a, k4b = grad(a - h * k3a, b - h * k3b)
            a = a - h6 * (k1a + 2.0 * k2a + 2.0 * k3a + k4a)
            b = _clamp(b - h6 * (k1b + 2.0 * k2b + 2.0 * k3b + k4b), c)
        ra.append(a)
        rb.append(b)
        if a * a + b * b > _BLOW_UP_SQ:
            break
    return _pack(ra, rb, steps)


_RULES: dict[str, Callable[..., np.ndarray]] = {
    "flow": _flow,
    "simgd": _simgd,
    "altgd": _altgd,
    "extragradient": _extragradient,
    "optimistic": _optimistic,
    "consensus": _consensus,
    "momentum": _momentum,
    "altmomentum": _altmomentum,
}


def run_method(
    field: GameField,
    method: str,
    lr: float,
    steps: int,
    start: tuple[float, float],
    gamma: float = 1.0,
    beta: float = -0.5,
) -> np.ndarray:
    """Trajectory (steps+1, 2) of ``method`` on ``field``; row 0 is ``start``. No validation:
    :func:`explorer.games.simulate` is the checked entry point."""
    rule = _RULES[method]
    return rule(field, lr, steps, float(start[0]), float(start[1]), gamma=gamma, beta=beta)
