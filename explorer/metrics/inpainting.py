"""Inpainting quality: how often the classifier reads a completion as the true digit."""

from __future__ import annotations

import numpy as np
import torch

from explorer.sampling.inpaint import inpaint
from explorer.sampling.masks import make_mask


def inpainting_agreement(
    model,
    classifier,
    images: np.ndarray,
    labels: np.ndarray,
    mask_name: str = "right-half",
    n_steps: int = 200,
    seed: int = 0,
) -> float:
    """Fraction of completions (mask clamped to the digit, the rest sampled by the chain)
    that the classifier assigns to the digit's true label."""
    completions = inpaint(model, images, make_mask(mask_name, seed), n_steps=n_steps, seed=seed)
    x = torch.from_numpy(completions.astype(np.float32)).to(next(classifier.parameters()).device)
    digit, _ = classifier.predict(x)
    return float((digit.cpu().numpy() == np.asarray(labels)).mean())
