"""Variational autoencoder with a Gaussian encoder and a Bernoulli decoder (chapter §20.10.3).

Long because the model, its bounds, its diagnostics and its trainer are one family and are read
together, as in :mod:`explorer.models.rbm`.

Generative model:  z ~ p(z) = N(0, I),  x | z ~ Bernoulli(g(z)),  g(z) = σ(decoder(z)) ∈ [0, 1]^784
Encoder (approximate posterior):   q(z | x) = N(μ(x), diag σ²(x)),   the net gives μ and log σ²
Lower bound (eqs. 20.76–20.78):
    L(x) = E_{z~q(z|x)}[log p(x | z)] − D_KL(q(z | x) ‖ p(z))  ≤  log p(x)
           └──── reconstruction ────┘   └──────── KL ────────┘
    with the KL between Gaussians in closed form:
    D_KL = ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²)
Reparameterization trick (Kingma & Welling 2013): z = μ + σ ⊙ ε, ε ~ N(0, I), so the gradient of
the reconstruction term flows through the sample into the encoder.
Importance-weighted bound (Burda et al. 2015, eq. 20.79):
    L_k(x) = E[log (1/k) Σ_{i=1..k} p(x, z_i) / q(z_i | x)],   z_i ~ q(z | x)
    L_1 = L ≤ L_k ≤ L_{k+1} ≤ log p(x)
β-VAE (Higgins et al. 2017): training may weight the KL by β; β = 1 is the ELBO, a large β pushes
q(z|x) onto the prior until the latent code carries nothing ("posterior collapse").

Shapes: x (B, 784) in [0, 1] (the data are thresholded to {0, 1}); z, μ, log σ² (B, L).
Training: Adam(W) on −(reconstruction − β·KL), in :class:`VAETrainer`, one epoch per ``step()`` or a
few minibatches per ``run_batches(n)`` (what an app drives between two screen updates). It follows
the trainer contract every family shares: ``run_batches(n)`` and ``step()`` return a metrics dict,
``done`` says the run is over, an optional progress callback sees each chunk's metrics, and a run
that diverges (NaN/inf, or terms no working model reaches) raises
:class:`~explorer.errors.TrainingDiverged` before the weights are touched.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as nnf
from torch import nn

from explorer.errors import ConfigError, TrainingDiverged
from explorer.models.base import ExplorerModel

LOG_2PI = math.log(2 * math.pi)
DIVERGED_NATS = 1e5  # a minibatch's mean −reconstruction or KL above this: training diverged
# Burda et al. (2015): latent unit u is active if A_u = Cov_x(E_{z~q(z|x)}[z_u]) > 10⁻².
ACTIVE_THRESHOLD = 0.01


@dataclass
class VAEConfig:
    n_visible: int = 784  # Bernoulli pixels (28×28)
    hidden1: int = 512  # units of the first hidden layer (encoder 784→h1→h2, decoder mirrored)
    hidden2: int = 256  # units of the second hidden layer; 0 = a single hidden layer
    latent: int = 2  # dimension of z (2 gives the plane of fig. 20.6)
    dropout: float = 0.0  # dropout after each hidden layer while training (regularizes 4k digits)
    # the encoder's own dropout; None = ``dropout``. Dropout in the encoder widens the gap
    # between the ELBO and log p(x) (a noisier q(z|x)): 0 gained 1.2 nats of validation ELBO.
    encoder_dropout: float | None = None

    def validate(self) -> None:
        checks = (("n_visible", 1), ("hidden1", 1), ("hidden2", 0), ("latent", 1))
        for name, low in checks:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= 8192:
                raise ConfigError(
                    f"VAEConfig.{name} must be an integer in {low}..8192, got {value!r}"
                )
        if self.latent > 256:
            raise ConfigError(f"VAEConfig.latent must be at most 256, got {self.latent}")
        for name in ("dropout", "encoder_dropout"):
            value = getattr(self, name)
            if name == "encoder_dropout" and value is None:
                continue
            if not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise ConfigError(f"VAEConfig.{name} must be in [0, 1), got {value!r}")


class ELBO(NamedTuple):
    """Per-example terms of eq. 20.77, in nats: ``elbo = reconstruction − kl``. Each (B,)."""

    elbo: torch.Tensor
    reconstruction: torch.Tensor  # E_q[log p(x | z)] (Monte Carlo)
    kl: torch.Tensor  # D_KL(q(z | x) ‖ N(0, I)) (closed form)


def _mlp(sizes: list[int], dropout: float = 0.0) -> nn.Sequential:
    """Linear layers with ELU (and dropout, if any) between them, none after the last."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ELU())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def gaussian_kl_terms(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Each dimension's term ½(μ_j² + σ_j² − 1 − log σ_j²) of the KL below. (B, L) -> (B, L)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """D_KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²). (B, L) -> (B,)."""
    return gaussian_kl_terms(mu, logvar).sum(dim=-1)


def gaussian_log_density(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; μ, diag σ²) summed over the last dimension. (..., L) -> (...)."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) / logvar.exp()).sum(dim=-1)


def bernoulli_log_likelihood(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """log p(x | z) = Σ_i x_i log g_i + (1 − x_i) log(1 − g_i), g = σ(logits). (..., D) -> (...)."""
    return -nnf.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").sum(
        dim=-1
    )


class VAE(ExplorerModel):
    """Gaussian-encoder, Bernoulli-decoder VAE. Sampling methods take an optional ``generator``."""

    kind = "vae"
    config_class = VAEConfig

    def __init__(self, config: VAEConfig) -> None:
        super().__init__(config)
        hidden = [config.hidden1] + ([config.hidden2] if config.hidden2 else [])
        # x (B, 784) -> (B, 2L) = (μ, log σ²);  z (B, L) -> (B, 784) logits
        encoder_dropout = config.encoder_dropout
        if encoder_dropout is None:
            encoder_dropout = config.dropout
        self.encoder = _mlp([config.n_visible, *hidden, 2 * config.latent], encoder_dropout)
        self.decoder = _mlp([config.latent, *hidden[::-1], config.n_visible], config.dropout)

    @property
    def latent_dim(self) -> int:
        return self.config.latent

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    # -- the two networks -------------------------------------------------------------------
    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Parameters of q(z | x) = N(μ, diag σ²): ``(mu, logvar)``, each (B, L). x: (B, 784)."""
        h = self.encoder(x)  # (B, 2L)
        mu, logvar = h.chunk(2, dim=-1)  # (B, L), (B, L)
        return mu, logvar

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """Logits of the Bernoulli decoder p(x | z). (..., L) -> (..., 784)."""
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Bernoulli means g(z) = E[x | z] ∈ [0, 1]. (B, L) -> (B, 784)."""
        return torch.sigmoid(self.decoder(z))

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Fresh weights drawn with ``generator`` (no global seed): each linear layer's weights
        and biases ~ U(−1/√fan_in, 1/√fan_in), the distribution of PyTorch's default init."""
        for layer in self.modules():
            if isinstance(layer, nn.Linear):
                bound = 1.0 / math.sqrt(layer.in_features)
                for param in (layer.weight, layer.bias):
                    noise = torch.rand(param.shape, generator=generator, device=param.device)
                    param.copy_((2.0 * noise - 1.0) * bound)

    @torch.no_grad()
    def init_output_bias(self, data: torch.Tensor) -> None:
        """Start the decoder at the data's mean image: output bias = logit of each pixel's mean.

        Before training, g(z) is then the factorial Bernoulli fit of the data whatever z is, so
        the first updates teach z what differs between digits (a common VAE initialization).
        """
        mean = data.float().mean(0).clamp(1e-3, 1 - 1e-3).to(self.device)  # (784,)
        self.decoder[-1].bias.copy_(torch.log(mean / (1 - mean)))

    # -- the bound ------------------------------------------------------------------------
    @staticmethod
    def reparameterize(
        mu: torch.Tensor,
        logvar: torch.Tensor,
        n_samples: int | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """z = μ + σ ⊙ ε, ε ~ N(0, I). (B, L) -> (B, L), or (S, B, L) given ``n_samples``."""
        shape = mu.shape if n_samples is None else (n_samples, *mu.shape)
        eps = torch.randn(shape, generator=generator, device=mu.device, dtype=mu.dtype)
        return mu + (0.5 * logvar).exp() * eps

    def elbo(
        self, x: torch.Tensor, n_samples: int = 1, generator: torch.Generator | None = None
    ) -> ELBO:
        """The ELBO per example (eq. 20.77), split into reconstruction and KL; in nats.

        The reconstruction E_q[log p(x|z)] is averaged over ``n_samples`` reparameterized draws
        (differentiable); the KL is exact (:func:`gaussian_kl`). x: (B, 784) -> three (B,).
        """
        if n_samples < 1:
            raise ConfigError(f"n_samples must be ≥ 1, got {n_samples}")
        mu, logvar = self.encode(x)  # (B, L) each
        z = self.reparameterize(mu, logvar, n_samples, generator)  # (S, B, L)
        reconstruction = bernoulli_log_likelihood(x, self.decode_logits(z)).mean(dim=0)  # (B,)
        kl = gaussian_kl(mu, logvar)  # (B,)
        return ELBO(reconstruction - kl, reconstruction, kl)

    def log_weights(
        self, x: torch.Tensor, k: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """log w_i = log p(x|z_i) + log p(z_i) − log q(z_i|x), z_i ~ q(z|x). (B, 784) -> (k, B)."""
        mu, logvar = self.encode(x)  # (B, L)
        z = self.reparameterize(mu, logvar, k, generator)  # (k, B, L)
        log_px_z = bernoulli_log_likelihood(x, self.decode_logits(z))  # (k, B)
        log_pz = gaussian_log_density(z, torch.zeros_like(mu), torch.zeros_like(logvar))  # (k, B)
        log_qz_x = gaussian_log_density(z, mu, logvar)  # (k, B)
        return log_px_z + log_pz - log_qz_x

    @torch.no_grad()
    def iwae_bound(
        self,
        x: torch.Tensor,
        k: int,
        generator: torch.Generator | None = None,
        max_rows: int = 20_000,
    ) -> torch.Tensor:
        """L_k(x) = log (1/k) Σ_i w_i (eq. 20.79) per example, in nats. (B, 784) -> (B,).

        Computed in chunks of at most ``max_rows`` decoded rows (examples × k), so k = 500 on a
        thousand digits fits in memory. L_1 is a one-sample estimate of the ELBO.
        """
        if not 1 <= k <= 100_000:
            raise ConfigError(f"k must be in 1..100000, got {k}")
        per_chunk = max(1, max_rows // k)
        bounds = []
        for start in range(0, len(x), per_chunk):
            log_w = self.log_weights(x[start : start + per_chunk], k, generator)  # (k, b)
            bounds.append(torch.logsumexp(log_w, dim=0) - math.log(k))
        return torch.cat(bounds) if bounds else x.new_zeros(0)

    # -- generating and the manifold ----------------------------------------------------------
    @torch.no_grad()
    def sample(
        self, n: int, generator: torch.Generator | None = None, n_steps: int | None = None
    ) -> torch.Tensor:
        """Decoded means g(z) of z ~ N(0, I) (ancestral sampling, no chain: ``n_steps`` is
        ignored). Returns (n, 784) in [0, 1]."""
        z = torch.randn(n, self.latent_dim, generator=generator, device=self.device)
        return self.decode(z)

    @torch.no_grad()
    def manifold(
        self, n_per_side: int = 20, dims: tuple[int, int] = (0, 1)
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The decoded manifold of fig. 20.6: ``(z, images)`` of shapes (n, n, L), (n, n, 784).

        As in Kingma & Welling (2013, fig. 4), an evenly spaced grid on the unit square,
        u = (i + ½)/n, is mapped through the Gaussian's inverse CDF, z = Φ⁻¹(u), so each cell
        holds the same prior mass. Only the latent dimensions ``dims`` vary (the others are 0).
        Row 0 is the top of the picture, i.e. the largest z[dims[1]]; column 0 the smallest
        z[dims[0]] — the picture lies the same way as a plot of the latent plane.
        """
        if not 2 <= n_per_side <= 100:
            raise ConfigError(f"n_per_side must be in 2..100, got {n_per_side}")
        coords = latent_grid_coordinates(n_per_side, device=self.device)  # (n,)
        z = torch.zeros(n_per_side, n_per_side, self.latent_dim, device=self.device)
        z[:, :, dims[0]] = coords[None, :]  # columns: left → right = small → large
        z[:, :, dims[1]] = coords.flip(0)[:, None]  # rows: top → bottom = large → small
        images = self.decode(z.reshape(-1, self.latent_dim)).reshape(n_per_side, n_per_side, -1)
        return z, images


def latent_grid_coordinates(n: int, device: torch.device | str | None = None) -> torch.Tensor:
    """Φ⁻¹((i + ½)/n) for i = 0..n−1: grid coordinates of equal prior mass, increasing. (n,)."""
    u = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    return torch.special.ndtri(u).to(device=device, dtype=torch.float32)


def tile_manifold(images: torch.Tensor) -> torch.Tensor:
    """(n, n, 784) decoded grid -> one (28n, 28n) picture, row 0 on top, no gaps."""
    n_rows, n_cols = images.shape[:2]
    grid = images.reshape(n_rows, n_cols, 28, 28).permute(0, 2, 1, 3)  # (r, 28, c, 28)
    return grid.reshape(n_rows * 28, n_cols * 28)


# -- training -------------------------------------------------------------------------------
@dataclass
class VAETrainConfig:
    epochs: int = 100  # passes over the training set
    batch_size: int = 100  # examples per Adam step
    lr: float = 1e-3  # Adam learning rate
    beta: float = 1.0  # weight on the KL term (β-VAE); 1 = the ELBO of eq. 20.77
    weight_decay: float = 0.0  # decoupled weight decay (AdamW)
    cosine_decay: bool = False  # lr follows a half cosine from lr to 0 over all the epochs
    seed: int = 0

    def validate(self) -> None:
        if not isinstance(self.epochs, int) or self.epochs < 1:
            raise ConfigError(f"epochs must be an integer ≥ 1, got {self.epochs!r}")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ConfigError(f"batch_size must be an integer ≥ 1, got {self.batch_size!r}")
        if not math.isfinite(self.lr) or not 0 < self.lr <= 10:
            raise ConfigError(f"lr must be in (0, 10], got {self.lr}")
        if not math.isfinite(self.beta) or not 0 <= self.beta <= 100:
            raise ConfigError(f"beta must be in [0, 100], got {self.beta}")
        if not math.isfinite(self.weight_decay) or not 0 <= self.weight_decay < 1:
            raise ConfigError(f"weight_decay must be in [0, 1), got {self.weight_decay}")


BatchTransform = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


class VAETrainer:
    """Maximizes the (β-weighted) ELBO with the reparameterization trick and Adam.

    Loss per minibatch: −mean_b[reconstruction_b − β·KL_b] (one z sample per example). Each
    ``step()`` is one epoch; ``run_batches(n)`` does n minibatches (continuing the epoch's
    shuffled order), so a UI can train in small chunks and stay responsive between them.
    Both return the mean reconstruction, KL and ELBO (β = 1) of the minibatches they ran.
    The divergence rule (:meth:`check_divergence`): NaN or ±inf in either term, or a minibatch's
    mean −reconstruction or KL above ``DIVERGED_NATS`` = 10⁵ nats a digit, raises
    :class:`~explorer.errors.TrainingDiverged` before the weights are touched.

    ``batch_transform(batch, generator)``, if given, maps each minibatch of ``data`` to what the
    model trains on (e.g. random distortions of grey-level digits, then thresholding — see
    :mod:`explorer.data.augment`); it gets the trainer's generator. ``generator`` (default: a
    CPU/device generator seeded with ``config.seed``) draws the shuffles, the z samples and the
    transforms: nothing global is seeded. ``progress(metrics)``, if given, is called after every
    ``run_batches`` / ``step`` with the metrics it returns.
    """

    def __init__(
        self,
        model: VAE,
        data: torch.Tensor,
        config: VAETrainConfig,
        batch_transform: BatchTransform | None = None,
        generator: torch.Generator | None = None,
        progress: Callable[[dict[str, float]], None] | None = None,
    ) -> None:
        config.validate()
        if data.ndim != 2 or data.shape[1] != model.config.n_visible or len(data) == 0:
            raise ConfigError(
                f"training data must be (N, {model.config.n_visible}), got {tuple(data.shape)}"
            )
        self.model, self.config = model, config
        self.batch_transform = batch_transform
        self.device = model.device
        self.data = data.to(self.device)  # (N, 784)
        if generator is None:
            generator = torch.Generator(device=self.device).manual_seed(config.seed)
        self.generator = generator
        self.progress = progress
        self.optimizer = torch.optim.AdamW(
            model.parameters(), lr=config.lr, weight_decay=config.weight_decay
        )
        self.epoch = 0  # full epochs done
        self.batches_done = 0
        self._order = torch.randperm(len(self.data), generator=self.generator, device=self.device)
        self._cursor = 0  # position in the current epoch's order

    @property
    def done(self) -> bool:
        return self.epoch >= self.config.epochs

    @property
    def total_batches(self) -> int:
        """Minibatches in the whole run (``config.epochs`` epochs)."""
        return self.config.epochs * self.batches_per_epoch

    @property
    def fraction_done(self) -> float:
        """How much of the run is done, in [0, 1] (for progress bars)."""
        return min(1.0, self.epochs_done / self.config.epochs)

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(len(self.data) / self.config.batch_size)

    @property
    def epochs_done(self) -> float:
        """Epochs done, fractional (for live plots)."""
        return self.epoch + self._cursor / len(self.data)

    def _next_batch(self) -> torch.Tensor:
        idx = self._order[self._cursor : self._cursor + self.config.batch_size]
        self._cursor += len(idx)
        if self._cursor >= len(self.data):
            self.epoch += 1
            self._cursor = 0
            self._order = torch.randperm(
                len(self.data), generator=self.generator, device=self.device
            )
        batch = self.data[idx]  # (b, 784)
        if self.batch_transform is not None:
            batch = self.batch_transform(batch, self.generator)
        return batch

    def _train_batch(self, x: torch.Tensor) -> tuple[float, float]:
        if self.config.cosine_decay:
            total = self.config.epochs * self.batches_per_epoch
            progress = min(1.0, self.batches_done / total)
            for group in self.optimizer.param_groups:
                group["lr"] = self.config.lr * 0.5 * (1.0 + math.cos(math.pi * progress))
        terms = self.model.elbo(x, generator=self.generator)
        loss = -(terms.reconstruction - self.config.beta * terms.kl).mean()
        rec_mean = float(terms.reconstruction.detach().mean())
        kl_mean = float(terms.kl.detach().mean())
        self.check_divergence(rec_mean, kl_mean)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.batches_done += 1
        return rec_mean, kl_mean

    def check_divergence(self, reconstruction: float, kl: float) -> None:
        """Raise :class:`TrainingDiverged` if a minibatch's mean terms say training diverged.

        Diverged: NaN or ±inf in either term (hence in the loss), or terms no working model
        reaches. (A decoder at the data's mean image loses ~200 nats a digit; 1e5 nats is ~128
        nats a pixel. At β = 0 nothing bounds the KL in the loss, so it is watched on its own.)
        """
        finite = math.isfinite(reconstruction) and math.isfinite(kl)
        if finite and max(-reconstruction, kl) <= DIVERGED_NATS:
            return
        metric = "reconstruction" if not math.isfinite(reconstruction) or (
            finite and -reconstruction > DIVERGED_NATS) else "KL"
        raise TrainingDiverged(
            f"VAE training diverged in epoch {self.epochs_done:.1f} (minibatch "
            f"{self.batches_done + 1}): the {metric} term became "
            + ("NaN or infinite" if not finite else "absurdly large (> 1e5 nats a digit)")
            + f" (β = {self.config.beta:g}, lr = {self.config.lr:g}); lower the learning "
            "rate or β and train again"
        )

    def run_batches(self, n: int) -> dict[str, float]:
        """``n`` minibatch updates; returns their mean reconstruction, KL and ELBO (nats)."""
        self.model.train()
        total_rec = total_kl = 0.0
        for _ in range(n):
            rec, kl = self._train_batch(self._next_batch())
            total_rec += rec
            total_kl += kl
        self.model.eval()
        rec, kl = total_rec / max(1, n), total_kl / max(1, n)
        metrics = {"reconstruction": rec, "kl": kl, "elbo": rec - kl}
        if self.progress is not None:
            self.progress(metrics)
        return metrics

    def step(self) -> dict[str, float]:
        """One epoch (the rest of the current one, if ``run_batches`` left it half done)."""
        n = math.ceil((len(self.data) - self._cursor) / self.config.batch_size)
        return self.run_batches(n)


@torch.no_grad()
def kl_per_dimension(model: VAE, x: torch.Tensor) -> torch.Tensor:
    """Mean over x of each latent dimension's KL term ½(μ_j² + σ_j² − 1 − log σ_j²). (L,).

    A dimension whose KL is ~0 for every x carries no information about x: q(z_j|x) is the
    prior whatever x is — the dimension has collapsed. (Burda et al. count active units by
    :func:`activity_per_dimension` instead.)
    """
    mu, logvar = model.encode(x)
    return gaussian_kl_terms(mu, logvar).mean(dim=0)


@torch.no_grad()
def activity_per_dimension(model: VAE, x: torch.Tensor) -> torch.Tensor:
    """Burda et al.'s (2015) activity A_u = Cov_x(E_{q(z|x)}[z_u]) of each latent unit. (L,).

    E_q[z_u] = μ_u(x), so A_u is the variance over the digits x of the encoder's mean: a unit
    whose mean does not move with x tells the decoder nothing. Active: A_u > ``ACTIVE_THRESHOLD``
    = 10⁻² (their criterion; see :func:`active_units`).
    """
    mu, _ = model.encode(x)
    return mu.double().var(dim=0, unbiased=False).float()


def active_units(model: VAE, x: torch.Tensor, threshold: float = ACTIVE_THRESHOLD) -> int:
    """How many latent units are active by Burda et al.'s criterion A_u > ``threshold``."""
    return int((activity_per_dimension(model, x) > threshold).sum())


def prior_cdf(z: torch.Tensor | float) -> torch.Tensor:
    """Φ(z), the standard normal CDF of the prior's coordinates: the inverse of
    :func:`latent_grid_coordinates`' Φ⁻¹, so Φ(z) is where z sits on the manifold picture."""
    return torch.special.ndtr(torch.as_tensor(z, dtype=torch.float64))
