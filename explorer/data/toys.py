"""2-D toy distributions shared by the DAE-chain and mode-collapse apps.

Every toy is an object with ``sample(n, generator) -> (n, 2) float32`` (on the CPU; pass a
``torch.Generator`` for reproducible draws, never a global seed). Two families:

* :class:`GaussianMixture` — an analytic density: ``log_density(x)`` and the score
  ``score(x) = ∇_x log p(x)``. ``smoothed(σ)`` is the mixture convolved with N(0, σ²I) and
  ``tweedie_denoiser(x̃, σ)`` the exact best denoiser E[x | x̃] for Gaussian corruption of std σ
  (see its docstring: Tweedie's formula and the Alain & Bengio score connection of chapter §20.11).
  ``ring8`` and ``grid25`` build the literature's mixtures exactly as PacGAN/VEEGAN do.
* 1-D manifolds in 2-D with noise — :class:`Circle`, :class:`TwoMoons`, :class:`Spiral`: no
  analytic density, but ``distance_to_manifold(x)`` (distance to the noise-free curve), from which
  a "share of spurious samples" can be read.

``TOYS`` maps the app-facing names to zero-argument constructors; ``make_toy(name)`` builds one and
names the known toys when asked for an unknown one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from explorer.errors import ConfigError

_LOG_2PI = math.log(2.0 * math.pi)


# ----------------------------------------------------------------------------- validation


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ConfigError(f"number of samples must be a non-negative integer, got {n!r}")
    return n


def _check_positive(value: Any, what: str, *, allow_zero: bool = False) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = "≥ 0" if allow_zero else "> 0"
        raise ConfigError(f"{what} must be finite and {bound}, got {value!r}")
    return value


def _check_points(x: Any) -> torch.Tensor:
    """Points as a float64 (n, 2) tensor (the density math runs in float64: std 0.01 is sharp)."""
    x = torch.as_tensor(x)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ConfigError(f"points must have shape (n, 2), got {tuple(x.shape)}")
    return x.to(torch.float64)


def _out_dtype(x: Any) -> torch.dtype:
    """Results keep a floating input's dtype (float64 in, float64 out); otherwise float32."""
    dtype = torch.as_tensor(x).dtype
    return dtype if dtype.is_floating_point else torch.float32


def _normal(n: int, generator: torch.Generator | None) -> torch.Tensor:
    return torch.randn(n, 2, generator=generator, dtype=torch.float64)


def _uniform(n: int, generator: torch.Generator | None) -> torch.Tensor:
    return torch.rand(n, generator=generator, dtype=torch.float64)


# ----------------------------------------------------------------------------- base


class Toy:
    """A 2-D distribution that can be sampled. Subclasses set ``name`` and implement ``_draw``."""

    name: str = "toy"

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` independent samples, shape (n, 2), float32, on the CPU."""
        n = _check_n(n)
        if n == 0:
            return torch.zeros(0, 2)
        return self._draw(n, generator).to(torch.float32)

    def _draw(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        raise NotImplementedError


# ----------------------------------------------------------------------------- Gaussian mixtures


class GaussianMixture(Toy):
    """p(x) = Σ_k w_k N(x; μ_k, s_k² I) in 2-D (isotropic components).

    Args:
        means: (K, 2) component means μ_k (the *modes* the coverage metrics count).
        std: the component std s_k, a scalar or one per component (K,), all > 0.
        weights: (K,) non-negative mixing weights, normalised here; ``None`` = uniform.
        name: a label for the apps.
    """

    def __init__(self, means: Any, std: Any, weights: Any = None, name: str = "gaussian-mixture"):
        means = torch.as_tensor(means, dtype=torch.float64)
        if means.ndim != 2 or means.shape[1] != 2 or means.shape[0] == 0:
            raise ConfigError(f"means must have shape (K, 2) with K ≥ 1, got {tuple(means.shape)}")
        if not torch.isfinite(means).all():
            raise ConfigError("means must be finite")
        n_modes = means.shape[0]
        std = torch.as_tensor(std, dtype=torch.float64)
        if std.ndim == 0:
            std = std.expand(n_modes).clone()
        if std.shape != (n_modes,):
            raise ConfigError(
                f"std must be a scalar or have shape ({n_modes},), got {tuple(std.shape)}"
            )
        if not (torch.isfinite(std).all() and (std > 0).all()):
            raise ConfigError(f"std must be finite and > 0, got {std.tolist()}")
        if weights is None:
            weights = torch.full((n_modes,), 1.0 / n_modes, dtype=torch.float64)
        weights = torch.as_tensor(weights, dtype=torch.float64)
        if weights.shape != (n_modes,):
            raise ConfigError(f"weights must have shape ({n_modes},), got {tuple(weights.shape)}")
        if not (torch.isfinite(weights).all() and (weights >= 0).all() and weights.sum() > 0):
            raise ConfigError(f"weights must be finite, ≥ 0 and not all 0, got {weights.tolist()}")
        self._means = means  # (K, 2)
        self._std = std  # (K,)
        self._weights = weights / weights.sum()  # (K,)
        self.name = name

    def __repr__(self) -> str:
        return f"GaussianMixture(name={self.name!r}, K={self.n_modes})"

    @property
    def n_modes(self) -> int:
        return self._means.shape[0]

    @property
    def modes(self) -> torch.Tensor:
        """The component means μ_k, (K, 2) float32."""
        return self._means.to(torch.float32)

    @property
    def mode_std(self) -> torch.Tensor:
        """The component stds s_k, (K,) float32 (all equal for ``ring8``/``grid25``)."""
        return self._std.to(torch.float32)

    @property
    def weights(self) -> torch.Tensor:
        """The normalised mixing weights w_k, (K,) float32."""
        return self._weights.to(torch.float32)

    def _draw(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        k = torch.multinomial(self._weights, n, replacement=True, generator=generator)  # (n,)
        return self._means[k] + self._std[k, None] * _normal(n, generator)  # (n, 2)

    def _log_joint(self, x: torch.Tensor) -> torch.Tensor:
        """log w_k + log N(x; μ_k, s_k² I), shape (n, K), float64."""
        var = self._std**2  # (K,)
        sq = ((x[:, None, :] - self._means[None]) ** 2).sum(-1)  # (n, K)
        return self._weights.log() - _LOG_2PI - var.log() - sq / (2 * var)

    def responsibilities(self, x: Any) -> torch.Tensor:
        """p(k | x) = w_k N(x; μ_k, s_k²I) / p(x), shape (n, K)."""
        return torch.softmax(self._log_joint(_check_points(x)), dim=1).to(_out_dtype(x))

    def log_density(self, x: Any) -> torch.Tensor:
        """log p(x) = logsumexp_k [log w_k − log(2π s_k²) − ‖x − μ_k‖² / (2 s_k²)], shape (n,)."""
        return torch.logsumexp(self._log_joint(_check_points(x)), dim=1).to(_out_dtype(x))

    def score(self, x: Any) -> torch.Tensor:
        """∇_x log p(x) = Σ_k p(k | x) (μ_k − x) / s_k², shape (n, 2)."""
        xd = _check_points(x)
        r = torch.softmax(self._log_joint(xd), dim=1)  # (n, K)
        pull = (self._means[None] - xd[:, None, :]) / (self._std**2)[None, :, None]  # (n, K, 2)
        return (r[..., None] * pull).sum(1).to(_out_dtype(x))

    def smoothed(self, sigma: float) -> GaussianMixture:
        """p_σ = p ∗ N(0, σ²I): the same means and weights, component stds √(s_k² + σ²).

        This is the density of a corrupted point x̃ = x + σε, x ~ p, ε ~ N(0, I).
        """
        sigma = _check_positive(sigma, "sigma", allow_zero=True)
        std = torch.sqrt(self._std**2 + sigma**2)
        name = f"{self.name} ∗ N(0, {sigma:g}²)"
        return GaussianMixture(self._means, std, self._weights, name=name)

    def tweedie_denoiser(self, x_tilde: Any, sigma: float) -> torch.Tensor:
        """The exact posterior mean E[x | x̃] for x ~ p, x̃ = x + σε, ε ~ N(0, I), shape (n, 2).

        Tweedie's formula: E[x | x̃] = x̃ + σ² ∇_x̃ log p_σ(x̃), with p_σ = p ∗ N(0, σ²I) (see
        :meth:`smoothed`). It is exact for any p under Gaussian corruption, and it is the minimiser
        of the denoising loss E‖r(x̃) − x‖²; so the best denoising autoencoder's reconstruction
        field is r(x̃) − x̃ = σ² ∇ log p_σ(x̃). This is the score connection that chapter §20.11
        recalls from chapter 14 ("close connections between score matching, denoising
        autoencoders, and contractive autoencoders") and that Alain & Bengio (2013) state as
        r(x) − x ≈ σ² ∂log p(x)/∂x (Bengio's DLSS slides) — the ≈ because p_σ → p only as σ → 0.
        """
        sigma = _check_positive(sigma, "sigma", allow_zero=True)
        xd = _check_points(x_tilde)
        score = self.smoothed(sigma).score(xd)  # float64
        return (xd + sigma**2 * score).to(_out_dtype(x_tilde))


def ring8(std: float = 0.01, radius: float = 1.0, name: str = "ring-8") -> GaussianMixture:
    """8 equal Gaussians with means radius·(cos 2πk/8, sin 2πk/8), k = 0..7 (PacGAN/VEEGAN).

    std 0.01 is the literature's setting; std 0.05 is a gentler variant for demos. The angles are
    2πk/8 for k = 0..7 — not ``linspace(0, 2π, 8)``, whose first and last angles are one mode.
    """
    std = _check_positive(std, "ring-8 std")
    radius = _check_positive(radius, "ring-8 radius")
    angle = 2 * math.pi * torch.arange(8, dtype=torch.float64) / 8
    means = radius * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)  # (8, 2)
    return GaussianMixture(means, std, name=name)


def grid25(std: float = 0.05, name: str = "grid-25") -> GaussianMixture:
    """25 equal Gaussians with means on the lattice {−4, −2, 0, 2, 4}² (PacGAN/VEEGAN), std 0.05."""
    std = _check_positive(std, "grid-25 std")
    ticks = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0], dtype=torch.float64)
    gx, gy = torch.meshgrid(ticks, ticks, indexing="ij")
    means = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)  # (25, 2)
    return GaussianMixture(means, std, name=name)


# ----------------------------------------------------------------------------- 1-D manifolds


class ManifoldToy(Toy):
    """Points on a noise-free 1-D curve plus Gaussian noise of std ``noise``; no analytic density.

    ``distance_to_manifold(x)`` is the Euclidean distance of each point to the noise-free curve,
    shape (n,); a sample farther than a few ``noise`` from it is off the data ("spurious").
    """

    noise: float

    def distance_to_manifold(self, x: Any) -> torch.Tensor:
        return self._distance(_check_points(x)).to(_out_dtype(x))

    def _distance(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


def _arc_distance(x: torch.Tensor, centre: tuple[float, float], start: float) -> torch.Tensor:
    """Distance from x (n, 2) to the unit half-circle around ``centre`` spanning angles
    [start, start + π]: radial distance inside the angular range, else the nearer end point."""
    d = x - torch.tensor(centre, dtype=x.dtype)
    rel = torch.remainder(torch.atan2(d[:, 1], d[:, 0]) - start, 2 * math.pi)  # in [0, 2π)
    radial = (d.norm(dim=1) - 1.0).abs()
    ends = torch.tensor(
        [
            [math.cos(start), math.sin(start)],
            [math.cos(start + math.pi), math.sin(start + math.pi)],
        ],
        dtype=x.dtype,
    )
    to_ends = (d[:, None, :] - ends[None]).norm(dim=2).min(dim=1).values
    return torch.where(rel <= math.pi, radial, to_ends)


class Circle(ManifoldToy):
    """The unit circle with uniform angle θ ~ U[0, 2π) and radial noise: x = (1 + noise·ε)(cos θ,
    sin θ), ε ~ N(0, 1); default noise 0.02. ``distance_to_manifold`` = |‖x‖ − 1| (exact)."""

    def __init__(self, noise: float = 0.02, name: str = "circle"):
        self.noise = _check_positive(noise, "circle noise", allow_zero=True)
        self.name = name

    def _draw(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        theta = 2 * math.pi * _uniform(n, generator)
        radius = 1.0 + self.noise * torch.randn(n, generator=generator, dtype=torch.float64)
        return radius[:, None] * torch.stack([torch.cos(theta), torch.sin(theta)], dim=1)

    def _distance(self, x: torch.Tensor) -> torch.Tensor:
        return (x.norm(dim=1) - 1.0).abs()


class TwoMoons(ManifoldToy):
    """Two interleaved unit half-circles (scikit-learn's ``make_moons`` shape), centred on 0.

    Upper moon (cos t, sin t) − (0.5, 0.25) and lower moon (1 − cos t, 0.5 − sin t) − (0.5, 0.25),
    t ~ U[0, π]; each sample picks a moon with probability ½; isotropic Gaussian noise of std
    ``noise`` (default 0.05) on both coordinates. ``distance_to_manifold`` is exact.
    """

    _SHIFT = (0.5, 0.25)

    def __init__(self, noise: float = 0.05, name: str = "moons"):
        self.noise = _check_positive(noise, "moons noise", allow_zero=True)
        self.name = name

    def _draw(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        t = math.pi * _uniform(n, generator)
        lower = _uniform(n, generator) < 0.5
        upper_pts = torch.stack([torch.cos(t), torch.sin(t)], dim=1)
        lower_pts = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], dim=1)
        pts = torch.where(lower[:, None], lower_pts, upper_pts)
        shift = torch.tensor(self._SHIFT, dtype=torch.float64)
        return pts - shift + self.noise * _normal(n, generator)

    def _distance(self, x: torch.Tensor) -> torch.Tensor:
        sx, sy = self._SHIFT
        upper = _arc_distance(x, (-sx, -sy), 0.0)  # angles [0, π] around (0, 0) − shift
        lower = _arc_distance(x, (1 - sx, 0.5 - sy), math.pi)  # angles [π, 2π] around (1, 0.5)
        return torch.minimum(upper, lower)


class Spiral(ManifoldToy):
    """An Archimedean spiral r = θ / θ_max for θ ∈ [θ_min, θ_max] = [π/2, 3π] (radius 1/6 → 1,
    turns 2/3 apart), sampled uniformly in arc length, plus isotropic Gaussian noise of std
    ``noise`` (default 0.03). ``distance_to_manifold`` is the distance to a 500-segment polyline
    inscribed in the curve (it departs from the curve by under 1e-4, far under the noise)."""

    THETA_MIN = 0.5 * math.pi
    THETA_MAX = 3.0 * math.pi
    _N_TABLE = 4001

    def __init__(self, noise: float = 0.03, name: str = "spiral"):
        self.noise = _check_positive(noise, "spiral noise", allow_zero=True)
        self.name = name
        theta = torch.linspace(self.THETA_MIN, self.THETA_MAX, self._N_TABLE, dtype=torch.float64)
        self._theta = theta  # (T,)
        self._curve = self._point(theta)  # (T, 2)
        seg = (self._curve[1:] - self._curve[:-1]).norm(dim=1)
        self._arc = torch.cat([torch.zeros(1, dtype=torch.float64), seg.cumsum(0)])  # (T,)

    def _point(self, theta: torch.Tensor) -> torch.Tensor:
        r = theta / self.THETA_MAX
        return torch.stack([r * torch.cos(theta), r * torch.sin(theta)], dim=1)

    def _draw(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        s = _uniform(n, generator) * self._arc[-1]  # uniform arc length
        i = torch.searchsorted(self._arc, s).clamp(1, self._N_TABLE - 1)
        frac = (s - self._arc[i - 1]) / (self._arc[i] - self._arc[i - 1])
        theta = self._theta[i - 1] + frac * (self._theta[i] - self._theta[i - 1])
        return self._point(theta) + self.noise * _normal(n, generator)

    def _distance(self, x: torch.Tensor, chunk: int = 2048) -> torch.Tensor:
        coarse = self._curve[:: (self._N_TABLE - 1) // 500]  # (501, 2)
        a, ab = coarse[:-1], coarse[1:] - coarse[:-1]  # segment starts and directions (500, 2)
        ab2 = (ab**2).sum(1)  # (500,)
        a_ab, a2 = (a * ab).sum(1), (a**2).sum(1)  # (500,)
        out = []
        for xs in x.split(chunk):
            # with p = x − a: t = clamp(p·ab / ‖ab‖², 0, 1), d² = ‖p‖² − 2t p·ab + t²‖ab‖²,
            # every term from matrix products (c, 500): no (c, 500, 2) temporaries
            p_ab = xs @ ab.T - a_ab  # (c, 500)
            p2 = (xs**2).sum(1, keepdim=True) - 2 * xs @ a.T + a2  # (c, 500)
            t = (p_ab / ab2).clamp_(0.0, 1.0)
            d2 = p2 - t * (2 * p_ab - t * ab2)
            out.append(d2.min(dim=1).values.clamp_(min=0.0).sqrt())
        return torch.cat(out) if out else torch.zeros(0, dtype=x.dtype)


# ----------------------------------------------------------------------------- registry

TOYS: dict[str, Callable[[], Toy]] = {
    "ring-8": lambda: ring8(0.01),
    "ring-8-wide": lambda: ring8(0.05, name="ring-8-wide"),
    "grid-25": lambda: grid25(0.05),
    "spiral": Spiral,
    "moons": TwoMoons,
    "circle": Circle,
}


def make_toy(name: str) -> Toy:
    """The toy called ``name`` (a key of :data:`TOYS`), freshly built."""
    if name not in TOYS:
        raise ConfigError(f"unknown toy {name!r}; known toys: {', '.join(TOYS)}")
    return TOYS[name]()
