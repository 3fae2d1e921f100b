"""Pins on the latent plane and the interpolation between the last two (Ozair & Bengio, fig. 1)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

MAX_PINS = 12
N_PATH = 10  # interpolation steps shown in each strip


@dataclass
class Pin:
    """A pinned point: its code z, its picture in pixel space, and what it is."""

    z: np.ndarray  # (2,) the code (μ of q(z|x) for a digit, or a clicked z)
    image: np.ndarray  # (784,) in [0, 1]: the test digit, the drawing, or g(z) for a clicked z
    label: str  # e.g. "test #12 (a 7)"
    source: str  # "test", "drawing" or "z": a digit is re-encoded when the model changes


def pin_letter(i: int, n: int) -> str:
    """'A' or 'B' for the interpolation's ends (the last two of ``n`` pins; a single pin is A)."""
    if i == n - 2 or (n == 1 and i == 0):
        return "A"
    return "B" if i == n - 1 else ""


def pin_names(pins: list[Pin]) -> list[str]:
    """Captions of the pinned strip: "A · test #12 (a 7)", ..."""
    n = len(pins)
    return [(f"{letter} · " if (letter := pin_letter(i, n)) else "") + pin.label
            for i, pin in enumerate(pins)]


def pins_xy(pins: list[Pin]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """x, y and the A/B letters of the pins, for the plane's star trace."""
    text = [pin_letter(i, len(pins)) for i in range(len(pins))]
    xy = np.array([pin.z for pin in pins], np.float32).reshape(-1, 2)
    return xy[:, 0], xy[:, 1], text


def path_xy(pins: list[Pin], alpha: float) -> tuple[list, list, list, list]:
    """The A → B segment and the point z_α on it, for the plane (empty with fewer than 2 pins)."""
    if len(pins) < 2:
        return [], [], [], []
    a, b = pins[-2].z, pins[-1].z
    za = (1 - alpha) * a + alpha * b
    return [float(a[0]), float(b[0])], [float(a[1]), float(b[1])], [float(za[0])], [float(za[1])]


def alphas(n: int = N_PATH) -> np.ndarray:
    """α = 0 … 1 in ``n`` even steps, (n, 1) float32."""
    return np.linspace(0.0, 1.0, n, dtype=np.float32)[:, None]


def pixel_line(a: Pin, b: Pin, alpha: np.ndarray | float) -> np.ndarray:
    """x_α = (1 − α) x_A + α x_B: the straight line between the pictures, float32."""
    alpha = np.asarray(alpha, np.float32)
    if alpha.ndim:
        return ((1 - alpha) * a.image[None] + alpha * b.image[None]).astype(np.float32)
    return ((1 - alpha) * a.image + alpha * b.image).astype(np.float32)


def latent_line(a: Pin, b: Pin, alpha: np.ndarray | float) -> np.ndarray:
    """z_α = (1 − α) z_A + α z_B: the straight line between the codes, float32 (…, 2)."""
    alpha = np.asarray(alpha, np.float32)
    if alpha.ndim:
        return ((1 - alpha) * a.z[None] + alpha * b.z[None]).astype(np.float32)
    return ((1 - alpha) * a.z + alpha * b.z).astype(np.float32)


@torch.no_grad()
def clear_ends(
    decode: Callable[[np.ndarray], np.ndarray],
    test_mu: np.ndarray,
    digit_rows: list[np.ndarray],
    classifier: Any | None,
    labels: Sequence[int],
) -> list[int]:
    """For each label, the test digit whose decoded code g(μ(x)) the classifier reads as that
    label most confidently (the first of the label without a classifier): ends that the model
    decodes as themselves."""
    ends = []
    for label in labels:
        rows = digit_rows[label]
        if not len(rows):
            continue
        if classifier is None:
            ends.append(int(rows[0]))
            continue
        decoded = torch.from_numpy(decode(test_mu[rows]) >= 0.5).float()
        digit, confidence = classifier.predict(decoded)
        score = torch.where(digit == label, confidence, torch.zeros_like(confidence))
        ends.append(int(rows[int(score.argmax())]))
    return ends
