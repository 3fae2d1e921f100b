"""Every word a student reads in the VAE manifold app (HTML fragments and status lines).

Numbers quoted here as facts about a model are measured (see the comment above each) and, where
the app shows the computation, tested against it (``tests/test_vae_view.py``,
``tests/test_vae_bounds.py``).
"""

from __future__ import annotations

import html

INTRO = """
A variational autoencoder (§20.10.3) draws a code <i>z</i> from the prior p(z) = N(0, I) and a
decoder turns it into pixel probabilities g(z); an encoder guesses the code of a digit,
q(z | x) = N(μ(x), diag σ²(x)). Both are trained together on the evidence lower bound
<b>L(x) = E<sub>z~q(z|x)</sub>[log p(x | z)] − D<sub>KL</sub>(q(z | x) ‖ p(z)) ≤ log p(x)</b>
(eq. 20.77), using z = μ + σ·ε with ε ~ N(0, I) so gradients reach the encoder. This model's code
has two numbers, so the whole code space is the plane below. Numbers are in nats (natural
logarithms); higher is better for every bound.
"""

PLANE_TEXT = """
<b>1 · The latent plane.</b> Each dot is μ(x) for one of the 1,000 test digits, coloured by its
label; the blue shading is the prior N(0, I). <b>Hover</b> anywhere to decode that z into g(z)
(right); <b>click</b> to pin it (a dot pins that test digit, empty space pins the code itself).
"""

MANIFOLD_TEXT = """
<b>2 · The decoded manifold</b> (fig. 20.6). g(z) on a {n} × {n} grid. As Kingma & Welling did,
the grid is even in u ∈ (0, 1)² and placed at z = Φ⁻¹(u), the Gaussian's inverse CDF, so every
cell holds the same prior mass (the outer cells sit at z = ±{edge:.2f}: the dashed square on the
plane). The red square follows your cursor on the plane.
"""

# Test digit #0 on the shipped vae2d-mnist, measured with explorer.metrics.quadrature.log_px_2d
# and the model's own bounds (tests/test_vae_bounds.py::test_digit_zero_misses_the_mode checks
# every number): μ = (0.05, 0.52), σ = (0.03, 0.05), mode (−1.09, 1.39), log p(x) = −253.0,
# ELBO −361.4 ± 0.1, E[IWAE_5000] = −329 ± 1 (32 estimates; one draw scatters by ±5: its rare
# draws near the mode dominate).
DRAW_TEXT = """
<b>3 · Draw a digit.</b> It is made black-and-white like the training digits and encoded on
every stroke: on the plane, a cross at μ and ellipses at 1σ and 2σ (39% and 86% of q's mass);
a 2-D encoder is often so sure (σ ≈ 0.05) that they hide under the cross, so they are also drawn
close up, beside the numbers.
<b>ELBO = reconstruction − KL</b>: E<sub>q</sub>[log p(x | z)] (averaged over {s} draws of z)
minus D<sub>KL</sub> = ½ Σ<sub>j</sub>(μ<sub>j</sub>² + σ<sub>j</sub>² − 1 − log σ<sub>j</sub>²)
(closed form). IWAE<sub>k</sub> = log (1/k) Σ<sub>i</sub> p(x, z<sub>i</sub>) / q(z<sub>i</sub> |
x) (eq. 20.79) is tighter <i>in expectation</i>: ELBO ≤ E[IWAE<sub>k</sub>] ≤ log p(x). Both are
Monte Carlo estimates, shown ± their standard error (IWAE<sub>{k}</sub> is the mean of {r}
independent estimates), so one draw's order can flip only when they are within a few errors.
With a 2-D code the app can also compute <b>log p(x) exactly</b>, by quadrature over the plane,
and show the true gap log p(x) − ELBO = D<sub>KL</sub>(q(z | x) ‖ p(z | x)). For some digits
q(z | x) misses the posterior's mode altogether: test digit #0 has μ ≈ (0.05, 0.52) and
σ ≈ (0.03, 0.05), but p(z | x) peaks near (−1.1, 1.4); its log p(x) is −253 nats, the ELBO only
−361, and even IWAE<sub>5000</sub> is still about −330.
"""

INTERP_TEXT = """
<b>4 · Interpolation: latent space vs pixel space</b> (Ozair & Bengio, fig. 1). The last two pins
are <b>A</b> and <b>B</b> (click two test dots, or pin two drawings). Top strip: the straight
line between their codes, z<sub>α</sub> = (1 − α) z<sub>A</sub> + α z<sub>B</sub>, decoded to
g(z<sub>α</sub>). Bottom strip: the straight line between the pictures, x<sub>α</sub> = (1 − α)
x<sub>A</sub> + α x<sub>B</sub>. Halfway in pixel space you see two faint digits on top of each
other, an image unlike any digit; along the latent line every step looks like a digit: the
encoder has flattened the curved data manifold.
"""

# Measured on this panel's model (784-256-z-256-784, 4,000 digits, lr 0.001, first run's seed) at
# the end of a 100-epoch run: a 2-D code's training KL is 5.5 nats at β = 1, 3.4 at β = 4
# (mid-run it is lower: 3.0 at epoch 25), and collapses (KL ≈ 0.02 nats) at β = 32. A 20-D
# code has 19 of 20 active units by Burda et al.'s criterion at β = 4, 4 at β = 16.
RETRAIN_TEXT = """
<b>5 · Retrain: watch posterior collapse.</b> Train a fresh, small VAE (784-{h}-z-{h}-784) on the
4,000 training digits and watch both terms of the β-VAE objective
E<sub>q</sub>[log p(x | z)] − <b>β</b>·D<sub>KL</sub>(q(z | x) ‖ p(z)); β = 1 is the ELBO. The
larger β, the more each nat of KL costs, and the encoder gives information up. At large β the
KL term falls to ~0: q(z | x) ≈ p(z) for every digit and the decoder ignores z, P(x | z) ≈ P(x)
— <b>posterior collapse</b> (Martins' lecture). What to look for: the KL curve sinking to 0; the
dots of the small plane piling into one blob at the origin, colours mixed; the small manifold
showing the same blurry average digit everywhere; the reconstruction stuck near {base} nats,
the score of a model that ignores z. With this decoder, a 2-D code only shrinks at β = 4 (KL
from about 5.5 nats at β = 1 to 3.4 after 100 epochs) and collapses completely by β = 32,
within seconds. With 20 latent dimensions, watch them switch off one by one as β grows (active,
as Burda et al. count them: a dimension whose mean μ<sub>j</sub>(x) varies across the test
digits, Cov<sub>x</sub>(E<sub>q</sub>[z<sub>j</sub>]) &gt; {active}): as the lecture says, report
both terms to know whether the latents are used. The run trains in short chunks in the page's
own event loop (not a thread), so Stop and the plane above answer between chunks.
"""

READY = "Ready. Hover over the plane to decode any z; click dots to pin; draw a digit."
EMPTY_DRAWING = ('<div class="explorer-vae-readout-empty" style="font-size:14px">'
                 "Draw a digit on the canvas (or press Random test digit): its "
                 "q(z|x) will appear on the plane.</div>")
NO_PAIR = ("<i>Pin two points (click two test dots, or pin two drawings) to interpolate between "
           "them.</i>")
PLANE_TITLE = "test digits' μ (fixed scale ±4)"
RETRAIN_IDLE = "<i>Press Train to start a fresh VAE.</i>"


def fmt(v: float, digits: int = 2) -> str:
    """A signed number with a real minus sign: +0.25, −1.50."""
    return f"{v:+.{digits}f}".replace("-", "−")


def missing_weights(name: str, reason: str) -> str:
    return (f"{reason}. Make the weights with: explorer train {name} — meanwhile you can train "
            "a small VAE in the Retrain panel below and explore it here.")


def model_line(label: str, metrics: dict) -> str:
    numbers = ""
    if "elbo" in metrics:
        nan = float("nan")
        numbers = (f" — on the test digits: ELBO {fmt(metrics['elbo'], 1)} nats = "
                   f"reconstruction {fmt(metrics.get('reconstruction', nan), 1)} − KL "
                   f"{metrics.get('kl', nan):.2f}; IWAE<sub>500</sub> "
                   f"{fmt(metrics.get('iwae_500', nan), 1)} nats")
    return (f'<div style="font-size:14px">Model: <b>{html.escape(label)}</b>'
            f"{numbers}</div>")


def ends_line(a_label: str, b_label: str) -> str:
    return f"<b>A</b> = {html.escape(a_label)}, <b>B</b> = {html.escape(b_label)}"


def z_caption(z) -> str:
    return f"z = ({fmt(z[0])}, {fmt(z[1])})"


def test_caption(index: int, label: int) -> str:
    return f"test #{index} (a {label})"
