"""Annealed importance sampling for an RBM's partition function (chapter §18.7; Salakhutdinov &
Murray 2008), and the RBM's test log-likelihood that it makes possible (§20.14).

The chapter's §20.2 RBM has an intractable ``Z`` (eq. 20.4). AIS estimates it by moving from a
base-rate RBM ``A`` (weights 0, visible biases ``b_A`` = logit of the smoothed training pixel
means, so ``log Z_A = Σ_i softplus(b_A,i) + n_hidden log 2`` is exact) to the target ``B`` through
the geometric path of unnormalised distributions, for ``0 = β_0 < β_1 < … < β_K = 1``,

    log p*_k(v) = (1 − β_k) b_Aᵀv + β_k bᵀv + Σ_j softplus(β_k (c_j + vᵀW_{:,j}))

(at β = 0 the hidden units contribute the constant ``2^{n_hidden}``). Each of ``M``
independent runs draws ``v_1 ~ p_A`` exactly, then alternates a weight update
``log w += log p*_k(v_k) − log p*_{k−1}(v_k)`` with one Gibbs sweep that leaves ``p_k``
invariant. ``Ẑ_B = Z_A · mean(w)`` is unbiased; ``log Ẑ_B`` is slightly biased low (Jensen), so the
test log-likelihood ``mean(−F(v)) − log Ẑ`` tends to be optimistic — the chapter's §20.14 point that
such numbers need their estimator named. The reported error is the delta-method standard error of
``log Ẑ``, ``std(w) / (√M mean(w))``, and Salakhutdinov & Murray's ``log(Ẑ ± 3 σ̂)`` interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as nnf

# Salakhutdinov & Murray (2008): 500 β's in [0, 0.5], 4,000 in [0.5, 0.9], 10,000 in [0.9, 1].
SM_KNOTS = (0.0, 0.5, 0.9, 1.0)
SM_SHARES = (500, 4000, 10000)


def sm_schedule(n_betas: int) -> torch.Tensor:
    """``n_betas + 1`` inverse temperatures from 0 to 1, spaced like Salakhutdinov & Murray's
    (the same shares of points in [0, .5], [.5, .9], [.9, 1]), float64."""
    if n_betas < 3:
        return torch.linspace(0, 1, n_betas + 1, dtype=torch.float64)
    total = sum(SM_SHARES)
    counts = [max(1, round(n_betas * s / total)) for s in SM_SHARES]
    counts[-1] = n_betas - sum(counts[:-1])
    parts = [torch.linspace(lo, hi, n + 1, dtype=torch.float64)[:-1]
             for lo, hi, n in zip(SM_KNOTS[:-1], SM_KNOTS[1:], counts, strict=True)]
    return torch.cat([*parts, torch.ones(1, dtype=torch.float64)])


def base_rate_biases(data: torch.Tensor, smoothing: float = 0.05) -> torch.Tensor:
    """Visible biases of the base-rate RBM: the logit of ``(mean + s) / (1 + 2 s)`` per pixel."""
    p = (data.double().mean(0) + smoothing) / (1 + 2 * smoothing)
    return torch.logit(p)


@dataclass
class AISResult:
    log_z: float
    se: float  # delta-method standard error of log Ẑ
    log_z_low: float  # log(Ẑ − 3σ̂) (−inf when the interval reaches 0)
    log_z_high: float  # log(Ẑ + 3σ̂)
    n_runs: int
    n_betas: int
    log_z_base: float


def _log_p_star(v, beta, b_a, b, c, W) -> torch.Tensor:
    return (1 - beta) * (v @ b_a) + beta * (v @ b) + nnf.softplus(beta * (v @ W + c)).sum(-1)


@torch.no_grad()
def ais_log_z(
    rbm,
    n_runs: int = 100,
    n_betas: int = 1000,
    base_biases: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    betas: torch.Tensor | None = None,
) -> AISResult:
    """AIS estimate of log Z of ``rbm`` (an :class:`explorer.models.rbm.RBM`), in nats.

    ``base_biases``: the base-rate visible biases (default zeros: the uniform distribution);
    ``betas``: the schedule (default :func:`sm_schedule` of ``n_betas``)."""
    W, b, c = rbm.W.double(), rbm.b.double(), rbm.c.double()
    b_a = torch.zeros_like(b) if base_biases is None else base_biases.to(b).double()
    betas = sm_schedule(n_betas) if betas is None else betas.double()
    v = torch.bernoulli(torch.sigmoid(b_a).expand(n_runs, -1), generator=generator)
    log_w = torch.zeros(n_runs, dtype=torch.float64, device=b.device)
    for k in range(1, len(betas)):
        beta_prev, beta = float(betas[k - 1]), float(betas[k])
        log_w += _log_p_star(v, beta, b_a, b, c, W) - _log_p_star(v, beta_prev, b_a, b, c, W)
        if k < len(betas) - 1:  # one Gibbs sweep that leaves p_k invariant
            h = torch.bernoulli(torch.sigmoid(beta * (v @ W + c)), generator=generator)
            v = torch.bernoulli(torch.sigmoid((1 - beta) * b_a + beta * (h @ W.T + b)),
                                generator=generator)
    # Z_0 = Π_i (1 + e^{b_A,i}) · 2^{n_hidden}: at β = 0 each softplus(0·…) is log 2.
    log_z_a = float(nnf.softplus(b_a).sum()) + W.shape[1] * math.log(2.0)
    log_mean_w = float(torch.logsumexp(log_w, 0) - math.log(n_runs))
    w = torch.exp(log_w - log_w.max())
    rel = float(w.std() / w.mean()) / math.sqrt(n_runs) if n_runs > 1 else float("inf")
    log_z = log_z_a + log_mean_w
    return AISResult(
        log_z=log_z, se=rel,
        log_z_low=log_z + math.log(1 - 3 * rel) if 3 * rel < 1 else float("-inf"),
        log_z_high=log_z + math.log(1 + 3 * rel),
        n_runs=n_runs, n_betas=len(betas) - 1, log_z_base=log_z_a,
    )


def ais_convergence(
    rbm,
    sizes: tuple[int, ...] = (10, 100, 1000),
    n_runs: int = 100,
    base_biases: torch.Tensor | None = None,
    seed: int = 0,
) -> list[AISResult]:
    """One independent AIS estimate per number of intermediate temperatures in ``sizes``."""
    out = []
    for k, size in enumerate(sizes):
        generator = torch.Generator(device=rbm.W.device).manual_seed(seed * 1000 + k)
        out.append(ais_log_z(rbm, n_runs, size, base_biases, generator))
    return out


@torch.no_grad()
def rbm_log_likelihood(rbm, x: torch.Tensor, result: AISResult) -> dict[str, float]:
    """Mean test log-likelihood ``mean(−F(x)) − log Ẑ`` in nats, with the SE of both parts."""
    neg_f = -rbm.free_energy(x).double()
    se_mean = float(neg_f.std() / math.sqrt(len(neg_f)))
    return {
        "log_likelihood": float(neg_f.mean()) - result.log_z,
        "log_likelihood_se": math.hypot(se_mean, result.se),
        "log_z": result.log_z,
        "log_z_se": result.se,
    }


def as_dict(result: AISResult) -> dict[str, float]:
    """JSON-able (infinite bounds as ``None``)."""
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else v)
            for k, v in result.__dict__.items()}
