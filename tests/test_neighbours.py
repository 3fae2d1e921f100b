"""Nearest training neighbours: exact against a brute-force loop, both metrics."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.metrics.neighbours import nearest_neighbours


@pytest.mark.parametrize("metric", ["hamming", "l2"])
def test_matches_a_brute_force_loop(metric: str) -> None:
    rng = np.random.default_rng(0)
    train = rng.random((300, 50))
    samples = rng.random((40, 50))
    index, dist = nearest_neighbours(samples, train, metric, chunk=7)
    for i, s in enumerate(samples):
        if metric == "hamming":
            d = ((s >= 0.5) != (train >= 0.5)).sum(1).astype(float)
        else:
            d = np.sqrt(((s - train) ** 2).sum(1))
        assert dist[i] == pytest.approx(d.min(), abs=1e-9)
        assert d[index[i]] == pytest.approx(d.min(), abs=1e-9)


def test_a_copied_training_digit_is_found_at_distance_zero() -> None:
    rng = np.random.default_rng(1)
    train = (rng.random((100, 784)) < 0.2).astype(np.float32)
    samples = np.stack([train[17], train[42] * 0.9 + 0.05])  # a copy; a blurred copy
    index, dist = nearest_neighbours(samples, train, "hamming")
    assert index.tolist() == [17, 42] and dist.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError):
        nearest_neighbours(samples, train, "cosine")  # type: ignore[arg-type]


def test_samples_beside_neighbours_of_a_model() -> None:
    import torch

    from explorer.metrics.neighbours import samples_beside_neighbours
    from explorer.models.dga import DGA, DGAConfig

    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = DGA(DGAConfig(n_visible=20, codes=[6], hidden=8))
    train = (np.random.default_rng(0).random((50, 20)) < 0.5).astype(np.float32)
    samples, near, dist = samples_beside_neighbours(model, train, 4, seed=3)
    again, _, _ = samples_beside_neighbours(model, train, 4, seed=3)
    np.testing.assert_array_equal(samples, again)  # seeded
    assert samples.shape == near.shape == (4, 20)
    np.testing.assert_array_equal(dist, ((samples >= 0.5) != (near >= 0.5)).sum(1))
