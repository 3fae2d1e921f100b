"""One digit's bounds on log p(x), with Monte Carlo standard errors (§20.10.3, eqs. 20.77, 20.79),
and the reconstruction a VAE reaches when its decoder ignores z.

The ELBO and IWAE_k are expectations over z ~ q(z|x); what an app can show are Monte Carlo
estimates of them. ELBO ≤ E[IWAE_k] ≤ log p(x) holds for the expectations, not for every draw,
so :func:`digit_bounds` returns each estimate with its standard error: the shown order is reliable
when the two estimates differ by several standard errors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

ELBO_SAMPLES = 256  # z draws for the drawn digit's reconstruction term
IWAE_K = 100  # importance samples per IWAE_k estimate
IWAE_REPLICAS = 16  # independent IWAE_k estimates, averaged (their spread gives the error)


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate: ``value`` ± ``stderr`` (standard error of the mean), in nats."""

    value: float
    stderr: float

    def differs_from(self, other: Estimate, sigmas: float = 3.0) -> bool:
        """Whether the two estimates differ by more than ``sigmas`` combined standard errors."""
        return abs(self.value - other.value) > sigmas * math.hypot(self.stderr, other.stderr)


@dataclass(frozen=True)
class DigitBounds:
    """One digit's bounds in nats: ``elbo = reconstruction − kl`` (KL exact), and IWAE_k."""

    reconstruction: Estimate  # E_q[log p(x|z)], mean over ``elbo_samples`` draws
    kl: float  # D_KL(q(z|x) ‖ p(z)), closed form
    elbo: Estimate  # reconstruction − KL (same standard error as the reconstruction)
    iwae: Estimate  # mean of ``replicas`` independent IWAE_k estimates
    k: int
    elbo_samples: int
    replicas: int


def _mean_and_stderr(values: torch.Tensor) -> Estimate:
    values = values.double()
    n = values.numel()
    stderr = float(values.std(unbiased=True)) / math.sqrt(n) if n > 1 else math.inf
    return Estimate(float(values.mean()), stderr)


@torch.no_grad()
def digit_bounds(
    model,
    x: torch.Tensor,
    elbo_samples: int = ELBO_SAMPLES,
    k: int = IWAE_K,
    replicas: int = IWAE_REPLICAS,
    generator: torch.Generator | None = None,
) -> DigitBounds:
    """ELBO (eq. 20.77) and IWAE_k (eq. 20.79) of one digit ``x`` (784,) or (1, 784), each with
    its Monte Carlo standard error.

    The reconstruction is the mean of log p(x|z_s) over ``elbo_samples`` draws z_s ~ q(z|x), its
    error std/√S; the KL is exact. IWAE_k is the mean of ``replicas`` independent estimates, each
    from its own k draws, its error their std/√R. Pass a seeded ``generator`` for numbers that do
    not change when the same digit is shown again.
    """
    from explorer.models.vae import bernoulli_log_likelihood, gaussian_kl

    xt = x.reshape(1, -1)
    mu, logvar = model.encode(xt)  # (1, L)
    z = model.reparameterize(mu, logvar, elbo_samples, generator)  # (S, 1, L)
    log_px_z = bernoulli_log_likelihood(xt, model.decode_logits(z))[:, 0]  # (S,)
    kl = float(gaussian_kl(mu, logvar)[0])
    reconstruction = _mean_and_stderr(log_px_z)
    elbo = Estimate(reconstruction.value - kl, reconstruction.stderr)
    log_w = model.log_weights(xt.expand(replicas, -1), k, generator)  # (k, R)
    iwae_draws = torch.logsumexp(log_w, dim=0) - math.log(k)  # (R,)
    return DigitBounds(reconstruction, kl, elbo, _mean_and_stderr(iwae_draws), k, elbo_samples,
                       replicas)


def independent_pixel_baseline(train: np.ndarray, test: np.ndarray) -> float:
    """Mean test log-likelihood (nats) of independent Bernoulli pixels fit to ``train``: what a
    VAE whose decoder ignores z can reach at best, the reconstruction level of full collapse.

    Each pixel's probability is its training mean, clipped to [10⁻³, 1 − 10⁻³] so that a pixel
    never inked in training costs a finite amount when a test digit inks it."""
    p = np.clip(np.asarray(train, np.float64).mean(0), 1e-3, 1 - 1e-3)
    test = np.asarray(test, np.float64)
    return float((test * np.log(p) + (1 - test) * np.log(1 - p)).sum(1).mean())
