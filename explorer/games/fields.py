"""The two games as vector fields: the bilinear game v(a, b) = ab and the Dirac-GAN.

Chapter §20.10.4: "Consider for example the value function v(a, b) = ab, where one player
controls a and incurs cost ab, while the other player controls b and receives a cost −ab. [...]
a and b go into a stable, circular orbit, rather than arriving at the equilibrium point at the
origin."  The Dirac-GAN is the smallest GAN with the same behaviour (Mescheder, Geiger & Nowozin
2018, "Which training methods for GANs do actually converge?", §2): the data is a point mass at
0, the generator a point mass at θ, the discriminator D(x) = ψx.

Convention used everywhere in :mod:`explorer.games`
---------------------------------------------------
z = (a, b) (or (θ, ψ)); the first player minimizes, the second maximizes. ``F(z)`` is the
*simultaneous gradient*, the direction both players step **against**::

    F(z) = (∂_a cost_a, ∂_b cost_b),      gradient descent for both:  z' = z − η F(z)

For v = ab this is F(a, b) = (b, −a). The continuous-time flow is ż = −F(z). Mescheder et al.
call ``v(z) = −F(z)`` the *gradient vector field*; the eigenvalues in
:mod:`explorer.games.closed_forms` are those of its Jacobian ∂v = −∂F, so "real part < 0" means
"the flow converges locally", as in the paper.

The Dirac-GAN (all with f(t) = −log(1 + e^{−t}) except WGAN, where f(t) = t)
---------------------------------------------------------------------------
* ``gan``    (saturating):      generator minimizes L(θ, ψ) = f(ψθ) + f(0)
* ``ns-gan`` (non-saturating):  generator minimizes −f(−ψθ)
* ``wgan``:                     f(t) = t, and ψ is clipped to [−c, c] after every update
  (hyper ``clip``, default 1: D(x) = ψx is then 1-Lipschitz, the constraint that weight clipping
  stands for). The clipping is a projection of ψ applied to every iterate a method produces
  (also extragradient's look-ahead step and every RK4 sub-step of the flow). WGAN-GP (``wgan``
  with the ``wgan-gp`` regularizer) replaces the clipping by its penalty: no clipping there
  (:func:`clips_psi`).

The discriminator always maximizes f(ψθ) + f(−ψ·0) minus its regularizer R(ψ):

* ``none``:    R = 0
* ``r1``:      R1 / zero-centred gradient penalty on the real data, R = γ/2 · E[(∂_x D)²]
  = γ/2 · ψ² (hyper ``reg_gamma``). Eigenvalues −γ/2 ± √(γ²/4 − f'(0)²) (paper, §3).
* ``wgan-gp``: R = γ/2 · (|ψ| − 1)², the WGAN-GP penalty: ‖∂_x D‖ = |ψ| at every interpolate
  (paper, §3 and its appendix with g₀ = 1). Not differentiable at ψ = 0, so there is no
  Jacobian at the equilibrium; at ψ = 0 we take sign(0) = 0.
* ``noise``:   instance noise ε ~ N(0, σ²) added to real and fake samples (hyper ``sigma``):
  the losses become E_ε[f(ψ(θ + ε))] + E_ε[f(−ψε)]. The expectation is computed with
  Gauss–Hermite quadrature on ``N_QUADRATURE`` = 20 nodes: exact for polynomials of degree
  ≤ 39, so the Jacobian at the equilibrium, 2σ²f''(0) on the diagonal, is exact. Away from
  it the error of the expectations E[f'(ψ(θ + ε))] is about 2e-10 at |ψ|σ = 1, 4e-6 at 2,
  1e-4 at 3 and 2e-3 at 5 (the logistic's complex poles limit Gauss–Hermite).

All functions here are scalar Python-float code (the inner loops of the simulator call them a
few thousand times a redraw; numpy on 2-vectors is slower there).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from explorer.errors import ConfigError

LOSSES: tuple[str, ...] = ("gan", "ns-gan", "wgan")
REGULARIZERS: tuple[str, ...] = ("none", "r1", "wgan-gp", "noise")
LOSS_LABELS = {"gan": "GAN (saturating)", "ns-gan": "non-saturating GAN", "wgan": "WGAN"}
REGULARIZER_LABELS = {
    "none": "none",
    "r1": "R1 gradient penalty",
    "wgan-gp": "WGAN-GP penalty",
    "noise": "instance noise",
}
N_QUADRATURE = 20  # even: the nodes pair up as ±e (no node at 0)

Vec = tuple[float, float]
Mat = tuple[float, float, float, float]  # row-major 2×2: (J11, J12, J21, J22)


@dataclass(frozen=True)
class GameField:
    """A two-player game as the simultaneous-gradient field F and what the simulator needs.

    ``grad(a, b)`` is F(z); ``jacobian(a, b)`` is ∂F (row-major); ``clip`` (or None) bounds the
    second coordinate after every update; ``exact_flow(start, times)`` (or None) is the closed
    form of ż = −F(z); ``value(A, B)`` (numpy, vectorized) is the value drawn as level sets.
    """

    game: str
    labels: tuple[str, str]
    grad: Callable[[float, float], Vec]
    jacobian: Callable[[float, float], Mat]
    value: Callable[[np.ndarray, np.ndarray], np.ndarray]
    clip: float | None = None
    exact_flow: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    description: str = ""
    stiffness: float = 1.0  # a bound on ‖∂F‖ over the plane; sets the flow's RK4 sub-step


# ----------------------------------------------------------------------------- bilinear game


def _bilinear_grad(a: float, b: float) -> Vec:
    return b, -a


def _bilinear_jacobian(a: float, b: float) -> Mat:
    return 0.0, 1.0, -1.0, 0.0


def _bilinear_value(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a * b


def bilinear_flow(start: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Exact solution of ż = −F(z) = (−b, a): a rotation by angle t.  Returns (len(times), 2)."""
    a0, b0 = float(start[0]), float(start[1])
    c, s = np.cos(times), np.sin(times)
    return np.stack([a0 * c - b0 * s, a0 * s + b0 * c], axis=1)


def bilinear_field() -> GameField:
    """v(a, b) = ab: a minimizes, b maximizes; F(a, b) = (b, −a); the flow is a rotation."""
    return GameField(
        game="bilinear",
        labels=("a", "b"),
        grad=_bilinear_grad,
        jacobian=_bilinear_jacobian,
        value=_bilinear_value,
        clip=None,
        exact_flow=bilinear_flow,
        description="v(a, b) = a·b",
    )


# ----------------------------------------------------------------------------- Dirac-GAN


def _sigmoid(x: float) -> float:
    """1 / (1 + e^{−x}) without overflow for any finite x."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def logistic_f(t: np.ndarray) -> np.ndarray:
    """f(t) = −log(1 + e^{−t}) (vectorized, stable)."""
    return -np.logaddexp(0.0, -t)


def logistic_fp(t: float) -> float:
    """f'(t) = 1 / (1 + e^{t}) = σ(−t)."""
    return _sigmoid(-t)


def logistic_fpp(t: float) -> float:
    """f''(t) = −σ(t) σ(−t)."""
    s = _sigmoid(t)
    return -s * (1.0 - s)


def _quadrature(sigma: float, n: int = N_QUADRATURE) -> tuple[list[float], list[float]]:
    """Nodes ε_i and weights w_i with Σ w_i g(ε_i) ≈ E[g(ε)], ε ~ N(0, σ²) (Gauss–Hermite)."""
    x, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / w.sum()
    return [float(v) for v in sigma * x], [float(v) for v in w]


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"unknown {name} {value!r}: expected one of {', '.join(allowed)}")
    return str(value)


def _check_number(name: str, value: object, lo: float, hi: float, lo_open: bool = False) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(x) or x < lo or x > hi or (lo_open and x == lo):
        bracket = "(" if lo_open else "["
        raise ConfigError(f"{name} must be a finite number in {bracket}{lo:g}, {hi:g}], got {x!r}")
    return x


def clips_psi(loss: str, regularizer: str) -> bool:
    """Whether the Dirac-GAN clips ψ: only plain WGAN does (WGAN-GP's penalty replaces the
    clipping, Gulrajani et al. 2017; the logistic losses never clip)."""
    return loss == "wgan" and regularizer != "wgan-gp"


def dirac_field(
    loss: str = "gan",
    regularizer: str = "none",
    reg_gamma: float = 1.0,
    sigma: float = 0.5,
    clip: float | None = 1.0,
) -> GameField:
    """The Dirac-GAN's field F(θ, ψ) for a loss and a regularizer (see the module docstring).

    ``reg_gamma`` is γ of ``r1`` / ``wgan-gp``; ``sigma`` the instance-noise std; ``clip`` the
    WGAN bound c on |ψ| (used only when :func:`clips_psi`, i.e. WGAN without the WGAN-GP penalty;
    None turns clipping off).
    """
    loss = _check_choice("loss", loss, LOSSES)
    regularizer = _check_choice("regularizer", regularizer, REGULARIZERS)
    gamma = _check_number("reg_gamma", reg_gamma, 0.0, 100.0)
    sigma = _check_number("sigma", sigma, 0.0, 10.0)
    if clip is not None:
        clip = _check_number("clip", clip, 0.0, 1e6, lo_open=True)
    use_clip = clip if clips_psi(loss, regularizer) else None

    # R'(ψ) and R''(ψ) of the discriminator's penalty (F_ψ gets + R'(ψ)).
    if regularizer == "r1":

        def r_d1(psi: float) -> float:
            return gamma * psi

        def r_d2(psi: float) -> float:
            return gamma

    elif regularizer == "wgan-gp":

        def r_d1(psi: float) -> float:
            sign = 0.0 if psi == 0.0 else math.copysign(1.0, psi)
            return gamma * (psi - sign)  # γ (|ψ| − 1) sign ψ

        def r_d2(psi: float) -> float:
            return gamma  # away from ψ = 0, where |ψ| has no derivative

    else:

        def r_d1(psi: float) -> float:
            return 0.0

        def r_d2(psi: float) -> float:
            return 0.0

    if loss == "wgan":
        # f(t) = t: F = (ψ, −θ) + (0, R'(ψ)); instance noise cancels (E ε = 0).
        def grad(theta: float, psi: float) -> Vec:
            return psi, -theta + r_d1(psi)

        def jacobian(theta: float, psi: float) -> Mat:
            return 0.0, 1.0, -1.0, r_d2(psi)

        def value(theta: np.ndarray, psi: np.ndarray) -> np.ndarray:
            return theta * psi

    else:
        if regularizer == "noise" and sigma > 0.0:
            eps, wts = _quadrature(sigma)
        else:
            eps, wts = [0.0], [1.0]
        nodes = list(zip(eps, wts, strict=True))
        gen_sign = 1.0 if loss == "gan" else -1.0  # ns-gan: generator uses f'(−ψu)
        fp, fpp = logistic_fp, logistic_fpp

        if len(nodes) == 1:  # no noise: the fast path

            def grad(theta: float, psi: float) -> Vec:
                t = psi * theta
                g_theta = psi * fp(gen_sign * t)
                return g_theta, -theta * fp(t) + r_d1(psi)

            def jacobian(theta: float, psi: float) -> Mat:
                t = psi * theta
                d1, d2 = fp(t), fpp(t)
                g1, g2 = fp(gen_sign * t), fpp(gen_sign * t)
                return (
                    gen_sign * psi * psi * g2,
                    g1 + gen_sign * psi * theta * g2,
                    -d1 - theta * psi * d2,
                    -theta * theta * d2 + r_d2(psi),
                )

        else:
            # Gauss–Hermite nodes come in pairs ±e with equal weights: loop over pairs (e, 2w).
            # With f'(t) = ½ − ½ tanh(t/2) and h± = tanh(ψ(θ ± e)/2), r = tanh(ψe/2):
            #   f'(ψu₊) + f'(ψu₋) = 1 − (h₊ + h₋)/2          (ns-gan: 2 − that = 1 + (h₊ + h₋)/2)
            #   u₊f'(ψu₊) + u₋f'(ψu₋) − [e f'(−ψe) − e f'(ψe)]
            #       = θ − θ(h₊ + h₋)/2 − e(h₊ − h₋)/2 − e r
            # written so that nothing cancels near the equilibrium (θ + e would swallow a tiny θ).
            pairs = [(e, 2.0 * w) for e, w in nodes if e > 0.0]
            gan = loss == "gan"
            tanh = math.tanh

            def grad(theta: float, psi: float) -> Vec:
                s_sum = 0.0  # Σ w (h₊ + h₋)
                s_diff = 0.0  # Σ w e (h₊ − h₋ + 2r)
                for e, w in pairs:
                    hp = tanh(0.5 * psi * (theta + e))
                    hm = tanh(0.5 * psi * (theta - e))
                    s_sum += w * (hp + hm)
                    s_diff += w * e * (hp - hm + 2.0 * tanh(0.5 * psi * e))
                # pair weights sum to 1; each pair's bracket is (the pair sum)/2
                g_theta = psi * (0.5 - 0.25 * s_sum) if gan else psi * (0.5 + 0.25 * s_sum)
                g_psi = 0.5 * theta - 0.25 * theta * s_sum - 0.25 * s_diff
                return g_theta, -g_psi + r_d1(psi)

            def jacobian(theta: float, psi: float) -> Mat:
                # per node u = θ ± e: s = f'(ψu) = ½ − ½h, f''(ψu) = −s(1 − s) = (h² − 1)/4,
                # h = tanh(ψu/2); the sums below are Σ w s, Σ w f'', Σ w u f'', Σ w u² f''
                sum_s = sum_d2 = sum_ud2 = sum_uud2 = edge = 0.0
                for e, w in pairs:
                    for u in (theta + e, theta - e):
                        h = tanh(0.5 * psi * u)
                        wd2 = w * 0.25 * (h * h - 1.0)
                        sum_s += w * (0.5 - 0.5 * h)
                        sum_d2 += wd2
                        sum_ud2 += u * wd2
                        sum_uud2 += u * u * wd2
                    r = tanh(0.5 * psi * e)
                    edge += 0.5 * w * e * e * (1.0 - r * r)  # 2e² r(1 − r), r = f'(ψe)
                sum_g1 = sum_s if gan else 2.0 - sum_s  # Σ w g₁ (pair weights w sum to 1)
                j11 = gen_sign * psi * psi * sum_d2
                j12 = sum_g1 + gen_sign * psi * sum_ud2
                j21 = -sum_s - psi * sum_ud2
                j22 = -sum_uud2 + edge
                return 0.5 * j11, 0.5 * j12, 0.5 * j21, 0.5 * j22 + r_d2(psi)

        def value(theta: np.ndarray, psi: np.ndarray) -> np.ndarray:
            return logistic_f(theta * psi) + logistic_f(np.zeros_like(theta))

    desc = f"Dirac-GAN, {LOSS_LABELS[loss]}, regularizer: {REGULARIZER_LABELS[regularizer]}"
    rate = 1.0 if loss == "wgan" else 0.5  # f'(0)
    if regularizer in ("r1", "wgan-gp"):
        rate += gamma
    elif regularizer == "noise" and loss != "wgan":
        rate += 0.5 * sigma * sigma  # |2σ²f''(0)|
    stiffness = max(1.0, rate)
    return GameField(
        game="dirac",
        labels=("θ", "ψ"),
        grad=grad,
        jacobian=jacobian,
        value=value,
        clip=use_clip,
        exact_flow=None,
        description=desc,
        stiffness=stiffness,
    )


def field_arrays(field: GameField, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """F evaluated on a grid (for drawing arrows); same shapes as ``a`` and ``b``."""
    fa = np.empty(a.shape)
    fb = np.empty(a.shape)
    for idx in np.ndindex(a.shape):
        fa[idx], fb[idx] = field.grad(float(a[idx]), float(b[idx]))
    return fa, fb
