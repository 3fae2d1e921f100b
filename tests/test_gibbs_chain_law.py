"""The optimised ClampedGibbsChain (``u < p`` draws, preallocated buffers, products over the free
pixels only when every chain shares one mask) samples the same law: its visits match the exact
P(v_free | v_clamped) of a tiny RBM on both paths, and clamped pixels stay exact."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from explorer.models.rbm import RBM, RBMConfig
from explorer.sampling.gibbs import ClampedGibbsChain

MASK_A = np.array([True, False, True, False, False])  # v0 = 1, v2 = 0 clamped
VALUES_A = np.array([1.0, 0, 0, 0, 0], np.float32)
MASK_B = np.array([False, True, False, False, True])  # v1 = 1, v4 = 1 clamped
VALUES_B = np.array([0, 1.0, 0, 0, 1.0], np.float32)


def tiny_rbm() -> RBM:
    model = RBM(RBMConfig(n_visible=5, n_hidden=3))
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 1.5)
    return model


def exact_conditional(model: RBM, mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """P(v_free | v_clamped) by enumeration, over the free pixels' states in binary order."""
    states = torch.tensor(list(itertools.product([0.0, 1.0], repeat=5)))
    keep = torch.ones(len(states), dtype=torch.bool)
    for i in np.flatnonzero(mask):
        keep &= states[:, i] == float(values[i])
    return torch.softmax(-model.free_energy(states[keep]), 0).detach().numpy()


def visit_frequencies(chain: ClampedGibbsChain,
                      groups: list[tuple[slice, np.ndarray, np.ndarray]]) -> list[np.ndarray]:
    """Run the chain 40 sweeps; per group of chains (rows, mask, values) check the clamp at
    every sweep and return the visit frequencies of the free pixels' states after sweep 10."""
    counts = [np.zeros(2 ** int((~mask).sum())) for _, mask, _ in groups]
    for step in range(40):
        v = chain.step()
        for (rows, mask, values), count in zip(groups, counts, strict=True):
            clamped = torch.tensor(values[mask]).expand(rows.stop - rows.start, int(mask.sum()))
            assert torch.equal(v[rows][:, mask], clamped)
            assert torch.equal(chain.probabilities[rows][:, mask], clamped)
            if step >= 10:
                free = np.flatnonzero(~mask)
                weights = torch.tensor([2.0 ** (len(free) - 1 - k) for k in range(len(free))])
                codes = (v[rows][:, free] * weights).sum(1).long().numpy()
                count += np.bincount(codes, minlength=len(count))
    return [count / count.sum() for count in counts]


def test_chain_visits_match_the_exact_conditional_one_mask_for_all():
    model = tiny_rbm()
    chain = ClampedGibbsChain(model, VALUES_A, MASK_A, 4000, torch.Generator().manual_seed(1))
    assert chain._free_idx is not None  # the free-pixels-only path
    [freq] = visit_frequencies(chain, [(slice(0, 4000), MASK_A, VALUES_A)])
    exact = exact_conditional(model, MASK_A, VALUES_A)
    assert np.abs(freq - exact).max() < 0.015, (freq, exact)
    # P(h | v) is still that of the current sample (eq. 20.14)
    assert torch.allclose(chain.diagnostics().hidden["P(h = 1 | v)"], model.prob_h(chain.v))


def test_chain_visits_match_the_exact_conditional_a_mask_per_chain():
    model = tiny_rbm()
    masks = np.stack([MASK_A] * 4000 + [MASK_B] * 4000)
    values = np.stack([VALUES_A] * 4000 + [VALUES_B] * 4000)
    chain = ClampedGibbsChain(model, values, masks, 8000, torch.Generator().manual_seed(2))
    assert chain._free_idx is None  # the full-size path
    groups = [(slice(0, 4000), MASK_A, VALUES_A), (slice(4000, 8000), MASK_B, VALUES_B)]
    for (_, mask, vals), freq in zip(groups, visit_frequencies(chain, groups), strict=True):
        exact = exact_conditional(model, mask, vals)
        assert np.abs(freq - exact).max() < 0.015, (mask, freq, exact)
    assert torch.allclose(chain.diagnostics().hidden["P(h = 1 | v)"], model.prob_h(chain.v))


def test_a_chain_follows_its_model_when_the_weights_change():
    """The free-pixels path caches W's free rows and c + v_clampedᵀW; a change of the model's
    parameters in place (a training step) must reach the next sweep."""
    model = tiny_rbm()
    before = ClampedGibbsChain(model, VALUES_A, MASK_A, 500, torch.Generator().manual_seed(4))
    before.step()
    with torch.no_grad():
        model.W.add_(torch.randn(model.W.shape, generator=torch.Generator().manual_seed(5)))
        model.c.mul_(-1)
    after = ClampedGibbsChain(model, VALUES_A, MASK_A, 500, torch.Generator().manual_seed(4))
    after.step()
    before._v_free = after._v_free.clone()  # the same state, the same generator position
    before.generator.manual_seed(6)
    after.generator.manual_seed(6)
    assert torch.equal(before.step(), after.step())


@pytest.mark.parametrize("mask", [np.zeros(6, bool), np.array([1, 1, 0, 0, 1, 0], bool)],
                         ids=["no clamp, full-size path", "one mask, free-pixels path"])
def test_step_returns_a_fresh_tensor_each_time(mask):
    model = RBM(RBMConfig(n_visible=6, n_hidden=2))
    chain = ClampedGibbsChain(model, np.zeros(6), mask, 3, torch.Generator().manual_seed(0))
    first = chain.step()
    kept = first.clone()
    chain.step()
    assert torch.equal(first, kept)  # a caller's reference is not overwritten by later sweeps
