"""Tests for the digit distortions (explorer.data.augment) that regularize the VAE recipe.

References: the identity map must give back the image exactly (bilinear sampling at pixel
centres); a pure rotation must move a known pixel where the rotation matrix says; the elastic
field's spread must match its configured standard deviation; distorted test digits must still
be read as their own class by the shipped classifier (the distortions keep digits digits).
"""

from __future__ import annotations

import math

import pytest
import torch

from explorer.data import load_mnist
from explorer.data.augment import (
    DistortionConfig,
    DistortThenThreshold,
    distort,
    random_affine,
    smooth_displacement,
    threshold,
)
from explorer.errors import ConfigError
from explorer.models.vae import VAE, VAEConfig, VAETrainConfig, VAETrainer
from explorer.weights import load_pretrained

NONE = DistortionConfig(rotation_deg=0, scale=0, shear=0, elastic_px=0)


@pytest.fixture(scope="module")
def grey_test() -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = load_mnist("test", binarize=False)
    return torch.from_numpy(images), torch.from_numpy(labels)


def centre_of_mass(images: torch.Tensor) -> torch.Tensor:
    """(B, 784) -> (B, 2) mean (column, row) of the ink, in pixels."""
    grid = torch.arange(28, dtype=torch.float32)
    ink = images.reshape(-1, 28, 28)
    total = ink.sum(dim=(1, 2)).clamp_min(1e-6)
    cols = (ink.sum(dim=1) * grid).sum(dim=1) / total
    rows = (ink.sum(dim=2) * grid).sum(dim=1) / total
    return torch.stack([cols, rows], dim=1)


def test_no_distortion_is_the_identity(grey_test) -> None:
    images = grey_test[0][:20]
    same = distort(images, NONE, torch.Generator().manual_seed(0))
    assert torch.allclose(same, images, atol=1e-5)


def test_random_affine_maps_are_rotations_zooms_and_shears_within_bounds() -> None:
    gen, cpu = torch.Generator().manual_seed(0), torch.device("cpu")
    rotations = random_affine(500, DistortionConfig(rotation_deg=10, scale=0, shear=0), gen, cpu)
    linear = rotations[:, :, :2]
    eye = torch.eye(2).expand(500, 2, 2)
    assert torch.allclose(linear @ linear.transpose(1, 2), eye, atol=1e-5)  # orthogonal
    assert torch.allclose(torch.linalg.det(linear), torch.ones(500), atol=1e-5)  # no reflection
    angles = torch.rad2deg(torch.atan2(linear[:, 1, 0], linear[:, 0, 0]))
    assert float(angles.abs().max()) <= 10 + 1e-4 and float(angles.abs().max()) > 9
    assert abs(float(angles.mean())) < 1.0  # uniform in ±10°: mean 0 (s.e. ≈ 0.26°)
    assert torch.count_nonzero(rotations[:, :, 2]) == 0  # never a translation
    zooms = random_affine(500, DistortionConfig(rotation_deg=0, scale=0.1, shear=0), gen, cpu)
    area = torch.linalg.det(zooms[:, :, :2])  # the sampling grid's area = 1 / zoom²
    assert float(area.min()) >= 1 / 1.1**2 - 1e-5 and float(area.max()) <= 1 / 0.9**2 + 1e-5
    shears = random_affine(500, DistortionConfig(rotation_deg=0, scale=0, shear=0.2), gen, cpu)
    assert torch.allclose(torch.linalg.det(shears[:, :, :2]), torch.ones(500), atol=1e-5)
    assert float(shears[:, 0, 1].abs().max()) <= 0.2 + 1e-6


def test_distortions_keep_shape_range_and_centre(grey_test) -> None:
    images = grey_test[0][:200]
    gen = torch.Generator().manual_seed(1)
    out = distort(images, DistortionConfig(), gen)
    assert out.shape == images.shape and out.dtype == torch.float32
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    # no translation: the ink's centre of mass moves by well under a pixel on average
    shift = (centre_of_mass(out) - centre_of_mass(images)).norm(dim=1)
    assert float(shift.mean()) < 0.6
    # but the digits did change: on average many pixels differ by more than 0.25
    changed = ((out - images).abs() > 0.25).float().sum(dim=1)
    assert float(changed.mean()) > 15


def test_seeded_draws_repeat_and_two_draws_differ(grey_test) -> None:
    images = grey_test[0][:10]
    first = distort(images, DistortionConfig(), torch.Generator().manual_seed(5))
    again = distort(images, DistortionConfig(), torch.Generator().manual_seed(5))
    other = distort(images, DistortionConfig(), torch.Generator().manual_seed(6))
    assert torch.equal(first, again)
    assert not torch.allclose(first, other)
    assert torch.equal(images, grey_test[0][:10])  # input untouched


def test_elastic_field_has_the_configured_spread_and_is_smooth() -> None:
    config = DistortionConfig(elastic_px=0.5, elastic_sigma_px=4.0)
    field = smooth_displacement(64, config, torch.Generator().manual_seed(2), torch.device("cpu"))
    assert field.shape == (64, 28, 28, 2)
    per_digit = field.flatten(1).std(dim=1)  # (64,): each digit's field is scaled to 0.5 px
    assert torch.allclose(per_digit, torch.full((64,), 0.5), atol=1e-4)
    # neighbouring pixels move together: correlation of horizontal neighbours > 0.9
    a, b = field[:, :, :-1, 0].flatten(), field[:, :, 1:, 0].flatten()
    correlation = float(torch.corrcoef(torch.stack([a, b]))[0, 1])
    assert correlation > 0.9


def test_distorted_digits_are_still_read_as_their_class(grey_test) -> None:
    images, labels = grey_test[0][:500], grey_test[1][:500]
    classifier = load_pretrained("classifier-mnist", device="cpu")
    transform = DistortThenThreshold(DistortionConfig())
    distorted = transform(images, torch.Generator().manual_seed(3))
    assert set(torch.unique(distorted).tolist()) <= {0.0, 1.0}
    plain, _ = classifier.predict(threshold(images))
    bent, _ = classifier.predict(distorted)
    plain_accuracy = float((plain == labels).float().mean())
    bent_accuracy = float((bent == labels).float().mean())
    # the classifier reads 98 % of plain test digits; mild distortions cost at most a few points
    assert bent_accuracy >= 0.93 and bent_accuracy >= plain_accuracy - 0.04


def test_threshold_matches_the_loaders_binarization() -> None:
    grey, _ = load_mnist("test", binarize=False)
    binary, _ = load_mnist("test", binarize=True)
    assert torch.equal(threshold(torch.from_numpy(grey)), torch.from_numpy(binary))


@pytest.mark.parametrize(
    "field,value",
    [("rotation_deg", -1.0), ("scale", 0.9), ("shear", math.nan), ("elastic_px", 10.0),
     ("elastic_sigma_px", "wide")],
)
def test_bad_configs_are_refused_by_name(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=field):
        DistortThenThreshold(DistortionConfig(**{field: value}))


def test_wrong_image_shape_is_refused() -> None:
    with pytest.raises(ConfigError, match="784"):
        distort(torch.zeros(3, 100), DistortionConfig())


def test_trainer_trains_on_transformed_batches() -> None:
    """The batch transform sees every minibatch with the trainer's own seeded generator."""
    seen: list[tuple[int, torch.Generator]] = []

    def record(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        seen.append((len(batch), generator))
        return threshold(batch)

    grey = torch.rand(50, 784)
    model = VAE(VAEConfig(hidden1=16, hidden2=0))
    config = VAETrainConfig(epochs=1, batch_size=20)
    trainer = VAETrainer(model, grey, config, batch_transform=record)
    metrics = trainer.step()
    assert [n for n, _ in seen] == [20, 20, 10]
    assert all(g is trainer.generator for _, g in seen)
    assert math.isfinite(metrics["elbo"])
