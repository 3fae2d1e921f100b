"""One model family per file; ``MODEL_KINDS`` (a plain dict, kind -> class) is the registry a
weights card's ``kind`` is looked up in. Capabilities and the shared base: :mod:`.base`."""

from __future__ import annotations

from explorer.errors import ConfigError
from explorer.models.base import (
    BOUNDS,
    CLASSIFY,
    FREE_ENERGY,
    LATENT,
    SAMPLE,
    ExplorerModel,
    Samplable,
    has_capability,
)
from explorer.models.classifier import DigitClassifier
from explorer.models.dae import DAE
from explorer.models.dbm import DBM
from explorer.models.dga import DGA
from explorer.models.gan import GAN, ImageGAN
from explorer.models.nade import NADE
from explorer.models.rbm import RBM
from explorer.models.vae import VAE

MODEL_KINDS: dict[str, type[ExplorerModel]] = {
    model.kind: model
    for model in (RBM, DigitClassifier, VAE, DAE, GAN, ImageGAN, DGA, DBM, NADE)
}


def get_model_class(kind: str) -> type[ExplorerModel]:
    """The model class registered for ``kind``; an unknown kind raises :class:`ConfigError`."""
    if kind not in MODEL_KINDS:
        raise ConfigError(f"unknown model kind {kind!r}; known: {sorted(MODEL_KINDS)}")
    return MODEL_KINDS[kind]


__all__ = [
    "MODEL_KINDS", "ExplorerModel", "get_model_class", "has_capability", "Samplable",
    "SAMPLE", "FREE_ENERGY", "CLASSIFY", "LATENT", "BOUNDS",
    "DAE", "DBM", "DGA", "GAN", "ImageGAN", "NADE", "RBM", "DigitClassifier", "VAE",
]
