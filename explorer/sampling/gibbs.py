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
        v = torch.where(self.clamp_mask, self.clamp_values, start)  # (K, V)
        self._v, self._p_v = v, v.clone()  # (K, V) sample, P(v = 1 | h) (clamped: their values)
        self.n_steps = 0
        # The sweep's buffers: 1 on free pixels / the clamp on clamped ones (0 elsewhere), and
        # hidden-layer scratch space.
        self._free = (~self.clamp_mask).to(dtype)
        self._clamped = self.clamp_values * self.clamp_mask
        self._p_h_buf = torch.empty(n_chains, model.config.n_hidden, device=device, dtype=dtype)
        self._u_h = torch.empty_like(self._p_h_buf)
        self._p_h: torch.Tensor | None = None  # P(h=1|v) of the current sample, when asked
        # One mask for every chain (the usual case): the sweep works on the free pixels only.
        mask = self.clamp_mask
        shared = bool(mask.any()) and bool((~mask).any()) and bool((mask == mask[:1]).all())
        self._free_idx = torch.nonzero(~mask[0]).squeeze(1) if shared else None
        self._weights_key: tuple[int, ...] | None = None
        if self._free_idx is None:
            self._u_v = torch.empty(n_chains, n_visible, device=device, dtype=dtype)
        else:  # the sweep's state lives on the free pixels; _v / _p_v are rebuilt from it
            self._v_free = v[:, self._free_idx]  # (K, V_free)
            self._p_free = self._v_free.clone()
            self._u_v = torch.empty_like(self._v_free)

    @torch.no_grad()
    def step(self) -> torch.Tensor:
        """One block-Gibbs sweep on every chain; returns the new sample (K, V).

        The same law as :meth:`RBM.gibbs_step` (h ~ P(h | v), eq. 20.15; v ~ P(v | h), eq. 20.16;
        clamp), written for speed:

        - each Bernoulli draw is ``u < p`` with u ~ U[0, 1) (the same distribution as
          ``torch.bernoulli(p)``, about 4× cheaper), written straight into a float tensor;
        - with one mask for every chain, the clamped pixels' part of the hidden input,
          c + v_clampedᵀW, is the same at every sweep: it is computed once, and both matrix
          products run over the free pixels' rows of W only (half the work on a half mask);
          the full-size sample is assembled for the return value, P(v | h) only when asked;
        - with a mask per chain, the clamp is put into P(v | h) before the draw (p = 1 or 0 on
          clamped pixels, so ``u < p`` returns the clamp exactly);
        - the hidden layer lives in preallocated buffers, and P(h | v) of the new sample is only
          computed when ``diagnostics()`` asks.
        """
        model = self.model
        self._p_h = None
        self.n_steps += 1
        if self._free_idx is None:
            p_h = torch.addmm(model.c, self._v, model.W, out=self._p_h_buf).sigmoid_()
            h = self._draw(p_h, self._u_h, out=self._u_h)
            p_v = torch.addmm(model.b, h, model.W.T).sigmoid_()
            self._p_v = torch.addcmul(self._clamped, p_v, self._free, out=p_v)  # p = 1 or 0
            self._v = self._draw(self._p_v, self._u_v, out=torch.empty_like(p_v))
            return self._v
        w_free, b_free, c_chains = self._free_weights()
        p_h = torch.addmm(c_chains, self._v_free, w_free, out=self._p_h_buf).sigmoid_()
        h = self._draw(p_h, self._u_h, out=self._u_h)
        self._p_free = torch.addmm(b_free, h, w_free.T).sigmoid_()
        self._v_free = self._draw(self._p_free, self._u_v, out=torch.empty_like(self._p_free))
        self._v = self._p_v = None
        return self.v

    def _draw(self, p: torch.Tensor, u: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """Bernoulli(p) as 1.0 / 0.0: ``u < p`` with u ~ U[0, 1) drawn into ``u``."""
        torch.rand(p.shape, generator=self.generator, out=u)
        return torch.lt(u, p, out=out)

    def _free_weights(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """W's free rows (V_free, H), b's free entries, and c + v_clampedᵀW per chain (K, H);
        recomputed whenever the model's parameters change (their version counters move)."""
        model = self.model
        key = tuple(x for t in (model.W, model.b, model.c) for x in (id(t), t._version))
        if key != self._weights_key:  # called from step(), under no_grad
            self._w_free = model.W[self._free_idx]
            self._b_free = model.b[self._free_idx]
            self._c_chains = torch.addmm(model.c, self._clamped, model.W)
            self._weights_key = key
        return self._w_free, self._b_free, self._c_chains

    @property
    def v(self) -> torch.Tensor:
        """The current sample (K, V) in {0, 1}, clamped pixels equal to their values."""
        if self._v is None:
            self._v = torch.index_copy(self._clamped, 1, self._free_idx, self._v_free)
        return self._v

    @property
    def p_v(self) -> torch.Tensor:
        """P(v = 1 | h) of the last sweep (K, V) (eq. 20.16); clamped pixels: their values."""
        if self._p_v is None:
            self._p_v = torch.index_copy(self._clamped, 1, self._free_idx, self._p_free)
        return self._p_v

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
