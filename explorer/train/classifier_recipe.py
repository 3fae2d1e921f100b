"""The recipe for ``classifier-mnist``: the small CNN that reads samples and completions."""

from __future__ import annotations

import dataclasses

import torch

from explorer.device import resolve_device
from explorer.progress import ProgressCallback
from explorer.train.contract import drive
from explorer.train.request import (
    Recipe,
    TrainRequest,
    TrainResult,
    mnist_tensors,
    round_metrics,
)


def _classifier_mnist(
    request: TrainRequest, epochs: int, callback: ProgressCallback | None
) -> TrainResult:
    from explorer.data import split_info
    from explorer.metrics.classifier_eval import classifier_metrics
    from explorer.models.base import seeded_global_rng
    from explorer.models.classifier import (
        ClassifierConfig,
        ClassifierTrainConfig,
        ClassifierTrainer,
        DigitClassifier,
    )

    device = resolve_device(request.device)
    train_x, train_y = mnist_tensors(request.data, "train", torch.device("cpu"))
    test_x, test_y = mnist_tensors(request.data, "test", device)
    with seeded_global_rng(request.seed):  # initial weights: as torch.manual_seed(seed) gave
        model = DigitClassifier(ClassifierConfig()).to(device)
    train_config = ClassifierTrainConfig(epochs=epochs, seed=request.seed)
    run = drive(ClassifierTrainer(model, train_x, train_y, train_config), epochs, callback)
    return TrainResult(
        model,
        split_info(request.data),
        {"epochs": len(run.history), "seed": request.seed, "seconds": round(run.seconds, 1),
         "trainer": "Adam, cross-entropy, shift+flip augmentation",
         "config": dataclasses.asdict(train_config),
         "last_epoch": round_metrics(run.history[-1])},
        round_metrics(classifier_metrics(model, test_x, test_y)),
    )


CLASSIFIER_MNIST = Recipe(
    "classifier-mnist", "small CNN digit classifier", 25, _classifier_mnist
)
