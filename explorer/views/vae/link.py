"""Deep link of the VAE app: ``vae_manifold.ipynb?z=0.5,-1`` pins the code z and shows g(z)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

Z_LIMIT = 4.0  # |z_i| beyond this is far outside the prior N(0, I); the plane does not show it


def parse_z(value: str) -> np.ndarray | None:
    """``"0.5,-1"`` -> array([0.5, -1.0]); ``None`` unless two finite numbers within ±Z_LIMIT."""
    parts = value.split(",")
    if len(parts) != 2:
        return None
    try:
        z = [float(p) for p in parts]
    except ValueError:
        return None
    if not all(math.isfinite(v) and abs(v) <= Z_LIMIT for v in z):
        return None
    return np.array(z)


def apply_link(app: Any, params: dict[str, str]) -> list[str]:
    problems = [f"unknown setting {key!r}" for key in sorted(set(params) - {"z"})]
    if "z" in params:
        z = parse_z(params["z"])
        if z is None:
            problems.append(f"z={params['z']!r} is not two numbers between −{Z_LIMIT:g} and "
                            f"{Z_LIMIT:g}, like z=0.5,-1")
        elif getattr(app, "built", True):
            app.pin_z(z)
            app.show_decoded(z)
    return problems


def link_state(app: Any) -> dict[str, object]:
    """The last pinned code, rounded to what a link needs."""
    if not app.pins:
        return {}
    z = np.asarray(app.pins[-1].z, dtype=float)
    return {"z": f"{z[0]:.3g},{z[1]:.3g}"}
