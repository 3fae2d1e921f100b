"""The shipped MNIST GANs (``explorer train gan-mnist-collapsed`` / ``gan-mnist-healthy``): MLP
nets on the 4,000 embedded training digits (grey levels pixel/255, unbinarized), one that
collapses and one that covers the ten digits, for the mode-collapse app's MNIST tab.

Nets (:data:`MNIST_NETS`): G z (64) → 256 → 256 → 784, ReLU, sigmoid output (pixels in [0, 1]);
D 784 → 256 → 256 → 1, LeakyReLU 0.2 (:class:`explorer.models.gan.ImageGAN`). Adam lr 2e-4,
β = (0.5, 0.9), batch 64, one D step per G step — DCGAN's (Radford et al. 2015) optimiser
settings.

Why the earlier MLP GANs all produced one digit (non-saturating, no BatchNorm, lr 2e-4 for both,
batch 64; seed 0; "KL" is the KL to uniform of the classes ``classifier-mnist`` reads in 1,000
samples, log 10 = 2.30 for a single class):

1. *D wins.* On only 4,000 digits an unregularised D separates real from fake almost at once
   (D(real) ≈ 0.85–0.95, D(fake) ≈ 0.05–0.15 all along; G's loss climbs from 1.7 to 6.5 over
   3,000 iterations), and G follows D's gradient onto a single image.
2. *G ignores z at the start.* With PyTorch's default initialisation the pixels of G's output
   vary with z by ~0.01 (:class:`explorer.models.gan.Generator`), so the first updates fit one
   mean image for every z. Read by the classifier: one class at iterations 500–2,500 (KL 2.30),
   three at 3,000 (KL 1.43); the samples were copies of one blot.

Not the cause: the data range (grey levels in [0, 1] and a sigmoid output agree; the classifier
reads grey test digits at 98.4 % accuracy, thresholded ones at 98.0 %, with mean confidence 0.98),
nor the classifier (it reads the healthy run's samples as all ten digits).

Fixes, one at a time and together (seed 0, 4,000 iterations unless said; KL at the end):
R1 on D (Mescheder et al. 2018, γ = 10) alone: 0.11 (3,000 it.); BatchNorm in G alone (DCGAN):
0.09 at 2,000 iterations, then drifting onto the 1s (0.72 at 5,000); BatchNorm + PacGAN (m = 2):
0.21; BatchNorm + dropout 0.3 in D: 1.14 (3,000 it.); BatchNorm + minimax: 0.19 (3,000 it.);
BatchNorm + R1 γ = 1: 0.018; BatchNorm + R1 γ = 10: 0.020, D(real) ≈ D(fake) ≈ 0.5.

Healthy (shipped): BatchNorm in G, R1 γ = 10, 6,000 iterations (~95 CPU-s on one thread). Seeds
0, 1, 2: KL 0.016, 0.015, 0.023, all ten digits, the classifier's mean confidence 0.84–0.85
(test digits: 0.98) — digit-like strokes, some scribbles.

Collapsed (shipped): the same nets and loss with the 2-D tab's strong discriminator (lr_d 2e-3 =
10 × lr_g, 5 D steps per G step), 2,000 iterations (~60 CPU-s): D(fake) ≈ 0.00–0.02 and G's loss
8–12. Seeds 0, 1, 2: KL 1.86, 1.35, 2.30; the two largest classes hold 98 %, 87 %, 100 % of the
samples (0 first in every seed, then 8); 3, 5 and 1 digits have ≥ 1 %. The samples still vary
(pixel std over z 0.085–0.12): varied 0s, not one image.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import torch

from explorer.device import resolve_device
from explorer.progress import ProgressCallback
from explorer.train.contract import drive
from explorer.train.request import Recipe, TrainRequest, TrainResult

ITERATIONS_PER_EPOCH = 100  # iterations per trainer ``step()`` (one recipe "epoch")
MNIST_NETS: dict[str, Any] = {
    "data_dim": 784, "output": "sigmoid", "z_dim": 64,
    "g_hidden": 256, "g_depth": 2, "d_hidden": 256, "d_depth": 2,
}
MNIST_KNOBS: dict[str, Any] = {"lr_g": 2e-4, "lr_d": 2e-4, "batch_size": 64}
STRONG_D_MNIST: dict[str, Any] = {"lr_d": 2e-3, "lr_g": 2e-4, "d_steps": 5}  # as the 2-D STRONG_D
MNIST_SAMPLES = 1000  # generated digits the card's class histogram is measured on
SAMPLE_SEED = 2014  # z of the card's (and the app's first) 1,000 samples: Generator().manual_seed


@dataclass(frozen=True)
class MnistGANRun:
    """A shipped MNIST GAN: ``GANConfig`` fields beyond :data:`MNIST_NETS`, ``GANTrainConfig``
    fields beyond :data:`MNIST_KNOBS`."""

    name: str
    verdict: str  # "collapsed" or "healthy"
    description: str
    model: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)

    @property
    def iterations(self) -> int:
        return int(self.train["n_iterations"])


MNIST_RUNS: dict[str, MnistGANRun] = {
    run.name: run
    for run in (
        MnistGANRun(
            "gan-mnist-collapsed", "collapsed",
            "MLP GAN on the embedded MNIST digits: non-saturating with a strong D "
            "(collapses onto one or two digits)",
            {"g_norm": "batch"},
            {"objective": "non-saturating", "n_iterations": 2000, **STRONG_D_MNIST},
        ),
        MnistGANRun(
            "gan-mnist-healthy", "healthy",
            "MLP GAN on the embedded MNIST digits: balanced players, R1 (γ = 10) on D "
            "(all ten digits)",
            {"g_norm": "batch"}, {"objective": "r1", "r1_gamma": 10.0, "n_iterations": 6000},
        ),
    )
}


def mnist_samples(model: Any, n: int = MNIST_SAMPLES, seed: int = SAMPLE_SEED) -> torch.Tensor:
    """n digits (n, 784) in [0, 1] from ``model`` in eval mode (BatchNorm's running statistics,
    so each digit depends on its own z only), z drawn with generator seed ``seed``; on the CPU."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model.sample(n, torch.Generator().manual_seed(seed)).cpu()
    finally:
        model.train(was_training)


def mnist_class_metrics(model: Any, classifier: Any, seed: int = SAMPLE_SEED) -> dict[str, Any]:
    """The card's numbers (:func:`explorer.metrics.modes.class_histogram` of
    :data:`MNIST_SAMPLES` digits from :func:`mnist_samples`): ``class_counts``, ``kl_to_uniform``,
    ``classes_seen`` (≥ 1 % of the digits), ``mean_confidence`` (the classifier's mean top
    probability: near 1 for clear digits), ``n_samples``."""
    from explorer.metrics.modes import class_histogram

    numbers = class_histogram(mnist_samples(model, MNIST_SAMPLES, seed), classifier)
    return {
        "kl_to_uniform": round(numbers["kl_to_uniform"], 4),
        "classes_seen": numbers["classes_seen"],
        "mean_confidence": round(numbers["mean_confidence"], 4),
        "class_counts": numbers["counts"],
        "n_samples": MNIST_SAMPLES,
    }


def build_mnist_run(run: MnistGANRun, images: torch.Tensor, seed: int = 0) -> Any:
    """``(model, trainer)`` of a shipped MNIST run on ``images`` (N, 784) in [0, 1], untrained."""
    from explorer.models.gan import (
        GANConfig,
        GANTrainConfig,
        GANTrainer,
        ImageGAN,
        TensorData,
        build_gan,
    )

    model = build_gan(GANConfig(**MNIST_NETS, **run.model), seed, ImageGAN).to(images.device)
    config = GANTrainConfig(**{**MNIST_KNOBS, **run.train},
                            iterations_per_step=ITERATIONS_PER_EPOCH, monitor_every=0)
    trainer = GANTrainer(model, TensorData(images, "mnist-train"), config,
                         torch.Generator().manual_seed(seed))
    return model, trainer


def _mnist_runner(run: MnistGANRun) -> Any:
    def _run(request: TrainRequest, epochs: int, callback: ProgressCallback | None) -> TrainResult:
        from explorer.data import split_info
        from explorer.train.request import mnist_tensors
        from explorer.weights import load_pretrained

        device = resolve_device(request.device)
        images, _ = mnist_tensors(request.data, "train", device, binarize=False)
        model, trainer = build_mnist_run(run, images, request.seed)
        trainer.config.n_iterations = epochs * ITERATIONS_PER_EPOCH
        result = drive(trainer, epochs, callback)
        model.eval()
        classifier = load_pretrained("classifier-mnist", "cpu")
        metrics = mnist_class_metrics(model.cpu(), classifier)
        return TrainResult(
            model,
            {**split_info(request.data, binarize=False), "verdict": run.verdict},
            {
                "epochs": len(result.history), "iterations": trainer.iteration,
                "seed": request.seed, "seconds": round(result.seconds, 1),
                "objective": trainer.config.objective,
                "config": dataclasses.asdict(trainer.config),
                "torch_threads": torch.get_num_threads(),
                "classifier": "classifier-mnist", "sample_seed": SAMPLE_SEED,
            },
            metrics,
        )

    return _run


MNIST_GAN_RECIPES: tuple[Recipe, ...] = tuple(
    Recipe(run.name, run.description, run.iterations // ITERATIONS_PER_EPOCH, _mnist_runner(run))
    for run in MNIST_RUNS.values()
)
