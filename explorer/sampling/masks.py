"""Clamp masks over a 28×28 digit: True = clamped (observed, never resampled)."""

from __future__ import annotations

import numpy as np

from explorer.errors import ConfigError

SIDE = 28
MASK_NAMES = ("left-half", "right-half", "top-half", "bottom-half", "random-50", "box", "none")


def make_mask(name: str, seed: int = 0) -> np.ndarray:
    """A (784,) bool mask by name; ``random-50`` clamps a seeded random half of the pixels,
    ``box`` clamps everything but a central 14×14 box, ``none`` clamps nothing."""
    grid = np.zeros((SIDE, SIDE), dtype=bool)
    half = SIDE // 2
    if name == "left-half":
        grid[:, :half] = True
    elif name == "right-half":
        grid[:, half:] = True
    elif name == "top-half":
        grid[:half, :] = True
    elif name == "bottom-half":
        grid[half:, :] = True
    elif name == "random-50":
        flat = np.zeros(SIDE * SIDE, dtype=bool)
        flat[np.random.default_rng(seed).permutation(SIDE * SIDE)[: SIDE * SIDE // 2]] = True
        return flat
    elif name == "box":
        grid[:, :] = True
        grid[7:21, 7:21] = False
    elif name != "none":
        raise ConfigError(f"unknown mask {name!r}; choose one of: {', '.join(MASK_NAMES)}")
    return grid.reshape(-1)
