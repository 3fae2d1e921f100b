"""The conditional-sampler contract: the RBM's clamped Gibbs chain implements it, the registry
finds it by model class (and by a card's kind), and a new family can register its own."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explorer.errors import ConfigError
from explorer.models.rbm import RBM, RBMConfig
from explorer.models.vae import VAE
from explorer.sampling import (
    CONDITIONAL_SAMPLERS,
    ClampedGibbsChain,
    ConditionalSampler,
    Diagnostics,
    conditional_sampler,
    inpaint,
    kind_offers_conditional_sampler,
    make_mask,
    models_that_inpaint,
    offers_conditional_sampler,
)


@pytest.fixture()
def rbm() -> RBM:
    model = RBM(RBMConfig(n_visible=784, n_hidden=30))
    model.W.copy_(torch.randn(784, 30, generator=torch.Generator().manual_seed(0)) * 0.3)
    return model


def test_rbm_chain_implements_the_contract(rbm: RBM) -> None:
    mask = make_mask("right-half")
    values = (np.random.default_rng(0).random(784) < 0.3).astype(np.float32)
    chain = conditional_sampler(rbm, values, mask, 5, torch.Generator().manual_seed(1))
    assert isinstance(chain, ClampedGibbsChain) and isinstance(chain, ConditionalSampler)
    assert chain.n_steps == 0 and chain.n_chains == 5
    assert chain.state.shape == chain.probabilities.shape == (5, 784)
    new = chain.step()
    assert chain.n_steps == 1 and torch.equal(new, chain.state)
    for tensor in (chain.state, chain.probabilities, chain.completion()):
        assert torch.equal(tensor[:, torch.from_numpy(mask)],
                           torch.from_numpy(values[mask] >= 0.5).float().expand(5, -1))
    assert ((chain.probabilities >= 0) & (chain.probabilities <= 1)).all()
    assert set(torch.unique(chain.completion()).tolist()) <= {0.0, 1.0}
    diagnostics = chain.diagnostics()
    assert isinstance(diagnostics, Diagnostics)
    (layer, hidden), = diagnostics.hidden.items()
    assert hidden.shape == (5, 30) and torch.allclose(hidden, rbm.prob_h(chain.state))  # eq 20.14
    assert torch.allclose(diagnostics.energy, rbm.free_energy(chain.state))
    assert "Free energy" in diagnostics.energy_name and "h" in layer


def test_the_generator_seeds_the_chain(rbm: RBM) -> None:
    mask = np.zeros(784, bool)

    def run(seed: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed(seed)
        chain = conditional_sampler(rbm, np.zeros(784), mask, 4, generator)
        for _ in range(5):
            chain.step()
        return chain.state

    assert torch.equal(run(7), run(7)) and not torch.equal(run(7), run(8))


def test_registry_answers_by_model_and_by_kind(rbm: RBM) -> None:
    assert CONDITIONAL_SAMPLERS[RBM] is ClampedGibbsChain
    assert offers_conditional_sampler(rbm) and offers_conditional_sampler(RBM)
    assert not offers_conditional_sampler(VAE)
    assert kind_offers_conditional_sampler("rbm")
    assert not kind_offers_conditional_sampler("vae2d")
    assert not kind_offers_conditional_sampler("no-such-kind")
    entries = [("a", {"kind": "rbm"}), ("b", {"kind": "classifier"}), ("c", {"error": "x"})]
    assert models_that_inpaint(entries) == ["a"]
    with pytest.raises(ConfigError, match="no conditional sampler"):
        conditional_sampler(torch.nn.Linear(2, 2), np.zeros(784), np.zeros(784, bool))


def test_a_new_family_registers_its_own_sampler(monkeypatch) -> None:
    """Open for later models (DBM, DAE, NADE): one dict entry, and inpaint() uses it."""

    class Copier(torch.nn.Module):  # a toy "model" whose completion is all ones
        pass

    class OnesSampler:
        def __init__(self, model, clamp_values, clamp_mask, n_chains=8, generator=None):
            self.n_chains, self.n_steps = n_chains, 0
            shape = (n_chains, 784)
            self.clamp_mask = torch.as_tensor(np.array(np.broadcast_to(clamp_mask, shape)))
            self.clamp_values = torch.as_tensor(np.array(np.broadcast_to(clamp_values, shape)))
            self._state = torch.where(self.clamp_mask, self.clamp_values.float(),
                                      torch.ones(n_chains, 784))

        def step(self):
            self.n_steps += 1
            return self._state

        @property
        def state(self):
            return self._state

        @property
        def probabilities(self):
            return self._state

        def completion(self):
            return self._state

        def diagnostics(self):
            return Diagnostics()

    monkeypatch.setitem(CONDITIONAL_SAMPLERS, Copier, OnesSampler)
    assert offers_conditional_sampler(Copier())
    originals = np.zeros((3, 784), np.uint8)
    left = make_mask("left-half")
    out = inpaint(Copier(), originals, left, n_steps=2)
    assert (out[:, left] == 0).all() and (out[:, ~left] == 1).all()
    chain = conditional_sampler(Copier(), originals, make_mask("box"), 3)
    assert isinstance(chain, ConditionalSampler)
