"""Two-player games and their optimizers: why GAN training orbits instead of converging.

Chapter §20.10.4 (v(a, b) = ab, "a stable, circular orbit"); Mescheder, Geiger & Nowozin 2018,
"Which training methods for GANs do actually converge?" (the Dirac-GAN, R1, instance noise,
WGAN-GP); Mescheder, Nowozin & Geiger 2017, "The numerics of GANs" (consensus optimization);
Gidel et al. 2019, "Negative momentum for improved game dynamics".

One entry point::

    simulate(game, method, lr, steps, start, **hyper) -> ndarray (steps + 1, 2), row 0 = start

``game``: ``"bilinear"`` or ``"dirac"``; ``method``: one of :data:`METHODS`; ``lr`` = η;
``hyper``: ``gamma`` (consensus, default 1), ``beta`` (both momenta, default −0.5) and for the
Dirac-GAN ``loss`` (gan | ns-gan | wgan), ``regularizer`` (none | r1 | wgan-gp | noise),
``reg_gamma`` (γ of R1 / WGAN-GP, default 1), ``sigma`` (instance noise, default 0.5),
``clip`` (WGAN's bound on |ψ|, default 1; None: no clipping).

A run stops at the first iterate with ‖z‖ > :data:`BLOW_UP` (1e6): that row is kept, later rows
are NaN. :func:`measured_factor` reads the per-step factor off the finite part.
The update rules are in :mod:`explorer.games.methods`, the fields in
:mod:`explorer.games.fields`, the closed forms in :mod:`explorer.games.closed_forms`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from explorer.errors import ConfigError
from explorer.games.closed_forms import (
    BILINEAR_JACOBIAN,
    UNDECIDED,
    Prediction,
    StabilityRange,
    altgd_invariant,
    classify,
    dirac_eigenvalues,
    dirac_jacobian,
    dirac_local_factor,
    dirac_prediction,
    flow_energy_rate,
    growth_factor,
    predicted_behaviour,
    spectral_radius,
    stability_range,
    update_matrix,
)
from explorer.games.fields import (
    LOSS_LABELS,
    LOSSES,
    REGULARIZER_LABELS,
    REGULARIZERS,
    GameField,
    bilinear_field,
    clips_psi,
    dirac_field,
    field_arrays,
)
from explorer.games.methods import BLOW_UP, METHOD_LABELS, METHODS, run_method

__all__ = [
    "BILINEAR_JACOBIAN",
    "BLOW_UP",
    "GAMES",
    "LOSSES",
    "LOSS_LABELS",
    "MAX_LR",
    "MAX_STEPS",
    "METHODS",
    "METHOD_LABELS",
    "REGULARIZERS",
    "REGULARIZER_LABELS",
    "GameField",
    "Prediction",
    "StabilityRange",
    "UNDECIDED",
    "altgd_invariant",
    "bilinear_field",
    "classify",
    "clips_psi",
    "dirac_eigenvalues",
    "dirac_field",
    "dirac_jacobian",
    "dirac_local_factor",
    "dirac_prediction",
    "field_arrays",
    "flow_energy_rate",
    "flow_path",
    "growth_factor",
    "make_field",
    "measured_factor",
    "measured_behaviour",
    "predicted_behaviour",
    "simulate",
    "simulate_many",
    "spectral_radius",
    "stability_range",
    "update_matrix",
]

GAMES: tuple[str, ...] = ("bilinear", "dirac")
MAX_STEPS = 100_000
MAX_LR = 10.0
MEASURED_TOL = 1e-4
_TINY = 1e-200
_FLOOR = 1e-13
_DIRAC_HYPER = ("loss", "regularizer", "reg_gamma", "sigma", "clip")
_COMMON_HYPER = ("gamma", "beta")


def _finite(name: str, value: object, lo: float, hi: float, open_lo: bool, open_hi: bool) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    bad = not math.isfinite(x) or x < lo or x > hi or (open_lo and x == lo) or (open_hi and x == hi)
    if bad:
        interval = f"{'(' if open_lo else '['}{lo:g}, {hi:g}{')' if open_hi else ']'}"
        raise ConfigError(f"{name} must be a finite number in {interval}, got {value!r}")
    return x


def _check_common(
    game: str, method: str, lr: float, steps: int, start: Sequence[float]
) -> tuple[float, int, tuple[float, float]]:
    if game not in GAMES:
        raise ConfigError(f"unknown game {game!r}: expected one of {', '.join(GAMES)}")
    if method not in METHODS:
        raise ConfigError(f"unknown method {method!r}: expected one of {', '.join(METHODS)}")
    eta = _finite("lr (the step size η)", lr, 0.0, MAX_LR, open_lo=True, open_hi=False)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise ConfigError(f"steps must be an integer, got {steps!r}")
    if not 1 <= int(steps) <= MAX_STEPS:
        raise ConfigError(f"steps must be between 1 and {MAX_STEPS}, got {steps}")
    try:
        z0 = np.asarray(start, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise ConfigError(f"start must be two numbers (a, b), got {start!r}") from None
    if z0.shape != (2,) or not np.all(np.isfinite(z0)):
        raise ConfigError(f"start must be two finite numbers (a, b), got {start!r}")
    if float(np.hypot(z0[0], z0[1])) > BLOW_UP:
        raise ConfigError(f"start must lie within ‖z‖ ≤ {BLOW_UP:g}, got {start!r}")
    return eta, int(steps), (float(z0[0]), float(z0[1]))


def _check_hyper(game: str, hyper: dict) -> tuple[float, float, dict]:
    allowed = _COMMON_HYPER + (_DIRAC_HYPER if game == "dirac" else ())
    unknown = sorted(set(hyper) - set(allowed))
    if unknown:
        raise ConfigError(
            f"unknown option(s) {', '.join(unknown)} for the {game} game: "
            f"expected some of {', '.join(allowed)}"
        )
    gamma = _finite("gamma (consensus weight γ)", hyper.get("gamma", 1.0), 0.0, 100.0, False, False)
    beta = _finite("beta (momentum β)", hyper.get("beta", -0.5), -1.0, 1.0, True, True)
    dirac = {k: hyper[k] for k in _DIRAC_HYPER if k in hyper}
    return gamma, beta, dirac


def make_field(game: str, **dirac_options: object) -> GameField:
    """The checked field of a game (``dirac_options`` as in :func:`dirac_field`)."""
    if game == "bilinear":
        if dirac_options:
            raise ConfigError(
                f"option(s) {', '.join(sorted(dirac_options))} only apply to the dirac game"
            )
        return bilinear_field()
    if game == "dirac":
        return dirac_field(**dirac_options)  # type: ignore[arg-type]
    raise ConfigError(f"unknown game {game!r}: expected one of {', '.join(GAMES)}")


def simulate(
    game: str,
    method: str,
    lr: float,
    steps: int,
    start: Sequence[float],
    **hyper: object,
) -> np.ndarray:
    """Run ``method`` on ``game`` for ``steps`` steps of size ``lr`` from ``start``.

    Returns (steps + 1, 2) float64, row 0 = start; rows after a blow-up (‖z‖ > 1e6) are NaN.
    Bad names or values raise :class:`~explorer.errors.ConfigError` with a clear message.
    """
    eta, n, z0 = _check_common(game, method, lr, steps, start)
    gamma, beta, dirac = _check_hyper(game, hyper)
    field = make_field(game, **dirac)
    return run_method(field, method, eta, n, z0, gamma=gamma, beta=beta)


def simulate_many(
    game: str,
    methods: Iterable[str],
    lr: float,
    steps: int,
    start: Sequence[float],
    **hyper: object,
) -> dict[str, np.ndarray]:
    """:func:`simulate` for several methods on one field (built and checked once)."""
    methods = list(methods)
    for m in methods:
        if m not in METHODS:
            raise ConfigError(f"unknown method {m!r}: expected one of {', '.join(METHODS)}")
    eta, n, z0 = _check_common(game, "simgd", lr, steps, start)
    gamma, beta, dirac = _check_hyper(game, hyper)
    field = make_field(game, **dirac)
    return {m: run_method(field, m, eta, n, z0, gamma=gamma, beta=beta) for m in methods}


def flow_path(
    game: str,
    lr: float,
    steps: int,
    start: Sequence[float],
    max_dt: float = 0.1,
    **hyper: object,
) -> tuple[np.ndarray, int]:
    """The continuous flow ż = −F(z) on a fine time grid, for drawing it as a curve.

    Sampling the flow only at the optimizers' step times t = kη aliases it: at η = 2.5 the points
    on its circle jump 2.5 rad at a time and a line through them is a starburst. Returns
    ``(path, per_step)``: ``path`` (steps·per_step + 1, 2) samples the flow every η/per_step ≤
    ``max_dt`` time units (fewer when that would pass ``MAX_STEPS`` rows), and
    ``path[k·per_step]`` is the flow at step k (the bilinear game's is the exact rotation).
    """
    eta, n, z0 = _check_common(game, "flow", lr, steps, start)
    per_step = max(1, min(math.ceil(eta / max_dt - 1e-9), MAX_STEPS // n))
    return simulate(game, "flow", eta / per_step, n * per_step, z0, **hyper), per_step


def _finite_norms(traj: np.ndarray) -> np.ndarray:
    norms = np.hypot(traj[:, 0], traj[:, 1])
    finite = np.isfinite(norms)
    n = int(np.argmin(finite)) if not finite.all() else len(norms)
    return norms[:n]


def measured_factor(traj: np.ndarray, tail: float = 0.5) -> float:
    """Per-step factor of ‖z_t‖ read off a trajectory: exp of the least-squares slope of
    log ‖z_t‖ over the last ``tail`` of its usable part (finite, ‖z‖ > 1e-200). Exact for a
    geometric sequence; averages out the bounded wobble of non-normal maps (altgd). NaN when
    fewer than two rows qualify (e.g. a start at the equilibrium). The usable part also ends
    where ‖z‖ first drops below 1e-13·‖z₀‖: a nonlinear field reaches its rounding floor there
    and stops shrinking."""
    norms = _finite_norms(traj)
    if len(norms) == 0:
        return math.nan
    above = norms > max(_TINY, _FLOOR * norms[0])
    n = int(np.argmin(above)) if not above.all() else len(norms)  # rows before the floor
    if n < 2:
        return math.nan
    k0 = min(int(n * (1.0 - tail)), n - 2)
    t = np.arange(k0, n, dtype=float)
    logy = np.log(norms[k0:n])
    tc = t - t.mean()
    slope = float(np.dot(tc, logy - logy.mean()) / np.dot(tc, tc))
    return math.exp(slope)


def measured_behaviour(traj: np.ndarray, tol: float = MEASURED_TOL) -> str:
    """'converges' / 'cycles' / 'diverges' as seen in a trajectory (a blow-up is 'diverges';
    shrinking to below 1e-13·‖z₀‖ is 'converges'); 'at equilibrium' for a start at the origin."""
    norms = np.hypot(traj[:, 0], traj[:, 1])
    if not np.all(np.isfinite(norms)) or norms[-1] > BLOW_UP:
        return "diverges"
    if norms[0] == 0.0 and np.all(norms == 0.0):
        return "at equilibrium"
    if norms[-1] <= max(_TINY, _FLOOR * norms[0]):
        return "converges"
    factor = measured_factor(traj)
    if not math.isfinite(factor):
        return "unknown"
    return classify(factor, tol)
