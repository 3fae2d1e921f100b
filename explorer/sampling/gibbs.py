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
from explorer.sampling.conditional import Diagnostics, clamp_tensors


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
        n_visible = model.config.n_visible
        device, dtype = model.W.device, model.W.dtype
        self.model = model
        self.n_chains = n_chains
        self.clamp_mask, self.clamp_values = clamp_tensors(  # (K, V) bool, (K, V) {0,1}
            clamp_values, clamp_mask, n_chains, n_visible, device, dtype)
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
        self.n_steps = 0
        # The sweep's buffers: 1 on free pixels / the clamp on clamped ones, so that
        # x·free + clamped puts the clamp back bit-exactly; hidden-layer scratch space.
        self._free = (~self.clamp_mask).to(dtype)
        self._clamped = self.clamp_values * self.clamp_mask
        self._p_h_buf = torch.empty(n_chains, model.config.n_hidden, device=device, dtype=dtype)
        self._u_h = torch.empty_like(self._p_h_buf)
        self._u_v = torch.empty(n_chains, n_visible, device=device, dtype=dtype)
        self._p_h: torch.Tensor | None = None  # P(h=1|v) of the current sample, when asked

    @torch.no_grad()
    def step(self) -> torch.Tensor:
        """One block-Gibbs sweep on every chain; returns the new sample (K, V).

        The same law as :meth:`RBM.gibbs_step` (h ~ P(h | v), eq. 20.15; v ~ P(v | h), eq. 20.16;
        clamp), written for speed: each Bernoulli draw is ``rand < p`` (the same distribution
        as ``torch.bernoulli(p)``, about 4× cheaper), the hidden layer lives in preallocated
        buffers, and P(h | v) of the new sample is only computed when ``diagnostics()`` asks."""
        model, gen = self.model, self.generator
        p_h = torch.addmm(model.c, self.v, model.W, out=self._p_h_buf).sigmoid_()
        h = torch.rand(p_h.shape, generator=gen, out=self._u_h).sub_(p_h).lt_(0)  # 1.0 if u < p
        p_v = torch.addmm(model.b, h, model.W.T).sigmoid_()
        drawn = torch.rand(p_v.shape, generator=gen, out=self._u_v).sub_(p_v).lt_(0)
        self.v = torch.addcmul(self._clamped, drawn, self._free)
        self.p_v = p_v.mul_(self._free).add_(self._clamped)
        self._p_h = None
        self.n_steps += 1
        return self.v

    @property
    def p_h(self) -> torch.Tensor:
        """P(h = 1 | v) of the current sample (K, H), eq. 20.14."""
        if self._p_h is None:
            with torch.no_grad():
                self._p_h = self.model.prob_h(self.v)
        return self._p_h

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
