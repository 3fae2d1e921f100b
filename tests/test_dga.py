"""The DGA (seed 004): the straight-through pseudo-gradient, the §5.1 importance-sampling
normaliser against exact enumeration, Proposition 1, the Table 1 statistics on synthetic codes,
and greedy training of a small stack."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from explorer.errors import ConfigError
from explorer.metrics.dga_eval import code_statistics, dga_log_likelihood, importance_log_z, table1
from explorer.models.dga import DGA, DGAConfig, DGATrainConfig, DGATrainer, straight_through


def all_states(n: int) -> torch.Tensor:
    return torch.tensor(list(itertools.product([0.0, 1.0], repeat=n)))


def tiny_dga(n_visible: int = 8, codes: list[int] | None = None, seed: int = 0) -> DGA:
    torch.manual_seed(seed)
    model = DGA(DGAConfig(n_visible=n_visible, codes=codes or [3], n_hidden_layers=0))
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 1.5)
        for layer in model.layers:
            layer.set_prior(torch.rand(layer.prior_logit.shape) * 0.8 + 0.1)
    return model


@pytest.mark.parametrize("gate", [0.0, 0.5])
def test_straight_through_gradient_is_dL_df_backpropagated(gate: float) -> None:
    """Δa = ∂L/∂f(x) (§2.2): the encoder's gradient equals ∂L/∂h, computed with h a continuous
    leaf, pushed through the affine encoder (masked to |a| ≤ gate for the gated variant)."""
    model = tiny_dga(6, [4], seed=1)
    layer = model.layers[0]
    x = torch.bernoulli(torch.full((5, 6), 0.5), generator=torch.Generator().manual_seed(0))
    layer.requires_grad_(True)
    loss, _, _ = layer.loss(x, beta=0.7, noise=0.0, generator=None, gate=gate)
    loss.sum().backward()
    enc = layer.encoder[0]
    got_w, got_b = enc.weight.grad.clone(), enc.bias.grad.clone()

    a = enc(x).detach()
    h = (a > 0).float().requires_grad_(True)
    rec = torch.nn.functional.binary_cross_entropy_with_logits(
        layer.decode_logits(h), x, reduction="none").sum(-1)
    total = (rec + 0.7 * -layer.prior_log_prob(h)).sum()
    (dl_dh,) = torch.autograd.grad(total, h)
    if gate > 0:
        dl_dh = dl_dh * (a.abs() <= gate)
    torch.testing.assert_close(got_w, dl_dh.T @ x)
    torch.testing.assert_close(got_b, dl_dh.sum(0))
    assert got_w.abs().sum() > 0  # the check is not vacuous
    # forward value is the binary code
    assert set(straight_through(torch.randn(20)).tolist()) <= {0.0, 1.0}


def test_importance_sampled_log_z_matches_enumeration() -> None:
    model = tiny_dga(8, [3], seed=2)
    xs = all_states(8)
    exact = float(torch.logsumexp(model.log_p_star(xs), 0))
    assert exact <= 1e-6  # Proposition 1: Σ_x P*(x) ≤ 1
    est = importance_log_z(model, n_samples=20_000, n_centroids=64,
                           generator=torch.Generator().manual_seed(0))
    assert est.se < 0.05 and est.ess > 100
    assert abs(est.log_z - exact) < 4 * est.se + 1e-3, (est, exact)
    # the normalised likelihood then sums to one over all x (up to the estimate's error)
    ll = dga_log_likelihood(model, xs, seed=0, n_samples=20_000, n_centroids=64)
    assert abs(ll["log_z"] - exact) < 4 * ll["log_z_se"] + 1e-3


def test_proposition_1_p_star_under_estimates_the_marginal() -> None:
    model = tiny_dga(8, [3], seed=3)
    xs = all_states(8)
    marginal = model.log_marginal_exact(xs, all_states(3))
    assert torch.logsumexp(marginal, 0).abs() < 1e-5  # Σ_x Σ_h P(x|h)P(h) = 1
    assert (model.log_p_star(xs) <= marginal + 1e-6).all()


def test_deep_importance_sampling_matches_enumeration() -> None:
    model = tiny_dga(7, [4, 3], seed=4)
    xs = all_states(7)
    exact = float(torch.logsumexp(model.log_p_star(xs), 0))
    assert exact <= 1e-6
    est = importance_log_z(model, n_samples=20_000, n_centroids=64,
                           generator=torch.Generator().manual_seed(1))
    assert abs(est.log_z - exact) < 4 * est.se + 1e-3, (est, exact)


def test_table1_statistics_on_synthetic_codes() -> None:
    rng = np.random.default_rng(0)
    n, p = 200_000, np.array([0.5, 0.1, 0.9, 0.3])
    bits = (rng.random((n, 4)) < p).astype(np.float64)
    stats = code_statistics(bits)
    h = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    assert stats.entropy_bits == pytest.approx(h.sum(), abs=0.01)
    assert stats.active_bits == pytest.approx(np.minimum(p, 1 - p).sum(), abs=0.01)
    assert stats.offdiag_corr_norm < 0.02  # independent: correlations ~ 1/√n
    # two exact copies and one exact complement of column 0, plus a constant column
    dup = np.column_stack([bits[:, 0], bits[:, 0], 1 - bits[:, 0], np.ones(n)])
    stats = code_statistics(dup)
    # pairs (0,1)=+1, (0,2)=-1, (1,2)=-1 each counted twice; the constant column contributes 0
    assert stats.offdiag_corr_norm == pytest.approx(math.sqrt(6), abs=1e-9)
    assert stats.entropy_bits == pytest.approx(3 * h[0], abs=0.01)


def test_greedy_training_of_a_small_stack() -> None:
    gen = torch.Generator().manual_seed(0)
    protos = torch.bernoulli(torch.full((4, 30), 0.4), generator=gen)
    data = protos[torch.randint(4, (400,), generator=gen)]
    flip = torch.rand(data.shape, generator=gen) < 0.03
    data = torch.where(flip, 1 - data, data)
    model = DGA(DGAConfig(n_visible=30, codes=[16, 8], hidden=32))
    config = DGATrainConfig(epochs=30, batch_size=50, lr=3e-3, beta_max=[0.3, 1.0], seed=0)
    trainer = DGATrainer(model, data, config)
    history = []
    while not trainer.done:
        history.append(trainer.step())
    assert trainer.epoch == 60 and [h["layer"] for h in history[::30]] == [1.0, 2.0]
    assert history[29]["recon_nll"] < history[0]["recon_nll"]
    assert history[-1]["beta"] == 1.0 and history[0]["beta"] == 0.0
    rows = table1(model, data)
    assert list(rows) == ["data", "f1", "f2f1"]
    samples = model.sample(5, generator=torch.Generator().manual_seed(0))
    assert samples.shape == (5, 30) and 0 <= samples.min() and samples.max() <= 1
    h1, means = model.sample_from_depth(3, 1)
    assert h1.shape == (3, 16) and means.shape == (3, 30)
    # the same seed gives the same model
    again = DGA(DGAConfig(n_visible=30, codes=[16, 8], hidden=32))
    DGATrainer(again, data, config)
    trainer2 = DGATrainer(again, data, config)
    while not trainer2.done:
        trainer2.step()
    for a, b in zip(model.state_dict().values(), again.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b)


def test_uneven_layer_epochs_and_an_untrained_top_layer() -> None:
    data = torch.bernoulli(torch.full((60, 12), 0.3), generator=torch.Generator().manual_seed(0))
    model = DGA(DGAConfig(n_visible=12, codes=[6, 4], hidden=8))
    trainer = DGATrainer(model, data, DGATrainConfig(epochs=3, layer_epochs=[2, 0],
                                                     beta_max=[0.3, 1.0]))
    layers = []
    while not trainer.done:
        layers.append(trainer.step()["layer"])
    assert layers == [1.0, 1.0]
    top = model.layers[1]
    expected = model.codes(data)[1].mean(0).clamp(0.01, 0.99)
    torch.testing.assert_close(torch.sigmoid(top.prior_logit), expected)  # prior still fit
    with pytest.raises(ConfigError):
        DGATrainer(model, data, DGATrainConfig(layer_epochs=[0, 0], beta_max=[0.3, 1.0]))


def test_config_validation() -> None:
    with pytest.raises(ConfigError):
        DGA(DGAConfig(codes=[]))
    with pytest.raises(ConfigError):
        DGAConfig(prior_floor=0.7).validate()
    model = DGA(DGAConfig(n_visible=10, codes=[4, 3], hidden=5))
    with pytest.raises(ConfigError):
        DGATrainer(model, torch.zeros(10, 10), DGATrainConfig(beta_max=[1.0]))


def test_interpolation_endpoints() -> None:
    model = tiny_dga(8, [5, 4], seed=5)
    x1, x2 = torch.ones(8), torch.zeros(8)
    pixels = model.interpolate(x1, x2, 5, depth=0)
    torch.testing.assert_close(pixels[0], x1)
    torch.testing.assert_close(pixels[2], torch.full((8,), 0.5))
    for depth in (1, 2):
        path = model.interpolate(x1, x2, 4, depth)
        code = model.codes(x1[None], depth)[-1]
        torch.testing.assert_close(path[0], model.decode_means(code, depth)[0])
        assert path.shape == (4, 8)
    with pytest.raises(ConfigError):
        model.interpolate(x1, x2, 3, depth=3)
