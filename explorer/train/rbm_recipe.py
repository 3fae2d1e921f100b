"""The recipe for ``rbm-mnist``: a 500-hidden-unit binary RBM trained by persistent CD.

The card's metrics are those of ``explorer eval`` without the inpainting agreement:
:func:`explorer.metrics.rbm_eval.rbm_metrics` on the test split (exact pseudo-log-likelihood
and reconstruction error), computed by the one function both use.
"""

from __future__ import annotations

import dataclasses

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
