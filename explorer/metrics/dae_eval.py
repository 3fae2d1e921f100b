"""What a denoising autoencoder's card and ``explorer eval`` say (§20.11.1–3).

2-D DAEs (trained on a toy of :mod:`explorer.data.toys`):

- :func:`tweedie_match` — with Gaussian corruption of std σ the best reconstruction is
  E[x | x̃] = x̃ + σ²∇log p_σ(x̃) (Tweedie; Alain & Bengio: r(x) − x ≈ σ²∂log p/∂x). On x̃ drawn
  from p_σ (toy + N(0, σ²I)), keeping the 95 % where log p_σ is highest, the median cosine and
  median relative error of the learned r(x̃) − x̃ against it. Gaussian mixtures only (analytic).
- :func:`spurious_share` — the share of points **off the data**: for a Gaussian mixture, farther
  than ``SPURIOUS_N_STD`` = 3 component stds from every mode (‖x − μ_k‖ / s_k > 3 for all k);
  for a 1-D manifold toy, farther than 3 noise stds from the noise-free curve. Of the data itself
  about 1.1 % (mixture: P(Rayleigh > 3) = e^−4.5) or ≤ 0.3 % (manifold) count as spurious.
- :func:`chain_metrics` — ``N_CHAINS`` chains started at N(0, I), run ``N_STEPS`` full steps
  (:class:`~explorer.sampling.dae_chain.DAEChain`), then MMD² (:func:`~explorer.metrics.mmd.mmd2`,
  the held-out data's median-heuristic bandwidth) to held-out data **divided by** the mean |MMD²|
  of five pairs of data samples of the same size (the data-vs-data level; ≈ 1 means "as close as
  a second data sample"), and the spurious share of the chains' states.

MNIST DAEs: :func:`mnist_dae_metrics` — the mean test reconstruction log-likelihood
log p(x | ω = g(f(x̃))), x̃ ~ C(x̃ | x) (one corruption per digit, nats); ``evaluate_dae`` adds the
classifier's agreement on right-half-clamped completions of 500 test digits after 200 steps
(:func:`~explorer.metrics.inpainting.inpainting_agreement`, through the sampler registry).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from explorer.data.toys import GaussianMixture, ManifoldToy, make_toy
from explorer.errors import ConfigError
from explorer.metrics.mmd import median_bandwidth, mmd2

SPURIOUS_N_STD = 3.0
N_CHAINS = 2000
N_STEPS = 300
TWEEDIE_POINTS = 4000


def spurious_mask(toy: Any, x: torch.Tensor, n_std: float = SPURIOUS_N_STD) -> torch.Tensor:
    """Bool (n,): True where a point is off the data (module docstring)."""
    x = torch.as_tensor(x, dtype=torch.float64)
    if isinstance(toy, GaussianMixture):
        d = torch.cdist(x, toy.modes.double()) / toy.mode_std.double()[None, :]
        return d.min(dim=1).values > n_std
    if isinstance(toy, ManifoldToy):
        return toy.distance_to_manifold(x) > n_std * max(toy.noise, 1e-6)
    raise ConfigError(f"no spurious-share rule for a {type(toy).__name__}")


def spurious_share(toy: Any, x: torch.Tensor, n_std: float = SPURIOUS_N_STD) -> float:
    """The share of the rows of ``x`` (n, 2) that are off the data (module docstring)."""
    return float(spurious_mask(toy, x, n_std).double().mean()) if len(x) else float("nan")


@torch.no_grad()
def tweedie_match(
    model: Any, toy: GaussianMixture, n: int = TWEEDIE_POINTS, seed: int = 0
) -> dict[str, float]:
    """``{"tweedie_cosine", "tweedie_relative_error"}``: medians over x̃ ~ p_σ (module doc)."""
    sigma = float(model.config.noise)
    g = torch.Generator().manual_seed(seed)
    x = toy.sample(n, g)
    x_tilde = (x + sigma * torch.randn(x.shape, generator=g)).double()
    log_p = toy.smoothed(sigma).log_density(x_tilde)
    keep = log_p >= log_p.quantile(0.05)
    device = next(model.parameters()).device
    learned = model.reconstruction_field(x_tilde.float().to(device)).double().cpu()[keep]
    exact = (toy.tweedie_denoiser(x_tilde, sigma) - x_tilde)[keep]
    cosine = torch.nn.functional.cosine_similarity(learned, exact, dim=1).median()
    relative = ((learned - exact).norm(dim=1) / exact.norm(dim=1)).median()
    return {"tweedie_cosine": float(cosine), "tweedie_relative_error": float(relative)}


class DataReference:
    """Held-out data, the kernel bandwidth and the data-vs-data MMD² level for one toy."""

    def __init__(self, toy: Any, n: int = N_CHAINS, seed: int = 0) -> None:
        g = torch.Generator().manual_seed(10_000 + seed)
        self.toy, self.n = toy, n
        self.held_out = toy.sample(n, g)
        self.bandwidth = median_bandwidth(self.held_out, toy.sample(n, g))
        self.level = float(np.mean([abs(mmd2(toy.sample(n, g), toy.sample(n, g), self.bandwidth))
                                    for _ in range(5)]))
        self.data_spurious = spurious_share(toy, toy.sample(n, g))

    def mmd_ratio(self, x: torch.Tensor) -> float:
        """MMD²(x, held-out) / the data-vs-data level (x with ≥ 2 rows)."""
        return mmd2(torch.as_tensor(x).cpu(), self.held_out, self.bandwidth) / self.level


@torch.no_grad()
def run_free_chains(
    model: Any, n_chains: int = N_CHAINS, n_steps: int = N_STEPS, seed: int = 0
) -> torch.Tensor:
    """``n_chains`` unclamped chains from N(0, I), ``n_steps`` steps; their states (n, 2), CPU."""
    from explorer.sampling.dae_chain import DAEChain

    device = next(model.parameters()).device
    g = torch.Generator(device=device).manual_seed(seed)
    start = torch.randn(n_chains, 2, generator=g, device=device)
    return DAEChain.free(model, start, g).run(n_steps).cpu()


def chain_metrics(
    model: Any, toy: Any, seed: int = 0, n_chains: int = N_CHAINS, n_steps: int = N_STEPS,
    reference: DataReference | None = None,
) -> dict[str, float]:
    """``mmd2_ratio``, ``spurious_share`` of the chains, ``data_spurious_share`` (module doc)."""
    reference = reference or DataReference(toy, n_chains, seed)
    states = run_free_chains(model, n_chains, n_steps, seed)
    return {"mmd2_ratio": reference.mmd_ratio(states),
            "spurious_share": spurious_share(toy, states),
            "data_spurious_share": reference.data_spurious}


def dae2d_metrics(model: Any, toy: Any, seed: int = 0) -> dict[str, float]:
    """The 2-D card: the Tweedie match (mixtures) and the chain metrics."""
    out: dict[str, float] = {}
    if isinstance(toy, GaussianMixture):
        out.update(tweedie_match(model, toy, seed=seed))
    out.update(chain_metrics(model, toy, seed=seed))
    return out


@torch.no_grad()
def mnist_dae_metrics(model: Any, x: torch.Tensor, seed: int = 0) -> dict[str, float]:
    """``reconstruction_log_likelihood``: mean log p(x | g(f(x̃))), x̃ ~ C(x̃ | x), nats/digit."""
    g = torch.Generator(device=x.device).manual_seed(seed)
    omega = model.decode(model.encode(model.corrupt(x, g), g))
    return {"reconstruction_log_likelihood": float(model.log_prob(x, omega).mean())}


def toy_of(model: Any, source: str | None) -> Any:
    """The toy a 2-D DAE was trained on: ``source`` if it names one, else its card's."""
    name = source or (getattr(model, "card", None) or {}).get("data", {}).get("toy")
    if not name:
        raise ConfigError("a 2-D DAE's evaluation needs its toy: pass --data TOY")
    return make_toy(name)


def evaluate_dae(model: Any, source: str | None, seed: int) -> dict[str, float]:
    """2-D: :func:`dae2d_metrics` on its toy; MNIST: the reconstruction log-likelihood on the test
    split plus the right-half inpainting agreement on the first 500 test digits (200 steps)."""
    if model.config.data == "2d":
        return dae2d_metrics(model, toy_of(model, source), seed)
    from explorer.data import load_mnist
    from explorer.metrics.inpainting import inpainting_agreement
    from explorer.weights import load_pretrained

    images, labels = load_mnist("test", binarize=True, source=source)
    x = torch.from_numpy(images).to(next(model.parameters()).device)
    result = mnist_dae_metrics(model, x, seed=seed)
    classifier = load_pretrained("classifier-mnist", device=str(x.device))
    result["inpaint_right_half_agreement_500"] = inpainting_agreement(
        model, classifier, images[:500], labels[:500], "right-half", seed=seed)
    return result
