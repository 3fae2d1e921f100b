"""AIS for the DBM's log Z (h¹ summed out, AIS over (v, h²)) and the mean-field lower bound on
log p(v), against brute-force enumeration of every (v, h¹, h²) of a tiny DBM."""

from __future__ import annotations

import math

import pytest
import torch

from explorer.metrics.ais import AISResult
from explorer.metrics.dbm_ais import (
    dbm_ais_convergence,
    dbm_ais_log_z,
    dbm_base_biases,
    dbm_log_likelihood_bound,
    elbo_plus_log_z,
    even_layer_rbm,
)
from explorer.models.dbm import DBM, DBMConfig, _all_binary_states


def tiny_dbm(seed: int, scale: float = 1.0, sizes: tuple[int, int, int] = (6, 4, 3)) -> DBM:
    gen = torch.Generator().manual_seed(seed)
    model = DBM(DBMConfig(*sizes))
    for p in (model.W1, model.W2, model.b, model.c1, model.c2):
        p.copy_(torch.randn(p.shape, generator=gen) * scale)
    return model


def exact_log_joint(model: DBM) -> tuple[torch.Tensor, torch.Tensor]:
    """(log Z, log p(v) for every v in the order of ``_all_binary_states``), enumerating every
    (v, h¹, h²) with the energy of eq. 20.25 in float64 (no analytic sum)."""
    nv, n1, n2 = model.config.n_visible, model.config.n_hidden1, model.config.n_hidden2
    states = _all_binary_states(nv + n1 + n2, torch.float64)
    v, h1, h2 = states[:, :nv], states[:, nv:nv + n1], states[:, nv + n1:]
    W1, W2, b, c1, c2 = (t.double() for t in (model.W1, model.W2, model.b, model.c1, model.c2))
    neg_e = ((v @ W1) * h1).sum(1) + ((h1 @ W2) * h2).sum(1) + v @ b + h1 @ c1 + h2 @ c2
    log_z = torch.logsumexp(neg_e, 0)
    # v is the slowest-varying block, so each v owns 2^(n1 + n2) consecutive rows
    log_pv = torch.logsumexp(neg_e.view(2**nv, -1), 1) - log_z
    return log_z, log_pv


def test_even_layer_rbm_has_the_dbm_free_energy() -> None:
    model = tiny_dbm(0)
    rbm = even_layer_rbm(model)
    u = _all_binary_states(6 + 3, torch.float64)
    neg_f = u @ rbm.b + torch.nn.functional.softplus(u @ rbm.W + rbm.c).sum(1)
    torch.testing.assert_close(neg_f, -model.free_energy_v_h2(u[:, :6].float(),
                                                               u[:, 6:].float()).double(),
                               rtol=1e-5, atol=1e-5)
    log_z, _ = exact_log_joint(model)
    assert float(model.log_partition_brute_force()) == pytest.approx(float(log_z), abs=1e-4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ais_matches_brute_force_within_its_error(seed: int) -> None:
    model = tiny_dbm(seed)
    exact, _ = exact_log_joint(model)
    data = torch.bernoulli(torch.full((50, 6), 0.4), generator=torch.Generator().manual_seed(9))
    result = dbm_ais_log_z(model, n_runs=200, n_betas=1000,
                           base_biases=dbm_base_biases(model, data),
                           generator=torch.Generator().manual_seed(seed))
    assert result.se < 0.05
    assert abs(result.log_z - float(exact)) < 4 * result.se + 0.01, (result, float(exact))
    assert result.log_z_low <= result.log_z <= result.log_z_high


def test_convergence_with_more_temperatures() -> None:
    """One independent run per schedule: 3 temperatures are far noisier than 3,000, which are
    right (on a model this small, 200 runs hide most of the bias of the short schedule)."""
    model = tiny_dbm(7, scale=2.0)
    exact = float(exact_log_joint(model)[0])
    few, many = dbm_ais_convergence(model, sizes=(3, 3000), n_runs=200, seed=0)
    assert (few.n_betas, many.n_betas) == (3, 3000)
    assert few.se > 5 * many.se
    assert abs(many.log_z - exact) < 4 * many.se + 0.02


@pytest.mark.parametrize("n_iter", [0, 1, 10])
def test_mean_field_bound_is_below_the_exact_log_likelihood(n_iter: int) -> None:
    """L(v, Q) = E_Q[−E] + H(Q) − log Z ≤ log p(v) for every v (eq. 20.35), with the exact log Z,
    whatever the number of mean-field iterations; more iterations never loosen it here."""
    for seed in range(3):
        model = tiny_dbm(seed, scale=1.5)
        log_z, log_pv = exact_log_joint(model)
        v = _all_binary_states(6)
        bound = elbo_plus_log_z(model, v, n_iter) - log_z
        assert (bound <= log_pv + 1e-9).all()
        gap = log_pv - bound
        assert gap.max() > 1e-3  # a factorial Q is not exact here: the check is not vacuous
        if n_iter == 10:
            assert (elbo_plus_log_z(model, v, 30) - log_z >= bound - 1e-6).all()


def test_bound_with_the_exact_log_z_is_below_the_mean_log_likelihood() -> None:
    model = tiny_dbm(3, scale=1.5)
    log_z, log_pv = exact_log_joint(model)
    v = _all_binary_states(6)
    exact = AISResult(log_z=float(log_z), se=0.0, log_z_low=float(log_z),
                      log_z_high=float(log_z), n_runs=1, n_betas=0, log_z_base=0.0)
    out = dbm_log_likelihood_bound(model, v, exact)
    assert out["log_likelihood_bound"] <= float(log_pv.mean())
    assert out["log_likelihood_se"] > 0 and math.isfinite(out["elbo_plus_log_z"])
    # an under-estimated log Z (what unconverged AIS gives) lifts the "bound" above the truth
    low = AISResult(**{**exact.__dict__, "log_z": float(log_z) - 5})
    assert dbm_log_likelihood_bound(model, v, low)["log_likelihood_bound"] > float(log_pv.mean())
