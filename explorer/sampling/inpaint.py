"""Inpaint a batch of digits with whatever conditional sampler the model offers (§20.11.2)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from explorer.sampling.registry import conditional_sampler


def model_device(model: Any) -> torch.device:
    """The device of a model's first parameter (CPU for a model without parameters)."""
    parameter = next(iter(model.parameters()), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def inpaint(
    model: Any,
    originals: np.ndarray,
    mask: np.ndarray,
    n_steps: int = 200,
    seed: int = 0,
    progress: Any = None,
) -> np.ndarray:
    """Complete each original (N, V) from its clamped pixels (mask (V,) or (N, V)).

    One chain per original, ``n_steps`` transitions of the model's conditional sampler, seeded by
    ``seed``; ``progress(k)`` (if given) is called after each step. Returns the completions (N, V)
    uint8 in {0,1}; clamped pixels equal the originals.
    """
    originals = (np.asarray(originals) >= 0.5).astype(np.float32)
    generator = torch.Generator(device=model_device(model)).manual_seed(seed)
    chain = conditional_sampler(
        model, originals, np.broadcast_to(mask, originals.shape), len(originals), generator
    )
    for k in range(n_steps):
        chain.step()
        if progress is not None:
            progress(k + 1)
    return chain.completion().cpu().numpy().astype(np.uint8)
