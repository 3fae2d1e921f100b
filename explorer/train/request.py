"""What every recipe shares: the request, the result, the recipe record and the data loader."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from explorer.progress import ProgressCallback


@dataclass
class TrainRequest:
    """What the user asked for; ``None`` means the recipe's default."""

    epochs: int | None = None
    device: str = "auto"
    data: str | None = None  # path to full MNIST (IDX folder or mnist.npz); None = embedded 5k
    seed: int = 0
    out: Path | None = None  # folder for the files; None = the pretrained folder


@dataclass
class TrainResult:
    """A trained model and what its card says: data, training and metrics sections."""

    model: Any
    data: dict[str, Any]
    training: dict[str, Any]
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass
class Recipe:
    """How one shipped weights file is made: ``run(request, epochs, callback)``."""

    name: str
    description: str
    default_epochs: int
    run: Callable[[TrainRequest, int, ProgressCallback | None], TrainResult]


def mnist_tensors(
    source: str | None, split: str, device: torch.device, binarize: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(images (N, 784) on device, labels (N,) on the CPU)`` of an MNIST split."""
    from explorer.data import load_mnist

    images, labels = load_mnist(split=split, binarize=binarize, source=source)
    return torch.from_numpy(images).to(device), torch.from_numpy(labels)


def round_metrics(metrics: dict[str, float]) -> dict[str, float]:
    """Card values: plain floats, 4 decimals."""
    return {k: round(float(v), 4) for k, v in metrics.items()}
