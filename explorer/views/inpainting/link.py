"""Deep link of the inpainting app:
``inpainting.ipynb?model=rbm-mnist&digit=13&mask=right-half``."""

from __future__ import annotations

from typing import Any

import numpy as np

from explorer.sampling import make_mask
from explorer.views.digit_input import PRESETS

MASKS = [name for _label, name in PRESETS if name != "random-50"] + ["random-50"]


def apply_link(app: Any, params: dict[str, str]) -> list[str]:
    """Apply ``model``, ``digit``, ``mask`` from a link; return a line per unusable value."""
    problems = []
    for key in sorted(set(params) - {"model", "digit", "mask"}):
        problems.append(f"unknown setting {key!r}")
    model = params.get("model")
    if model is not None:
        if model in app.model_choice.options:
            app.model_choice.value = model
        else:
            problems.append(f"model {model!r} is not one of {', '.join(app.model_choice.options)}")
    digit = params.get("digit")
    if digit is not None:
        n = len(app.digit_input.test_images) if hasattr(app.digit_input, "test_images") else None
        if digit.isdigit() and (n is None or int(digit) < n):
            app.digit_input.load_test_digit(int(digit))
        else:
            problems.append(f"digit {digit!r} is not a test digit number"
                            + (f" (0 to {n - 1})" if n else ""))
    mask = params.get("mask")
    if mask is not None:
        if mask in MASKS:
            app.digit_input.apply_preset(mask)
        else:
            problems.append(f"mask {mask!r} is not one of {', '.join(MASKS)}")
    return problems


def link_state(app: Any) -> dict[str, object]:
    """The current model, test digit (if one is loaded) and mask (if it is a preset)."""
    state: dict[str, object] = {"model": app.model_choice.value,
                                "digit": app.digit_input.digit_index}
    current = np.asarray(app.digit_input.clamp_mask).reshape(-1).astype(bool)
    for name in MASKS[:-1]:
        if np.array_equal(np.asarray(make_mask(name)).reshape(-1).astype(bool), current):
            state["mask"] = name
            break
    return state
