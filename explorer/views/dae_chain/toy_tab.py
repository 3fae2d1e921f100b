"""The 2-D tab: a cloud of DAE chains on a toy, one chain walked sub-step by sub-step (fig. 20.11),
the reconstruction field against the true score, live numbers, and live retraining.

All math is in :mod:`explorer.models.dae` (the sub-steps, r(x) − x), :mod:`explorer.sampling`
(:class:`DAEChain`), :mod:`explorer.data.toys` (Tweedie's exact field) and
:mod:`explorer.metrics.dae_eval` (MMD² ratio, spurious share); this view only drives and draws.
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as widgets
import numpy as np
import torch

from explorer.data.toys import GaussianMixture, make_toy
from explorer.errors import ExplorerError
from explorer.metrics.dae_eval import DataReference, spurious_share
from explorer.sampling.dae_chain import DAEChain, DAEChainFrame
from explorer.train.dae_recipe import DAE2D_SHIPPED, TOY_STEPS, dae2d_config, dae2d_name
from explorer.views.dae_chain import text
from explorer.views.dae_chain.figure import diagram_svg, grid_points, histogram_png
from explorer.views.live_training import LiveTraining, torch_threads
from explorer.views.particles import ParticleCanvas
from explorer.views.status import StatusLine, labelled_button
from explorer.views.transport import TransportBar

TOYS = tuple(dict.fromkeys(toy for toy, _ in DAE2D_SHIPPED))
VIEWS = {"ring-8-wide": [-1.6, 1.6, -1.6, 1.6], "spiral": [-1.3, 1.3, -1.3, 1.3]}
GRID_N = 21
N_CHAINS = 2000
NUMBERS_S = 0.5  # while running, the numbers and histograms at most twice a second
MMD_N = 500  # MMD² of the first 500 chains (random starts) vs 500 held-out points: ~15 ms
THREADS = 1  # torch threads for the chain (2 threads on a busy 2-core machine: 100× slower)


class _Progressing:
    """A DAE trainer with the progress read-outs LiveTraining shows (a view-side adapter)."""

    def __init__(self, trainer: Any, total: int) -> None:
        self.trainer, self.total_batches = trainer, total

    @property
    def done(self) -> bool:
        return self.trainer.done

    @property
    def batches_done(self) -> int:
        return self.trainer.batches_done

    @property
    def fraction_done(self) -> float:
        return min(1.0, self.trainer.batches_done / self.total_batches)

    def run_batches(self, n: int) -> dict[str, float]:
        return self.trainer.run_batches(n)


def shipped_sigmas(toy: str) -> list[float]:
    return [s for t, s in DAE2D_SHIPPED if t == toy]


class ToyTab(widgets.VBox):
    """The 2-D tab. Public parts for tests: ``toy_choice``, ``sigma_choice``, ``training_choice``,
    ``n_chains``, ``field_box``, ``score_box``, ``substep_button``, ``transport``, ``canvas``,
    ``diagram``, ``numbers``, ``hist_chains``, ``hist_data``, the retrain controls
    (``retrain_sigma``, ``retrain_k``, ``retrain_steps``, ``train_button``, ``live``), and the
    state: ``model``, ``toy``, ``chain``, ``reference``, ``last_numbers``."""

    def __init__(self, status: StatusLine, seed: int = 0) -> None:
        super().__init__()
        self.add_class("explorer-dae-toy-tab")
        self.status = status
        self.rng = np.random.default_rng(seed)
        self.model: Any = None
        self.model_name = ""
        self.chain: DAEChain | None = None
        self.reference: DataReference | None = None
        self._references: dict[tuple[str, int], DataReference] = {}
        self.last_numbers: dict[str, float | None] = {}
        self._last_numbers_t = -1.0
        self._build()
        self.load_shipped()

    # -- building --------------------------------------------------------------------------
    def _build(self) -> None:
        guard = self.status.guard
        self.toy_choice = widgets.Dropdown(options=list(TOYS), value=TOYS[0],
                                           description=text.TOY_LABEL)
        self.sigma_choice = widgets.Dropdown(
            options=text.sigma_options(shipped_sigmas(TOYS[0])), description=text.SIGMA_LABEL)
        self.training_choice = widgets.ToggleButtons(options=text.TRAINING_OPTIONS, value=False,
                                                     description=text.TRAINING_LABEL)
        self.n_chains = widgets.IntSlider(value=N_CHAINS, min=1, max=2000,
                                          description=text.CHAINS_LABEL, continuous_update=False)
        self.field_box = widgets.Checkbox(value=True, description=text.FIELD_LABEL)
        self.score_box = widgets.Checkbox(value=False, description=text.SCORE_LABEL)
        self.substep_button = labelled_button(text.SUBSTEP_BUTTON, button_style="info")
        self.substep_button.on_click(guard(lambda _b: self.substep()))
        self.canvas = ParticleCanvas()
        self.transport = TransportBar(
            self.status, on_step=self.step, on_reset=self._reset_button, tick=self._tick,
            paused_text=lambda: text.paused(self.n_steps), running_text=text.RUNNING,
            speed=(1, 60, 30), speed_label=text.SPEED_LABEL,
            frames_behind=self.canvas.frames_behind, what="The chain")
        self.diagram = widgets.HTML(diagram_svg(None))
        self.numbers = widgets.HTML()
        self.numbers.add_class("explorer-dae-numbers-box")
        self.rule = widgets.HTML()
        self.hist_chains = widgets.Image(format="png")
        self.hist_data = widgets.Image(format="png")
        self.retrain_sigma = widgets.FloatSlider(value=0.3, min=0.05, max=0.6, step=0.05,
                                                 description=text.RETRAIN_SIGMA)
        self.retrain_k = widgets.IntSlider(value=1, min=1, max=8, description=text.RETRAIN_K)
        self.retrain_steps = widgets.IntSlider(value=TOY_STEPS, min=100, max=4000, step=100,
                                               description=text.RETRAIN_STEPS)
        self.train_button = labelled_button(text.TRAIN_BUTTON, button_style="success")
        self.shipped_button = labelled_button(text.SHIPPED_BUTTON)
        self.train_button.on_click(guard(lambda _b: self.retrain()))
        self.shipped_button.on_click(guard(lambda _b: self.load_shipped()))
        self.live = LiveTraining(self.status, redraw=self._draw_field_only,
                                 on_finish=self._trained)
        for widget in (self.toy_choice, self.sigma_choice, self.training_choice):
            widget.observe(guard(self._on_model_choice), names="value")
        self.n_chains.observe(guard(lambda _c: self.reset_chains()), names="value")
        self.field_box.observe(guard(lambda c: setattr(self.canvas, "show_field", c["new"])),
                               names="value")
        self.score_box.observe(guard(lambda c: setattr(self.canvas, "show_score", c["new"])),
                               names="value")
        # Narrow screens (1024 px projectors): fixed-width columns that wrap, never squeezed.
        wrap = widgets.Layout(flex_flow="row wrap", align_items="flex-start")
        controls = widgets.VBox([self.toy_choice, self.sigma_choice, self.training_choice,
                                 self.n_chains, self.field_box, self.score_box],
                                layout=widgets.Layout(width="310px", flex="0 0 auto"))
        self.transport.layout.flex_flow = "row wrap"
        for widget in (self.toy_choice, self.sigma_choice, self.training_choice, self.n_chains):
            widget.style.description_width = "initial"
        for button in (self.substep_button, self.shipped_button):
            button.layout.width = "auto"
            button.layout.min_width = "fit-content"
        side = widgets.VBox([widgets.HTML(text.DIAGRAM_HEADING), self.diagram,
                             widgets.HTML(text.DENSITY_HEADING),
                             widgets.HBox([self.hist_chains, self.hist_data]), self.rule])
        retrain = widgets.VBox([
            widgets.HTML(text.RETRAIN_HEADING),
            widgets.HBox([self.retrain_sigma, self.retrain_k, self.retrain_steps], layout=wrap),
            widgets.HBox([self.train_button, self.live.stop_button, self.live.progress,
                          self.shipped_button], layout=wrap),
            widgets.HTML(text.walkback_finding())])
        self.children = [
            widgets.HBox([controls, widgets.VBox([
                widgets.HTML(text.CANVAS_HEADING),
                widgets.HBox([self.substep_button, self.transport], layout=wrap),
                self.transport.speed, self.canvas], layout=widgets.Layout(flex="0 0 auto")),
                side], layout=wrap),
            self.numbers, retrain]

    # -- models ----------------------------------------------------------------------------
    def _on_model_choice(self, change: dict) -> None:
        if change["owner"] is self.toy_choice:
            sigmas = shipped_sigmas(self.toy_choice.value)
            with self.sigma_choice.hold_trait_notifications():
                self.sigma_choice.options = text.sigma_options(sigmas)
                self.sigma_choice.value = sigmas[0]
        self.load_shipped()

    def load_shipped(self) -> None:
        """Load the shipped DAE the toy / σ / training controls name, and restart the chains."""
        from explorer.weights import load_pretrained

        toy, sigma = self.toy_choice.value, float(self.sigma_choice.value)
        name = dae2d_name(toy, sigma, bool(self.training_choice.value))
        self.transport.pause(quiet=True)
        try:
            model = load_pretrained(name, device="cpu", expected_kind="dae")
        except ExplorerError as exc:
            self.transport.set_enabled(False)
            self.substep_button.disabled = True
            self.status.error(text.missing_weights(str(exc), name))
            return
        self.use_model(model, name)

    def use_model(self, model: Any, name: str) -> None:
        self.model, self.model_name = model.eval(), name
        self.toy = make_toy(self.toy_choice.value)
        self.view = VIEWS.get(self.toy_choice.value, [-1.6, 1.6, -1.6, 1.6])
        is_mixture = isinstance(self.toy, GaussianMixture)
        self.score_box.disabled = not is_mixture
        if not is_mixture:
            self.score_box.value = False
        rule = text.SPURIOUS_RULE["mixture" if is_mixture else "manifold"]
        self.rule.value = f"<div style='font-size:12px;color:#445'>Spurious: {rule}.</div>"
        self.transport.set_enabled(True)
        self.substep_button.disabled = False
        g = torch.Generator().manual_seed(int(self.rng.integers(1 << 31)))
        self.data_points = self.toy.sample(2000, g).numpy()
        self.hist_data.value = histogram_png(self.data_points, self.view)
        self.canvas.show(data=self.data_points, view=self.view, grid_n=GRID_N,
                         **self._fields())
        self.reset_chains()

    @torch.no_grad()
    def _fields(self) -> dict[str, np.ndarray]:
        """r(x) − x of the model and (mixtures) the exact σ²∇log p_σ = E[x | x̃] − x̃ on the grid."""
        grid = grid_points(self.view, GRID_N)
        out = {"field": self.model.reconstruction_field(torch.from_numpy(grid)).numpy()}
        if isinstance(self.toy, GaussianMixture):
            sigma = float(self.model.config.noise)
            g64 = torch.from_numpy(grid).double()
            out["score"] = (self.toy.tweedie_denoiser(g64, sigma) - g64).float().numpy()
        else:
            out["score"] = np.zeros_like(grid)
        return out

    # -- chains ----------------------------------------------------------------------------
    @property
    def n_steps(self) -> int:
        return self.chain.n_steps if self.chain is not None else 0

    def reset_chains(self) -> None:
        """New chains from N(0, I) (``n_chains`` of them), drawn at once."""
        if self.model is None:
            return
        k = int(self.n_chains.value)
        g = torch.Generator().manual_seed(int(self.rng.integers(1 << 62)))
        self.chain = DAEChain.free(self.model, torch.randn(k, 2, generator=g), g)
        key = (self.toy_choice.value, min(k, MMD_N))
        with torch_threads(THREADS):
            if k >= 2 and key not in self._references:
                self._references[key] = DataReference(self.toy, key[1], seed=0)
            self.reference = self._references.get(key)
            self.render(self.chain.frame(), numbers=True)

    def _reset_button(self) -> None:
        self.reset_chains()
        self.status.show(text.RESET, "ok")

    def substep(self) -> DAEChainFrame:
        """One sub-step of fig. 20.11 on every chain (a run in progress stops first)."""
        if self.chain is None:
            raise ExplorerError("No model is loaded.")
        self.transport.pause(quiet=True)
        with torch_threads(THREADS):
            frame = self.chain.substep()
            self.render(frame, numbers=frame.done == "sample")
        self.status.show(text.substep_done(frame.done, frame.next, self.chain.n_steps), "info")
        return frame

    def _full_step(self) -> DAEChainFrame:
        with torch_threads(THREADS):
            while True:
                frame = self.chain.substep()
                if frame.done == "sample":
                    return frame

    def step(self) -> None:
        """Finish the current step (all four sub-steps from a step's start), then draw."""
        if self.chain is None:
            raise ExplorerError("No model is loaded.")
        frame = self._full_step()
        with torch_threads(THREADS):
            self.render(frame, numbers=True)

    def _tick(self) -> None:
        frame = self._full_step()
        due = time.perf_counter() - self._last_numbers_t >= NUMBERS_S
        with torch_threads(THREADS):
            self.render(frame, numbers=due)

    # -- drawing ---------------------------------------------------------------------------
    def _chain_dict(self, frame: DAEChainFrame) -> dict:
        def point(t: torch.Tensor | None) -> list[float] | None:
            return None if t is None else [float(v) for v in t[0]]

        out: dict[str, Any] = {"x": point(frame.x), "x_tilde": point(frame.x_tilde),
                               "x_next": point(frame.x_next), "omega": None, "omega_std": None,
                               "h_text": ""}
        if frame.omega is not None:
            out["omega"] = point(frame.omega.mean)
            out["omega_std"] = [float(v) for v in torch.exp(0.5 * frame.omega.log_var[0])]
        if frame.h is not None:
            h = frame.h[0]
            out["h_text"] = text.h_text(float(h.mean()), int((h > 0.5).sum()), len(h))
        return out

    def render(self, frame: DAEChainFrame, numbers: bool = False) -> None:
        state = self.chain.state.numpy()
        with self.hold_sync():
            self.canvas.show(state, chain=self._chain_dict(frame), active=frame.done or "")
            self.diagram.value = diagram_svg(frame.done)
            if numbers:
                self._numbers(state)

    def _numbers(self, state: np.ndarray) -> None:
        self._last_numbers_t = time.perf_counter()
        ratio = (self.reference.mmd_ratio(state[:MMD_N]) if self.reference is not None
                 else None)
        spurious = spurious_share(self.toy, torch.from_numpy(state))
        data_spurious = (self.reference.data_spurious if self.reference is not None
                         else spurious_share(self.toy, torch.from_numpy(self.data_points)))
        self.last_numbers = {"n_steps": self.n_steps, "mmd2_ratio": ratio,
                             "spurious_share": spurious, "data_spurious_share": data_spurious}
        n_mmd = self.reference.n if self.reference is not None else 0
        self.last_numbers = {**self.last_numbers, "n_mmd": n_mmd}
        self.numbers.value = text.numbers(self.n_steps, ratio, spurious, data_spurious, n_mmd)
        self.hist_chains.value = histogram_png(state, self.view)

    # -- live retraining -------------------------------------------------------------------
    def retrain(self, seed: int | None = None) -> None:
        """Train a fresh 2-D DAE on the toy live (LiveTraining); it drives the chains after."""
        from explorer.models.base import seeded_global_rng
        from explorer.models.dae import DAE, DAEConfig, DAETrainConfig, DAETrainer

        if self.live.running:
            return
        self.transport.pause(quiet=True)
        seed = int(self.rng.integers(1 << 31)) if seed is None else seed
        sigma, k = float(self.retrain_sigma.value), int(self.retrain_k.value)
        steps = int(self.retrain_steps.value)
        with seeded_global_rng(seed):
            model = DAE(DAEConfig(**dae2d_config(sigma, k)))
        trainer = DAETrainer(model, self.toy, DAETrainConfig(
            epochs=1, batches_per_epoch=steps, batch_size=256, lr=3e-3, seed=seed))
        self._training = (model, sigma, k, steps)
        self.model = model
        self.train_button.disabled = True
        self.live.start(_Progressing(trainer, steps), text.training(sigma, k, steps))

    def _draw_field_only(self) -> None:
        self.canvas.show(**self._fields())

    def _trained(self, ended: str) -> None:
        model, sigma, k, steps = self._training
        self.train_button.disabled = False
        if ended in ("Finished", "Stopped"):
            self.use_model(model, f"yours (σ = {sigma:g}, k = {k})")
            self.status.show(text.trained(ended, sigma, k, steps), "ok")
        else:
            self.load_shipped()
