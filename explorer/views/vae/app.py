"""The VAE manifold app: a 2-D VAE's latent plane, live (§20.10.3, fig. 20.6) — its behaviour.

Panels: the test set encoded (μ of q(z|x)) as a scatter on the latent plane, with hover-to-decode
and click-to-pin; the decoded manifold of fig. 20.6 on an inverse-CDF grid; a canvas whose drawing
is encoded on every stroke (q(z|x), ELBO and IWAE_k with their errors, the exact log p(x));
interpolation in latent vs pixel space (Ozair & Bengio, fig. 1); and a retraining panel with a β
slider that shows posterior collapse live.

Roles: ``text`` holds every word, ``plane`` the canvas and what a pointer means, ``pins`` the
pins and interpolation, ``drawing`` the drawing panel, ``retrain`` the live retraining. All math
is in :mod:`explorer.models.vae` and :mod:`explorer.metrics`. No plotly: the planes, digits and
the manifold are anywidget canvases and the curves SVG, so the page loads no 5 MB bundle;
callbacks go through the guard.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import torch

from explorer.errors import ExplorerError
from explorer.metrics.quadrature import PlaneQuadrature
from explorer.models.vae import VAE, prior_cdf, tile_manifold
from explorer.views.charts import PALETTE
from explorer.views.digit_input import load_test_digits
from explorer.views.latent_widgets import Click, ManifoldImage
from explorer.views.page import add_page_bar
from explorer.views.status import StatusLine, labelled_button
from explorer.views.vae import drawing, layout, link, pins, plane, text
from explorer.views.vae.pins import Pin
from explorer.views.vae.plane import GRID_SIDE, HOVER_INTERVAL_S, PLANE, Throttle
from explorer.views.vae.retrain import RetrainPanel
from explorer.views.widgets import DigitCanvas, DigitStrip

ALPHA_INTERVAL_S = 0.05
OZAIR_ENDS = (9, 3)  # Ozair & Bengio's fig. 1 interpolates between a 9 and a 3


@torch.no_grad()
def encode_means(model: VAE, images: np.ndarray) -> np.ndarray:
    """μ(x) of every image, (N, L) float32."""
    mu, _ = model.encode(torch.from_numpy(np.asarray(images, np.float32)).to(model.device))
    return mu.cpu().numpy().astype(np.float32)


@torch.no_grad()
def decode(model: VAE, z: np.ndarray) -> np.ndarray:
    """g(z) for codes (N, L) -> (N, 784) float32 in [0, 1]."""
    zt = torch.from_numpy(np.asarray(z, np.float32).reshape(-1, model.latent_dim))
    return model.decode(zt.to(model.device)).cpu().numpy()


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
        self.drawn: drawing.Drawn | None = None
        self.loaded_index: int | None = None  # the test digit last put on the canvas
        self.quadrature: PlaneQuadrature | None = None  # exact log p(x), kept for the model
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
        self.shipped = model = model if model is not None else self._load_shipped(model_name)
        if model is not None:
            self._build_explorer(model)
            self.status.show(text.READY, "ok")
        self._layout()

    # -- model --------------------------------------------------------------------------
    def _load_shipped(self, name: str) -> VAE | None:
        from explorer.weights import load_pretrained

        try:
            model = load_pretrained(name, device="cpu", expected_kind="vae")
        except ExplorerError as exc:
            self.status.error(text.missing_weights(name, str(exc)))
            return None
        if model.latent_dim != 2:
            self.status.error(f"{name} has a {model.latent_dim}-D latent; this app needs 2-D")
            return None
        return model

    def _model_line(self) -> str:
        card = getattr(self.model, "card", None) or {}
        return text.model_line(self.model_label, card.get("metrics", {}))

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
        self.test_mu = encode_means(model, self.test_images)
        for pin in self.pins:
            if pin.source in ("test", "drawing"):
                pin.z = encode_means(model, pin.image[None])[0]
            else:
                pin.image = decode(model, pin.z)[0]
        self.plane.show_points(self.test_mu, self.test_labels)
        self.header.value = self._model_line()
        self._show_manifold()
        self._refresh_pins()
        self.encode_drawing()
        self.show_decoded(self.hovered_z if self.hovered_z is not None else np.zeros(2), "")

    # -- building -----------------------------------------------------------------------
    def _build_explorer(self, model: VAE) -> None:
        guard = self.status.guard
        self.model = model.eval()
        self.test_mu = encode_means(model, self.test_images)  # (N, 2)
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

        # the pointer's own position, for hovers and clicks alike (a click never pins a lagging
        # hovered point, and a first tap pins)
        self.plane = plane.make_plane(self.test_mu, self.test_labels,
                                      on_hover=guard(self.on_hover), on_click=guard(self.on_click))
        self.built = True
        self._draw_pins()
        self._draw_path()
        self._draw_drawn()

    def _layout(self) -> None:
        self.children = layout.app_children(self)

    # -- plane: hover and click ---------------------------------------------------------
    def on_hover(self, where: Click) -> None:
        """The pointer over the plane at fractions (fx, fy) of its data area: decodes μ of the
        test digit whose dot is within ``PICK_PX`` screen pixels, else the z under the pointer
        (on the prior's 0.05 grid). Throttled: at most one decode per ``HOVER_INTERVAL_S``."""
        z, index = plane.point_at(where, self.test_mu)
        if index is not None:
            self.hover(self.test_mu[index],
                       "μ of " + text.test_caption(index, int(self.test_labels[index])))
        else:
            z = plane.snap_to_grid(z)
            self.hover(z, text.z_caption(z))

    def on_click(self, click: Click) -> None:
        """A click (or tap) on the plane at fractions (fx, fy) of its data area: pins the test
        digit whose dot is within ``PICK_PX`` screen pixels, else the code z under the pointer."""
        z = plane.click_to_z(click["fx"], click["fy"])
        self.click_at(z, plane.pick_radius(click["width_px"]))

    def click_at(self, z: np.ndarray, radius: float = 0.0) -> None:
        """Pin what lies at ``z``: the nearest test dot within ``radius``, else z itself."""
        index = plane.nearest_dot(self.test_mu, z, radius)
        if index is not None:
            self.pin_test(index)
        else:
            self.pin_z(z)

    def show_decoded(self, z: np.ndarray, caption: str = "") -> None:
        """Decode z into the big view and move the manifold's marker to z's cell."""
        z = np.asarray(z, np.float32).reshape(2)
        self.hovered_z = z
        self.decoded_view.show(decode(self.model, z), [caption or text.z_caption(z)])
        u = prior_cdf(torch.from_numpy(z)).numpy()
        self.manifold.show_marker(float(u[0]), 1.0 - float(u[1]))

    def _show_manifold(self) -> None:
        _, images = self.model.manifold(GRID_SIDE)  # (n, n, 784)
        self.manifold.show(tile_manifold(images).cpu().numpy(), cells=GRID_SIDE)

    # -- pins and interpolation ---------------------------------------------------------
    def _default_ends(self) -> list[int]:
        """A 9 and a 3 (Ozair & Bengio's fig. 1) that the model decodes as themselves."""
        from explorer.weights import load_pretrained

        try:
            classifier = load_pretrained("classifier-mnist", device="cpu",
                                         expected_kind="classifier")
        except ExplorerError:
            classifier = None
        return pins.clear_ends(lambda z: decode(self.model, z), self.test_mu, self.digit_rows,
                               classifier, OZAIR_ENDS)

    def _test_pin(self, index: int) -> Pin:
        return Pin(self.test_mu[index].copy(), self.test_images[index].copy(),
                   text.test_caption(index, int(self.test_labels[index])), "test")

    def _add_pin(self, pin: Pin) -> None:
        self.pins.append(pin)
        del self.pins[:-pins.MAX_PINS]
        self._refresh_pins()
        self.status.show(f"Pinned {pin.label}.", "ok")

    def pin_test(self, index: int) -> None:
        if not 0 <= index < len(self.test_images):
            raise ExplorerError(f"there is no test digit #{index}")
        self._add_pin(self._test_pin(index))

    def pin_z(self, z: np.ndarray) -> None:
        z = np.clip(np.asarray(z, np.float32).reshape(2), -PLANE, PLANE)
        self._add_pin(Pin(z, decode(self.model, z)[0], text.z_caption(z), "z"))

    def pin_drawing(self) -> None:
        """Pin the canvas: a test digit loaded and left as it is pins as that test digit."""
        if self.drawn is None:
            raise ExplorerError("draw a digit first, then pin it")
        index = self.loaded_index
        if index is not None and np.array_equal(self.drawn.x, self.test_images[index]):
            self._add_pin(self._test_pin(index))
            return
        count = sum(pin.source == "drawing" for pin in self.pins) + 1
        self._add_pin(Pin(self.drawn.mu.copy(), self.drawn.x.copy(), f"drawing {count}",
                          "drawing"))

    def clear_pins(self) -> None:
        self.pins = []
        self._refresh_pins()

    def _refresh_pins(self, update_plot: bool = True) -> None:
        if self.pins:
            self.pins_view.show(np.stack([pin.image for pin in self.pins]),
                                pins.pin_names(self.pins))
        else:
            self.pins_view.show(np.zeros((0, 784), np.float32), [])
        if update_plot:
            self._draw_pins()
        self.update_interpolation(update_plot)

    def _draw_pins(self) -> None:
        px, py, letters = pins.pins_xy(self.pins)
        self.plane.show_pins(np.stack([px, py], axis=1), letters)

    def interpolation(self, alpha: float) -> tuple[np.ndarray, np.ndarray]:
        """(g(z_α), x_α): the latent-space and pixel-space points at α between pins A and B."""
        a, b = self.pins[-2], self.pins[-1]
        return decode(self.model, pins.latent_line(a, b, alpha))[0], pins.pixel_line(a, b, alpha)

    def update_interpolation(self, update_plot: bool = True) -> None:
        if len(self.pins) < 2:
            self.ends_label.value = text.NO_PAIR
            empty = np.zeros((0, 784), np.float32)
            for strip in (self.latent_path, self.pixel_path, self.pair_view):
                strip.show(empty, [])
        else:
            a, b = self.pins[-2], self.pins[-1]
            self.ends_label.value = text.ends_line(a.label, b.label)
            alphas = pins.alphas()
            captions = [f"{float(al):.2f}" for al in alphas[:, 0]]
            self.latent_path.show(decode(self.model, pins.latent_line(a, b, alphas)), captions)
            self.pixel_path.show(pins.pixel_line(a, b, alphas), captions)
        self.update_alpha(update_plot)

    def update_alpha(self, update_plot: bool = True) -> None:
        """The pair of pictures at the slider's α, and its point on the plane."""
        if len(self.pins) >= 2:
            alpha = float(self.alpha.value)
            latent, pixel = self.interpolation(alpha)
            self.pair_view.show(np.stack([latent, pixel]),
                                [f"latent, α = {alpha:.2f}", f"pixel, α = {alpha:.2f}"])
        if update_plot:
            self._draw_path()

    def _draw_path(self) -> None:
        lx, ly, ax, ay = pins.path_xy(self.pins, float(self.alpha.value))
        self.plane.show_segment([v for xy in zip(lx, ly, strict=True) for v in xy], ax + ay)

    # -- drawing ------------------------------------------------------------------------
    def clear_drawing(self) -> None:
        self.canvas.image = np.zeros(784, np.float32)

    def load_test_digit(self, index: int | None) -> None:
        """Put test digit ``index`` (None = random) on the canvas; it is encoded like a drawing."""
        if index is None:
            index = int(self.rng.integers(len(self.test_images)))
        if not 0 <= index < len(self.test_images):
            raise ExplorerError(f"there is no test digit #{index}")
        self.loaded_index = index
        self.canvas.image = self.test_images[index]
        self.status.show(f"Test digit #{index} (a {self.test_labels[index]}) on the canvas.", "ok")

    def encode_drawing(self, update_plot: bool = True) -> None:
        """Encode the canvas: q(z|x) on the plane, its reconstruction, bounds and log p(x)."""
        x = drawing.binarize_drawing(self.canvas.image)
        if not x.any():
            self.drawn = None
            self.readout.value = text.EMPTY_DRAWING
            self.reconstruction_view.show(np.zeros((0, 784), np.float32), [])
            self.magnifier.value = ""
        else:
            if self.quadrature is None or self.quadrature.model is not self.model:
                self.quadrature = PlaneQuadrature(self.model, **drawing.QUADRATURE)
            self.drawn = drawing.encode_digit(self.model, x, self.quadrature)
            self.readout.value = drawing.readout_html(self.drawn)
            self.magnifier.value = drawing.magnifier_html(self.drawn, self.test_mu,
                                                          self.test_colours)
            self.reconstruction_view.show(np.stack([x, self.drawn.reconstruction_image]),
                                          ["your digit", "g(μ)"])
        if update_plot:
            self._draw_drawn()

    def _draw_drawn(self) -> None:
        """The drawn digit's q(z|x) on the plane: 2σ (dotted) and 1σ ellipses and a cross at μ."""
        ex2, ey2, ex1, ey1, mx, my = drawing.drawn_xy(self.drawn)
        if self.drawn is None:
            self.plane.show_contours([], [], [])
        else:
            self.plane.show_contours([np.stack([ex2, ey2], 1), np.stack([ex1, ey1], 1)],
                                     [True, False], [float(mx[0]), float(my[0])])


def build_vae_manifold_app(model_name: str = "vae2d-mnist") -> VAEManifoldApp:
    """The VAE manifold app, ready to display (the last line of ``apps/vae_manifold.ipynb``)."""
    return add_page_bar(VAEManifoldApp(model_name), link.apply_link, link.link_state)
