"""A binary deep Boltzmann machine with two hidden layers (chapter §20.4, eqs. 20.24–20.35).

Energy (eq. 20.25, with the biases the chapter omits):
    E(v, h¹, h²) = −vᵀW¹h¹ − h¹ᵀW²h² − bᵀv − c¹ᵀh¹ − c²ᵀh²,   P(v, h¹, h²) = exp(−E) / Z.
The layers are bipartite (fig. 20.2): given h¹, the even layers v and h² are independent, and
given (v, h²) the odd layer h¹ is factorial (eqs. 20.26–20.28 for the two-layer case):
    P(v_i = 1 | h¹)      = σ(b_i + W¹_{i,:} h¹)
    P(h¹_j = 1 | v, h²)  = σ(c¹_j + vᵀW¹_{:,j} + W²_{j,:} h²)
    P(h²_k = 1 | h¹)     = σ(c²_k + h¹ᵀW²_{:,k})
so one Gibbs sweep (:meth:`DBM.gibbs_step`) samples the odd layer, then both even layers.

Mean-field inference (§20.4.2): a factorial Q(h¹, h² | v) whose parameters ĥ¹, ĥ² iterate the
fixed-point equations 20.33–20.34 (:meth:`DBM.mean_field`), each a coordinate ascent step on the
variational lower bound L(Q) of eq. 20.35 (:meth:`DBM.elbo_unnormalized`).

Training (:class:`DBMTrainer`): greedy layer-wise pre-training (§20.4.4) of two RBMs with
Salakhutdinov & Hinton's (2009) doubling trick — the first RBM sees its visible input twice on
the way up (σ(2vW¹ + c¹)), the second sees its hidden input twice on the way down
(σ(2h²W²ᵀ + c¹)) — so that, once composed, h¹ (which receives input from both neighbours) is
not double-counted; then joint training by variational stochastic maximum likelihood, the
chapter's algorithm 20.1: a mean-field positive phase (eqs. 20.33–20.34) and a negative phase
from persistent Gibbs chains. Shapes: W¹ (V, H1), W² (H1, H2); batches are (B, V).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as nnf
from torch import nn

from explorer.errors import ConfigError
from explorer.models.base import SAMPLE, ExplorerModel, ensure_finite


@dataclass
class DBMConfig:
    n_visible: int = 784  # binary visible units (28×28 pixels)
    n_hidden1: int = 500  # first hidden layer h¹
    n_hidden2: int = 200  # second hidden layer h²

    def validate(self) -> None:
        for name in ("n_visible", "n_hidden1", "n_hidden2"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 1 <= value <= 100_000:
                raise ConfigError(f"DBMConfig.{name} must be an integer in 1..100000, "
                                  f"got {value!r}")


def bernoulli(p: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Draw {0,1} with P(1) = p as ``rand < p`` (the same law as ``torch.bernoulli``)."""
    return (torch.rand(p.shape, generator=generator, device=p.device, dtype=p.dtype) < p).to(
        p.dtype)


def bernoulli_entropy(p: torch.Tensor) -> torch.Tensor:
    """−p log p − (1 − p) log(1 − p), elementwise, 0 at p ∈ {0, 1}."""
    return -(torch.special.xlogy(p, p) + torch.special.xlogy(1 - p, 1 - p))


class DBM(ExplorerModel):
    """A two-hidden-layer binary DBM. Every sampling method takes an optional ``generator``."""

    kind = "dbm"
    config_class = DBMConfig
    capabilities = frozenset({SAMPLE})

    def __init__(self, config: DBMConfig) -> None:
        super().__init__(config)
        v, h1, h2 = config.n_visible, config.n_hidden1, config.n_hidden2
        self.W1 = nn.Parameter(torch.zeros(v, h1))  # (V, H1)
        self.W2 = nn.Parameter(torch.zeros(h1, h2))  # (H1, H2)
        self.b = nn.Parameter(torch.zeros(v))  # visible biases
        self.c1 = nn.Parameter(torch.zeros(h1))  # h¹ biases
        self.c2 = nn.Parameter(torch.zeros(h2))  # h² biases
        self.requires_grad_(False)  # trained by explicit updates, not autograd

    @property
    def device(self) -> torch.device:
        return self.W1.device

    # -- conditionals (each factorial given the neighbouring layers) ----------------------------
    def prob_v(self, h1: torch.Tensor) -> torch.Tensor:
        """P(v = 1 | h¹) = σ(b + h¹W¹ᵀ). (B, H1) -> (B, V)."""
        return torch.sigmoid(h1 @ self.W1.T + self.b)

    def prob_h1(self, v: torch.Tensor, h2: torch.Tensor) -> torch.Tensor:
        """P(h¹ = 1 | v, h²) = σ(c¹ + vW¹ + h²W²ᵀ); also the mean-field update eq. 20.33 when
        given ĥ² instead of h². (B, V), (B, H2) -> (B, H1)."""
        return torch.sigmoid(v @ self.W1 + h2 @ self.W2.T + self.c1)

    def prob_h2(self, h1: torch.Tensor) -> torch.Tensor:
        """P(h² = 1 | h¹) = σ(c² + h¹W²); the mean-field update eq. 20.34 given ĥ¹."""
        return torch.sigmoid(h1 @ self.W2 + self.c2)

    def gibbs_step(
        self,
        v: torch.Tensor,
        h2: torch.Tensor,
        generator: torch.Generator | None = None,
        clamp_mask: torch.Tensor | None = None,
        clamp_values: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """One sweep: the odd layer h¹ ~ P(h¹ | v, h²), then the even layers v ~ P(v | h¹) and
        h² ~ P(h² | h¹) (independent given h¹). Clamped visibles (``clamp_mask`` True) are set to
        ``clamp_values``. Returns ``(v, h1, h2, P(v=1|h¹), P(h¹=1|v,h²))``; the probabilities
        of clamped pixels are their values."""
        p_h1 = self.prob_h1(v, h2)
        h1 = bernoulli(p_h1, generator)
        p_v = self.prob_v(h1)
        v_new = bernoulli(p_v, generator)
        h2_new = bernoulli(self.prob_h2(h1), generator)
        if clamp_mask is not None:
            v_new = torch.where(clamp_mask, clamp_values, v_new)
            p_v = torch.where(clamp_mask, clamp_values, p_v)
        return v_new, h1, h2_new, p_v, p_h1

    # -- mean field (eqs. 20.33–20.34) ----------------------------------------------------------
    def mean_field(
        self, v: torch.Tensor, n_iter: int = 10, h1: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """ĥ¹, ĥ² after ``n_iter`` alternations of eq. 20.33 (ĥ¹ given v, ĥ²) and eq. 20.34
        (ĥ² given ĥ¹), started from the doubled bottom-up pass ĥ¹ = σ(2vW¹ + c¹) unless ``h1``
        is given. Each update maximises L(Q) (eq. 20.35) over one layer, the other fixed."""
        h1 = torch.sigmoid(2 * (v @ self.W1) + self.c1) if h1 is None else h1
        h2 = self.prob_h2(h1)
        for _ in range(n_iter):
            h1 = self.prob_h1(v, h2)
            h2 = self.prob_h2(h1)
        return h1, h2

    # -- energies -------------------------------------------------------------------------------
    def energy(self, v: torch.Tensor, h1: torch.Tensor, h2: torch.Tensor) -> torch.Tensor:
        """E(v, h¹, h²) (eq. 20.25 plus biases). (B, ·) each -> (B,)."""
        return (-((v @ self.W1) * h1).sum(1) - ((h1 @ self.W2) * h2).sum(1)
                - v @ self.b - h1 @ self.c1 - h2 @ self.c2)

    def free_energy_v_h2(self, v: torch.Tensor, h2: torch.Tensor) -> torch.Tensor:
        """−log Σ_{h¹} exp(−E(v, h¹, h²)): h¹ summed out analytically (it is factorial given
        its neighbours). Lower = more probable. (B, V), (B, H2) -> (B,)."""
        return (-(v @ self.b) - h2 @ self.c2
                - nnf.softplus(v @ self.W1 + h2 @ self.W2.T + self.c1).sum(1))

    def elbo_unnormalized(self, v: torch.Tensor, h1: torch.Tensor, h2: torch.Tensor
                          ) -> torch.Tensor:
        """L(Q) + log Z for the factorial Q with means ĥ¹, ĥ² (eq. 20.35 with biases):
        E_Q[−E(v, h)] + H(Q). (B,)."""
        return -self.energy(v, h1, h2) + bernoulli_entropy(h1).sum(1) + bernoulli_entropy(
            h2).sum(1)

    def log_partition_brute_force(self) -> torch.Tensor:
        """log Z, enumerating v and h² (h¹ summed analytically); only for tiny models."""
        cfg = self.config
        if cfg.n_visible + cfg.n_hidden2 > 20:
            raise ConfigError("brute-force log Z needs n_visible + n_hidden2 ≤ 20")
        states = _all_binary_states(cfg.n_visible + cfg.n_hidden2, self.W1.dtype, self.device)
        v, h2 = states[:, : cfg.n_visible], states[:, cfg.n_visible:]
        return torch.logsumexp(-self.free_energy_v_h2(v, h2), dim=0)

    # -- sampling -------------------------------------------------------------------------------
    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, n_steps: int = 500
               ) -> torch.Tensor:
        """n samples after ``n_steps`` Gibbs sweeps from coin flips; returns P(v = 1 | h¹)."""
        cfg = self.config
        v = bernoulli(torch.full((n, cfg.n_visible), 0.5, device=self.device), generator)
        h2 = bernoulli(torch.full((n, cfg.n_hidden2), 0.5, device=self.device), generator)
        p_v = v
        for _ in range(n_steps):
            v, _, h2, p_v, _ = self.gibbs_step(v, h2, generator)
        return p_v


def _all_binary_states(n: int, dtype=torch.float32, device=None) -> torch.Tensor:
    codes = torch.arange(2**n, device=device).unsqueeze(1)
    bits = 2 ** torch.arange(n - 1, -1, -1, device=device)
    return ((codes & bits) > 0).to(dtype)


# -- training ------------------------------------------------------------------------------------
@dataclass
class DBMTrainConfig:
    pretrain_epochs: int = 20  # CD-1 epochs for each of the two RBMs (layer-wise pre-training)
    epochs: int = 20  # joint epochs (variational SML, algorithm 20.1)
    batch_size: int = 100
    pretrain_lr: float = 0.05
    lr: float = 0.005  # joint learning rate, decays linearly to lr/10
    momentum: float = 0.5  # first 5 joint epochs, then final_momentum
    final_momentum: float = 0.9
    weight_decay: float = 1e-4
    mean_field_iters: int = 10  # "as few as ten iterations can be sufficient" (§20.4.2)
    n_persistent: int = 100  # persistent fantasy chains
    k: int = 1  # Gibbs sweeps per update for the persistent chains
    seed: int = 0

    def validate(self) -> None:
        ints = ("pretrain_epochs", "epochs", "batch_size", "mean_field_iters", "n_persistent",
                "k")
        if any(getattr(self, n) < (0 if n == "pretrain_epochs" else 1) for n in ints):
            raise ConfigError("epochs, batch_size, mean_field_iters, n_persistent and k must "
                              "be ≥ 1 (pretrain_epochs ≥ 0)")
        for name in ("lr", "pretrain_lr"):
            value = getattr(self, name)
            if not (0 < value < 10) or not math.isfinite(value):
                raise ConfigError(f"{name} must be in (0, 10), got {value}")


def pretrain_rbm(
    data: torch.Tensor, n_hidden: int, epochs: int, lr: float, batch_size: int,
    generator: torch.Generator, up: float = 1.0, down: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """CD-1 on an RBM whose up-pass is σ(up·xW + c) and down-pass σ(down·hWᵀ + b) (the doubling
    trick uses up=2 for the bottom RBM, down=2 for the top one). Returns (W, b, c)."""
    n, n_in = data.shape
    W = torch.randn(n_in, n_hidden, generator=generator, device=data.device) * 0.01
    mean = data.mean(0).clamp(1e-3, 1 - 1e-3)
    b, c = torch.log(mean / (1 - mean)), torch.zeros(n_hidden, device=data.device)
    vel = [torch.zeros_like(t) for t in (W, b, c)]
    for epoch in range(epochs):
        momentum = 0.5 if epoch < 2 else 0.9
        order = torch.randperm(n, generator=generator, device=data.device)
        for start in range(0, n, batch_size):
            x = data[order[start : start + batch_size]]
            p_h = torch.sigmoid(up * (x @ W) + c)
            h = bernoulli(p_h, generator)
            x_neg = bernoulli(torch.sigmoid(down * (h @ W.T) + b), generator)
            p_h_neg = torch.sigmoid(up * (x_neg @ W) + c)
            grads = ((x.T @ p_h - x_neg.T @ p_h_neg) / len(x) - 1e-4 * W,
                     (x - x_neg).mean(0), (p_h - p_h_neg).mean(0))
            for param, v, g in zip((W, b, c), vel, grads, strict=True):
                v.mul_(momentum).add_(g, alpha=lr)
                param.add_(v)
        ensure_finite({"weight sum": float(W.sum())}, "DBM pre-training", f"epoch {epoch + 1}")
    return W, b, c


class DBMTrainer:
    """Greedy layer-wise pre-training, then variational SML (algorithm 20.1); see module doc.

    Each ``step()`` is one epoch: the first ``step()`` runs the whole pre-training (both RBMs)
    and composes the DBM (its metrics say so), then each further one is one joint epoch.
    ``data`` may be grey levels: pre-training and the monitors use them thresholded at 0.5, and
    ``batch_transform(x, generator)`` (e.g. random distortions, then a threshold), if given,
    makes each joint minibatch from them afresh."""

    def __init__(self, model: DBM, data: torch.Tensor, config: DBMTrainConfig,
                 batch_transform: Callable[[torch.Tensor, torch.Generator | None], torch.Tensor]
                 | None = None) -> None:
        config.validate()
        self.model, self.config = model, config
        self.device = model.device
        self.data = data.to(self.device)  # (N, V) in [0, 1]: binary, or grey levels
        self.binary = (self.data >= 0.5).to(self.data.dtype)  # pre-training and monitors
        self.batch_transform = batch_transform  # joint phase: each minibatch made afresh
        self.generator = torch.Generator(device=self.device).manual_seed(config.seed)
        self.epoch = 0
        self.pretrained = config.pretrain_epochs == 0
        self.velocity = [torch.zeros_like(p) for p in self._params()]
        self.fantasy_v: torch.Tensor | None = None
        self.fantasy_h2: torch.Tensor | None = None

    def _params(self) -> tuple[torch.Tensor, ...]:
        m = self.model
        return (m.W1, m.W2, m.b, m.c1, m.c2)

    @property
    def done(self) -> bool:
        return self.epoch >= self.config.epochs

    @torch.no_grad()
    def pretrain(self) -> dict[str, float]:
        """Both RBMs by CD-1 with the doubling trick; compose the DBM (c¹ = the mean of the two
        RBMs' biases for h¹)."""
        cfg, model, gen = self.config, self.model, self.generator
        h1_size, h2_size = model.config.n_hidden1, model.config.n_hidden2
        w1, b, c1_bottom = pretrain_rbm(self.binary, h1_size, cfg.pretrain_epochs, cfg.pretrain_lr,
                                        cfg.batch_size, gen, up=2.0)
        h1_data = bernoulli(torch.sigmoid(2 * (self.binary @ w1) + c1_bottom), gen)
        w2, c1_top, c2 = pretrain_rbm(h1_data, h2_size, cfg.pretrain_epochs, cfg.pretrain_lr,
                                      cfg.batch_size, gen, down=2.0)
        for param, value in zip(self._params(), (w1, w2, b, (c1_bottom + c1_top) / 2, c2),
                                strict=True):
            param.copy_(value)
        self.pretrained = True
        recon = model.prob_v(model.mean_field(self.binary[:1000], 1)[0])
        return {"pretrain_recon_error": float(((recon - self.binary[:1000]) ** 2).sum(1).mean())}

    def _init_fantasy(self) -> None:
        idx = torch.randint(0, len(self.data), (self.config.n_persistent,),
                            generator=self.generator, device=self.device)
        self.fantasy_v = self.binary[idx].clone()
        self.fantasy_h2 = bernoulli(self.model.mean_field(self.fantasy_v, 2)[1], self.generator)

    @torch.no_grad()
    def step(self) -> dict[str, float]:
        """One joint epoch of algorithm 20.1 (after pre-training on the first call). Returns the
        reconstruction error v → ĥ¹ → P(v | ĥ¹) of the epoch's minibatches and the mean
        unnormalised bound E_Q[−E] + H(Q) on 1,000 training digits (``elbo_plus_log_z``)."""
        cfg, model = self.config, self.model
        extra: dict[str, float] = {}
        if not self.pretrained:
            extra = self.pretrain()
        if self.fantasy_v is None:
            self._init_fantasy()
        lr = cfg.lr * (1 - 0.9 * self.epoch / max(1, cfg.epochs - 1))
        momentum = cfg.momentum if self.epoch < 5 else cfg.final_momentum
        order = torch.randperm(len(self.data), generator=self.generator, device=self.device)
        recon_total = 0.0
        for batch, start in enumerate(range(0, len(order), cfg.batch_size), start=1):
            v = self.binary[order[start : start + cfg.batch_size]]
            if self.batch_transform is not None:
                v = self.batch_transform(self.data[order[start : start + cfg.batch_size]],
                                         self.generator)
            h1, h2 = model.mean_field(v, cfg.mean_field_iters)  # positive phase
            for _ in range(cfg.k):  # negative phase: persistent chains
                self.fantasy_v, fh1, self.fantasy_h2, _, _ = model.gibbs_step(
                    self.fantasy_v, self.fantasy_h2, self.generator)
            fv, fh2 = self.fantasy_v, self.fantasy_h2
            fh1 = model.prob_h1(fv, fh2)  # Rao-Blackwellised odd layer
            m, p = len(v), len(fv)
            grads = (v.T @ h1 / m - fv.T @ fh1 / p - cfg.weight_decay * model.W1,
                     h1.T @ h2 / m - fh1.T @ fh2 / p - cfg.weight_decay * model.W2,
                     v.mean(0) - fv.mean(0), h1.mean(0) - fh1.mean(0), h2.mean(0) - fh2.mean(0))
            for param, vel, grad in zip(self._params(), self.velocity, grads, strict=True):
                vel.mul_(momentum).add_(grad, alpha=lr)
                param.add_(vel)
            ensure_finite({f"weight sum of {n}": float(t.sum()) for n, t in
                           zip(("W1", "W2"), (model.W1, model.W2), strict=True)},
                          "DBM", f"epoch {self.epoch + 1}, batch {batch}",
                          f"lower the lr (now {cfg.lr:g})")
            recon_total += float(((model.prob_v(h1) - v) ** 2).sum())
        self.epoch += 1
        sub = self.binary[:1000]
        q1, q2 = model.mean_field(sub, cfg.mean_field_iters)
        return {**extra, "recon_error": recon_total / len(self.data),
                "elbo_plus_log_z": float(model.elbo_unnormalized(sub, q1, q2).mean())}
