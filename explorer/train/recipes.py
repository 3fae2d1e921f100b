"""How each shipped weights file is made: ``explorer train NAME`` runs ``RECIPES[NAME]``.

``RECIPES`` is the registry, a plain dict built here from the recipe modules (one per shipped
model: :mod:`.rbm_recipe`, :mod:`.classifier_recipe`, :mod:`.vae_recipe`); none of them imports
this module back. A recipe builds the model, drives its trainer (:func:`.contract.drive`,
progress to a callback), measures the card's metrics with the same function ``explorer eval``
uses, and :func:`train` saves weights + card atomically.
"""

from __future__ import annotations

from pathlib import Path

from explorer.errors import ConfigError
from explorer.progress import ProgressCallback
from explorer.train.classifier_recipe import CLASSIFIER_MNIST
from explorer.train.dae_recipe import DAE_RECIPES
from explorer.train.dbm_recipe import DBM_MNIST
from explorer.train.dga_recipe import DGA2_MNIST, DGA_MNIST
from explorer.train.gan_mnist_recipe import MNIST_GAN_RECIPES
from explorer.train.gan_recipe import GAN_RECIPES
from explorer.train.nade_recipe import NADE_MNIST
from explorer.train.rbm_recipe import RBM_MNIST, RBM_MNIST_FULL
from explorer.train.request import Recipe, TrainRequest, TrainResult
from explorer.train.vae_recipe import VAE2D_MNIST

RECIPES: dict[str, Recipe] = {
    recipe.name: recipe
    for recipe in (RBM_MNIST, RBM_MNIST_FULL, CLASSIFIER_MNIST, VAE2D_MNIST, DBM_MNIST,
                   NADE_MNIST, *DAE_RECIPES, *GAN_RECIPES, *MNIST_GAN_RECIPES, DGA_MNIST,
                   DGA2_MNIST)
}

__all__ = ["RECIPES", "Recipe", "TrainRequest", "TrainResult", "train"]


def train(
    name: str, request: TrainRequest, callback: ProgressCallback | None = None
) -> tuple[Path, TrainResult]:
    """Run the recipe ``name`` and save its weights + card; returns the card path and result."""
    from explorer.weights import pretrained_dir, save_model

    if name not in RECIPES:
        raise ConfigError(f"no recipe named {name!r}; known: {', '.join(sorted(RECIPES))}")
    recipe = RECIPES[name]
    epochs = recipe.default_epochs if request.epochs is None else request.epochs
    if not 1 <= epochs <= 10_000:
        raise ConfigError(f"--epochs must be in 1..10000, got {epochs}")
    result = recipe.run(request, epochs, callback)
    out = request.out if request.out is not None else pretrained_dir()
    card = save_model(
        result.model, out, name, data=result.data, training=result.training,
        metrics=result.metrics,
    )
    return card, result
