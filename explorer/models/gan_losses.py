"""GAN objectives (chapter §20.10.4, eqs. 20.80–20.81, and the papers that fix mode collapse).

Every function takes the discriminator's raw outputs ("logits" a; D(x) = σ(a) is the probability
that x is real, eq. 20.81's d(x)) or, for WGAN-GP, the critic's unbounded scores. With D = σ(a):

    log D(x)       = −softplus(−a)
    log (1 − D(x)) = −softplus(a)

so every loss below is written with softplus, which stays finite where D saturates at 0 or 1.

The value function (eq. 20.81):  v(G, D) = E_data log D(x) + E_z log(1 − D(G(z))), and the game
(eq. 20.80):  G* = argmin_G max_D v(G, D).

- **minimax** (Goodfellow et al. 2014, eq. 20.80): D maximises v; G *minimises*
  E_z log(1 − D(G(z))) — the "saturating" loss: when D confidently rejects G's samples
  (D(G(z)) ≈ 0) its gradient ∂/∂a = −σ(a) ≈ 0 vanishes.
- **non-saturating** (the heuristic of §20.10.4, Goodfellow et al. 2014): D as in minimax; G
  *maximises* E_z log D(G(z)), i.e. minimises softplus(−a), whose gradient −σ(−a) ≈ −1 stays large
  exactly when D rejects the samples.
- **wgan-gp** (Gulrajani et al. 2017, "Improved training of Wasserstein GANs", eq. 3): a critic f
  minimises E_z f(G(z)) − E_data f(x) + λ E_x̂ (‖∇_x̂ f(x̂)‖₂ − 1)², with x̂ = εx + (1 − ε)G(z),
  ε ~ U[0, 1] per pair; G minimises −E_z f(G(z)). λ = 10 in the paper.
- **r1** (Mescheder, Geiger & Nowozin 2018, "Which training methods for GANs do actually
  converge?", eq. 9): the non-saturating game plus (γ/2) E_data ‖∇_x a(x)‖² on real data only
  (a = D's logit) added to D's loss.
- **unrolled** (Metz et al. 2017, "Unrolled generative adversarial networks", eqs. 6–8): G's loss
  is the minimax loss at θ_D^K, the discriminator after K gradient steps on its loss from the
  current θ_D; by default the gradient flows back through the K steps (their "surrogate" loss,
  whose second term is what discourages collapse). See :func:`unrolled_parameters`.
- **pacgan** (Lin, Khetan, Fanti & Oh 2018, "PacGAN: the power of two samples in GANs"): the
  non-saturating game, but D judges *packs* of m samples concatenated into one (m·d)-vector, all
  real or all fake (:func:`pack`); m = ``GANConfig.pack``.

``OBJECTIVES`` maps each name to its :class:`Objective`. Losses are means over the batch (over packs
when packing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as nnf
from torch import nn
from torch.func import functional_call

from explorer.errors import ConfigError

Critic = Callable[[torch.Tensor], torch.Tensor]  # packed points (P, m·d) -> outputs (P,)


def pack(x: torch.Tensor, m: int) -> torch.Tensor:
    """Concatenate each run of ``m`` consecutive samples into one row (PacGAN's packing).

    (B, d) -> (B/m, m·d); row j is [x_{jm}, x_{jm+1}, …, x_{jm+m−1}]. B must be a multiple of m.
    """
    if m < 1 or x.shape[0] % m:
        raise ConfigError(f"cannot pack {x.shape[0]} samples into groups of {m}")
    return x.reshape(x.shape[0] // m, m * x.shape[1])


# ----------------------------------------------------------------------------- the losses


def minimax_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """−v(G, D) of eq. 20.81 on a batch: −mean log D(x) − mean log(1 − D(G(z)))
    = mean softplus(−a_real) + mean softplus(a_fake). D minimises it (maximises v)."""
    return nnf.softplus(-real_logits).mean() + nnf.softplus(fake_logits).mean()


def minimax_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The saturating generator loss of eq. 20.80: mean log(1 − D(G(z))) = −mean softplus(a)."""
    return -nnf.softplus(fake_logits).mean()


def non_saturating_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating heuristic (§20.10.4): −mean log D(G(z)) = mean softplus(−a)."""
    return nnf.softplus(-fake_logits).mean()


def wasserstein_d_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """The critic's loss without its penalty (Gulrajani et al. 2017, eq. 3): mean f(G(z)) − mean
    f(x), the negated Kantorovich–Rubinstein estimate of W₁."""
    return fake_scores.mean() - real_scores.mean()


def wasserstein_g_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """The WGAN generator loss: −mean f(G(z))."""
    return -fake_scores.mean()


def input_gradient(critic: Critic, x: torch.Tensor, create_graph: bool = True) -> torch.Tensor:
    """∇_x f(x) row by row, (P, m·d): the gradient of Σ_rows f(x_row), each row's own gradient."""
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x).sum(), x, create_graph=create_graph)
    return grad


def gradient_penalty(
    critic: Critic, real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator | None
) -> torch.Tensor:
    """E_x̂ (‖∇_x̂ f(x̂)‖₂ − 1)², x̂ = εx + (1 − ε)x̃, ε ~ U[0, 1] per row (Gulrajani et al. 2017,
    eq. 3, without λ). ``real`` and ``fake`` are packed rows (P, m·d) of the same shape."""
    eps = torch.rand(real.shape[0], 1, generator=generator, dtype=real.dtype, device=real.device)
    interpolates = eps * real.detach() + (1 - eps) * fake.detach()
    grad = input_gradient(critic, interpolates)
    return ((grad.norm(dim=1) - 1) ** 2).mean()


def r1_penalty(critic: Critic, real: torch.Tensor) -> torch.Tensor:
    """E_data ‖∇_x a(x)‖₂² on real rows (Mescheder et al. 2018, eq. 9, without γ/2)."""
    return input_gradient(critic, real).pow(2).sum(dim=1).mean()


def unrolled_parameters(
    disc: nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    k: int,
    lr: float,
    backprop: bool = True,
) -> dict[str, torch.Tensor]:
    """θ_D^K: K plain gradient-descent steps θ ← θ − lr·∇_θ L_D(θ) on the minimax D loss
    (:func:`minimax_d_loss`) from the current parameters, on the same ``real`` and ``fake`` packs
    (Metz et al. 2017, eq. 7; they unroll the discriminator's own optimiser, Adam; plain steps
    are used here, a simplification stated in the app).

    ``backprop=True`` keeps the graph (``create_graph``), so a loss evaluated at θ_D^K
    differentiates through every step back to ``fake`` and hence to G — Metz et al.'s surrogate
    gradient (their eq. 8 with both terms). ``backprop=False`` stops it: G then sees only the
    look-ahead discriminator (the first term). D's own ``.grad`` is never touched.
    """
    params = {name: p.detach().requires_grad_(True) for name, p in disc.named_parameters()}
    fake_in = fake if backprop else fake.detach()
    for _ in range(k):
        loss = minimax_d_loss(
            functional_call(disc, params, (real,)), functional_call(disc, params, (fake_in,))
        )
        grads = torch.autograd.grad(loss, list(params.values()), create_graph=backprop)
        params = {
            name: (p - lr * g) if backprop else (p - lr * g).detach().requires_grad_(True)
            for (name, p), g in zip(params.items(), grads, strict=True)
        }
    return params


# ----------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Objective:
    """One GAN game. ``d_loss(real_out, fake_out)`` and ``g_loss(fake_out)`` act on D's outputs;
    ``penalty`` ("gp", "r1" or None) is added to D's loss by the trainer (weights λ, γ/2 in
    ``GANTrainConfig``); ``unrolled``: G's loss is taken at θ_D^K; ``needs_pack``: only with
    ``GANConfig.pack`` ≥ 2; ``critic``: D's output is an unbounded score, not a logit."""

    name: str
    d_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    g_loss: Callable[[torch.Tensor], torch.Tensor]
    penalty: str | None = None
    unrolled: bool = False
    needs_pack: bool = False
    critic: bool = False
    summary: str = ""


OBJECTIVES: dict[str, Objective] = {
    "minimax": Objective(
        "minimax", minimax_d_loss, minimax_g_loss,
        summary="G minimises log(1 − D(G(z))) (eq. 20.80): its gradient vanishes when D wins.",
    ),
    "non-saturating": Objective(
        "non-saturating", minimax_d_loss, non_saturating_g_loss,
        summary="G maximises log D(G(z)) (§20.10.4's heuristic): strong gradients when D wins.",
    ),
    "wgan-gp": Objective(
        "wgan-gp", wasserstein_d_loss, wasserstein_g_loss, penalty="gp", critic=True,
        summary="A critic estimates W₁; a gradient penalty keeps it 1-Lipschitz (Gulrajani 2017).",
    ),
    "r1": Objective(
        "r1", minimax_d_loss, non_saturating_g_loss, penalty="r1",
        summary="Non-saturating, plus (γ/2)‖∇D‖² on real data (Mescheder et al. 2018).",
    ),
    "unrolled": Objective(
        "unrolled", minimax_d_loss, minimax_g_loss, unrolled=True,
        summary="G is scored by D after K look-ahead steps of D (Metz et al. 2017).",
    ),
    "pacgan": Objective(
        "pacgan", minimax_d_loss, non_saturating_g_loss, needs_pack=True,
        summary="D judges packs of m samples together, so a collapsed G is easy to spot "
        "(Lin et al. 2018).",
    ),
}


def get_objective(name: str) -> Objective:
    """The objective called ``name``; an unknown name raises :class:`ConfigError`."""
    if name not in OBJECTIVES:
        raise ConfigError(f"unknown GAN objective {name!r}; known: {sorted(OBJECTIVES)}")
    return OBJECTIVES[name]
