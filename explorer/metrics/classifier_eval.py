"""Test-set metric of the digit classifier: ``explorer eval classifier-mnist`` and its card."""

from __future__ import annotations

import torch


def classifier_metrics(model, images: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
    """``test_accuracy``: the fraction of ``images`` whose predicted digit is the label."""
    from explorer.models.classifier import accuracy

    return {"test_accuracy": accuracy(model, images, labels)}


def evaluate_classifier(model, source: str | None, seed: int) -> dict[str, float]:
    """:func:`classifier_metrics` on the test split (deterministic: ``seed`` is unused)."""
    from explorer.data import load_mnist

    images, labels = load_mnist("test", binarize=True, source=source)
    x = torch.from_numpy(images).to(next(model.parameters()).device)
    return classifier_metrics(model, x, torch.from_numpy(labels))
