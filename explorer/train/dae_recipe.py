"""The recipes of the shipped denoising autoencoders (§20.11): 2-D toys and binary MNIST.

2-D (``dae-<toy>-s<σ·100>[-wb]``): a 2 → 64 → 64 (sigmoid h) → 64 → 2 MLP, Gaussian corruption
of std σ, Gaussian p(x | ω) whose variance is set to the running reconstruction MSE (fig. 20.11's
caption), 2,000 Adam steps (lr 3e-3) on batches of 256 fresh toy points; ``-wb`` = walk-back
with k = 4 (§20.11.3), otherwise plain (k = 1). Trained on ``ring-8-wide`` (ring of 8, std 0.05)
at σ = 0.1 and 0.3 and on the ``spiral`` at σ = 0.1. A few seconds each on one core.

MNIST (``dae-mnist-wb``): 784 → 500 (sigmoid h) → 784 logits, salt-and-pepper corruption
(p = 0.25: a pixel is redrawn by a fair coin with probability 0.25), Bernoulli p(x | ω), walk-back
k = 3, Adam (lr 1e-3, batch 100) on the 4,000 binary training digits.

The card's metrics are :func:`explorer.metrics.dae_eval.dae2d_metrics` (2-D) or
:func:`~explorer.metrics.dae_eval.mnist_dae_metrics` (MNIST) — the functions ``explorer eval``
uses. An "epoch" of a 2-D recipe is the 2,000 steps (``--epochs n`` runs n × 2,000).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from explorer.device import resolve_device
from explorer.progress import ProgressCallback
from explorer.train.contract import drive
from explorer.train.request import Recipe, TrainRequest, TrainResult, mnist_tensors, round_metrics

TOY_STEPS = 2000
WALKBACK_K = 4
MNIST_MODEL = {"data": "mnist", "hidden": [500], "corruption": "salt-and-pepper", "noise": 0.25,
               "reconstruction": "bernoulli", "walkback": 3}
MNIST_EPOCHS = 40


def dae2d_name(toy: str, sigma: float, walkback: bool) -> str:
    """``dae-ring8-s10``, ``dae-spiral-s10-wb``... (toy name without "-wide" and dashes)."""
    short = toy.replace("-wide", "").replace("-", "")
    return f"dae-{short}-s{round(sigma * 100):02d}" + ("-wb" if walkback else "")


def dae2d_config(sigma: float, walkback: int = 1) -> dict[str, Any]:
    """The 2-D architecture of every shipped (and live-retrained) 2-D DAE."""
    return {"data": "2d", "hidden": [64, 64], "activation": "silu", "corruption": "gaussian",
            "noise": sigma, "reconstruction": "gaussian-mse", "walkback": walkback}


def _dae2d(toy_name: str, sigma: float, walkback: bool):
    def run(request: TrainRequest, epochs: int, callback: ProgressCallback | None) -> TrainResult:
        from explorer.data.toys import make_toy
        from explorer.metrics.dae_eval import dae2d_metrics
        from explorer.models.base import seeded_global_rng
        from explorer.models.dae import DAE, DAEConfig, DAETrainConfig, DAETrainer

        device = resolve_device(request.device)
        toy = make_toy(toy_name)
        with seeded_global_rng(request.seed):
            model = DAE(DAEConfig(**dae2d_config(sigma, WALKBACK_K if walkback else 1))).to(device)
        train_config = DAETrainConfig(epochs=epochs, batch_size=256, lr=3e-3,
                                      batches_per_epoch=TOY_STEPS, seed=request.seed)
        run_ = drive(DAETrainer(model, toy, train_config), epochs, callback)
        model.eval()
        return TrainResult(
            model,
            {"toy": toy_name, "source": f"explorer.data.toys.make_toy({toy_name!r}), fresh "
             "points every batch"},
            {"epochs": len(run_.history), "seed": request.seed, "seconds": round(run_.seconds, 1),
             "trainer": "Adam on the denoising log-likelihood"
             + (f", walk-back k = {WALKBACK_K}" if walkback else " (plain, k = 1)"),
             "config": dataclasses.asdict(train_config),
             "last_epoch": round_metrics(run_.history[-1])},
            round_metrics(dae2d_metrics(model, toy, seed=request.seed)),
        )

    name = dae2d_name(toy_name, sigma, walkback)
    kind = "walk-back k = 4" if walkback else "plain"
    return Recipe(name, f"2-D DAE on {toy_name}, Gaussian corruption σ = {sigma:g}, {kind}", 1,
                  run)


def _dae_mnist(request: TrainRequest, epochs: int, callback: ProgressCallback | None
               ) -> TrainResult:
    from explorer.data import split_info
    from explorer.metrics.dae_eval import mnist_dae_metrics
    from explorer.models.base import seeded_global_rng
    from explorer.models.dae import DAE, DAEConfig, DAETrainConfig, DAETrainer

    device = resolve_device(request.device)
    train_x, _ = mnist_tensors(request.data, "train", device)
    test_x, _ = mnist_tensors(request.data, "test", device)
    with seeded_global_rng(request.seed):
        model = DAE(DAEConfig(**MNIST_MODEL)).to(device)
    train_config = DAETrainConfig(epochs=epochs, batch_size=100, lr=1e-3, seed=request.seed)
    run = drive(DAETrainer(model, train_x, train_config), epochs, callback)
    model.eval()
    return TrainResult(
        model, split_info(request.data),
        {"epochs": len(run.history), "seed": request.seed, "seconds": round(run.seconds, 1),
         "trainer": "Adam on the denoising log-likelihood, walk-back k = "
                    f"{MNIST_MODEL['walkback']}",
         "config": dataclasses.asdict(train_config),
         "last_epoch": round_metrics(run.history[-1]),
         "torch_threads": torch.get_num_threads()},
        round_metrics(mnist_dae_metrics(model, test_x, seed=request.seed)),
    )


DAE2D_SHIPPED = (("ring-8-wide", 0.1), ("ring-8-wide", 0.3), ("spiral", 0.1))
DAE_RECIPES: tuple[Recipe, ...] = (
    *(_dae2d(toy, sigma, wb) for toy, sigma in DAE2D_SHIPPED for wb in (False, True)),
    Recipe("dae-mnist-wb", "DAE on binary MNIST: salt-and-pepper corruption, Bernoulli "
           "reconstruction, 500 hidden units, walk-back k = 3", MNIST_EPOCHS, _dae_mnist),
)
