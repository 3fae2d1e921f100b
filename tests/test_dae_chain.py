"""The DAE Markov chain (fig. 20.11) sub-step by sub-step, clamping (fig. 20.12), samples."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explorer.data.toys import ring8
from explorer.errors import ConfigError
from explorer.metrics.mmd import median_bandwidth, mmd2
from explorer.models.base import seeded_global_rng
from explorer.models.dae import DAE, DAEConfig, DAETrainConfig, DAETrainer
from explorer.sampling.conditional import ConditionalSampler, Diagnostics
from explorer.sampling.dae_chain import SUBSTEPS, DAEChain

MNIST = {"data": "mnist", "hidden": [32], "corruption": "salt-and-pepper", "noise": 0.3,
         "reconstruction": "bernoulli"}


def make(seed: int = 0, **fields) -> DAE:
    with seeded_global_rng(seed):
        return DAE(DAEConfig(**fields))


def copy_of(generator: torch.Generator) -> torch.Generator:
    twin = torch.Generator()
    twin.set_state(generator.get_state())
    return twin


def test_each_substep_is_the_model_method_it_names() -> None:
    """Replaying the model's methods on a twin generator gives bit-identical x̃, h, ω and x′."""
    model = make(0, hidden_noise=0.3)  # a GSN: encode draws noise too
    g = torch.Generator().manual_seed(1)
    chain = DAEChain.free(model, torch.randn(5, 2, generator=g), g)
    x0 = chain.state.clone()
    twin = copy_of(g)
    frame = chain.frame()
    assert frame.done is None and frame.next == "corrupt" and frame.x_tilde is None
    names = []
    for _ in SUBSTEPS:
        frame = chain.substep()
        names.append(frame.done)
    assert tuple(names) == SUBSTEPS and frame.next == "corrupt" and frame.n_steps == 1
    with torch.no_grad():
        x_tilde = model.corrupt(x0, twin)
        h = model.encode(x_tilde, twin)
        omega = model.decode(h)
        x_next = model.sample_reconstruction(omega, twin)
    assert torch.equal(frame.x, x0) and torch.equal(frame.x_tilde, x_tilde)
    assert torch.equal(frame.h, h) and torch.equal(frame.omega.mean, omega.mean)
    assert torch.equal(frame.x_next, x_next) and torch.equal(chain.state, x_next)
    assert chain.n_steps == 1 and chain.frame().x_tilde is None  # the next step starts afresh


def test_frames_fill_in_one_substep_at_a_time_and_step_finishes_the_step() -> None:
    model = make(0)
    chain = DAEChain.free(model, torch.zeros(3, 2), torch.Generator().manual_seed(2))
    first = chain.substep()
    assert (first.done, first.next) == ("corrupt", "encode")
    assert first.x_tilde is not None and first.h is None and first.omega is None
    second = chain.substep()
    assert second.h is not None and second.omega is None and second.x_next is None
    assert chain.next_substep == "decode"
    new = chain.step()  # finishes decode + sample of the current step
    assert chain.n_steps == 1 and chain.next_substep == "corrupt" and torch.equal(new, chain.state)
    chain.step()
    assert chain.n_steps == 2


def test_clamped_pixels_never_change_over_many_steps() -> None:
    model = make(0, **MNIST)
    g = torch.Generator().manual_seed(3)
    values = torch.bernoulli(torch.full((784,), 0.4), generator=g)
    mask = np.zeros((28, 28), dtype=bool)
    mask[:, 14:] = True  # the right half, as in fig. 20.12
    mask = mask.reshape(784)
    chain = DAEChain(model, values, mask, n_chains=6, generator=g)
    assert isinstance(chain, ConditionalSampler)
    free_changed = torch.zeros(784, dtype=torch.bool)
    start = chain.state.clone()
    for _ in range(60):
        for _ in SUBSTEPS:
            chain.substep()
            assert torch.equal(chain.state[:, mask], values[mask].expand(6, -1))
        free_changed |= (chain.state != start).any(0)
    assert free_changed[~mask].float().mean() > 0.5  # the free pixels do move
    probs = chain.probabilities
    assert ((probs >= 0) & (probs <= 1)).all()
    assert torch.equal(probs[:, mask], values[mask].expand(6, -1))
    completion = chain.completion()
    assert set(completion.unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(completion[:, mask], values[mask].expand(6, -1))
    diagnostics = chain.diagnostics()
    assert isinstance(diagnostics, Diagnostics) and diagnostics.energy is None
    (h,) = diagnostics.hidden.values()
    assert h.shape == (6, 32)


def test_clamping_one_coordinate_of_2d_chains_is_exact() -> None:
    model = make(0)
    values = torch.tensor([[0.37, 0.0], [-0.81, 0.0]])
    mask = torch.tensor([[True, False], [True, False]])
    chain = DAEChain(model, values, mask, n_chains=2, generator=torch.Generator().manual_seed(4))
    for _ in range(100):
        chain.step()
        assert torch.equal(chain.state[:, 0], values[:, 0])  # 2-D values are used as given
    assert chain.completion()[:, 0].tolist() == values[:, 0].tolist()


def test_built_as_the_registry_and_inpaint_build_samplers() -> None:
    """``cls(model, clamp_values, clamp_mask, n_chains, generator)`` with numpy inputs, a
    broadcast (read-only) per-chain mask, as :func:`explorer.sampling.inpaint.inpaint` passes."""
    model = make(0, **MNIST)
    originals = (np.random.default_rng(5).random((3, 784)) < 0.3).astype(np.float32)
    mask = np.zeros(784, dtype=bool)
    mask[:392] = True
    chain = DAEChain(model, originals, np.broadcast_to(mask, originals.shape), 3,
                     torch.Generator().manual_seed(6))
    for _ in range(20):
        chain.step()
    done = chain.completion().numpy().astype(np.uint8)
    assert (done[:, mask] == originals[:, mask]).all() and chain.n_chains == 3


def test_bad_chain_setups_raise() -> None:
    model = make(0)
    with pytest.raises(ConfigError):
        DAEChain(model, np.zeros(3), np.zeros(3, dtype=bool))
    with pytest.raises(ConfigError):
        DAEChain(model, None, None, n_chains=0)
    with pytest.raises(ConfigError):
        DAEChain(model, None, None, init="uniform")
    with pytest.raises(ConfigError):
        DAEChain(model, None, None, n_chains=4, x0=torch.zeros(3, 2))


def test_chain_samples_approach_the_data() -> None:
    """A 2-D DAE (σ = 0.1, variance set to the reconstruction MSE, 2,000 Adam steps on ring-8 of
    std 0.05) drives 2,000 chains from N(0, I) onto the ring: after 300 steps, MMD² (Gaussian
    kernel, the data's median-heuristic bandwidth, ~1.4) to 2,000 held-out points is within 20×
    the mean |MMD²| of five pairs of 2,000-point data samples (measured: 8.4× for weights of
    seed 0, 1.6× / 1.5× for seeds 1 / 2; the chains' N(0, I) start is 147×). What is left is mode
    balance: at σ = 0.1 chains rarely hop between modes 0.77 apart, so occupancy keeps the traces
    of the starting basins."""
    toy = ring8(0.05)
    model = make(0, noise=0.1, reconstruction="gaussian-mse")
    DAETrainer(model, toy, DAETrainConfig(batch_size=256, lr=3e-3, batches_per_epoch=2000)).step()
    g = torch.Generator().manual_seed(200)
    start = torch.randn(2000, 2, generator=g)
    chain = DAEChain.free(model, start, g)
    chain.run(300)
    held_out = toy.sample(2000, g)
    h = median_bandwidth(held_out, toy.sample(2000, g))
    reference = np.mean([abs(mmd2(toy.sample(2000, g), toy.sample(2000, g), h))
                         for _ in range(5)])
    ratio = mmd2(chain.state, held_out, h) / reference
    start_ratio = mmd2(start, held_out, h) / reference
    print(f"chain MMD² / data-data MMD²: {ratio:.1f} (start: {start_ratio:.0f})")
    assert ratio <= 20
    assert start_ratio >= 60
    radial = chain.state.norm(dim=1)
    assert abs(float(radial.median()) - 1.0) < 0.02  # on the ring, not between its modes
