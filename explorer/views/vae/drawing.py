"""The drawing panel: a drawn (or loaded) digit's q(z|x), its bounds with their errors, its exact
log p(x) by quadrature, and the words that go with them. The numbers come from
:mod:`explorer.metrics.vae_bounds` and :mod:`explorer.metrics.quadrature`; here they are only
put together and worded."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from explorer.metrics.quadrature import PlaneQuadrature
from explorer.metrics.vae_bounds import DigitBounds, digit_bounds
from explorer.views.charts import magnifier_svg
from explorer.views.vae.plane import PLANE, ellipse
from explorer.views.vae.text import fmt

DRAW_THRESHOLD = 0.75  # drawn ink ≥ this is a 1 (see binarize_drawing)
MAGNIFIER_SIGMAS = 3.0  # the close-up of q(z|x) spans μ ± 3 max(σ) ...
MAGNIFIER_MIN = 0.05  # ... but never less than ± 0.05
ORDER_SIGMAS = 3.0  # two estimates are ordered when they differ by this many standard errors
MISSED_MODE_SIGMAS = 3.0  # the posterior's mode this many σ of q from μ: q misses it
# The app's quadrature (explorer.metrics.quadrature): a coarse 0.1 grid over [−5, 5]², then a
# 0.02 grid around the mass: on the first 30 test digits within 0.001 nats of a 0.005 grid
# over [−6, 6]², and the 2h estimate of its error below 0.01 nats.
QUADRATURE = dict(half_width=5.0, coarse_step=0.1, fine_step=0.02, window_nats=15.0)


def binarize_drawing(image: np.ndarray) -> np.ndarray:
    """The canvas (784,) in [0, 1] -> {0, 1} like the thresholded training digits.

    The brush paints full ink (1.0) along the stroke and a soft edge (150/255) around it; a
    threshold of 0.75 keeps the stroke and drops the edge, giving strokes about as wide as
    MNIST's after thresholding. Test digits put on the canvas are already 0/1 and unchanged.
    """
    return (np.asarray(image, np.float32).reshape(784) >= DRAW_THRESHOLD).astype(np.float32)


@dataclass
class Drawn:
    """Everything the panel shows about one digit on the canvas."""

    x: np.ndarray  # (784,) {0, 1}
    mu: np.ndarray  # (2,)
    sigma: np.ndarray  # (2,)
    reconstruction_image: np.ndarray  # (784,) g(μ)
    bounds: DigitBounds
    log_px: float  # exact, by quadrature
    log_px_error: float
    mode: np.ndarray  # (2,) the posterior's mode on the quadrature grid

    @property
    def elbo(self) -> float:
        return self.bounds.elbo.value

    @property
    def mode_distance(self) -> float:
        """How far the posterior's mode is from μ, in σ of q (Mahalanobis distance under q)."""
        return float(np.sqrt((((self.mode - self.mu) / self.sigma) ** 2).sum()))


@torch.no_grad()
def encode_digit(model, x: np.ndarray, quadrature: PlaneQuadrature | None = None,
                 seed: int = 0) -> Drawn:
    """q(z|x), bounds (a fixed seed: the same digit always shows the same numbers), log p(x)
    (by ``quadrature``, which keeps its coarse decodes between strokes, or a new one)."""
    xt = torch.from_numpy(np.asarray(x, np.float32))[None].to(model.device)  # (1, 784)
    mu, logvar = model.encode(xt)
    generator = torch.Generator(device=model.device).manual_seed(seed)
    bounds = digit_bounds(model, xt, generator=generator)
    if quadrature is None or quadrature.model is not model:
        quadrature = PlaneQuadrature(model, **QUADRATURE)
    exact = quadrature(xt)
    return Drawn(
        x=np.asarray(x, np.float32), mu=mu[0].cpu().numpy().astype(np.float32),
        sigma=(0.5 * logvar[0]).exp().cpu().numpy().astype(np.float32),
        reconstruction_image=model.decode(mu)[0].cpu().numpy(), bounds=bounds,
        log_px=float(exact.log_px[0]), log_px_error=float(exact.error[0]),
        mode=exact.mode[0].numpy().astype(np.float32),
    )


def drawn_xy(drawn: Drawn | None) -> tuple[np.ndarray, ...]:
    """The 2σ and 1σ ellipses of q(z|x) and its μ, for the plane (empty without a digit)."""
    if drawn is None:
        empty = np.zeros(0, np.float32)
        return empty, empty, empty, empty, empty, empty
    ex2, ey2 = ellipse(drawn.mu, drawn.sigma, 2.0)
    ex1, ey1 = ellipse(drawn.mu, drawn.sigma, 1.0)
    return ex2, ey2, ex1, ey1, drawn.mu[:1], drawn.mu[1:]


def order_sentence(bounds: DigitBounds) -> str:
    """What the shown ELBO and IWAE_k estimates say about ELBO ≤ E[IWAE_k], in words that agree
    with the numbers shown (ordered only when they differ by ``ORDER_SIGMAS`` errors)."""
    elbo, iwae, k = bounds.elbo, bounds.iwae, bounds.k
    gap = iwae.value - elbo.value
    error = math.hypot(elbo.stderr, iwae.stderr)
    if gap > ORDER_SIGMAS * error:
        return (f"IWAE<sub>{k}</sub> is above the ELBO by {gap:.2f} nats, more than "
                f"{ORDER_SIGMAS:.0f} standard errors ({error:.2f}): the order that holds in "
                "expectation shows here too.")
    if gap < -ORDER_SIGMAS * error:
        return (f"IWAE<sub>{k}</sub> is below the ELBO by {-gap:.2f} nats, more than "
                f"{ORDER_SIGMAS:.0f} standard errors ({error:.2f}): an unlucky draw, since "
                f"ELBO ≤ E[IWAE<sub>{k}</sub>] holds in expectation.")
    return (f"IWAE<sub>{k}</sub> and the ELBO differ by {fmt(gap)} nats, within "
            f"{ORDER_SIGMAS:.0f} standard errors ({error:.2f}): these draws cannot order them, "
            f"though ELBO ≤ E[IWAE<sub>{k}</sub>] holds in expectation.")


def mode_sentence(drawn: Drawn) -> str:
    """Where the true posterior p(z|x) peaks, and whether q(z|x) covers it."""
    where = f"({fmt(drawn.mode[0])}, {fmt(drawn.mode[1])})"
    d = drawn.mode_distance
    if d > MISSED_MODE_SIGMAS:
        return (f'<span class="explorer-vae-missed-mode">p(z|x) peaks at {where}, {d:.0f} σ '
                "of q from μ: q(z|x) misses the posterior's mode, and the ELBO pays for it."
                "</span>")
    return f"p(z|x) peaks at {where}, {d:.1f} σ of q from μ: q(z|x) sits on its mode."


def readout_html(drawn: Drawn) -> str:
    """The numbers beside the canvas, each with its error, and the sentences that read them."""
    b = drawn.bounds
    mu, sigma = drawn.mu, drawn.sigma
    gap = drawn.log_px - b.elbo.value
    return (
        '<div style="font-size:14px;line-height:1.5">'
        f'<span class="explorer-vae-mu" data-mu="{mu[0]:.4f},{mu[1]:.4f}">'
        f"q(z|x): μ = ({fmt(mu[0])}, {fmt(mu[1])})</span>, "
        f'<span class="explorer-vae-sigma">σ = ({sigma[0]:.2f}, {sigma[1]:.2f})</span><br>'
        f"reconstruction E<sub>q</sub>[log p(x|z)] = <b>{fmt(b.reconstruction.value)}</b> ± "
        f"{b.reconstruction.stderr:.2f} nats ({b.elbo_samples} draws)"
        f"<br>KL(q(z|x) ‖ p(z)) = <b>{b.kl:.2f}</b> nats (exact)<br>"
        f'<span class="explorer-vae-elbo" data-elbo="{b.elbo.value:.4f}" '
        f'data-se="{b.elbo.stderr:.4f}">ELBO = reconstruction − KL = <b>{fmt(b.elbo.value)}</b>'
        f" ± {b.elbo.stderr:.2f} nats</span><br>"
        f'<span class="explorer-vae-iwae" data-iwae="{b.iwae.value:.4f}" '
        f'data-se="{b.iwae.stderr:.4f}">IWAE<sub>{b.k}</sub> = <b>{fmt(b.iwae.value)}</b> ± '
        f"{b.iwae.stderr:.2f} nats (mean of {b.replicas} estimates)</span><br>"
        f'<span class="explorer-vae-order">{order_sentence(b)}</span><br>'
        f'<span class="explorer-vae-logpx" data-logpx="{drawn.log_px:.4f}">log p(x) = '
        f"<b>{fmt(drawn.log_px)}</b> nats, exact (quadrature over the plane, error "
        f"&lt; {max(drawn.log_px_error, 0.005):.2f})</span><br>"
        f'<span class="explorer-vae-gap" data-gap="{gap:.4f}">true gap log p(x) − ELBO = '
        f"KL(q(z|x) ‖ p(z|x)) = <b>{fmt(gap)}</b> ± {b.elbo.stderr:.2f} nats; "
        f"log p(x) − IWAE<sub>{b.k}</sub> = {fmt(drawn.log_px - b.iwae.value)} ± "
        f"{b.iwae.stderr:.2f} nats</span><br>{mode_sentence(drawn)}</div>"
    )


def magnifier_html(drawn: Drawn, test_mu: np.ndarray, test_colours: list[str]) -> str:
    """q(z|x) close up: a 2-D encoder is often so sure (σ ≈ 0.05) that its ellipses are
    smaller than the cross on the ±4 plane; here they fill the window, among the test μ."""
    half = float(min(PLANE, max(MAGNIFIER_SIGMAS * float(drawn.sigma.max()), MAGNIFIER_MIN)))
    ex2, ey2, ex1, ey1, _, _ = drawn_xy(drawn)  # the plane's own 2σ and 1σ contours
    svg = magnifier_svg(drawn.mu, half, [(ex2, ey2, "4,3"), (ex1, ey1, "")], test_mu,
                        test_colours, f"μ ± {half:.2f} on both axes (×{PLANE / half:.0f})")
    return ('<div style="font-size:13px"><b>q(z|x) close up</b> with the test μ near it'
            f"</div>{svg}")
