"""Clamped chains on a deep Boltzmann machine (§20.4, §20.11.2): Gibbs or mean field.

``mode="gibbs"`` samples P(v_free | v_clamped): each step draws the odd layer
h¹ ~ P(h¹ | v, h²), then both even layers v ~ P(v | h¹) and h² ~ P(h² | h¹) (independent given
h¹, fig. 20.2), and puts the clamped pixels back. ``mode="mean-field"`` replaces every draw by
its probability — a block coordinate ascent of the variational bound over a factorial Q(v_free,
h¹, h²) (eqs. 20.33–20.34 for the hidden layers, the same update for the free pixels) — so the
chain settles on one completion; its "energy" is the variational free energy −(E_Q[−E] + H(Q)),
which never increases. Implements the conditional-sampler contract
(:mod:`explorer.sampling.conditional`).
"""

from __future__ import annotations

import numpy as np
import torch

from explorer.errors import ConfigError
from explorer.models.dbm import DBM, bernoulli, bernoulli_entropy
from explorer.sampling.conditional import Diagnostics, clamp_tensors

MODES = ("gibbs", "mean-field")


class ClampedDBMChain:
    """``n_chains`` DBM chains with the same or per-chain clamps (a ConditionalSampler).

    clamp_values: {0,1} (≥ 0.5 counts as 1), (V,) or (n_chains, V); clamp_mask: bool of that
    shape, True = clamped. Free pixels start as coin flips; h² starts at a draw from its
    mean-field posterior given that start (its mean in mean-field mode)."""

    def __init__(
        self,
        model: DBM,
        clamp_values: np.ndarray | torch.Tensor,
        clamp_mask: np.ndarray | torch.Tensor,
        n_chains: int = 8,
        generator: torch.Generator | None = None,
        mode: str = "gibbs",
    ) -> None:
        if mode not in MODES:
            raise ConfigError(f"mode must be one of {MODES}, got {mode!r}")
        n_visible = model.config.n_visible
        device, dtype = model.device, model.W1.dtype
        self.model, self.mode, self.generator = model, mode, generator
        self.n_chains = n_chains
        self.clamp_mask, self.clamp_values = clamp_tensors(
            clamp_values, clamp_mask, n_chains, n_visible, device, dtype)
        with torch.no_grad():
            start = bernoulli(torch.full((n_chains, n_visible), 0.5, device=device, dtype=dtype),
                               generator)
            self.v = torch.where(self.clamp_mask, self.clamp_values, start)  # (K, V)
            self.p_h1, p_h2 = model.mean_field(self.v, 2)
            self.h2 = p_h2 if mode == "mean-field" else bernoulli(p_h2, generator)
            self.p_h2 = p_h2
        self.p_v = self.v.clone()
        self.n_steps = 0

    @torch.no_grad()
    def step(self) -> torch.Tensor:
        """One sweep (odd layer, then both even layers) on every chain; returns v (K, V)."""
        model = self.model
        if self.mode == "gibbs":
            self.v, h1, self.h2, self.p_v, self.p_h1 = model.gibbs_step(
                self.v, self.h2, self.generator, self.clamp_mask, self.clamp_values)
            self.p_h2 = model.prob_h2(h1)  # P(h² = 1 | the drawn h¹)
        else:
            self.p_h1 = model.prob_h1(self.v, self.h2)  # eq. 20.33
            self.p_v = torch.where(self.clamp_mask, self.clamp_values, model.prob_v(self.p_h1))
            self.h2 = self.p_h2 = model.prob_h2(self.p_h1)  # eq. 20.34
            self.v = self.p_v
        self.n_steps += 1
        return self.v

    def run(self, n_steps: int) -> torch.Tensor:
        for _ in range(n_steps):
            self.step()
        return self.v

    @property
    def state(self) -> torch.Tensor:
        """The current v (K, V): a {0,1} sample (Gibbs) or the mean-field means."""
        return self.v

    @property
    def probabilities(self) -> torch.Tensor:
        """P(v = 1 | h¹) of the last sweep (K, V); clamped pixels: their values."""
        return self.p_v

    def completion(self) -> torch.Tensor:
        """P(v = 1 | h¹) ≥ 0.5 on free pixels, the clamp on clamped ones (K, V) in {0, 1}."""
        return torch.where(self.clamp_mask, self.clamp_values, (self.p_v >= 0.5).to(self.v.dtype))

    @torch.no_grad()
    def energy(self) -> torch.Tensor:
        """Gibbs: the free energy F(v, h²) with h¹ summed out. Mean field: the variational free
        energy −(E_Q[−E(v, h¹, h²)] + H(Q)) of the factorial Q (entropy of free pixels and of
        both hidden layers). (K,)."""
        model = self.model
        if self.mode == "gibbs":
            return model.free_energy_v_h2(self.v, self.h2)
        free_entropy = (bernoulli_entropy(self.v) * (~self.clamp_mask)).sum(1)
        return -(model.elbo_unnormalized(self.v, self.p_h1, self.p_h2) + free_entropy)

    def diagnostics(self) -> Diagnostics:
        """Both hidden layers (K, H1) and (K, H2), and :meth:`energy`."""
        if self.mode == "gibbs":
            hidden = {"P(h¹ = 1 | v, h²)": self.p_h1, "P(h² = 1 | h¹)": self.p_h2}
            name = "Free energy F(v, h²)"
        else:
            hidden = {"ĥ¹ (eq. 20.33)": self.p_h1, "ĥ² (eq. 20.34)": self.p_h2}
            name = "Variational free energy −L(Q)"
        return Diagnostics(hidden=hidden, energy=self.energy(), energy_name=name)


class MeanFieldDBMChain(ClampedDBMChain):
    """:class:`ClampedDBMChain` in mean-field mode (the contract's constructor has no mode)."""

    def __init__(self, model: DBM, clamp_values, clamp_mask, n_chains: int = 8,
                 generator: torch.Generator | None = None) -> None:
        super().__init__(model, clamp_values, clamp_mask, n_chains, generator, mode="mean-field")
