"""A small convolutional MNIST classifier, used to say which digit a sample or completion became.

p(y | x) = softmax(f(x)), f a two-layer CNN; trained by cross-entropy on binarized digits with
small random shifts and pixel flips, so it also reads noisy model samples fairly.
Input (B, 784) in [0, 1]; output logits (B, 10).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as nnf
from torch import nn

from explorer.errors import ConfigError
from explorer.models.base import CLASSIFY, ExplorerModel, GlobalRNGState, ensure_finite


@dataclass
class ClassifierConfig:
    channels1: int = 16  # filters of the first 5×5 convolution
    channels2: int = 32  # filters of the second 5×5 convolution
    hidden: int = 128  # units of the fully connected layer
    dropout: float = 0.3  # dropout before the last layer

    def validate(self) -> None:
        for name in ("channels1", "channels2", "hidden"):
            if not 1 <= getattr(self, name) <= 4096:
                raise ConfigError(f"ClassifierConfig.{name} must be in 1..4096")
        if not 0 <= self.dropout < 1:
            raise ConfigError("ClassifierConfig.dropout must be in [0, 1)")


class DigitClassifier(ExplorerModel):
    kind = "classifier"
    config_class = ClassifierConfig
    capabilities = frozenset({CLASSIFY})

    def __init__(self, config: ClassifierConfig) -> None:
        super().__init__(config)
        self.conv1 = nn.Conv2d(1, config.channels1, 5, padding=2)  # (B, C1, 28, 28)
        self.conv2 = nn.Conv2d(config.channels1, config.channels2, 5, padding=2)  # (B, C2, 14, 14)
        self.fc1 = nn.Linear(config.channels2 * 7 * 7, config.hidden)
        self.fc2 = nn.Linear(config.hidden, 10)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, 10) for images (B, 784) in [0, 1]."""
        x = x.reshape(-1, 1, 28, 28)
        x = nnf.max_pool2d(nnf.relu(self.conv1(x)), 2)  # (B, C1, 14, 14)
        x = nnf.max_pool2d(nnf.relu(self.conv2(x)), 2)  # (B, C2, 7, 7)
        x = self.dropout(nnf.relu(self.fc1(x.flatten(1))))
        return self.fc2(x)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(digit, confidence)`` per image: argmax of p(y|x) and its probability."""
        was_training = self.training
        self.eval()
        probs = torch.softmax(self(x), dim=1)
        self.train(was_training)
        confidence, digit = probs.max(dim=1)
        return digit, confidence


def augment(x: torch.Tensor, generator: torch.Generator, flip_p: float = 0.03) -> torch.Tensor:
    """Random shifts of up to 2 pixels and random pixel flips. (B, 784) -> (B, 784)."""
    images = x.reshape(-1, 28, 28)
    dx, dy = torch.randint(-2, 3, (2,), generator=generator).tolist()
    images = torch.roll(images, shifts=(dy, dx), dims=(1, 2))
    flips = torch.rand(images.shape, generator=generator) < flip_p
    images = torch.where(flips, 1 - images, images)
    return images.reshape(-1, 784)


@dataclass
class ClassifierTrainConfig:
    epochs: int = 25  # passes over the training set
    batch_size: int = 64
    lr: float = 2e-3  # Adam learning rate, cosine-decayed
    seed: int = 0

    def validate(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or not 0 < self.lr < 1:
            raise ConfigError("epochs and batch_size must be ≥ 1 and lr in (0, 1)")


class ClassifierTrainer:
    """Cross-entropy training with Adam; one epoch per ``step()`` (the trainer contract of
    :mod:`explorer.train.contract`). A non-finite loss raises :class:`TrainingDiverged`.

    Shifts and flips come from the trainer's seeded generator; dropout masks (``nn.Dropout``
    takes no generator) from a private copy of the global random state seeded with the same
    seed, swapped in around each epoch, so runs repeat without seeding torch globally."""

    def __init__(
        self, model: DigitClassifier, images: torch.Tensor, labels: torch.Tensor,
        config: ClassifierTrainConfig,
    ) -> None:
        config.validate()
        self.model, self.config = model, config
        self.device = next(model.parameters()).device
        self.images, self.labels = images, labels
        self.generator = torch.Generator().manual_seed(config.seed)
        self.dropout_rng = GlobalRNGState(config.seed, self.device)
        self.optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
        self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(self.optimizer, config.epochs)
        self.epoch = 0

    @property
    def done(self) -> bool:
        return self.epoch >= self.config.epochs

    def step(self) -> dict[str, float]:
        """One epoch; returns its mean cross-entropy ``loss`` and training accuracy."""
        with self.dropout_rng.active():
            return self._epoch()

    def _epoch(self) -> dict[str, float]:
        self.model.train()
        order = torch.randperm(len(self.images), generator=self.generator)
        total, correct = 0.0, 0
        for batch, start in enumerate(range(0, len(order), self.config.batch_size), start=1):
            idx = order[start : start + self.config.batch_size]
            x = augment(self.images[idx], self.generator).to(self.device)
            y = self.labels[idx].to(self.device)
            logits = self.model(x)
            loss = nnf.cross_entropy(logits, y)
            loss_value = loss.item()
            ensure_finite(
                {"loss": loss_value}, "Classifier", f"epoch {self.epoch + 1}, batch {batch}",
                f"lower the lr (now {self.config.lr:g})",
            )
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            total += loss_value * len(idx)
            correct += int((logits.argmax(1) == y).sum())
        self.scheduler.step()
        self.epoch += 1
        self.model.eval()
        return {"loss": total / len(self.images), "train_acc": correct / len(self.images)}


@torch.no_grad()
def accuracy(model: DigitClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of images whose predicted digit is the label."""
    digit, _ = model.predict(images)
    return float((digit.cpu() == labels.cpu()).float().mean())
