"""Several models inpaint the same digit side by side: one row of chains per model (§20.11.2).

:class:`CompareRows` holds one conditional sampler per model (any registered one: RBM, DBM, DAE,
NADE, ...), all clamped to the same pixels, steps them together, and reads every completion with
one batched classifier call (:meth:`CompareRows.readings`). The compare-all view and the
benchmark both drive it; the view only draws what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from explorer.sampling.conditional import ConditionalSampler
from explorer.sampling.consensus import consensus_index
from explorer.sampling.inpaint import model_device
from explorer.sampling.registry import conditional_sampler


@dataclass(frozen=True)
class RowReading:
    """The classifier on one row's completions: digits (K,), confidence (K,), the fraction of
    chains read as ``label`` (``None`` when the digit has no known label), and ``consensus``: the
    index of the chain whose completion is nearest the others on the free pixels
    (:func:`explorer.sampling.consensus.consensus_index`; ``None`` if not computed)."""

    digits: np.ndarray
    confidence: np.ndarray
    agreement: float | None
    consensus: int | None = None


def agreement(digits: np.ndarray, label: int | None) -> float | None:
    """Fraction of ``digits`` equal to ``label``; ``None`` without a label or without digits."""
    digits = np.asarray(digits)
    if label is None or digits.size == 0:
        return None
    return float((digits == int(label)).mean())


class CompareRows:
    """One sampler of ``n_chains`` chains per model, clamped alike; ``models`` maps a row name
    to a model. Seeded: row ``i`` draws from a generator seeded with ``seed + i`` (reset with
    :meth:`restart`, which takes a new seed)."""

    def __init__(self, models: dict[str, Any], clamp_values: np.ndarray, clamp_mask: np.ndarray,
                 n_chains: int = 8, seed: int = 0) -> None:
        self.models = dict(models)
        self.n_chains = n_chains
        self.samplers: dict[str, ConditionalSampler] = {}
        self.restart(clamp_values, clamp_mask, seed)

    def restart(self, clamp_values: np.ndarray, clamp_mask: np.ndarray, seed: int = 0) -> None:
        """New chains for every row, clamped to ``clamp_values`` where ``clamp_mask``."""
        values = (np.asarray(clamp_values) >= 0.5).astype(np.float32)
        mask = np.asarray(clamp_mask, dtype=bool)
        self.samplers = {}
        for i, (name, model) in enumerate(self.models.items()):
            generator = torch.Generator(device=model_device(model)).manual_seed(seed + i)
            self.samplers[name] = conditional_sampler(model, values, mask, self.n_chains,
                                                      generator)

    @property
    def n_steps(self) -> int:
        return min((s.n_steps for s in self.samplers.values()), default=0)

    def step(self) -> None:
        """One step of every chain of every row."""
        for sampler in self.samplers.values():
            sampler.step()

    @torch.no_grad()
    def readings(self, classifier: Any, label: int | None = None) -> dict[str, RowReading]:
        """The classifier's digit and confidence for every completion, one batched call, and
        each row's consensus chain (the model's own completions only; no classifier)."""
        if not self.samplers:
            return {}
        per_row = [s.completion().float().cpu() for s in self.samplers.values()]
        chosen = [int(consensus_index(c, ~s.clamp_mask.cpu()))
                  for c, s in zip(per_row, self.samplers.values(), strict=True)]
        completions = torch.cat(per_row)
        digits, confidence = classifier.predict(completions.to(model_device(classifier)))
        digits, confidence = digits.cpu().numpy(), confidence.cpu().numpy()
        out = {}
        for i, name in enumerate(self.samplers):
            rows = slice(i * self.n_chains, (i + 1) * self.n_chains)
            out[name] = RowReading(digits[rows], confidence[rows], agreement(digits[rows], label),
                                   chosen[i])
        return out
