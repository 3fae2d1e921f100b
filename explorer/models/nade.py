"""Orderless NADE with a mask input (Uria, Murray & Larochelle 2014; chapter §20.10.10).

NADE factorises p(x) = Π_d p(x_{o_d} | x_{o_<d}) along an ordering o (eq. 20.81 of §20.10.7's
autoregressive networks). The *orderless* NADE of Uria et al. is one network that gives every such
conditional for every ordering: its input is the known pixels and the mask m of which are known,

    a = c + (x ⊙ m) W_x + m W_m,     h = relu(a),     p(x_i = 1 | x_m) = σ(b_i + h U_{:,i}),

and it is trained on random masks: for each digit, a uniformly random number d of known pixels and
a uniformly random set m of that size, with the loss ∝ Σ_{i∉m} −log p(x_i | x_m) / (V − d), an
unbiased estimate of the negative log-likelihood averaged over orderings (:func:`orderless_loss`,
:class:`NADETrainer`). So it gives
p(x_free | x_clamped) for any clamp: the clamped pixels are simply the first ones of the
ordering, and the free ones follow in any order.

With one hidden layer, adding one known pixel i changes a by x_i W_x[i] + W_m[i] (rank one), so a
full ancestral pass over D free pixels costs O(D·H) per digit, as in the original NADE
(:meth:`NADE.sample_given`, :meth:`NADE.log_prob_given`). Shapes: W_x, W_m (V, H), U (H, V).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as nnf
from torch import nn

from explorer.errors import ConfigError
from explorer.models.base import SAMPLE, ExplorerModel, ensure_finite

ORDERS = ("raster", "random", "random-shared")


@dataclass
class NADEConfig:
    n_visible: int = 784  # binary pixels
    n_hidden: int = 256  # hidden units (one ReLU layer)

    def validate(self) -> None:
        for name in ("n_visible", "n_hidden"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 1 <= value <= 100_000:
                raise ConfigError(f"NADEConfig.{name} must be an integer in 1..100000, "
                                  f"got {value!r}")


@dataclass(frozen=True)
class NADEDraw:
    """One ancestral pass. x: (B, V) the completed digits; log_prob: (B,) the exact
    log p(x_free | x_clamped) under the ordering used, in nats; order: (B, D) the free pixels in
    sampling order (−1 pads rows with fewer free pixels); probs: (B, D) p(x_{o_d} = 1 | clamped,
    x_{o_<d}) in that order (0 at pads)."""

    x: torch.Tensor
    log_prob: torch.Tensor
    order: torch.Tensor
    probs: torch.Tensor


class NADE(ExplorerModel):
    """A one-hidden-layer orderless NADE; every draw takes an optional ``generator``."""

    kind = "nade"
    config_class = NADEConfig
    capabilities = frozenset({SAMPLE})

    def __init__(self, config: NADEConfig) -> None:
        super().__init__(config)
        v, h = config.n_visible, config.n_hidden
        self.W_x = nn.Parameter(torch.randn(v, h) / math.sqrt(v))  # weights of x ⊙ m
        self.W_m = nn.Parameter(torch.randn(v, h) / math.sqrt(v))  # weights of the mask m
        self.c = nn.Parameter(torch.zeros(h))
        self.U = nn.Parameter(torch.randn(h, v) / math.sqrt(h))  # (H, V) output weights
        self.b = nn.Parameter(torch.zeros(v))

    @property
    def device(self) -> torch.device:
        return self.W_x.device

    def logits(self, x: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
        """Logits of p(x_i = 1 | x_known) for every pixel i (B, V) (meaningful for unknown i).
        x (B, V) in {0, 1}; known (B, V) bool or {0, 1}."""
        m = known.to(x.dtype)
        h = torch.relu(self.c + (x * m) @ self.W_x + m @ self.W_m)
        return h @ self.U + self.b

    @staticmethod
    def _free_order(clamp_mask: torch.Tensor, order: str,
                    generator: torch.Generator | None) -> torch.Tensor:
        """(B, D) the free pixels of each row in sampling order, −1-padded to the longest row."""
        free = ~clamp_mask
        n_rows, n_vis = free.shape
        if order == "raster":
            key = torch.arange(n_vis, device=free.device, dtype=torch.float32).expand(n_rows, -1)
        elif order == "random":
            key = torch.rand(n_rows, n_vis, generator=generator, device=free.device)
        elif order == "random-shared":
            key = torch.rand(n_vis, generator=generator, device=free.device).expand(n_rows, -1)
        else:
            raise ConfigError(f"order must be one of {ORDERS}, got {order!r}")
        key = torch.where(free, key, torch.full_like(key, float("inf")))
        idx = key.argsort(dim=1)
        n_free = int(free.sum(1).max()) if n_rows else 0
        idx = idx[:, :n_free]
        return torch.where(torch.gather(free, 1, idx), idx, torch.full_like(idx, -1))

    def _ancestral(self, x: torch.Tensor, clamp_mask: torch.Tensor, free_order: torch.Tensor,
                   generator: torch.Generator | None, draw: bool) -> NADEDraw:
        x = x.clone()
        m = clamp_mask.to(x.dtype)
        a = self.c + (x * m) @ self.W_x + m @ self.W_m  # (B, H) given the clamped pixels
        shared = free_order[:1]
        if len(x) and free_order.shape[1] and bool((shared >= 0).all()) and bool(
                (free_order == shared).all()):
            return self._ancestral_shared(x, a, free_order, generator, draw)
        log_prob = torch.zeros(len(x), dtype=x.dtype, device=x.device)
        probs = torch.zeros(free_order.shape, dtype=x.dtype, device=x.device)
        rows = torch.arange(len(x), device=x.device)
        u = (torch.rand(free_order.shape, generator=generator, device=x.device, dtype=x.dtype)
             if draw else None)
        for d in range(free_order.shape[1]):
            valid = free_order[:, d] >= 0
            i = free_order[:, d].clamp(min=0)
            logit = (torch.relu(a) * self.U.T[i]).sum(1) + self.b[i]
            p = torch.sigmoid(logit)
            if draw:
                x[rows, i] = torch.where(valid, (u[:, d] < p).to(x.dtype), x[rows, i])
            xi = x[rows, i]
            log_prob += torch.where(valid, xi * nnf.logsigmoid(logit)
                                    + (1 - xi) * nnf.logsigmoid(-logit), 0.0)
            probs[:, d] = torch.where(valid, p, 0.0)
            a = a + valid[:, None].to(x.dtype) * (xi[:, None] * self.W_x[i] + self.W_m[i])
        return NADEDraw(x, log_prob, free_order, probs)

    def _ancestral_shared(self, x: torch.Tensor, a: torch.Tensor, free_order: torch.Tensor,
                          generator: torch.Generator | None, draw: bool) -> NADEDraw:
        """The same pass when every row has the same free pixels in the same order (the app's
        case): the weights are gathered once, each pixel costs a few small vector ops — in
        numpy on the CPU, whose per-call cost is a fraction of torch's (392 sequential pixels
        of 8 chains: about half the time of the same loop in torch). The draw x = 1 iff
        u < σ(logit) is taken as logit > log u − log(1 − u), the same event, with u from
        ``generator``."""
        order = free_order[0]
        u_out, w_x, w_m, bias = self.U.T[order], self.W_x[order], self.W_m[order], self.b[order]
        n_free = len(order)
        values = x[:, order].T.contiguous()  # (D, B): the free pixels, filled in as drawn
        threshold = None
        if draw:
            u = torch.rand(n_free, len(x), generator=generator, device=x.device, dtype=x.dtype)
            threshold = torch.log(u) - torch.log1p(-u)
        shared_pass = self._pass_numpy if x.device.type == "cpu" else self._pass_torch
        logits = shared_pass(a, u_out, w_x, w_m, bias, values, threshold)
        x[:, order] = values.T
        log_prob = (values * nnf.logsigmoid(logits) + (1 - values) * nnf.logsigmoid(-logits)
                    ).sum(0)
        return NADEDraw(x, log_prob, free_order, torch.sigmoid(logits).T.contiguous())

    @staticmethod
    def _pass_numpy(a: torch.Tensor, u_out: torch.Tensor, w_x: torch.Tensor, w_m: torch.Tensor,
                    bias: torch.Tensor, values: torch.Tensor, threshold: torch.Tensor | None
                    ) -> torch.Tensor:
        """The loop of :meth:`_ancestral_shared` on CPU tensors viewed as numpy arrays: a (B, H)
        the clamp's pre-activation; u_out, w_x, w_m (D, H) and bias (D,) the free pixels' weights
        in sampling order. Fills ``values`` (D, B) in place where ``threshold`` (D, B) is given
        (x = 1 iff logit > threshold), returns the logits (D, B)."""
        a_np = a.detach().numpy().copy()  # (B, H)
        u_np, wx_np, wm_np = u_out.detach().numpy(), w_x.detach().numpy(), w_m.detach().numpy()
        b_np, v_np = bias.detach().numpy(), values.numpy()
        z_np = None if threshold is None else threshold.numpy()
        logits = np.empty(v_np.shape, dtype=v_np.dtype)
        h = np.empty_like(a_np)
        for d in range(len(v_np)):
            np.maximum(a_np, 0, out=h)
            logit = np.dot(h, u_np[d], out=logits[d])
            logit += b_np[d]
            if z_np is not None:
                np.greater(logit, z_np[d], out=v_np[d], casting="unsafe")
            a_np += wm_np[d]
            a_np += np.multiply.outer(v_np[d], wx_np[d])
        return torch.from_numpy(logits)

    @staticmethod
    def _pass_torch(a: torch.Tensor, u_out: torch.Tensor, w_x: torch.Tensor, w_m: torch.Tensor,
                    bias: torch.Tensor, values: torch.Tensor, threshold: torch.Tensor | None
                    ) -> torch.Tensor:
        """The same loop in torch, for tensors on an accelerator (:meth:`_pass_numpy`)."""
        logits = torch.empty(values.shape, dtype=values.dtype, device=values.device)
        for d in range(len(values)):
            logit = torch.mv(torch.relu(a), u_out[d]).add_(bias[d])
            logits[d] = logit
            if threshold is not None:
                values[d] = (logit > threshold[d]).to(values.dtype)
            a = a.add(w_m[d]).addr_(values[d], w_x[d])
        return logits

    @torch.no_grad()
    def sample_given(self, x: torch.Tensor, clamp_mask: torch.Tensor, order: str = "raster",
                     generator: torch.Generator | None = None) -> NADEDraw:
        """An exact sample of x_free ~ p(x_free | x_clamped) for each row, in one ancestral pass
        over its free pixels (``order``: "raster" = top-left to bottom-right, "random" = a fresh
        uniformly random ordering per row, "random-shared" = one fresh uniformly random ordering
        of the pixels for all rows — rows with the same free pixels then share the fast pass),
        with its exact log-probability under that order."""
        mask = clamp_mask.to(torch.bool).expand_as(x)
        return self._ancestral(x, mask, self._free_order(mask, order, generator), generator, True)

    @torch.no_grad()
    def log_prob_given(self, x: torch.Tensor, clamp_mask: torch.Tensor,
                       free_order: torch.Tensor | None = None) -> torch.Tensor:
        """Exact log p(x_free | x_clamped) (B,) in nats, along ``free_order`` ((B, D), −1 pads;
        default: raster order of the free pixels)."""
        mask = clamp_mask.to(torch.bool).expand_as(x)
        order = self._free_order(mask, "raster", None) if free_order is None else free_order
        return self._ancestral(x, mask, order, None, False).log_prob

    def log_prob(self, x: torch.Tensor, order: str = "raster",
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """Exact log p(x) (B,) under one ordering (raster, or a random one per row)."""
        none = torch.zeros_like(x, dtype=torch.bool)
        with torch.no_grad():
            return self._ancestral(x, none, self._free_order(none, order, generator), None,
                                   False).log_prob

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n exact samples of p(x) in raster order, (n, V) in {0, 1}."""
        x = torch.zeros(n, self.config.n_visible, device=self.device)
        return self.sample_given(x, torch.zeros_like(x, dtype=torch.bool), "raster",
                                 generator).x


# -- training -------------------------------------------------------------------------------------
@dataclass
class NADETrainConfig:
    epochs: int = 400
    batch_size: int = 100
    lr: float = 1e-3  # Adam, cosine-decayed to 0 over the epochs
    weight_decay: float = 0.0
    seed: int = 0

    def validate(self) -> None:
        if self.epochs < 1 or self.batch_size < 1:
            raise ConfigError("epochs and batch_size must be ≥ 1")
        if not (0 < self.lr < 1) or not math.isfinite(self.lr):
            raise ConfigError(f"lr must be in (0, 1), got {self.lr}")


def orderless_loss(model: NADE, x: torch.Tensor, generator: torch.Generator | None = None
                   ) -> torch.Tensor:
    """Uria et al.'s unbiased estimate of the NLL averaged over orderings, per digit (B,).

    Their estimator draws d ~ U{0..V−1}, a uniformly random set m of d known pixels, and takes
    V/(V − d) · Σ_{i∉m} −log p(x_i | x_m). Here m = {i : u_i < t} with t ~ U(0, 1) and u_i iid
    U(0, 1): then |m| is uniform on {0..V} and, given its size, m is a uniformly random set
    (no sort needed). Rows with every pixel known (probability 1/(V+1)) contribute 0, and the
    others are weighted (V + 1)/(V − d), which keeps the estimate unbiased."""
    n_rows, n_vis = x.shape
    t = torch.rand(n_rows, 1, generator=generator, device=x.device, dtype=x.dtype)
    known = torch.rand(n_rows, n_vis, generator=generator, device=x.device, dtype=x.dtype) < t
    n_unknown = (~known).sum(1).to(x.dtype)
    nll = nnf.binary_cross_entropy_with_logits(model.logits(x, known), x, reduction="none")
    weight = torch.where(n_unknown > 0, (n_vis + 1) / n_unknown.clamp(min=1), 0.0)
    return weight * (nll * (~known)).sum(1)


class NADETrainer:
    """Adam on :func:`orderless_loss`; each ``step()`` is one epoch (the trainer contract).
    ``batch_transform(x, generator)``, if given, makes each minibatch afresh (data augmentation);
    the data's mean initialises the output biases either way."""

    def __init__(self, model: NADE, data: torch.Tensor, config: NADETrainConfig,
                 batch_transform: Callable[[torch.Tensor, torch.Generator | None], torch.Tensor]
                 | None = None) -> None:
        config.validate()
        self.model, self.config = model, config
        self.batch_transform = batch_transform  # e.g. random distortions, then a threshold
        self.data = data.to(model.device)
        self.generator = torch.Generator(device=model.device).manual_seed(config.seed)
        with torch.no_grad():
            mean = self.data.mean(0).clamp(1e-3, 1 - 1e-3)
            model.b.copy_(torch.log(mean / (1 - mean)))
        self.optimizer = torch.optim.Adam(model.parameters(), lr=config.lr,
                                          weight_decay=config.weight_decay)
        self.epoch = 0

    @property
    def done(self) -> bool:
        return self.epoch >= self.config.epochs

    def step(self) -> dict[str, float]:
        """One epoch; returns the mean orderless loss (nats per digit) of its minibatches."""
        cfg = self.config
        lr = 0.5 * cfg.lr * (1 + math.cos(math.pi * self.epoch / cfg.epochs))
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        order = torch.randperm(len(self.data), generator=self.generator, device=self.data.device)
        total = 0.0
        self.model.train()
        for batch, start in enumerate(range(0, len(order), cfg.batch_size), start=1):
            x = self.data[order[start : start + cfg.batch_size]]
            if self.batch_transform is not None:
                x = self.batch_transform(x, self.generator)
            loss = orderless_loss(self.model, x, self.generator).mean()
            ensure_finite({"loss": float(loss.detach())}, "NADE",
                          f"epoch {self.epoch + 1}, batch {batch}",
                          f"lower the lr (now {cfg.lr:g})")
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            total += float(loss.detach()) * len(x)
        self.epoch += 1
        return {"orderless_nll": total / len(self.data)}
