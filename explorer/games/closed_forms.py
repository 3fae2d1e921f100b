"""Closed forms beside the simulator: per-step growth factors, invariants, stability ranges.

Bilinear game v(a, b) = ab (chapter §20.10.4), F(z) = Jz with J = [[0, 1], [−1, 0]]. Writing
w = a + ib, F is multiplication by −i, so every method except the alternating ones is a
complex-linear recurrence and ‖z‖ = |w|:

============= ============================================ =====================================
method        per-step factor of ‖z‖ (spectral radius ρ)   behaviour in η > 0
============= ============================================ =====================================
flow          1  (rotation by η)                           cycles for every η
simgd         √(1 + η²)  (exactly, every step)             diverges for every η
altgd         1 for η < 2 (det 1, |trace| < 2);            cycles for 0 < η < 2,
              (η² − 2 + η√(η² − 4))/2 for η > 2            diverges for η ≥ 2
extragradient √(1 − η² + η⁴)  (exactly, every step)        converges for 0 < η < 1
optimistic    max |λ|, λ² − (1 + 2iη)λ + iη = 0:           converges for 0 < η < 1/√3
              √((1 + √(1 − 4η²))/2) for η ≤ ½,
              √(¼ + (η + √(4η² − 1)/2)²) for η > ½
consensus     √((1 − ηγ)² + η²)  (exactly, every step)     converges for 0 < η < 2γ/(1 + γ²)
momentum      max |λ|, λ² − (1 + β + iη)λ + β = 0          diverges for every η, −1 < β < 1
altmomentum   spectral radius of the 4×4 companion matrix  converges for −1 < β < 0 and
              (numpy eigvals)                              0 < η < 2(1 + β); β = 0 is altgd;
                                                           diverges for β > 0
============= ============================================ =====================================

The two-step methods (optimistic, momentum, altmomentum) are 4-D linear recurrences in
(z, z_prev); ρ is the spectral radius of their companion matrix and ‖z_t‖ ≈ C ρ^t once the
other eigenvalue's part has died out. ``altgd`` conserves the quadratic form
H(a, b) = a² + b² − η·ab  (check: with a' = a − ηb, b' = b + ηa',
a'² + b'² − ηa'b' = a'² + b² + ηa'b = a² + b² − ηab); H is positive definite exactly when η < 2,
so the orbit is a closed tilted ellipse. The stability boundaries for optimistic and altmomentum
were derived from the roots (optimistic: |λ| = 1 at η = 1/√3) and checked against the
eigenvalues numerically (altmomentum); the tests check all of them by simulation.

Dirac-GAN (Mescheder, Geiger & Nowozin 2018, §2–3): the Jacobian of the gradient vector field
v = −F at the equilibrium (0, 0) is [[0, −f'(0)], [f'(0), d]] with f'(0) = ½ (f'(0) = 1 for
WGAN) and d = 0 (no regularizer), −γ (R1), 2σ²f''(0) = −σ²/2 (instance noise); its eigenvalues
λ = d/2 ± √(d²/4 − f'(0)²): purely imaginary (±i/2) without regularization, so simultaneous GD
spirals out near (0, 0) (|1 + ηλ| > 1); with R1 (γ > 0) or instance noise (σ > 0, not for WGAN
where f'' = 0) Re λ < 0 and small steps converge. With Re λ = 0 the linearisation cannot decide
what the continuous flow does; the nonlinear term does (:func:`flow_energy_rate`): for the
saturating loss F = f'(θψ)·(ψ, −θ) is the rotation rescaled, d(½‖z‖²)/dt = 0 and the flow circles;
for WGAN the field is the rotation itself; for the non-saturating loss
d(½‖z‖²)/dt = −θψ·tanh(θψ/2) ≤ 0 and the flow spirals slowly *in* (:func:`dirac_prediction`).
WGAN-GP's penalty is not differentiable at ψ = 0: there is no Jacobian there (the paper shows it
does not converge in general). The local per-step factor of a method is the spectral radius of
its update map linearized at the equilibrium (:func:`update_matrix` with A = ∂F = −∂v).
"""

from __future__ import annotations

import cmath
import math
from dataclasses import dataclass

import numpy as np

from explorer.errors import ConfigError
from explorer.games.methods import METHODS

BILINEAR_JACOBIAN = np.array([[0.0, 1.0], [-1.0, 0.0]])  # ∂F of F(a, b) = (b, −a)
CYCLE_TOL = 1e-9


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ConfigError(f"unknown method {method!r}: expected one of {', '.join(METHODS)}")


def update_matrix(
    method: str, A: np.ndarray, lr: float, gamma: float = 1.0, beta: float = -0.5
) -> np.ndarray:
    """The method's update as a matrix for a linear field F(z) = A z (A is 2×2).

    One-step methods give a 2×2 M with z' = M z; two-step methods (optimistic, momentum,
    altmomentum) a 4×4 companion matrix acting on (z, z_prev). ``flow`` gives exp(−ηA).
    """
    _check_method(method)
    A = np.asarray(A, dtype=float)
    eta = float(lr)
    I2 = np.eye(2)
    if method == "flow":
        return _expm2(-eta * A)
    if method == "simgd":
        return I2 - eta * A
    if method == "extragradient":
        return I2 - eta * A @ (I2 - eta * A)
    if method == "consensus":
        return I2 - eta * (A + gamma * A.T @ A)
    if method == "altgd":
        (a11, a12), (a21, a22) = A
        row_a = np.array([1.0 - eta * a11, -eta * a12])  # a' in terms of (a, b)
        row_b = np.array([0.0, 1.0 - eta * a22]) - eta * a21 * row_a
        return np.stack([row_a, row_b])
    M = np.zeros((4, 4))
    M[2:, :2] = I2  # z_prev' = z
    if method == "optimistic":
        M[:2, :2] = I2 - 2.0 * eta * A
        M[:2, 2:] = eta * A
    elif method == "momentum":
        M[:2, :2] = (1.0 + beta) * I2 - eta * A
        M[:2, 2:] = -beta * I2
    else:  # altmomentum: a' from (a, b, a_prev); b' from (a', b, b_prev)
        (a11, a12), (a21, a22) = A
        row_a = np.array([1.0 + beta - eta * a11, -eta * a12, -beta, 0.0])
        row_b = np.array([0.0, 1.0 + beta - eta * a22, 0.0, -beta]) - eta * a21 * row_a
        M[0], M[1] = row_a, row_b
    return M


def _expm2(M: np.ndarray) -> np.ndarray:
    """exp(M) for a real 2×2 matrix: e^s [cosh(q) I + sinh(q)/q (M − sI)], s = tr/2,
    q² = s² − det (exact, also for a repeated eigenvalue)."""
    s = 0.5 * (M[0, 0] + M[1, 1])
    q = cmath.sqrt(s * s - (M[0, 0] * M[1, 1] - M[0, 1] * M[1, 0]))
    sinhc = cmath.sinh(q) / q if abs(q) > 1e-8 else 1.0 + q * q / 6.0
    out = math.exp(s) * (cmath.cosh(q) * np.eye(2) + sinhc * (M - s * np.eye(2)))
    return np.real(out)


def spectral_radius(M: np.ndarray) -> float:
    """max |eigenvalue|."""
    return float(np.max(np.abs(np.linalg.eigvals(M))))


def growth_factor(method: str, lr: float, gamma: float = 1.0, beta: float = -0.5) -> float:
    """Per-step growth factor ρ of ‖z‖ for ``method`` on the bilinear game (table above).

    Exact every step for flow, simgd, extragradient and consensus; the asymptotic factor (the
    spectral radius) for altgd and the two-step methods.
    """
    _check_method(method)
    eta = float(lr)
    if method == "flow":
        return 1.0
    if method == "simgd":
        return math.sqrt(1.0 + eta * eta)
    if method == "extragradient":
        return math.sqrt(1.0 - eta * eta + eta**4)
    if method == "consensus":
        return math.sqrt((1.0 - eta * gamma) ** 2 + eta * eta)
    if method == "altgd":
        if eta <= 2.0:
            return 1.0
        return (eta * eta - 2.0 + eta * math.sqrt(eta * eta - 4.0)) / 2.0
    if method == "optimistic":
        if eta <= 0.5:
            return math.sqrt((1.0 + math.sqrt(1.0 - 4.0 * eta * eta)) / 2.0)
        return math.sqrt(0.25 + (eta + math.sqrt(4.0 * eta * eta - 1.0) / 2.0) ** 2)
    if method == "momentum":
        s = 1.0 + beta + 1j * eta
        disc = cmath.sqrt(s * s - 4.0 * beta)
        return max(abs((s + disc) / 2.0), abs((s - disc) / 2.0))
    return spectral_radius(update_matrix("altmomentum", BILINEAR_JACOBIAN, eta, gamma, beta))


def altgd_invariant(traj: np.ndarray, lr: float) -> np.ndarray:
    """H(a, b) = a² + b² − η·a·b for every row of a trajectory: constant under altgd."""
    a, b = traj[:, 0], traj[:, 1]
    return a * a + b * b - float(lr) * a * b


@dataclass(frozen=True)
class StabilityRange:
    """The open interval lo < η < hi in which a method does ``inside`` on the bilinear game;
    for η ≥ hi (and every η when the range is None) it diverges."""

    lo: float
    hi: float
    inside: str  # "converges" or "cycles"
    formula: str


def stability_range(method: str, gamma: float = 1.0, beta: float = -0.5) -> StabilityRange | None:
    """Where in η the method converges or cycles on the bilinear game; None: diverges for all η."""
    _check_method(method)
    if method == "flow":
        return StabilityRange(0.0, math.inf, "cycles", "every η > 0")
    if method == "altgd":
        return StabilityRange(0.0, 2.0, "cycles", "0 < η < 2")
    if method == "extragradient":
        return StabilityRange(0.0, 1.0, "converges", "0 < η < 1")
    if method == "optimistic":
        return StabilityRange(0.0, 1.0 / math.sqrt(3.0), "converges", "0 < η < 1/√3")
    if method == "consensus":
        if gamma <= 0.0:
            return None
        return StabilityRange(
            0.0, 2.0 * gamma / (1.0 + gamma * gamma), "converges", "0 < η < 2γ/(1+γ²)"
        )
    if method == "altmomentum":
        if beta < 0.0:
            return StabilityRange(0.0, 2.0 * (1.0 + beta), "converges", "0 < η < 2(1+β)")
        if beta == 0.0:
            return StabilityRange(0.0, 2.0, "cycles", "β = 0 is altgd: 0 < η < 2")
        return None
    return None  # simgd, momentum


def classify(factor: float, tol: float = CYCLE_TOL) -> str:
    """'converges' (ρ < 1 − tol), 'cycles' (|ρ − 1| ≤ tol) or 'diverges'."""
    if not math.isfinite(factor):
        return "diverges" if factor > 0 else "unknown"
    if factor < 1.0 - tol:
        return "converges"
    if factor > 1.0 + tol:
        return "diverges"
    return "cycles"


def predicted_behaviour(
    method: str, lr: float, gamma: float = 1.0, beta: float = -0.5
) -> tuple[float, str]:
    """(ρ, behaviour) on the bilinear game; altgd at η = 2 grows linearly: 'diverges'."""
    rho = growth_factor(method, lr, gamma, beta)
    verdict = classify(rho)
    if method == "altgd" and lr >= 2.0:
        verdict = "diverges"
    if method == "altmomentum" and beta == 0.0 and lr >= 2.0:
        verdict = "diverges"
    return rho, verdict


# ----------------------------------------------------------------------------- Dirac-GAN


def dirac_slopes(loss: str) -> tuple[float, float]:
    """(f'(0), f''(0)) of the loss: (½, −¼) for the logistic f, (1, 0) for WGAN."""
    if loss == "wgan":
        return 1.0, 0.0
    if loss in ("gan", "ns-gan"):
        return 0.5, -0.25
    raise ConfigError(f"unknown loss {loss!r}: expected one of gan, ns-gan, wgan")


def dirac_jacobian(
    loss: str = "gan", regularizer: str = "none", reg_gamma: float = 1.0, sigma: float = 0.5
) -> np.ndarray | None:
    """Jacobian ∂v of the gradient vector field v = −F at (0, 0), closed form; None for WGAN-GP
    (not differentiable there)."""
    fp0, fpp0 = dirac_slopes(loss)
    if regularizer == "none":
        d = 0.0
    elif regularizer == "r1":
        d = -float(reg_gamma)
    elif regularizer == "noise":
        d = 2.0 * float(sigma) ** 2 * fpp0
    elif regularizer == "wgan-gp":
        return None
    else:
        raise ConfigError(
            f"unknown regularizer {regularizer!r}: expected one of none, r1, wgan-gp, noise"
        )
    return np.array([[0.0, -fp0], [fp0, d]])


def dirac_eigenvalues(
    loss: str = "gan", regularizer: str = "none", reg_gamma: float = 1.0, sigma: float = 0.5
) -> np.ndarray | None:
    """Eigenvalues of ∂v at the equilibrium, λ = d/2 ± √(d²/4 − f'(0)²) (complex, 2); None for
    WGAN-GP. Mescheder et al. 2018: ±i f'(0) unregularized; −γ/2 ± √(γ²/4 − f'(0)²) with R1;
    f''(0)σ² ± √(f''(0)²σ⁴ − f'(0)²) with instance noise."""
    J = dirac_jacobian(loss, regularizer, reg_gamma, sigma)
    if J is None:
        return None
    fp0, d = J[1, 0], J[1, 1]
    root = cmath.sqrt(d * d / 4.0 - fp0 * fp0)
    return np.array([d / 2.0 + root, d / 2.0 - root], dtype=complex)


def dirac_local_factor(
    method: str,
    lr: float,
    gamma: float = 1.0,
    beta: float = -0.5,
    loss: str = "gan",
    regularizer: str = "none",
    reg_gamma: float = 1.0,
    sigma: float = 0.5,
) -> float | None:
    """Spectral radius of the method's update linearized at the Dirac-GAN equilibrium (its local
    per-step factor: < 1 converges from nearby starts); None for WGAN-GP."""
    J = dirac_jacobian(loss, regularizer, reg_gamma, sigma)
    if J is None:
        return None
    return spectral_radius(update_matrix(method, -J, lr, gamma, beta))


# ----------------------------------------------------------------------------- verdicts


UNDECIDED = "undecided"


def flow_energy_rate(loss: str, theta: float, psi: float) -> float:
    """d(½‖z‖²)/dt = −z·F(z) of the unregularized Dirac-GAN flow ż = −F(z) at (θ, ψ).

    Saturating GAN: F = f'(θψ)·(ψ, −θ), so 0 (the flow keeps ‖z‖: it circles). WGAN: 0 (a
    rotation). Non-saturating: F = (ψ f'(−θψ), −θ f'(θψ)), so θψ(f'(θψ) − f'(−θψ))
    = −θψ·tanh(θψ/2) ≤ 0 with f'(t) = ½ − ½ tanh(t/2): the flow spirals in, slowly (the rate is
    of order ‖z‖⁴ near 0, which is why the linearisation, of order ‖z‖², sees nothing).
    """
    dirac_slopes(loss)  # checks the name
    if loss == "ns-gan":
        t = float(theta) * float(psi)
        return -t * math.tanh(0.5 * t)
    return 0.0


@dataclass(frozen=True)
class Prediction:
    """What the analysis at the Dirac-GAN's equilibrium predicts for one method.

    ``factor``: the local per-step factor (spectral radius of the linearized update; None for
    WGAN-GP, which has no Jacobian at 0). ``verdict``: converges / cycles / diverges, or
    :data:`UNDECIDED`. ``reason``: which argument decides —
    ``"linear"`` (the linearisation: |ρ − 1| > tol),
    ``"nonlinear"`` (ρ = 1 for the flow; :func:`flow_energy_rate` decides),
    ``"neutral"`` (ρ = 1 for a discrete method: the linearisation cannot decide),
    ``"bounded"`` (ρ > 1: the run leaves (0, 0), but the non-saturating damping or the WGAN clip
    can hold it on a bounded orbit farther out: whether it diverges is not decided),
    ``"no-jacobian"`` (WGAN-GP).
    """

    factor: float | None
    verdict: str
    reason: str


def dirac_prediction(
    method: str,
    lr: float,
    gamma: float = 1.0,
    beta: float = -0.5,
    loss: str = "gan",
    regularizer: str = "none",
    reg_gamma: float = 1.0,
    sigma: float = 0.5,
    clipped: bool = False,
    tol: float = CYCLE_TOL,
) -> Prediction:
    """The verdict the analysis at (0, 0) supports for ``method`` on the Dirac-GAN, honestly:
    :data:`UNDECIDED` where the linearisation cannot decide and no nonlinear argument does.
    ``clipped``: whether ψ is clipped (:func:`explorer.games.fields.clips_psi`)."""
    rho = dirac_local_factor(method, lr, gamma, beta, loss, regularizer, reg_gamma, sigma)
    if rho is None:
        return Prediction(None, UNDECIDED, "no-jacobian")
    verdict = classify(rho, tol)
    if verdict == "converges":
        return Prediction(rho, verdict, "linear")
    if verdict == "cycles":
        if method == "flow":  # Re λ = 0: the regularizer adds nothing here, the loss decides
            return Prediction(rho, "converges" if loss == "ns-gan" else "cycles", "nonlinear")
        return Prediction(rho, UNDECIDED, "neutral")
    if loss == "ns-gan" or clipped:
        return Prediction(rho, UNDECIDED, "bounded")
    return Prediction(rho, verdict, "linear")
