"""Every trainer through the one contract (explorer.train.contract): drive, chunks, stop, NaN."""

from __future__ import annotations

import math

import pytest
import torch

from explorer.errors import ConfigError, TrainingDiverged
from explorer.models.classifier import (
    ClassifierConfig,
    ClassifierTrainConfig,
    ClassifierTrainer,
    DigitClassifier,
)
from explorer.models.rbm import RBM, RBMConfig, RBMTrainConfig, RBMTrainer
from explorer.models.vae import VAE, VAEConfig, VAETrainConfig, VAETrainer
from explorer.progress import ProgressEvent
from explorer.train import ChunkedTrainer, Trainer, advance, drive


def _binary(n: int, d: int, seed: int) -> torch.Tensor:
    return torch.bernoulli(torch.full((n, d), 0.3), generator=torch.Generator().manual_seed(seed))


def rbm_trainer(epochs: int = 2) -> RBMTrainer:
    model = RBM(RBMConfig(n_visible=16, n_hidden=6))
    return RBMTrainer(model, _binary(60, 16, 0), RBMTrainConfig(epochs=epochs, batch_size=20))


def classifier_trainer(epochs: int = 2, seed: int = 0) -> ClassifierTrainer:
    model = DigitClassifier(ClassifierConfig(channels1=2, channels2=2, hidden=8))
    labels = torch.arange(40) % 10
    config = ClassifierTrainConfig(epochs=epochs, batch_size=20, seed=seed)
    return ClassifierTrainer(model, _binary(40, 784, 1), labels, config)


def vae_trainer(epochs: int = 2) -> VAETrainer:
    model = VAE(VAEConfig(n_visible=784, hidden1=8, hidden2=0, latent=2))
    return VAETrainer(model, _binary(40, 784, 2), VAETrainConfig(epochs=epochs, batch_size=20))


FACTORIES = {"rbm": rbm_trainer, "classifier": classifier_trainer, "vae": vae_trainer}


@pytest.mark.parametrize("family", sorted(FACTORIES))
def test_each_trainer_runs_to_done_through_drive(family: str) -> None:
    trainer = FACTORIES[family](epochs=2)
    assert isinstance(trainer, Trainer)
    events: list[ProgressEvent] = []
    run = drive(trainer, callback=events.append)  # until the trainer's schedule is done
    assert trainer.done and trainer.epoch == 2 and not run.stopped
    assert [e.step for e in events] == [1, 2] and events[-1].total == 2
    assert len(run.history) == 2 and run.seconds > 0
    for metrics in run.history:
        assert metrics and all(isinstance(v, float) and math.isfinite(v) for v in metrics.values())
    assert events[-1].metrics == run.history[-1]


@pytest.mark.parametrize("family", sorted(FACTORIES))
def test_a_callback_returning_false_stops_the_run(family: str) -> None:
    trainer = FACTORIES[family](epochs=3)
    run = drive(trainer, 3, lambda event: False)
    assert run.stopped and len(run.history) == 1 and trainer.epoch == 1 and not trainer.done


def test_chunks_for_an_app_on_the_event_loop() -> None:
    trainer = vae_trainer(epochs=1)  # 2 batches per epoch
    assert isinstance(trainer, ChunkedTrainer)
    first = advance(trainer, batches=1)
    assert set(first) == {"reconstruction", "kl", "elbo"} and trainer.epoch == 0
    run = drive(trainer, 1, batches=1)
    assert trainer.done and len(run.history) == 1
    for whole_epochs_only in (rbm_trainer(), classifier_trainer()):
        assert not isinstance(whole_epochs_only, ChunkedTrainer)
        with pytest.raises(ConfigError, match="trains whole epochs only"):
            advance(whole_epochs_only, batches=5)


def test_classifier_nan_raises_training_diverged() -> None:
    trainer = classifier_trainer()
    with torch.no_grad():
        trainer.model.fc2.bias.fill_(float("nan"))
    with pytest.raises(TrainingDiverged, match=r"Classifier training diverged at epoch 1, "
                       r"batch 1: loss is nan; lower the lr"):
        drive(trainer, 1)


def test_rbm_nan_raises_training_diverged_through_drive() -> None:
    trainer = rbm_trainer()
    trainer.model.b.fill_(float("nan"))
    with pytest.raises(TrainingDiverged, match=r"RBM training diverged at the start of epoch 1: "
                       r"weight sum of b is nan"):
        drive(trainer, 1)


class _Forgetful:
    """A trainer that does not check its own numbers: drive() still must."""

    def __init__(self) -> None:
        self.epoch = 0

    @property
    def done(self) -> bool:
        return self.epoch >= 5

    def step(self) -> dict[str, float]:
        self.epoch += 1
        return {"loss": 1.0 if self.epoch < 3 else float("inf")}


def test_drive_catches_what_a_trainer_misses() -> None:
    trainer = _Forgetful()
    assert isinstance(trainer, Trainer)
    with pytest.raises(TrainingDiverged, match="_Forgetful training diverged at epoch 3: loss is"):
        drive(trainer)


def test_classifier_training_repeats_and_leaves_the_global_rng_alone() -> None:
    """Dropout masks come from the trainer's own copy of the global state (seeded once)."""
    a, b = classifier_trainer(seed=4), classifier_trainer(seed=4)
    for trainer in (a, b):
        with torch.no_grad():  # same start: the same weights for both
            for p in trainer.model.parameters():
                p.copy_(torch.linspace(-0.1, 0.1, p.numel()).reshape(p.shape))
    torch.manual_seed(123)  # someone else uses the global generator between the two runs
    first = drive(a, 2).history
    torch.manual_seed(999)
    second = drive(b, 2).history
    assert first == second
    trainer = classifier_trainer(seed=4)  # (building a model draws its initial weights)
    torch.manual_seed(0)
    state = torch.get_rng_state()
    drive(trainer, 1)
    assert torch.equal(torch.get_rng_state(), state)  # training moved no global stream
