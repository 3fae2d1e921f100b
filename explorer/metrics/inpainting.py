"""Inpainting quality: how often the classifier reads a completion as the true digit."""

from __future__ import annotations

import numpy as np
import torch

from explorer.sampling.consensus import consensus
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
    consensus_of: int = 1,
) -> float:
    """Fraction of completions (mask clamped to the digit, the rest sampled by the chain)
    that the classifier assigns to the digit's true label.

    ``consensus_of`` = K > 1: K chains per digit (as the app's rows), and the completion read is
    the digit's consensus chain (:func:`explorer.sampling.consensus.consensus`), chosen from the
    K completions alone."""
    mask = make_mask(mask_name, seed)
    originals = np.repeat(np.asarray(images), consensus_of, axis=0)
    completions = torch.from_numpy(
        inpaint(model, originals, mask, n_steps=n_steps, seed=seed).astype(np.float32))
    if consensus_of > 1:
        completions = consensus(completions.reshape(len(images), consensus_of, -1),
                                torch.from_numpy(~np.asarray(mask, dtype=bool)))
    digit, _ = classifier.predict(completions.to(next(classifier.parameters()).device))
    return float((digit.cpu().numpy() == np.asarray(labels)).mean())
