"""Small random distortions of grey-level digits: the data augmentation of Simard et al. (2003).

Each digit gets its own random affine map (rotation, scaling, shear) and a smooth random
displacement field ("elastic distortion"), and is resampled bilinearly:

    x'(p) = x(A p + α · (G_σ * n)(p)),   n ~ N(0, I) per pixel and axis,

where A is the affine map, G_σ * n the noise smoothed by a Gaussian of width σ pixels and then
scaled to unit standard deviation, and α the displacement's standard deviation in pixels. The
distortions keep the digit where it is (no translation): MNIST digits are centred by their
centre of mass, so a shifted digit would be one the test set never shows.

Why: 4,000 training digits are few. A 2-D VAE's decoder memorises them (train ELBO −134 nats,
test −151); mild distortions of the grey-level image, thresholded afterwards, give it new
plausible digits each epoch instead (see :mod:`explorer.train.vae_recipe` for the numbers).

Shapes: images (B, 784) with values in [0, 1], grey level or binary; the result has the same
shape and range. The random numbers come from ``generator`` (seeded runs repeat exactly).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as nnf

from explorer.data.mnist import IMAGE_SIDE
from explorer.errors import ConfigError

BINARY_THRESHOLD = 0.5  # the loaders' threshold: pixel / 255 ≥ 0.5 -> 1 (raw byte ≥ 128)


@dataclass(frozen=True)
class DistortionConfig:
    rotation_deg: float = 5.0  # rotation drawn uniformly in ±rotation_deg degrees
    scale: float = 0.05  # zoom factor drawn uniformly in 1 ± scale
    shear: float = 0.05  # horizontal shear drawn uniformly in ±shear
    elastic_px: float = 0.5  # standard deviation of the smooth displacement, in pixels
    elastic_sigma_px: float = 4.0  # width of the Gaussian that smooths the displacement field

    def validate(self) -> None:
        limits = {
            "rotation_deg": 90.0, "scale": 0.5, "shear": 1.0,
            "elastic_px": 5.0, "elastic_sigma_px": 14.0,
        }
        for name, high in limits.items():
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ConfigError(f"DistortionConfig.{name} must be a number, got {value!r}")
            if not 0 <= value <= high:
                raise ConfigError(f"DistortionConfig.{name} must be in [0, {high:g}], got {value}")


def _uniform_pm(n: int, generator: torch.Generator | None, device: torch.device) -> torch.Tensor:
    """n draws from U(−1, 1). (n,)."""
    return torch.rand(n, generator=generator, device=device) * 2 - 1


def random_affine(
    n: int, config: DistortionConfig, generator: torch.Generator | None, device: torch.device
) -> torch.Tensor:
    """n random affine maps in ``affine_grid``'s convention (output → input coords). (n, 2, 3)."""
    angle = _uniform_pm(n, generator, device) * math.radians(config.rotation_deg)  # (n,)
    zoom = 1 + _uniform_pm(n, generator, device) * config.scale  # (n,)
    shear = _uniform_pm(n, generator, device) * config.shear  # (n,)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.zeros(n, 2, 3, device=device)
    # rotation · shear, divided by the zoom (a sampling grid: zoom > 1 enlarges the digit)
    theta[:, 0, 0] = cos / zoom
    theta[:, 0, 1] = (shear * cos - sin) / zoom
    theta[:, 1, 0] = sin / zoom
    theta[:, 1, 1] = (shear * sin + cos) / zoom
    return theta


def smooth_displacement(
    n: int, config: DistortionConfig, generator: torch.Generator | None, device: torch.device
) -> torch.Tensor:
    """Elastic displacement fields in pixels, std ``elastic_px`` each. (n, side, side, 2)."""
    side = IMAGE_SIDE
    noise = torch.randn(n * 2, 1, side, side, generator=generator, device=device)
    radius = max(1, math.ceil(3 * config.elastic_sigma_px))
    offsets = torch.arange(-radius, radius + 1, device=device, dtype=torch.float32)
    kernel = torch.exp(-offsets.pow(2) / (2 * max(config.elastic_sigma_px, 1e-3) ** 2))
    kernel = kernel / kernel.sum()  # (2r+1,)
    field = nnf.conv2d(noise, kernel.view(1, 1, 1, -1), padding=(0, radius))  # separable blur
    field = nnf.conv2d(field, kernel.view(1, 1, -1, 1), padding=(radius, 0))
    field = field.reshape(n, 2, side, side)
    field = field / field.flatten(1).std(dim=1).clamp_min(1e-8).view(n, 1, 1, 1)
    return config.elastic_px * field.permute(0, 2, 3, 1)  # (n, side, side, 2): (dx, dy)


def distort(
    images: torch.Tensor, config: DistortionConfig, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Each image under its own random affine map and elastic displacement. (B, 784) -> (B, 784).

    Resampling is bilinear with zeros outside the frame, so values stay in [0, 1]; threshold the
    result to get binary digits again.
    """
    config.validate()
    n, side = len(images), IMAGE_SIDE
    if images.ndim != 2 or images.shape[1] != side * side:
        raise ConfigError(
            f"distort needs images of shape (B, {side * side}), got {tuple(images.shape)}"
        )
    if n == 0:
        return images.clone()
    device = images.device
    grid = nnf.affine_grid(
        random_affine(n, config, generator, device), [n, 1, side, side], align_corners=False
    )  # (B, side, side, 2) in [−1, 1] coordinates
    if config.elastic_px > 0:
        grid = grid + smooth_displacement(n, config, generator, device) * (2 / side)
    warped = nnf.grid_sample(
        images.float().reshape(n, 1, side, side), grid, mode="bilinear",
        padding_mode="zeros", align_corners=False,
    )
    return warped.reshape(n, side * side).clamp(0, 1)


def threshold(images: torch.Tensor) -> torch.Tensor:
    """Binary digits as the loaders make them: 1 where the grey level is ≥ ½. (B, D) -> (B, D)."""
    return (images >= BINARY_THRESHOLD).to(torch.float32)


class DistortThenThreshold:
    """A trainer's batch transform: grey-level digits -> distorted -> thresholded to {0, 1}.

    ``DistortThenThreshold(config)(batch, generator)``; used by the ``vae2d-mnist`` recipe with
    :class:`~explorer.models.vae.VAETrainer` (``batch_transform=``).
    """

    def __init__(self, config: DistortionConfig | None = None) -> None:
        self.config = config if config is not None else DistortionConfig()
        self.config.validate()

    def __call__(self, images: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        return threshold(distort(images, self.config, generator))
