"""The DGA's numbers: the §5.1 normalised log-likelihood and the Table 1 statistics (seed 004).

**Log-likelihood (§5.1).** ``P*(x)`` (eq. 5, :meth:`explorer.models.dga.DGA.log_p_star`) sums to
``Z = Σ_x P*(x) ≤ 1``. ``Z`` is estimated by importance sampling with the seed's proposal: draw
``N`` codes ``H_j ~ P(H)`` ancestrally, take the decoder means ``μ_j = E[X | H_j]`` as centroids of
the mixture ``π(x) = (1/N) Σ_j FactorizedBernoulli(x; μ_j)``, draw ``M`` samples ``x_m ~ π`` and
average ``w_m = P*(x_m) / π(x_m)``. (The seed's proposal is built from the decoder, not the
encoder.) Then ``log P(x) = log P*(x) − log Ẑ``. The standard error of ``log Ẑ`` is the delta-method
``std(w) / (√M · mean(w))``; it is combined in quadrature with the standard error of the test
mean of ``log P*``. The effective sample size ``(Σw)² / Σw²`` says how far to trust it.

**Table 1 (§5.3).** For binary samples (N, d): the entropy in bits of the factorised Bernoulli fit
``Σ_i H(p_i)``; the average number of active bits after flipping each bit so that 0 is its more
frequent value, ``Σ_i min(p_i, 1 − p_i)``; and ``‖Corr − diag(Corr)‖_F`` (the correlation of a
constant column is taken as 0).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch

from explorer.models.dga import bernoulli_log_prob, factorised_entropy_bits

# The seed's numbers (full binarized MNIST, Murray & Larochelle's binarization and split).
SEED_TABLE1 = {
    "data": {"entropy_bits": 297.6, "active_bits": 102.1, "offdiag_corr_norm": 63.5},
    "f1": {"entropy_bits": 56.9, "active_bits": 20.1, "offdiag_corr_norm": 11.2},
    "f2f1": {"entropy_bits": 47.6, "active_bits": 17.4, "offdiag_corr_norm": 9.4},
}
SEED_TEST_LL = {"shallow": -118.12, "deep": -114.29}
TABLE1_ROWS = {"data": "Data (X)", "f1": "1st encoder f₁(X)", "f2f1": "2nd encoder f₂(f₁(X))"}


@dataclass
class CodeStats:
    entropy_bits: float
    active_bits: float
    offdiag_corr_norm: float


def code_statistics(codes: torch.Tensor | np.ndarray) -> CodeStats:
    """Table 1's three columns for binary samples ``codes`` (N, d)."""
    h = torch.as_tensor(np.asarray(codes) if not torch.is_tensor(codes) else codes).double()
    p = h.mean(0)
    centred = h - p
    std = centred.pow(2).mean(0).sqrt()
    live = std > 0
    z = torch.zeros_like(h)
    z[:, live] = centred[:, live] / std[live]
    corr = (z.T @ z) / len(h)
    off = corr - torch.diag(torch.diagonal(corr))
    return CodeStats(
        entropy_bits=float(factorised_entropy_bits(h)),
        active_bits=float(torch.minimum(p, 1 - p).sum()),
        offdiag_corr_norm=float(torch.linalg.norm(off)),
    )


@torch.no_grad()
def table1(model, x: torch.Tensor) -> dict[str, dict[str, float]]:
    """Table 1 for ``x`` and its codes at each depth of ``model`` (keys ``data``, ``f1``,
    ``f2f1``, …; a shallow DGA gives the first two)."""
    rows = {"data": asdict(code_statistics(x))}
    for depth, codes in enumerate(model.codes(x), start=1):
        key = "f1" if depth == 1 else "f" + "f".join(str(k) for k in range(depth, 0, -1))
        rows[key] = asdict(code_statistics(codes))
    return rows


@dataclass
class LogZEstimate:
    log_z: float
    se: float  # delta-method standard error of log Ẑ
    ess: float  # effective sample size of the importance weights
    n_samples: int
    n_centroids: int


@torch.no_grad()
def importance_log_z(
    model,
    n_samples: int = 5000,
    n_centroids: int = 500,
    generator: torch.Generator | None = None,
    depth: int | None = None,
    chunk: int = 1000,
) -> LogZEstimate:
    """log Z = log Σ_x P*(x) by importance sampling with the seed's mixture proposal (§5.1)."""
    depth = depth or model.depth
    h1, _ = model.sample_from_depth(n_centroids, depth, generator)
    logits = model.layers[0].decode_logits(h1)  # (N, V) logits of the centroids μ_j
    log_mu, log_1mu = -torch.nn.functional.softplus(-logits), -torch.nn.functional.softplus(logits)
    log_w = []
    for start in range(0, n_samples, chunk):
        m = min(chunk, n_samples - start)
        pick = torch.randint(n_centroids, (m,), generator=generator, device=logits.device)
        x = torch.bernoulli(torch.sigmoid(logits[pick]), generator=generator)
        log_pi = torch.logsumexp(x @ log_mu.T + (1 - x) @ log_1mu.T, dim=1) - math.log(n_centroids)
        log_w.append(model.log_p_star(x, depth).double() - log_pi.double())
    lw = torch.cat(log_w)
    log_z = float(torch.logsumexp(lw, 0) - math.log(n_samples))
    w = torch.exp(lw - lw.max())
    rel_se = float(w.std() / (math.sqrt(n_samples) * w.mean()))
    ess = float(w.sum() ** 2 / (w**2).sum())
    return LogZEstimate(log_z, rel_se, ess, n_samples, n_centroids)


@torch.no_grad()
def dga_log_likelihood(
    model,
    x: torch.Tensor,
    seed: int = 0,
    n_samples: int = 5000,
    n_centroids: int = 500,
    depth: int | None = None,
) -> dict[str, float]:
    """Mean normalised test log-likelihood in nats, ``mean log P*(x) − log Ẑ``, with its SE."""
    generator = torch.Generator(device=x.device).manual_seed(seed)
    est = importance_log_z(model, n_samples, n_centroids, generator, depth)
    lps = model.log_p_star(x, depth).double()
    se_mean = float(lps.std() / math.sqrt(len(lps)))
    return {
        "log_likelihood": float(lps.mean()) - est.log_z,
        "log_likelihood_se": math.hypot(se_mean, est.se),
        "log_p_star": float(lps.mean()),
        "log_z": est.log_z,
        "log_z_se": est.se,
        "log_z_ess": est.ess,
    }


@torch.no_grad()
def dga_metrics(model, x: torch.Tensor, seed: int = 0) -> dict[str, float]:
    """The card's metrics: §5.1 log-likelihood (+ SE, log Ẑ), reconstruction and Table 1."""
    out = dga_log_likelihood(model, x, seed)
    h1 = model.codes(x, 1)[0]
    out["recon_nll"] = float(-bernoulli_log_prob(x, model.layers[0].decode_logits(h1)).mean())
    for key, stats in table1(model, x).items():
        for name, value in stats.items():
            out[f"{key}_{name}"] = value
    return out


def evaluate_dga(model, source: str | None, seed: int) -> dict[str, float]:
    """``explorer eval`` for a DGA: :func:`dga_metrics` on the threshold-binarized test split."""
    from explorer.data import load_mnist

    images, _ = load_mnist("test", binarize=True, source=source)
    return dga_metrics(model, torch.from_numpy(images).to(model.device), seed)
