"""The optimised ClampedGibbsChain (``rand < p``, preallocated buffers) samples the same law:
its visits match the exact P(v_free | v_clamped) of a tiny RBM, and clamped pixels stay exact."""

from __future__ import annotations

import itertools

import numpy as np
import torch

from explorer.models.rbm import RBM, RBMConfig
from explorer.sampling.gibbs import ClampedGibbsChain


def test_chain_visits_match_the_exact_conditional():
    model = RBM(RBMConfig(n_visible=5, n_hidden=3))
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 1.5)
    mask = np.array([True, False, True, False, False])
    values = np.array([1.0, 0, 0, 0, 0], np.float32)
    states = torch.tensor(list(itertools.product([0.0, 1.0], repeat=5)))
    keep = (states[:, 0] == 1) & (states[:, 2] == 0)
    logp = -model.free_energy(states[keep])
    exact = torch.softmax(logp, 0).numpy()  # over (v1, v3, v4) in binary order
    chain = ClampedGibbsChain(model, values, mask, 4000, torch.Generator().manual_seed(1))
    counts = np.zeros(8)
    for step in range(40):
        v = chain.step()
        assert torch.equal(v[:, [0, 2]], torch.tensor([[1.0, 0.0]]).expand(4000, 2))
        assert torch.equal(chain.probabilities[:, [0, 2]],
                           torch.tensor([[1.0, 0.0]]).expand(4000, 2))
        if step >= 10:
            codes = (4 * v[:, 1] + 2 * v[:, 3] + v[:, 4]).long().numpy()
            counts += np.bincount(codes, minlength=8)
    freq = counts / counts.sum()
    assert np.abs(freq - exact).max() < 0.015, (freq, exact)
    # P(h | v) is still that of the current sample (eq. 20.14)
    assert torch.allclose(chain.diagnostics().hidden["P(h = 1 | v)"], model.prob_h(chain.v))


def test_step_returns_a_fresh_tensor_each_time():
    model = RBM(RBMConfig(n_visible=6, n_hidden=2))
    chain = ClampedGibbsChain(model, np.zeros(6), np.zeros(6, bool), 3,
                              torch.Generator().manual_seed(0))
    first = chain.step()
    kept = first.clone()
    chain.step()
    assert torch.equal(first, kept)  # a caller's reference is not overwritten by later sweeps
