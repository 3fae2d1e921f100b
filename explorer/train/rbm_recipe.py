"""The recipes for ``rbm-mnist`` and ``rbm-mnist-full``: binary RBMs trained by persistent CD.

``rbm-mnist``: 500 hidden units on the embedded 4,000 training digits (or ``--data``).
``rbm-mnist-full``: 1,000 hidden units on full MNIST's 60,000 training digits minus every digit
that equals one of the embedded 5,000 after binarization (54,997 digits), so that the embedded
test split, on which every model of the project is measured, stays unseen. Trained with 500
persistent chains and minibatches of 100: with the training settings of ``rbm-mnist`` (100
chains, minibatches of 50) the same network completed right halves worse (the classifier read
the true digit in 81 % of single completions against 83 %, seeds 0–1, 500 test digits). It
needs full MNIST (``explorer data full``); 60 epochs take about 18 minutes on two cores.

The cards' metrics are those of ``explorer eval`` without the inpainting agreement:
:func:`explorer.metrics.rbm_eval.rbm_metrics` on the embedded test split (exact
pseudo-log-likelihood and reconstruction error), computed by the one function both use.
"""

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


def _rbm_mnist(
    request: TrainRequest, epochs: int, callback: ProgressCallback | None
) -> TrainResult:
    from explorer.data import split_info
    from explorer.metrics.rbm_eval import rbm_metrics
    from explorer.models.rbm import RBM, RBMConfig, RBMTrainConfig, RBMTrainer

    device = resolve_device(request.device)
    train_x, _ = mnist_tensors(request.data, "train", device)
    test_x, _ = mnist_tensors(request.data, "test", device)
    model = RBM(RBMConfig(n_visible=784, n_hidden=500)).to(device)  # zeros: the trainer inits
    train_config = RBMTrainConfig(epochs=epochs, seed=request.seed)
    run = drive(RBMTrainer(model, train_x, train_config), epochs, callback)
    return TrainResult(
        model,
        split_info(request.data),
        {"epochs": len(run.history), "seed": request.seed, "seconds": round(run.seconds, 1),
         "trainer": "persistent CD (SML)", "config": dataclasses.asdict(train_config),
         "last_epoch": round_metrics(run.history[-1])},
        round_metrics(rbm_metrics(model, test_x, seed=request.seed)),
    )


RBM_MNIST = Recipe(
    "rbm-mnist", "binary RBM, 500 hidden units, PCD on MNIST", 60, _rbm_mnist
)


def full_mnist_without_embedded() -> tuple[torch.Tensor, dict[str, str]]:
    """Full MNIST's training digits (threshold-binarized, (N, 784) float32, in file order)
    minus every digit equal to one of the embedded 5,000, and the card's data section."""
    import numpy as np

    from explorer.data import load_mnist, split_info
    from explorer.data.mnist_full import embedded_found_in

    train, _ = load_mnist("train", source="full")
    embedded, _ = load_mnist("all")
    keep = ~embedded_found_in(embedded.astype(np.uint8), train.astype(np.uint8))
    data = dict(split_info("full"))
    data["split"] = (f"full MNIST's 60,000 training digits minus the {int((~keep).sum()):,} equal "
                     "to an embedded digit after binarization "
                     f"({int(keep.sum()):,} digits); metrics on the embedded test split")
    return torch.from_numpy(train[keep]), data


def _rbm_mnist_full(
    request: TrainRequest, epochs: int, callback: ProgressCallback | None
) -> TrainResult:
    from explorer.errors import ConfigError
    from explorer.metrics.rbm_eval import rbm_metrics
    from explorer.models.rbm import RBM, RBMConfig, RBMTrainConfig, RBMTrainer

    if request.data not in (None, "full"):
        raise ConfigError("rbm-mnist-full trains on full MNIST minus the embedded digits "
                          "('explorer data full'); --data does not apply to it")
    device = resolve_device(request.device)
    train_x, data = full_mnist_without_embedded()
    train_x = train_x.to(device)
    test_x, _ = mnist_tensors(None, "test", device)  # the embedded test split
    model = RBM(RBMConfig(n_visible=784, n_hidden=1000)).to(device)
    train_config = RBMTrainConfig(epochs=epochs, batch_size=100, n_persistent=500,
                                  seed=request.seed)
    run = drive(RBMTrainer(model, train_x, train_config), epochs, callback)
    return TrainResult(
        model,
        data,
        {"epochs": len(run.history), "seed": request.seed, "seconds": round(run.seconds, 1),
         "trainer": "persistent CD (SML)", "config": dataclasses.asdict(train_config),
         "last_epoch": round_metrics(run.history[-1])},
        round_metrics(rbm_metrics(model, test_x, seed=request.seed)),
    )


RBM_MNIST_FULL = Recipe(
    "rbm-mnist-full",
    "binary RBM, 1,000 hidden units, PCD (500 chains) on full MNIST minus the embedded digits",
    60, _rbm_mnist_full,
)
