"""A GAN on 2-D toys (chapter §20.10.4, eqs. 20.80–20.81): MLP generator and discriminator, and a
trainer for the objectives of :mod:`explorer.models.gan_losses` (the mode-collapse app's backend).
Long because the trainer keeps the helpers the app draws (D's heatmap, G's gradient arrows, the
warped z-grid) beside the losses they must agree with; the objectives are in gan_losses.py.

Generator:      x = G(z),  z ~ N(0, I_{z_dim}),  an MLP z_dim → h → … → h → data_dim (ReLU)
Discriminator:  a = D(x) ∈ ℝ, an MLP (pack·data_dim) → h → … → h → 1 (LeakyReLU 0.2);
                D(x) = σ(a) is the probability that x is real (eq. 20.81's d); for WGAN-GP,
                a is the critic's score.
Packing (PacGAN): with ``pack`` = m ≥ 2, D reads m samples concatenated into one input.

Sizes: 3 hidden layers of 128 units in each net by default — the 2-D literature uses 2–4 layers of
128–400 units (Metz et al. 2017: 128; PacGAN/VEEGAN: 400 in G, 200 in D); 128 trains ring-8 in
seconds on one CPU core (the numbers in the module of tests, tests/test_gan.py). No batch norm by
default (``g_norm="none"``), so a sample depends on its own z only; the MNIST GANs use it in G
(see :class:`Generator`).

Trainer (:class:`GANTrainer`, the contract of :mod:`explorer.train.contract`): one *iteration* is
``d_steps`` discriminator updates then one generator update, each on a fresh minibatch; ``step()``
runs ``iterations_per_step`` iterations (the contract's "epoch", the data being infinite),
``run_batches(n)`` runs n iterations, ``step_d()`` / ``step_g()`` a single update of one player.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
from torch import nn
from torch.func import functional_call

from explorer.data.toys import Toy
from explorer.errors import ConfigError
from explorer.models.base import ExplorerModel, ensure_finite, seeded_global_rng
from explorer.models.gan_losses import (
    Objective,
    get_objective,
    gradient_penalty,
    pack,
    r1_penalty,
    unrolled_parameters,
)


def _int_in(value: object, name: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{name} must be an integer in {low}..{high}, got {value!r}")


def _float_in(value: object, name: str, low: float, high: float, open_low: bool = True) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and (value > low if open_low else value >= low)
    if not (ok and value <= high):
        bracket = "(" if open_low else "["
        raise ConfigError(f"{name} must be in {bracket}{low:g}, {high:g}], got {value!r}")


@dataclass
class GANConfig:
    data_dim: int = 2  # dimension of a data point x (2 for the toys)
    z_dim: int = 2  # dimension of the latent z ~ N(0, I); 2 lets the app draw G's warp of a grid
    g_hidden: int = 128  # units per hidden layer of the generator
    g_depth: int = 3  # hidden layers of the generator
    d_hidden: int = 128  # units per hidden layer of the discriminator
    d_depth: int = 3  # hidden layers of the discriminator
    pack: int = 1  # m: samples per discriminator input (PacGAN; 1 = no packing)
    output: str = "linear"  # G's last layer: "linear" (points) or "sigmoid" (pixels in [0, 1])
    g_norm: str = "none"  # "batch": BatchNorm after each hidden layer of G (DCGAN); see Generator

    def validate(self) -> None:
        if self.output not in ("linear", "sigmoid"):
            raise ConfigError(
                f"GANConfig.output must be 'linear' or 'sigmoid', got {self.output!r}"
            )
        if self.g_norm not in ("none", "batch"):
            raise ConfigError(f"GANConfig.g_norm must be 'none' or 'batch', got {self.g_norm!r}")
        _int_in(self.data_dim, "GANConfig.data_dim", 1, 4096)
        _int_in(self.z_dim, "GANConfig.z_dim", 1, 1024)
        for name in ("g_hidden", "d_hidden"):
            _int_in(getattr(self, name), f"GANConfig.{name}", 1, 4096)
        for name in ("g_depth", "d_depth"):
            _int_in(getattr(self, name), f"GANConfig.{name}", 1, 8)
        _int_in(self.pack, "GANConfig.pack", 1, 16)


def _mlp(
    n_in: int, hidden: int, depth: int, n_out: int, activation: Callable[[], nn.Module],
    batch_norm: bool = False,
) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(depth):
        layers.append(nn.Linear(n_in if i == 0 else hidden, hidden))
        if batch_norm:
            layers.append(nn.BatchNorm1d(hidden))
        layers.append(activation())
    layers.append(nn.Linear(hidden, n_out))
    return nn.Sequential(*layers)


class Generator(nn.Module):
    """G: (n, z_dim) -> (n, data_dim), ``g_depth`` ReLU layers of ``g_hidden`` units, then a
    linear output layer (followed by a sigmoid when ``config.output`` is "sigmoid").

    ``g_norm="batch"``: each hidden layer is Linear → BatchNorm → ReLU (Ioffe & Szegedy 2015, as
    in DCGAN's generator, Radford et al. 2015). Why MNIST needs it: with PyTorch's default
    initialisation (weights U(±1/√fan_in), variance 1/(3·fan_in), a sixth of He's 2/fan_in) each
    ReLU layer shrinks the z-dependent part of the activations, so at step 0 G's 784 outputs vary
    with z by about 0.01 and its first updates fit one mean image — every z gives the same digit
    (measured with the MNIST nets, lr 2e-4, batch 64: the mean pixel std over z was 0.011 after
    1,000 iterations without it, 0.13 with it; the training digits' is 0.19).
    BatchNorm rescales each unit to unit variance over the batch, so the outputs depend on z from
    the start. In training mode a sample then depends on its batch; :meth:`GAN.sample` in eval
    mode (``model.eval()``, as :func:`explorer.weights.load_pretrained` returns models) uses the
    running statistics, so each sample depends on its own z only."""

    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        self.net = _mlp(config.z_dim, config.g_hidden, config.g_depth, config.data_dim, nn.ReLU,
                        batch_norm=config.g_norm == "batch")
        if config.output == "sigmoid":
            self.net.append(nn.Sigmoid())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class Discriminator(nn.Module):
    """D: packed points (P, pack·data_dim) -> logits (P,), ``d_depth`` LeakyReLU(0.2) layers of
    ``d_hidden`` units (leaky, so no unit dies and ∇_x D, which WGAN-GP and R1 penalise, exists
    everywhere off the data)."""

    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        self.input_dim = config.pack * config.data_dim
        leaky = lambda: nn.LeakyReLU(0.2)  # noqa: E731
        self.net = _mlp(self.input_dim, config.d_hidden, config.d_depth, 1, leaky)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


class GAN(ExplorerModel):
    """A generator and a discriminator for ``data_dim``-dimensional points (kind "gan-2d").

    It claims no ``SAMPLE`` capability: that promises pixel values in [0, 1], and these are points
    of the plane; ``sample`` is still here for the app and the metrics.
    """

    kind = "gan-2d"
    config_class = GANConfig
    capabilities = frozenset()

    def __init__(self, config: GANConfig) -> None:
        super().__init__(config)
        self.generator = Generator(config)
        self.discriminator = Discriminator(config)

    def latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z ~ N(0, I), (n, z_dim), drawn on ``generator``'s device, moved to the model's."""
        device = next(self.parameters()).device
        where = generator.device if generator is not None else device
        return torch.randn(n, self.config.z_dim, generator=generator, device=where).to(device)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n points G(z), z ~ N(0, I): (n, data_dim)."""
        return self.generator(self.latent(n, generator))

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        """D's logits (critic scores for WGAN-GP) for points x (B, data_dim), packed in runs of
        ``pack`` consecutive rows: (B / pack,). B must be a multiple of ``pack``."""
        return self.discriminator(pack(x, self.config.pack))


class ImageGAN(GAN):
    """The same nets for flattened images (kind "gan-mnist": data_dim 784, sigmoid output so a
    sample is 784 pixel values in [0, 1]); trained by :class:`GANTrainer` on a
    :class:`TensorData`. ``discriminator_grid`` and ``warp_grid`` are for 2-D data only."""

    kind = "gan-mnist"


def build_gan(config: GANConfig | None = None, seed: int = 0, cls: type[GAN] = GAN) -> GAN:
    """A GAN (or ``cls``, e.g. :class:`ImageGAN`) with PyTorch's default initialisation drawn as
    after ``torch.manual_seed(seed)``, without touching anybody else's random stream."""
    with seeded_global_rng(seed):
        return cls(config or GANConfig())


class TensorData:
    """Training data held in a tensor (N, d), sampled like a toy: ``sample(n, generator)`` draws
    n rows uniformly with replacement (each minibatch independent, as the toys' draws are)."""

    def __init__(self, x: torch.Tensor, name: str = "tensor-data") -> None:
        if x.ndim != 2 or x.shape[0] == 0:
            raise ConfigError(f"TensorData needs an (N, d) tensor with N ≥ 1, got {tuple(x.shape)}")
        self.x, self.name = x.float(), name

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        index = torch.randint(0, self.x.shape[0], (n,), generator=generator)
        return self.x[index.to(self.x.device)]


# ----------------------------------------------------------------------------- training


@dataclass
class GANTrainConfig:
    objective: str = "non-saturating"  # a key of gan_losses.OBJECTIVES
    n_iterations: int = 3000  # iterations (d_steps D updates + 1 G update each) until ``done``
    batch_size: int = 256  # real and fake samples per update (a multiple of GANConfig.pack)
    # Adam with β = (0.5, 0.9): β₁ = 0.5, DCGAN's (Radford et al. 2015) usual GAN choice, and
    # (0.5, 0.9) is WGAN-GP's. lr 1e-3 for both players (WGAN-GP and DCGAN use 1e-4 to 2e-4 on
    # images) so a ring trains in seconds in class: non-saturating covers 8/8 modes of ring-8
    # (std 0.05) in 600 iterations on seeds 0–4 (tests/test_gan.py).
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    beta1: float = 0.5
    beta2: float = 0.9
    d_steps: int = 1  # D updates per G update (WGAN-GP's paper uses 5)
    unroll_k: int = 5  # K, discriminator steps unrolled for G's loss (objective "unrolled")
    unroll_lr: float = 1e-2  # step size of the unrolled (plain gradient) D steps
    unroll_backprop: bool = True  # differentiate through the unrolled steps (Metz et al.)
    gp_weight: float = 0.1  # λ of WGAN-GP (0.1 here: see GANTrainer's docstring; paper: 10)
    r1_gamma: float = 0.1  # γ of R1: D's loss gets (γ/2) E‖∇_x D(x)‖² on real data
    # Learning-rate schedule: both lrs follow a half cosine from their value at iteration 0 to
    # ``lr_final`` × it at ``n_iterations`` (1.0 = constant, the default). Late small steps let G
    # settle within 3 std (0.03) of ring-8's modes, which the HQ share needs.
    lr_final: float = 1.0
    # Exponential moving average of G's weights (Yazıcı et al. 2019, "The unusual effectiveness
    # of averaging in GAN training"): θ̄ ← β θ̄ + (1 − β) θ after every G update; β = ``g_ema``,
    # 0 = off. Training never reads θ̄; :meth:`GANTrainer.use_average` puts it into G (the
    # recipes and the benchmark do so at the end of a run that sets it).
    g_ema: float = 0.0
    iterations_per_step: int = 100  # iterations per ``step()`` (the contract's "epoch")
    monitor_every: int = 100  # call the trainer's ``monitor`` every N iterations; 0 = never
    monitor_samples: int = 2500  # fresh samples it gets (2,500: the mode-coverage protocol)

    def validate(self) -> None:
        get_objective(self.objective)
        _int_in(self.n_iterations, "n_iterations", 1, 10_000_000)
        _int_in(self.batch_size, "batch_size", 1, 1_000_000)
        for name in ("lr_g", "lr_d", "unroll_lr"):
            _float_in(getattr(self, name), name, 0.0, 1.0)
        for name in ("beta1", "beta2"):
            _float_in(getattr(self, name), name, 0.0, 0.9999, open_low=False)
        _int_in(self.d_steps, "d_steps", 1, 100)
        _int_in(self.unroll_k, "unroll_k", 1, 100)
        if not isinstance(self.unroll_backprop, bool):
            raise ConfigError(f"unroll_backprop must be a bool, got {self.unroll_backprop!r}")
        _float_in(self.gp_weight, "gp_weight", 0.0, 1e4, open_low=False)
        _float_in(self.r1_gamma, "r1_gamma", 0.0, 1e4, open_low=False)
        _float_in(self.lr_final, "lr_final", 0.0, 1.0, open_low=False)
        _float_in(self.g_ema, "g_ema", 0.0, 0.9999999, open_low=False)
        _int_in(self.iterations_per_step, "iterations_per_step", 1, 1_000_000)
        _int_in(self.monitor_every, "monitor_every", 0, 10_000_000)
        _int_in(self.monitor_samples, "monitor_samples", 1, 1_000_000)


class GANTrainer:
    """Alternating Adam updates of D and G on one of the :data:`gan_losses.OBJECTIVES`.

    Every random draw (z, real minibatches, WGAN-GP's ε) comes from ``generator``, so two trainers
    built alike repeat exactly; :meth:`eval_samples` (what the monitor sees) draws from a second
    stream seeded from it at start, so measuring (or not) never changes the training run.

    ``monitor``: called every ``monitor_every`` iterations with ``monitor_samples`` fresh samples
    (n, 2); the numbers it returns join that iteration's metrics (those that are NaN — undefined,
    like a reverse KL with no high-quality sample — are left out). models/ may not import
    metrics/, so the caller passes it, e.g. ``lambda x: asdict(mode_coverage(x, toy.modes,
    toy.mode_std))`` of :mod:`explorer.metrics.modes`. Losses are checked after each update;
    NaN/inf raises :class:`TrainingDiverged` naming the iteration.

    Defaults on the toys: WGAN-GP's λ = 0.1 and R1's γ = 0.1 follow Gulrajani et al.'s own 2-D toy
    code (``gan_toy.py``: "smaller lambda seems to help for toy tasks"; the paper's images use
    λ = 10); γ = 0.1 was set alike, not tuned (Mescheder et al. use γ = 10 on images).
    """

    def __init__(
        self,
        model: GAN,
        toy: Toy | TensorData,
        config: GANTrainConfig | None = None,
        generator: torch.Generator | None = None,
        monitor: Callable[[torch.Tensor], Mapping[str, float]] | None = None,
    ) -> None:
        config = config or GANTrainConfig()
        config.validate()
        self.objective: Objective = get_objective(config.objective)
        m = model.config.pack
        if self.objective.needs_pack and m < 2:
            raise ConfigError(f"objective {config.objective!r} needs GANConfig.pack ≥ 2, got {m}")
        if config.batch_size % m:
            raise ConfigError(f"batch_size {config.batch_size} is not a multiple of pack {m}")
        probe = toy.sample(1, torch.Generator().manual_seed(0))  # its own stream: no side effect
        if probe.shape[-1] != model.config.data_dim:
            raise ConfigError(f"the data have dimension {probe.shape[-1]} but GANConfig.data_dim "
                              f"is {model.config.data_dim}")
        self.model, self.toy, self.config = model, toy, config
        self.device = next(model.parameters()).device
        self.generator = generator if generator is not None else torch.Generator().manual_seed(0)
        seed = int(torch.randint(0, 2**62, (1,), generator=self.generator))
        self.eval_generator = torch.Generator().manual_seed(seed)
        betas = (config.beta1, config.beta2)
        self.opt_g = torch.optim.Adam(model.generator.parameters(), lr=config.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(model.discriminator.parameters(), lr=config.lr_d, betas=betas)
        self.iteration = 0  # full iterations done (d_steps D updates + one G update)
        self.d_updates = 0
        self.g_updates = 0
        self.monitor = monitor
        self.monitor_history: list[tuple[int, dict[str, float]]] = []  # (iteration, numbers)
        # θ̄, the running average of G's parameters (config.g_ema > 0), else None
        self.average: list[torch.Tensor] | None = (
            [p.detach().clone() for p in model.generator.parameters()] if config.g_ema else None
        )

    # -- the contract --------------------------------------------------------------------
    @property
    def epoch(self) -> int:
        """Completed ``step()``s' worth of iterations (the contract's epochs)."""
        return self.iteration // self.config.iterations_per_step

    @property
    def done(self) -> bool:
        return self.iteration >= self.config.n_iterations

    @property
    def fraction_done(self) -> float:
        """Iterations done over ``n_iterations``, in [0, 1] (a progress bar's value)."""
        return min(1.0, self.iteration / self.config.n_iterations)

    @property
    def total_batches(self) -> int:
        """``n_iterations`` (with :attr:`batches_done`: a live driver never runs past the end)."""
        return self.config.n_iterations

    @property
    def batches_done(self) -> int:
        return self.iteration

    def step(self) -> dict[str, float]:
        """``iterations_per_step`` iterations (see :meth:`run_batches`)."""
        return self.run_batches(self.config.iterations_per_step)

    def run_batches(self, n: int) -> dict[str, float]:
        """n iterations. Returns the mean ``d_loss`` and ``g_loss`` over them (plus the mean of
        any penalty, ``gp`` or ``r1``), and the monitor's numbers if it ran in them (the last)."""
        _int_in(n, "n", 1, 10_000_000)
        totals: dict[str, float] = {}
        monitored = len(self.monitor_history)
        for _ in range(n):
            metrics = self.train_iteration()
            for key in ("d_loss", "g_loss", "gp", "r1"):
                if key in metrics:
                    totals[key] = totals.get(key, 0.0) + metrics[key]
        result = {key: value / n for key, value in totals.items()}
        if len(self.monitor_history) > monitored:
            result.update(self.monitor_history[-1][1])
        return result

    def lr_factor(self, iteration: int | None = None) -> float:
        """The schedule's multiplier of both lrs at ``iteration`` (default: the current one):
        ``lr_final + (1 − lr_final)·(1 + cos(π·t))/2`` with t = iteration / n_iterations clipped
        to [0, 1] — 1 at the start, ``lr_final`` at ``n_iterations`` and after."""
        it = self.iteration if iteration is None else iteration
        t = min(1.0, max(0.0, it / self.config.n_iterations))
        final = self.config.lr_final
        return final + (1.0 - final) * 0.5 * (1.0 + math.cos(math.pi * t))

    def _apply_schedule(self) -> None:
        factor = self.lr_factor()
        for opt, lr in ((self.opt_d, self.config.lr_d), (self.opt_g, self.config.lr_g)):
            for group in opt.param_groups:
                group["lr"] = lr * factor

    def train_iteration(self) -> dict[str, float]:
        """``d_steps`` D updates then one G update (the last D update's numbers are reported);
        the monitor's numbers when the iteration count reaches a multiple of ``monitor_every``.
        The lrs are set by the schedule (:meth:`lr_factor`) first."""
        if self.config.lr_final != 1.0:
            self._apply_schedule()
        metrics: dict[str, float] = {}
        for _ in range(self.config.d_steps):
            d_metrics = self.step_d()
        metrics.update(d_metrics)
        metrics.update(self.step_g())
        self.iteration += 1
        every = self.config.monitor_every
        if self.monitor is not None and every and self.iteration % every == 0:
            numbers = self.monitor(self.eval_samples())
            numbers = {k: float(v) for k, v in numbers.items() if math.isfinite(float(v))}
            self.monitor_history.append((self.iteration, numbers))
            metrics.update(numbers)
        return metrics

    # -- one player at a time --------------------------------------------------------------
    def _real(self, generator: torch.Generator | None = None) -> torch.Tensor:
        generator = generator if generator is not None else self.generator
        return self.toy.sample(self.config.batch_size, generator).to(self.device)

    def _packed(self, x: torch.Tensor) -> torch.Tensor:
        return pack(x, self.model.config.pack)

    def _check(self, values: dict[str, float], who: str) -> None:
        lr = self.config.lr_d if who == "D" else self.config.lr_g
        where = f"iteration {self.iteration + 1} ({who} update)"
        ensure_finite(values, "GAN", where, f"lower lr_{who.lower()} (now {lr:g}) or reset")

    def step_d(self) -> dict[str, float]:
        """One discriminator update on a fresh real and fake minibatch (alone, it counts in
        ``d_updates``, not ``iteration``). Returns ``d_loss`` (the objective's D loss, penalty
        included) and the raw penalty ``gp`` / ``r1`` if any."""
        model, cfg, objective = self.model, self.config, self.objective
        real = self._packed(self._real())
        with torch.no_grad():
            fake = self._packed(model.generator(model.latent(cfg.batch_size, self.generator)))
        critic = model.discriminator
        loss = objective.d_loss(critic(real), critic(fake))
        metrics: dict[str, float] = {}
        if objective.penalty == "gp":
            penalty = gradient_penalty(critic, real, fake, self.generator)
            loss = loss + cfg.gp_weight * penalty
            metrics["gp"] = float(penalty.detach())
        elif objective.penalty == "r1":
            penalty = r1_penalty(critic, real)
            loss = loss + 0.5 * cfg.r1_gamma * penalty
            metrics["r1"] = float(penalty.detach())
        metrics["d_loss"] = float(loss.detach())
        self._check(metrics, "D")
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        self.d_updates += 1
        return metrics

    def generator_loss(self, fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
        """The objective's G loss (a mean over packs) for the points ``fake`` (B, 2), B a multiple
        of ``pack``; differentiable in ``fake``. For "unrolled", D is first unrolled ``unroll_k``
        steps on ``fake`` and ``real`` (a fresh minibatch if None) — see
        :func:`gan_losses.unrolled_parameters`."""
        disc = self.model.discriminator
        packed = self._packed(fake)
        if not self.objective.unrolled:
            return self.objective.g_loss(disc(packed))
        if real is None:
            real = self._real()
        real = self._packed(real[: fake.shape[0]] if real.shape[0] >= fake.shape[0] else real)
        cfg = self.config
        params = unrolled_parameters(
            disc, real, packed, cfg.unroll_k, cfg.unroll_lr, cfg.unroll_backprop
        )
        return self.objective.g_loss(functional_call(disc, params, (packed,)))

    def step_g(self) -> dict[str, float]:
        """One generator update on a fresh z minibatch (alone, it counts in ``g_updates``, not
        ``iteration``). Returns ``g_loss``."""
        model, cfg = self.model, self.config
        fake = model.generator(model.latent(cfg.batch_size, self.generator))
        loss = self.generator_loss(fake)
        metrics = {"g_loss": float(loss.detach())}
        self._check(metrics, "G")
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        self.model.discriminator.zero_grad(set_to_none=True)  # G's backward reached D's weights
        self.g_updates += 1
        if self.average is not None:
            with torch.no_grad():
                for mean, p in zip(self.average, model.generator.parameters(), strict=True):
                    mean.lerp_(p.detach(), 1.0 - cfg.g_ema)  # θ̄ ← β θ̄ + (1 − β) θ
        return metrics

    @torch.no_grad()
    def use_average(self) -> bool:
        """Put the running average θ̄ of G's weights into G (``g_ema`` > 0; the average restarts
        from there). Returns False, changing nothing, when no average is kept."""
        if self.average is None:
            return False
        for mean, p in zip(self.average, self.model.generator.parameters(), strict=True):
            p.copy_(mean)
        return True

    # -- what the app draws --------------------------------------------------------------
    def _need_plane(self) -> None:
        if self.model.config.data_dim != 2:
            raise ConfigError("the plane's pictures need 2-D data (GANConfig.data_dim = 2)")

    @torch.no_grad()
    def eval_samples(self, n: int | None = None) -> torch.Tensor:
        """n (default ``monitor_samples``) fresh samples G(z), (n, 2) on the CPU, from the
        trainer's evaluation stream (never the training one)."""
        return self.model.sample(n or self.config.monitor_samples, self.eval_generator).cpu()

    @torch.no_grad()
    def discriminator_grid(self, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
        """D's output on the grid (x = xs[j], y = ys[i]), shape (H, W) = (len(ys), len(xs)):
        the probability D(x) = σ(a) that a point is real, or the raw critic score for WGAN-GP.
        With packing, D judges a pack of ``pack`` copies of the point. 2-D data only."""
        self._need_plane()
        gx, gy = torch.meshgrid(torch.as_tensor(ys), torch.as_tensor(xs), indexing="ij")
        points = torch.stack([gy.reshape(-1), gx.reshape(-1)], dim=1).float().to(self.device)
        packed = points.repeat(1, self.model.config.pack)  # (HW, m·2): m copies per row
        out = self.model.discriminator(packed)
        if not self.objective.critic:
            out = torch.sigmoid(out)
        return out.reshape(gx.shape).cpu()

    def generator_gradients(self, z: torch.Tensor) -> torch.Tensor:
        """−∂L/∂x at x = G(z), (n, 2): where G's loss pushes each generated point, L being the
        objective's G loss summed over packs (each point's own term; mean × number of packs).
        With packing, the last pack is completed with copies of the first points (whose gradients
        are dropped); for "unrolled" the gradient runs through the unrolled steps too (D unrolled
        on these n points and a real minibatch from the evaluation stream)."""
        with torch.no_grad():
            x = self.model.generator(z.to(self.device))
        n, m = x.shape[0], self.model.config.pack
        extra = (-n) % m
        x = torch.cat([x, x[:extra]]).requires_grad_(True)
        real = self._real(self.eval_generator) if self.objective.unrolled else None
        loss = self.generator_loss(x, real) * (x.shape[0] // m)
        (grad,) = torch.autograd.grad(loss, x)
        self.model.discriminator.zero_grad(set_to_none=True)
        return -grad[:n].detach().cpu()

    @torch.no_grad()
    def warp_grid(self, n: int = 21, radius: float = 3.0) -> torch.Tensor:
        """G's image of an n×n grid of z on [−radius, radius]² (z ~ N(0, I) puts 99.7 % of each
        coordinate inside ±3): (n, n, 2), out[i, j] = G(z) with z₁ = u[j], z₂ = u[i]. For z_dim > 2
        the grid spans the first two coordinates and the others are held at 0, their mean (a
        2-D slice through z-space); for z_dim 1 it is G of the line, repeated on each row.
        2-D data only."""
        self._need_plane()
        _int_in(n, "n", 2, 1000)
        u = torch.linspace(-radius, radius, n)
        zi, zj = torch.meshgrid(u, u, indexing="ij")
        z = torch.zeros(n * n, self.model.config.z_dim)
        z[:, 0] = zj.reshape(-1)
        if self.model.config.z_dim > 1:
            z[:, 1] = zi.reshape(-1)
        return self.model.generator(z.to(self.device)).reshape(n, n, -1).cpu()

