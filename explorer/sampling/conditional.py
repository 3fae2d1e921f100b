"""The conditional-sampler contract: every clamped chain that inpaints (§20.11.2) looks alike.

A conditional sampler draws from P(v_free | v_clamped) for ``n_chains`` parallel chains. It is
built as ``Sampler(model, clamp_values, clamp_mask, n_chains, generator)`` — the clamp is
(V,) or (n_chains, V); ``generator`` is a ``torch.Generator`` on the model's device, or ``None``
for torch's global generator — and it offers:

- ``step()``: one transition of every chain; returns the new state (K, V);
- ``state``: the current state (K, V), clamped pixels equal to their values;
- ``probabilities``: the per-pixel probabilities P(v_i = 1 | ...) to draw (K, V) in [0, 1]
  (clamped pixels: their values);
- ``completion()``: the read-out (K, V) in {0, 1} (clamped pixels: their values);
- ``n_steps``, ``n_chains``, ``clamp_mask`` (K, V) bool and ``clamp_values`` (K, V) {0, 1};
- ``diagnostics()``: a :class:`Diagnostics` whose parts are present only where the model has
  them (hidden activations per layer, an energy per chain); a view shows what is present.

Implementations register in :mod:`explorer.sampling.registry` (model class -> sampler class).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch

from explorer.errors import ConfigError


@dataclass(frozen=True)
class Diagnostics:
    """What a sampler can show besides the pixels; empty parts mean "this model has none".

    hidden: layer label -> (K, H_l) activations in [0, 1] of the current state, in layer order
        (e.g. ``{"P(h = 1 | v)": ...}`` for an RBM, one entry per layer for a DBM).
    energy: (K,) an energy of each chain's current state (lower = more probable), or ``None``.
    energy_name: what ``energy`` is, for a chart title (e.g. "Free energy F(v)").
    images: label -> (K, V) pixel-space intermediates in [0, 1] of the last step, shown as digits
        (e.g. a DAE's corrupted x̃ and its reconstruction); empty when the model has none.
    """

    hidden: dict[str, torch.Tensor] = field(default_factory=dict)
    energy: torch.Tensor | None = None
    energy_name: str = ""
    images: dict[str, torch.Tensor] = field(default_factory=dict)


@runtime_checkable
class ConditionalSampler(Protocol):
    """``n_chains`` chains sampling the free pixels given the clamped ones (see module doc)."""

    n_chains: int
    n_steps: int
    clamp_mask: torch.Tensor
    clamp_values: torch.Tensor

    def __init__(
        self,
        model: Any,
        clamp_values: Any,
        clamp_mask: Any,
        n_chains: int = 8,
        generator: torch.Generator | None = None,
    ) -> None: ...

    def step(self) -> torch.Tensor: ...

    @property
    def state(self) -> torch.Tensor: ...

    @property
    def probabilities(self) -> torch.Tensor: ...

    def completion(self) -> torch.Tensor: ...

    def diagnostics(self) -> Diagnostics: ...


def clamp_tensors(
    clamp_values: Any,
    clamp_mask: Any,
    n_chains: int,
    n_visible: int,
    device: torch.device | str,
    dtype: torch.dtype = torch.float32,
    *,
    binary: bool = True,
    max_chains: int = 10_000,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A sampler's clamp, checked and broadcast to its chains: ``(mask (K, V), values (K, V))``.

    ``clamp_values`` and ``clamp_mask`` are (V,) or (K, V), numpy or torch; a binary model's
    values count as 1 when ≥ 0.5. Every sampler builds its clamp here, so they all refuse a bad
    clamp or chain count with the same message.
    """
    if not isinstance(n_chains, int) or not 1 <= n_chains <= max_chains:
        raise ConfigError(f"n_chains must be in 1..{max_chains}, got {n_chains!r}")

    def tensor(x: Any, kind: Any) -> torch.Tensor:
        return x if torch.is_tensor(x) else torch.as_tensor(np.array(x, dtype=kind))

    mask = tensor(clamp_mask, bool).to(device, torch.bool)
    values = tensor(clamp_values, np.float32).to(device, dtype)
    if mask.shape[-1] != n_visible or values.shape[-1] != n_visible:
        raise ConfigError(f"clamp mask/values must have {n_visible} units, got "
                          f"{tuple(mask.shape)} and {tuple(values.shape)}")
    values = values.expand(n_chains, n_visible).clone()
    return (mask.expand(n_chains, n_visible).clone(),
            (values >= 0.5).to(dtype) if binary else values)
