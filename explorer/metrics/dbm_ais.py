"""AIS for the two-layer DBM's log Z and the variational lower bound on its test log-likelihood
that it makes possible (chapter §20.4; Salakhutdinov & Hinton 2009, §4).

**log Z.** The DBM's odd layer h¹ is factorial given the even layers (v, h²), so it can be summed
out analytically (:meth:`explorer.models.dbm.DBM.free_energy_v_h2`):

    log p*(v, h²) = bᵀv + c²ᵀh² + Σ_j softplus(c¹_j + vᵀW¹_{:,j} + W²_{j,:} h²).

That is exactly the free energy of an RBM whose "visible" layer is the concatenation
``u = (v, h²)``, with weights ``[W¹; W²ᵀ]`` (V + H2, H1), visible biases ``(b, c²)`` and hidden
biases ``c¹`` (:func:`even_layer_rbm`); its Gibbs sweep (h¹ given u, then u given h¹) is the
DBM's sweep. So the RBM's AIS (:func:`explorer.metrics.ais.ais_log_z`) runs unchanged over the
even layers, as in Salakhutdinov & Hinton (2009): the geometric path from a base-rate model
``A`` (weights 0, biases ``b_A`` = the logit of the smoothed training pixel means for v and of
the mean-field ĥ² means for h², so ``log Z_A = Σ softplus(b_A) + H1 log 2`` is exact) to the
trained DBM.

**Lower bound.** For any factorial Q(h¹, h²) (eq. 20.29–20.31 and 20.35 with biases),

    log p(v) ≥ L(v, Q) = E_Q[−E(v, h¹, h²)] + H(Q) − log Z,

and the mean-field Q of eqs. 20.33–20.34 (:meth:`explorer.models.dbm.DBM.mean_field`) makes it as
tight as the factorial family allows. :func:`dbm_log_likelihood_bound` reports its test mean with
the AIS ``log Ẑ`` in place of ``log Z``, so it is a lower bound **only if log Ẑ is not below
log Z**: it is a stochastic bound. ``Ẑ`` is unbiased, but ``log Ẑ`` is biased low (Jensen), and an
unconverged AIS run (too few temperatures) is biased low by much more, each of which makes the
"bound" too high — optimistic, possibly above the true log-likelihood. The error bar combines the
test mean's standard error with AIS's delta-method one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from explorer.metrics.ais import AISResult, ais_convergence, ais_log_z, base_rate_biases
from explorer.models.dbm import bernoulli_entropy


@dataclass
class EvenLayerRBM:
    """The DBM as an RBM between its even layers u = (v, h²) and its odd layer h¹ (module doc);
    the attributes :func:`explorer.metrics.ais.ais_log_z` reads."""

    W: torch.Tensor  # (V + H2, H1): [W¹; W²ᵀ]
    b: torch.Tensor  # (V + H2,): (b, c²)
    c: torch.Tensor  # (H1,): c¹


def even_layer_rbm(dbm) -> EvenLayerRBM:
    """:class:`EvenLayerRBM` of ``dbm`` (an :class:`explorer.models.dbm.DBM`), float64."""
    return EvenLayerRBM(W=torch.cat([dbm.W1, dbm.W2.T], 0).double(),
                        b=torch.cat([dbm.b, dbm.c2]).double(), c=dbm.c1.double())


@torch.no_grad()
def dbm_base_biases(dbm, train_x: torch.Tensor, n_iter: int = 10,
                    smoothing: float = 0.05) -> torch.Tensor:
    """Biases of the base-rate model over u = (v, h²): the smoothed logit of the training pixel
    means (as for the RBM), then of the mean-field ĥ² means on the training digits."""
    _, h2 = dbm.mean_field(train_x.to(dbm.W1), n_iter)
    return torch.cat([base_rate_biases(train_x, smoothing), base_rate_biases(h2, smoothing)])


def dbm_ais_log_z(
    dbm,
    n_runs: int = 100,
    n_betas: int = 1000,
    base_biases: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> AISResult:
    """AIS estimate of the DBM's log Z in nats (h¹ summed out, AIS over (v, h²))."""
    return ais_log_z(even_layer_rbm(dbm), n_runs, n_betas, base_biases, generator)


def dbm_ais_convergence(
    dbm,
    sizes: tuple[int, ...] = (10, 100, 1000),
    n_runs: int = 100,
    base_biases: torch.Tensor | None = None,
    seed: int = 0,
) -> list[AISResult]:
    """One independent AIS estimate of the DBM's log Z per number of temperatures in ``sizes``."""
    return ais_convergence(even_layer_rbm(dbm), sizes, n_runs, base_biases, seed)


@torch.no_grad()
def elbo_plus_log_z(dbm, x: torch.Tensor, n_iter: int = 10) -> torch.Tensor:
    """Per digit, E_Q[−E(v, h)] + H(Q) for the mean-field Q after ``n_iter`` iterations
    (float64, (B,)); subtract log Z for the bound L(v, Q) ≤ log p(v)."""
    x = x.to(dbm.W1)
    h1, h2 = dbm.mean_field(x, n_iter)
    W1, W2, b, c1, c2 = (t.double() for t in (dbm.W1, dbm.W2, dbm.b, dbm.c1, dbm.c2))
    v, h1, h2 = x.double(), h1.double(), h2.double()  # eq. 20.35 in float64
    neg_energy = ((v @ W1) * h1).sum(1) + ((h1 @ W2) * h2).sum(1) + v @ b + h1 @ c1 + h2 @ c2
    return neg_energy + bernoulli_entropy(h1).sum(1) + bernoulli_entropy(h2).sum(1)


@torch.no_grad()
def dbm_log_likelihood_bound(dbm, x: torch.Tensor, result: AISResult,
                             n_iter: int = 10) -> dict[str, float]:
    """Mean test ``L(v, Q) = E_Q[−E] + H(Q) − log Ẑ`` in nats (a lower bound on the mean
    log p(v) if ``log Ẑ ≥ log Z``; see the module doc), with the SE of both parts."""
    unnorm = elbo_plus_log_z(dbm, x, n_iter)
    se_mean = float(unnorm.std() / math.sqrt(len(unnorm)))
    return {
        "log_likelihood_bound": float(unnorm.mean()) - result.log_z,
        "log_likelihood_se": math.hypot(se_mean, result.se),
        "elbo_plus_log_z": float(unnorm.mean()),
        "log_z": result.log_z,
        "log_z_se": result.se,
    }
