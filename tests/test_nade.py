"""Orderless NADE (§20.10.10): exact normalisation and conditionals on a 10-pixel model, the
sampler's contract, and a short training run."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from explorer.models.nade import NADE, NADEConfig, NADETrainConfig, NADETrainer, orderless_loss
from explorer.sampling import conditional_sampler
from explorer.sampling.nade_sampler import NADESampler

V = 10


def tiny_nade(seed: int = 0) -> NADE:
    torch.manual_seed(seed)
    model = NADE(NADEConfig(n_visible=V, n_hidden=7)).double()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p))
    return model


ALL = torch.tensor(list(itertools.product([0.0, 1.0], repeat=V)), dtype=torch.float64)


def log_joint(model: NADE, order: torch.Tensor) -> torch.Tensor:
    """log p(x) for all 2^V inputs along one ordering (the same for every row)."""
    none = torch.zeros_like(ALL, dtype=torch.bool)
    return model.log_prob_given(ALL, none, order.expand(len(ALL), -1))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_probabilities_of_all_inputs_sum_to_one_under_several_orderings(seed):
    model = tiny_nade(seed)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(4):
        order = torch.randperm(V, generator=gen)
        total = log_joint(model, order).exp().sum()
        assert abs(float(total) - 1.0) < 1e-9
    raster = model.log_prob(ALL).exp().sum()
    assert abs(float(raster) - 1.0) < 1e-9


def test_conditional_equals_ratio_of_enumerated_joints():
    """p(x_free | x_clamped) from one ancestral pass over the free pixels equals
    p(x) / Σ_{x'_free} p(x_clamped, x'_free) with the joint enumerated along the ordering
    (clamped pixels first, then the free ones in the same order)."""
    model = tiny_nade(3)
    gen = torch.Generator().manual_seed(0)
    for _ in range(5):
        clamp = torch.zeros(V, dtype=torch.bool)
        clamp[torch.randperm(V, generator=gen)[:4]] = True
        clamped_idx, free_idx = clamp.nonzero()[:, 0], (~clamp).nonzero()[:, 0]
        free_idx = free_idx[torch.randperm(len(free_idx), generator=gen)]
        joint = log_joint(model, torch.cat([clamped_idx, free_idx]))
        cond = model.log_prob_given(ALL, clamp.expand(len(ALL), -1),
                                    free_idx.expand(len(ALL), -1))
        key = (ALL[:, clamp] * 2 ** torch.arange(4, dtype=torch.float64)).sum(1).long()
        marginal = torch.zeros(16, dtype=torch.float64).index_add_(0, key, joint.exp())
        ratio = joint.exp() / marginal[key]
        assert torch.allclose(cond.exp(), ratio, atol=1e-6, rtol=0)


def test_sampler_draws_the_exact_conditional_and_reports_its_log_prob():
    model = tiny_nade(4).float()
    clamp = np.zeros(V, bool)
    clamp[[0, 3, 5, 7, 8, 9]] = True
    values = np.array([1, 0, 0, 1, 0, 1, 0, 0, 1, 1], np.float32)
    sampler = NADESampler(model, values, clamp, 4000, torch.Generator().manual_seed(0), "raster")
    x = sampler.step()
    free = ~clamp
    codes = (x[:, free] * torch.tensor([8.0, 4.0, 2.0, 1.0])).sum(1).long()
    freq = np.bincount(codes.numpy(), minlength=16) / len(codes)
    states = torch.tensor(list(itertools.product([0.0, 1.0], repeat=4)))
    full = torch.from_numpy(values).expand(16, -1).clone()
    full[:, torch.from_numpy(free)] = states
    exact = model.log_prob_given(full, torch.from_numpy(clamp).expand(16, -1)).exp().numpy()
    assert abs(exact.sum() - 1) < 1e-5
    assert np.abs(freq - exact).max() < 0.025
    again = model.log_prob_given(x, torch.from_numpy(clamp).expand_as(x))
    assert torch.allclose(sampler.log_prob, again, atol=1e-5)
    d = sampler.diagnostics()
    assert list(d.hidden.values())[0].shape == (4000, 4)
    assert torch.equal(d.energy, -sampler.log_prob)


@pytest.mark.parametrize("order", ["raster", "random", "random-shared"])
def test_clamped_pixels_never_change_and_probabilities_sit_at_their_pixels(order):
    model = NADE(NADEConfig(n_visible=120, n_hidden=16))
    rng = np.random.default_rng(0)
    mask = np.stack([rng.random(120) < q for q in (0.2, 0.5, 0.8)])  # per-chain clamps
    values = (rng.random((3, 120)) < 0.3).astype(np.float32)
    sampler = NADESampler(model, values, mask, 3, torch.Generator().manual_seed(1), order)
    m = torch.from_numpy(mask)
    for _ in range(3):
        sampler.step()
        assert torch.equal(sampler.state[m], torch.from_numpy(values)[m])
        draw = sampler.last
        for k in range(3):
            idx = draw.order[k][draw.order[k] >= 0]
            assert sorted(idx.tolist()) == np.flatnonzero(~mask[k]).tolist()
            assert torch.equal(sampler.probabilities[k, idx], draw.probs[k, : len(idx)])
    if order == "raster":
        assert (draw.order[0][:-1] <= draw.order[0][1:]).all() or (draw.order[0] < 0).any()


def test_registry_and_seeded_draws():
    model = tiny_nade().float()
    mask = np.arange(V) < 3
    a = conditional_sampler(model, np.ones(V), mask, 5, torch.Generator().manual_seed(2))
    b = conditional_sampler(model, np.ones(V), mask, 5, torch.Generator().manual_seed(2))
    assert isinstance(a, NADESampler)
    assert torch.equal(a.step(), b.step())


def test_training_lowers_the_loss_and_the_exact_nll():
    gen = torch.Generator().manual_seed(0)
    protos = (torch.rand(3, 12, generator=gen) < 0.5).float()
    data = protos[torch.randint(0, 3, (600,), generator=gen)]
    data = torch.where(torch.rand(data.shape, generator=gen) < 0.05, 1 - data, data)
    model = NADE(NADEConfig(n_visible=12, n_hidden=16))
    before = -float(model.log_prob(data).mean())
    trainer = NADETrainer(model, data, NADETrainConfig(epochs=30, lr=1e-2, batch_size=50))
    while not trainer.done:
        last = trainer.step()
    after = -float(model.log_prob(data).mean())
    assert after < before - 1.0
    # 3 prototypes with 5% flips: entropy ≈ log 3 + 12·H(0.05) ≈ 3.45 nats per digit
    assert after < 5.0, after
    assert np.isfinite(last["orderless_nll"])
    loss = orderless_loss(model, data[:8], torch.Generator().manual_seed(0))
    assert loss.shape == (8,)


def test_orderless_loss_is_unbiased_for_the_nll_averaged_over_orderings():
    model = NADE(NADEConfig(n_visible=3, n_hidden=4)).double()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=torch.Generator().manual_seed(7),
                               dtype=p.dtype))
    x = torch.tensor([[1.0, 0.0, 1.0]], dtype=torch.float64)
    orders = list(itertools.permutations(range(3)))
    exact = np.mean([-float(model.log_prob_given(x, torch.zeros_like(x, dtype=torch.bool),
                                                  torch.tensor([o]))) for o in orders])
    with torch.no_grad():
        losses = orderless_loss(model, x.expand(200_000, -1), torch.Generator().manual_seed(0))
    se = float(losses.std()) / np.sqrt(len(losses))
    assert abs(float(losses.mean()) - exact) < 4 * se, (float(losses.mean()), exact, se)


def test_shared_order_fast_path_equals_the_general_pass():
    model = NADE(NADEConfig(n_visible=40, n_hidden=9))
    gen = torch.Generator().manual_seed(0)
    x = (torch.rand(6, 40, generator=gen) < 0.4).float()
    mask = (torch.rand(40, generator=gen) < 0.5).expand(6, -1)
    order = (~mask[0]).nonzero()[:, 0].expand(6, -1)
    padded = torch.cat([order, torch.full((6, 1), -1)], 1)  # forces the per-row path
    with torch.no_grad():
        fast = model._ancestral(x, mask, order, None, False)
        slow = model._ancestral(x, mask, padded, None, False)
    assert torch.allclose(fast.log_prob, slow.log_prob, atol=1e-5)
    assert torch.allclose(fast.probs, slow.probs[:, :-1], atol=1e-6)


def test_random_orders_log_prob_is_exact_under_the_order_used():
    """With random orderings, each sample's log p equals the pass along its own order."""
    model = tiny_nade(5).float()
    clamp = np.zeros(V, bool)
    clamp[[1, 4]] = True
    for order in ("random", "random-shared"):
        sampler = NADESampler(model, np.ones(V), clamp, 50, torch.Generator().manual_seed(3),
                              order)
        x = sampler.step()
        again = model.log_prob_given(x, torch.from_numpy(clamp).expand_as(x), sampler.last.order)
        assert torch.allclose(sampler.log_prob, again, atol=1e-5)
        if order == "random-shared":
            assert (sampler.last.order == sampler.last.order[0]).all()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shared_pass_in_numpy_equals_the_torch_loop(dtype):
    """The CPU (numpy) loop of the shared-order pass draws the same pixels and logits as the
    torch loop used on accelerators, from the same thresholds."""
    gen = torch.Generator().manual_seed(0)
    n_free, n_rows, n_hidden = 30, 5, 11
    a = torch.randn(n_rows, n_hidden, generator=gen, dtype=dtype)
    u_out, w_x, w_m = (torch.randn(n_free, n_hidden, generator=gen, dtype=dtype)
                       for _ in range(3))
    bias = torch.randn(n_free, generator=gen, dtype=dtype)
    u = torch.rand(n_free, n_rows, generator=gen, dtype=dtype)
    threshold = torch.log(u) - torch.log1p(-u)
    values_np, values_torch = torch.zeros(n_free, n_rows, dtype=dtype), torch.zeros(
        n_free, n_rows, dtype=dtype)
    logits_np = NADE._pass_numpy(a, u_out, w_x, w_m, bias, values_np, threshold)
    logits_torch = NADE._pass_torch(a, u_out, w_x, w_m, bias, values_torch, threshold)
    assert torch.equal(values_np, values_torch)
    assert 0 < float(values_np.mean()) < 1
    assert torch.allclose(logits_np, logits_torch, atol=1e-5)
    given = (torch.rand(n_free, n_rows, generator=gen) < 0.5).to(dtype)  # no draw: x given
    fixed_np, fixed_torch = given.clone(), given.clone()
    assert torch.allclose(NADE._pass_numpy(a, u_out, w_x, w_m, bias, fixed_np, None),
                          NADE._pass_torch(a, u_out, w_x, w_m, bias, fixed_torch, None),
                          atol=1e-5)
    assert torch.equal(fixed_np, given) and torch.equal(fixed_torch, given)
