"""AIS (Salakhutdinov & Murray 2008) for an RBM's log Z against brute-force enumeration."""

from __future__ import annotations

import math

import pytest
import torch

from explorer.metrics.ais import (
    ais_convergence,
    ais_log_z,
    base_rate_biases,
    rbm_log_likelihood,
    sm_schedule,
)
from explorer.models.rbm import RBM, RBMConfig, all_binary_states


def tiny_rbm(n_visible: int, n_hidden: int, scale: float, seed: int) -> RBM:
    gen = torch.Generator().manual_seed(seed)
    rbm = RBM(RBMConfig(n_visible=n_visible, n_hidden=n_hidden))
    rbm.W.copy_(torch.randn(n_visible, n_hidden, generator=gen) * scale)
    rbm.b.copy_(torch.randn(n_visible, generator=gen) * scale)
    rbm.c.copy_(torch.randn(n_hidden, generator=gen) * scale)
    return rbm


def exact_log_z(rbm: RBM) -> float:
    """log Σ_v exp(−F(v)) over every visible vector, in float64."""
    v = all_binary_states(rbm.config.n_visible).double()
    W, b, c = rbm.W.double(), rbm.b.double(), rbm.c.double()
    neg_f = v @ b + torch.nn.functional.softplus(v @ W + c).sum(1)
    return float(torch.logsumexp(neg_f, 0))


def test_schedule_shape() -> None:
    betas = sm_schedule(290)
    assert len(betas) == 291 and betas[0] == 0 and betas[-1] == 1
    assert (betas.diff() > 0).all()
    # S&M's shares: most temperatures sit in [0.9, 1]
    assert ((betas > 0.9).sum() / len(betas)) == pytest.approx(20 / 29, abs=0.02)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ais_matches_brute_force_within_its_error(seed: int) -> None:
    rbm = tiny_rbm(12, 8, 1.0, seed)
    exact = exact_log_z(rbm)
    assert abs(float(rbm.log_partition_brute_force()) - exact) < 1e-3
    result = ais_log_z(rbm, n_runs=200, n_betas=1000,
                       generator=torch.Generator().manual_seed(seed))
    assert result.se < 0.05
    assert abs(result.log_z - exact) < 4 * result.se + 0.01, (result, exact)
    assert result.log_z_low <= result.log_z <= result.log_z_high


def test_more_temperatures_converge_to_the_truth() -> None:
    """With a few temperatures the estimate is biased low and noisy; with many it is right."""
    rbm = tiny_rbm(14, 10, 1.6, 7)
    exact = exact_log_z(rbm)
    few, many = ais_convergence(rbm, sizes=(5, 2000), n_runs=200, seed=0)
    assert many.se < few.se
    assert abs(many.log_z - exact) < 4 * many.se + 0.01
    assert few.log_z < exact  # Jensen: log of an average of few good weights is low
    assert abs(few.log_z - exact) > abs(many.log_z - exact)


def test_base_rate_start_and_log_likelihood() -> None:
    rbm = tiny_rbm(10, 6, 1.0, 3)
    data = torch.bernoulli(torch.full((500, 10), 0.3), generator=torch.Generator().manual_seed(0))
    b_a = base_rate_biases(data)
    assert torch.isfinite(b_a).all()
    result = ais_log_z(rbm, 200, 500, base_biases=b_a, generator=torch.Generator().manual_seed(1))
    exact = exact_log_z(rbm)
    assert abs(result.log_z - exact) < 4 * result.se + 0.01
    ll = rbm_log_likelihood(rbm, data, result)
    truth = float((-rbm.free_energy(data).double()).mean()) - exact
    assert abs(ll["log_likelihood"] - truth) < 4 * ll["log_z_se"] + 0.01
    assert ll["log_likelihood"] < 0 and math.isfinite(ll["log_likelihood_se"])
