"""How each shipped weights file is made: ``explorer train NAME`` runs the recipe for NAME.

A recipe builds the model, drives a trainer's ``step()`` once per epoch reporting progress to a
callback, measures the card's metrics on the test split, and saves weights + card atomically.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from explorer.device import resolve_device
from explorer.errors import ConfigError
from explorer.progress import ProgressCallback, ProgressEvent, report


@dataclass
class TrainRequest:
    """What the user asked for; ``None`` means the recipe's default."""

    epochs: int | None = None
    device: str = "auto"
    data: str | None = None  # path to full MNIST (IDX folder or mnist.npz); None = embedded 5k
    seed: int = 0
    out: Path | None = None  # folder for the files; None = the pretrained folder


@dataclass
class TrainResult:
    model: Any
    data: dict[str, Any]
    training: dict[str, Any]
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass
class Recipe:
    name: str
    kind: str
    description: str
    default_epochs: int
    run: Callable[[TrainRequest, int, ProgressCallback | None], TrainResult]


RECIPES: dict[str, Recipe] = {}


def register(recipe: Recipe) -> Recipe:
    RECIPES[recipe.name] = recipe
    return recipe


def drive(
    trainer: Any, epochs: int, callback: ProgressCallback | None
) -> tuple[list[dict[str, float]], float]:
    """Call ``trainer.step()`` ``epochs`` times, reporting each epoch; returns history, seconds."""
    history: list[dict[str, float]] = []
    started = time.perf_counter()
    for epoch in range(epochs):
        metrics = trainer.step()
        history.append(metrics)
        if not report(callback, ProgressEvent(epoch + 1, epochs, metrics)):
            break
    return history, time.perf_counter() - started


def mnist_tensors(source: str | None, split: str, device: torch.device, binarize: bool = True):
    from explorer.data import load_mnist

    images, labels = load_mnist(split=split, binarize=binarize, source=source)
    return torch.from_numpy(images).to(device), torch.from_numpy(labels)


def _round(metrics: dict[str, float]) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in metrics.items()}


def _rbm_mnist(request: TrainRequest, epochs: int, callback: ProgressCallback | None):
    from explorer.data import split_info
    from explorer.models.rbm import RBM, RBMConfig, RBMTrainConfig, RBMTrainer

    device = resolve_device(request.device)
    torch.manual_seed(request.seed)
    train_x, _ = mnist_tensors(request.data, "train", device)
    test_x, _ = mnist_tensors(request.data, "test", device)
    model = RBM(RBMConfig(n_visible=784, n_hidden=500)).to(device)
    train_config = RBMTrainConfig(epochs=epochs, seed=request.seed)
    trainer = RBMTrainer(model, train_x, train_config)
    history, seconds = drive(trainer, epochs, callback)
    gen = torch.Generator(device=device).manual_seed(request.seed)
    with torch.no_grad():
        recon = model.prob_v(model.sample_h(test_x, gen)[0])
        metrics = {
            "test_pseudo_log_likelihood": float(model.pseudo_log_likelihood(test_x, gen)),
            "test_recon_error": float(((recon - test_x) ** 2).sum(1).mean()),
        }
    return TrainResult(
        model,
        split_info(request.data),
        {"epochs": len(history), "seed": request.seed, "seconds": round(seconds, 1),
         "trainer": "persistent CD (SML)", "config": dataclasses.asdict(train_config),
         "last_epoch": _round(history[-1])},
        _round(metrics),
    )


def _classifier_mnist(request: TrainRequest, epochs: int, callback: ProgressCallback | None):
    from explorer.data import split_info
    from explorer.models.classifier import (
        ClassifierConfig,
        ClassifierTrainConfig,
        ClassifierTrainer,
        DigitClassifier,
        accuracy,
    )

    device = resolve_device(request.device)
    torch.manual_seed(request.seed)
    train_x, train_y = mnist_tensors(request.data, "train", torch.device("cpu"))
    test_x, test_y = mnist_tensors(request.data, "test", device)
    model = DigitClassifier(ClassifierConfig()).to(device)
    train_config = ClassifierTrainConfig(epochs=epochs, seed=request.seed)
    trainer = ClassifierTrainer(model, train_x, train_y, train_config)
    history, seconds = drive(trainer, epochs, callback)
    metrics = {"test_accuracy": accuracy(model, test_x, test_y)}
    return TrainResult(
        model,
        split_info(request.data),
        {"epochs": len(history), "seed": request.seed, "seconds": round(seconds, 1),
         "trainer": "Adam, cross-entropy, shift+flip augmentation",
         "config": dataclasses.asdict(train_config), "last_epoch": _round(history[-1])},
        _round(metrics),
    )


register(Recipe("rbm-mnist", "rbm", "binary RBM, 500 hidden units, PCD on MNIST", 60, _rbm_mnist))
register(
    Recipe("classifier-mnist", "classifier", "small CNN digit classifier", 25, _classifier_mnist)
)


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
    np.random.seed(request.seed)
    result = recipe.run(request, epochs, callback)
    out = request.out if request.out is not None else pretrained_dir()
    card = save_model(
        result.model, out, name, data=result.data, training=result.training,
        metrics=result.metrics,
    )
    return card, result

import explorer.train.vae_recipe  # noqa: E402,F401 - registers vae2d-mnist
