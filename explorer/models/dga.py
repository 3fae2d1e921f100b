"""Directed Generative Autoencoders, shallow and deep (Ozair & Bengio 2014, the seed paper 004).

One shallow DGA (a :class:`DGALayer`) over binary inputs ``x`` (seed §2):

- encoder ``f(x) = 1[a(x) > 0]`` with ``a`` affine (the seed's 3-layer DGA: input, code, output;
  ``n_hidden_layers > 0`` inserts tanh hidden layers of ``hidden`` units on both sides, §5);
- a factorised Bernoulli ("Binomial") prior ``P(H)`` with ``P(h_i = 1) = p_i``, fit to the codes
  by frequency counting (§2.1);
- a decoder ``P(x | h)``: factorised Bernoulli with sigmoid outputs;
- the cost (eq. 8) ``L = −log P(x | h = f(x)) − β log P(h = f(x))``, β annealed 0 → β_max (§3.1);
- the encoder is trained with the straight-through pseudo-gradient (§2.2):
  ``Δa = ∂L/∂f(x)``, implemented as ``h = a − sg(a) + 1[a > 0]`` (``sg`` = stop-gradient), so the
  forward value is the binary code and the backward pass copies ∂L/∂h onto ``a``;
- salt-and-pepper noise on the decoder input while training (§5): each bit is picked with
  probability ``noise`` (1 %) and set to 0 or 1 at random.

A deep DGA (:class:`DGA` with ``codes = [500, 500]``) is a stack: layer ``k`` is a shallow DGA whose
"data" are the codes of layer ``k − 1`` (§3, greedy pre-training). Its unnormalised likelihood is
eq. 5 applied recursively,

    log P*(x) = log P(x | h₁) + log P(h₁ | h₂) + … + log P_top(h_L),   h_k = f_k(h_{k−1}), h₀ = x,

and it samples ancestrally: ``h_L ~ P_top``, then ``h_{k−1} ~ P(h_{k−1} | h_k)``, down to pixel
means.
By Proposition 1, ``P*(x) ≤ P(x) = Σ_h P(x | h) P(h)`` and ``Σ_x P*(x) ≤ 1``; §5.1 normalises it
by an importance-sampling estimate of that sum (:mod:`explorer.metrics.dga_eval`).

Simplified from the seed, on purpose: Adam (lr 1e-3) instead of plain SGD with learning rates
10/1/0.1 halved on a rising epoch cost (minutes on one CPU core instead of hours); the prior is
refit exactly on all training codes at the end of each epoch (the seed's Algorithm 1 updates it
online per example; within an epoch we use a running frequency per minibatch); β rises linearly
after a β = 0 warm-up (the seed names no schedule, only "gradually increased to 1"); the prior's
probabilities are floored at ``prior_floor`` (1 %); and the straight-through pseudo-gradient is
gated, passed only where ``|a| ≤ 3`` (``DGATrainConfig.gate``; ``gate=0`` is the seed's identity).
With the identity version, on this schedule, the prior term's push (β·|logit p_i| per bit, the
same for a bit at ``a = −0.1`` as at ``a = −50``) ran away and every code bit became constant
(code entropy 0 bits by β ≈ 0.3) — the collapse §3.1.1 warns about.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as nnf
from torch import nn

from explorer.errors import ConfigError
from explorer.models.base import SAMPLE, ExplorerModel, ensure_finite, seeded_global_rng


@dataclass
class DGAConfig:
    n_visible: int = 784
    codes: list[int] = field(default_factory=lambda: [500])  # code size of each stacked layer
    n_hidden_layers: int = 1  # tanh hidden layers inside each encoder and decoder (seed §5)
    hidden: int = 500
    prior_floor: float = 0.01  # each p_i is kept in [floor, 1 − floor]

    def validate(self) -> None:
        sizes = [self.n_visible, self.hidden, *self.codes]
        if not self.codes or any(not isinstance(v, int) or not 1 <= v <= 100_000 for v in sizes):
            raise ConfigError(f"DGAConfig sizes must be integers in 1..100000, got {self}")
        if not isinstance(self.n_hidden_layers, int) or not 0 <= self.n_hidden_layers <= 4:
            raise ConfigError(f"DGAConfig.n_hidden_layers must be 0..4, got {self.n_hidden_layers}")
        if not 0 < self.prior_floor < 0.5:
            raise ConfigError(f"DGAConfig.prior_floor must be in (0, 0.5), got {self.prior_floor}")


def _mlp(n_in: int, n_out: int, n_hidden_layers: int, hidden: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = n_in
    for _ in range(n_hidden_layers):
        layers += [nn.Linear(width, hidden), nn.Tanh()]
        width = hidden
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


def straight_through(a: torch.Tensor, gate: float = 0.0) -> torch.Tensor:
    """``1[a > 0]`` forward; backward, the gradient w.r.t. the output is passed to ``a``
    unchanged (§2.2), or, with ``gate > 0``, only where ``|a| ≤ gate`` (the saturating variant of
    Bengio et al. 2013b, which stops the prior from pushing bits that are already decided)."""
    hard = (a > 0).to(a.dtype)
    if gate > 0:
        a = a.clamp(-gate, gate)
    return a - a.detach() + hard


def bernoulli_log_prob(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """Σ_j log Bernoulli(x_j; σ(logits_j)) over the last axis (eq. 7's cross-entropies, negated)."""
    return -nnf.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)


class DGALayer(nn.Module):
    """One shallow DGA: encoder ``a(x)``, decoder logits of ``P(x | h)``, prior logits of P(H)."""

    def __init__(
        self, n_in: int, n_code: int, n_hidden_layers: int, hidden: int, floor: float = 0.01
    ) -> None:
        super().__init__()
        self.floor = floor
        self.encoder = _mlp(n_in, n_code, n_hidden_layers, hidden)
        self.decoder = _mlp(n_code, n_in, n_hidden_layers, hidden)
        self.register_buffer("prior_logit", torch.zeros(n_code))  # logit p_i of P(h_i = 1)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The binary code ``f(x) = 1[a(x) > 0]`` (no gradient)."""
        with torch.no_grad():
            return (self.encoder(x) > 0).to(x.dtype)

    def decode_logits(self, h: torch.Tensor) -> torch.Tensor:
        return self.decoder(h)

    def prior_log_prob(self, h: torch.Tensor) -> torch.Tensor:
        """log P(h) under the factorised prior, (B,)."""
        return bernoulli_log_prob(h, self.prior_logit.expand_as(h))

    def fit_prior(self, codes: torch.Tensor) -> None:
        """Frequency counting (§2.1): p_i = mean of h_i over the codes, kept in [floor,
        1 − floor]."""
        self.set_prior(codes.mean(0))

    def set_prior(self, p: torch.Tensor) -> None:
        self.prior_logit.copy_(torch.logit(p.clamp(self.floor, 1 - self.floor)))

    def loss(
        self,
        x: torch.Tensor,
        beta: float,
        noise: float,
        generator: torch.Generator | None,
        gate: float = 0.0,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Eq. 8 per example, ``(loss, reconstruction nll, prior nll)`` each (B,), with
        straight-through codes (:func:`straight_through`, gated at ``|a| ≤ gate`` when
        ``gate > 0``) and decoder-input noise."""
        h = straight_through(self.encoder(x), gate)
        if noise > 0:
            pick = torch.rand(h.shape, generator=generator, device=h.device) < noise
            coin = (torch.rand(h.shape, generator=generator, device=h.device) < 0.5).to(h.dtype)
            h_in = torch.where(pick, coin, h)
        else:
            h_in = h
        rec = -bernoulli_log_prob(x, self.decode_logits(h_in))
        prior = -self.prior_log_prob(h)
        return rec + beta * prior, rec, prior


class DGA(ExplorerModel):
    """A shallow (``codes=[n]``) or deep (``codes=[n1, n2, …]``) DGA; see the module docstring."""

    kind = "dga"
    config_class = DGAConfig
    capabilities = frozenset({SAMPLE})

    def __init__(self, config: DGAConfig) -> None:
        super().__init__(config)
        sizes = [config.n_visible, *config.codes]
        self.layers = nn.ModuleList(
            DGALayer(n_in, n_code, config.n_hidden_layers, config.hidden, config.prior_floor)
            for n_in, n_code in zip(sizes[:-1], sizes[1:], strict=True)
        )

    @property
    def depth(self) -> int:
        return len(self.layers)

    @property
    def device(self) -> torch.device:
        return self.layers[0].prior_logit.device

    @torch.no_grad()
    def codes(self, x: torch.Tensor, depth: int | None = None) -> list[torch.Tensor]:
        """``[f₁(x), f₂(f₁(x)), …]`` up to ``depth`` layers (default all)."""
        out, h = [], x
        for layer in self.layers[: depth or self.depth]:
            h = layer.encode(h)
            out.append(h)
        return out

    @torch.no_grad()
    def log_p_star(self, x: torch.Tensor, depth: int | None = None) -> torch.Tensor:
        """log P*(x) in nats (eq. 5, applied down the stack of the first ``depth`` layers), (B,)."""
        total = torch.zeros(len(x), device=x.device)
        h_below = x
        layers = self.layers[: depth or self.depth]
        for layer in layers:
            h = layer.encode(h_below)
            total += bernoulli_log_prob(h_below, layer.decode_logits(h))
            h_below = h
        return total + layers[-1].prior_log_prob(h_below)

    @torch.no_grad()
    def log_marginal_exact(self, x: torch.Tensor, all_codes: torch.Tensor) -> torch.Tensor:
        """log P(x) = log Σ_h P(x | h) P(h) for a shallow DGA, summing over the rows of
        ``all_codes`` (every binary code: tiny models only). (B,)."""
        if self.depth != 1:
            raise ConfigError("the exact marginal is implemented for a shallow DGA only")
        layer = self.layers[0]
        log_prior = layer.prior_log_prob(all_codes)  # (K,)
        logits = layer.decode_logits(all_codes)  # (K, V)
        log_lik = bernoulli_log_prob(
            x[:, None, :].expand(-1, len(all_codes), -1), logits[None].expand(len(x), -1, -1)
        )  # (B, K)
        return torch.logsumexp(log_lik + log_prior, dim=1)

    @torch.no_grad()
    def decode_means(self, h: torch.Tensor, from_depth: int | None = None) -> torch.Tensor:
        """Deterministic top-down decoding of a (possibly continuous) code of layer
        ``from_depth`` (default: the top): each layer passes its decoder means down. (B, V)."""
        for layer in reversed(self.layers[: from_depth or self.depth]):
            h = torch.sigmoid(layer.decode_logits(h))
        return h

    @torch.no_grad()
    def sample_from_depth(
        self, n: int, depth: int, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Ancestral sampling from layer ``depth``'s prior down (§2): ``(h₁ samples, pixel
        means E[x | h₁])``, shapes (n, codes[0]) and (n, n_visible)."""
        if not 1 <= depth <= self.depth:
            raise ConfigError(f"depth must be in 1..{self.depth}, got {depth}")
        probs = torch.sigmoid(self.layers[depth - 1].prior_logit).expand(n, -1)
        h = torch.bernoulli(probs, generator=generator)
        for layer in reversed(self.layers[1:depth]):
            h = torch.bernoulli(torch.sigmoid(layer.decode_logits(h)), generator=generator)
        return h, torch.sigmoid(self.layers[0].decode_logits(h))

    @torch.no_grad()
    def interpolate(
        self, x1: torch.Tensor, x2: torch.Tensor, n: int, depth: int = 0
    ) -> torch.Tensor:
        """``n`` images between two digits (V,) (the seed's figs. 1–2): ``depth = 0`` mixes the
        pixels, ``(1 − α) x1 + α x2``; ``depth = k`` mixes their layer-k codes
        ``(1 − α) f_k…f_1(x1) + α f_k…f_1(x2)`` and decodes the mixture with
        :meth:`decode_means`. α = 0 … 1 in ``n`` steps. Returns (n, n_visible)."""
        if not 0 <= depth <= self.depth:
            raise ConfigError(f"depth must be in 0..{self.depth}, got {depth}")
        alpha = torch.linspace(0, 1, n, device=x1.device)[:, None]
        if depth == 0:
            return (1 - alpha) * x1 + alpha * x2
        c1, c2 = (self.codes(x[None], depth)[-1] for x in (x1, x2))
        return self.decode_means((1 - alpha) * c1 + alpha * c2, from_depth=depth)

    def sample(
        self, n: int, generator: torch.Generator | None = None, n_steps: int | None = None
    ) -> torch.Tensor:
        """Pixel means E[x | h₁] of ancestral samples from the top prior (no chain: ``n_steps``
        is ignored). (n, n_visible) in [0, 1]."""
        return self.sample_from_depth(n, self.depth, generator)[1]


@dataclass
class DGATrainConfig:
    epochs: int = 100  # per layer of the stack
    layer_epochs: list[int] | None = None  # per-layer override, e.g. [60, 60] (0 = untrained)
    batch_size: int = 100  # §5
    lr: float = 1e-3  # Adam (a simplification, see the module docstring)
    beta_max: list[float] = field(default_factory=lambda: [1.0])  # per layer; the top ends at 1
    warmup: float = 0.2  # fraction of a layer's epochs at β = 0 (pure autoencoder)
    ramp: float = 0.5  # fraction over which β rises linearly to β_max
    noise: float = 0.01  # decoder-input salt-and-pepper probability (§5)
    gate: float = 3.0  # 0: the seed's identity straight-through; > 0: gated (straight_through)
    seed: int = 0

    def validate(self, depth: int) -> None:
        if self.epochs < 1 or self.batch_size < 1 or not self.lr > 0:
            raise ConfigError(f"bad DGATrainConfig: {self}")
        if self.layer_epochs is not None and (
            len(self.layer_epochs) != depth or any(e < 0 for e in self.layer_epochs)
            or sum(self.layer_epochs) < 1
        ):
            raise ConfigError(f"layer_epochs needs one count ≥ 0 per layer ({depth}), got "
                              f"{self.layer_epochs}")
        if len(self.beta_max) != depth or any(not 0 <= b <= 10 for b in self.beta_max):
            raise ConfigError(f"beta_max needs one value in [0, 10] per layer ({depth}), got "
                              f"{self.beta_max}")
        if not (0 <= self.warmup and 0 <= self.ramp and self.warmup + self.ramp <= 1):
            raise ConfigError("warmup and ramp are fractions with warmup + ramp ≤ 1")
        if not 0 <= self.noise < 1:
            raise ConfigError(f"noise must be in [0, 1), got {self.noise}")

    def epochs_of(self, layer: int) -> int:
        """Epochs of layer ``layer`` (0-based)."""
        return self.epochs if self.layer_epochs is None else self.layer_epochs[layer]

    def beta(self, layer: int, epoch: int) -> float:
        """β for the 0-based ``epoch`` of ``layer``: 0, then a linear ramp, then β_max."""
        n = self.epochs_of(layer)
        start, span = self.warmup * n, max(self.ramp * n, 1e-9)
        return self.beta_max[layer] * min(1.0, max(0.0, (epoch + 1 - start) / span))


class DGATrainer:
    """Greedy layer-wise training (§3): ``epochs`` epochs of layer 1 on x, then of layer 2 on
    f₁(x), …; one epoch per :meth:`step` (the trainer contract)."""

    def __init__(self, model: DGA, data: torch.Tensor, config: DGATrainConfig) -> None:
        config.validate(model.depth)
        self.model, self.config = model, config
        self.data = data
        self.epoch = 0
        self.generator = torch.Generator(device=data.device).manual_seed(config.seed)
        with seeded_global_rng(config.seed):
            for layer in model.layers:
                for module in layer.modules():
                    if isinstance(module, nn.Linear):
                        module.reset_parameters()
        counts = [config.epochs_of(k) for k in range(model.depth)]
        self._bounds = [sum(counts[: k + 1]) for k in range(model.depth)]  # cumulative ends
        self._layer = -1
        self._start_layer(0)

    @property
    def done(self) -> bool:
        return self.epoch >= self._bounds[-1]

    def _start_layer(self, index: int) -> None:
        self._layer = index
        self._inputs = self.data if index == 0 else self.model.codes(self.data, index)[-1]
        layer = self.model.layers[index]
        layer.fit_prior(layer.encode(self._inputs))
        self.optimizer = torch.optim.Adam(layer.parameters(), lr=self.config.lr)

    def step(self) -> dict[str, float]:
        cfg = self.config
        index = next(k for k, end in enumerate(self._bounds) if self.epoch < end)
        local_epoch = self.epoch - (self._bounds[index - 1] if index else 0)
        while self._layer < index:  # a layer with 0 epochs still gets its prior fit
            self._start_layer(self._layer + 1)
        layer, beta = self.model.layers[index], cfg.beta(index, local_epoch)
        inputs = self._inputs
        order = torch.randperm(len(inputs), generator=self.generator, device=inputs.device)
        totals = torch.zeros(3)
        running = torch.sigmoid(layer.prior_logit).clone()
        for start in range(0, len(inputs), cfg.batch_size):
            batch = inputs[order[start : start + cfg.batch_size]]
            loss, rec, prior = layer.loss(batch, beta, cfg.noise, self.generator, cfg.gate)
            self.optimizer.zero_grad(set_to_none=True)
            loss.mean().backward()
            self.optimizer.step()
            with torch.no_grad():  # Algorithm 1: update P(h) with the batch's codes
                running.mul_(0.9).add_(0.1 * layer.encode(batch).mean(0))
                layer.set_prior(running)
            totals += torch.stack([loss.sum(), rec.sum(), prior.sum()]).detach().cpu()
        codes = layer.encode(inputs)
        layer.fit_prior(codes)
        self.epoch += 1
        while self.done and self._layer < self.model.depth - 1:  # untrained top layers
            self._start_layer(self._layer + 1)
        means = (totals / len(inputs)).tolist()
        metrics = {"layer": float(index + 1), "beta": beta, "loss": means[0],
                   "recon_nll": means[1], "prior_nll": means[2],
                   "code_entropy_bits": float(factorised_entropy_bits(codes))}
        ensure_finite(metrics, "DGA", f"epoch {self.epoch}")
        return metrics


def factorised_entropy_bits(codes: torch.Tensor) -> torch.Tensor:
    """Σ_i H(p_i) in bits for p_i the mean of column i: the entropy of the factorised
    Bernoulli fit to binary ``codes`` (N, d) (seed Table 1, first column)."""
    p = codes.double().mean(0)
    terms = -(p * torch.log2(p.clamp_min(1e-300)) + (1 - p) * torch.log2((1 - p).clamp_min(1e-300)))
    return terms.sum()
