"""Digit input shared by the apps that take a digit: the test digits, and (next) the composite
of canvas + mask tools + presets + test-digit loader."""

from __future__ import annotations

import numpy as np

from explorer.errors import ExplorerError
from explorer.views.status import StatusLine


def load_test_digits(status: StatusLine) -> tuple[np.ndarray, np.ndarray]:
    """The binarized test split ``(images (N, 784), labels (N,))`` for an app.

    If it cannot be read, ``status`` says why and one blank digit stands in, so the app still
    opens instead of dying.
    """
    from explorer.data import load_mnist

    try:
        return load_mnist("test", binarize=True)
    except ExplorerError as exc:
        status.error(f"Could not load the test digits: {exc}")
        return np.zeros((1, 784), np.float32), np.zeros(1, np.int64)
