"""The recipes of the shipped 2-D GAN snapshots (``explorer train gan-ring8-collapsed`` …): a
collapsed and a healthy run on ring-8 (std 0.01) and on grid-25 (std 0.05), for the mode-collapse
app to compare at once.

Listed in ``RECIPES`` by :mod:`explorer.train.recipes`. The card's ``data`` names the toy, its
``training`` the objective and every knob (``GANTrainConfig``), its ``metrics`` the mode coverage
(:func:`explorer.metrics.modes.mode_coverage`: modes captured, HQ fraction, reverse KL) of 2,500
samples drawn with ``torch.Generator().manual_seed(seed)`` at save time. One "epoch" of a recipe is
one ``step()`` of the trainer (100 iterations).

Collapsed: the non-saturating game with a strong discriminator — lr_d 2e-3 = 10 × lr_g, 5 D
steps per G step, batch 64 (the levers of the literature: D wins every round and G chases its
current favourite mode). Measured on ring-8, seeds 0–4: 1.6 ± 0.5 of 8 modes; grid-25, seeds
0–2: 1 of 25.

Healthy: the same game with balanced players (lr 1e-3 for both, 1 D step, batch 256) and both lrs
decayed along a half cosine to 0.5 % (``lr_final``), so that late steps are small enough for G to
settle within 3 std of the modes. Measured: ring-8, 8,000 iterations, seeds 0–4: 8.0 ± 0 modes,
HQ 97.2 ± 1.2 %, reverse KL 0.08 ± 0.16 (seed 2 alone measured 0.34 — one uneven mode — and
seeds 0, 1 ≤ 0.004; 44 CPU-s each); grid-25, 15,000 iterations, seed 0: 25/25, HQ 97.8 %,
reverse KL 0.005 (~87 CPU-s). See benchmarks/bench_mode_collapse.py.

The MNIST GANs are in :mod:`explorer.train.gan_mnist_recipe`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import torch

from explorer.device import resolve_device
from explorer.progress import ProgressCallback
from explorer.train.contract import drive
from explorer.train.request import Recipe, TrainRequest, TrainResult, round_metrics

ITERATIONS_PER_EPOCH = 100

STRONG_D = {"lr_d": 2e-3, "lr_g": 2e-4, "d_steps": 5, "batch_size": 64}
BALANCED = {"lr_d": 1e-3, "lr_g": 1e-3, "d_steps": 1, "batch_size": 256, "lr_final": 0.005}
BALANCED_ITERATIONS = {"ring-8": 8000, "grid-25": 15000}


@dataclass(frozen=True)
class GANRun:
    """One shipped 2-D run: the toy (a key of ``explorer.data.toys.TOYS``), the nets
    (``GANConfig`` fields) and the training knobs (``GANTrainConfig`` fields)."""

    name: str
    toy: str
    verdict: str  # "collapsed" or "healthy": what the app labels the snapshot
    description: str
    model: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)

    @property
    def iterations(self) -> int:
        return int(self.train["n_iterations"])


GAN_RUNS: dict[str, GANRun] = {
    run.name: run
    for run in (
        GANRun(
            "gan-ring8-collapsed", "ring-8", "collapsed",
            "2-D GAN on ring-8, non-saturating with a strong D (collapses onto 1–2 modes)",
            {}, {"objective": "non-saturating", "n_iterations": 1500, **STRONG_D},
        ),
        GANRun(
            "gan-ring8-healthy", "ring-8", "healthy",
            "2-D GAN on ring-8, non-saturating, balanced players, cosine-decayed lr (8/8 modes)",
            {}, {"objective": "non-saturating", "n_iterations": 8000, **BALANCED},
        ),
        GANRun(
            "gan-grid25-collapsed", "grid-25", "collapsed",
            "2-D GAN on grid-25, non-saturating with a strong D (drops modes)",
            {}, {"objective": "non-saturating", "n_iterations": 1500, **STRONG_D},
        ),
        GANRun(
            "gan-grid25-healthy", "grid-25", "healthy",
            "2-D GAN on grid-25, non-saturating, balanced players, cosine-decayed lr",
            {}, {"objective": "non-saturating", "n_iterations": 15000, **BALANCED},
        ),
    )
}


def build_run(run: GANRun, seed: int = 0, device: str = "cpu") -> Any:
    """``(model, toy, trainer)`` of a shipped run, untrained (the app retrains from this too)."""
    from explorer.data.toys import make_toy
    from explorer.metrics.modes import mode_coverage_monitor
    from explorer.models.gan import GANConfig, GANTrainConfig, GANTrainer, build_gan

    toy = make_toy(run.toy)
    model = build_gan(GANConfig(**run.model), seed).to(resolve_device(device))
    config = GANTrainConfig(
        **run.train, iterations_per_step=ITERATIONS_PER_EPOCH, monitor_every=0
    )
    trainer = GANTrainer(
        model, toy, config, torch.Generator().manual_seed(seed),
        monitor=mode_coverage_monitor(toy),
    )
    return model, toy, trainer


def coverage_metrics(model: Any, toy: Any, seed: int) -> dict[str, float]:
    """The card's numbers: mode coverage of 2,500 samples drawn with generator seed ``seed``."""
    from explorer.metrics.modes import STANDARD_N_SAMPLES, mode_coverage

    samples = model.sample(STANDARD_N_SAMPLES, torch.Generator().manual_seed(seed)).cpu()
    coverage = mode_coverage(samples, toy.modes, toy.mode_std)
    return {
        "modes_captured": coverage.modes_captured, "n_modes": coverage.n_modes,
        "hq_fraction": coverage.hq_fraction, "reverse_kl": coverage.reverse_kl,
    }


def _runner(run: GANRun) -> Any:
    def _run(request: TrainRequest, epochs: int, callback: ProgressCallback | None) -> TrainResult:
        model, toy, trainer = build_run(run, request.seed, request.device)
        trainer.config.n_iterations = epochs * ITERATIONS_PER_EPOCH
        result = drive(trainer, epochs, callback)
        trainer.use_average()  # a run with g_ema > 0 ships G's running average of weights
        model.eval()
        metrics = coverage_metrics(model, toy, request.seed)
        return TrainResult(
            model,
            {"toy": run.toy, "modes": toy.n_modes, "mode_std": float(toy.mode_std[0]),
             "verdict": run.verdict},
            {
                "epochs": len(result.history), "iterations": trainer.iteration,
                "seed": request.seed,
                "seconds": round(result.seconds, 1), "objective": trainer.config.objective,
                "config": dataclasses.asdict(trainer.config),
                "torch_threads": torch.get_num_threads(),
            },
            round_metrics(metrics),
        )

    return _run


GAN_RECIPES: tuple[Recipe, ...] = tuple(
    Recipe(run.name, run.description, run.iterations // ITERATIONS_PER_EPOCH, _runner(run))
    for run in GAN_RUNS.values()
)
