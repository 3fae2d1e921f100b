"""The denoising autoencoder (§20.11): its sub-steps, its criterion, and Tweedie fidelity."""

from __future__ import annotations

import math

import pytest
import torch

from explorer.data.toys import ring8
from explorer.errors import ConfigError, TrainingDiverged
from explorer.models.base import seeded_global_rng
from explorer.models.dae import DAE, DAEConfig, DAETrainConfig, DAETrainer, Omega
from explorer.train.contract import ChunkedTrainer, drive

SIGMA = 0.3
MNIST = {"data": "mnist", "hidden": [32], "corruption": "salt-and-pepper", "noise": 0.3,
         "reconstruction": "bernoulli"}


def make(seed: int = 0, **fields) -> DAE:
    with seeded_global_rng(seed):
        return DAE(DAEConfig(**fields))


@pytest.fixture(scope="module")
def ring_dae() -> tuple[DAE, object]:
    """A 2-D DAE trained for 2,000 Adam steps (batches of 256 fresh ring-8 points, std 0.05)
    with Gaussian corruption σ = 0.3 and a learned variance (~1.5–3 s on one core)."""
    toy = ring8(0.05)
    model = make(0, noise=SIGMA)
    DAETrainer(model, toy, DAETrainConfig(batch_size=256, lr=3e-3, batches_per_epoch=2000)).step()
    return model, toy


def test_reconstruction_field_matches_tweedie(ring_dae) -> None:
    """r(x̃) − x̃ ≈ E[x | x̃] − x̃ = σ²∇log p_σ(x̃) (Tweedie, exact for the mixture) on x̃ ~ p_σ.

    Points: 4,000 draws of the toy plus N(0, σ²I), keeping those with log p_σ(x̃) above its 5%
    quantile (where the density is not negligible). Measured (seeds 0, 1, 2 of the weights):
    median cosine 0.995 / 0.991 / 0.998, median relative error 0.17 / 0.21 / 0.10.
    """
    model, toy = ring_dae
    g = torch.Generator().manual_seed(100)
    x = toy.sample(4000, g)
    x_tilde = (x + SIGMA * torch.randn(x.shape, generator=g)).double()
    log_p = toy.smoothed(SIGMA).log_density(x_tilde)
    keep = log_p >= log_p.quantile(0.05)
    with torch.no_grad():
        learned = model.reconstruction_field(x_tilde.float()).double()[keep]
    exact = (toy.tweedie_denoiser(x_tilde, SIGMA) - x_tilde)[keep]
    cosine = torch.nn.functional.cosine_similarity(learned, exact, dim=1).median()
    relative = ((learned - exact).norm(dim=1) / exact.norm(dim=1)).median()
    print(f"Tweedie: median cosine {cosine:.4f}, median relative error {relative:.4f}")
    assert cosine >= 0.9
    assert relative <= 0.35
    # and an untrained DAE (r ≈ constant, so r(x̃) − x̃ ≈ −x̃, pointing inward) fails both
    with torch.no_grad():
        untrained = make(0, noise=SIGMA).reconstruction_field(x_tilde.float()).double()[keep]
    untrained_cosine = torch.nn.functional.cosine_similarity(untrained, exact, dim=1).median()
    untrained_relative = ((untrained - exact).norm(dim=1) / exact.norm(dim=1)).median()
    print(f"untrained: median cosine {untrained_cosine:.4f}, relative {untrained_relative:.4f}")
    assert untrained_cosine < 0.9 and untrained_relative > 1.0


def test_gaussian_corruption_statistics() -> None:
    model = make(0, noise=0.4)
    g = torch.Generator().manual_seed(1)
    x = torch.tensor([[1.0, -2.0]]).expand(40_000, 2)
    noise = model.corrupt(x, g) - x
    se = 0.4 / math.sqrt(len(x))
    assert noise.mean(0).abs().max() < 4 * se
    assert (noise.var(0) / 0.16 - 1).abs().max() < 0.03  # sd of the ratio ≈ √(2/n) = 0.007


@pytest.mark.parametrize(("corruption", "rate"), [("salt-and-pepper", 0.5), ("bit-flip", 1.0)])
def test_binary_corruption_flip_rate(corruption: str, rate: float) -> None:
    """Salt-and-pepper redraws a pixel with probability p (so it changes with p/2, in both
    directions alike); bit-flip flips it with probability p."""
    p = 0.3
    model = make(0, **{**MNIST, "corruption": corruption, "noise": p})
    g = torch.Generator().manual_seed(2)
    for value in (0.0, 1.0):
        x = torch.full((100, 784), value)
        changed = (model.corrupt(x, g) != x).float().mean()
        expected = rate * p
        assert abs(float(changed) - expected) < 4 * math.sqrt(expected * (1 - expected) / x.numel())
        assert set(model.corrupt(x, g).unique().tolist()) <= {0.0, 1.0}


def test_sample_reconstruction_follows_p_x_given_omega() -> None:
    g = torch.Generator().manual_seed(3)
    model = make(0)
    n = 50_000
    mean = torch.tensor([0.5, -1.0]).expand(n, 2)
    log_var = torch.log(torch.tensor([0.04, 0.25])).expand(n, 2)
    x = model.sample_reconstruction(Omega(mean, log_var, None), g)
    assert (x.mean(0) - mean[0]).abs().max() < 4 * 0.5 / math.sqrt(n)
    assert (x.var(0) / log_var[0].exp() - 1).abs().max() < 0.04
    binary = make(0, **MNIST)
    probs = torch.linspace(0.05, 0.95, 784).expand(2000, 784)
    bits = binary.sample_reconstruction(Omega(probs, None, torch.logit(probs)), g)
    assert set(bits.unique().tolist()) <= {0.0, 1.0}
    assert (bits.mean(0) - probs[0]).abs().max() < 5 * math.sqrt(0.25 / 2000)


def test_log_prob_is_the_reconstruction_distribution() -> None:
    g = torch.Generator().manual_seed(4)
    model = make(0)
    mean, log_var = torch.randn(5, 2, generator=g), torch.randn(5, 2, generator=g)
    x = torch.randn(5, 2, generator=g)
    expected = torch.distributions.Normal(mean, (0.5 * log_var).exp()).log_prob(x).sum(1)
    assert torch.allclose(model.log_prob(x, Omega(mean, log_var, None)), expected, atol=1e-5)
    binary = make(0, **MNIST)
    logits = torch.randn(5, 784, generator=g)
    bits = torch.bernoulli(torch.full((5, 784), 0.5), generator=g)
    expected = torch.distributions.Bernoulli(logits=logits).log_prob(bits).sum(1)
    got = binary.log_prob(bits, Omega(torch.sigmoid(logits), None, logits))
    assert torch.allclose(got, expected, atol=1e-3)


def test_steps_compose_and_hidden_noise() -> None:
    model = make(0, hidden=[16, 8], hidden_noise=0.5)
    x = torch.randn(10, 2, generator=torch.Generator().manual_seed(5))
    h = model.encode(x, noise=False)
    assert h.shape == (10, 8) and ((h > 0) & (h < 1)).all()
    noisy = model.encode(x, torch.Generator().manual_seed(6))
    assert ((noisy > 0) & (noisy < 1)).all() and not torch.allclose(noisy, h)
    assert torch.equal(model.reconstruct(x), model.decode(h).mean)
    assert torch.equal(model.reconstruction_field(x), model.reconstruct(x) - x)
    assert model.decode(h).log_var.shape == (10, 2)


def test_walkback_one_is_plain_training_and_k_steps_are_averaged() -> None:
    model = make(0, noise=0.2)
    x = torch.randn(64, 2, generator=torch.Generator().manual_seed(7))
    plain, _ = model.denoising_loss(x, torch.Generator().manual_seed(8), walkback=1)
    g = torch.Generator().manual_seed(8)
    omega = model.decode(model.encode(model.corrupt(x, g), g))
    assert torch.allclose(plain, -model.log_prob(x, omega))
    walk, sq = model.denoising_loss(x, torch.Generator().manual_seed(8), walkback=3)
    assert walk.shape == (64,) and sq.shape == (64, 2) and torch.isfinite(walk).all()


@pytest.mark.parametrize("reconstruction", ["gaussian-learned", "gaussian-mse"])
def test_walkback_training_runs_finite(reconstruction: str) -> None:
    model = make(1, noise=0.3, walkback=4, reconstruction=reconstruction)
    trainer = DAETrainer(model, ring8(0.05), DAETrainConfig(epochs=2, batches_per_epoch=40))
    assert isinstance(trainer, ChunkedTrainer)
    result = drive(trainer)
    assert trainer.done and trainer.epoch == 2 and len(result.history) == 2
    for metrics in result.history:
        assert all(math.isfinite(v) for v in metrics.values())
    # (the NLL of "gaussian-mse" rises as its variance shrinks; the squared error falls in both)
    assert result.history[-1]["mse"] < result.history[0]["mse"]


def test_gaussian_mse_variance_tracks_the_reconstruction_error() -> None:
    """fig. 20.11's caption: the variance of p(x | ω) is the reconstruction MSE (per coordinate)."""
    toy = ring8(0.05)
    model = make(2, noise=0.2, reconstruction="gaussian-mse")
    DAETrainer(model, toy, DAETrainConfig(batches_per_epoch=300)).step()
    g = torch.Generator().manual_seed(9)
    x = toy.sample(20_000, g)
    with torch.no_grad():
        _, sq = model.denoising_loss(x, g)
    ratio = model.reconstruction_variance / sq.mean(0)
    assert ((ratio - 1).abs() < 0.15).all(), ratio


def test_mnist_sized_plain_and_walkback_runs_are_finite() -> None:
    data = torch.bernoulli(torch.full((300, 784), 0.3), generator=torch.Generator().manual_seed(10))
    for corruption, walkback in (("salt-and-pepper", 1), ("bit-flip", 3)):
        model = make(3, **{**MNIST, "corruption": corruption, "walkback": walkback})
        trainer = DAETrainer(model, data, DAETrainConfig(epochs=1, batch_size=100))
        first = trainer.run_batches(1)
        rest = trainer.step()
        assert trainer.epoch == 1 and trainer.batches_done == 3
        assert math.isfinite(first["loss"]) and math.isfinite(rest["loss"])
        assert "variance" not in rest
        assert 784 * 0.3 < first["loss"] < 784 * 2  # about 784 · log 2 nats at the start


def test_nan_raises_training_diverged() -> None:
    data = torch.randn(64, 2)
    data[5, 0] = float("nan")
    trainer = DAETrainer(make(0), data, DAETrainConfig(batch_size=64))
    with pytest.raises(TrainingDiverged, match="loss"):
        trainer.step()


@pytest.mark.parametrize("fields", [
    {"data": "3d"},
    {"hidden": []},
    {"hidden": [0]},
    {"hidden": [True]},
    {"activation": "gelu"},
    {"corruption": "bit-flip"},  # a binary corruption for 2-D data
    {"reconstruction": "bernoulli"},  # a Bernoulli reconstruction for 2-D data
    {"noise": 0.0},
    {"noise": float("nan")},
    {**MNIST, "noise": 1.5},  # a probability above 1
    {**MNIST, "corruption": "gaussian"},
    {**MNIST, "reconstruction": "gaussian-mse"},
    {"walkback": 0},
    {"walkback": 2.0},
    {"hidden_noise": -0.1},
])
def test_bad_configs_raise(fields: dict) -> None:
    with pytest.raises(ConfigError):
        DAE(DAEConfig(**fields))


def test_bad_training_setups_raise() -> None:
    with pytest.raises(ConfigError):
        DAETrainer(make(0), torch.zeros(10, 3))
    with pytest.raises(ConfigError):
        DAETrainer(make(0, **MNIST), ring8())  # a 2-D toy for a 784-pixel model
    with pytest.raises(ConfigError):
        DAETrainer(make(0), torch.zeros(10, 2), DAETrainConfig(lr=0.0))
    with pytest.raises(ConfigError):
        DAETrainer(make(0), torch.zeros(10, 2)).run_batches(0)


def test_config_round_trips_through_a_card() -> None:
    model = make(0, **{**MNIST, "walkback": 2, "hidden_noise": 0.5})
    rebuilt = DAE.from_config_dict(model.config_dict())
    assert rebuilt.config == model.config and DAE.kind == "dae"
    rebuilt.load_state_dict(model.state_dict())
    mse = make(0, reconstruction="gaussian-mse")
    assert "log_var" in dict(mse.named_buffers()) and "log_var" in mse.state_dict()


def test_training_is_reproducible_from_its_seeds() -> None:
    def weights(seed: int) -> torch.Tensor:
        model = make(4, noise=0.3, walkback=2)
        DAETrainer(model, ring8(0.05), DAETrainConfig(batches_per_epoch=20, seed=seed)).step()
        return torch.cat([p.detach().reshape(-1) for p in model.parameters()])

    assert torch.equal(weights(0), weights(0))
    assert not torch.equal(weights(0), weights(1))
