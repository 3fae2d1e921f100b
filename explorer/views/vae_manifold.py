"""The VAE manifold app: a 2-D VAE's latent plane, live (§20.10.3, fig. 20.6).

Panels: the test set encoded (μ of q(z|x)) as a scatter on the latent plane, with hover-to-decode
and click-to-pin; the decoded manifold of fig. 20.6 on an inverse-CDF grid; a canvas whose drawing
is encoded on every stroke (mean, 1σ and 2σ ellipses, ELBO = reconstruction − KL, IWAE_k);
interpolation in latent vs pixel space (Ozair & Bengio, fig. 1); and a retraining panel with a β
slider that shows posterior collapse live.

All math is in :mod:`explorer.models.vae`; this module only lays out widgets and pushes arrays.
Two plotly FigureWidgets in all (the plane; the retraining curves with a small plane), since each
costs the page ~5 MB of bundle; digits and the manifold go through anywidget canvases.
Every callback goes through ``StatusLine.guard``; plotly hover events arrive unthrottled, so they
pass through :class:`Throttle` (the last position of a burst is always shown).
"""

from __future__ import annotations

import asyncio
import html
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from explorer.errors import ExplorerError
from explorer.models.vae import (
    VAE,
    VAEConfig,
    VAETrainConfig,
    VAETrainer,
    gaussian_kl_terms,
    tile_manifold,
)
from explorer.views.charts import PALETTE, magnifier_svg
from explorer.views.common import (
    Pacer,
    StatusLine,
    explainer,
    labelled_button,
    load_test_digits,
)
from explorer.views.latent_widgets import ManifoldImage
from explorer.views.widgets import DigitCanvas, DigitStrip

PLANE = 4.0  # the latent plane shows [−PLANE, PLANE]²
PRIOR_GRID = 161  # hover/click resolution on empty plane: 8 / 160 = 0.05
GRID_SIDE = 20  # the decoded manifold: GRID_SIDE × GRID_SIDE digits
N_PATH = 10  # interpolation steps shown in each strip
MAX_PINS = 12
MAGNIFIER_SIGMAS = 3.0  # the close-up of q(z|x) spans μ ± 3 max(σ) ...
MAGNIFIER_MIN = 0.05  # ... but never less than ± 0.05
ELBO_SAMPLES = 64  # z draws for the reconstruction term of a drawn digit
IWAE_K = 100  # importance samples for the drawn digit's IWAE bound
HOVER_INTERVAL_S = 0.025  # at most 40 decodes a second from hover
ALPHA_INTERVAL_S = 0.05
EDGE_Z = float(torch.special.ndtri(torch.tensor(1 - 0.5 / GRID_SIDE, dtype=torch.float64)))
DRAW_THRESHOLD = 0.75  # drawn ink ≥ this is a 1 (see binarize_drawing)
OZAIR_ENDS = (9, 3)  # Ozair & Bengio's fig. 1 interpolates between a 9 and a 3

# Retraining: a small VAE that reaches a recognisable manifold within ~30 s on 2 CPU cores.
RETRAIN_HIDDEN = 256
RETRAIN_LATENTS = (2, 5, 10, 20)
# β from 0 to 4 (β = 1 is the ELBO) and on to 32: measured on this model, a 2-D code keeps
# KL ≈ 2.9 nats at β = 4, 0.9 at β = 16, and collapses (KL ≈ 0.02 nats) at β = 32.
RETRAIN_BETAS = (("0", 0.0), ("¼", 0.25), ("½", 0.5), ("1", 1.0), ("2", 2.0), ("4", 4.0),
                 ("8", 8.0), ("16", 16.0), ("32", 32.0))
RETRAIN_LRS = (("0.0003", 3e-4), ("0.001", 1e-3), ("0.003", 3e-3), ("0.01", 1e-2),
               ("0.1 (too high)", 1e-1))
RETRAIN_GRID = 12
PLANE_TITLE = "test digits' μ (fixed scale ±4)"
RETRAIN_TICK_S = 0.03  # training time per chunk; Stop and hover are answered between chunks
RETRAIN_PERIOD_S = 0.06  # one chunk started every 60 ms at most: the rest is the page's
CURVE_PUSH_S = 0.25  # curve updates at most 4 per second
PLANE_PUSH_S = 1.0  # the small plane and manifold once a second
ACTIVE_KL = 0.1  # a latent dimension with mean KL above this many nats counts as active

# Traces of the plane figure.
T_PRIOR = 0
T_DIGITS = 1  # ten traces, one per label
T_REGION = 11
T_PINS = 12
T_PATH = 13
T_ALPHA = 14
T_ELLIPSE2 = 15
T_ELLIPSE1 = 16
T_MEAN = 17

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

DRAW_TEXT = """
<b>3 · Draw a digit.</b> It is made black-and-white like the training digits and encoded on
every stroke: on the plane, a cross at μ and ellipses at 1σ and 2σ (39% and 86% of q's mass);
a 2-D encoder is often so sure (σ ≈ 0.05) that they hide under the cross, so they are also drawn
close up, beside the numbers.
<b>ELBO = reconstruction − KL</b>: E<sub>q</sub>[log p(x | z)] (averaged over {s} draws of z)
minus D<sub>KL</sub> = ½ Σ<sub>j</sub>(μ<sub>j</sub>² + σ<sub>j</sub>² − 1 − log σ<sub>j</sub>²)
(closed form). IWAE<sub>k</sub> = log (1/k) Σ<sub>i</sub> p(x, z<sub>i</sub>) / q(z<sub>i</sub> |
x) (eq. 20.79) is tighter: ELBO ≤ IWAE<sub>k</sub> ≤ log p(x).
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
from about 6 to 3 nats) and collapses completely by β = 32, within seconds. With 20 latent
dimensions, watch them switch off one by one as β grows (active: KL > {active} nats): as the
lecture says, report both terms to know whether the latents are used. The run trains in short
chunks in the page's own event loop (not a thread), so Stop and the plane above answer between
chunks.
"""


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


class Throttle:
    """Calls ``fn(*args)`` at most once per ``interval`` seconds, never dropping the last call.

    Plotly hover events and slider drags arrive as fast as the mouse moves. Inside the kernel's
    running event loop a call that comes too soon is kept, and the latest kept call is delivered
    (``loop.call_later``) when the interval is over, so the final hover position is always shown.
    Outside a running loop (tests, scripts) every call is delivered at once.
    """

    def __init__(self, fn: Callable[..., Any], interval: float) -> None:
        self.fn = fn
        self.interval = interval
        self.delivered = 0
        self._last = -math.inf
        self._pending: tuple | None = None
        self._handle: asyncio.TimerHandle | None = None

    def __call__(self, *args: Any) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            self._deliver(args)
            return
        self._pending = args
        if self._handle is not None:
            return
        wait = self._last + self.interval - time.perf_counter()
        if wait <= 0:
            self._flush()
        else:
            self._handle = loop.call_later(wait, self._flush)

    def _flush(self) -> None:
        self._handle = None
        args, self._pending = self._pending, None
        if args is not None:
            self._deliver(args)

    def _deliver(self, args: tuple) -> None:
        self._last = time.perf_counter()
        self.delivered += 1
        self.fn(*args)


def binarize_drawing(image: np.ndarray) -> np.ndarray:
    """The canvas (784,) in [0, 1] -> {0, 1} like the thresholded training digits.

    The brush paints full ink (1.0) along the stroke and a soft edge (150/255) around it; a
    threshold of 0.75 keeps the stroke and drops the edge, giving strokes about as wide as
    MNIST's after thresholding. Test digits put on the canvas are already 0/1 and unchanged.
    """
    return (np.asarray(image, np.float32).reshape(784) >= DRAW_THRESHOLD).astype(np.float32)


def normal_cdf(z: float) -> float:
    """Φ(z), the standard normal CDF."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def ellipse(mu: np.ndarray, sigma: np.ndarray, k: float, n: int = 73) -> tuple[np.ndarray, ...]:
    """Points of the axis-aligned ellipse μ + k·σ ⊙ (cos t, sin t): the k-σ contour of q(z|x)."""
    t = np.linspace(0.0, 2.0 * np.pi, n)
    return (
        (mu[0] + k * sigma[0] * np.cos(t)).astype(np.float32),
        (mu[1] + k * sigma[1] * np.sin(t)).astype(np.float32),
    )


def independent_pixel_baseline(train: np.ndarray, test: np.ndarray) -> float:
    """Mean test log-likelihood (nats) of independent Bernoulli pixels fit to ``train``: what a
    VAE whose decoder ignores z can reach at best, the reconstruction level of full collapse."""
    p = np.clip(train.mean(0), 1e-3, 1 - 1e-3)
    return float((test * np.log(p) + (1 - test) * np.log(1 - p)).sum(1).mean())


@dataclass
class Pin:
    """A pinned point: its code z, its picture in pixel space, and what it is."""

    z: np.ndarray  # (2,) the code (μ of q(z|x) for a digit, or a clicked z)
    image: np.ndarray  # (784,) in [0, 1]: the test digit, the drawing, or g(z) for a clicked z
    label: str  # e.g. "test #12 (a 7)"
    source: str  # "test", "drawing" or "z": a digit is re-encoded when the model changes


@torch.no_grad()
def _encode_means(model: VAE, images: np.ndarray) -> np.ndarray:
    """μ(x) of every image, (N, L) float32."""
    mu, _ = model.encode(torch.from_numpy(np.asarray(images, np.float32)).to(model.device))
    return mu.cpu().numpy().astype(np.float32)


@torch.no_grad()
def _decode(model: VAE, z: np.ndarray) -> np.ndarray:
    """g(z) for codes (N, L) -> (N, 784) float32 in [0, 1]."""
    zt = torch.from_numpy(np.asarray(z, np.float32).reshape(-1, model.latent_dim))
    return model.decode(zt.to(model.device)).cpu().numpy()


def _fmt(v: float, digits: int = 2) -> str:
    """A signed number with a real minus sign: +0.25, −1.50."""
    return f"{v:+.{digits}f}".replace("-", "−")


# --------------------------------------------------------------------------------------------
# The app
# --------------------------------------------------------------------------------------------


class VAEManifoldApp(widgets.VBox):
    """The app as one widget; its parts are attributes so tests can drive it headless."""

    def __init__(self, model_name: str = "vae2d-mnist", model: VAE | None = None, seed: int = 0):
        super().__init__()
        self.add_class("explorer-app")
        self.add_class("explorer-app-vae_manifold")
        self.model_name = model_name
        self.status = StatusLine()
        self.rng = np.random.default_rng(seed)
        self.test_images, self.test_labels = load_test_digits(self.status)
        self.model: VAE | None = None
        self.model_label = model_name
        self.pins: list[Pin] = []
        self.drawn: dict[str, Any] | None = None
        self.built = False
        self.hovered_z: np.ndarray | None = None
        self.hover = Throttle(self.status.guard(self.show_decoded), HOVER_INTERVAL_S)
        self.alpha_throttle = Throttle(self.status.guard(self.update_alpha), ALPHA_INTERVAL_S)
        self.header = widgets.HTML()
        self.header.add_class("explorer-vae-model")
        self.back_button = labelled_button("Back to the shipped model", icon="undo",
                                           layout=widgets.Layout(width="auto"))
        self.back_button.layout.display = "none"
        self.back_button.on_click(self.status.guard(lambda _b: self.back_to_shipped()))
        self.retrain = RetrainPanel(self.test_images, self.test_labels,
                                    on_explore=self.explore_model)
        if model is None:
            model = self._load_shipped(model_name)
        self.shipped = model
        if model is not None:
            self._build_explorer(model)
            self.status.show(
                "Ready. Hover over the plane to decode any z; click dots to pin; draw a digit.",
                "ok")
        self._layout()

    # -- model --------------------------------------------------------------------------
    def _load_shipped(self, name: str) -> VAE | None:
        from explorer.weights import load_pretrained

        try:
            model = load_pretrained(name, device="cpu", expected_kind="vae")
        except ExplorerError as exc:
            self.status.error(
                f"{exc}. Make the weights with: explorer train {name} — meanwhile you can train "
                "a small VAE in the Retrain panel below and explore it here."
            )
            return None
        if model.latent_dim != 2:
            self.status.error(f"{name} has a {model.latent_dim}-D latent; this app needs 2-D")
            return None
        return model

    def _model_line(self) -> str:
        card = getattr(self.model, "card", None) or {}
        metrics = card.get("metrics", {})
        numbers = ""
        if "elbo" in metrics:
            nan = float("nan")
            numbers = (f" — on the test digits: ELBO {_fmt(metrics['elbo'], 1)} nats = "
                       f"reconstruction {_fmt(metrics.get('reconstruction', nan), 1)} − KL "
                       f"{metrics.get('kl', nan):.2f}; IWAE<sub>500</sub> "
                       f"{_fmt(metrics.get('iwae_500', nan), 1)} nats")
        return (f'<div style="font-size:14px">Model: <b>{html.escape(self.model_label)}</b>'
                f"{numbers}</div>")

    def explore_model(self, model: VAE, label: str) -> None:
        """Show ``model`` (2-D latent) in every panel: the retraining panel's Explore button."""
        if model.latent_dim != 2:
            raise ExplorerError("the plane shows 2-D latent spaces; retrain with latent size 2")
        self.model_label = label
        if not self.built:
            self._build_explorer(model)
            self._layout()
        else:
            self.set_model(model)
        self.back_button.layout.display = None if self.shipped is not None else "none"
        self.status.show(f"Exploring {label}. Scroll up to the plane.", "ok")

    def back_to_shipped(self) -> None:
        if self.shipped is None:
            return
        self.model_label = self.model_name
        self.set_model(self.shipped)
        self.back_button.layout.display = "none"
        self.status.show(f"Back to {self.model_name}.", "ok")

    def set_model(self, model: VAE) -> None:
        """Swap the model behind every panel: re-encode the test set, pins and drawing."""
        self.model = model.eval()
        self.test_mu = _encode_means(model, self.test_images)
        for pin in self.pins:
            if pin.source in ("test", "drawing"):
                pin.z = _encode_means(model, pin.image[None])[0]
            else:
                pin.image = _decode(model, pin.z)[0]
        with self.fig.batch_update():
            for d in range(10):
                rows = self.digit_rows[d]
                self.fig.data[T_DIGITS + d].x = self.test_mu[rows, 0]
                self.fig.data[T_DIGITS + d].y = self.test_mu[rows, 1]
        self.header.value = self._model_line()
        self._show_manifold()
        self._refresh_pins()
        self.encode_drawing()
        self.show_decoded(self.hovered_z if self.hovered_z is not None else np.zeros(2), "")

    # -- building -----------------------------------------------------------------------
    def _build_explorer(self, model: VAE) -> None:
        guard = self.status.guard
        self.model = model.eval()
        self.test_mu = _encode_means(model, self.test_images)  # (N, 2)
        self.digit_rows = [np.flatnonzero(self.test_labels == d) for d in range(10)]
        self.test_colours = [PALETTE[int(d)] for d in self.test_labels]  # for the close-up
        self.header.value = self._model_line()

        self.decoded_view = DigitStrip(scale=8)
        self.decoded_view.add_class("explorer-vae-decoded")
        self.pins_view = DigitStrip(scale=2)
        self.pins_view.add_class("explorer-vae-pins")
        self.clear_pins_button = labelled_button("Clear pins", icon="times")
        self.clear_pins_button.on_click(guard(lambda _b: self.clear_pins()))

        self.manifold = ManifoldImage(display_width=448, cells=GRID_SIDE)
        self.manifold.add_class("explorer-vae-manifold")

        self.canvas = DigitCanvas(scale=8)
        self.canvas.add_class("explorer-vae-canvas")
        self.tool = widgets.ToggleButtons(options=[("Draw", "draw"), ("Erase", "erase")],
                                          value="draw", style={"button_width": "70px"})
        self.tool.observe(guard(lambda change: setattr(self.canvas, "tool", change["new"])),
                          names="value")
        self.clear_button = labelled_button("Clear drawing", icon="eraser")
        self.random_button = labelled_button("Random test digit", icon="random")
        self.pin_drawing_button = labelled_button("Pin the drawing", icon="thumb-tack")
        self.clear_button.on_click(guard(lambda _b: self.clear_drawing()))
        self.random_button.on_click(guard(lambda _b: self.load_test_digit(None)))
        self.pin_drawing_button.on_click(guard(lambda _b: self.pin_drawing()))
        self.canvas.observe(guard(lambda _c: self.encode_drawing()), names="pixels")
        self.readout = widgets.HTML()
        self.readout.add_class("explorer-vae-readout")
        self.reconstruction_view = DigitStrip(scale=3)
        self.reconstruction_view.add_class("explorer-vae-reconstruction")
        self.magnifier = widgets.HTML()
        self.magnifier.add_class("explorer-vae-magnifier")

        self.alpha = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.02,
                                         description="α", readout_format=".2f",
                                         layout=widgets.Layout(width="420px"))
        self.alpha.add_class("explorer-vae-alpha")
        self.alpha.observe(guard(lambda _c: self.alpha_throttle()), names="value")
        self.ends_label = widgets.HTML()
        self.ends_label.add_class("explorer-vae-ends")
        self.pair_view = DigitStrip(scale=5)
        self.pair_view.add_class("explorer-vae-pair")
        self.latent_path = DigitStrip(scale=2)
        self.latent_path.add_class("explorer-vae-latent-path")
        self.pixel_path = DigitStrip(scale=2)
        self.pixel_path.add_class("explorer-vae-pixel-path")

        # Start like Ozair & Bengio's fig. 1: a 9 and a 3 as the ends A and B.
        self.pins = [self._test_pin(index) for index in self._default_ends()]
        self._show_manifold()
        self.show_decoded(np.zeros(2, np.float32), "")
        self.encode_drawing(update_plot=False)
        self._refresh_pins(update_plot=False)

        self.fig = go.FigureWidget(self._plane_figure())  # wrapped last; mutated in callbacks
        self.fig.data[T_PRIOR].on_hover(guard(self._on_plane_hover))
        self.fig.data[T_PRIOR].on_click(guard(self._on_plane_click))
        for d in range(10):
            self.fig.data[T_DIGITS + d].on_hover(guard(self._on_digit_hover))
            self.fig.data[T_DIGITS + d].on_click(guard(self._on_digit_click))
        self.fig._config = {"displayModeBar": False}  # no zoom/pan tools: the plane is fixed
        self.fig.add_class("explorer-vae-plane")
        self.built = True

    def _layout(self) -> None:
        children: list[widgets.Widget] = [
            explainer(INTRO),
            widgets.HBox([self.header, self.back_button],
                         layout=widgets.Layout(align_items="center")),
            self.status,
        ]
        if self.built:
            small = widgets.Layout(max_width="560px")
            plane_box = widgets.VBox([explainer(PLANE_TEXT), self.fig],
                                     layout=widgets.Layout(width="600px", margin="0 16px 0 0"))
            decoded_box = widgets.VBox([
                widgets.HTML("<b>g(z) under the cursor</b>"), self.decoded_view,
                widgets.HTML("<b>Pinned</b> (the last two are A and B)"), self.pins_view,
                self.clear_pins_button,
            ], layout=widgets.Layout(width="300px"))
            manifold_box = widgets.VBox(
                [explainer(MANIFOLD_TEXT.format(n=GRID_SIDE, edge=EDGE_Z)), self.manifold],
                layout=widgets.Layout(width="600px", margin="0 16px 0 0"))
            draw_box = widgets.VBox([
                explainer(DRAW_TEXT.format(s=ELBO_SAMPLES)),
                widgets.HBox([
                    widgets.VBox([self.canvas, self.tool]),
                    widgets.VBox([self.clear_button, self.random_button,
                                  self.pin_drawing_button, self.reconstruction_view],
                                 layout=widgets.Layout(margin="0 0 0 10px")),
                ]),
                widgets.HBox([self.readout, self.magnifier],
                             layout=widgets.Layout(align_items="flex-start")),
            ], layout=small)
            interp_box = widgets.VBox([
                explainer(INTERP_TEXT), self.ends_label,
                widgets.HBox([widgets.VBox([self.alpha, self.pair_view]),
                              widgets.VBox([
                                  widgets.HTML("<b>latent space</b>: g((1 − α) z<sub>A</sub> + α "
                                               "z<sub>B</sub>), α = 0 … 1"),
                                  self.latent_path,
                                  widgets.HTML("<b>pixel space</b>: (1 − α) x<sub>A</sub> + α "
                                               "x<sub>B</sub>"),
                                  self.pixel_path,
                              ], layout=widgets.Layout(margin="0 0 0 20px"))]),
            ])
            # On a wide screen the drawing sits beside the plane (watch μ move while drawing);
            # on a narrow one the rows wrap.
            wrap = widgets.Layout(flex_flow="row wrap", align_items="flex-start")
            children += [
                widgets.HBox([plane_box, decoded_box, draw_box], layout=wrap),
                widgets.HBox([manifold_box, interp_box], layout=wrap),
            ]
        children.append(self.retrain)
        self.children = children

    def _plane_figure(self) -> go.Figure:
        grid = np.linspace(-PLANE, PLANE, PRIOR_GRID, dtype=np.float32)
        prior = np.exp(-0.5 * (grid[None, :] ** 2 + grid[:, None] ** 2)).astype(np.float32)
        fig = go.Figure()
        fig.add_trace(go.Heatmap(
            x=grid, y=grid, z=prior, colorscale=[[0, "#ffffff"], [1, "#d3e0f2"]],
            showscale=False, hoverinfo="none", name="prior N(0, I)"))
        for d in range(10):
            rows = self.digit_rows[d]
            fig.add_trace(go.Scatter(
                x=self.test_mu[rows, 0], y=self.test_mu[rows, 1], mode="markers", name=str(d),
                marker=dict(size=6, color=PALETTE[d], opacity=0.8,
                            line=dict(width=0.5, color="white")),
                customdata=rows, hovertemplate=f"test #%{{customdata}} (a {d})<extra></extra>"))
        e = EDGE_Z
        fig.add_trace(go.Scatter(
            x=[-e, e, e, -e, -e], y=[-e, -e, e, e, -e], mode="lines", hoverinfo="skip",
            line=dict(color="#555", width=1, dash="dash"), name="manifold grid", showlegend=False))
        px, py, ptext = self._pins_xy()
        fig.add_trace(go.Scatter(
            x=px, y=py, text=ptext, mode="markers+text", textposition="top center",
            marker=dict(size=13, symbol="star", color="#ffd60a", line=dict(width=1.2,
                        color="black")), textfont=dict(size=15, color="black"), hoverinfo="skip",
            name="pins", showlegend=False))
        lx, ly, ax, ay = self._path_xy()
        fig.add_trace(go.Scatter(x=lx, y=ly, mode="lines", hoverinfo="skip", showlegend=False,
                                 line=dict(color="black", width=2), name="A → B"))
        fig.add_trace(go.Scatter(x=ax, y=ay, mode="markers", hoverinfo="skip", showlegend=False,
                                 marker=dict(size=12, color="white", line=dict(width=2.5,
                                             color="black")), name="z_α"))
        ex2, ey2, ex1, ey1, mx, my = self._drawn_xy()
        fig.add_trace(go.Scatter(x=ex2, y=ey2, mode="lines", hoverinfo="skip", showlegend=False,
                                 line=dict(color="#111", width=1.5, dash="dot"), name="2σ"))
        fig.add_trace(go.Scatter(x=ex1, y=ey1, mode="lines", hoverinfo="skip", showlegend=False,
                                 line=dict(color="#111", width=2), name="1σ"))
        fig.add_trace(go.Scatter(x=mx, y=my, mode="markers", hoverinfo="skip", showlegend=False,
                                 marker=dict(size=11, symbol="x-thin", color="#111",
                                             line=dict(width=2.5, color="#111")),
                                 name="μ of your digit"))
        fig.update_xaxes(range=[-PLANE, PLANE], fixedrange=True, title_text="z₁", zeroline=False,
                         constrain="domain", showgrid=False)
        fig.update_yaxes(range=[-PLANE, PLANE], fixedrange=True, title_text="z₂", zeroline=False,
                         scaleanchor="x", scaleratio=1, constrain="domain", showgrid=False)
        fig.update_layout(
            width=590, height=640, margin=dict(l=50, r=10, t=10, b=40), plot_bgcolor="white",
            # a dot is picked only right under the cursor (6 px); elsewhere the prior's fine grid
            # answers, so hovering in the crowded centre still decodes the z under the cursor
            hovermode="closest", hoverdistance=6, dragmode=False, font=dict(size=14),
            legend=dict(orientation="h", yanchor="top", y=-0.1, x=0.0, title_text="label "),
        )
        return fig

    # -- plane: hover and click ---------------------------------------------------------
    def _on_plane_hover(self, _trace: Any, points: Any, _state: Any) -> None:
        if points.xs:
            z = np.array([points.xs[0], points.ys[0]], np.float32)
            self.hover(z, f"z = ({_fmt(z[0])}, {_fmt(z[1])})")

    def _test_index(self, trace: Any, points: Any) -> int | None:
        if not points.point_inds:
            return None
        digit = int(trace.name)
        return int(self.digit_rows[digit][points.point_inds[0]])

    def _on_digit_hover(self, trace: Any, points: Any, _state: Any) -> None:
        index = self._test_index(trace, points)
        if index is not None:
            z = self.test_mu[index]
            self.hover(z, f"μ of test #{index} (a {self.test_labels[index]})")

    def _on_plane_click(self, _trace: Any, points: Any, _state: Any) -> None:
        if points.xs:
            self.pin_z(np.array([points.xs[0], points.ys[0]], np.float32))

    def _on_digit_click(self, trace: Any, points: Any, _state: Any) -> None:
        index = self._test_index(trace, points)
        if index is not None:
            self.pin_test(index)

    def show_decoded(self, z: np.ndarray, caption: str = "") -> None:
        """Decode z into the big view and move the manifold's marker to z's cell."""
        z = np.asarray(z, np.float32).reshape(2)
        self.hovered_z = z
        image = _decode(self.model, z)
        self.decoded_view.show(image, [caption or f"z = ({_fmt(z[0])}, {_fmt(z[1])})"])
        self.manifold.show_marker(normal_cdf(float(z[0])), 1.0 - normal_cdf(float(z[1])))

    def _show_manifold(self) -> None:
        _, images = self.model.manifold(GRID_SIDE)  # (n, n, 784)
        self.manifold.show(tile_manifold(images).cpu().numpy(), cells=GRID_SIDE)

    # -- pins and interpolation ---------------------------------------------------------
    @torch.no_grad()
    def _default_ends(self) -> list[int]:
        """A 9 and a 3 (Ozair & Bengio's fig. 1) that the model decodes as themselves: the test
        digits whose g(μ(x)) the shipped classifier reads as their label most confidently."""
        from explorer.weights import load_pretrained

        try:
            classifier = load_pretrained("classifier-mnist", device="cpu",
                                         expected_kind="classifier")
        except ExplorerError:
            classifier = None
        ends = []
        for label in OZAIR_ENDS:
            rows = self.digit_rows[label]
            if not len(rows):
                continue
            if classifier is None:
                ends.append(int(rows[0]))
                continue
            decoded = torch.from_numpy(_decode(self.model, self.test_mu[rows]) >= 0.5).float()
            digit, confidence = classifier.predict(decoded)
            score = torch.where(digit == label, confidence, torch.zeros_like(confidence))
            ends.append(int(rows[int(score.argmax())]))
        return ends

    def _test_pin(self, index: int) -> Pin:
        return Pin(self.test_mu[index].copy(), self.test_images[index].copy(),
                   f"test #{index} (a {self.test_labels[index]})", "test")

    def _add_pin(self, pin: Pin) -> None:
        self.pins.append(pin)
        del self.pins[:-MAX_PINS]
        self._refresh_pins()
        self.status.show(f"Pinned {pin.label}.", "ok")

    def pin_test(self, index: int) -> None:
        if not 0 <= index < len(self.test_images):
            raise ExplorerError(f"there is no test digit #{index}")
        self._add_pin(self._test_pin(index))

    def pin_z(self, z: np.ndarray) -> None:
        z = np.clip(np.asarray(z, np.float32).reshape(2), -PLANE, PLANE)
        self._add_pin(Pin(z, _decode(self.model, z)[0], f"z = ({_fmt(z[0])}, {_fmt(z[1])})", "z"))

    def pin_drawing(self) -> None:
        if self.drawn is None:
            raise ExplorerError("draw a digit first, then pin it")
        count = sum(pin.source == "drawing" for pin in self.pins) + 1
        self._add_pin(Pin(self.drawn["mu"].copy(), self.drawn["x"].copy(), f"drawing {count}",
                          "drawing"))

    def clear_pins(self) -> None:
        self.pins = []
        self._refresh_pins()

    def _pin_letter(self, i: int) -> str:
        """'A' or 'B' for the interpolation's ends (the last two pins; a single pin is A)."""
        n = len(self.pins)
        if i == n - 2 or (n == 1 and i == 0):
            return "A"
        return "B" if i == n - 1 else ""

    def _pins_xy(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        text = [self._pin_letter(i) for i in range(len(self.pins))]
        xy = np.array([pin.z for pin in self.pins], np.float32).reshape(-1, 2)
        return xy[:, 0], xy[:, 1], text

    def _path_xy(self) -> tuple[list, list, list, list]:
        if len(self.pins) < 2:
            return [], [], [], []
        a, b = self.pins[-2].z, self.pins[-1].z
        za = (1 - self.alpha.value) * a + self.alpha.value * b
        return [float(a[0]), float(b[0])], [float(a[1]), float(b[1])], [float(za[0])], [
            float(za[1])]

    def _refresh_pins(self, update_plot: bool = True) -> None:
        names = [(f"{letter} · " if (letter := self._pin_letter(i)) else "") + pin.label
                 for i, pin in enumerate(self.pins)]
        if self.pins:
            self.pins_view.show(np.stack([pin.image for pin in self.pins]), names)
        else:
            self.pins_view.show(np.zeros((0, 784), np.float32), [])
        if update_plot:
            px, py, text = self._pins_xy()
            with self.fig.batch_update():
                self.fig.data[T_PINS].x, self.fig.data[T_PINS].y = px, py
                self.fig.data[T_PINS].text = text
        self.update_interpolation(update_plot)

    def interpolation(self, alpha: float) -> tuple[np.ndarray, np.ndarray]:
        """(g(z_α), x_α): the latent-space and pixel-space points at α between pins A and B."""
        a, b = self.pins[-2], self.pins[-1]
        latent = _decode(self.model, (1 - alpha) * a.z + alpha * b.z)[0]
        pixel = (1 - alpha) * a.image + alpha * b.image
        return latent, pixel.astype(np.float32)

    def update_interpolation(self, update_plot: bool = True) -> None:
        if len(self.pins) < 2:
            self.ends_label.value = ("<i>Pin two points (click two test dots, or pin two "
                                     "drawings) to interpolate between them.</i>")
            empty = np.zeros((0, 784), np.float32)
            for strip in (self.latent_path, self.pixel_path, self.pair_view):
                strip.show(empty, [])
        else:
            a, b = self.pins[-2], self.pins[-1]
            self.ends_label.value = (f"<b>A</b> = {html.escape(a.label)}, "
                                     f"<b>B</b> = {html.escape(b.label)}")
            alphas = np.linspace(0.0, 1.0, N_PATH, dtype=np.float32)[:, None]  # (10, 1)
            latent = _decode(self.model, (1 - alphas) * a.z[None] + alphas * b.z[None])
            pixel = (1 - alphas) * a.image[None] + alphas * b.image[None]
            captions = [f"{float(al):.2f}" for al in alphas[:, 0]]
            self.latent_path.show(latent, captions)
            self.pixel_path.show(pixel, captions)
        self.update_alpha(update_plot)

    def update_alpha(self, update_plot: bool = True) -> None:
        """The pair of pictures at the slider's α, and its point on the plane."""
        if len(self.pins) >= 2:
            alpha = float(self.alpha.value)
            latent, pixel = self.interpolation(alpha)
            self.pair_view.show(np.stack([latent, pixel]),
                                [f"latent, α = {alpha:.2f}", f"pixel, α = {alpha:.2f}"])
        if update_plot:
            lx, ly, ax, ay = self._path_xy()
            with self.fig.batch_update():
                self.fig.data[T_PATH].x, self.fig.data[T_PATH].y = lx, ly
                self.fig.data[T_ALPHA].x, self.fig.data[T_ALPHA].y = ax, ay

    # -- drawing ------------------------------------------------------------------------
    def clear_drawing(self) -> None:
        self.canvas.image = np.zeros(784, np.float32)

    def load_test_digit(self, index: int | None) -> None:
        """Put test digit ``index`` (None = random) on the canvas; it is encoded like a drawing."""
        if index is None:
            index = int(self.rng.integers(len(self.test_images)))
        if not 0 <= index < len(self.test_images):
            raise ExplorerError(f"there is no test digit #{index}")
        self.canvas.image = self.test_images[index]
        self.status.show(f"Test digit #{index} (a {self.test_labels[index]}) on the canvas.", "ok")

    def _drawn_xy(self) -> tuple[np.ndarray, ...]:
        if self.drawn is None:
            empty = np.zeros(0, np.float32)
            return empty, empty, empty, empty, empty, empty
        mu, sigma = self.drawn["mu"], self.drawn["sigma"]
        ex2, ey2 = ellipse(mu, sigma, 2.0)
        ex1, ey1 = ellipse(mu, sigma, 1.0)
        return ex2, ey2, ex1, ey1, mu[:1], mu[1:]

    @torch.no_grad()
    def encode_drawing(self, update_plot: bool = True) -> None:
        """Encode the canvas: q(z|x) on the plane, its reconstruction, ELBO and IWAE_k."""
        x = binarize_drawing(self.canvas.image)
        if not x.any():
            self.drawn = None
            self.readout.value = ('<div class="explorer-vae-readout-empty" style="font-size:14px">'
                                  "Draw a digit on the canvas (or press Random test digit): its "
                                  "q(z|x) will appear on the plane.</div>")
            self.reconstruction_view.show(np.zeros((0, 784), np.float32), [])
            self.magnifier.value = ""
        else:
            model = self.model
            xt = torch.from_numpy(x)[None].to(model.device)  # (1, 784)
            mu, logvar = model.encode(xt)
            # a fixed seed: the same drawing always shows the same numbers
            generator = torch.Generator(device=model.device).manual_seed(0)
            terms = model.elbo(xt, n_samples=ELBO_SAMPLES, generator=generator)
            iwae = float(model.iwae_bound(xt, IWAE_K, generator=generator)[0])
            mu_np = mu[0].cpu().numpy().astype(np.float32)
            sigma = (0.5 * logvar[0]).exp().cpu().numpy().astype(np.float32)
            recon = model.decode(mu).cpu().numpy()
            self.drawn = {"x": x, "mu": mu_np, "sigma": sigma,
                          "reconstruction": float(terms.reconstruction[0]),
                          "kl": float(terms.kl[0]), "elbo": float(terms.elbo[0]), "iwae": iwae}
            self.readout.value = self._readout_html()
            self.magnifier.value = self._magnifier_html()
            self.reconstruction_view.show(np.stack([x, recon[0]]), ["your digit", "g(μ)"])
        if update_plot:
            ex2, ey2, ex1, ey1, mx, my = self._drawn_xy()
            with self.fig.batch_update():
                self.fig.data[T_ELLIPSE2].x, self.fig.data[T_ELLIPSE2].y = ex2, ey2
                self.fig.data[T_ELLIPSE1].x, self.fig.data[T_ELLIPSE1].y = ex1, ey1
                self.fig.data[T_MEAN].x, self.fig.data[T_MEAN].y = mx, my

    def _magnifier_html(self) -> str:
        """q(z|x) close up: a 2-D encoder is often so sure (σ ≈ 0.05) that its ellipses are
        smaller than the cross on the ±4 plane; here they fill the window, among the test μ."""
        mu, sigma = self.drawn["mu"], self.drawn["sigma"]
        half = float(min(PLANE, max(MAGNIFIER_SIGMAS * float(sigma.max()), MAGNIFIER_MIN)))
        ex2, ey2, ex1, ey1, _, _ = self._drawn_xy()  # the plane's own 2σ and 1σ contours
        svg = magnifier_svg(mu, half, [(ex2, ey2, "4,3"), (ex1, ey1, "")], self.test_mu,
                            self.test_colours, f"μ ± {half:.2f} on both axes (×{PLANE / half:.0f})")
        return ('<div style="font-size:13px"><b>q(z|x) close up</b> with the test μ near it'
                f"</div>{svg}")

    def _readout_html(self) -> str:
        d = self.drawn
        mu, sigma = d["mu"], d["sigma"]
        return (
            '<div style="font-size:14px;line-height:1.5">'
            f'<span class="explorer-vae-mu" data-mu="{mu[0]:.4f},{mu[1]:.4f}">'
            f"q(z|x): μ = ({_fmt(mu[0])}, {_fmt(mu[1])})</span>, "
            f'<span class="explorer-vae-sigma">σ = ({sigma[0]:.2f}, {sigma[1]:.2f})</span><br>'
            f"reconstruction E<sub>q</sub>[log p(x|z)] = <b>{_fmt(d['reconstruction'])}</b> nats"
            f"<br>KL(q(z|x) ‖ p(z)) = <b>{d['kl']:.2f}</b> nats<br>"
            f'<span class="explorer-vae-elbo" data-elbo="{d["elbo"]:.4f}">ELBO = '
            f"reconstruction − KL = <b>{_fmt(d['elbo'])}</b> nats</span><br>"
            f'<span class="explorer-vae-iwae">IWAE<sub>{IWAE_K}</sub> = {_fmt(d["iwae"])} nats '
            f"(≥ ELBO: a tighter bound on log p(x))</span></div>"
        )


# --------------------------------------------------------------------------------------------
# Retraining panel
# --------------------------------------------------------------------------------------------


class RetrainPanel(widgets.VBox):
    """Train a fresh small VAE live, with β and the latent size as knobs (posterior collapse).

    Training runs in chunks of minibatches driven by :class:`Pacer`: an asyncio task on the
    kernel's own event loop rather than a background thread, so no widget is touched from two
    threads, and Stop (or a hover on the plane) is handled between two chunks of ~30 ms.
    """

    def __init__(self, test_images: np.ndarray, test_labels: np.ndarray,
                 on_explore: Callable[[VAE, str], None] | None = None, seed: int = 0) -> None:
        super().__init__()
        self.add_class("explorer-vae-retrain")
        self.status = StatusLine()
        self.test_images, self.test_labels = test_images, test_labels
        self.on_explore = on_explore
        self.seed = seed
        self.runs = 0
        self.model: VAE | None = None
        self.trainer: VAETrainer | None = None
        self.history: dict[str, list[float]] = {"epoch": [], "reconstruction": [], "kl": []}
        self.batches_per_tick = 4
        self._last_curves = self._last_plane = -math.inf
        self.dims = (0, 1)
        self.hidden = RETRAIN_HIDDEN  # units of the fresh VAE's hidden layer
        self.train_images: np.ndarray | None = None
        guard = self.status.guard

        self.beta = widgets.SelectionSlider(options=list(RETRAIN_BETAS), value=1.0,
                                            description="β", continuous_update=False,
                                            layout=widgets.Layout(width="330px"))
        self.beta.add_class("explorer-vae-beta")
        self.latent = widgets.Dropdown(options=list(RETRAIN_LATENTS), value=2,
                                       description="latent size",
                                       style={"description_width": "initial"},
                                       layout=widgets.Layout(width="160px"))
        self.lr = widgets.Dropdown(options=list(RETRAIN_LRS), value=1e-3,
                                   description="learning rate",
                                   style={"description_width": "initial"},
                                   layout=widgets.Layout(width="240px"))
        self.epochs = widgets.IntSlider(value=100, min=5, max=300, step=5, description="epochs",
                                        continuous_update=False)
        self.train_button = labelled_button("Train", button_style="success", icon="play")
        self.stop_button = labelled_button("Stop", button_style="warning", icon="stop",
                                           disabled=True)
        self.explore_button = labelled_button("Explore it above", icon="arrow-up", disabled=True)
        self.train_button.on_click(guard(lambda _b: self.start()))
        self.stop_button.on_click(guard(lambda _b: self.stop()))
        self.explore_button.on_click(guard(lambda _b: self.explore()))
        for control in (self.beta, self.latent, self.lr, self.epochs):
            control.observe(guard(lambda _c: self._settings_changed()), names="value")
        self.readout = widgets.HTML()
        self.readout.add_class("explorer-vae-retrain-readout")
        self.manifold = ManifoldImage(display_width=252, cells=RETRAIN_GRID)
        self.manifold.add_class("explorer-vae-retrain-manifold")
        self.baseline = self._baseline()
        self.fig = go.FigureWidget(self._figure())  # wrapped last; mutated in callbacks only
        self.fig._config = {"displayModeBar": False}
        self.pacer = Pacer(self.tick, rate_hz=1 / RETRAIN_PERIOD_S, on_stop=self._on_stop,
                           on_error=self._on_error)
        self.readout.value = "<i>Press Train to start a fresh VAE.</i>"
        self.children = [
            explainer(RETRAIN_TEXT.format(h=RETRAIN_HIDDEN, base=_fmt(self.baseline, 0),
                                          active=ACTIVE_KL)),
            widgets.HBox([self.beta, self.latent, self.lr, self.epochs]),
            widgets.HBox([self.train_button, self.stop_button, self.explore_button]),
            self.fig,
            widgets.HBox([widgets.VBox([widgets.HTML("<b>its decoded manifold</b>"),
                                        self.manifold]),
                          self.readout], layout=widgets.Layout(align_items="flex-start")),
            self.status,
        ]

    def _train_data(self) -> np.ndarray:
        if self.train_images is None:
            from explorer.data import load_mnist

            self.train_images, _ = load_mnist("train", binarize=True)
        return self.train_images

    def _baseline(self) -> float:
        try:
            return independent_pixel_baseline(self._train_data(), self.test_images)
        except ExplorerError:
            return float("nan")

    def _figure(self) -> go.Figure:
        fig = make_subplots(
            rows=1, cols=3, horizontal_spacing=0.08, column_widths=[0.34, 0.33, 0.33],
            subplot_titles=("reconstruction E_q[log p(x|z)] (nats)", "KL(q(z|x) ‖ p(z)) (nats)",
                            PLANE_TITLE),
        )
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", line=dict(color="#1f77b4", width=2),
                                 name="reconstruction", hoverinfo="skip"), row=1, col=1)
        fig.add_trace(go.Scatter(x=[0, 1], y=[self.baseline] * 2, mode="lines",
                                 line=dict(color="#999", dash="dash", width=1.5),
                                 name="z ignored", hoverinfo="skip"), row=1, col=1)
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", line=dict(color="#d62728", width=2),
                                 name="KL", hoverinfo="skip"), row=1, col=2)
        for d in range(10):
            fig.add_trace(go.Scatter(x=[], y=[], mode="markers", name=str(d), showlegend=False,
                                     marker=dict(size=4, color=PALETTE[d]), hoverinfo="skip"),
                          row=1, col=3)
        fig.update_xaxes(title_text="epoch", row=1, col=1)
        fig.update_xaxes(title_text="epoch", row=1, col=2)
        fig.update_yaxes(rangemode="tozero", row=1, col=2)
        fig.update_xaxes(range=[-PLANE, PLANE], fixedrange=True, title_text="z₁", row=1, col=3)
        fig.update_yaxes(range=[-PLANE, PLANE], fixedrange=True, title_text="z₂", row=1, col=3)
        fig.update_layout(width=1000, height=330, margin=dict(l=50, r=10, t=40, b=45),
                          showlegend=False, plot_bgcolor="white", font=dict(size=13),
                          dragmode=False)
        fig.update_annotations(font_size=14)
        return fig

    # -- running ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.pacer.running

    def prepare(self) -> None:
        """A fresh model and trainer from the controls (``start`` = prepare + run)."""
        latent = int(self.latent.value)
        if latent not in RETRAIN_LATENTS:
            raise ExplorerError(f"latent size must be one of {RETRAIN_LATENTS}")
        beta = float(self.beta.value)
        if not 0.0 <= beta <= 32.0:
            raise ExplorerError(f"β must be between 0 and 32, got {beta}")
        data = torch.from_numpy(self._train_data())
        self.runs += 1
        torch.manual_seed(self.seed + self.runs)
        self.model = VAE(VAEConfig(hidden1=self.hidden, hidden2=0, latent=latent))
        self.model.init_output_bias(data)
        config = VAETrainConfig(epochs=int(self.epochs.value), lr=float(self.lr.value),
                                beta=beta, seed=self.seed + self.runs)
        self.trainer = VAETrainer(self.model, data, config)
        self.history = {"epoch": [], "reconstruction": [], "kl": []}
        self.dims = (0, 1)
        self._last_curves = self._last_plane = -math.inf
        self.explore_button.disabled = True
        self.push(curves=True, plane=True)

    def start(self) -> None:
        if self.running:
            return
        self.prepare()
        # One intra-op thread: on a 2-core machine a second one trains no faster (measured:
        # 0.18 s per epoch either way) but competes with the browser and the kernel's I/O.
        torch.set_num_threads(1)
        self.train_button.disabled = True
        self.stop_button.disabled = False
        self.status.show(
            f"Training a fresh VAE: β = {self.trainer.config.beta:g}, latent size "
            f"{self.model.latent_dim}, {self.trainer.config.epochs} epochs. Press Stop any time.")
        self.pacer.start()

    def _settings_changed(self) -> None:
        if self.running and self.trainer is not None:
            self.status.show(
                f"This run keeps its settings (β = {self.trainer.config.beta:g}, latent size "
                f"{self.model.latent_dim}); the new ones apply when you press Train again.")

    def stop(self) -> None:
        """Ask the run to stop; it stops before its next chunk of minibatches."""
        self.pacer.stop()
        self.stop_button.disabled = True

    def tick(self) -> bool:
        """One short step of the live run (~50 ms): either a chunk of minibatches (and, at most
        4 times a second, the curves) or, once a second, the small plane and manifold. Never
        both, so that no step keeps the page waiting. Returns False when the run is done."""
        trainer = self.trainer
        if trainer is None or trainer.done:
            return False
        if time.perf_counter() - self._last_plane >= PLANE_PUSH_S:
            self.push(curves=True, plane=True)
            return True
        started = time.perf_counter()
        n = min(self.batches_per_tick, self._batches_left())
        metrics = trainer.run_batches(n)
        spent = time.perf_counter() - started
        # Size the next chunk so that it takes about RETRAIN_TICK_S.
        self.batches_per_tick = int(min(40, max(1, round(n * RETRAIN_TICK_S / max(spent, 1e-3)))))
        self.history["epoch"].append(trainer.epochs_done)
        self.history["reconstruction"].append(metrics["reconstruction"])
        self.history["kl"].append(metrics["kl"])
        if time.perf_counter() - self._last_curves >= CURVE_PUSH_S:
            self.push(curves=True, plane=False)
        return not trainer.done

    def _batches_left(self) -> int:
        trainer = self.trainer
        total = trainer.config.epochs * trainer.batches_per_epoch
        return max(1, total - trainer.batches_done)

    def _on_stop(self) -> None:
        self.train_button.disabled = False
        self.stop_button.disabled = True
        if self.model is None or self.status.kind == "error":
            self.explore_button.disabled = True
            return
        self.push(curves=True, plane=True)
        self.explore_button.disabled = self.model.latent_dim != 2
        done = self.trainer.epochs_done
        if self.model.latent_dim == 2:
            more = " Press “Explore it above” to see it on the big plane."
        else:
            more = (f" Only a 2-D model fits the big plane above; the small plane shows this "
                    f"{self.model.latent_dim}-D model's two most active dimensions, "
                    f"z{self.dims[0] + 1} and z{self.dims[1] + 1}.")
        ended = "Finished" if self.trainer.done else "Stopped"
        self.status.show(f"{ended} after {done:.1f} epochs.{more}", "ok")

    def _on_error(self, exc: BaseException) -> None:
        if isinstance(exc, FloatingPointError):
            self.status.error(f"{exc}. The weights are unusable; press Train to start over.")
            epoch = self.trainer.epochs_done if self.trainer is not None else 0.0
            self.readout.value = (
                '<div style="font-size:14px;margin-left:16px" class="explorer-vae-diverged">'
                f"<b>Diverged</b> in epoch {epoch:.1f}: the curves end at the last good "
                "minibatches; the small plane and manifold are of broken weights.</div>")
        elif isinstance(exc, ExplorerError):
            self.status.error(str(exc))
        else:
            self.status.error(f"Training stopped: {type(exc).__name__}: {exc}. Press Train to "
                              "start over.")
        self.explore_button.disabled = True

    def explore(self) -> None:
        if self.model is None or self.on_explore is None:
            raise ExplorerError("train a model first")
        if self.running:
            raise ExplorerError("stop the training first")
        beta = self.trainer.config.beta
        label = (f"retrained here (β = {beta:g}, {self.trainer.epochs_done:.0f} epochs, "
                 "not saved)")
        self.on_explore(self.model, label)

    # -- drawing ------------------------------------------------------------------------
    @torch.no_grad()
    def push(self, curves: bool, plane: bool) -> None:
        """Send the live plots: curves (cheap) and/or the small plane and manifold."""
        if self.model is None:
            return
        now = time.perf_counter()
        if plane:
            x = torch.from_numpy(self.test_images).to(self.model.device)
            mu_t, logvar_t = self.model.encode(x)  # (N, L) each
            per_dim = gaussian_kl_terms(mu_t, logvar_t).mean(0).cpu().numpy()  # (L,) nats
            mu = mu_t.cpu().numpy()
        with self.fig.batch_update():
            if curves:
                self._last_curves = now
                epochs = np.asarray(self.history["epoch"], np.float32)
                self.fig.data[0].x, self.fig.data[0].y = epochs, np.asarray(
                    self.history["reconstruction"], np.float32)
                self.fig.data[1].x = [0.0, float(max(1.0, self.trainer.epochs_done))]
                self.fig.data[2].x, self.fig.data[2].y = epochs, np.asarray(
                    self.history["kl"], np.float32)
            if plane:
                self._last_plane = now
                if self.model.latent_dim > 2:
                    self.dims = tuple(sorted(int(i) for i in np.argsort(-per_dim)[:2]))
                    self.fig.layout.annotations[2].text = (
                        f"test μ: z{self.dims[0] + 1}, z{self.dims[1] + 1}, the 2 most active "
                        f"of {self.model.latent_dim}")
                else:
                    self.fig.layout.annotations[2].text = PLANE_TITLE
                for d in range(10):
                    rows = self.test_labels == d
                    self.fig.data[3 + d].x = mu[rows, self.dims[0]]
                    self.fig.data[3 + d].y = mu[rows, self.dims[1]]
                self.fig.layout.xaxis3.title.text = f"z{self.dims[0] + 1}"
                self.fig.layout.yaxis3.title.text = f"z{self.dims[1] + 1}"
        if plane:
            _, images = self.model.manifold(RETRAIN_GRID, dims=self.dims)
            self.manifold.show(tile_manifold(images).cpu().numpy(), cells=RETRAIN_GRID)
            self.readout.value = self._readout_html(per_dim)

    def _readout_html(self, per_dim: np.ndarray) -> str:
        rec = self.history["reconstruction"][-1] if self.history["reconstruction"] else math.nan
        kl = self.history["kl"][-1] if self.history["kl"] else math.nan
        active = int((per_dim > ACTIVE_KL).sum())
        dims = " ".join(f"{v:.2f}" for v in per_dim)
        return (
            '<div style="font-size:14px;line-height:1.55;margin-left:16px">'
            f"epoch <b>{self.trainer.epochs_done:.1f}</b> of {self.trainer.config.epochs}, "
            f"β = {self.trainer.config.beta:g}<br>"
            f"training minibatches: reconstruction <b>{_fmt(rec)}</b> nats, "
            f'<span class="explorer-vae-retrain-kl" data-kl="{kl:.4f}">KL <b>{kl:.2f}</b> nats'
            f"</span>, ELBO {_fmt(rec - kl)}<br>"
            f'<span class="explorer-vae-active" data-active="{active}">active latent dimensions '
            f"(test KL > {ACTIVE_KL} nats): <b>{active}</b> of {len(per_dim)}</span><br>"
            f"test KL per dimension: {dims}<br>"
            f"(z ignored altogether: reconstruction ≈ {_fmt(self.baseline)} nats)</div>"
        )


def build_vae_manifold_app(model_name: str = "vae2d-mnist") -> VAEManifoldApp:
    """The VAE manifold app, ready to display (the last line of ``apps/vae_manifold.ipynb``)."""
    return VAEManifoldApp(model_name)
