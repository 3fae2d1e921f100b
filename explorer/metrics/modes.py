"""Mode coverage of 2-D samples against a Gaussian mixture, as VEEGAN and PacGAN measure it.

Protocol (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018): draw ``STANDARD_N_SAMPLES``
= 2,500 samples from the generator and compare them with the mixture's modes (``ring8()``:
8 modes, std 0.01; ``grid25()``: 25 modes, std 0.05 — see :mod:`explorer.data.toys`).

* Each sample's **nearest mode** is k* = argmin_k ‖x − μ_k‖ / s_k (the distance in units of that
  mode's std, as PacGAN's released code does; with one std for all modes — ring-8, grid-25 — this is
  the Euclidean nearest mode).
* A sample is **high quality (HQ)** when ‖x − μ_k*‖ / s_k* < 3 (within 3 std of its nearest mode).
* **modes captured** = the number of modes that are the nearest mode of at least one HQ sample.
* **HQ fraction** = (number of HQ samples) / (number of samples).
* **reverse KL** = KL(q ‖ u) = Σ_k q_k log(q_k / (1/K)), with 0·log 0 = 0, where u is uniform over
  the K modes and q is the histogram of the **HQ samples** over their nearest modes
  (q_k = c_k / Σ_j c_j, c_k = number of HQ samples whose nearest mode is k). It lies in [0, log K]:
  0 when the HQ samples spread evenly over all modes, log(K/m) when they spread evenly over m modes.

Why HQ samples: PacGAN's released 2-D metric code (``MetricLogger`` in fjxmlzn/PacGAN,
``synthetic_data_experiments/PacGAN/pacgan/extensions.py``) builds its per-mode histogram
(``detail_of_coverage``) from the samples within 3 std of their nearest mode only, and derives its
distribution numbers (entropy, JSD to uniform) from it; KL(q ‖ u) = log K − entropy(q) of that same
histogram. That code logs entropy and JSD rather than a quantity named "reverse KL", so the paper's
exact reverse-KL line could not be checked; ``histogram="all"`` gives the other reading (every
sample counted at its nearest mode, HQ or not). With no HQ sample the HQ histogram is undefined
and ``reverse_kl`` is NaN (a gap on a curve, not a number).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from explorer.errors import ConfigError

STANDARD_N_SAMPLES = 2500  # generated samples per evaluation in VEEGAN/PacGAN's protocol
HQ_N_STD = 3.0  # a sample is high quality within this many stds of its nearest mode


@dataclass(frozen=True)
class ModeCoverage:
    """The VEEGAN/PacGAN numbers for one sample set (see the module docstring)."""

    modes_captured: int  # modes that are the nearest mode of ≥ 1 HQ sample
    n_modes: int  # K
    hq_fraction: float  # share of samples within 3 std of their nearest mode, in [0, 1]
    reverse_kl: float  # KL(q ‖ uniform) in nats, q over HQ samples (default); NaN if no HQ sample


def _as_float64(x: Any, what: str) -> torch.Tensor:
    try:
        return torch.as_tensor(x).detach().to("cpu", torch.float64)
    except (TypeError, ValueError, RuntimeError):
        raise ConfigError(f"{what} must be an array of numbers") from None


def _check(samples: Any, modes: Any, std: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    samples = _as_float64(samples, "samples")
    modes = _as_float64(modes, "modes")
    if samples.ndim != 2 or samples.shape[0] == 0:
        raise ConfigError(f"samples must have shape (n, d) with n ≥ 1, got {tuple(samples.shape)}")
    if modes.ndim != 2 or modes.shape[0] == 0 or modes.shape[1] != samples.shape[1]:
        raise ConfigError(
            f"modes must have shape (K, {samples.shape[1]}) with K ≥ 1, got {tuple(modes.shape)}"
        )
    if not torch.isfinite(modes).all():
        raise ConfigError("modes must be finite")
    std = _as_float64(std, "std")
    if std.ndim == 0:
        std = std.expand(modes.shape[0])
    if std.shape != (modes.shape[0],):
        raise ConfigError(
            f"std must be a scalar or have shape ({modes.shape[0]},), got {tuple(std.shape)}"
        )
    if not (torch.isfinite(std).all() and (std > 0).all()):
        raise ConfigError(f"std must be finite and > 0, got {std.tolist()}")
    return samples, modes, std


def nearest_modes(samples: Any, modes: Any, std: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Each sample's nearest mode and its distance to it in units of that mode's std.

    Args:
        samples: (n, d) points (torch or numpy; d = 2 for the toys).
        modes: (K, d) mode centres μ_k.
        std: the modes' std s_k, a scalar or (K,).

    Returns:
        ``(index (n,) int64, distance (n,) float64)`` with index = argmin_k ‖x − μ_k‖ / s_k and
        distance = that minimum. A non-finite sample gets distance +inf (never HQ) and index 0.
    """
    samples, modes, std = _check(samples, modes, std)
    finite = torch.isfinite(samples).all(dim=1)  # (n,)
    clean = torch.where(finite[:, None], samples, torch.zeros_like(samples))
    scaled = torch.cdist(clean, modes) / std[None]  # (n, K)
    distance, index = scaled.min(dim=1)
    distance = torch.where(finite, distance, torch.full_like(distance, math.inf))
    return torch.where(finite, index, torch.zeros_like(index)), distance


def mode_coverage(
    samples: Any, modes: Any, std: Any, n_std: float = HQ_N_STD, histogram: str = "hq"
) -> ModeCoverage:
    """Modes captured, HQ fraction and reverse KL of ``samples`` (definitions: module docstring).

    Args:
        samples: (n, d) generated samples; the standard protocol uses n = 2,500.
        modes: (K, d) the mixture's means (``toy.modes``).
        std: the mixture's component std, scalar or (K,) (``toy.mode_std``).
        n_std: the HQ radius in stds (3 in VEEGAN/PacGAN).
        histogram: ``"hq"`` (default, PacGAN's code) — q counts HQ samples only; ``"all"`` — q
            counts every (finite) sample at its nearest mode.
    """
    if histogram not in ("hq", "all"):
        raise ConfigError(f"histogram must be 'hq' or 'all', got {histogram!r}")
    n_std = float(n_std)
    if not (math.isfinite(n_std) and n_std > 0):
        raise ConfigError(f"n_std must be finite and > 0, got {n_std!r}")
    index, distance = nearest_modes(samples, modes, std)
    n_modes = torch.as_tensor(modes).shape[0]
    hq = distance < n_std  # (n,)
    hq_counts = torch.bincount(index[hq], minlength=n_modes)  # (K,)
    counted = hq if histogram == "hq" else torch.isfinite(distance)
    counts = torch.bincount(index[counted], minlength=n_modes).to(torch.float64)  # (K,)
    return ModeCoverage(
        modes_captured=int((hq_counts > 0).sum()),
        n_modes=int(n_modes),
        hq_fraction=float(hq.double().mean()),
        reverse_kl=reverse_kl_to_uniform(counts),
    )


def reverse_kl_to_uniform(counts: Any) -> float:
    """KL(q ‖ u) = Σ_k q_k log(K q_k) in nats for q = counts / Σ counts, u uniform over the K bins,
    with 0·log 0 = 0. NaN when every count is 0 (q undefined)."""
    counts = _as_float64(counts, "counts")
    if counts.ndim != 1 or counts.shape[0] == 0 or (counts < 0).any():
        raise ConfigError("counts must be a non-empty 1-D array of non-negative numbers")
    total = counts.sum()
    if total <= 0:
        return math.nan
    q = counts / total
    terms = torch.where(q > 0, q * torch.log(q * counts.shape[0]), torch.zeros_like(q))
    return float(terms.sum().clamp_min(0.0))


def mode_coverage_monitor(toy: Any, n_std: float = HQ_N_STD) -> Any:
    """A :class:`~explorer.models.gan.GANTrainer` ``monitor`` for a Gaussian-mixture ``toy``
    (anything with ``modes`` and ``mode_std``): samples (n, d) -> ``{"modes_captured",
    "hq_fraction", "reverse_kl"}`` of :func:`mode_coverage` as floats (reverse KL NaN with no HQ
    sample; the trainer leaves NaN numbers out)."""
    modes, std = toy.modes, toy.mode_std

    def monitor(samples: Any) -> dict[str, float]:
        coverage = mode_coverage(samples, modes, std, n_std)
        return {
            "modes_captured": float(coverage.modes_captured),
            "hq_fraction": coverage.hq_fraction,
            "reverse_kl": coverage.reverse_kl,
        }

    return monitor


def class_histogram(images: Any, classifier: Any) -> dict[str, Any]:
    """The mode coverage of generated digits as read by a classifier: ``counts`` (10,) of the
    classes ``classifier.predict`` gives the images (n, 784) in [0, 1], ``fractions`` = counts / n,
    ``kl_to_uniform`` = KL(q ‖ u) of that histogram to the uniform 10 % (nats, in [0, log 10];
    :func:`reverse_kl_to_uniform`), ``classes_seen`` = classes with at least 1 % of the
    images (so that one stray sample does not count as a captured digit), ``labels`` (n,) the
    class read in each image, and ``mean_confidence`` = the mean of the classifier's top
    probability max_y p(y | x) over the images (near 1 when the images look like clear digits)."""
    images = torch.as_tensor(images, dtype=torch.float32)
    if images.ndim != 2 or images.shape[0] == 0:
        raise ConfigError(f"images must have shape (n, 784) with n ≥ 1, got {tuple(images.shape)}")
    labels, confidence = classifier.predict(images)
    labels = labels.cpu()
    counts = torch.bincount(labels, minlength=10)[:10].to(torch.float64)
    n = float(counts.sum())
    return {
        "counts": [int(c) for c in counts.tolist()],
        "fractions": [float(c) / n for c in counts.tolist()],
        "kl_to_uniform": reverse_kl_to_uniform(counts),
        "classes_seen": int((counts >= 0.01 * n).sum()),
        "labels": [int(c) for c in labels.tolist()],
        "mean_confidence": float(torch.as_tensor(confidence, dtype=torch.float64).mean()),
    }
