"""Clamped block-Gibbs chains on an RBM, as a steppable object (§20.11.2, fig. 20.12).

Inpainting samples P(v_free | v_clamped): each sweep draws h ~ P(h | v) (eq. 20.15), then
v ~ P(v | h) (eq. 20.16) and puts the clamped pixels back to their observed values. The chain
is an object with ``step()``, so the CLI, an app's Step/Run buttons and the tests drive it alike.
"""

from __future__ import annotations

import numpy as np
import torch

from explorer.errors import ConfigError
from explorer.models.rbm import RBM


class ClampedGibbsChain:
    """``n_chains`` parallel block-Gibbs chains with the same or per-chain clamps.

    clamp_mask: bool (V,) or (n_chains, V), True = clamped; clamp_values: {0,1} of that shape.
    Free pixels start as Bernoulli(1/2) noise (``init="noise"``) or 0 (``init="zeros"``).
    """

    def __init__(
        self,
        model: RBM,
        clamp_mask: np.ndarray | torch.Tensor,
        clamp_values: np.ndarray | torch.Tensor,
        n_chains: int = 8,
        seed: int = 0,
        init: str = "noise",
    ) -> None:
        if not 1 <= n_chains <= 10_000:
            raise ConfigError(f"n_chains must be in 1..10000, got {n_chains}")
        n_visible = model.config.n_visible
        device, dtype = model.W.device, model.W.dtype
        mask = torch.as_tensor(np.array(clamp_mask, dtype=bool), device=device)
        values = torch.as_tensor(np.array(clamp_values, dtype=np.float32), device=device).to(dtype)
        if mask.shape[-1] != n_visible or values.shape[-1] != n_visible:
            raise ConfigError(
                f"clamp mask/values must have {n_visible} pixels, got {tuple(mask.shape)} "
                f"and {tuple(values.shape)}"
            )
        self.model = model
        self.n_chains = n_chains
        self.clamp_mask = mask.expand(n_chains, n_visible).clone()  # (K, V) bool
        self.clamp_values = (values.expand(n_chains, n_visible) >= 0.5).to(dtype)  # (K, V) {0,1}
        self.generator = torch.Generator(device=device).manual_seed(seed)
        if init == "noise":
            start = torch.bernoulli(
                torch.full((n_chains, n_visible), 0.5, device=device, dtype=dtype),
                generator=self.generator,
            )
        elif init == "zeros":
            start = torch.zeros(n_chains, n_visible, device=device, dtype=dtype)
        else:
            raise ConfigError(f"init must be 'noise' or 'zeros', got {init!r}")
        self.v = torch.where(self.clamp_mask, self.clamp_values, start)  # (K, V) current sample
        self.p_v = self.v.clone()  # (K, V) P(v=1|h) of the last sweep (clamped: their value)
        self.p_h = model.prob_h(self.v)  # (K, H) P(h=1|v) of the current sample
        self.n_steps = 0

    @torch.no_grad()
    def step(self) -> torch.Tensor:
        """One block-Gibbs sweep on every chain; returns the new sample (K, V)."""
        self.v, _, self.p_v = self.model.gibbs_step(
            self.v, self.clamp_mask, self.clamp_values, generator=self.generator
        )
        self.p_h = self.model.prob_h(self.v)
        self.n_steps += 1
        return self.v

    def run(self, n_steps: int) -> torch.Tensor:
        for _ in range(n_steps):
            self.step()
        return self.v

    @torch.no_grad()
    def free_energy(self) -> torch.Tensor:
        """F(v) of each chain's current sample (K,); lower = more probable under the RBM."""
        return self.model.free_energy(self.v)

    def completion(self) -> torch.Tensor:
        """The denoised read-out: P(v=1|h) ≥ 0.5 on free pixels, the clamp on clamped ones."""
        return torch.where(self.clamp_mask, self.clamp_values, (self.p_v >= 0.5).to(self.v.dtype))


def inpaint(
    model: RBM,
    originals: np.ndarray,
    mask: np.ndarray,
    n_steps: int = 200,
    seed: int = 0,
) -> np.ndarray:
    """Complete each original (N, V) from its clamped pixels (mask (V,) or (N, V)).

    Returns the completions (N, V) uint8 in {0,1}; clamped pixels equal the originals.
    """
    originals = (np.asarray(originals) >= 0.5).astype(np.float32)
    chain = ClampedGibbsChain(
        model, np.broadcast_to(mask, originals.shape), originals, n_chains=len(originals), seed=seed
    )
    chain.run(n_steps)
    return chain.completion().cpu().numpy().astype(np.uint8)
