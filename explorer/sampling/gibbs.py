"""Clamped block-Gibbs chains on an RBM, the first :class:`ConditionalSampler` (§20.11.2).

Inpainting samples P(v_free | v_clamped): each sweep draws h ~ P(h | v) (eq. 20.15, whose
factors are P(h_j = 1 | v) = σ(c_j + vᵀW_{:,j}), eq. 20.14), then v ~ P(v | h) (eq. 20.16), and
puts the clamped pixels back to their observed values. The chain is an object with ``step()``,
so the CLI, an app's Step/Run buttons and the tests drive it alike.
"""

from __future__ import annotations

import numpy as np
import torch

from explorer.errors import ConfigError
from explorer.models.rbm import RBM
from explorer.sampling.conditional import Diagnostics


class ClampedGibbsChain:
    """``n_chains`` parallel block-Gibbs chains with the same or per-chain clamps.

    clamp_values: {0,1} (values ≥ 0.5 count as 1), (V,) or (n_chains, V); clamp_mask: bool of
    that shape, True = clamped. ``generator``: a ``torch.Generator`` on the model's device (or
    ``None``: torch's global one). Free pixels start as Bernoulli(1/2) noise (``init="noise"``)
    or 0 (``init="zeros"``).
    """

    def __init__(
        self,
        model: RBM,
        clamp_values: np.ndarray | torch.Tensor,
        clamp_mask: np.ndarray | torch.Tensor,
        n_chains: int = 8,
        generator: torch.Generator | None = None,
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
        self.generator = generator
        if init == "noise":
            start = torch.bernoulli(
                torch.full((n_chains, n_visible), 0.5, device=device, dtype=dtype),
                generator=generator,
            )
        elif init == "zeros":
            start = torch.zeros(n_chains, n_visible, device=device, dtype=dtype)
        else:
            raise ConfigError(f"init must be 'noise' or 'zeros', got {init!r}")
        self.v = torch.where(self.clamp_mask, self.clamp_values, start)  # (K, V) current sample
        self.p_v = self.v.clone()  # (K, V) P(v=1|h) of the last sweep (clamped: their value)
        self.p_h = model.prob_h(self.v)  # (K, H) P(h=1|v) of the current sample, eq. 20.14
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

    @property
    def state(self) -> torch.Tensor:
        """The current sample v (K, V) in {0, 1}."""
        return self.v

    @property
    def probabilities(self) -> torch.Tensor:
        """P(v = 1 | h) of the last sweep (K, V) (eq. 20.16); clamped pixels: their values."""
        return self.p_v

    @torch.no_grad()
    def free_energy(self) -> torch.Tensor:
        """F(v) of each chain's current sample (K,); lower = more probable under the RBM."""
        return self.model.free_energy(self.v)

    def completion(self) -> torch.Tensor:
        """The denoised read-out: P(v=1|h) ≥ 0.5 on free pixels, the clamp on clamped ones."""
        return torch.where(self.clamp_mask, self.clamp_values, (self.p_v >= 0.5).to(self.v.dtype))

    def diagnostics(self) -> Diagnostics:
        """The hidden layer P(h = 1 | v) (eq. 20.14) and the free energy F(v) of each chain."""
        return Diagnostics(
            hidden={"P(h = 1 | v)": self.p_h},
            energy=self.free_energy(),
            energy_name="Free energy F(v)",
        )
