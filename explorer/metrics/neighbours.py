"""Nearest training neighbours of generated samples (chapter §20.14: a model that copies its
training digits can score well on some measures; showing each sample beside its closest training
digit, with the distance, lets a student see it).

Two distances over the 784 pixels: ``"hamming"`` — the number of differing pixels after both
images are thresholded at 0.5 (samples are often pixel probabilities); ``"l2"`` — the Euclidean
distance between the raw values.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Metric = Literal["hamming", "l2"]


def nearest_neighbours(
    samples: np.ndarray, train: np.ndarray, metric: Metric = "hamming", chunk: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """``(index, distance)`` of each sample's nearest row of ``train``; both (n,).

    ``samples`` (n, D) and ``train`` (N, D) in [0, 1]. Ties go to the lowest index."""
    if metric not in ("hamming", "l2"):
        raise ValueError(f"metric must be 'hamming' or 'l2', got {metric!r}")
    samples = np.asarray(samples, dtype=np.float64)
    train = np.asarray(train, dtype=np.float64)
    if metric == "hamming":
        samples, train = (samples >= 0.5).astype(np.float64), (train >= 0.5).astype(np.float64)
    train_sq = (train**2).sum(1)
    index = np.empty(len(samples), dtype=np.int64)
    dist = np.empty(len(samples))
    for start in range(0, len(samples), chunk):
        s = samples[start : start + chunk]
        d2 = (s**2).sum(1)[:, None] + train_sq[None, :] - 2 * s @ train.T  # (c, N)
        best = d2.argmin(1)
        index[start : start + chunk] = best
        value = np.maximum(d2[np.arange(len(s)), best], 0.0)
        # binary vectors: squared Euclidean distance = number of differing pixels
        dist[start : start + chunk] = np.rint(value) if metric == "hamming" else np.sqrt(value)
    return index, dist


RBM_SAMPLE_STEPS = 300  # Gibbs sweeps for an RBM sample (other models sample ancestrally)


def samples_beside_neighbours(
    model, train: np.ndarray, n: int, seed: int = 0, metric: Metric = "hamming"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(samples (n, D), their nearest training digits (n, D), distances (n,))`` for a model
    with ``sample(n, generator=...)``; an RBM runs :data:`RBM_SAMPLE_STEPS` Gibbs sweeps."""
    import torch

    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    options = {"n_steps": RBM_SAMPLE_STEPS} if getattr(model, "kind", "") == "rbm" else {}
    with torch.no_grad():
        samples = model.sample(n, generator=generator, **options).cpu().numpy()
    index, dist = nearest_neighbours(samples, train, metric)
    return samples, np.asarray(train)[index], dist
