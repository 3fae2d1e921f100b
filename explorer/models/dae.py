"""Denoising autoencoders and the Markov chain of any DAE (chapter §20.11.1–3, GSN §20.12).

One step of the chain (fig. 20.11) is four named sub-steps, each a method here:

1. ``corrupt``:  x̃ ~ C(x̃ | x)  — Gaussian x̃ = x + σε (2-D); for binary pixels salt-and-pepper
   (each pixel with probability p is replaced by a fair coin, so it changes with probability p/2)
   or bit-flip (each pixel flips with probability p);
2. ``encode``:   h = f(x̃) = sigmoid(a(x̃)), a an MLP; a GSN (§20.12) adds N(0, s²) to the
   pre-activation a before the sigmoid, so h stays in (0, 1) and f is stochastic;
3. ``decode``:   ω = g(h), the parameters of the reconstruction distribution p(x | ω);
4. ``sample_reconstruction``:  x ~ p(x | ω) — Gaussian N(μ, diag exp(log_var)) (2-D) or
   Bernoulli(σ(logits)) (binary pixels).

Gaussian reconstruction: μ = g(h) estimates E[x | x̃]; the variance is either learned (one
log-variance per coordinate, trained with the likelihood — its optimum is the per-coordinate
reconstruction MSE) or *set to* the running reconstruction MSE, as fig. 20.11's caption says
("the latter noise level should correspond to the mean squared error of reconstructions").

Training criterion (the denoising log-likelihood, §20.11.1): minimise −log p(x | ω = g(f(x̃))),
x̃ ~ C(x̃ | x), summed over coordinates, averaged over examples. **Walk-back** (Bengio et al.
2013c, §20.11.3) with k steps: from each clean training example x, x⁽⁰⁾ = x, and for t = 1..k:
x̃⁽ᵗ⁾ ~ C(x̃ | x⁽ᵗ⁻¹⁾), ω⁽ᵗ⁾ = g(f(x̃⁽ᵗ⁾)), x⁽ᵗ⁾ ~ p(x | ω⁽ᵗ⁾) (the chain of fig. 20.11, no
gradient through the draws); the loss is the mean over t of −log p(x | ω⁽ᵗ⁾), the reconstruction
log-likelihood of the CLEAN example x at every step along the way. k = 1 is plain training.
(Bengio et al. stop the walk at a geometric time; a fixed k is the chapter's wording.) A learned
Gaussian variance is trained by step 1 only (detached later): fitted to all steps it grows with
the walk's spread, the walk spreads further, and training runs away (measured: var 0.07 → 0.37).

The score connection: with Gaussian corruption of std σ the best reconstruction mean is
E[x | x̃] = x̃ + σ²∇log p_σ(x̃) (Tweedie; ``explorer.data.toys.GaussianMixture.tweedie_denoiser``),
so ``reconstruction_field(x) = r(x) − x`` estimates σ²∇log p_σ(x) (Alain & Bengio).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import torch
import torch.nn.functional as nnf
from torch import nn

from explorer.errors import ConfigError
from explorer.models.base import ExplorerModel, ensure_finite

DATA_KINDS = {"2d": 2, "mnist": 784}  # data -> number of visible units
CORRUPTIONS = {"2d": ("gaussian",), "mnist": ("salt-and-pepper", "bit-flip")}
RECONSTRUCTIONS = {"2d": ("gaussian-learned", "gaussian-mse"), "mnist": ("bernoulli",)}
ACTIVATIONS = {"silu": nn.SiLU, "relu": nn.ReLU, "tanh": nn.Tanh}
LOG_VAR_RANGE = (-14.0, 6.0)  # the Gaussian log-variance is clamped here (var 8e-7 .. 400)
_LOG_2PI = math.log(2 * math.pi)


@dataclass
class DAEConfig:
    """A DAE's architecture, corruption C and reconstruction distribution p(x | ω).

    data: "2d" (points in R², 2 visible units) or "mnist" (784 binary pixels).
    hidden: the encoder's layer widths, e.g. [64, 64]: f is V → 64 → 64 (the last layer is h,
        sigmoid units); the decoder g mirrors it (64 → 64 → V), the last layer linear.
    activation: between the other layers: "silu", "relu" or "tanh".
    corruption: "gaussian" (2d; x̃ = x + σε) or "salt-and-pepper" / "bit-flip" (mnist).
    noise: σ > 0 (≤ 10) of the Gaussian corruption, or the per-pixel probability p in (0, 1]
        of the binary ones (salt-and-pepper: a pixel is redrawn with probability p, so it
        changes with probability p/2; bit-flip: it flips with probability p).
    reconstruction: "gaussian-learned" (variance a learned parameter), "gaussian-mse" (variance
        set by the trainer to the running reconstruction MSE, fig. 20.11's caption) — both 2d —
        or "bernoulli" (mnist).
    walkback: k ≥ 1 (≤ 100) chain steps per training example (1 = plain training; module doc).
    hidden_noise: std s ≥ 0 (≤ 10) of the GSN noise added to the hidden pre-activation (§20.12);
        0 = a plain DAE with a deterministic f.
    """

    data: str = "2d"
    hidden: list[int] = field(default_factory=lambda: [64, 64])
    activation: str = "silu"
    corruption: str = "gaussian"
    noise: float = 0.3
    reconstruction: str = "gaussian-learned"
    walkback: int = 1
    hidden_noise: float = 0.0

    @property
    def n_visible(self) -> int:
        return DATA_KINDS[self.data]

    def validate(self) -> None:
        def check(ok: bool, field_name: str, expected: str) -> None:
            if not ok:
                value = getattr(self, field_name)
                raise ConfigError(f"DAEConfig.{field_name} must be {expected}, got {value!r}")

        check(self.data in DATA_KINDS, "data", f"one of {list(DATA_KINDS)}")
        hidden = self.hidden
        check(isinstance(hidden, (list, tuple)) and bool(hidden) and all(
            isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 8192 for n in hidden),
            "hidden", "a non-empty list of integers in 1..8192")
        check(self.activation in ACTIVATIONS, "activation", f"one of {list(ACTIVATIONS)}")
        check(self.corruption in CORRUPTIONS[self.data], "corruption",
              f"for {self.data} data one of {list(CORRUPTIONS[self.data])}")
        check(self.reconstruction in RECONSTRUCTIONS[self.data], "reconstruction",
              f"for {self.data} data one of {list(RECONSTRUCTIONS[self.data])}")
        high = 10.0 if self.corruption == "gaussian" else 1.0
        check(_number_in(self.noise, 0.0, high) and self.noise != 0, "noise",
              f"for {self.corruption} corruption in (0, {high:g}]")
        check(not isinstance(self.walkback, bool) and isinstance(self.walkback, int)
              and 1 <= self.walkback <= 100, "walkback", "an integer in 1..100")
        check(_number_in(self.hidden_noise, 0.0, 10.0), "hidden_noise", "in [0, 10]")


def _number_in(value: Any, low: float, high: float) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and low <= value <= high)


class Omega(NamedTuple):
    """ω = g(h), the parameters of p(x | ω) (fig. 20.11). Each (B, V).

    mean: E[x | ω] — the Gaussian mean μ, or the Bernoulli probabilities σ(logits).
    log_var: the Gaussian log-variance (broadcast to (B, V)); ``None`` for Bernoulli.
    logits: the Bernoulli logits; ``None`` for Gaussian.
    """

    mean: torch.Tensor
    log_var: torch.Tensor | None
    logits: torch.Tensor | None


def _mlp(sizes: list[int], activation: type[nn.Module]) -> nn.Sequential:
    """Linear layers with ``activation`` between them and none after the last."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


class DAE(ExplorerModel):
    """A denoising autoencoder whose chain steps are methods (see the module docstring).

    Shapes: x, x̃ (B, V); h (B, H) in (0, 1), H = ``config.hidden[-1]``. Every stochastic method
    takes an optional ``generator`` (a ``torch.Generator`` on the model's device).
    """

    kind = "dae"
    config_class = DAEConfig

    def __init__(self, config: DAEConfig) -> None:
        super().__init__(config)
        sizes = [config.n_visible, *config.hidden]
        activation = ACTIVATIONS[config.activation]
        self.encoder = _mlp(sizes, activation)  # x̃ -> pre-activation a of h
        self.decoder = _mlp(sizes[::-1], activation)  # h -> μ (Gaussian) or logits (Bernoulli)
        if config.reconstruction == "gaussian-learned":
            self.log_var = nn.Parameter(torch.zeros(config.n_visible))
        elif config.reconstruction == "gaussian-mse":
            self.register_buffer("log_var", torch.zeros(config.n_visible))  # set by the trainer

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @property
    def is_gaussian(self) -> bool:  # a Gaussian p(x | ω) (2-D data), else Bernoulli
        return self.config.reconstruction != "bernoulli"

    # -- the four sub-steps of fig. 20.11 -------------------------------------------------------
    def corrupt(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Sub-step 1: x̃ ~ C(x̃ | x). Gaussian: x + σε; salt-and-pepper: each pixel is replaced
        by a fair coin with probability p; bit-flip: each pixel flips with probability p."""
        cfg = self.config
        if cfg.corruption == "gaussian":
            return x + cfg.noise * torch.randn(x.shape, generator=generator, device=x.device,
                                               dtype=x.dtype)
        hit = torch.rand(x.shape, generator=generator, device=x.device) < cfg.noise
        if cfg.corruption == "bit-flip":
            return torch.where(hit, 1 - x, x)
        coin = (torch.rand(x.shape, generator=generator, device=x.device) < 0.5).to(x.dtype)
        return torch.where(hit, coin, x)

    def encode(
        self, x_tilde: torch.Tensor, generator: torch.Generator | None = None, noise: bool = True
    ) -> torch.Tensor:
        """Sub-step 2: h = f(x̃) = sigmoid(a(x̃)) in (0, 1); with ``hidden_noise`` s > 0 (a GSN,
        §20.12) and ``noise``, h = sigmoid(a(x̃) + sε)."""
        a = self.encoder(x_tilde)
        if noise and self.config.hidden_noise > 0:
            a = a + self.config.hidden_noise * torch.randn(
                a.shape, generator=generator, device=a.device, dtype=a.dtype)
        return torch.sigmoid(a)

    def decode(self, h: torch.Tensor) -> Omega:
        """Sub-step 3: ω = g(h), the parameters of p(x | ω) (:class:`Omega`)."""
        out = self.decoder(h)
        if not self.is_gaussian:
            return Omega(mean=torch.sigmoid(out), log_var=None, logits=out)
        log_var = self.log_var.clamp(*LOG_VAR_RANGE).expand_as(out)
        return Omega(mean=out, log_var=log_var, logits=None)

    def sample_reconstruction(
        self, omega: Omega, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Sub-step 4: x ~ p(x | ω): μ + exp(log_var / 2)·ε, or Bernoulli(σ(logits)) in {0, 1}."""
        mean = omega.mean
        if omega.log_var is None:
            return torch.bernoulli(mean, generator=generator)
        eps = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
        return mean + torch.exp(0.5 * omega.log_var) * eps

    def log_prob(self, x: torch.Tensor, omega: Omega) -> torch.Tensor:
        """log p(x | ω), summed over coordinates, in nats. (B, V) -> (B,)."""
        if omega.logits is not None:
            return -nnf.binary_cross_entropy_with_logits(
                omega.logits, x, reduction="none").sum(dim=-1)
        lv = omega.log_var
        return -0.5 * (_LOG_2PI + lv + (x - omega.mean) ** 2 * torch.exp(-lv)).sum(dim=-1)

    # -- read-outs ------------------------------------------------------------------------------
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """r(x) = E[x | x̃ = x]: the reconstruction mean of ω = g(f(x)), a noise-free pass (no GSN
        noise). (B, V) -> (B, V)."""
        return self.decode(self.encode(x, noise=False)).mean

    def reconstruction_field(self, x: torch.Tensor) -> torch.Tensor:
        """r(x) − x, which estimates σ²∇log p_σ(x) for Gaussian corruption (module doc)."""
        return self.reconstruct(x) - x

    @property
    def reconstruction_variance(self) -> torch.Tensor | None:
        """The Gaussian p(x | ω)'s variance per coordinate (V,); ``None`` for Bernoulli."""
        if not self.is_gaussian:
            return None
        return torch.exp(self.log_var.detach().clamp(*LOG_VAR_RANGE))

    def chain_step(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """One unclamped step of the chain of fig. 20.11: corrupt, encode, decode, sample."""
        return self.sample_reconstruction(
            self.decode(self.encode(self.corrupt(x, generator), generator)), generator)

    # -- the training criterion -----------------------------------------------------------------
    def denoising_loss(
        self, x: torch.Tensor, generator: torch.Generator | None = None,
        walkback: int | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The walk-back criterion of the module docstring (``walkback`` k, default the config's;
        k = 1 is plain training): the mean over the k steps of −log p(x | ω⁽ᵗ⁾) for the clean x.

        Returns ``(loss (B,), squared error (B, V) of the first step's mean to x)`` — the latter
        is what the "gaussian-mse" variance tracks.
        """
        k = self.config.walkback if walkback is None else walkback
        if k < 1:
            raise ConfigError(f"walkback must be ≥ 1, got {k}")
        state, total, first_sq = x, x.new_zeros(len(x)), None
        for t in range(k):
            omega = self.decode(self.encode(self.corrupt(state, generator), generator))
            if t > 0 and omega.log_var is not None:  # the variance learns from step 1 only
                omega = omega._replace(log_var=omega.log_var.detach())
            total = total - self.log_prob(x, omega)
            if first_sq is None:
                first_sq = (omega.mean.detach() - x) ** 2
            if t + 1 < k:
                state = self.sample_reconstruction(omega, generator).detach()
        return total / k, first_sq


@dataclass
class DAETrainConfig:
    """epochs: passes (a toy's epoch is ``batches_per_epoch`` fresh batches); batch_size;
    lr (Adam); mse_momentum: the EMA weight of the old value for the "gaussian-mse" variance;
    seed: the trainer's generator when none is given."""

    epochs: int = 20
    batch_size: int = 256
    lr: float = 3e-3
    batches_per_epoch: int = 100
    mse_momentum: float = 0.9
    seed: int = 0

    def validate(self) -> None:
        for name in ("epochs", "batch_size", "batches_per_epoch"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10**7:
                raise ConfigError(f"DAETrainConfig.{name} must be an integer ≥ 1, got {value!r}")
        if not _number_in(self.lr, 0.0, 10.0) or self.lr == 0:
            raise ConfigError(f"DAETrainConfig.lr must be in (0, 10], got {self.lr!r}")
        if not _number_in(self.mse_momentum, 0.0, 1.0) or self.mse_momentum == 1:
            raise ConfigError(f"DAETrainConfig.mse_momentum must be in [0, 1), got "
                              f"{self.mse_momentum!r}")


class DAETrainer:
    """Adam on :meth:`DAE.denoising_loss` (plain or walk-back, as the model's config says).

    ``data``: a tensor (N, V) or a 2-D toy with ``sample(n, generator)`` (fresh examples each
    batch). ``generator``: a ``torch.Generator`` on the model's device (default: seeded with
    ``config.seed``). Follows :mod:`explorer.train.contract`: ``step()`` is one epoch,
    ``run_batches(n)`` n minibatches; both return ``{"loss", "mse"}`` (+ ``"variance"`` for a
    Gaussian p(x | ω)): the mean −log p(x | ω) per example (nats), the mean squared error of the
    first reconstruction per example, the mean reconstruction variance. NaN/inf raises
    :class:`~explorer.errors.TrainingDiverged` before the weights are touched.
    """

    def __init__(
        self, model: DAE, data: Any, config: DAETrainConfig | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        config = config or DAETrainConfig()
        config.validate()
        self.model, self.config = model, config
        self.device = model.device
        n_visible = model.config.n_visible
        if isinstance(data, torch.Tensor):
            if data.ndim != 2 or data.shape[1] != n_visible or len(data) == 0:
                raise ConfigError(f"DAE training data must be (N, {n_visible}), got "
                                  f"{tuple(data.shape)}")
            self.data, self.toy = data.to(self.device, torch.float32), None
        elif callable(getattr(data, "sample", None)) and n_visible == 2:
            self.data, self.toy = None, data
        else:
            raise ConfigError(f"DAE training data must be a tensor (N, {n_visible})"
                              + (" or a 2-D toy" if n_visible == 2 else ""))
        self.generator = generator if generator is not None else torch.Generator(
            device=self.device).manual_seed(config.seed)
        self._toy_generator = torch.Generator().manual_seed(config.seed + 1)  # toys draw on CPU
        self.optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
        self.epoch, self.batches_done, self._cursor = 0, 0, 0  # epochs, batches, place in epoch
        self._order = self._new_order()

    @property
    def done(self) -> bool:
        return self.epoch >= self.config.epochs

    @property
    def batches_per_epoch(self) -> int:
        if self.data is None:
            return self.config.batches_per_epoch
        return math.ceil(len(self.data) / self.config.batch_size)

    def _new_order(self) -> torch.Tensor | None:
        return None if self.data is None else torch.randperm(
            len(self.data), generator=self.generator, device=self.device)

    def _next_batch(self) -> torch.Tensor:
        size = self.config.batch_size
        if self.data is None:
            self._cursor += 1
            if self._cursor >= self.config.batches_per_epoch:
                self.epoch, self._cursor = self.epoch + 1, 0
            return self.toy.sample(size, self._toy_generator).to(self.device)
        idx = self._order[self._cursor : self._cursor + size]
        self._cursor += len(idx)
        if self._cursor >= len(self.data):
            self.epoch, self._cursor = self.epoch + 1, 0
            self._order = self._new_order()
        return self.data[idx]

    def _train_batch(self, x: torch.Tensor) -> tuple[float, float]:
        model = self.model
        loss_per_example, sq = model.denoising_loss(x, self.generator)
        loss = loss_per_example.mean()
        mse = float(sq.sum(dim=1).mean())
        where = f"epoch {self.epoch + 1}, batch {self.batches_done + 1}"
        ensure_finite({"loss": float(loss.detach()), "mse": mse}, "DAE", where,
                      f"lower the lr (now {self.config.lr:g})")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        if model.config.reconstruction == "gaussian-mse":
            with torch.no_grad():
                m = self.config.mse_momentum
                var = m * torch.exp(model.log_var) + (1 - m) * sq.mean(dim=0)
                model.log_var.copy_(torch.log(var.clamp(min=math.exp(LOG_VAR_RANGE[0]))))
        self.batches_done += 1
        return float(loss.detach()), mse

    def run_batches(self, n: int) -> dict[str, float]:
        """``n`` minibatch updates; returns their mean loss and MSE (and the variance)."""
        if n < 1:
            raise ConfigError(f"batches must be ≥ 1, got {n}")
        total_loss = total_mse = 0.0
        for _ in range(n):
            loss, mse = self._train_batch(self._next_batch())
            total_loss, total_mse = total_loss + loss, total_mse + mse
        metrics = {"loss": total_loss / n, "mse": total_mse / n}
        variance = self.model.reconstruction_variance
        if variance is not None:
            metrics["variance"] = float(variance.mean())
        ensure_finite(metrics, "DAE", f"epoch {self.epoch}")
        return metrics

    def step(self) -> dict[str, float]:
        """One epoch (the rest of the current one, if ``run_batches`` left it half done)."""
        left = self.batches_per_epoch - math.ceil(
            self._cursor / (1 if self.data is None else self.config.batch_size))
        return self.run_batches(max(1, left))
