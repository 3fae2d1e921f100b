"""The 2-D toys against the literature, independent references and seeded statistics."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from scipy import integrate
from scipy.stats import multivariate_normal

from explorer.data.toys import (
    TOYS,
    Circle,
    GaussianMixture,
    Spiral,
    TwoMoons,
    grid25,
    make_toy,
    ring8,
)
from explorer.errors import ConfigError


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _mixture() -> GaussianMixture:
    """An uneven mixture: different stds and weights (so bugs in either show)."""
    return GaussianMixture([[0.0, 0.0], [1.0, 1.0], [-1.0, 0.5]], [0.3, 0.5, 0.2], [1.0, 2.0, 1.0])


# ----------------------------------------------------------------------------- named mixtures


def test_ring8_has_8_distinct_modes_at_radius_1_at_angles_2pi_k_over_8():
    toy = ring8()
    modes = toy.modes.double()
    assert modes.shape == (8, 2)
    assert torch.allclose(modes.norm(dim=1), torch.ones(8, dtype=torch.float64), atol=1e-6)
    angles = torch.remainder(torch.atan2(modes[:, 1], modes[:, 0]), 2 * math.pi)
    expected = torch.tensor([2 * math.pi * k / 8 for k in range(8)], dtype=torch.float64)
    assert torch.allclose(angles, expected, atol=1e-6)
    # no duplicated mode (the linspace(0, 2π, 8) bug): neighbours are 2 sin(π/8) apart
    gaps = torch.pdist(modes)
    assert gaps.min().item() == pytest.approx(2 * math.sin(math.pi / 8), abs=1e-6)
    assert torch.allclose(toy.mode_std, torch.full((8,), 0.01))
    assert torch.allclose(ring8(0.05).mode_std, torch.full((8,), 0.05))
    assert torch.allclose(toy.weights, torch.full((8,), 1 / 8))


def test_grid25_modes_are_the_lattice_minus4_to_4_step_2():
    toy = grid25()
    got = {tuple(round(v, 6) for v in row) for row in toy.modes.tolist()}
    ticks = (-4.0, -2.0, 0.0, 2.0, 4.0)
    assert got == set(itertools.product(ticks, ticks))
    assert toy.n_modes == 25
    assert torch.allclose(toy.mode_std, torch.full((25,), 0.05))


@pytest.mark.parametrize("make, n_per_mode", [(lambda: ring8(0.05), 5000), (grid25, 2000)])
def test_mixture_samples_have_the_right_modes_weights_and_std(make, n_per_mode):
    toy = make()
    k, s = toy.n_modes, float(toy.mode_std[0])
    n = k * n_per_mode
    x = toy.sample(n, gen(0)).double()
    assert x.shape == (n, 2) and toy.sample(3).dtype == torch.float32
    nearest = torch.cdist(x, toy.modes.double()).argmin(dim=1)
    counts = torch.bincount(nearest, minlength=k).double()
    binomial_sd = math.sqrt(n * (1 / k) * (1 - 1 / k))
    assert (counts - n / k).abs().max() < 5 * binomial_sd
    residual = x - toy.modes.double()[nearest]  # modes are ≥ 15 std apart: no misassignment
    assert residual.mean(0).abs().max() < 5 * s / math.sqrt(n)
    # per-coordinate std: the sample std of 2n N(0, s²) values has relative SE 1/√(4n)
    assert residual.std().item() == pytest.approx(s, rel=5 / math.sqrt(4 * n))


def test_mixture_weights_are_honoured():
    toy = GaussianMixture([[-5.0, 0.0], [5.0, 0.0]], 0.5, weights=[1.0, 3.0])
    n = 20000
    right = (toy.sample(n, gen(1))[:, 0] > 0).double().mean().item()
    assert right == pytest.approx(0.75, abs=5 * math.sqrt(0.75 * 0.25 / n))


# ----------------------------------------------------------------------------- density and score


def test_log_density_matches_scipy_reference():
    toy = _mixture()
    x = torch.tensor([[0.1, -0.2], [1.0, 1.2], [-0.9, 0.4], [3.0, -2.0]], dtype=torch.float64)
    w = np.array([1.0, 2.0, 1.0]) / 4
    ref = sum(
        w[k] * multivariate_normal(mean=m, cov=s**2 * np.eye(2)).pdf(x.numpy())
        for k, (m, s) in enumerate(zip([[0, 0], [1, 1], [-1, 0.5]], [0.3, 0.5, 0.2], strict=True))
    )
    np.testing.assert_allclose(toy.log_density(x).numpy(), np.log(ref), rtol=1e-10)
    assert toy.log_density(x).dtype == torch.float64
    assert toy.log_density(x.float()).dtype == torch.float32


@pytest.mark.parametrize(
    "toy, lo, hi, step",
    [(ring8(0.05), -1.4, 1.4, 0.005), (_mixture(), -3.5, 4.0, 0.02)],
)
def test_log_density_integrates_to_one(toy, lo, hi, step):
    ticks = torch.arange(lo, hi + step / 2, step, dtype=torch.float64)
    gx, gy = torch.meshgrid(ticks, ticks, indexing="ij")
    grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    mass = toy.log_density(grid).exp().sum().item() * step**2
    assert mass == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("toy", [_mixture(), ring8(0.05), grid25()])
def test_score_is_the_gradient_of_log_density(toy):
    x = toy.sample(50, gen(2)).double() + 0.03 * torch.randn(50, 2, generator=gen(3)).double()
    h = 1e-6
    fd = torch.stack(
        [
            (toy.log_density(x + h * e) - toy.log_density(x - h * e)) / (2 * h)
            for e in torch.eye(2, dtype=torch.float64)
        ],
        dim=1,
    )
    score = toy.score(x)
    assert score.shape == (50, 2)
    assert torch.allclose(score, fd, rtol=1e-5, atol=1e-4 * fd.abs().max().item())


def test_responsibilities_sum_to_one_and_pick_the_component():
    toy = _mixture()
    r = toy.responsibilities(toy.modes)
    assert torch.allclose(r.sum(1), torch.ones(3))
    assert r.argmax(1).tolist() == [0, 1, 2]


# ----------------------------------------------------------------------------- smoothing, Tweedie


def test_smoothed_has_variances_added():
    toy = _mixture()
    smooth = toy.smoothed(0.4)
    assert torch.allclose(smooth.mode_std**2, toy.mode_std**2 + 0.16)
    assert torch.equal(smooth.modes, toy.modes) and torch.allclose(smooth.weights, toy.weights)
    x = toy.sample(20, gen(4))
    assert torch.allclose(toy.smoothed(0.0).log_density(x), toy.log_density(x))


def test_smoothed_density_equals_a_monte_carlo_convolution():
    """p_σ(x) = E_z p(x − σz), z ~ N(0, I), estimated with 200,000 draws per point."""
    toy, sigma = _mixture(), 0.4
    points = torch.tensor([[0.0, 0.0], [0.8, 0.9], [-1.2, 0.3], [2.0, 2.0]], dtype=torch.float64)
    z = torch.randn(200_000, 2, generator=gen(5), dtype=torch.float64)
    exact = toy.smoothed(sigma).log_density(points).exp()
    for p, e in zip(points, exact, strict=True):
        values = toy.log_density(p[None] - sigma * z).exp()
        se = values.std().item() / math.sqrt(len(z))
        assert abs(values.mean().item() - e.item()) < 5 * se
        assert se < 0.01 * e.item()  # the check is sharp: 5 SE is under 5 % of the value


def test_tweedie_on_a_single_gaussian_is_the_closed_form():
    mu, s, sigma = torch.tensor([0.7, -0.3], dtype=torch.float64), 0.5, 0.8
    toy = GaussianMixture(mu[None], s)
    x_tilde = torch.randn(30, 2, generator=gen(6), dtype=torch.float64) * 2
    expected = (s**2 * x_tilde + sigma**2 * mu) / (s**2 + sigma**2)
    assert torch.allclose(toy.tweedie_denoiser(x_tilde, sigma), expected, atol=1e-12)


def test_tweedie_on_a_mixture_is_the_posterior_weighted_component_means():
    toy, sigma = _mixture(), 0.35
    x_tilde = torch.randn(40, 2, generator=gen(7), dtype=torch.float64)
    r = toy.smoothed(sigma).responsibilities(x_tilde)  # p(k | x̃)
    s2 = toy.mode_std.double() ** 2
    per_k = (s2[None, :, None] * x_tilde[:, None] + sigma**2 * toy.modes.double()[None]) / (
        s2 + sigma**2
    )[None, :, None]
    expected = (r[..., None] * per_k).sum(1)
    assert torch.allclose(toy.tweedie_denoiser(x_tilde, sigma), expected, atol=1e-10)


def test_tweedie_residual_is_orthogonal_to_functions_of_the_corrupted_point():
    """E[x − E[x|x̃]] = 0 and E[(x − E[x|x̃]) x̃ᵀ] = 0, checked on 100,000 seeded pairs."""
    toy, sigma = ring8(0.05), 0.3
    n = 100_000
    x = toy.sample(n, gen(8)).double()
    x_tilde = x + sigma * torch.randn(n, 2, generator=gen(9), dtype=torch.float64)
    residual = x - toy.tweedie_denoiser(x_tilde, sigma)
    for f in (residual, residual * x_tilde[:, :1], residual * x_tilde[:, 1:]):
        se = f.std(0) / math.sqrt(n)
        assert (f.mean(0).abs() < 5 * se).all()
    # and it beats the identity and a shrunken version of itself (it is the MSE minimiser)
    best = residual.square().sum(1).mean()
    assert best < (x - x_tilde).square().sum(1).mean()
    shrunk = x - 0.9 * toy.tweedie_denoiser(x_tilde, sigma)
    assert best < shrunk.square().sum(1).mean()


# ----------------------------------------------------------------------------- manifolds


def test_circle_radius_angle_and_distance():
    toy, n = Circle(noise=0.02), 40_000
    x = toy.sample(n, gen(10)).double()
    r = x.norm(dim=1)
    assert abs(r.mean().item() - 1.0) < 5 * 0.02 / math.sqrt(n)
    assert r.std().item() == pytest.approx(0.02, rel=5 / math.sqrt(2 * n))
    angle = torch.remainder(torch.atan2(x[:, 1], x[:, 0]), 2 * math.pi)
    counts = torch.bincount((angle / (2 * math.pi / 8)).long().clamp(max=7), minlength=8).double()
    assert (counts - n / 8).abs().max() < 5 * math.sqrt(n / 8 * 7 / 8)
    assert torch.allclose(toy.distance_to_manifold(x), (r - 1).abs())


def _brute_distance(probe: torch.Tensor, dense: torch.Tensor) -> torch.Tensor:
    """min_j ‖probe_i − dense_j‖, 16 probes at a time (bounded memory)."""
    return torch.cat([torch.cdist(p, dense).min(dim=1).values for p in probe.split(16)])


def _dense_moons(m: int = 50_001) -> torch.Tensor:
    t = torch.linspace(0, math.pi, m, dtype=torch.float64)
    upper = torch.stack([torch.cos(t), torch.sin(t)], 1)
    lower = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], 1)
    return torch.cat([upper, lower]) - torch.tensor([0.5, 0.25], dtype=torch.float64)


def test_moons_distance_matches_a_brute_force_and_noise_level():
    toy = TwoMoons(noise=0.05)
    clean = TwoMoons(noise=0.0).sample(2000, gen(11)).double()
    assert toy.distance_to_manifold(clean).max().item() < 1e-6
    probe = torch.rand(300, 2, generator=gen(12), dtype=torch.float64) * 4 - 2
    brute = _brute_distance(probe, _dense_moons())
    assert torch.allclose(toy.distance_to_manifold(probe), brute, atol=1e-4)
    n = 20_000
    x = toy.sample(n, gen(13)).double()
    rms = toy.distance_to_manifold(x).square().mean().sqrt().item()
    assert rms == pytest.approx(0.05, rel=0.03)  # normal part of 2-D noise of std 0.05
    upper_centre = torch.tensor([-0.5, -0.25], dtype=torch.float64)
    on_upper = ((clean - upper_centre).norm(dim=1) - 1).abs() < 1e-5
    assert on_upper.double().mean().item() == pytest.approx(0.5, abs=5 * math.sqrt(0.25 / 2000))


def test_spiral_is_uniform_in_arc_length_and_distance_is_accurate():
    toy, n = Spiral(noise=0.0), 40_000
    clean = toy.sample(n, gen(14)).double()
    assert toy.distance_to_manifold(clean).max().item() < 1e-4
    # r = θ/θ_max, so θ = r θ_max; arc length element ∝ √(θ² + 1) dθ
    theta = clean.norm(dim=1) * Spiral.THETA_MAX
    lo, hi = Spiral.THETA_MIN, Spiral.THETA_MAX
    mid = (lo + hi) / 2
    ds = lambda t: math.sqrt(t * t + 1)  # noqa: E731
    share = integrate.quad(ds, lo, mid)[0] / integrate.quad(ds, lo, hi)[0]
    got = (theta < mid).double().mean().item()
    assert got == pytest.approx(share, abs=5 * math.sqrt(share * (1 - share) / n))
    # the distance against a brute force over a dense curve
    dense_theta = torch.linspace(lo, hi, 100_001, dtype=torch.float64)  # 5e-5 apart
    dense = (
        torch.stack([torch.cos(dense_theta), torch.sin(dense_theta)], 1)
        * (dense_theta / hi)[:, None]
    )
    probe = torch.rand(200, 2, generator=gen(15), dtype=torch.float64) * 2.4 - 1.2
    brute = _brute_distance(probe, dense)
    assert torch.allclose(Spiral().distance_to_manifold(probe), brute, atol=1e-4)
    noisy = Spiral(noise=0.03).sample(20_000, gen(16))
    rms = Spiral().distance_to_manifold(noisy).square().mean().sqrt().item()
    assert rms == pytest.approx(0.03, rel=0.03)


# ----------------------------------------------------------------------------- registry, seeding


def test_registry_names_and_lookup():
    assert list(TOYS) == ["ring-8", "ring-8-wide", "grid-25", "spiral", "moons", "circle"]
    for name in TOYS:
        toy = make_toy(name)
        assert toy.name == name
    assert make_toy("ring-8-wide").mode_std[0].item() == pytest.approx(0.05)
    with pytest.raises(ConfigError, match="known toys: ring-8"):
        make_toy("ring-9")


@pytest.mark.parametrize("name", list(TOYS))
def test_seeded_sampling_reproduces(name):
    toy = make_toy(name)
    a, b = toy.sample(500, gen(42)), toy.sample(500, gen(42))
    c = toy.sample(500, gen(43))
    assert a.shape == (500, 2) and a.dtype == torch.float32 and torch.isfinite(a).all()
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert toy.sample(0).shape == (0, 2)
    assert toy.sample(4).shape == (4, 2)  # no generator: the global stream


@pytest.mark.parametrize(
    "build",
    [
        lambda: ring8(std=0.0),
        lambda: ring8(std=-1),
        lambda: grid25(std=float("nan")),
        lambda: GaussianMixture([[0.0, 0.0, 0.0]], 1.0),
        lambda: GaussianMixture(torch.zeros(0, 2), 1.0),
        lambda: GaussianMixture([[0.0, 0.0], [1.0, 1.0]], [1.0, 2.0, 3.0]),
        lambda: GaussianMixture([[0.0, 0.0], [1.0, 1.0]], 1.0, weights=[1.0, -1.0]),
        lambda: GaussianMixture([[0.0, 0.0], [1.0, 1.0]], 1.0, weights=[0.0, 0.0]),
        lambda: ring8().sample(-1),
        lambda: ring8().sample(2.5),
        lambda: ring8().smoothed(-0.1),
        lambda: ring8().log_density(torch.zeros(3, 3)),
        lambda: ring8().tweedie_denoiser(torch.zeros(3, 2), sigma="big"),
        lambda: Circle(noise=-0.1),
        lambda: TwoMoons(noise=float("inf")),
        lambda: Spiral().distance_to_manifold(torch.zeros(4)),
    ],
)
def test_bad_arguments_raise_config_error(build):
    with pytest.raises(ConfigError):
        build()
