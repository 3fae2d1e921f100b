"""The recipe for ``dbm-mnist``: a 784-500-200 binary DBM (§20.4) on the embedded train split.

Greedy layer-wise pre-training (two RBMs, 20 CD-1 epochs each, with the doubling trick), then
joint variational SML (algorithm 20.1: 10 mean-field iterations for the positive phase, 100
persistent chains, one Gibbs sweep per update). Sizes: h¹ has 500 units like ``rbm-mnist``, so
the two models compare at equal first-layer width; h² has 200 so the file stays under 2 MB and a
run takes a few minutes on one core. (Random distortions of the training digits, as for
``vae2d-mnist`` and ``nade-mnist``, did not help here: right-half agreement 0.774 against 0.792
without; ``DBMTrainer`` keeps the ``batch_transform`` option.) The card's metrics come from
:func:`explorer.metrics.dbm_eval.dbm_metrics`, the function ``explorer eval`` uses.
"""

from __future__ import annotations

import dataclasses

from explorer.device import resolve_device
from explorer.progress import ProgressCallback
from explorer.train.contract import drive
from explorer.train.request import Recipe, TrainRequest, TrainResult, mnist_tensors, round_metrics


def _dbm_mnist(request: TrainRequest, epochs: int, callback: ProgressCallback | None
               ) -> TrainResult:
    from explorer.data import load_mnist, split_info
    from explorer.metrics.dbm_eval import dbm_metrics
    from explorer.models.dbm import DBM, DBMConfig, DBMTrainConfig, DBMTrainer

    device = resolve_device(request.device)
    train_x, _ = mnist_tensors(request.data, "train", device)
    test_images, test_labels = load_mnist("test", binarize=True, source=request.data)
    model = DBM(DBMConfig(n_visible=784, n_hidden1=500, n_hidden2=200)).to(device)
    train_config = DBMTrainConfig(epochs=epochs, seed=request.seed)
    run = drive(DBMTrainer(model, train_x, train_config), epochs, callback)
    return TrainResult(
        model,
        split_info(request.data),
        {"epochs": len(run.history), "seed": request.seed, "seconds": round(run.seconds, 1),
         "trainer": "greedy layer-wise CD-1 (doubling trick), then variational SML "
                    "(algorithm 20.1)",
         "config": dataclasses.asdict(train_config),
         "pretraining": round_metrics({k: v for k, v in run.history[0].items()
                                       if k.startswith("pretrain")}),
         "last_epoch": round_metrics(run.history[-1])},
        round_metrics(dbm_metrics(model, test_images, test_labels, seed=request.seed)),
    )


DBM_MNIST = Recipe("dbm-mnist", "deep Boltzmann machine 784-500-200, pre-trained + joint SML",
                   50, _dbm_mnist)
