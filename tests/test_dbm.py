"""The DBM (§20.4): conditionals and mean field against brute-force enumeration on a tiny model,
the clamped chain's contract, and a short training run."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from explorer.errors import ConfigError
from explorer.models.dbm import DBM, DBMConfig, DBMTrainConfig, DBMTrainer
from explorer.sampling import conditional_sampler
from explorer.sampling.dbm_chain import ClampedDBMChain, MeanFieldDBMChain

V, H1, H2 = 4, 3, 2


def tiny_dbm(seed: int = 0) -> DBM:
    torch.manual_seed(seed)
    model = DBM(DBMConfig(n_visible=V, n_hidden1=H1, n_hidden2=H2))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * 1.2)
    return model.double()


def all_states(n: int) -> torch.Tensor:
    return torch.tensor(list(itertools.product([0.0, 1.0], repeat=n)), dtype=torch.float64)


def joint_table(model: DBM) -> tuple[torch.Tensor, torch.Tensor]:
    """Every (v, h1, h2) and its exact probability."""
    s = all_states(V + H1 + H2)
    v, h1, h2 = s[:, :V], s[:, V:V + H1], s[:, V + H1:]
    logp = -model.energy(v, h1, h2)
    return s, torch.softmax(logp, 0)


def test_gibbs_conditionals_match_enumeration():
    model = tiny_dbm()
    s, p = joint_table(model)
    v, h1, h2 = s[:, :V], s[:, V:V + H1], s[:, V + H1:]
    for vv in all_states(V)[::3]:
        for hh2 in all_states(H2):
            rows = (v == vv).all(1) & (h2 == hh2).all(1)
            exact = (p[rows, None] * h1[rows]).sum(0) / p[rows].sum()  # P(h1_j = 1 | v, h2)
            model_p = model.prob_h1(vv[None], hh2[None])[0]
            assert torch.allclose(exact, model_p, atol=1e-12)
    for hh1 in all_states(H1):
        rows = (h1 == hh1).all(1)
        exact_v = (p[rows, None] * v[rows]).sum(0) / p[rows].sum()
        exact_h2 = (p[rows, None] * h2[rows]).sum(0) / p[rows].sum()
        assert torch.allclose(exact_v, model.prob_v(hh1[None])[0], atol=1e-12)
        assert torch.allclose(exact_h2, model.prob_h2(hh1[None])[0], atol=1e-12)


def test_log_partition_and_free_energy_match_enumeration():
    model = tiny_dbm(1)
    s = all_states(V + H1 + H2)
    exact = torch.logsumexp(-model.energy(s[:, :V], s[:, V:V + H1], s[:, V + H1:]), 0)
    assert torch.allclose(model.log_partition_brute_force(), exact, atol=1e-10)


def test_mean_field_is_a_stationary_point_of_the_enumerated_bound():
    """At the fixed point of eqs. 20.33–20.34 the gradient of L(Q), computed by enumerating every
    h under the factorial Q, vanishes, and L(Q) ≤ log P(v) (exact, by enumeration)."""
    model = tiny_dbm(2)
    log_z = model.log_partition_brute_force()
    hs = all_states(H1 + H2)
    for v in all_states(V)[1::5]:
        q1, q2 = model.mean_field(v[None], n_iter=200)
        params = torch.cat([q1[0], q2[0]]).clone().requires_grad_(True)
        q = hs * params + (1 - hs) * (1 - params)
        log_q = q.log().sum(1)
        weights = log_q.exp()
        energy = model.energy(v.expand(len(hs), V), hs[:, :H1], hs[:, H1:])
        bound = (weights * (-energy - log_q)).sum() - log_z  # eq. 20.35 by enumeration
        (grad,) = torch.autograd.grad(bound, params)
        assert grad.abs().max() < 1e-8
        log_pv = torch.logsumexp(-energy, 0) - log_z
        assert bound <= log_pv + 1e-12
        closed = model.elbo_unnormalized(v[None], q1, q2)[0] - log_z
        assert torch.allclose(bound, closed, atol=1e-10)


def test_gibbs_chain_samples_the_exact_conditional():
    """Clamp v_0, v_1: the chain's visits of (v_2, v_3) follow P(v_free | v_clamped)."""
    model = tiny_dbm(3).float()
    s, p = joint_table(model.double())
    mask = np.array([True, True, False, False])
    values = np.array([1.0, 0.0, 0.0, 0.0])
    rows = (s[:, 0] == 1) & (s[:, 1] == 0)
    exact = np.zeros(4)
    for code in range(4):
        sel = rows & (s[:, 2] == code // 2) & (s[:, 3] == code % 2)
        exact[code] = float(p[sel].sum() / p[rows].sum())
    gen = torch.Generator().manual_seed(0)
    chain = ClampedDBMChain(model, values, mask, n_chains=2000, generator=gen)
    counts = np.zeros(4)
    for step in range(60):
        v = chain.step()
        if step >= 20:
            codes = (2 * v[:, 2] + v[:, 3]).long().numpy()
            counts += np.bincount(codes, minlength=4)
    freq = counts / counts.sum()
    assert np.abs(freq - exact).max() < 0.02, (freq, exact)


@pytest.mark.parametrize("cls", [ClampedDBMChain, MeanFieldDBMChain])
def test_clamped_pixels_bit_exact_over_many_steps(cls):
    model = DBM(DBMConfig(n_visible=784, n_hidden1=30, n_hidden2=20))
    with torch.no_grad():
        model.W1.normal_(0, 0.5, generator=torch.Generator().manual_seed(1))
        model.W2.normal_(0, 0.5, generator=torch.Generator().manual_seed(2))
    rng = np.random.default_rng(0)
    mask = rng.random(784) < 0.5
    values = (rng.random(784) < 0.3).astype(np.float32)
    chain = cls(model, values, mask, 5, torch.Generator().manual_seed(0))
    for _ in range(300):
        chain.step()
        assert torch.equal(chain.state[:, torch.from_numpy(mask)],
                           torch.from_numpy(values[mask]).expand(5, -1))
        assert torch.equal(chain.completion()[:, torch.from_numpy(mask)],
                           torch.from_numpy(values[mask]).expand(5, -1))
    d = chain.diagnostics()
    assert [t.shape[1] for t in d.hidden.values()] == [30, 20]
    assert d.energy.shape == (5,)


def test_mean_field_energy_never_increases():
    model = tiny_dbm(4).float()
    chain = MeanFieldDBMChain(model, np.ones(V), np.array([1, 0, 0, 0], bool), 3,
                              torch.Generator().manual_seed(0))
    chain.step()
    energies = [chain.energy()]
    for _ in range(30):
        chain.step()
        energies.append(chain.energy())
    diffs = torch.stack(energies).diff(dim=0)
    assert (diffs <= 1e-5).all()


def test_registry_and_seeded_chain():
    model = tiny_dbm().float()
    a = conditional_sampler(model, np.ones(V), np.ones(V, bool) * [1, 0, 0, 1], 4,
                            torch.Generator().manual_seed(5))
    b = conditional_sampler(model, np.ones(V), np.ones(V, bool) * [1, 0, 0, 1], 4,
                            torch.Generator().manual_seed(5))
    assert isinstance(a, ClampedDBMChain)
    for _ in range(5):
        assert torch.equal(a.step(), b.step())
    with pytest.raises(ConfigError):
        ClampedDBMChain(model, np.ones(3), np.ones(3, bool))


def test_training_runs_and_improves_the_bound():
    gen = torch.Generator().manual_seed(0)
    protos = (torch.rand(3, 16, generator=gen) < 0.5).float()
    data = protos[torch.randint(0, 3, (600,), generator=gen)]
    flip = torch.rand(data.shape, generator=gen) < 0.05
    data = torch.where(flip, 1 - data, data)
    model = DBM(DBMConfig(n_visible=16, n_hidden1=12, n_hidden2=6))
    trainer = DBMTrainer(model, data, DBMTrainConfig(pretrain_epochs=5, epochs=6, lr=0.02,
                                                     batch_size=50, n_persistent=50))
    first = trainer.step()
    assert "pretrain_recon_error" in first
    while not trainer.done:
        last = trainer.step()
    assert last["recon_error"] < 16 * 0.25  # better than predicting ½ everywhere
    assert np.isfinite(last["elbo_plus_log_z"])


def test_a_batch_transform_makes_each_joint_minibatch():
    gen = torch.Generator().manual_seed(0)
    grey = torch.rand(200, 16, generator=gen)
    seen = []

    def transform(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        seen.append(len(x))
        return (x >= 0.5).float()

    model = DBM(DBMConfig(n_visible=16, n_hidden1=8, n_hidden2=4))
    trainer = DBMTrainer(model, grey, DBMTrainConfig(pretrain_epochs=1, epochs=1, batch_size=50,
                                                     n_persistent=20), batch_transform=transform)
    trainer.step()
    assert seen == [50, 50, 50, 50]
    assert torch.equal(trainer.binary, (grey >= 0.5).float())
