"""The Markov chain of a denoising autoencoder, sub-step by sub-step (§20.11.1–2, figs. 20.11–12).

One step of :class:`DAEChain` is the four sub-steps of fig. 20.11, in :data:`SUBSTEPS` order:

1. ``"corrupt"``: x̃ ~ C(x̃ | x)         (``DAE.corrupt``)
2. ``"encode"``:  h = f(x̃)              (``DAE.encode``; stochastic for a GSN, §20.12)
3. ``"decode"``:  ω = g(h)              (``DAE.decode``: the parameters of p(x | ω))
4. ``"sample"``:  x′ ~ p(x | ω), then the clamped units are put back to their values (fig. 20.12:
   only the free units are resampled), and x′ becomes the state.

``substep()`` advances one of them and returns a :class:`DAEChainFrame` naming what was done and
what is next, with x (the state the step started from), x̃, h, ω and x′ (each ``None`` until
its sub-step has run in the current step). ``step()`` finishes the current step (all four from a
fresh start). The chain implements the conditional-sampler contract of
:mod:`explorer.sampling.conditional`; unclamped 2-D chains come from :meth:`DAEChain.free`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from explorer.errors import ConfigError
from explorer.models.dae import DAE, Omega
from explorer.sampling.conditional import Diagnostics, clamp_tensors

SUBSTEPS = ("corrupt", "encode", "decode", "sample")
SUBSTEP_TITLES = {
    "corrupt": "corrupt: x̃ ~ C(x̃ | x)",
    "encode": "encode: h = f(x̃)",
    "decode": "decode: ω = g(h)",
    "sample": "sample: x′ ~ p(x | ω)",
}


@dataclass(frozen=True)
class DAEChainFrame:
    """Where the chain is inside a step. Tensors are (K, V), h (K, H); ``None`` = not yet.

    done: the sub-step just run (``None`` before the first); next: the one ``substep()`` runs
    next; x: the state this step started from; x_next: x′ after clamping (set by "sample", when
    it is also the chain's new state); n_steps: full steps completed.
    """

    done: str | None
    next: str
    x: torch.Tensor
    x_tilde: torch.Tensor | None
    h: torch.Tensor | None
    omega: Omega | None
    x_next: torch.Tensor | None
    n_steps: int


class DAEChain:
    """``n_chains`` parallel DAE chains with the same or per-chain clamps (a ConditionalSampler).

    clamp_values: (V,) or (n_chains, V) — for binary pixels values ≥ 0.5 count as 1, for 2-D
    data they are used as given; clamp_mask: bool of that shape, True = clamped; ``None`` for
    both (or an all-False mask) clamps nothing. ``generator``: a ``torch.Generator`` on the
    model's device (``None``: torch's global one). The free units start at ``x0`` if given
    ((n_chains, V)), else as noise: Bernoulli(½) pixels or N(0, I) points (``init="noise"``), or
    zeros (``init="zeros"``).
    """

    def __init__(
        self,
        model: DAE,
        clamp_values: np.ndarray | torch.Tensor | None,
        clamp_mask: np.ndarray | torch.Tensor | None,
        n_chains: int = 8,
        generator: torch.Generator | None = None,
        init: str = "noise",
        x0: torch.Tensor | None = None,
    ) -> None:
        n_visible = model.config.n_visible
        device, dtype = model.device, torch.float32
        self.binary = not model.is_gaussian
        if clamp_mask is None:
            clamp_mask = np.zeros(n_visible, dtype=bool)
        if clamp_values is None:
            clamp_values = np.zeros(n_visible, dtype=np.float32)
        self.model = model
        self.n_chains = n_chains
        self.generator = generator
        self.clamp_mask, self.clamp_values = clamp_tensors(  # (K, V) bool, (K, V)
            clamp_values, clamp_mask, n_chains, n_visible, device, dtype,
            binary=self.binary, max_chains=100_000)
        if x0 is not None:
            start = torch.as_tensor(x0, dtype=dtype, device=device)
            if start.shape != (n_chains, n_visible):
                raise ConfigError(f"x0 must have shape ({n_chains}, {n_visible}), got "
                                  f"{tuple(start.shape)}")
        elif init == "zeros":
            start = torch.zeros(n_chains, n_visible, device=device, dtype=dtype)
        elif init != "noise":
            raise ConfigError(f"init must be 'noise' or 'zeros', got {init!r}")
        elif self.binary:
            start = torch.bernoulli(torch.full((n_chains, n_visible), 0.5, device=device),
                                    generator=generator)
        else:
            start = torch.randn(n_chains, n_visible, generator=generator, device=device)
        self.x = self._clamp(start)  # (K, V) the current state
        self.n_steps = 0
        self._reset_step(done=None)
        self._last_omega: Omega | None = None  # ω of the last completed decode
        self._last_h: torch.Tensor | None = None
        self._last_x_tilde: torch.Tensor | None = None  # x̃ of the last corrupt

    @classmethod
    def free(
        cls, model: DAE, x0: torch.Tensor, generator: torch.Generator | None = None
    ) -> DAEChain:
        """Unclamped chains, one per row of ``x0`` (K, V), starting there."""
        x0 = torch.as_tensor(x0)
        if x0.ndim != 2:
            raise ConfigError(f"x0 must have shape (K, V), got {tuple(x0.shape)}")
        return cls(model, None, None, n_chains=len(x0), generator=generator, x0=x0)

    def _clamp(self, x: torch.Tensor) -> torch.Tensor:
        return torch.where(self.clamp_mask, self.clamp_values, x)

    def _reset_step(self, done: str | None) -> None:
        self._next = 0
        self._done = done
        self.x_tilde: torch.Tensor | None = None
        self.h: torch.Tensor | None = None
        self.omega: Omega | None = None
        self.x_start = self.x  # the state this step started from

    # -- stepping -------------------------------------------------------------------------------
    @property
    def next_substep(self) -> str:
        """The name of the sub-step ``substep()`` runs next (one of :data:`SUBSTEPS`)."""
        return SUBSTEPS[self._next]

    @torch.no_grad()
    def substep(self) -> DAEChainFrame:
        """Run the next sub-step of fig. 20.11 on every chain; returns the frame after it."""
        model, gen, name = self.model, self.generator, self.next_substep
        x_next = None
        if name == "corrupt":
            self.x_tilde = self._last_x_tilde = model.corrupt(self.x, gen)
        elif name == "encode":
            self.h = self._last_h = model.encode(self.x_tilde, gen)
        elif name == "decode":
            self.omega = self._last_omega = model.decode(self.h)
        else:  # "sample", then clamp (fig. 20.12) and make x′ the state
            x_next = self._clamp(model.sample_reconstruction(self.omega, gen))
        if x_next is None:
            self._next, self._done = self._next + 1, name
            return self.frame()
        frame = DAEChainFrame("sample", SUBSTEPS[0], self.x_start, self.x_tilde, self.h,
                              self.omega, x_next, self.n_steps + 1)
        self.x = x_next
        self.n_steps += 1
        self._reset_step(done="sample")
        return frame

    def frame(self) -> DAEChainFrame:
        """The current step's intermediate values (see :class:`DAEChainFrame`)."""
        return DAEChainFrame(self._done, self.next_substep, self.x_start, self.x_tilde, self.h,
                             self.omega, None, self.n_steps)

    def step(self) -> torch.Tensor:
        """Finish the current step (all four sub-steps from a step's start); returns the new
        state (K, V)."""
        while True:
            if self.substep().done == "sample":
                return self.x

    def run(self, n_steps: int) -> torch.Tensor:
        for _ in range(n_steps):
            self.step()
        return self.x

    # -- the conditional-sampler read-outs ------------------------------------------------------
    @property
    def state(self) -> torch.Tensor:
        """The current state x (K, V); clamped units equal their values."""
        return self.x

    @property
    def probabilities(self) -> torch.Tensor:
        """The mean of p(x | ω) of the last decode (K, V), clamped units their values: pixel
        probabilities σ(logits) in [0, 1] for binary data, the Gaussian mean μ for 2-D data.
        Before any decode: the state itself."""
        if self._last_omega is None:
            return self.x
        return self._clamp(self._last_omega.mean)

    def completion(self) -> torch.Tensor:
        """The read-out: binary data — probabilities ≥ 0.5 on free pixels, in {0, 1}; 2-D data —
        the reconstruction mean. Clamped units: their values."""
        p = self.probabilities
        return self._clamp((p >= 0.5).to(p.dtype)) if self.binary else p

    @torch.no_grad()
    def diagnostics(self) -> Diagnostics:
        """The hidden units h = f(x̃) of the last encode (K, H) in (0, 1) — before any encode,
        the noise-free f(x) of the state. A DAE has no energy. For binary data, ``images`` holds
        the last step's corrupted x̃ and reconstruction mean (K, V) once a step has decoded."""
        h = self._last_h if self._last_h is not None else self.model.encode(self.x, noise=False)
        images = {}
        if self.binary and self._last_x_tilde is not None and self._last_omega is not None:
            images = {"x̃ (corrupted)": self._last_x_tilde,
                      "reconstruction E[x | ω]": self._last_omega.mean}
        return Diagnostics(hidden={"h = f(x̃)": h}, images=images)

    def __repr__(self) -> str:
        return f"DAEChain(K={self.n_chains}, steps={self.n_steps}, next={self.next_substep!r})"

