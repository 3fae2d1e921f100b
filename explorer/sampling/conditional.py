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

import torch


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
