"""The retraining panel: a fresh small VAE trained live, β and the latent size as knobs
(posterior collapse). Training is driven by :class:`~explorer.views.live_training.LiveTraining`;
the math (KL per dimension, active units, the collapsed model's level) comes from
:mod:`explorer.models.vae` and :mod:`explorer.metrics.vae_bounds`; this module lays out the
controls and draws the curves (SVG, :func:`~explorer.views.charts.xy_chart_svg`), the small plane
(a :class:`~explorer.views.latent_widgets.LatentPlane` canvas) and the small manifold: no plotly."""

from __future__ import annotations

import math
from collections.abc import Callable

import ipywidgets as widgets
import numpy as np
import torch

from explorer.errors import ExplorerError
from explorer.metrics.vae_bounds import independent_pixel_baseline
from explorer.models.vae import (
    ACTIVE_THRESHOLD,
    VAE,
    VAEConfig,
    VAETrainConfig,
    VAETrainer,
    activity_per_dimension,
    kl_per_dimension,
    tile_manifold,
)
from explorer.views.charts import PALETTE, xy_chart_svg
from explorer.views.latent_widgets import LatentPlane, ManifoldImage
from explorer.views.live_training import LiveTraining
from explorer.views.status import StatusLine, explainer, labelled_button
from explorer.views.vae import text
from explorer.views.vae.plane import PLANE

# Retraining: a small VAE that reaches a recognisable manifold within ~30 s on 2 CPU cores.
RETRAIN_HIDDEN = 256
RETRAIN_LATENTS = (2, 5, 10, 20)
# β from 0 to 4 (β = 1 is the ELBO) and on to 32: measured on this model after 100 epochs, a
# 2-D code keeps KL ≈ 5.5 nats at β = 1, 3.4 at β = 4, 1.2 at β = 16, and collapses (KL ≈
# 0.02 nats) at β = 32.
RETRAIN_BETAS = (("0", 0.0), ("¼", 0.25), ("½", 0.5), ("1", 1.0), ("2", 2.0), ("4", 4.0),
                 ("8", 8.0), ("16", 16.0), ("32", 32.0))
RETRAIN_LRS = (("0.0003", 3e-4), ("0.001", 1e-3), ("0.003", 3e-3), ("0.01", 1e-2),
               ("0.1 (too high)", 1e-1))
RETRAIN_GRID = 12
RECONSTRUCTION_TITLE = "reconstruction E_q[log p(x|z)] (nats)"
KL_TITLE = "KL(q(z|x) ‖ p(z)) (nats)"
CHART_SIZE = (330, 230)  # width, height of each curve (CSS pixels)
SMALL_PLANE_PX = 200  # the small plane's data area


class RetrainPanel(widgets.VBox):
    """Train a fresh small VAE live, with β and the latent size as knobs (posterior collapse)."""

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
        self.history: dict[str, list[float]] = {"epoch": [], "reconstruction": [], "kl": []}
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
        self.live = LiveTraining(self.status, on_metrics=self._record,
                                 redraw=lambda: self.push(curves=True, plane=False),
                                 redraw_slow=lambda: self.push(curves=True, plane=True),
                                 on_finish=self._finished)
        self.train_button = labelled_button("Train", button_style="success", icon="play")
        self.stop_button = self.live.stop_button
        self.explore_button = labelled_button("Explore it above", icon="arrow-up", disabled=True)
        self.train_button.on_click(guard(lambda _b: self.start()))
        self.explore_button.on_click(guard(lambda _b: self.explore()))
        for control in (self.beta, self.latent, self.lr, self.epochs):
            control.observe(guard(lambda _c: self._settings_changed()), names="value")
        self.readout = widgets.HTML()
        self.readout.add_class("explorer-vae-retrain-readout")
        self.manifold = ManifoldImage(display_width=252, cells=RETRAIN_GRID)
        self.manifold.add_class("explorer-vae-retrain-manifold")
        self.baseline = self._baseline()
        self.reconstruction_chart = widgets.HTML()
        self.reconstruction_chart.add_class("explorer-vae-retrain-reconstruction")
        self.kl_chart = widgets.HTML()
        self.kl_chart.add_class("explorer-vae-retrain-kl-curve")
        self.plane = LatentPlane(extent=PLANE, size=SMALL_PLANE_PX, colours=list(PALETTE),
                                 dot_radius=1.8, title=text.PLANE_TITLE)
        self.plane.add_class("explorer-vae-retrain-plane")
        self._draw_curves()
        self.readout.value = text.RETRAIN_IDLE
        self.children = [
            explainer(text.RETRAIN_TEXT.format(h=RETRAIN_HIDDEN, base=text.fmt(self.baseline, 0),
                                               active=ACTIVE_THRESHOLD)),
            widgets.HBox([self.beta, self.latent, self.lr, self.epochs],
                         layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([self.train_button, self.stop_button, self.explore_button,
                          self.live.progress],
                         layout=widgets.Layout(align_items="center", flex_flow="row wrap")),
            widgets.HBox([self.reconstruction_chart, self.kl_chart, self.plane],
                         layout=widgets.Layout(align_items="flex-start", flex_flow="row wrap")),
            widgets.HBox([widgets.VBox([widgets.HTML("<b>its decoded manifold</b>"),
                                        self.manifold]),
                          self.readout],
                         layout=widgets.Layout(align_items="flex-start", flex_flow="row wrap")),
            self.status,
        ]

    @property
    def trainer(self) -> VAETrainer | None:
        return self.live.trainer

    @property
    def pacer(self):  # noqa: ANN201 - the live run's Pacer (tests join it)
        return self.live.pacer

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

    def _draw_curves(self) -> None:
        """Both terms of the objective against the epoch, and the level of a model that ignores
        z (dashed) beside the reconstruction."""
        epochs = np.asarray(self.history["epoch"], np.float64)
        width, height = CHART_SIZE
        self.reconstruction_chart.value = xy_chart_svg(
            epochs, [(np.asarray(self.history["reconstruction"]), "#1f77b4")],
            RECONSTRUCTION_TITLE, "epoch", width, height,
            references=((self.baseline, "#999", "z ignored"),))
        self.kl_chart.value = xy_chart_svg(
            epochs, [(np.asarray(self.history["kl"]), "#d62728")], KL_TITLE, "epoch", width,
            height, y_from_zero=True)

    # -- running ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.live.running

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
        generator = torch.Generator().manual_seed(self.seed + self.runs)  # this run's own
        with torch.random.fork_rng(devices=[]):  # nn.Linear's own init draws from the global
            self.model = VAE(VAEConfig(hidden1=self.hidden, hidden2=0, latent=latent))
        self.model.reset_parameters(generator)  # ... so the weights come from ours
        self.model.init_output_bias(data)
        config = VAETrainConfig(epochs=int(self.epochs.value), lr=float(self.lr.value),
                                beta=beta, seed=self.seed + self.runs)
        self.live.attach(VAETrainer(self.model, data, config, generator=generator))
        self.history = {"epoch": [], "reconstruction": [], "kl": []}
        self.dims = (0, 1)
        self.explore_button.disabled = True
        self.push(curves=True, plane=True)

    def start(self) -> None:
        if self.running:
            return
        self.prepare()
        self.train_button.disabled = True
        self.live.start(message=(
            f"Training a fresh VAE: β = {self.trainer.config.beta:g}, latent size "
            f"{self.model.latent_dim}, {self.trainer.config.epochs} epochs. Press Stop any time."))

    def _settings_changed(self) -> None:
        if self.running and self.trainer is not None:
            self.status.show(
                f"This run keeps its settings (β = {self.trainer.config.beta:g}, latent size "
                f"{self.model.latent_dim}); the new ones apply when you press Train again.")

    def stop(self) -> None:
        """Ask the run to stop; it stops before its next chunk of minibatches."""
        self.live.stop()

    def tick(self) -> bool:
        """One step of the live run (see :meth:`LiveTraining.tick`)."""
        return self.live.tick()

    def _record(self, metrics: dict[str, float]) -> None:
        self.history["epoch"].append(self.trainer.epochs_done)
        self.history["reconstruction"].append(metrics["reconstruction"])
        self.history["kl"].append(metrics["kl"])

    def _finished(self, ended: str) -> None:
        self.train_button.disabled = False
        self.stop_button.disabled = True
        if ended == "Diverged":
            epoch = self.trainer.epochs_done if self.trainer is not None else 0.0
            self.readout.value = (
                '<div style="font-size:14px;margin-left:16px" class="explorer-vae-diverged">'
                f"<b>Diverged</b> in epoch {epoch:.1f}: the curves end at the last good "
                "minibatches; the small plane and manifold are of broken weights.</div>")
        if ended in ("Diverged", "Failed") or self.model is None:
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
        self.status.show(f"{ended} after {done:.1f} epochs.{more}", "ok")

    def _on_stop(self) -> None:
        """The end of a run driven by hand (tests: ``prepare`` then ``tick`` until False)."""
        self._finished("Finished" if self.trainer is not None and self.trainer.done
                       else "Stopped")

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
        if plane:
            x = torch.from_numpy(self.test_images).to(self.model.device)
            kl_dims = kl_per_dimension(self.model, x).cpu().numpy()  # (L,) nats
            activity = activity_per_dimension(self.model, x).cpu().numpy()  # (L,)
            mu = self.model.encode(x)[0].cpu().numpy()
        if curves:
            self._draw_curves()
        if plane:
            if self.model.latent_dim > 2:
                self.dims = tuple(sorted(int(i) for i in np.argsort(-activity)[:2]))
                title = (f"test μ: z{self.dims[0] + 1}, z{self.dims[1] + 1}, the 2 most active "
                         f"of {self.model.latent_dim}")
            else:
                title = text.PLANE_TITLE
            with self.plane.hold_sync():
                self.plane.title = title
                self.plane.x_label = f"z{self.dims[0] + 1}"
                self.plane.y_label = f"z{self.dims[1] + 1}"
                self.plane.show_points(mu[:, list(self.dims)], self.test_labels)
            _, images = self.model.manifold(RETRAIN_GRID, dims=self.dims)
            self.manifold.show(tile_manifold(images).cpu().numpy(), cells=RETRAIN_GRID)
            self.readout.value = self._readout_html(kl_dims, activity)

    def _readout_html(self, kl_dims: np.ndarray, activity: np.ndarray) -> str:
        rec = self.history["reconstruction"][-1] if self.history["reconstruction"] else math.nan
        kl = self.history["kl"][-1] if self.history["kl"] else math.nan
        active = int((activity > ACTIVE_THRESHOLD).sum())
        dims = " ".join(f"{v:.2f}" for v in kl_dims)
        return (
            '<div style="font-size:14px;line-height:1.55;margin-left:16px">'
            f"epoch <b>{self.trainer.epochs_done:.1f}</b> of {self.trainer.config.epochs}, "
            f"β = {self.trainer.config.beta:g}<br>"
            f"training minibatches: reconstruction <b>{text.fmt(rec)}</b> nats, "
            f'<span class="explorer-vae-retrain-kl" data-kl="{kl:.4f}">KL <b>{kl:.2f}</b> nats'
            f"</span>, ELBO {text.fmt(rec - kl)}<br>"
            f'<span class="explorer-vae-active" data-active="{active}">active latent dimensions '
            f"(Burda et al.: Cov<sub>x</sub>(E<sub>q</sub>[z<sub>j</sub>]) &gt; "
            f"{ACTIVE_THRESHOLD}): <b>{active}</b> of {len(kl_dims)}</span><br>"
            f"test KL per dimension: {dims}<br>"
            f"(z ignored altogether: reconstruction ≈ {text.fmt(self.baseline)} nats)</div>"
        )
