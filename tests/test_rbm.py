"""RBM math against brute-force enumeration on a tiny model, and clamped Gibbs sampling."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from explorer.errors import ConfigError, TrainingDiverged
from explorer.models.rbm import RBM, RBMConfig, RBMTrainConfig, RBMTrainer, all_binary_states
from explorer.sampling import ClampedGibbsChain, inpaint

N_VISIBLE, N_HIDDEN = 6, 4


@pytest.fixture
def tiny_rbm() -> RBM:
    torch.manual_seed(1)
    model = RBM(RBMConfig(n_visible=N_VISIBLE, n_hidden=N_HIDDEN)).double()
    model.W.copy_(torch.randn(N_VISIBLE, N_HIDDEN, dtype=torch.float64) * 1.2)
    model.b.copy_(torch.randn(N_VISIBLE, dtype=torch.float64) * 0.7)
    model.c.copy_(torch.randn(N_HIDDEN, dtype=torch.float64) * 0.7)
    return model


def exact_joint(model: RBM) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """P(v, h) over every (v, h) pair by eq. 20.4–20.6, independent of the free energy."""
    vs = all_binary_states(N_VISIBLE, dtype=torch.float64)
    hs = all_binary_states(N_HIDDEN, dtype=torch.float64)
    energies = torch.stack([model.energy(vs, h.expand(len(vs), -1)) for h in hs], dim=1)
    joint = torch.exp(-energies)
    return vs, hs, joint / joint.sum()


def test_free_energy_gives_exact_marginal(tiny_rbm: RBM) -> None:
    vs, _, joint = exact_joint(tiny_rbm)
    marginal = joint.sum(dim=1)  # P(v) by summing h out
    from_free_energy = torch.softmax(-tiny_rbm.free_energy(vs), dim=0)
    torch.testing.assert_close(from_free_energy, marginal, rtol=1e-10, atol=1e-12)
    log_z = torch.logsumexp(
        -tiny_rbm.energy(
            vs.repeat_interleave(2**N_HIDDEN, 0),
            all_binary_states(N_HIDDEN, dtype=torch.float64).repeat(2**N_VISIBLE, 1),
        ),
        dim=0,
    )
    torch.testing.assert_close(tiny_rbm.log_partition_brute_force(), log_z)


def test_conditionals_match_enumeration(tiny_rbm: RBM) -> None:
    vs, hs, joint = exact_joint(tiny_rbm)
    p_h_given_v = joint / joint.sum(dim=1, keepdim=True)  # (2^V, 2^H)
    expected = p_h_given_v @ hs  # E[h | v] = P(h_j = 1 | v)
    torch.testing.assert_close(tiny_rbm.prob_h(vs), expected, rtol=1e-10, atol=1e-12)
    p_v_given_h = joint / joint.sum(dim=0, keepdim=True)
    torch.testing.assert_close(tiny_rbm.prob_v(hs), p_v_given_h.T @ vs, rtol=1e-10, atol=1e-12)


def test_long_run_gibbs_frequencies_match_exact(tiny_rbm: RBM) -> None:
    vs, _, joint = exact_joint(tiny_rbm)
    exact = joint.sum(dim=1).numpy()
    gen = torch.Generator().manual_seed(0)
    v = torch.bernoulli(torch.full((4000, N_VISIBLE), 0.5, dtype=torch.float64), generator=gen)
    counts = np.zeros(2**N_VISIBLE)
    codes = 2 ** torch.arange(N_VISIBLE - 1, -1, -1)
    for step in range(60):
        v, _, _ = tiny_rbm.gibbs_step(v, generator=gen)
        if step >= 20:  # burn-in
            counts += np.bincount((v.long() * codes).sum(1).numpy(), minlength=2**N_VISIBLE)
    empirical = counts / counts.sum()
    total_variation = 0.5 * np.abs(empirical - exact).sum()
    assert total_variation < 0.03, total_variation


def test_clamped_chain_samples_the_exact_conditional(tiny_rbm: RBM) -> None:
    vs, _, joint = exact_joint(tiny_rbm)
    p_v = joint.sum(dim=1)
    mask = np.array([True, False, True, False, False, True])
    values = np.array([1, 0, 0, 0, 0, 1], dtype=np.float32)
    consistent = (vs[:, torch.from_numpy(mask)] == torch.from_numpy(values[mask]).double()).all(1)
    conditional = torch.where(consistent, p_v, torch.zeros_like(p_v))
    conditional = (conditional / conditional.sum()).numpy()
    chain = ClampedGibbsChain(tiny_rbm, values, mask, 3000, torch.Generator().manual_seed(3))
    counts = np.zeros(2**N_VISIBLE)
    codes = 2 ** torch.arange(N_VISIBLE - 1, -1, -1)
    for step in range(50):
        v = chain.step()
        if step >= 10:
            counts += np.bincount((v.long() * codes).sum(1).numpy(), minlength=2**N_VISIBLE)
    empirical = counts / counts.sum()
    assert empirical[~consistent.numpy()].sum() == 0  # clamped bits never change
    assert 0.5 * np.abs(empirical - conditional).sum() < 0.03


def test_clamped_pixels_never_change_bit_for_bit() -> None:
    torch.manual_seed(0)
    model = RBM(RBMConfig(n_visible=784, n_hidden=50))
    model.W.normal_(0, 0.5)
    rng = np.random.default_rng(0)
    mask = rng.random(784) < 0.4
    values = (rng.random(784) < 0.5).astype(np.float32)
    chain = ClampedGibbsChain(model, values, mask, 16, torch.Generator().manual_seed(0))
    for _ in range(100):
        v = chain.step()
        assert torch.equal(
            v[:, torch.from_numpy(mask)], torch.from_numpy(values[mask]).expand(16, -1)
        )
        assert torch.equal(chain.p_v[:, torch.from_numpy(mask)], v[:, torch.from_numpy(mask)])
    assert not torch.equal(v[0], v[1])  # free pixels differ between chains


def test_per_chain_masks_and_inpaint_keep_originals() -> None:
    model = RBM(RBMConfig(n_visible=784, n_hidden=20))
    model.W.normal_(0, 0.3)
    rng = np.random.default_rng(1)
    originals = (rng.random((5, 784)) < 0.3).astype(np.uint8)
    masks = rng.random((5, 784)) < 0.5
    before = originals.copy()
    completions = inpaint(model, originals, masks, n_steps=5, seed=2)
    assert completions.dtype == np.uint8 and set(np.unique(completions)) <= {0, 1}
    assert np.array_equal(completions[masks], originals[masks])
    assert np.array_equal(originals, before)  # input not mutated


def test_gibbs_is_seeded() -> None:
    model = RBM(RBMConfig(n_visible=30, n_hidden=10))
    model.W.normal_(0, 1.0)
    mask = np.zeros(30, bool)
    a = ClampedGibbsChain(model, np.zeros(30), mask, 4, torch.Generator().manual_seed(7)).run(10)
    b = ClampedGibbsChain(model, np.zeros(30), mask, 4, torch.Generator().manual_seed(7)).run(10)
    c = ClampedGibbsChain(model, np.zeros(30), mask, 4, torch.Generator().manual_seed(8)).run(10)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_training_keeps_both_modes() -> None:
    """A few SML epochs on two noisy prototypes: the data's free energy falls far below noise's,
    and (exact log P by enumeration) both prototypes get a fair share of the probability."""
    rng = np.random.default_rng(0)
    prototypes = (rng.random((2, 20)) < 0.5).astype(np.float32)
    data = prototypes[rng.integers(0, 2, 400)]
    flips = rng.random(data.shape) < 0.05
    data = torch.from_numpy(np.where(flips, 1 - data, data))
    model = RBM(RBMConfig(n_visible=20, n_hidden=8))
    config = RBMTrainConfig(epochs=15, batch_size=20, lr=0.05, final_momentum=0.5)
    trainer = RBMTrainer(model, data, config)
    while not trainer.done:
        metrics = trainer.step()
    assert np.isfinite(metrics["recon_error"])
    noise = torch.bernoulli(torch.full((400, 20), 0.5), generator=torch.Generator().manual_seed(0))
    exact_log_p = (
        -model.free_energy(torch.from_numpy(prototypes)) - model.log_partition_brute_force()
    )
    assert float(model.free_energy(data).mean()) < float(model.free_energy(noise).mean()) - 5
    uniform = -20 * np.log(2)
    assert float(exact_log_p.min()) > uniform + 8  # both far more probable than at random
    assert float(exact_log_p.max() - exact_log_p.min()) < 2.0  # neither mode starved


def test_training_divergence_is_reported() -> None:
    data = torch.bernoulli(torch.full((100, 10), 0.5))
    model = RBM(RBMConfig(n_visible=10, n_hidden=4))
    trainer = RBMTrainer(model, data, RBMTrainConfig(epochs=1, batch_size=10, lr=5.0))
    model.W.fill_(float("nan"))
    with pytest.raises(TrainingDiverged, match="RBM training diverged at the start of epoch 1: "
                       "weight sum of W is nan; lower the lr"):
        trainer.step()


def test_divergence_inside_an_epoch_names_the_batch() -> None:
    data = torch.bernoulli(torch.full((100, 10), 0.5), generator=torch.Generator().manual_seed(0))
    model = RBM(RBMConfig(n_visible=10, n_hidden=4))
    trainer = RBMTrainer(model, data, RBMTrainConfig(epochs=1, batch_size=10))
    trainer.data[:, 0] = float("inf")  # the positive phase poisons the first update
    with pytest.raises(TrainingDiverged, match=r"epoch 1, batch 1: weight sum of W is (nan|inf)"):
        trainer.step()


def brute_force_pll(model: RBM) -> torch.Tensor:
    """Σ_i log P(v_i | v_−i) for every state v, each conditional from the enumerated joint:
    P(v_i | v_−i) = P(v) / (P(v) + P(v with bit i flipped))."""
    vs, _, joint = exact_joint(model)
    p_v = joint.sum(dim=1)  # (2^V,)
    codes = torch.arange(2**N_VISIBLE)
    total = torch.zeros(2**N_VISIBLE, dtype=torch.float64)
    for i in range(N_VISIBLE):
        flipped = codes ^ (1 << (N_VISIBLE - 1 - i))  # all_binary_states: column 0 = top bit
        total += torch.log(p_v / (p_v + p_v[flipped]))
    return total


def test_exact_pseudo_log_likelihood_matches_enumeration(tiny_rbm: RBM) -> None:
    vs = all_binary_states(N_VISIBLE, dtype=torch.float64)
    expected = brute_force_pll(tiny_rbm)
    torch.testing.assert_close(tiny_rbm.pseudo_log_likelihood(vs), expected, rtol=1e-10, atol=1e-10)
    # several chunks of rows give the same numbers as one
    chunked = tiny_rbm.pseudo_log_likelihood(vs, chunk_elements=3 * N_VISIBLE * N_HIDDEN)
    torch.testing.assert_close(chunked, expected, rtol=1e-10, atol=1e-10)
    assert bool((expected < 0).all())


def test_one_bit_estimate_is_unbiased_for_the_exact_value(tiny_rbm: RBM) -> None:
    """The trainer's cheap monitor: V·log P(v_i | v_−i) for a random i has the exact PLL as its
    mean; 20,000 draws on one state agree with it within 4 standard errors."""
    v = torch.tensor([[1, 0, 1, 1, 0, 0]], dtype=torch.float64).expand(20_000, -1)
    draws = tiny_rbm.pseudo_log_likelihood_one_bit(v, torch.Generator().manual_seed(5))
    exact = float(tiny_rbm.pseudo_log_likelihood(v[:1]))
    standard_error = float(draws.std()) / len(draws) ** 0.5
    assert abs(float(draws.mean()) - exact) < 4 * standard_error
    assert float(draws.std()) > 0.1  # the estimate really is noisy: one bit per row


@pytest.mark.parametrize("bad", [0, -3, 10**6, 2.5])
def test_bad_config_is_rejected(bad) -> None:
    with pytest.raises(ConfigError, match="n_hidden"):
        RBM(RBMConfig(n_visible=10, n_hidden=bad))


def test_all_binary_states_enumerates_everything() -> None:
    states = all_binary_states(3)
    assert {tuple(int(x) for x in s) for s in states} == set(itertools.product((0, 1), repeat=3))


def test_shipped_card_gives_the_exact_pseudo_log_likelihood() -> None:
    """The rbm-mnist card's numbers are what the one metrics function gives on the test split
    (the exact all-bit PLL, not a one-bit estimate), recomputed from the shipped weights."""
    from explorer.data import load_mnist
    from explorer.metrics.rbm_eval import rbm_metrics
    from explorer.weights import load_pretrained

    model = load_pretrained("rbm-mnist", device="cpu")
    x = torch.from_numpy(load_mnist("test", binarize=True)[0])
    metrics = rbm_metrics(model, x, seed=model.card["training"]["seed"])
    assert metrics == pytest.approx(model.card["metrics"], abs=1e-3)
    assert -100 < metrics["pseudo_log_likelihood"] < -80
