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


def _train_rbm(request: TrainRequest, epochs: int, callback: ProgressCallback | None,
               n_hidden: int, train_x: torch.Tensor, test_x: torch.Tensor,
               data: dict[str, str], **train_settings: int) -> TrainResult:
    """An RBM of ``n_hidden`` units trained on ``train_x`` by PCD; card metrics on ``test_x``."""
    from explorer.metrics.rbm_eval import rbm_metrics
    from explorer.models.rbm import RBM, RBMConfig, RBMTrainConfig, RBMTrainer

    model = RBM(RBMConfig(n_visible=784, n_hidden=n_hidden)).to(train_x.device)  # the trainer inits
    train_config = RBMTrainConfig(epochs=epochs, seed=request.seed, **train_settings)
    run = drive(RBMTrainer(model, train_x, train_config), epochs, callback)
    return TrainResult(
        model,
        data,
        {"epochs": len(run.history), "seed": request.seed, "seconds": round(run.seconds, 1),
         "trainer": "persistent CD (SML)", "config": dataclasses.asdict(train_config),
         "last_epoch": round_metrics(run.history[-1])},
        round_metrics(rbm_metrics(model, test_x, seed=request.seed)),
    )


def _rbm_mnist(
    request: TrainRequest, epochs: int, callback: ProgressCallback | None
) -> TrainResult:
    from explorer.data import split_info

    device = resolve_device(request.device)
    train_x, _ = mnist_tensors(request.data, "train", device)
    test_x, _ = mnist_tensors(request.data, "test", device)
    return _train_rbm(request, epochs, callback, 500, train_x, test_x, split_info(request.data))


RBM_MNIST = Recipe(
    "rbm-mnist", "binary RBM, 500 hidden units, PCD on MNIST", 60, _rbm_mnist
)


def full_mnist_card_data(n_digits: int) -> dict[str, str]:
    """The card's data section for a model trained on ``n_digits`` of full MNIST's training
    digits, those not equal to an embedded digit (:func:`full_train_without_embedded`)."""
    from explorer.data import split_info
    from explorer.data.mnist import FULL

    return {**split_info(FULL),
            "split": (f"full MNIST's 60,000 training digits minus the {60_000 - n_digits:,} "
                      f"equal to an embedded digit after binarization ({n_digits:,} digits); "
                      "metrics on the embedded test split")}


def _rbm_mnist_full(
    request: TrainRequest, epochs: int, callback: ProgressCallback | None
) -> TrainResult:
    from explorer.data.mnist import EMBEDDED, FULL, full_train_without_embedded
    from explorer.errors import ConfigError

    if request.data not in (None, FULL):
        raise ConfigError("rbm-mnist-full trains on full MNIST minus the embedded digits "
                          "('explorer data full'); --data does not apply to it")
    device = resolve_device(request.device)
    train, _ = full_train_without_embedded()
    test_x, _ = mnist_tensors(EMBEDDED, "test", device)  # whatever $EXPLORER_MNIST says
    return _train_rbm(request, epochs, callback, 1000, torch.from_numpy(train).to(device), test_x,
                      full_mnist_card_data(len(train)), batch_size=100, n_persistent=500)


RBM_MNIST_FULL = Recipe(
    "rbm-mnist-full",
    "binary RBM, 1,000 hidden units, PCD (500 chains) on full MNIST minus the embedded digits",
    60, _rbm_mnist_full,
)
