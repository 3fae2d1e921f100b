"""Mode coverage (VEEGAN/PacGAN) on sample sets whose answers are known exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from explorer.data.toys import grid25, ring8
from explorer.errors import ConfigError
from explorer.metrics.modes import (
    HQ_N_STD,
    STANDARD_N_SAMPLES,
    ModeCoverage,
    mode_coverage,
    nearest_modes,
    reverse_kl_to_uniform,
)

RING = ring8()  # std 0.01
STD = 0.01


def at_modes(indices: list[int], per_mode: int = 312) -> torch.Tensor:
    """``per_mode`` samples exactly at each listed ring-8 mode."""
    return RING.modes[indices].repeat_interleave(per_mode, dim=0)


def test_protocol_constants():
    assert STANDARD_N_SAMPLES == 2500 and HQ_N_STD == 3.0


def test_all_modes_exact_gives_8_modes_all_hq_and_zero_kl():
    got = mode_coverage(at_modes(list(range(8))), RING.modes, RING.mode_std)
    assert got == ModeCoverage(modes_captured=8, n_modes=8, hq_fraction=1.0, reverse_kl=0.0)


def test_half_the_modes_gives_4_and_log_2():
    got = mode_coverage(at_modes([0, 2, 4, 6]), RING.modes, STD)
    assert got.modes_captured == 4 and got.n_modes == 8 and got.hq_fraction == 1.0
    assert got.reverse_kl == pytest.approx(math.log(2), abs=1e-12)


def test_full_collapse_gives_1_and_log_8():
    got = mode_coverage(at_modes([5]), RING.modes, STD)
    assert (got.modes_captured, got.hq_fraction) == (1, 1.0)
    assert got.reverse_kl == pytest.approx(math.log(8), abs=1e-12)


def test_far_samples_drop_hq_and_modes_captured():
    """Modes 6 and 7's samples pushed 4 std outwards: still nearest to their modes, but not HQ."""
    near = at_modes(list(range(6)))
    far = at_modes([6, 7]) * (1 + 4 * STD)
    got = mode_coverage(torch.cat([near, far]), RING.modes, STD)
    assert got.modes_captured == 6
    assert got.hq_fraction == pytest.approx(6 / 8, abs=1e-12)
    # the HQ histogram is uniform over 6 of the 8 modes: KL = log(8/6)
    assert got.reverse_kl == pytest.approx(math.log(8 / 6), abs=1e-12)
    # counting every sample at its nearest mode, the histogram is uniform again
    everything = mode_coverage(torch.cat([near, far]), RING.modes, STD, histogram="all")
    assert everything.modes_captured == 6 and everything.reverse_kl == pytest.approx(0, abs=1e-12)


def test_the_hq_boundary_is_3_std():
    mode0 = RING.modes[0].double()
    inside = mode0 + torch.tensor([2.99 * STD, 0], dtype=torch.float64)
    outside = mode0 + torch.tensor([3.01 * STD, 0], dtype=torch.float64)
    assert mode_coverage(inside[None], RING.modes, STD).hq_fraction == 1.0
    outside_cov = mode_coverage(outside[None], RING.modes, STD)
    assert (outside_cov.hq_fraction, outside_cov.modes_captured) == (0.0, 0)
    assert math.isnan(outside_cov.reverse_kl)  # no HQ sample: the histogram is undefined
    wider = mode_coverage(outside[None], RING.modes, STD, n_std=3.5)
    assert wider.hq_fraction == 1.0


def test_true_samples_score_as_the_protocol_expects():
    """2,500 samples of ring-8 itself: all 8 modes; HQ share P(χ²₂ < 9) = 1 − e^{−4.5}."""
    samples = RING.sample(STANDARD_N_SAMPLES, torch.Generator().manual_seed(0))
    got = mode_coverage(samples, RING.modes, RING.mode_std)
    p = 1 - math.exp(-4.5)
    assert got.modes_captured == 8
    assert got.hq_fraction == pytest.approx(p, abs=5 * math.sqrt(p * (1 - p) / STANDARD_N_SAMPLES))
    # multinomial noise alone: E KL ≈ (K − 1) / (2n) ≈ 0.0014
    assert 0 <= got.reverse_kl < 0.01
    grid = grid25()
    g = mode_coverage(grid.sample(2500, torch.Generator().manual_seed(1)), grid.modes, 0.05)
    assert g.modes_captured == 25 and g.n_modes == 25 and g.reverse_kl < 0.03


def test_nearest_modes_uses_each_modes_own_std():
    modes = torch.tensor([[0.0, 0.0], [1.0, 0.0]])
    point = torch.tensor([[0.4, 0.0]])  # Euclidean-nearer to mode 0
    index, distance = nearest_modes(point, modes, torch.tensor([0.1, 1.0]))
    # 0.4 / 0.1 = 4 std from mode 0, 0.6 / 1.0 = 0.6 std from mode 1
    assert index.tolist() == [1] and distance.item() == pytest.approx(0.6)
    index, distance = nearest_modes(point, modes, 0.1)
    assert index.tolist() == [0] and distance.item() == pytest.approx(4.0)


def test_non_finite_samples_are_never_hq():
    samples = torch.cat([at_modes([0, 1], per_mode=2), torch.tensor([[float("nan"), 0.0]])])
    got = mode_coverage(samples, RING.modes, STD)
    assert got.modes_captured == 2 and got.hq_fraction == pytest.approx(4 / 5)
    _, distance = nearest_modes(samples, RING.modes, STD)
    assert math.isinf(distance[-1].item())


def test_numpy_inputs_give_the_same_answer():
    samples = RING.sample(300, torch.Generator().manual_seed(2))
    a = mode_coverage(samples, RING.modes, STD)
    b = mode_coverage(samples.numpy(), RING.modes.numpy(), np.float64(STD))
    assert a == b


def test_reverse_kl_to_uniform_known_values():
    assert reverse_kl_to_uniform([5, 5, 5, 5]) == 0.0
    assert reverse_kl_to_uniform([1, 1, 0, 0]) == pytest.approx(math.log(2))
    assert reverse_kl_to_uniform([3, 1]) == pytest.approx(
        0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    )
    assert math.isnan(reverse_kl_to_uniform([0, 0, 0]))


@pytest.mark.parametrize(
    "call",
    [
        lambda: mode_coverage(torch.zeros(0, 2), RING.modes, STD),
        lambda: mode_coverage(torch.zeros(5, 3), RING.modes, STD),
        lambda: mode_coverage(torch.zeros(5, 2), RING.modes, 0.0),
        lambda: mode_coverage(torch.zeros(5, 2), RING.modes, torch.ones(3)),
        lambda: mode_coverage(torch.zeros(5, 2), RING.modes, STD, histogram="some"),
        lambda: mode_coverage(torch.zeros(5, 2), RING.modes, STD, n_std=-1),
        lambda: mode_coverage("samples", RING.modes, STD),
        lambda: reverse_kl_to_uniform([1, -1]),
    ],
)
def test_bad_arguments_raise_config_error(call):
    with pytest.raises(ConfigError):
        call()


def test_mode_coverage_monitor_reports_the_numbers_as_floats() -> None:
    from explorer.metrics.modes import mode_coverage_monitor

    monitor = mode_coverage_monitor(RING)
    numbers = monitor(at_modes([0, 1, 2, 3]))
    assert numbers == {"modes_captured": 4.0, "hq_fraction": 1.0,
                       "reverse_kl": pytest.approx(math.log(2))}
    far = monitor(torch.full((10, 2), 5.0))
    assert far["modes_captured"] == 0.0 and far["hq_fraction"] == 0.0
    assert math.isnan(far["reverse_kl"])


def test_class_histogram_counts_the_classifiers_labels() -> None:
    from explorer.metrics.modes import class_histogram

    class Fixed:  # a "classifier" reading the first pixel as the digit
        def predict(self, x):
            return x[:, 0].round().long(), torch.ones(len(x))

    images = torch.zeros(200, 784)
    images[:100, 0] = 3.0
    images[100:, 0] = 7.0
    images[199, 0] = 1.0  # one stray sample: counted, but under 1 % of 200 is 2
    out = class_histogram(images, Fixed())
    assert out["counts"][3] == 100 and out["counts"][7] == 99 and out["counts"][1] == 1
    assert out["classes_seen"] == 2
    assert out["fractions"][3] == pytest.approx(0.5)
    q = np.array(out["counts"], float) / 200
    expected = float(np.sum(q[q > 0] * np.log(10 * q[q > 0])))
    assert out["kl_to_uniform"] == pytest.approx(expected)
